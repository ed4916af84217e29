"""Backup and restore on PostgreSQL (pg_dump/pg_restore).

Two ways: ``test_scratch_*`` creates two databases of its own on 127.0.0.1:5432, so it runs in
the SQLite suite too; ``test_site_*`` (marked ``postgres``) backs up the suite's own PostgreSQL
test database with Tandem's whole schema into a fresh database.
"""

from __future__ import annotations

import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection, connections
from psycopg import sql

from tandem.core.models import User
from tandem.operations import backup as backup_module
from tandem.operations.backup import BackupError, Site, backup, has_data, pg_environment, restore
from tandem.operations.checksums import database_settings, open_connection, table_checksums
from tandem.partners.models import Partner

from .conftest import MEDIA_FILES, read_media, write_media

SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def _server_reachable() -> bool:
    try:
        with socket.create_connection((SERVER["host"], SERVER["port"]), timeout=2):
            return True
    except OSError:
        return False


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **SERVER)  # type: ignore[arg-type]


def _create_database(name: str) -> None:
    with _admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(name: str) -> None:
    with _admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _settings(name: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
    base = base or {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": SERVER["host"],
        "PORT": str(SERVER["port"]),
        "USER": SERVER["user"],
        "PASSWORD": "",
    }
    return database_settings(base, NAME=name, CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)


@pytest.fixture
def scratch_databases(django_db_blocker: Any) -> Iterator[Callable[[], str]]:
    """Creates uniquely named databases on 127.0.0.1:5432 and drops them afterwards."""
    if not _server_reachable():
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    created: list[str] = []

    def make() -> str:
        name = f"tandem_ops_{uuid.uuid4().hex[:12]}"
        _create_database(name)
        created.append(name)
        return name

    with django_db_blocker.unblock():
        yield make
    for name in created:
        _drop_database(name)


SCHEMA = """
CREATE TABLE core_company (id bigserial PRIMARY KEY, name varchar(200) NOT NULL);
CREATE TABLE core_currency (code varchar(3) PRIMARY KEY, name text, minor_unit smallint);
CREATE TABLE partners_partner (
    id bigserial PRIMARY KEY,
    company_id bigint REFERENCES core_company (id),
    name text NOT NULL,
    credit_limit numeric(18, 2),
    score double precision,
    active boolean NOT NULL,
    created_at timestamptz NOT NULL,
    birthday date,
    data jsonb,
    logo bytea,
    uid uuid
);
CREATE TABLE core_tag_link (partner_id bigint, tag text, PRIMARY KEY (partner_id, tag));
"""

ROWS = """
INSERT INTO core_company (name) VALUES ('Tandem Furniture'), ('Elsewhere Ltd');
INSERT INTO core_currency
VALUES ('EUR', 'Euro', 2), ('JPY', 'Yen', 0), ('eur', 'lower', 2), ('Ä', 'umlaut', 2);
INSERT INTO partners_partner
    (company_id, name, credit_limit, score, active, created_at, birthday, data, logo, uid)
SELECT 1 + i % 2, 'Partner ' || i || ' — Łódź 北京', i * 10.25, i / 3.0, i % 3 = 0,
       '2026-01-01 10:00:00+01'::timestamptz + i * interval '1 hour', DATE '1980-01-01' + i,
       jsonb_build_object('i', i, 'tags', jsonb_build_array('a', 'b')), decode(md5(i::text), 'hex'),
       md5(i::text)::uuid
FROM generate_series(1, 500) AS i;
INSERT INTO partners_partner (company_id, name, active, created_at) VALUES (NULL, 'nulls', false, now());
INSERT INTO core_tag_link VALUES (1, 'b'), (1, 'a'), (2, 'B'), (2, 'a');
"""


def _populate(name: str) -> None:
    with psycopg.connect(dbname=name, autocommit=True, **SERVER) as opened:  # type: ignore[arg-type]
        opened.execute(SCHEMA)
        opened.execute(ROWS)


def _site(database: dict[str, Any], data_dir: Path) -> Site:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Site(database, data_dir, data_dir / "media", data_dir / "secret_key")


def _sums(database: dict[str, Any]) -> dict[str, Any]:
    with open_connection(database) as opened:
        return table_checksums(opened)


def test_scratch_round_trip_between_two_databases(
    scratch_databases: Callable[[], str], tmp_path: Path
) -> None:
    source_name, target_name = scratch_databases(), scratch_databases()
    _populate(source_name)
    source = _site(_settings(source_name), tmp_path / "source")
    write_media(source.media_root)  # type: ignore[arg-type]
    target = _site(_settings(target_name), tmp_path / "target")

    result = backup(source, tmp_path / "pg.tar.gz")

    manifest = result.manifest
    assert manifest["database"]["vendor"] == "postgresql"
    assert manifest["database"]["file"] == "database.pgdump"
    assert manifest["tables"]["partners_partner"]["rows"] == 501
    assert manifest["tables"]["core_currency"]["rows"] == 4
    assert manifest["tables"] == _sums(source.database)

    assert not has_data(target.database)
    restore(target, result.path)

    assert _sums(target.database) == manifest["tables"]
    assert read_media(target.media_root) == MEDIA_FILES  # type: ignore[arg-type]
    with psycopg.connect(dbname=target_name, **SERVER) as opened:  # type: ignore[arg-type]
        assert opened.execute("SELECT count(*) FROM partners_partner WHERE data ? 'tags'").fetchone() == (
            500,
        )
        next_id = opened.execute("SELECT nextval('partners_partner_id_seq')").fetchone()
        assert next_id == (502,)  # sequences come along

    # A second restore finds data (core_company has rows) and wants --force.
    assert has_data(target.database)
    with pytest.raises(BackupError, match="--force"):
        restore(target, result.path)
    with psycopg.connect(dbname=target_name, autocommit=True, **SERVER) as opened:  # type: ignore[arg-type]
        opened.execute("UPDATE partners_partner SET name = 'changed' WHERE id = 1")
        opened.execute("CREATE TABLE unrelated_notes (id int PRIMARY KEY)")  # not Tandem's: stays
    restore(target, result.path, force=True)
    assert {table: sums for table, sums in _sums(target.database).items() if table != "unrelated_notes"} == (
        manifest["tables"]
    )


def test_scratch_backup_is_consistent_while_writing(
    scratch_databases: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows committed after the snapshot is exported are in neither the dump nor the manifest."""
    source_name, target_name = scratch_databases(), scratch_databases()
    _populate(source_name)
    source = _site(_settings(source_name), tmp_path / "source")
    real_checksums = backup_module.table_checksums

    def write_then_checksum(opened: Any) -> Any:
        with psycopg.connect(dbname=source_name, autocommit=True, **SERVER) as writer:  # type: ignore[arg-type]
            writer.execute("INSERT INTO core_company (name) VALUES ('written during the backup')")
            writer.execute("DELETE FROM core_tag_link")
        return real_checksums(opened)

    monkeypatch.setattr(backup_module, "table_checksums", write_then_checksum)
    result = backup(source, tmp_path / "live.tar.gz")
    monkeypatch.setattr(backup_module, "table_checksums", real_checksums)

    assert result.manifest["tables"]["core_company"]["rows"] == 2
    assert result.manifest["tables"]["core_tag_link"]["rows"] == 4
    target = _site(_settings(target_name), tmp_path / "target")
    restore(target, result.path)
    assert _sums(target.database)["core_company"]["rows"] == 2


def test_scratch_restore_refuses_a_tampered_checksum_and_a_sqlite_archive(
    scratch_databases: Callable[[], str], tmp_path: Path
) -> None:
    from .conftest import rewrite_archive

    source_name, target_name = scratch_databases(), scratch_databases()
    _populate(source_name)
    archive = backup(_site(_settings(source_name), tmp_path / "source"), tmp_path / "pg.tar.gz").path
    target = _site(_settings(target_name), tmp_path / "target")

    def as_sqlite(folder: Path) -> None:
        import json

        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["database"]["vendor"] = "sqlite"
        (folder / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BackupError, match="sqlite database; this site uses postgresql"):
        restore(target, rewrite_archive(archive, tmp_path / "v.tar.gz", as_sqlite))
    assert _sums(target.database) == {}

    def tamper(folder: Path) -> None:
        import json

        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["tables"]["partners_partner"]["sha256"] = "f" * 64
        (folder / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BackupError, match=r"restored database does not match.*partners_partner"):
        restore(target, rewrite_archive(archive, tmp_path / "t.tar.gz", tamper))


def test_scratch_restore_into_a_missing_database(
    scratch_databases: Callable[[], str], tmp_path: Path
) -> None:
    source_name = scratch_databases()
    _populate(source_name)
    archive = backup(_site(_settings(source_name), tmp_path / "source"), tmp_path / "pg.tar.gz").path
    missing = _site(_settings(f"tandem_ops_missing_{uuid.uuid4().hex[:8]}"), tmp_path / "target")
    with pytest.raises(BackupError, match="Cannot connect to the database"):
        restore(missing, archive)


def test_password_travels_in_the_environment_not_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = _settings("shop", None) | {"PASSWORD": "s3cr3t-pass", "OPTIONS": {"sslmode": "require"}}
    environment = pg_environment(database)
    assert environment["PGPASSWORD"] == "s3cr3t-pass"
    assert environment["PGSSLMODE"] == "require"
    assert environment["PGHOST"] == "127.0.0.1" and environment["PGDATABASE"] == "shop"

    seen: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.append((argv, kwargs["env"]))
        return subprocess.CompletedProcess(argv, 1, "", "pg_restore: error: connection refused")

    monkeypatch.setattr(backup_module.subprocess, "run", fake_run)
    with pytest.raises(BackupError, match="pg_restore failed: pg_restore: error: connection refused"):
        backup_module._run(["pg_restore", "--dbname=shop", "x"], database)
    argv, env = seen[0]
    assert not any("s3cr3t-pass" in part for part in argv)
    assert env["PGPASSWORD"] == "s3cr3t-pass"


# --- the suite's own PostgreSQL database (make test-pg) ---------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL on PostgreSQL")
def test_site_round_trip_into_a_fresh_database(
    make_partner: Callable[..., Partner], admin: User, tmp_path: Path, django_db_blocker: Any
) -> None:
    make_partner("Kowalski i Synowie sp. z o.o.", email="biuro@kowalski.pl")
    make_partner("北京家具有限公司")
    source_database = dict(connections["default"].settings_dict)
    source = _site(source_database, tmp_path / "source")
    write_media(source.media_root)  # type: ignore[arg-type]
    result = backup(source, tmp_path / "site.tar.gz")
    assert result.manifest["tables"]["partners_partner"]["rows"] == 2
    assert result.manifest["tables"] == _sums(source_database)

    fresh = f"tandem_ops_fresh_{uuid.uuid4().hex[:10]}"
    admin_settings = {
        key: source_database[key] for key in ("HOST", "PORT", "USER", "PASSWORD") if source_database.get(key)
    }
    with psycopg.connect(
        dbname="postgres", autocommit=True, **{k.lower(): v for k, v in admin_settings.items()}
    ) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fresh)))
    try:
        target = _site(_settings(fresh, source_database), tmp_path / "target")
        restore(target, result.path)
        assert _sums(target.database) == result.manifest["tables"]
        assert read_media(target.media_root) == MEDIA_FILES  # type: ignore[arg-type]
    finally:
        with psycopg.connect(
            dbname="postgres", autocommit=True, **{k.lower(): v for k, v in admin_settings.items()}
        ) as db:
            db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(fresh)))
