"""Uploaded bytes to a table: file checks, encoding, delimiter, rows.

CSV text is decoded with the encoding the person chose or, by default, one detected among a
few candidates (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1251, Windows-1250,
GB18030 ⊇ GBK) by charset-normalizer, preferring the encoding of the company's languages: it
takes short Polish cp1250 text for cp1252 when left free to choose (STACK-NOTES), so the
candidates are restricted and the decoded preview is shown with a choice of encoding.
XLSX is read with openpyxl in read-only mode (first worksheet, cell values).

A small file can cost a lot to read: a workbook of a few kilobytes may declare a sheet of
16,384 × 1,048,576 cells (which openpyxl pads every row to), or unpack to hundreds of
megabytes; a CSV may have a million columns. :func:`screen` refuses such files from what
they declare — the zip directory, the sheet's dimension, the number of delimiters — before
a cell is read, and :func:`raw_rows` enforces the same limits on what is actually read, so a
file that lies about itself is stopped as soon as it passes a limit.

Every check that refuses a file raises :class:`BadFile` with a message a person can act on;
nothing has been written at that point.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import filetype
from charset_normalizer import from_bytes
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import BusinessError
from tandem.integrations.imports.parsing import as_text

CSV, XLSX = "csv", "xlsx"
DETECTED = ("utf-8", "utf-8-sig", "cp1251", "cp1250", "gb18030")
ENCODINGS = (
    ("utf-8", gettext_lazy("UTF-8")),
    ("utf-8-sig", gettext_lazy("UTF-8 with BOM")),
    ("cp1251", gettext_lazy("Windows-1251 (Cyrillic)")),
    ("cp1250", gettext_lazy("Windows-1250 (Central European: Polish, Slovenian)")),
    ("gb18030", gettext_lazy("GB18030 / GBK (Simplified Chinese)")),
    ("utf-16", gettext_lazy("UTF-16")),
    ("cp1252", gettext_lazy("Windows-1252 (Western European)")),
    ("iso-8859-2", gettext_lazy("ISO 8859-2 (Central European)")),
    ("koi8-r", gettext_lazy("KOI8-R (Cyrillic)")),
    ("big5", gettext_lazy("Big5 (Traditional Chinese)")),
)
DELIMITERS = (
    (",", gettext_lazy("Comma ,")),
    (";", gettext_lazy("Semicolon ;")),
    ("\t", gettext_lazy("Tab")),
    ("|", "|"),
)
LANGUAGE_ENCODINGS = {"ru": "cp1251", "pl": "cp1250", "sl": "cp1250", "zh-hans": "gb18030", "zh": "gb18030"}
SAMPLE_BYTES = 256 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# A part of a workbook that unpacks to more than this many times its packed size is a zip
# bomb (Apache POI's default minimum inflate ratio, 0.01); small parts are exempt.
MAX_INFLATE_RATIO = 100
INFLATE_RATIO_FROM_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
MAX_OTHER_PART_BYTES = 16 * 1024 * 1024  # styles, workbook, theme: openpyxl parses each whole
MAX_BYTES_PER_CHARACTER = 6  # a character of a cell's text as XML: up to "&quot;"
SCAN_CHUNK_BYTES = 4 * 1024 * 1024
DIMENSION_SEARCH_BYTES = 64 * 1024  # <dimension> comes right after <sheetPr> at a sheet's start
_NOT_BLANK = re.compile(r"\S")
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s[^>]*?ref=\"([A-Za-z]{1,3}\d{1,7})(?::([A-Za-z]{1,3}\d{1,7}))?\""
)


class BadFile(BusinessError):
    code = "import-bad-file"


def max_bytes() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_MB", 50)) * 1024 * 1024


def max_rows() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_ROWS", 1_000_000))


def max_cell() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_CELL", 10_000))


def max_columns() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_COLUMNS", 1_000))


def max_cells() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_CELLS", 10_000_000))


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_UNPACKED_MB", 500)) * 1024 * 1024


@dataclass
class Source:
    """What a file is and how to read it, plus what the checks found."""

    kind: str
    encoding: str = ""
    detected_encoding: str = ""
    delimiter: str = ","
    headers: list[str] = field(default_factory=list)
    row_count: int = 0


# --- what kind of file -------------------------------------------------------------------


def file_kind(data: bytes, name: str) -> str:
    lowered = name.lower()
    if not data:
        raise BadFile(_("The file is empty."))
    if len(data) > max_bytes():
        raise BadFile(
            _("The file is larger than the %(limit)s MB an import accepts.")
            % {"limit": getattr(settings, "TANDEM_IMPORT_MAX_MB", 50)}
        )
    if data.startswith(ZIP_MAGIC):
        return XLSX
    if data.startswith(OLE_MAGIC) or lowered.endswith(".xls"):
        raise BadFile(
            _("Old Excel files (.xls) cannot be read. Save the sheet as XLSX or CSV and upload that.")
        )
    if lowered.endswith((".xlsx", ".xlsm")):
        raise BadFile(_("This file is named like an Excel workbook but is not one (XLSX)."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return CSV
    if b"\x00" in data:
        guessed = filetype.guess(data[:8192])
        what = f" ({guessed.mime})" if guessed is not None else ""
        raise BadFile(
            _("This is a binary file%(what)s, not a table. Upload a CSV or an XLSX file.") % {"what": what}
        )
    return CSV


# --- limits, from what a file declares ----------------------------------------------------


def screen_workbook(data: bytes) -> None:
    """Refuse a workbook that would cost more to read than its size suggests.

    From the zip directory: too many parts, too much unpacked, a part packed tighter than any
    spreadsheet program packs. From the worksheets' first 64 KB: a declared dimension past
    the limits. Then the worksheets and shared strings are unpacked in chunks (bounded
    memory, no XML parsing) to refuse a text run longer than a cell may hold — a parser would
    build it whole in memory first. The sizes in the directory bind: Python's zipfile stops a
    part at its declared size (and then fails its checksum).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BadFile(_("This file is not a readable Excel workbook (XLSX).")) from None
    if len(parts) > MAX_ZIP_MEMBERS:
        raise _unreadable_workbook()
    if sum(part.file_size for part in parts) > max_unpacked_bytes():
        raise BadFile(
            _("The workbook unpacks to more than %(limit)s MB, the most an import reads.")
            % {"limit": f"{max_unpacked_bytes() // (1024 * 1024):,}"}
        )
    for part in parts:
        tightly_packed = part.file_size > MAX_INFLATE_RATIO * max(part.compress_size, 1)
        if part.file_size > INFLATE_RATIO_FROM_BYTES and tightly_packed:
            raise _unreadable_workbook()
        parsed_whole = part.filename.endswith((".xml", ".rels")) and not _holds_cells(part.filename)
        if parsed_whole and part.file_size > MAX_OTHER_PART_BYTES:  # styles, workbook, theme
            raise _unreadable_workbook()
    for part in parts:
        if _holds_cells(part.filename):
            if part.filename.startswith("xl/worksheets/"):
                _check_dimension(_start_of(archive, part))
            _check_text_runs(archive, part)


def _holds_cells(name: str) -> bool:
    return name == "xl/sharedStrings.xml" or (name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _check_text_runs(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """Refuse a run of text (or an attribute) between two tags longer than a cell may hold,
    and CDATA sections (which may hide ``<`` inside text; spreadsheet programs write none)."""
    longest = max_cell() * MAX_BYTES_PER_CHARACTER + 1024  # the tag around the text
    carried = b""  # the text after the last "<" so far
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(SCAN_CHUNK_BYTES):
                text = carried + chunk
                if b"<![CDATA[" in text or _has_run_longer_than(text, longest):
                    raise _unreadable_workbook() if b"<![CDATA[" in text else _oversized_in_workbook()
                carried = text[text.rfind(b"<") + 1 :]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise BadFile(_("This file is not a readable Excel workbook (XLSX).")) from None


def _has_run_longer_than(text: bytes, longest: int) -> bool:
    """Whether ``text`` has more than ``longest`` bytes without a ``<`` (the last run included).

    A run that long covers a whole window of half its length, so only windows without a
    ``<`` — none in a real sheet — are measured exactly.
    """
    stride = longest // 2
    for start in range(0, len(text), stride):
        if text.find(b"<", start, start + stride) >= 0:
            continue
        left = text.rfind(b"<", 0, start) + 1
        right = text.find(b"<", start)
        if (right if right >= 0 else len(text)) - left > longest:
            return True
    return False


def _oversized_in_workbook() -> BadFile:
    return BadFile(
        _("A cell of the workbook holds more than %(limit)s characters; a cell that long is refused.")
        % {"limit": f"{max_cell():,}"}
    )


def _unreadable_workbook() -> BadFile:
    return BadFile(
        _(
            "This workbook is packed in a way no spreadsheet program writes (a “zip bomb”), so it "
            "is not read. Open it in your spreadsheet program and save it again as XLSX, or as CSV."
        )
    )


def _start_of(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(part) as stream:
            return stream.read(DIMENSION_SEARCH_BYTES)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise BadFile(_("This file is not a readable Excel workbook (XLSX).")) from None


def _check_dimension(start: bytes) -> None:
    from openpyxl.utils.cell import range_boundaries

    match = _DIMENSION.search(start)
    if match is None:
        return  # no declaration: raw_rows counts what is there
    first, last = (part.decode().upper() for part in (match.group(1), match.group(2) or match.group(1)))
    try:
        min_col, min_row, max_col, max_row = range_boundaries(f"{first}:{last}")
    except ValueError:
        raise BadFile(_("This file is not a readable Excel workbook (XLSX).")) from None
    columns, rows = max_col - min_col + 1, max_row - min_row + 1
    check_columns(max_col)
    if rows > max_rows() + 1:
        raise _too_many_rows()
    if columns * rows > max_cells():
        raise _too_many_cells()


def screen_text(text: str, delimiter: str) -> None:
    """Refuse a CSV whose first row, or whose count of delimiters, passes a limit."""
    first_line = text[: text.find("\n") + 1 or len(text)]
    if first_line.count(delimiter) >= max_columns():  # an upper bound: quoted delimiters count too
        header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
        check_columns(len(header))
    if text.count(delimiter) + text.count("\n") >= max_cells():
        raise _too_many_cells()


def check_columns(count: int) -> None:
    if count > max_columns():
        raise BadFile(
            _(
                "The file has %(count)s columns; an import reads at most %(limit)s. "
                "Remove the empty or unused ones."
            )
            % {"count": f"{count:,}", "limit": f"{max_columns():,}"}
        )


def _too_many_rows() -> BadFile:
    return BadFile(
        _("The file has more than %(limit)s rows, the most one import takes. Split it into smaller files.")
        % {"limit": f"{max_rows():,}"}
    )


def _too_many_cells() -> BadFile:
    return BadFile(
        _(
            "The file has more than %(limit)s cells, the most one import reads. Remove unused columns "
            "or split it into smaller files."
        )
        % {"limit": f"{max_cells():,}"}
    )


# --- encodings ---------------------------------------------------------------------------


def detect_encoding(data: bytes, languages: Iterable[str] = ()) -> str:
    """The encoding of CSV bytes among the candidates, weighing the company's languages."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    sample = data[:SAMPLE_BYTES]
    if len(data) > SAMPLE_BYTES and b"\n" in sample:
        sample = sample[: sample.rfind(b"\n") + 1]
    preferred = {LANGUAGE_ENCODINGS.get(language.lower(), "") for language in languages}
    best: tuple[float, str] | None = None
    for match in from_bytes(sample, cp_isolation=["cp1251", "cp1250", "gb18030"]):
        try:
            data.decode(match.encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        score = match.chaos - (0.2 if match.encoding in preferred else 0.0)
        if best is None or score < best[0]:
            best = (score, match.encoding)
    if best is None:
        raise BadFile(
            _("The file's text encoding could not be recognised. Save it as UTF-8, or choose its encoding.")
        )
    return best[1]


def decode(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except LookupError:
        raise BadFile(_("“%(encoding)s” is not an encoding we know.") % {"encoding": encoding}) from None
    except UnicodeDecodeError as exc:
        raise BadFile(
            _("The file is not valid %(encoding)s text (at byte %(position)s). Choose another encoding.")
            % {"encoding": encoding, "position": exc.start}
        ) from None
    if "\x00" in text:
        raise BadFile(_("This is a binary file, not a table. Upload a CSV or an XLSX file."))
    return text.removeprefix("\ufeff")


def detect_delimiter(text: str) -> str:
    sample = "\n".join(text[: 64 * 1024].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {mark: first.count(mark) for mark in (",", ";", "\t")}
        best = max(counts, key=lambda mark: counts[mark])
        return best if counts[best] else ","


# --- rows ------------------------------------------------------------------------------


def raw_rows(data: bytes, source: Source) -> Iterator[list[Any]]:
    """Every row of the file, the header first, as lists of cells (str, or XLSX values).

    Stops with :class:`BadFile` at the first row wider than the column limit, or once the
    rows read hold more cells than the cell limit — whatever the file declared.
    """
    cells, cell_limit = 0, max_cells()
    for row in _rows(data, source):
        check_columns(len(row))
        cells += len(row)
        if cells > cell_limit:
            raise _too_many_cells()
        yield row


def _rows(data: bytes, source: Source) -> Iterator[list[Any]]:
    if source.kind == XLSX:
        yield from _xlsx_rows(data)
        return
    reader = csv.reader(io.StringIO(decode(data, source.encoding), newline=""), delimiter=source.delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _oversized(reader.line_num, None) from None
        raise BadFile(
            _("The file is not a readable CSV table (line %(line)s: %(error)s).")
            % {"line": reader.line_num, "error": exc}
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, SyntaxError)
    screen_workbook(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except unreadable:  # SyntaxError: the XML parser's ParseError
        raise BadFile(_("This file is not a readable Excel workbook (XLSX).")) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        # Read only the cells that are there: with the declared dimension, openpyxl pads every
        # row (and every missing row) to the declared width.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    except unreadable:
        raise BadFile(_("This file is not a readable Excel workbook (XLSX).")) from None
    finally:
        workbook.close()


def data_rows(data: bytes, source: Source) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, cells)`` of the rows below the header; empty rows are skipped.

    Row numbers count like a spreadsheet: the header is row 1.
    """
    header_seen = False
    for number, row in enumerate(raw_rows(data, source), start=1):
        if not any(as_text(cell) for cell in row):
            continue
        if header_seen:
            yield number, row
        header_seen = True


def _non_empty(rows: Iterator[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    for number, row in enumerate(rows, start=1):
        if any(as_text(cell) for cell in row):
            yield number, row


def _oversized(line: int, column: str | None) -> BadFile:
    params = {"line": line, "limit": f"{max_cell():,}", "column": column or "?"}
    return BadFile(
        _(
            "Row %(line)s, column “%(column)s”, holds more than %(limit)s characters; "
            "a cell that long is refused."
        )
        % params
    )


def screen(
    data: bytes, name: str, *, encoding: str = "", delimiter: str = "", languages: Iterable[str] = ()
) -> Source:
    """What kind of file this is and how to read it, from checks that parse no row.

    Cheap and bounded whatever the file holds (size, kind, encoding, delimiter, and what a
    workbook or text declares): what an upload request does before it keeps the file.
    Reading the rows is :func:`inspect`'s work, in a background job.
    """
    kind = file_kind(data, name)
    source = Source(kind=kind)
    if kind == CSV:
        source.detected_encoding = detect_encoding(data, languages)
        source.encoding = encoding or source.detected_encoding
        text = decode(data, source.encoding)
        source.delimiter = delimiter or detect_delimiter(text)
        screen_text(text, source.delimiter)
        _screen_lines(text)
    else:
        screen_workbook(data)
    return source


def _screen_lines(text: str) -> None:
    """Refuse a text with no line, or only one, that holds anything (no copy of the text)."""
    first = _NOT_BLANK.search(text)
    if first is None:
        raise BadFile(_("The file is empty."))
    end = text.find("\n", first.start())
    if end < 0 or _NOT_BLANK.search(text, end) is None:
        raise _no_data_rows()


def _no_data_rows() -> BadFile:
    return BadFile(_("The file has a header row but no data rows."))


def inspect(
    data: bytes, name: str, *, encoding: str = "", delimiter: str = "", languages: Iterable[str] = ()
) -> Source:
    """Check the whole file and describe it; raises :class:`BadFile` for anything unusable."""
    source = screen(data, name, encoding=encoding, delimiter=delimiter, languages=languages)
    rows = raw_rows(data, source)
    header_line = 0
    for header_line, header in _non_empty(rows):  # noqa: B007 - the first non-empty row is the header
        source.headers = _headers(header)
        break
    if not source.headers:
        raise BadFile(_("The file is empty."))
    limit, cell_limit = max_rows(), max_cell()
    for index, text in enumerate(source.headers):
        if len(text) > cell_limit:
            raise _oversized(header_line, str(index + 1))
    count = 0
    for number, row in enumerate(rows, start=header_line + 1):
        texts = [as_text(cell) for cell in row]
        if not any(texts):
            continue
        count += 1
        if count > limit:
            raise _too_many_rows()
        for index, text in enumerate(texts):
            if len(text) > cell_limit:
                column = source.headers[index] if index < len(source.headers) else str(index + 1)
                raise _oversized(number, column)
    if count == 0:
        raise _no_data_rows()
    source.row_count = count
    return source


def _headers(row: list[Any]) -> list[str]:
    headers = [as_text(cell) for cell in row]
    while headers and not headers[-1]:
        headers.pop()
    return [text or _("Column %(number)s") % {"number": index + 1} for index, text in enumerate(headers)]
