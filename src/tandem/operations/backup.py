"""``tandem backup`` and ``tandem restore``: the database and the uploaded files in one archive.

The archive is a tar.gz holding:

- ``database.sqlite3`` (SQLite's online backup API: a consistent snapshot taken while the site
  keeps serving and writing) or ``database.pgdump`` (``pg_dump --format=custom``);
- ``media/…``: the uploaded files, when they are in file-system storage (``DATA_DIR/media``);
  S3-compatible storage is left to the bucket's own versioning and replication;
- ``secret_key``: the generated key file, when the site uses one (``TANDEM_SECRET_KEY`` unset),
  because the signing certificate is stored encrypted with a key derived from it;
- ``manifest.json``: format version, Tandem version, database vendor, creation time, the applied
  migrations, row count and checksum of every table (``checksums.py``), size and SHA-256 of
  the database file and of every uploaded file.

A restore checks everything it can before it touches the target (format, vendor, database file
and media checksums, a non-empty target without ``--force``; on SQLite also every table checksum
of the snapshot), then replaces the database and the uploaded files and compares every table's
row count and checksum with the manifest again.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.utils import load_backend
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import BusinessError
from tandem.core.models import Company, User
from tandem.operations.checksums import (
    ALGORITHM,
    TableSums,
    applied_migrations,
    open_connection,
    table_checksums,
    table_names,
)

logger = logging.getLogger(__name__)

FORMAT = "tandem-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media"
SECRET_KEY_NAME = "secret_key"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
SQLITE_TIMEOUT = 30.0  # seconds to wait for a lock
COMMAND_TIMEOUT = 6 * 60 * 60  # pg_dump / pg_restore of a large database
_CHUNK = 1024 * 1024


class BackupError(BusinessError):
    code = "backup"


# --- what a backup covers ------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """The pieces of one installation a backup covers."""

    database: dict[str, Any]  # Django settings of the database
    data_dir: Path  # restore works in a temporary folder here
    media_root: Path | None  # uploaded files; None when they live in external (S3) storage
    secret_key_file: Path | None  # the generated SECRET_KEY; None when it comes from the environment

    @classmethod
    def current(cls) -> Site:
        storage = storages["default"]
        data_dir = Path(settings.DATA_DIR)
        return cls(
            database=dict(connections["default"].settings_dict),
            data_dir=data_dir,
            media_root=Path(storage.location) if isinstance(storage, FileSystemStorage) else None,
            secret_key_file=None if os.environ.get("TANDEM_SECRET_KEY") else data_dir / "secret_key",
        )

    @property
    def vendor(self) -> str:
        return str(load_backend(self.database["ENGINE"]).DatabaseWrapper.vendor)

    def default_archive_name(self) -> str:
        return f"tandem-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]

    def summary(self) -> str:
        tables = self.manifest["tables"]
        media = self.manifest["media"]
        return _(
            "Backup written to %(path)s: %(tables)d tables, %(rows)d rows, %(files)s uploaded files "
            "(%(size).1f MB)."
        ) % {
            "path": self.path,
            "tables": len(tables),
            "rows": sum(table["rows"] for table in tables.values()),
            "files": len(media["files"]) if media["included"] else _("no"),
            "size": self.path.stat().st_size / 1e6,
        }


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        tables = self.manifest["tables"]
        lines = [
            _(
                "Restored the backup of %(created)s (Tandem %(version)s): %(tables)d tables and "
                "%(rows)d rows match the manifest."
            )
            % {
                "created": self.manifest["created_at"],
                "version": self.manifest["tandem_version"],
                "tables": len(tables),
                "rows": sum(table["rows"] for table in tables.values()),
            }
        ]
        return "\n".join([*lines, *self.notes])


# --- backup ----------------------------------------------------------------------------------


def backup(site: Site, output: Path | None = None) -> BackupResult:
    """Write one archive of ``site`` to ``output`` (a file, or a folder to put it in)."""
    vendor = site.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(_("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor})
    if output is None:
        output = site.data_dir / "backups" / site.default_archive_name()
    output = Path(output).absolute()
    if output.is_dir():
        output = output / site.default_archive_name()
    if output.exists():
        raise BackupError(_("%(path)s already exists; choose another file name.") % {"path": output})
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(_("Cannot create the folder %(path)s: %(error)s") % {
            "path": output.parent, "error": error.strerror or error,
        }) from error  # fmt: skip

    with tempfile.TemporaryDirectory(prefix=".tandem-backup-", dir=output.parent) as work_dir:
        dump = Path(work_dir) / DUMP_NAMES[vendor]
        if vendor == "sqlite":
            tables, migrations = _dump_sqlite(site.database, dump)
        else:
            tables, migrations = _dump_postgresql(site.database, dump)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tandem_version": tandem_version(),
            "created_at": timezone.now().isoformat(),
            "database": {
                "vendor": vendor,
                "file": dump.name,
                "size": dump.stat().st_size,
                "sha256": file_sha256(dump),
                "migrations": migrations,
            },
            "checksum_algorithm": ALGORITHM,
            "tables": tables,
        }
        partial = output.with_name(f".{output.name}.partial")
        try:
            # 0600 from the start: the archive holds password hashes and the secret key.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                archive.add(dump, arcname=dump.name)
                manifest["media"] = _add_media(archive, site.media_root)
                manifest["secret_key"] = _add_secret_key(archive, site.secret_key_file)
                _add_bytes(archive, MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True).encode())
            partial.replace(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    logger.info("backup written to %s", output)
    return BackupResult(output, manifest)


def _dump_sqlite(database: dict[str, Any], dump: Path) -> tuple[TableSums, list[str]]:
    path = Path(database["NAME"])
    if not path.is_file():
        raise BackupError(_("There is no database at %(path)s.") % {"path": path})
    source = sqlite3.connect(path, timeout=SQLITE_TIMEOUT)
    try:
        target = sqlite3.connect(dump)
        try:
            # One step: a read transaction on a snapshot; in WAL mode writers carry on meanwhile.
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(_("Cannot copy the database: %(error)s") % {"error": error}) from error
    finally:
        source.close()
    with open_connection(database, NAME=str(dump), OPTIONS={"timeout": SQLITE_TIMEOUT}) as snapshot:
        return table_checksums(snapshot), applied_migrations(snapshot)


def _dump_postgresql(database: dict[str, Any], dump: Path) -> tuple[TableSums, list[str]]:
    """``pg_dump`` and the checksums read the same snapshot (``pg_export_snapshot``), so the
    manifest describes exactly what the dump holds even while the site keeps writing."""
    pg_dump = _tool("pg_dump")
    with open_connection(database) as connection:
        _connect(connection)
        with connection.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                _run(
                    [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={dump}"],
                    database,
                )
                return table_checksums(connection), applied_migrations(connection)
            finally:
                cursor.execute("ROLLBACK")


def _add_media(archive: tarfile.TarFile, media_root: Path | None) -> dict[str, Any]:
    if media_root is None:
        return {"included": False, "files": {}}
    files: dict[str, dict[str, Any]] = {}
    for relative, path in _media_files(media_root):
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            continue  # deleted since the listing
        with handle:
            info = archive.gettarinfo(arcname=f"{MEDIA_PREFIX}/{relative}", fileobj=handle)
            reader = _HashingReader(handle)
            archive.addfile(info, reader)
        files[relative] = {"size": info.size, "sha256": reader.hexdigest()}
    return {"included": True, "files": files}


def _media_files(media_root: Path) -> Iterator[tuple[str, Path]]:
    if not media_root.is_dir():
        return
    for folder, folders, names in os.walk(media_root):
        folders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(media_root).as_posix(), path


def _add_secret_key(archive: tarfile.TarFile, key_file: Path | None) -> str:
    if key_file is None:
        return "environment"
    if not key_file.is_file():
        return "none"
    _add_bytes(archive, SECRET_KEY_NAME, key_file.read_bytes())
    return "file"


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


class _HashingReader:
    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._digest.update(data)
        return data

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


# --- restore ---------------------------------------------------------------------------------


def restore(site: Site, archive: Path, *, force: bool = False) -> RestoreResult:
    """Replace ``site``'s database and uploaded files with the archive's, checked end to end."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("%(path)s is not a file.") % {"path": archive})
    vendor = site.vendor
    site.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tandem-restore-", dir=site.data_dir) as work_dir:
        work = Path(work_dir)
        manifest = _extract(archive, work)
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                _("This archive holds a %(archived)s database; this site uses %(vendor)s.")
                % {"archived": manifest["database"]["vendor"], "vendor": vendor}
            )
        dump = work / DUMP_NAMES[vendor]
        if manifest["database"]["file"] != dump.name or not dump.is_file():
            raise BackupError(_("The archive holds no database file."))
        if file_sha256(dump) != manifest["database"]["sha256"]:
            raise BackupError(_("The archive's database file is damaged: its checksum does not match."))
        _verify_media(manifest, work / MEDIA_PREFIX)
        notes: list[str] = []
        unknown, pending = _migration_differences(manifest["database"]["migrations"])
        if unknown:
            if not force:
                raise BackupError(
                    _(
                        "The archive was made by a newer Tandem (%(version)s): this one does not know "
                        "its migrations %(migrations)s. Upgrade first, or restore with --force."
                    )
                    % {"version": manifest["tandem_version"], "migrations": ", ".join(unknown[:5])}
                )
            notes.append(_("Warning: the archive has migrations this Tandem does not know."))
        if not force and has_data(site.database):
            raise BackupError(
                _(
                    "The target database already holds users or companies. Restore with --force to "
                    "replace everything in it."
                )
            )

        expected = manifest["tables"]
        if vendor == "sqlite":
            _restore_sqlite(site.database, dump, expected)
        else:
            notes += _restore_postgresql(site.database, dump, expected)
        notes += _restore_media(site.media_root, manifest, work / MEDIA_PREFIX)
        notes += _restore_secret_key(site.secret_key_file, manifest, work / SECRET_KEY_NAME)
        if pending:
            notes.append(_("The archive is from an older Tandem: run `tandem migrate` (tandem run does)."))
    logger.info("restored %s", archive)
    return RestoreResult(manifest, notes)


def _extract(archive_path: Path, work: Path) -> dict[str, Any]:
    unreadable = _("%(path)s is not a readable Tandem backup archive.") % {"path": archive_path}
    allowed = {MANIFEST_NAME, SECRET_KEY_NAME, *DUMP_NAMES.values()}
    try:
        # One pass over the stream; the "data" filter refuses absolute paths, "..", links and devices.
        with tarfile.open(archive_path, "r|*") as archive:
            for member in archive:
                in_media = member.name == MEDIA_PREFIX or member.name.startswith(f"{MEDIA_PREFIX}/")
                allowed_kind = member.isfile() or (member.isdir() and in_media)
                if not allowed_kind or not (member.name in allowed or in_media):
                    raise BackupError(
                        _("The archive holds an unexpected entry %(name)s.") % {"name": member.name}
                    )
                archive.extract(member, work, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(unreadable) from error
    try:
        manifest = json.loads((work / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(unreadable) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(unreadable)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("The archive has format version %(found)s; this Tandem reads version %(known)s.")
            % {"found": manifest.get("format_version"), "known": FORMAT_VERSION}
        )
    if not _well_formed(manifest):
        raise BackupError(unreadable)
    return manifest


def _well_formed(manifest: dict[str, Any]) -> bool:
    database, tables, media = manifest.get("database"), manifest.get("tables"), manifest.get("media")
    return (
        isinstance(database, dict)
        and isinstance(database.get("vendor"), str)
        and isinstance(database.get("file"), str)
        and isinstance(database.get("sha256"), str)
        and isinstance(database.get("migrations"), list)
        and isinstance(tables, dict)
        and all(
            isinstance(sums, dict)
            and isinstance(sums.get("rows"), int)
            and isinstance(sums.get("sha256"), str)
            for sums in tables.values()
        )
        and isinstance(media, dict)
        and isinstance(media.get("files"), dict)
        and isinstance(manifest.get("created_at"), str)
    )


def _verify_media(manifest: dict[str, Any], media: Path) -> None:
    expected: dict[str, dict[str, Any]] = manifest["media"]["files"]
    found = dict(_media_files(media))
    damaged = sorted(set(found) ^ set(expected))
    damaged += sorted(
        relative
        for relative in set(found) & set(expected)
        if file_sha256(found[relative]) != expected[relative].get("sha256")
    )
    if damaged:
        raise BackupError(
            _("The archive's uploaded files do not match its manifest: %(files)s")
            % {"files": ", ".join(damaged[:5])}
        )


def _migration_differences(archived: list[str]) -> tuple[list[str], list[str]]:
    """(migrations in the archive this code does not have, migrations it has the archive lacks)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    on_disk = {f"{app}.{name}" for app, name in loader.disk_migrations}
    replaced = {
        f"{app}.{name}" for key in loader.replacements for app, name in loader.replacements[key].replaces
    }
    archived_set = set(archived)
    unknown = sorted(archived_set - on_disk - replaced)
    pending = sorted(on_disk - archived_set) if archived_set else []
    return unknown, pending


def has_data(database: dict[str, Any]) -> bool:
    """The database holds users or companies (a migrated but unused database does not)."""
    if (
        load_backend(database["ENGINE"]).DatabaseWrapper.vendor == "sqlite"
        and not Path(database["NAME"]).exists()
    ):
        return False
    with open_connection(database) as connection:
        _connect(connection)
        tables = set(table_names(connection))
        for model in (User, Company):
            table = model._meta.db_table
            if table in tables:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)}")
                    if cursor.fetchone() is not None:
                        return True
    return False


def _mismatches(expected: TableSums, actual: TableSums) -> list[str]:
    bad = []
    for table, sums in sorted(expected.items()):
        found = actual.get(table)
        if found is None:
            bad.append(_("%(table)s (missing)") % {"table": table})
        elif found["rows"] != sums["rows"]:
            bad.append(
                _("%(table)s (%(found)d rows, expected %(expected)d)")
                % {"table": table, "found": found["rows"], "expected": sums["rows"]}
            )
        elif found["sha256"] != sums["sha256"]:
            bad.append(_("%(table)s (checksum)") % {"table": table})
    return bad


def _restore_sqlite(database: dict[str, Any], dump: Path, expected: TableSums) -> None:
    with open_connection(database, NAME=str(dump), OPTIONS={"timeout": SQLITE_TIMEOUT}) as snapshot:
        bad = _mismatches(expected, table_checksums(snapshot))
    if bad:
        raise BackupError(
            _("The archive's database does not match its manifest; nothing was changed: %(tables)s")
            % {"tables": "; ".join(bad[:5])}
        )
    target = Path(database["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    try:
        destination = sqlite3.connect(target, timeout=SQLITE_TIMEOUT)
        try:
            source.backup(destination)  # page by page into the live file, under its write lock
        finally:
            destination.close()
    except sqlite3.Error as error:
        raise BackupError(_("Cannot write the database: %(error)s") % {"error": error}) from error
    finally:
        source.close()
    with open_connection(database) as restored:
        _check_restored(expected, table_checksums(restored))


def _restore_postgresql(database: dict[str, Any], dump: Path, expected: TableSums) -> list[str]:
    pg_restore = _tool("pg_restore")
    with open_connection(database) as connection:
        _connect(connection)
    # One transaction: a restore that fails half-way changes nothing.
    _run(
        [
            pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
            "--exit-on-error", "--no-password", f"--dbname={database['NAME']}", str(dump),
        ],
        database,
    )  # fmt: skip
    notes = []
    with open_connection(database) as connection:
        # Tandem tables the archive does not have (a newer schema in the target) would break the
        # next migrate; other tables in the database are not ours and stay.
        ours = set(connection.introspection.django_table_names(include_views=False))
        extra = sorted((set(table_names(connection)) - set(expected)) & ours)
        with connection.cursor() as cursor:
            for table in extra:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
        if extra:
            notes.append(
                _("Dropped tables the archive does not have: %(tables)s") % {"tables": ", ".join(extra)}
            )
        _check_restored(expected, table_checksums(connection))
    return notes


def _check_restored(expected: TableSums, actual: TableSums) -> None:
    bad = _mismatches(expected, actual)
    if bad:
        raise BackupError(
            _("The restored database does not match the archive's manifest: %(tables)s")
            % {"tables": "; ".join(bad[:5])}
        )


def _restore_media(media_root: Path | None, manifest: dict[str, Any], extracted: Path) -> list[str]:
    media = manifest["media"]
    if media_root is None:
        if media["files"]:
            return [
                _(
                    "This site stores uploaded files in external storage: the %(count)d files in the "
                    "archive were not restored."
                )
                % {"count": len(media["files"])}
            ]
        return []
    if not media["included"]:
        return [_("The archive has no uploaded files (the backed-up site used external storage).")]
    media_root.mkdir(parents=True, exist_ok=True)
    # Empty the folder rather than rename it: it may be a mount point.
    for entry in media_root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    if extracted.is_dir():
        for entry in extracted.iterdir():
            shutil.move(str(entry), str(media_root / entry.name))
    return []


def _restore_secret_key(key_file: Path | None, manifest: dict[str, Any], archived: Path) -> list[str]:
    if manifest.get("secret_key") == "environment":
        return [
            _(
                "The backed-up site took its secret key from TANDEM_SECRET_KEY: give this site the same "
                "value, or the signing certificate cannot be read and everyone signs in again."
            )
        ]
    if not archived.is_file():
        return []
    if key_file is None:
        return [
            _(
                "This site takes its secret key from TANDEM_SECRET_KEY; the archive's key (file "
                "secret_key in the archive) was not installed. Use the same value, or the signing "
                "certificate cannot be read."
            )
        ]
    key = archived.read_bytes()
    if key_file.is_file() and key_file.read_bytes() == key:
        return []
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return [_("Installed the backed-up site's secret key: restart Tandem.")]


# --- helpers -----------------------------------------------------------------------------------


def tandem_version() -> str:
    try:
        return version("tandem-erp")
    except PackageNotFoundError:
        return "unknown"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _connect(connection: Any) -> None:
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        raise BackupError(
            _("Cannot connect to the database %(name)s (does it exist?): %(error)s")
            % {"name": connection.settings_dict["NAME"], "error": str(error).strip().splitlines()[0]}
        ) from error


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _("%(tool)s was not found: install PostgreSQL's client programs (Debian: postgresql-client).")
            % {"tool": name}
        )
    return found


_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "options": "PGOPTIONS",
}


def pg_environment(database: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for ``database``: the password travels here, never on the command line."""
    env = dict(os.environ)
    for key, variable in (
        ("NAME", "PGDATABASE"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
    ):
        if database.get(key):
            env[variable] = str(database[key])
    for option, variable in _PG_OPTIONS.items():
        if database.get("OPTIONS", {}).get(option):
            env[variable] = str(database["OPTIONS"][option])
    return env


def _run(argv: list[str], database: dict[str, Any]) -> None:
    try:
        completed = subprocess.run(
            argv,
            env=pg_environment(database),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BackupError(
            _("%(tool)s took too long and was stopped.") % {"tool": Path(argv[0]).name}
        ) from error
    if completed.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": Path(argv[0]).name, "error": completed.stderr.strip()[-2000:]}
        )
