"""Manufacturing orders: confirming reserves the components through inventory; producing
consumes them and brings the goods in at their actual cost (components + labour from the time
worked), booked by inventory's valuation so that stock value equals the stock accounts; partial
production leaves a backorder; scrap; cancelling releases the reservation; the quality gate; bad
input refused with nothing written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from tandem.accounting.models import Account, JournalLine
from tandem.core import invariants
from tandem.core.errors import BusinessError, IllegalTransition, ValidationFailed
from tandem.core.models import Event
from tandem.inventory.models import Move, Quant, Transfer, ValuationLayer, ValuationSettings
from tandem.inventory.queries import valuation as stock_values
from tandem.inventory.services import valuation
from tandem.manufacturing import queries, services
from tandem.manufacturing.models import ManufacturingOrder, QualityAlert, QualityCheck, WorkLog, WorkOrder
from tests.manufacturing.conftest import Workshop

pytestmark = pytest.mark.django_db
S = ManufacturingOrder.State


def reserved(workshop: Workshop, key: str) -> Decimal:
    rows = Quant.objects.filter(product=workshop.products[key])
    return sum((q.reserved for q in rows), Decimal(0))


def components(order: ManufacturingOrder) -> list[Move]:
    return list(Move.objects.filter(transfer=order.components).select_related("product"))


def stock_account(workshop: Workshop) -> Decimal:
    account = Account.objects.get(company=workshop.company, code="1230")
    return stock_values.stock_account_balance(workshop.company.pk, [account.pk])


def work(order: ManufacturingOrder, actor: object, minutes: dict[str, int]) -> None:
    """Each work order started and finished ``minutes[name]`` apart, ending an hour ago."""
    end = timezone.now() - datetime.timedelta(hours=1)
    for work_order in order.work_orders.order_by("sequence"):
        start = end - datetime.timedelta(minutes=minutes[work_order.name])
        services.start_work_order(work_order, actor, when=start)  # type: ignore[arg-type]
        services.finish_work_order(work_order, actor, when=end)  # type: ignore[arg-type]


def test_confirming_reserves_the_components_and_plans_the_work(workshop: Workshop) -> None:
    order = services.create_order(
        workshop.company, workshop.planner, product=workshop.products["frame"], quantity="2"
    )
    assert order.bom == workshop.boms["frame"] and order.state == S.DRAFT
    services.confirm_order(order, workshop.planner)
    order.refresh_from_db()
    assert order.state == S.CONFIRMED and order.number == "WH/MO/" + order.number.split("/", 2)[2]
    assert order.standard_cost == Decimal("91.80")
    moves = {m.product.sku: m.quantity for m in components(order)}
    assert moves == {"OAK": Decimal("5.5"), "SCR": Decimal(16), "BRK": Decimal(4)}
    assert (reserved(workshop, "oak"), reserved(workshop, "screw")) == (Decimal("5.5"), Decimal(16))
    assert [(w.name, w.planned_minutes) for w in order.work_orders.all()] == [
        ("Cut", Decimal(54)),
        ("Join", Decimal(36)),
    ]


def test_producing_values_the_goods_at_components_plus_labour_and_the_books_agree(workshop: Workshop) -> None:
    planner = workshop.planner
    opening = stock_account(workshop)
    assert opening == Decimal("3170.00")  # 2000 oak + 100 screws + 150 brackets + 320 foam + 600 fabric
    order = services.confirm_order(
        services.create_order(workshop.company, planner, product=workshop.products["frame"], quantity="2"),
        planner,
    )
    work(order, planner, {"Cut": 54, "Join": 36})
    production = services.produce(order, planner)
    # components: 5.5 m oak × 20 + 16 screws × 0.10 + 4 brackets × 1.50 = 117.60
    # labour: 54 min × 30/h + 36 min × 40/h = 27.00 + 24.00 = 51.00
    assert (production.component_value, production.labour_value, production.value) == (
        Decimal("117.60"), Decimal("51.00"), Decimal("168.60"),
    )  # fmt: skip
    layer = ValuationLayer.objects.get(product=workshop.products["frame"])
    assert (layer.quantity, layer.value) == (Decimal(2), Decimal("168.60"))
    assert stock_account(workshop) == opening - Decimal("117.60") + Decimal("168.60")
    order = services.finish_order(order, planner)
    assert order.state == S.DONE and not order.backorders.exists()
    assert queries.actual_unit_cost(order) == Decimal("84.30")
    assert reserved(workshop, "oak") == 0
    assert invariants.violations() == {}


def balance(workshop: Workshop, code: str) -> Decimal:
    """The posted balance (debit − credit) of the company's account ``code``."""
    account = Account.objects.get(company=workshop.company, code=code)
    return stock_values.stock_account_balance(workshop.company.pk, [account.pk])


def test_production_goes_through_work_in_progress_which_clears_with_each_production(
    workshop: Workshop,
) -> None:
    """Components are debited to work in progress (1210), goods made credited to it, and the
    labour they are valued at absorbed into it from 5400: after each production it is back at
    zero, inventory differences (5300) are untouched and the books balance."""
    planner = workshop.planner
    loss_before = balance(workshop, "5300")
    order = services.confirm_order(
        services.create_order(workshop.company, planner, product=workshop.products["frame"], quantity="4"),
        planner,
    )
    work(order, planner, {"Cut": 54, "Join": 36})
    first = services.produce(order, planner, "1")
    assert balance(workshop, "1210") == 0
    assert balance(workshop, "5400") == -first.labour_value == Decimal("-51.00")
    entries = {layer.entry_id for layer in ValuationLayer.objects.filter(move__transfer=first.consumption)}
    wip_lines = JournalLine.objects.filter(entry__in=entries, account__code="1210")
    assert [(ln.debit, ln.credit) for ln in wip_lines] == [(first.component_value, Decimal(0))]
    second = services.produce(order, planner)  # the rest: components only, the labour was absorbed
    assert (second.labour_value, balance(workshop, "1210")) == (Decimal(0), Decimal(0))
    assert balance(workshop, "5300") == loss_before
    totals = JournalLine.objects.filter(company=workshop.company, posted=True).aggregate(
        debit=Sum("debit"), credit=Sum("credit")
    )
    assert totals["debit"] == totals["credit"]
    assert invariants.violations() == {}


def test_settings_made_before_work_in_progress_get_its_accounts(workshop: Workshop) -> None:
    settings = valuation.settings_of(workshop.company)
    assert settings is not None and settings.production_account.code == "1210"  # type: ignore[union-attr]
    ValuationSettings.objects.filter(pk=settings.pk).update(
        production_account=None, production_cost_account=None
    )
    again = valuation.settings_of(workshop.company)
    assert again is not None
    assert (again.production_account.code, again.production_cost_account.code) == ("1210", "5400")  # type: ignore[union-attr]
    with pytest.raises(ValidationFailed) as refused:
        valuation.update_valuation_settings(again, None, production_account=None)
    assert "production_account" in refused.value.errors


def test_partial_production_leaves_a_backorder_that_holds_the_rest_reserved(workshop: Workshop) -> None:
    planner = workshop.planner
    order = services.confirm_order(
        services.create_order(workshop.company, planner, product=workshop.products["frame"], quantity="4"),
        planner,
    )
    services.produce(order, planner, "1")
    order.refresh_from_db()
    assert order.state == S.IN_PROGRESS and queries.produced(order) == 1
    left = {m.product.sku: m.quantity for m in components(order)}
    assert left == {"OAK": Decimal("8.25"), "SCR": Decimal(24), "BRK": Decimal(6)}
    done = services.finish_order(order, planner)
    backorder = done.backorders.get()
    assert (backorder.state, backorder.quantity, backorder.origin) == (S.CONFIRMED, Decimal(3), done.number)
    assert reserved(workshop, "screw") == Decimal(24)  # the backorder's, nothing of the first order's
    assert Transfer.objects.filter(origin=done.number, state=Transfer.State.CANCELLED).exists()
    assert invariants.violations() == {}


def test_scrap_is_moved_to_loss_with_its_reason_and_the_reservation_is_made_again(workshop: Workshop) -> None:
    planner = workshop.planner
    order = services.confirm_order(
        services.create_order(workshop.company, planner, product=workshop.products["frame"], quantity="2"),
        planner,
    )
    before = stock_account(workshop)
    row = services.scrap(
        order, planner, product=workshop.products["oak"], quantity="1.5", reason="Split board"
    )
    assert row.reason == "Split board" and row.transfer.state == Transfer.State.DONE
    assert stock_account(workshop) == before - Decimal("30.00")
    assert reserved(workshop, "oak") == Decimal("5.5")
    assert "mo.scrapped" in Event.objects.filter(subject_id=str(order.pk)).values_list("name", flat=True)
    with pytest.raises(ValidationFailed) as refused:
        services.scrap(order, planner, product=workshop.products["oak"], quantity="0", reason="")
    assert set(refused.value.errors) == {"quantity", "reason"}
    assert invariants.violations() == {}


def test_cancelling_releases_the_reservation_and_stops_the_work(workshop: Workshop) -> None:
    planner = workshop.planner
    order = services.confirm_order(
        services.create_order(workshop.company, planner, product=workshop.products["frame"], quantity="2"),
        planner,
    )
    services.start_work_order(order.work_orders.first(), planner)  # type: ignore[arg-type]
    services.cancel_order(order, planner)
    order.refresh_from_db()
    assert order.state == S.CANCELLED
    assert reserved(workshop, "oak") == 0 and reserved(workshop, "screw") == 0
    assert set(order.work_orders.values_list("state", flat=True)) == {WorkOrder.State.CANCELLED}
    assert not WorkLog.objects.filter(work_order__order=order, ended_at__isnull=True).exists()
    with pytest.raises(IllegalTransition):
        services.produce(order, planner)


def test_an_order_of_zero_or_of_a_kit_is_refused_and_writes_nothing(workshop: Workshop) -> None:
    p, planner = workshop.products, workshop.planner
    before = (ManufacturingOrder.objects.count(), Event.objects.count())
    for fields, key in [
        ({"product": p["frame"], "quantity": "0"}, "quantity"),
        ({"product": p["frame"], "quantity": "1.5"}, "quantity"),  # frames are counted in pieces
        ({"product": p["kit"], "quantity": "1"}, "bom"),
        ({"product": p["oak"], "quantity": "1"}, "bom"),  # bought, no BOM
        ({"product": p["frame"], "quantity": "1", "bom": workshop.boms["seat"]}, "bom"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.create_order(workshop.company, planner, **fields)
        assert refused.value.errors.get(key), (fields, refused.value.errors)
    assert (ManufacturingOrder.objects.count(), Event.objects.count()) == before


def test_producing_more_than_is_in_stock_is_refused_and_writes_nothing(workshop: Workshop) -> None:
    planner = workshop.planner
    order = services.confirm_order(
        services.create_order(workshop.company, planner, product=workshop.products["seat"], quantity="100"),
        planner,
    )
    before = (ValuationLayer.objects.count(), Event.objects.count(), Transfer.objects.count())
    with pytest.raises(BusinessError):
        services.produce(order, planner)
    assert (ValuationLayer.objects.count(), Event.objects.count(), Transfer.objects.count()) == before
    order.refresh_from_db()
    assert order.state == S.CONFIRMED


def test_a_failed_check_raises_an_alert_and_stops_the_operation_and_the_order(workshop: Workshop) -> None:
    p, planner = workshop.products, workshop.planner
    join = workshop.routings["frame"].operations.get(name="Join")
    services.create_quality_point(
        workshop.company, planner, title="Joint strength", product=p["frame"], operation=join,
        kind="measure", minimum="50", maximum="80", unit="N",
    )  # fmt: skip
    services.create_quality_point(workshop.company, planner, title="Looks right", product=p["frame"])
    order = services.confirm_order(
        services.create_order(workshop.company, planner, product=p["frame"], quantity="1", lot_name="F-001"),
        planner,
    )
    strength = order.checks.get(point__title="Joint strength")
    looks = order.checks.get(point__title="Looks right")
    assert strength.work_order is not None and strength.work_order.name == "Join" and looks.work_order is None
    joining = strength.work_order
    services.start_work_order(joining, planner)
    services.record_check(strength, planner, measured="45")
    alert = QualityAlert.objects.get(order=order)
    assert "F-001" in alert.description and "45" in alert.description
    before = (Event.objects.count(), WorkOrder.objects.get(pk=joining.pk).state)
    with pytest.raises(BusinessError) as refused:
        services.finish_work_order(joining, planner)
    assert "Joint strength" in refused.value.message and "failed" in refused.value.message
    assert (Event.objects.count(), WorkOrder.objects.get(pk=joining.pk).state) == before
    services.produce(order, planner)
    with pytest.raises(BusinessError) as gate:
        services.finish_order(order, planner)
    assert "Joint strength" in gate.value.message
    order.refresh_from_db()
    assert order.state == S.IN_PROGRESS
    services.record_check(strength, planner, measured="62.5")
    services.record_check(looks, planner, passed=True)
    services.finish_work_order(joining, planner)
    assert services.finish_order(order, planner).state == S.DONE
    assert set(order.checks.values_list("state", flat=True)) == {QualityCheck.State.PASSED}
    services.close_alert(alert, planner)
    assert invariants.violations() == {}
