"""Models and migrations in step: ``manage.py makemigrations --check --dry-run`` passes, in CI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tandem.partners.models import Partner

CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.mark.own_sqlite
def test_every_model_change_has_its_migration() -> None:
    """In a process of its own: tests that declare throw-away models leave them in this one."""
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=CHECKOUT,
        env={**os.environ, "DATABASE_URL": "sqlite:///:memory:"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"models and migrations differ; run `manage.py makemigrations`:\n{result.stdout}{result.stderr}"
    )


def makemigrations_check() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db  # makemigrations reads the applied history too
def test_the_check_fails_when_a_model_changes_without_a_migration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Partner._meta.get_field("job_title"), "max_length", 321)
    code, output = makemigrations_check()
    assert code == 1
    assert "job_title" in output
