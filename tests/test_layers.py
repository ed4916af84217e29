"""The layers hold for names too: no module names a higher layer's model in a string.

import-linter (``make lint``) sees imports only. A lower layer could still reach up through
the app registry — ``apps.get_model("partners.Partner")``, a ``"partners.Partner"`` foreign
key, a ``ContentType`` looked up by a higher app's label — and the layer order would hold on
paper only. This test reads every module under ``src/tandem`` (migrations aside: they are
generated snapshots) and fails on such a name. The layer order is the one import-linter
checks, read from ``pyproject.toml``.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "tandem"
MODEL_REFERENCE = re.compile(r"^(?P<label>[a-z_]+)\.(?P<model>[A-Za-z]\w*)$")
LABEL_KEYWORDS = {"app_label", "content_type__app_label", "subject_type__app_label"}


def layer_order() -> dict[str, int]:
    """``{top-level package: rank}`` from the layers contract; a higher rank is a higher layer."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contract = next(
        c for c in config["contracts"] if c["type"] == "layers" and c.get("containers") == ["tandem"]
    )
    ranks: dict[str, int] = {}
    for rank, layer in enumerate(reversed(contract["layers"])):
        for name in re.split(r"[|:]", layer):
            ranks[name.strip().strip("()")] = rank
    return ranks


def package_of_label(label: str) -> str | None:
    """The top-level ``tandem`` package an app label belongs to (``None``: not ours, e.g. auth)."""
    try:
        name = apps.get_app_config(label).name
    except LookupError:
        return None
    parts = name.split(".")
    return parts[1] if parts[0] == "tandem" and len(parts) > 1 else None


def is_model(label: str, model: str) -> bool:
    try:
        apps.get_model(label, model)
    except LookupError:
        return False
    return True


@dataclass(frozen=True)
class Reference:
    line: int
    label: str
    text: str


def references(source: str) -> list[Reference]:
    """Every model named by app label in ``source``: ``"label.Model"`` strings,
    ``get_model("label", "model")`` and lookups by ``app_label=…``."""
    found: list[Reference] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = MODEL_REFERENCE.match(node.value)
            if match and is_model(match["label"], match["model"]):
                found.append(Reference(node.lineno, match["label"], node.value))
        if not isinstance(node, ast.Call):
            continue
        strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in {"get_model", "get_by_natural_key"} and len(strings) >= 2 and is_model(*strings[:2]):
            found.append(Reference(node.lineno, strings[0], f"{name}{tuple(strings[:2])}"))
        for keyword in node.keywords:
            value = keyword.value
            if (
                keyword.arg in LABEL_KEYWORDS
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                found.append(Reference(node.lineno, value.value, f"{keyword.arg}={value.value!r}"))
    return found


def upward_references(path: Path, source: str, ranks: dict[str, int]) -> list[str]:
    """The references in the module at ``path`` to a model of a layer above its own."""
    package = path.relative_to(SOURCE).parts[0].removesuffix(".py")
    own = ranks.get(package)
    if own is None:
        return []
    problems = []
    for reference in references(source):
        target = package_of_label(reference.label)
        if target is not None and ranks.get(target, -1) > own:
            problems.append(
                f"{path.relative_to(ROOT)}:{reference.line}: {reference.text} ({package} → {target})"
            )
    return problems


def modules() -> list[Path]:
    return [path for path in sorted(SOURCE.rglob("*.py")) if "migrations" not in path.parts]


def test_no_module_names_a_higher_layers_model() -> None:
    ranks = layer_order()
    problems = [problem for path in modules() for problem in upward_references(path, path.read_text(), ranks)]
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        'PARTNER_MODEL = "partners.Partner"',
        'apps.get_model("partners", "Partner")',
        "ContentType.objects.get(app_label='partners', model='partner')",
        'ContentType.objects.get_by_natural_key("catalog", "product")',
        'company = models.ForeignKey("partners.Partner", models.CASCADE)',
    ],
)
def test_an_upward_name_from_core_is_found(source: str) -> None:
    problems = upward_references(SOURCE / "core" / "example.py", source, layer_order())
    assert len(problems) == 1


@pytest.mark.parametrize(
    "source",
    [
        'apps.get_model("core", "Currency")',
        'permission = "partners.view_partner"',
        'models.ForeignKey("core.Company", models.CASCADE)',
    ],
)
def test_names_at_or_below_the_own_layer_pass(source: str) -> None:
    assert upward_references(SOURCE / "core" / "example.py", source, layer_order()) == []
    assert (
        upward_references(SOURCE / "partners" / "example.py", 'x = "partners.Partner"', layer_order()) == []
    )


def importlinter_contracts() -> list[dict[str, object]]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_the_layers_contract_is_exhaustive_and_ignores_only_toolkit_imports() -> None:
    """A domain's views may use the UI toolkit, never the shell: an ignore rule naming all of
    ``tandem.web`` would let ``partners.views → web.views → catalog.models`` pass."""
    contracts = importlinter_contracts()
    layers = next(c for c in contracts if c["type"] == "layers" and c.get("containers") == ["tandem"])
    toolkit = next(
        c for c in contracts if c["type"] == "forbidden" and "tandem.web.generic" in c["source_modules"]
    )
    assert layers["exhaustive"] is True
    targets = {rule.split(" -> ")[1] for rule in layers["ignore_imports"]}  # type: ignore[union-attr]
    assert targets <= set(toolkit["source_modules"])  # type: ignore[arg-type]
    assert not {"tandem.web.views", "tandem.web.urls", "tandem.api.urls"} & set(toolkit["source_modules"])  # type: ignore[arg-type]


def test_each_app_is_layered_inside_and_its_core_modules_import_no_api_or_ui() -> None:
    contracts = importlinter_contracts()
    inside = next(
        c for c in contracts if c["type"] == "layers" and "tandem.partners" in c.get("containers", [])
    )
    assert [layer.replace("(", "").replace(")", "") for layer in inside["layers"]][-3:] == [
        "services : tasks",
        "queries",
        "models",
    ]  # type: ignore[union-attr]
    strict = next(
        c for c in contracts if c["type"] == "forbidden" and "rest_framework" in c["forbidden_modules"]
    )
    assert {"tandem.**.models", "tandem.**.services", "tandem.**.queries"} <= set(strict["source_modules"])  # type: ignore[arg-type]
    assert {"tandem.web", "tandem.api"} <= set(strict["forbidden_modules"])  # type: ignore[arg-type]
