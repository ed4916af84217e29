"""Each row's own check, kept from a dry run so that the commit does not check it again.

A row's own check (its cells typed, validated by the spec, its key unique in the file) is
most of an import's work — phone numbers, tax IDs, the address parser. For a spec whose
validation depends on nothing but the row, the company and the import's options
(``ImportSpec.pure_validation``), the dry run writes these checks to a file; the commit reads
them back and only matches, checks and writes. The file is trusted only if its MAC — keyed with
the secret key, over the file and a fingerprint of everything the checks depend on — is the one
recorded on the run: a changed mapping, option, company setting, language or Tandem version, or
a file altered in storage, means the rows are checked again.

The file is gzip'd JSON lines, each a batch of rows (``[line, key, cleaned]`` or
``[line, errors]``); decimals and dates are tagged so that they come back as what they were.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import IO, Any

from django.utils.crypto import salted_hmac

from tandem.core.importing import Cleaned, Reason
from tandem.core.messages import storable

_SALT = "tandem.integrations.imports.checked-rows"
BATCH = 1000  # rows a line
_TAGS: dict[str, Callable[[str], Any]] = {
    "$decimal": Decimal,
    "$date": date.fromisoformat,
    "$datetime": datetime.fromisoformat,
}


@dataclass(frozen=True)
class RowCheck:
    """A row's own outcome: ``cleaned`` and ``key`` when valid, else ``errors``."""

    line: int
    cleaned: Cleaned = field(default_factory=dict)
    key: str | None = None
    errors: dict[str, list[Reason]] = field(default_factory=dict)


class CheckedRowsMismatch(Exception):
    """The kept checks do not line up with the file (they were made for another one)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"no kept check for row {line}")


def _tagged(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"an import row cannot keep a {type(value).__name__}")


def _escaped(value: Any) -> Any:
    """A row's own dicts whose keys start with "$" get one more, so none reads back as a tag."""
    if isinstance(value, dict):
        return {_escaped_key(name): _escaped(inner) for name, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_escaped(inner) for inner in value]
    return value


def _escaped_key(name: Any) -> Any:
    return f"${name}" if isinstance(name, str) and name.startswith("$") else name


def _untagged(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((name, value),) = obj.items()
        if name in _TAGS:
            return _TAGS[name](value)
    if any(name.startswith("$") for name in obj):  # escaped by _escaped: drop the extra "$"
        return {(name[1:] if name.startswith("$") else name): value for name, value in obj.items()}
    return obj


def mac(fingerprint: str, content: IO[bytes]) -> str:
    """The MAC of a kept file for this fingerprint (hex), reading ``content`` from its start."""
    digest = hashlib.sha256(fingerprint.encode())
    content.seek(0)
    while block := content.read(1 << 20):
        digest.update(block)
    content.seek(0)
    return salted_hmac(_SALT, digest.hexdigest(), algorithm="sha256").hexdigest()


class CheckedRowsWriter:
    """Collects a run's row checks in a private temporary file, compressed, a batch a line."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self._gzip = gzip.GzipFile(fileobj=self.file, mode="wb", compresslevel=1)
        self._encoder = json.JSONEncoder(default=_tagged, ensure_ascii=False, separators=(",", ":"))
        self._batch: list[list[Any]] = []

    def __enter__(self) -> CheckedRowsWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._gzip.close()
        self.file.close()

    def add(self, check: RowCheck) -> None:
        if check.errors:
            item = [check.line, storable(check.errors)]
        else:
            item = [check.line, check.key, _escaped(check.cleaned)]
        self._batch.append(item)
        if len(self._batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        # One encode and one compressor call per batch: per row they cost a third of the check.
        if self._batch:
            self._gzip.write(self._encoder.encode(self._batch).encode() + b"\n")
            self._batch = []

    def finish(self) -> IO[bytes]:
        """The complete file, positioned at its start."""
        self._flush()
        self._gzip.close()
        self.file.seek(0)
        return self.file


class CheckedRows:
    """Row checks read back from a kept file (``content``: its bytes, already trusted)."""

    def __init__(self, content: IO[bytes]) -> None:
        self.content = content
        self._decoder = json.JSONDecoder(object_hook=_untagged)

    def rows(self) -> Iterator[RowCheck]:
        self.content.seek(0)
        with gzip.GzipFile(fileobj=self.content, mode="rb") as lines:
            for line in lines:
                for item in self._decoder.decode(line.decode()):
                    if len(item) == 2:
                        yield RowCheck(item[0], errors=item[1])
                    else:
                        yield RowCheck(item[0], cleaned=item[2], key=item[1])


def trusted(expected_mac: str, fingerprint: str, content: IO[bytes]) -> bool:
    return bool(expected_mac) and hmac.compare_digest(expected_mac, mac(fingerprint, content))
