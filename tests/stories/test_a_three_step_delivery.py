"""A three-step delivery: the warehouse manager switches the site to pick → pack → ship on its
settings page; an order for chairs and a table is picked (one chair short on the shelf: the rest
of the pick waits as a backorder), the packer packs what reached the packing table, the shipper
ships it — valued at the ship step, when the goods leave the company — then the missing chair is
found, picked, packed and shipped; a second order is cancelled at the ship step after picking,
which cancels its pack step and leaves the goods in Packing — ending with every ledger invariant
(quants equal the done moves, nothing reserved beyond stock, stock value equals the stock
accounts)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting.services import charts
from tandem.catalog.services import create_product
from tandem.core import invariants, roles
from tandem.core.models import Company, Uom, User
from tandem.inventory import queries, services
from tandem.inventory.models import Location, Quant, Transfer, ValuationLayer, Warehouse
from tandem.partners.models import Partner
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db
S = Transfer.State


def _held(product: object, location: Location | None) -> Decimal:
    quant = Quant.objects.filter(product=product, location=location).first()
    return quant.quantity if quant else Decimal(0)


def test_an_order_is_picked_packed_and_shipped_in_three_steps(
    company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner], pcs: Uom
) -> None:
    admin = make_user("ada", roles.ADMINISTRATOR, is_superuser=True)
    wanda = make_user("wanda", roles.WAREHOUSE)
    charts.install_chart(company, admin, "ifrs", today=datetime.date(2026, 1, 1))
    site = services.create_warehouse(company, wanda, name="Maribor", code="MB")
    chair = create_product(company, admin, name="Oak chair", sku="OAK", uom=pcs, cost=Decimal("40"))
    table = create_product(company, admin, name="Oak table", sku="TAB", uom=pcs, cost=Decimal("300"))
    supplier, hotel, bistro = make_partner("Forest Works"), make_partner("Hotel Lipa"), make_partner("Bistro")

    # The manager sets the site to three-step deliveries on its settings page.
    client = signed_in(wanda)
    edit = reverse("inventory:warehouse_edit", args=[site.pk])
    form = {"name": "Maribor", "delivery_steps": "3", "reception_steps": "1", "active": "on", "version": 1}
    assert client.post(edit, form).status_code == 302
    site = Warehouse.objects.get(pk=site.pk)
    assert site.delivery_steps == 3 and site.pack_location is not None
    page = client.get(reverse("inventory:warehouse_detail", args=[site.pk])).content.decode()
    assert "Pick, pack, then ship (3 steps)" in page and "MB/Packing" in page

    # Goods arrive in one step: 5 chairs at 40, 1 table at 300.
    receipt = services.create_receipt(
        company, supplier, [(chair, 5, None, None, None, "40"), (table, 1, None, None, None, "300")],
        actor=wanda, warehouse=site,
    )  # fmt: skip
    services.validate_transfer(receipt, actor=wanda)

    # Hotel Lipa orders 4 chairs and the table: three transfers, the later two waiting.
    pick = services.create_delivery(
        company, hotel, [(chair, 4), (table, 1)], origin="SO-101", actor=wanda, warehouse=site
    )
    pack, ship = services.chain(pick)[1:]
    assert [t.step for t in (pick, pack, ship)] == ["pick", "pack", "ship"]
    assert services.reserve(pick, wanda) == []
    assert services.reserve(pack, wanda) == [] and Transfer.objects.get(pk=pack.pk).state == S.WAITING
    page = client.get(reverse("inventory:transfer_detail", args=[pack.pk])).content.decode()
    assert pick.number in page and ship.number in page  # the route, step by step

    # One chair is not on the shelf: 3 chairs and the table are picked, the fourth waits.
    chair_pick = pick.moves.get(product=chair)
    table_pick = pick.moves.get(product=table)
    services.validate_transfer(pick, {chair_pick.pk: 3, table_pick.pk: 1}, wanda)
    rest_of_pick = pick.backorders.get()
    assert _held(chair, site.pack_location) == 3 and _held(table, site.pack_location) == 1
    assert ValuationLayer.objects.count() == 2  # picking moves nothing out of the company

    # The packer packs what reached the table (validating without quantities takes it).
    url = reverse("inventory:transfer_validate", args=[pack.pk])
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    pack = Transfer.objects.get(pk=pack.pk)
    assert pack.state == S.DONE
    rest_of_pack = pack.backorders.get()
    assert rest_of_pack.moves.get().quantity == 1 and rest_of_pack.state == S.WAITING
    assert _held(chair, site.output_location) == 3

    # The shipper ships the three chairs and the table: valued now, at their cost.
    ship = Transfer.objects.get(pk=ship.pk)
    assert ship.state == S.WAITING  # the fourth chair is not there yet
    services.validate_transfer(ship, actor=wanda)
    out = ValuationLayer.objects.filter(move__transfer=ship).order_by("product__sku")
    assert [(layer.quantity, layer.value) for layer in out] == [(-3, Decimal("-120")), (-1, Decimal("-300"))]
    rest_of_ship = ship.backorders.get()

    # The fourth chair turns up: picked, packed and shipped.
    services.validate_transfer(rest_of_pick, actor=wanda)
    services.validate_transfer(rest_of_pack, actor=wanda)
    services.validate_transfer(Transfer.objects.get(pk=rest_of_ship.pk), actor=wanda)
    assert _held(chair, site.stock_location) == 1 and _held(chair, site.output_location) == 0
    assert queries.availability(chair, site).on_hand == 1

    # The bistro orders the last chair, then cancels after it was picked.
    second = services.create_delivery(
        company, bistro, [(chair, 1)], origin="SO-102", actor=wanda, warehouse=site
    )
    services.reserve(second, wanda)
    services.validate_transfer(second, actor=wanda)
    services.cancel_transfer(services.chain(second)[-1], wanda)
    assert [t.state for t in services.chain(second)] == [S.DONE, S.CANCELLED, S.CANCELLED]
    assert _held(chair, site.pack_location) == 1  # waiting to be put back
    putback = services.create_internal(
        company,
        [(chair, 1)],
        source_location=site.pack_location,
        dest_location=site.stock_location,
        actor=wanda,
    )
    services.reserve(putback, wanda)
    services.validate_transfer(putback, actor=wanda)
    assert _held(chair, site.stock_location) == 1

    assert invariants.violations() == {}
