"""One place that makes a value safe for a cell of any CSV or XLSX file Tandem writes.

Every writer (list exports, the API's CSV export, an import's rejected rows, …) passes each
text cell through :func:`safe_cell` as the last step before the file. It first removes the
control characters a workbook cannot hold (XML 1.0 forbids them, openpyxl refuses them) and
only then looks at the first character: a cell that a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@``, tab, carriage return, or their full-width forms) gets a leading
``'`` (OWASP "CSV injection"). Neutralising before the clean-up would let ``"\\x01=cmd()"``
through as ``"=cmd()"``.
"""

from __future__ import annotations

import re
from typing import Any

# The characters XML 1.0 forbids (openpyxl's ILLEGAL_CHARACTERS_RE): C0 controls but tab, LF, CR.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """``value`` with control characters removed and a would-be formula turned into text.

    Anything but a string (numbers, dates, booleans, None) is returned as it is: a writer
    stores those as typed cells, which a spreadsheet never evaluates.
    """
    if not isinstance(value, str):
        return value
    # A printable string holds no control character: the common case skips the expression.
    text = value if value.isprintable() else CONTROL_CHARACTERS.sub("", value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def read_cell(text: str) -> str:
    """A cell read back from a file Tandem wrote: the ``'`` that :func:`safe_cell` put in front
    of a would-be formula is dropped, so a fixed rejected-rows file imports as it was."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
