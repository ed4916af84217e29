"""Helpers for import tests: upload bytes, map, check and commit through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.core.models import Company, User
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tests.kit.imports import uploaded


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


@pytest.fixture
def upload(company: Company, manager: User) -> Callable[..., ImportRun]:
    def make(
        content: bytes | str, *, name: str = "partners.csv", spec: str = "partners.partner",
        actor: User | None = None,
        **kwargs: Any,
    ) -> ImportRun:  # fmt: skip
        data = content.encode() if isinstance(content, str) else content
        return uploaded(company, actor or manager, spec_key=spec, name=name, content=data, **kwargs)

    return make


@pytest.fixture
def run_import(upload: Callable[..., ImportRun], manager: User) -> Callable[..., ImportRun]:
    """Upload, keep the guessed mapping (plus ``options``), dry run, commit; returns the run."""

    def go(
        content: bytes | str, *, mode: str = "all", options: dict[str, Any] | None = None,
        actor: User | None = None,
        commit: bool = True, **kwargs: Any,
    ) -> ImportRun:  # fmt: skip
        actor = actor or manager
        run = upload(content, actor=actor, **kwargs)
        if options:
            columns = {int(k): v for k, v in run.mapping.items()}
            run = services.set_mapping(run, actor, columns=columns, options={**run.options, **options})
        run = services.start_dry_run(run, actor)
        if commit:
            run = services.start_commit(run, actor, mode=mode)
        run.refresh_from_db()
        return run

    return go
