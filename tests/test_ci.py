"""CI runs the README's test command, and that command holds the coverage floor."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]


def test_make_test_measures_coverage_and_fails_below_the_floor() -> None:
    commands = subprocess.run(
        ["make", "-n", "test"], cwd=CHECKOUT, capture_output=True, text=True, check=True
    ).stdout
    assert "pytest" in commands and "--cov" in commands, commands
    coverage = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["tool"]["coverage"]
    assert coverage["report"]["fail_under"] > 0
    assert coverage["run"]["source"] == ["tandem"]


def test_ci_runs_the_readme_test_command() -> None:
    assert 'stage "tests on SQLite" make test' in (CHECKOUT / ".ci" / "run").read_text()
    assert "make test" in (CHECKOUT / "README.md").read_text()


@pytest.mark.xdist_group("probe")
def test_xdist_sends_a_marked_group_to_one_worker(request: pytest.FixtureRequest) -> None:
    """``--dist loadgroup`` groups by a ``@group`` suffix xdist adds to the node id; pytest 9.2
    stopped taking it (pytest-xdist#1386) and the demo was built on both workers, silently."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("runs under --dist loadgroup only")
    assert request.node.nodeid.endswith("@probe")
