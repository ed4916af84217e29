"""Bills of materials: explosion level by level (phantom kits, scrap), revisions by date, the cycle
refused with its path, bad components refused with nothing written, the standard cost rolled up
against the hand-computed example of ``conftest.py``, and work-centre calendars."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tandem.core.errors import ValidationFailed
from tandem.core.models import Event, Uom
from tandem.manufacturing import queries, services
from tandem.manufacturing.models import Bom, BomLine
from tandem.manufacturing.services import LineData
from tests.manufacturing.conftest import Workshop

pytestmark = pytest.mark.django_db


def _rows(requirements: list[queries.Requirement]) -> list[tuple[int, str, Decimal]]:
    return [(r.level, r.product.sku, r.quantity.normalize()) for r in requirements]


def test_a_chair_explodes_level_by_level_with_kits_replaced_and_scrap_added(workshop: Workshop) -> None:
    chair = workshop.products["chair"]
    found = queries.explode(chair, Decimal(10))
    assert _rows(found) == [
        (1, "FRM", Decimal(10)),
        (2, "OAK", Decimal("27.5")),  # 250 cm × 1.1 × 10
        (2, "SCR", Decimal(80)),  # the frame's kit, exploded
        (2, "BRK", Decimal(20)),
        (1, "SEAT", Decimal(10)),
        (2, "FOAM", Decimal(10)),  # a batch of two seats takes two pads
        (2, "FAB", Decimal("7.5")),
        (1, "SCR", Decimal(80)),  # the chair's own kit
        (1, "BRK", Decimal(20)),
    ]
    assert found[0].makes == workshop.boms["frame"] and found[1].makes is None
    assert found[2].through_kit == workshop.products["kit"]
    assert "HWK" not in {r.product.sku for r in found}  # a kit is never a requirement itself


def test_the_revision_valid_on_the_day_is_exploded(workshop: Workshop) -> None:
    p = workshop.products
    services.create_bom(
        workshop.company, workshop.planner, product=p["seat"], quantity="2", revision=2,
        valid_from=datetime.date(2030, 1, 1), lines=[LineData(p["foam"], "4"), LineData(p["fabric"], "1.5")],
    )  # fmt: skip
    assert queries.bom_for(p["seat"], datetime.date(2029, 12, 31)) == workshop.boms["seat"]
    later = queries.explode(p["seat"], Decimal(2), datetime.date(2030, 1, 1))
    assert _rows(later) == [(1, "FOAM", Decimal(4)), (1, "FAB", Decimal("1.5"))]


def test_the_standard_cost_rolls_up_level_by_level_as_computed_by_hand(workshop: Workshop) -> None:
    p = workshop.products
    assert queries.roll_up(p["frame"]).unit_cost == Decimal("91.80")
    assert queries.roll_up(p["seat"]).unit_cost == Decimal("32.00")
    chair = queries.roll_up(p["chair"])
    assert chair.unit_cost == Decimal("139.60")
    assert (chair.components, chair.operations) == (Decimal("127.60"), Decimal("12.00"))
    shown = [(row.level, row.name, row.cost.quantize(Decimal("0.01"))) for row in chair.rows]
    assert shown == [
        (1, "Frame", Decimal("91.80")),
        (2, "Oak board", Decimal("55.00")),
        (2, "Hardware kit", Decimal("3.80")),
        (3, "Screw", Decimal("0.80")),
        (3, "Bracket", Decimal("3.00")),
        (2, "Cut", Decimal("21.00")),
        (2, "Join", Decimal("12.00")),
        (1, "Upholstered seat", Decimal("32.00")),
        (2, "Foam pad", Decimal("8.00")),
        (2, "Fabric", Decimal("9.00")),
        (2, "Upholster", Decimal("15.00")),
        (1, "Hardware kit", Decimal("3.80")),
        (2, "Screw", Decimal("0.80")),
        (2, "Bracket", Decimal("3.00")),
        (1, "Finish", Decimal("12.00")),
    ]


def _nothing_written(before: tuple[int, int, int]) -> None:
    assert (Bom.objects.count(), BomLine.objects.count(), Event.objects.count()) == before


def _counts() -> tuple[int, int, int]:
    return Bom.objects.count(), BomLine.objects.count(), Event.objects.count()


def test_a_bom_containing_itself_is_refused_with_the_path_and_nothing_written(workshop: Workshop) -> None:
    p, planner = workshop.products, workshop.planner
    before = _counts()
    with pytest.raises(ValidationFailed) as direct:
        services.create_bom(
            workshop.company, planner, product=p["chair"], revision=2, lines=[LineData(p["chair"], "1")]
        )
    assert "Chair → Chair" in direct.value.errors["lines"][0]
    with pytest.raises(ValidationFailed) as through:
        services.update_bom(
            workshop.boms["frame"], planner, lines=[LineData(p["oak"], "2.5"), LineData(p["chair"], "1")]
        )
    assert "Frame → Chair → Frame" in through.value.errors["lines"][0]
    with pytest.raises(ValidationFailed) as kit:  # the chair holds the kit
        services.update_bom(workshop.boms["kit"], planner, lines=[LineData(p["chair"], "1")])
    assert "Hardware kit → Chair → Hardware kit" in kit.value.errors["lines"][0]
    with pytest.raises(ValidationFailed) as deeper:  # oak made of chairs: through the frame
        services.create_bom(workshop.company, planner, product=p["oak"], lines=[LineData(p["chair"], "1")])
    assert "Oak board → Chair → Frame → Oak board" in deeper.value.errors["lines"][0]
    _nothing_written(before)


def test_bad_components_are_each_a_clear_error_and_write_nothing(workshop: Workshop) -> None:
    p, planner = workshop.products, workshop.planner
    kg = Uom.objects.get(code="kg")
    before = _counts()
    for lines, text in [
        ([LineData(p["oak"], "0")], "above zero"),
        ([LineData(p["oak"], "2", kg)], "cannot measure Oak board"),
        ([LineData(p["oak"], "2", scrap_percent="100")], "below 100"),
        ([], "at least one component"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.create_bom(workshop.company, planner, product=p["chair"], revision=3, lines=lines)
        assert text in str(refused.value.errors), refused.value.errors
    with pytest.raises(ValidationFailed) as zero:
        services.create_bom(
            workshop.company, planner, product=p["chair"], quantity="0", lines=[LineData(p["oak"], "1")]
        )
    assert zero.value.errors["quantity"]
    with pytest.raises(ValidationFailed) as taken:
        services.create_bom(
            workshop.company, planner, product=p["chair"], revision=1, lines=[LineData(p["oak"], "1")]
        )
    assert taken.value.errors["revision"]
    _nothing_written(before)


def test_a_work_centre_keeps_its_weekdays_and_its_countrys_public_holidays(workshop: Workshop) -> None:
    centre = services.update_work_centre(
        workshop.centres["FIN"], workshop.admin, holiday_country="si", capacity_hours="7.5"
    )
    days = queries.capacity(centre, datetime.date(2026, 12, 24), datetime.date(2026, 12, 28))
    assert days == {
        datetime.date(2026, 12, 24): Decimal("7.5"),  # Thursday
        datetime.date(2026, 12, 25): Decimal(0),  # Christmas
        datetime.date(2026, 12, 26): Decimal(0),  # Saturday (and Independence Day)
        datetime.date(2026, 12, 27): Decimal(0),  # Sunday
        datetime.date(2026, 12, 28): Decimal("7.5"),
    }
    with pytest.raises(ValidationFailed) as refused:
        services.update_work_centre(centre, workshop.admin, working_days="1238", capacity_hours="25")
    assert set(refused.value.errors) == {"working_days", "capacity_hours"}
