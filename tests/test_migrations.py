"""Models and migrations in step: ``manage.py makemigrations --check --dry-run`` passes, in CI."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

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


# One step or step by step: `migrate` on an empty database creates the final state at once
# (tandem/core/management/commands/migrate.py); both paths must leave the same database.


def _migrate(database_url: str, *flags: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", *flags],
        cwd=CHECKOUT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    expected = "in one step" if not flags else "Applying"
    assert expected in result.stdout


def _sqlite_schema(path: Path) -> dict[str, Any]:
    """Tables with their columns (by name: the paths may order them differently), foreign keys
    and row counts; indexes by table and columns; triggers and views by their SQL."""
    described: dict[str, Any] = {}
    with closing(sqlite3.connect(path)) as db:
        for kind, name, table, sql in db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ):
            if kind == "table":
                columns = sorted(row[1:] for row in db.execute(f'PRAGMA table_xinfo("{name}")'))
                keys = sorted(row[2:] for row in db.execute(f'PRAGMA foreign_key_list("{name}")'))
                described[f"table {name}"] = (columns, keys, _rows(db, name))
            elif kind == "index":
                columns = [row[2:] for row in db.execute(f'PRAGMA index_xinfo("{name}")')]
                unique = [row[2:] for row in db.execute(f'PRAGMA index_list("{table}")') if row[1] == name]
                described[f"index {name}"] = (table, columns, unique)
            else:
                described[f"{kind} {name}"] = " ".join((sql or "").split())
    return described


def _rows(db: Any, table: str) -> int | tuple[Any, ...]:
    if table == "django_migrations":
        return tuple(sorted(db.execute("SELECT app, name FROM django_migrations")))
    return int(db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


@pytest.mark.own_sqlite
def test_one_step_and_step_by_step_build_the_same_sqlite_database(tmp_path: Path) -> None:
    _migrate(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    _migrate(f"sqlite:///{tmp_path / 'steps.sqlite3'}", "--step-by-step")

    one, steps = _sqlite_schema(tmp_path / "one.sqlite3"), _sqlite_schema(tmp_path / "steps.sqlite3")

    assert len(one) > 500
    assert {key: one.get(key) for key in steps if one.get(key) != steps[key]} == {}
    assert set(one) == set(steps)


POSTGRESQL_CATALOGUE = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default,"
    " character_maximum_length, numeric_precision, numeric_scale"
    " FROM information_schema.columns WHERE table_schema = 'public'",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable,"
    " condeferred FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
    "triggers": "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)"
    " FROM pg_trigger WHERE NOT tgisinternal",
    "functions": "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
    "extensions": "SELECT extname FROM pg_extension",
    "migrations": "SELECT app, name FROM django_migrations",
}


def _postgresql_schema(url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(url) as db:
        described = {name: sorted(db.execute(sql).fetchall()) for name, sql in POSTGRESQL_CATALOGUE.items()}
        tables = [row[0] for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        described["rows"] = sorted((table, _rows(db, table)) for table in tables)
    return described


@pytest.fixture
def empty_postgresql_databases() -> Iterator[tuple[str, str]]:
    import psycopg

    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    names = [f"tandem_migrate_{kind}_{os.getpid()}" for kind in ("one", "steps")]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{names[0]}", f"{server}/{names[1]}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL")
def test_one_step_and_step_by_step_build_the_same_postgresql_database(
    empty_postgresql_databases: tuple[str, str],
) -> None:
    one_url, steps_url = empty_postgresql_databases
    _migrate(one_url)
    _migrate(steps_url, "--step-by-step")

    one, steps = _postgresql_schema(one_url), _postgresql_schema(steps_url)

    assert len(one["triggers"]) > 0
    for part in POSTGRESQL_CATALOGUE.keys() | {"rows"}:
        assert set(one[part]) == set(steps[part]), part


@pytest.mark.django_db
def test_a_database_with_tables_takes_djangos_path() -> None:
    from django.db import connection

    from tandem.core.management.commands.migrate import one_step_plan

    assert one_step_plan(connection, {}) is None
