"""The list table drawn in Python: cells, numbers aligned to the right, text escaped."""

from __future__ import annotations

from types import SimpleNamespace

from tandem.web.display import Column
from tandem.web.tables import Table


def test_a_numeric_cell_is_aligned_right_and_a_text_cell_is_escaped() -> None:
    row = SimpleNamespace(name="<b>Oak</b> & co", amount=12)
    table = Table([Column("name", "Name"), Column("amount", "Amount", numeric=True)], [row])
    assert str(table.body) == '<tr><td>&lt;b&gt;Oak&lt;/b&gt; &amp; co</td><td class="text-end">12</td></tr>'
