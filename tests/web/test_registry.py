"""Registration instead of central lists: an app that registers a manifest appears in the
menus, on the home page, on the partner card and in the demo without any shared file edited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tandem.catalog.services import create_product
from tandem.core import registry
from tandem.core.demo import Demo
from tandem.core.models import Company, Uom, User
from tandem.partners.models import Partner
from tandem.web.display import Column
from tandem.web.tables import Table

PROBE = registry.Manifest(
    app="probe",
    menu=[
        registry.MenuEntry("Probe deals", "jobs:list", "partners.view_partner", order=15),
        registry.MenuEntry("Probe settings", "webhooks:list", area=registry.SETTINGS, administrators=True),
    ],
    tiles=[
        registry.Tile(
            "Probe organisations",
            "partners:list",
            "partners.view_partner",
            lambda user: Partner.objects.visible_to(user).filter(kind="organisation"),
            query="kind=organisation",
        )
    ],
    shortcuts=[registry.Shortcut("New probe", "partners:create", "partners.add_partner")],
    partner_panels=[
        registry.PartnerPanel("probe-deals", _("Deals"), "partners.view_partner", f"{__name__}.deals_panel")
    ],
    record_panels=[
        registry.RecordPanel(
            "catalog.product", "probe-tab", "Probe tab", "catalog.view_product", f"{__name__}.probe_html"
        ),
        registry.RecordPanel(
            "catalog.product",
            "probe-section",
            "Probe section",
            "catalog.view_product",
            f"{__name__}.probe_html",
            section=True,
        ),
        registry.RecordPanel(
            "catalog.product", "probe-empty", "Probe empty", "catalog.view_product", f"{__name__}.nothing"
        ),
        registry.RecordPanel(
            "catalog.product",
            "probe-secret",
            "Probe secret",
            "accounting.view_entry",
            f"{__name__}.probe_html",
        ),
    ],
    demo=[registry.DemoPart(f"{__name__}.build_probe_demo", order=99)],
)


def probe_html(record: Any, request: Any) -> str:
    return format_html("<p data-probe>{} seen</p>", record)


def nothing(record: Any, request: Any) -> None:
    return None


def deals_panel(partner: Partner, request: Any) -> Table:
    """What a CRM app would contribute: this partner's deals (here, its own name as a row)."""
    return Table([Column("name", "Deal")], [partner], caption="Deals", key="probe-deals")


def build_probe_demo(demo: Demo) -> dict[str, int]:
    return {"probe_rows": Partner.objects.filter(company=demo.company).count()}


@pytest.fixture
def probe() -> Iterator[registry.Manifest]:
    registry.register(PROBE)
    yield PROBE
    registry.unregister("probe")


def test_a_registered_app_adds_its_menu_entries_tile_and_shortcut(
    probe: registry.Manifest,
    login: Callable[[User], Client],
    admin: User,
    make_partner: Callable[..., Partner],
) -> None:
    make_partner("Acme Trading")
    page = login(admin).get(reverse("home")).content.decode()
    assert "Probe deals" in page and "Probe organisations" in page and "New probe" in page
    assert f'href="{reverse("partners:list")}?kind=organisation"' in page
    settings_page = login(admin).get(reverse("administration:home")).content.decode()
    assert "Probe settings" in settings_page


def test_menu_entries_follow_permissions(
    probe: registry.Manifest, login: Callable[[User], Client], make_user: Callable[..., User]
) -> None:
    hr = make_user("helga", "hr")  # sees partners, administers nothing
    page = login(hr).get(reverse("home")).content.decode()
    assert "Probe deals" in page
    assert "Probe settings" not in page


def test_a_registered_panel_shows_on_the_partner_card(
    probe: registry.Manifest,
    login: Callable[[User], Client],
    manager: User,
    make_partner: Callable[..., Partner],
) -> None:
    partner = make_partner("Acme Trading")
    page = login(manager).get(reverse("partners:detail", args=[partner.pk])).content.decode()
    assert 'id="probe-deals"' in page and 'data-table="probe-deals"' in page
    assert 'id="people"' in page  # partners' own panel (empty here), registered the same way


def test_a_registered_record_panel_is_a_tab_or_a_section_of_the_record_page(
    probe: registry.Manifest,
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    company: Company,
    manager: User,
    pcs: Uom,
) -> None:
    """The catalogue's product page draws what an app above it registered, without importing
    it: a tab, a section above the tabs, nothing for a builder with nothing to show or a panel
    the reader may not see."""
    product = create_product(company, manager, uom=pcs, name="Oak chair", sku="OAK-1")
    salesperson = make_user("sally", "salesperson")  # sees products, not the books
    page = login(salesperson).get(reverse("catalog:detail", args=[product.pk])).content.decode()
    assert 'id="tab-probe-tab"' in page and 'id="pane-probe-tab"' in page
    assert 'data-record-section="probe-section"' in page and "Probe section" in page
    assert 'id="tab-probe-section"' not in page  # a section is not also a tab
    assert page.count("Oak chair seen") == 2
    assert "Probe empty" not in page and "Probe secret" not in page
    tabs, history = page.index('id="tab-probe-tab"'), page.index('id="tab-history"')
    assert page.index('data-record-section="probe-section"') < page.index('id="tab-details"') < tabs < history


def test_a_registered_demo_part_runs_after_the_others(
    probe: registry.Manifest, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tandem.demo import build_demo

    parts = registry.demo_parts()
    assert parts[-1] == probe.demo[0] and len(parts) > 2
    # The whole demo takes half a minute; the partners' part and the probe show the same.
    partners_and_probe = [p for p in parts if p.build in {"tandem.partners.demo.build", probe.demo[0].build}]
    monkeypatch.setattr(registry, "demo_parts", lambda: partners_and_probe)

    summary = build_demo("small")
    assert summary.probe_rows == summary.partners == 200
