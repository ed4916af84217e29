"""Helpers of the operations tests: sites to back up and restore, archives to tamper with."""

from __future__ import annotations

import socket
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from tandem.operations.backup import Site
from tandem.operations.checksums import database_settings

MEDIA_FILES = {
    "company-logos/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "attachments/2026/11/Łódź offer ü.txt": "Oferta dla Łodzi — 价格\n".encode(),
    "empty.bin": b"",
}


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_media(root: Path, files: dict[str, bytes] = MEDIA_FILES) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def read_media(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def rewrite_archive(source: Path, target: Path, change: Callable[[Path], None]) -> Path:
    """Unpack ``source``, let ``change`` edit the files, pack them again as ``target``."""
    unpacked = target.with_suffix(".d")
    with tarfile.open(source) as archive:
        archive.extractall(unpacked, filter="data")
    change(unpacked)
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=path.relative_to(unpacked).as_posix())
    return target


@pytest.fixture
def source_site(tmp_path: Path) -> Site:
    """The test database, with uploaded files and a secret-key file of its own."""
    data_dir = tmp_path / "source"
    write_media(data_dir / "media")
    (data_dir / "secret_key").write_text("source-secret-key")
    return Site(
        database=dict(connections["default"].settings_dict),
        data_dir=data_dir,
        media_root=data_dir / "media",
        secret_key_file=data_dir / "secret_key",
    )


@pytest.fixture
def make_sqlite_site(tmp_path: Path) -> Callable[[str], Site]:
    """A site with a fresh SQLite file in its own data directory (nothing exists yet)."""

    def make(name: str) -> Site:
        data_dir = tmp_path / name
        data_dir.mkdir()
        base: dict[str, Any] = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / "tandem.sqlite3"),
        }
        return Site(
            database=database_settings(base, OPTIONS={"timeout": 20}),
            data_dir=data_dir,
            media_root=data_dir / "media",
            secret_key_file=data_dir / "secret_key",
        )

    return make
