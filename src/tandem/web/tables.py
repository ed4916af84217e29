"""Tables declared once: columns (as for lists) over rows, rendered by one template.

The same :class:`Table` draws a list page's rows (with sort links), a hand-written platform
table (jobs, webhooks, the event catalogue) and a related-records panel on a detail page
(a partner's people, and the panels other domains add to the partner card through the
registry)::

    Table(PEOPLE_COLUMNS, people[:100], caption=_("People"), add_url=reverse("partners:create"))

and ``{% include "web/_data_table.html" with table=table %}`` renders it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tandem.web.display import Cell, Column, cells

NOTHING_YET = _("Nothing here yet.")
ADD = _("Add")


@dataclass(frozen=True)
class Header:
    label: str
    sort_url: str | None = None
    direction: str = ""  # "ascending", "descending" or ""
    numeric: bool = False


class Table:
    """Rows under declared columns; ``headers`` may bring sort links (a list page's)."""

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Iterable[Any],
        *,
        caption: str | Promise = "",
        empty: str | Promise = NOTHING_YET,
        headers: Sequence[Header] | None = None,
        add_url: str | None = None,
        add_label: str | Promise = ADD,
        key: str = "",
        actions: Sequence[tuple[str, str | Promise]] = (),
    ) -> None:
        self.columns = columns
        self.actions = list(actions)  # more buttons beside "add": (url, label)
        self.objects = list(rows)
        self.caption = caption
        self.empty = empty
        self.headers = (
            list(headers)
            if headers is not None
            else [Header(str(c.label), numeric=c.numeric) for c in columns]
        )
        self.add_url = add_url
        self.add_label = add_label
        self.key = key

    @cached_property
    def rows(self) -> list[tuple[Any, list[Cell]]]:
        return [(obj, cells(obj, self.columns)) for obj in self.objects]

    @cached_property
    def body(self) -> SafeString:
        """The rows as ``<tr>`` elements drawn in Python: the template engine spent more CPU
        on the loop over 50 rows × their cells than the rest of a list page (bench/README.md)."""
        return format_html_join("\n", "<tr>{}</tr>", ((_row_html(obj, row),) for obj, row in self.rows))

    def __bool__(self) -> bool:
        return bool(self.objects)


def _row_html(obj: Any, row: list[Cell]) -> SafeString:
    return format_html_join("", "<td{}>{}</td>", ((_numeric(cell), _cell_html(obj, cell)) for cell in row))


NUMERIC = mark_safe(' class="text-end"')  # format_html_join escapes a plain str


def _numeric(cell: Cell) -> SafeString:
    return NUMERIC if cell.numeric else SafeString("")


def _cell_html(obj: Any, cell: Cell) -> SafeString:
    if cell.template:
        return render_to_string(cell.template, {"object": obj})
    return cell.html
