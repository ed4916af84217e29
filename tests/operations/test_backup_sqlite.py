"""Backup and restore on SQLite: round trip with uploaded files, writes during the backup,
and every refusal (wrong vendor, damaged or tampered archive, non-empty target)."""

from __future__ import annotations

import json
import tarfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from tandem.core.models import Company, User
from tandem.operations import backup as backup_module
from tandem.operations.backup import BackupError, Site, backup, has_data, restore
from tandem.operations.checksums import column_types, open_connection, table_checksums, table_names
from tandem.operations.models import Heartbeat
from tandem.operations.services import record_heartbeat
from tandem.partners.models import Partner

from .conftest import MEDIA_FILES, read_media, rewrite_archive

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup path"),
]


@pytest.fixture
def business_data(make_partner: Callable[..., Partner], admin: User, salesperson: User) -> None:
    make_partner("Kowalski i Synowie sp. z o.o.", email="biuro@kowalski.pl")
    make_partner("北京家具有限公司")
    make_partner("Novak d.o.o.", actor=salesperson)


def checksums_of(site: Site) -> dict[str, Any]:
    with open_connection(site.database) as opened:
        return table_checksums(opened)


def manifest_of(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as opened:
        member = opened.extractfile("manifest.json")
        assert member is not None
        return dict(json.load(member))


def test_round_trip_into_a_fresh_database(
    business_data: None, source_site: Site, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # SQLite's own statistics table: copied, not compared
    (tmp_path / "backups").mkdir()
    result = backup(source_site, tmp_path / "backups")

    assert result.path.parent == tmp_path / "backups" and result.path.name.endswith(".tar.gz")
    assert result.path.stat().st_mode & 0o777 == 0o600
    manifest = manifest_of(result.path)
    assert manifest["format_version"] == 1
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["tandem_version"]
    assert manifest["created_at"]
    assert manifest["tables"]["partners_partner"]["rows"] == Partner.objects.count() == 3
    assert manifest["tables"]["core_company"]["rows"] == Company.objects.count()
    assert "ops.0001_initial" in manifest["database"]["migrations"]
    assert set(manifest["media"]["files"]) == set(MEDIA_FILES)
    assert manifest["secret_key"] == "file"
    source_sums = checksums_of(source_site)
    assert manifest["tables"] == source_sums

    target = make_sqlite_site("target")
    restored = restore(target, result.path)

    assert checksums_of(target) == source_sums  # every table: row count and checksum
    assert read_media(target.media_root) == MEDIA_FILES  # type: ignore[arg-type]
    assert target.secret_key_file is not None
    assert target.secret_key_file.read_text() == "source-secret-key"
    assert target.secret_key_file.stat().st_mode & 0o777 == 0o600
    assert "match the manifest" in restored.summary()
    with open_connection(target.database) as opened, opened.cursor() as cursor:
        cursor.execute("SELECT name FROM partners_partner ORDER BY name")
        assert [row[0] for row in cursor.fetchall()] == sorted(Partner.objects.values_list("name", flat=True))
    # No leftovers of the work folders next to the archive or in the data directory.
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [result.path.name]
    assert not [p for p in target.data_dir.iterdir() if p.name.startswith(".tandem-")]


def test_backup_while_another_thread_keeps_writing(
    business_data: None,
    source_site: Site,
    make_sqlite_site: Callable[[str], Site],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The snapshot is consistent and the writer is never blocked, even while the backup runs."""
    written: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    first_write = threading.Event()
    progressed = threading.Condition()

    def writer() -> None:
        try:
            for number in range(1, 5001):
                if stop.is_set():
                    break
                record_heartbeat(f"writer-{number}")
                with progressed:
                    written.append(number)
                    progressed.notify_all()
                first_write.set()
        except BaseException as error:
            errors.append(error)
        finally:
            first_write.set()
            connections.close_all()

    real_checksums = backup_module.table_checksums
    during_backup: dict[str, int] = {}

    def checksums_after_more_writes(opened: Any) -> Any:
        # The snapshot is taken; let the writer commit 25 more rows before the backup goes on.
        with progressed:
            during_backup["snapshot"] = len(written)
            progressed.wait_for(lambda: len(written) >= during_backup["snapshot"] + 25 or bool(errors), 30)
            during_backup["later"] = len(written)
        return real_checksums(opened)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert first_write.wait(30)
        monkeypatch.setattr(backup_module, "table_checksums", checksums_after_more_writes)
        result = backup(source_site, tmp_path / "live.tar.gz")
        monkeypatch.setattr(backup_module, "table_checksums", real_checksums)
    finally:
        stop.set()
        thread.join(60)

    assert not errors, errors
    assert not thread.is_alive()
    assert during_backup["later"] >= during_backup["snapshot"] + 25  # writes went on during the backup
    archived_rows = result.manifest["tables"]["ops_heartbeat"]["rows"]
    assert 1 <= archived_rows <= during_backup["snapshot"] + 1
    assert Heartbeat.objects.count() > archived_rows

    target = make_sqlite_site("target")
    restore(target, result.path)  # verifies every table against the manifest
    assert checksums_of(target)["ops_heartbeat"]["rows"] == archived_rows


def test_restore_refuses_a_non_empty_database_without_force(
    business_data: None, source_site: Site, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    archive = backup(source_site, tmp_path / "a.tar.gz").path
    target = make_sqlite_site("target")
    restore(target, archive)
    assert has_data(target.database)
    with open_connection(target.database) as opened, opened.cursor() as cursor:
        cursor.execute("UPDATE partners_partner SET name = 'changed after restore'")
    changed = checksums_of(target)

    with pytest.raises(BackupError, match="--force"):
        restore(target, archive)
    assert checksums_of(target) == changed  # untouched

    restore(target, archive, force=True)
    assert checksums_of(target) == manifest_of(archive)["tables"]


def test_restore_replaces_the_uploaded_files(
    business_data: None, source_site: Site, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    archive = backup(source_site, tmp_path / "a.tar.gz").path
    target = make_sqlite_site("target")
    assert target.media_root is not None
    (target.media_root / "stale").mkdir(parents=True)
    (target.media_root / "stale" / "old.txt").write_text("not in the backup")

    restore(target, archive)

    assert read_media(target.media_root) == MEDIA_FILES


def _refused(target: Site, archive: Path, message: str) -> None:
    with pytest.raises(BackupError, match=message):
        restore(target, archive)
    assert not Path(target.database["NAME"]).exists(), "nothing may be written"
    assert target.media_root is not None and not target.media_root.exists()
    assert not [p for p in target.data_dir.iterdir() if p.name.startswith(".tandem-")]


@pytest.fixture
def archive(business_data: None, source_site: Site, tmp_path: Path) -> Path:
    return backup(source_site, tmp_path / "good.tar.gz").path


def _edit_manifest(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        change(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return edit


def test_restore_refuses_an_archive_of_another_vendor(
    archive: Path, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    other = rewrite_archive(
        archive,
        tmp_path / "pg.tar.gz",
        _edit_manifest(lambda manifest: manifest["database"].update(vendor="postgresql")),
    )
    _refused(make_sqlite_site("target"), other, "postgresql database; this site uses sqlite")


def test_restore_refuses_a_tampered_table_checksum(
    archive: Path, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    def tamper(manifest: dict[str, Any]) -> None:
        manifest["tables"]["partners_partner"]["sha256"] = "0" * 64

    tampered = rewrite_archive(archive, tmp_path / "t.tar.gz", _edit_manifest(tamper))
    _refused(make_sqlite_site("target"), tampered, r"does not match its manifest.*partners_partner")


def test_restore_refuses_a_tampered_row_count(
    archive: Path, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    def tamper(manifest: dict[str, Any]) -> None:
        manifest["tables"]["core_company"]["rows"] += 1

    tampered = rewrite_archive(archive, tmp_path / "t.tar.gz", _edit_manifest(tamper))
    _refused(make_sqlite_site("target"), tampered, "core_company")


def test_restore_refuses_a_damaged_database_file(
    archive: Path, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    def damage(folder: Path) -> None:
        database = folder / "database.sqlite3"
        data = bytearray(database.read_bytes())
        data[-100] ^= 0xFF
        database.write_bytes(bytes(data))

    damaged = rewrite_archive(archive, tmp_path / "d.tar.gz", damage)
    _refused(make_sqlite_site("target"), damaged, "database file is damaged")


def test_restore_refuses_a_changed_uploaded_file(
    archive: Path, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    def change(folder: Path) -> None:
        (folder / "media" / "company-logos" / "logo.png").write_bytes(b"something else")

    changed = rewrite_archive(archive, tmp_path / "m.tar.gz", change)
    _refused(make_sqlite_site("target"), changed, "uploaded files do not match.*logo.png")


def test_restore_refuses_an_extra_uploaded_file(
    archive: Path, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    def add(folder: Path) -> None:
        (folder / "media" / "planted.html").write_text("<script>alert(1)</script>")

    changed = rewrite_archive(archive, tmp_path / "m.tar.gz", add)
    _refused(make_sqlite_site("target"), changed, "planted.html")


def test_restore_refuses_an_archive_from_a_newer_tandem_unless_forced(
    archive: Path, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    def future(manifest: dict[str, Any]) -> None:
        manifest["database"]["migrations"].append("core.9999_from_the_future")
        manifest["tandem_version"] = "99.0"

    newer = rewrite_archive(archive, tmp_path / "n.tar.gz", _edit_manifest(future))
    target = make_sqlite_site("target")
    _refused(target, newer, r"newer Tandem \(99.0\).*core.9999_from_the_future")

    result = restore(target, newer, force=True)
    assert any("does not know" in note for note in result.notes)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"", "empty.tar.gz"),
        (b"PK\x03\x04 not a tar at all", "zip.tar.gz"),
        (b"\x1f\x8b\x08\x00 truncated gzip", "cut.tar.gz"),
    ],
)
def test_restore_refuses_what_is_not_an_archive(
    content: bytes, name: str, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    _refused(make_sqlite_site("target"), path, "not a readable Tandem backup archive")


def test_restore_refuses_an_archive_without_a_manifest(
    archive: Path, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    stripped = rewrite_archive(
        archive, tmp_path / "s.tar.gz", lambda folder: (folder / "manifest.json").unlink()
    )
    _refused(make_sqlite_site("target"), stripped, "not a readable Tandem backup archive")


def test_restore_refuses_entries_outside_the_archive_layout(
    make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "payload"
    payload.write_text("owned")
    with tarfile.open(evil, "w:gz") as archive:
        archive.add(payload, arcname="../../escaped.txt")
    target = make_sqlite_site("target")
    _refused(target, evil, "unexpected entry")
    assert not (tmp_path.parent / "escaped.txt").exists()

    with tarfile.open(evil, "w:gz") as archive:
        link = tarfile.TarInfo("media/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
    _refused(target, evil, "unexpected entry")


def test_restore_of_a_missing_file(make_sqlite_site: Callable[[str], Site], tmp_path: Path) -> None:
    _refused(make_sqlite_site("target"), tmp_path / "nope.tar.gz", "is not a file")


def test_backup_does_not_overwrite_an_existing_file(source_site: Site, tmp_path: Path) -> None:
    existing = tmp_path / "exists.tar.gz"
    existing.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="already exists"):
        backup(source_site, existing)
    assert existing.read_bytes() == b"keep me"


def test_backup_of_a_missing_database(make_sqlite_site: Callable[[str], Site], tmp_path: Path) -> None:
    empty = make_sqlite_site("empty")
    with pytest.raises(BackupError, match="no database"):
        backup(empty, tmp_path / "x.tar.gz")
    assert not list(tmp_path.glob("*.tar.gz")) and not list(tmp_path.glob(".*partial"))


def test_external_storage_is_left_out(
    business_data: None, source_site: Site, make_sqlite_site: Callable[[str], Site], tmp_path: Path
) -> None:
    """With S3 storage the bucket keeps the files (its versioning/replication): not in the archive."""
    on_s3 = Site(source_site.database, source_site.data_dir, None, source_site.secret_key_file)
    result = backup(on_s3, tmp_path / "s3.tar.gz")
    assert result.manifest["media"] == {"included": False, "files": {}}
    with tarfile.open(result.path) as opened:
        assert not [name for name in opened.getnames() if name.startswith("media")]

    target = make_sqlite_site("target")
    assert target.media_root is not None
    target.media_root.mkdir()
    (target.media_root / "local.txt").write_text("kept")
    restored = restore(target, result.path)
    assert (target.media_root / "local.txt").read_text() == "kept"
    assert any("external storage" in note for note in restored.notes)


def test_checksums_read_the_columns_djangos_introspection_reads(source_site: Site) -> None:
    """The checksum reads SQLite's columns from the PRAGMA itself (Django's description parses
    each table's SQL, 20 ms a table): the same columns, so archives made before still verify."""
    with open_connection(source_site.database) as opened, opened.cursor() as cursor:
        for table in table_names(opened):
            described = {column.name for column in opened.introspection.get_table_description(cursor, table)}
            assert set(column_types(opened, cursor, table)) == described, table
