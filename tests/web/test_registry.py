"""Registration instead of central lists: an app that registers a manifest appears in the
menus, on the home page, on the partner card and in the demo without any shared file edited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.core.demo import Demo
from tandem.core.models import User
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
    demo=[registry.DemoPart(f"{__name__}.build_probe_demo", order=99)],
)


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
