"""In Chromium: the export downloads what the list shows after htmx updates; an organisation is
found through the autocomplete select."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tandem.core.models import User
from tandem.partners.models import Partner
from tests.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_export_downloads_the_rows_on_screen_after_htmx_updates(
    page: Any, manager: User, make_partner: Callable[..., Partner], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    for name in ["Chair Works", "Chairs and More", "Table Makers", "Lamp Studio"]:
        make_partner(name)
    page.set_default_timeout(60_000)  # a busy shared machine
    sign_in(page, manager)
    page.goto("/partners/")
    page.fill("#list-search", "chair")
    expect(page.locator("#object-table")).not_to_contain_text("Table Makers")
    expect(page.locator("#object-table")).to_contain_text("2 records")
    page.get_by_role("button", name="Export").click()
    with page.expect_download() as download:
        page.locator("a[data-export='CSV']").click()
    target = tmp_path / "export.csv"
    download.value.save_as(target)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == ["Chair Works", "Chairs and More"]
    shot(page, "lists-01-export-after-search")


def test_an_organisation_is_chosen_by_typing_part_of_its_name(
    page: Any, manager: User, make_partner: Callable[..., Partner]
) -> None:
    from playwright.sync_api import expect

    organisation = make_partner("Zebra Works", kind="organisation")
    page.set_default_timeout(60_000)  # a busy shared machine
    sign_in(page, manager)
    page.goto("/partners/new/?kind=person")
    page.fill("input[name=name]", "Jana Novak")
    search = page.locator("[data-autocomplete=organisation] input[data-autocomplete-search]")
    search.fill("zebr")
    select = page.locator("select[name=organisation]")
    expect(select.locator(f"option[value='{organisation.pk}']")).to_have_count(1)
    page.wait_for_load_state("networkidle")  # a late answer to "z", "ze"… would replace the options
    select.select_option(str(organisation.pk))
    expect(select).to_have_value(str(organisation.pk))
    shot(page, "lists-02-autocomplete")
    page.locator("main form [type=submit]").last.click()
    expect(page.locator("h1")).to_contain_text("Jana Novak")
    assert Partner.objects.get(name="Jana Novak").organisation == organisation
