"""Models and migrations in step: what ``manage.py makemigrations --check --dry-run`` checks, in CI."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tandem.partners.models import Partner

pytestmark = pytest.mark.django_db  # makemigrations checks the applied history too


def makemigrations_check() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_every_model_change_has_its_migration() -> None:
    code, output = makemigrations_check()
    assert code == 0, f"models and migrations differ; run `manage.py makemigrations`:\n{output}"


def test_the_check_fails_when_a_model_changes_without_a_migration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Partner._meta.get_field("job_title"), "max_length", 321)
    code, output = makemigrations_check()
    assert code == 1
    assert "job_title" in output
