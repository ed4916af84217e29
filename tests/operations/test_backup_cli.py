"""``tandem backup`` / ``tandem restore`` as an administrator runs them: two data directories,
each its own process, SQLite (the embedded default)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tandem.operations.checksums import database_settings, open_connection, table_checksums

from .conftest import MEDIA_FILES, read_media, write_media

pytestmark = [pytest.mark.slow, pytest.mark.own_sqlite]

COMMAND_TIMEOUT = 180


def tandem(data_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TANDEM_", "DATABASE_URL", "DJANGO_", "PYTEST"))
    }
    environment.update(TANDEM_DATA_DIR=str(data_dir), TANDEM_LOG_FORMAT="plain")
    return subprocess.run(
        [sys.executable, "-m", "tandem.cli", *arguments],
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def checksums(database_file: Path, django_db_blocker: Any) -> dict[str, Any]:
    settings = database_settings({"ENGINE": "django.db.backends.sqlite3", "NAME": str(database_file)})
    with django_db_blocker.unblock(), open_connection(settings) as opened:
        return table_checksums(opened)


def test_backup_and_restore_commands(tmp_path: Path, django_db_blocker: Any) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    created = tandem(source, "manage", "shell", "-c", CREATE_DATA)
    assert created.returncode == 0, created.stderr
    write_media(source / "media")

    backed_up = tandem(source, "backup", "--output", str(tmp_path / "site.tar.gz"))
    assert backed_up.returncode == 0, backed_up.stderr
    assert "Backup written to" in backed_up.stdout

    restored = tandem(target, "restore", str(tmp_path / "site.tar.gz"))
    assert restored.returncode == 0, restored.stderr
    assert "match the manifest" in restored.stdout

    source_sums = checksums(source / "tandem.sqlite3", django_db_blocker)
    assert source_sums["core_user"]["rows"] == 1 and source_sums["core_company"]["rows"] == 1
    assert checksums(target / "tandem.sqlite3", django_db_blocker) == source_sums
    assert read_media(target / "media") == MEDIA_FILES
    assert (target / "secret_key").read_text() == (source / "secret_key").read_text()

    again = tandem(target, "restore", str(tmp_path / "site.tar.gz"))
    assert again.returncode == 1
    assert "tandem restore: The target database already holds users or companies" in again.stderr

    # (--force, damaged archives and the other refusals: test_backup_sqlite.py, in-process)
    into_default_folder = tandem(target, "backup")
    assert into_default_folder.returncode == 0, into_default_folder.stderr
    archives = list((target / "backups").glob("tandem-*.tar.gz"))
    assert len(archives) == 1 and str(archives[0]) in into_default_folder.stdout


CREATE_DATA = """
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tandem.core.models import Currency, User
from tandem.core.services import create_company, grant_company
eur = Currency.objects.get(code="EUR")
company = create_company(name="Tandem Furniture", code="tandem", currency=eur, country="PL")
user = User.objects.create_user(username="ada", password="secret-pass-123")
grant_company(user, company)
"""
