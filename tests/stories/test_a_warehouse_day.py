"""A warehouse worker's day: fabric arrives short (a backorder for the rest), goes up to a
shelf, a customer's order is reserved and shipped partly by scanning (a backorder again), the
customer sends a roll back, and the evening count finds one chair missing — ending with every
ledger invariant (quants equal the done moves, nothing reserved beyond stock)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import invariants, roles
from tandem.core.models import Company, Uom, User
from tandem.inventory import queries, services
from tandem.inventory.models import MoveLine, Quant, Transfer
from tandem.partners.models import Partner
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db


def test_a_worker_receives_puts_away_reserves_ships_takes_back_and_counts(
    company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner], manager: User
) -> None:
    wanda = make_user("wanda", roles.WAREHOUSE)
    metre, pcs = Uom.objects.get(code="m"), Uom.objects.get(code="pcs")
    linen = create_product(
        company, manager, name="Linen", sku="LIN", uom=metre, tracking=Product.Tracking.LOT
    )
    chair = create_product(company, manager, name="Oak chair", sku="OAK", uom=pcs, barcode="4006381333931")
    supplier, customer = make_partner("Weavers Ltd"), make_partner("Hotel Lipa")
    site = services.create_warehouse(company, wanda, name="Ljubljana", code="LJ")
    shelf = services.create_location(company, wanda, name="A-01", parent=site.stock_location, barcode="A-01")
    client = signed_in(wanda)

    # Morning: the supplier brings 80 of 100 m of linen in two rolls, and 10 chairs.
    receipt = services.create_receipt(
        company, supplier, [(linen, 100), (chair, 10)], origin="PO-2026-0007", actor=wanda, warehouse=site
    )
    linen_in, chair_in = receipt.moves.order_by("sequence")
    services.validate_transfer(
        receipt,
        {linen_in.pk: 80, chair_in.pk: 10},
        wanda,
        lots={linen_in.pk: [("ROLL-1", 50), ("ROLL-2", 30)]},
    )
    rest = receipt.backorders.get()
    assert rest.state == Transfer.State.READY and rest.moves.get().quantity == 20

    # Put away: the chairs go up to shelf A-01.
    put_away = services.create_internal(
        company, [(chair, 10)], source_location=site.stock_location, dest_location=shelf, actor=wanda
    )
    assert services.reserve(put_away, wanda) == []
    services.validate_transfer(put_away, actor=wanda)
    assert Quant.objects.get(product=chair, location=shelf).quantity == 10

    # A customer order: 4 chairs and 60 m of linen, reserved FIFO (ROLL-1 first, then ROLL-2).
    delivery = services.create_delivery(
        company, customer, [(chair, 4), (linen, 60)], origin="SO-88", actor=wanda
    )
    assert services.reserve(delivery, wanda) == []
    linen_out = delivery.moves.get(product=linen)
    assert sorted(r.quant.lot.name for r in linen_out.reservations.select_related("quant__lot")) == [
        "ROLL-1",
        "ROLL-2",
    ]
    seen = queries.availability(linen, site)
    assert (seen.on_hand, seen.reserved, seen.available, seen.incoming) == (80, 60, 20, 20)

    # Shipping on the phone: three chairs scanned, the linen typed; the fourth chair waits.
    url = reverse("inventory:transfer_process", args=[delivery.pk])
    chair_out = delivery.moves.get(product=chair)
    form = {f"done-{chair_out.pk}": "", f"done-{linen_out.pk}": "60"}
    for _ in range(3):
        form[f"done-{chair_out.pk}"] = (
            client.post(url, {**form, "scan": "4006381333931"}).context["rows"][0].done
        )
    assert client.post(url, {**form, "validate": "1"}).status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.DONE
    backorder = delivery.backorders.get()
    assert backorder.state == Transfer.State.READY and backorder.moves.get().quantity == 1

    # The hotel sends 5 m of ROLL-1 back.
    back = services.create_return(delivery, wanda, {linen_out.pk: Decimal(5)})
    services.validate_transfer(back, actor=wanda)
    assert MoveLine.objects.filter(move__transfer=back, lot__name="ROLL-1", quantity=5).exists()

    # Evening count of the shelf: one chair is missing.
    count = services.create_count(company, wanda, location=shelf)
    line = count.lines.get(product=chair)
    assert line.expected == 7
    services.record_counted(count, wanda, {line.pk: 6})
    services.apply_count(count, wanda)
    seen = queries.availability(chair, site, timezone.localdate())
    assert (seen.on_hand, seen.reserved, seen.available) == (6, 1, 5)
    assert queries.availability(linen, site).on_hand == 25
    assert invariants.violations() == {}
