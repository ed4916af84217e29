"""Landed costs: a product's weight and volume; costs spread over a receipt's goods by quantity,
value, weight or volume — checked against splits computed by hand — and posted so the value of
stock stays the stock accounts' balance; the landed-cost page (from the receipt, add costs,
validate) and the kit's declared page cases."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account
from tandem.accounting.services import charts
from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import invariants, roles
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Uom, User
from tandem.inventory import services
from tandem.inventory.models import LandedCost, Transfer, ValuationLayer, Warehouse
from tandem.inventory.queries import valuation as queries
from tandem.inventory.services import landed_costs
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tests.kit.views import ViewCases, signed_in

pytestmark = pytest.mark.django_db
D = Decimal
_n = itertools.count(1)


@pytest.fixture
def books(company: Company, admin: User, warehouse: Warehouse) -> None:
    charts.install_chart(company, admin, "ifrs")


@pytest.fixture
def goods(make_product: Callable[..., Product]) -> tuple[Product, Product]:
    chair = make_product("Oak chair", weight=D("8"), volume=D("0.25"))
    stool = make_product("Stool", weight=D("2"), volume=D("0.05"))
    return chair, stool


def _receipt(company: Company, supplier: Partner, worker: User, chair: Product, stool: Product) -> Transfer:
    receipt = services.create_receipt(
        company,
        supplier,
        [services.MoveSpec(chair, 10, price_unit=D(30)), services.MoveSpec(stool, 10, price_unit=D(10))],
        actor=worker,
    )
    return services.validate_transfer(receipt, actor=worker)


def _landed(product: Product) -> Decimal:
    rows = ValuationLayer.objects.filter(product=product, kind=ValuationLayer.Kind.LANDED)
    return rows.aggregate(v=Sum("value"))["v"] or D(0)


def _costs(company: Company) -> list[dict[str, Any]]:
    payable = Account.objects.get(company=company, code="2260")
    return [
        {"description": "Freight", "account": payable, "amount": D("100")},
        {"description": "Duty", "account": payable, "amount": D("30")},
    ]


# Chairs: 10 × 30 = 300, 8 kg and 0.25 m³ each; stools: 10 × 10 = 100, 2 kg and 0.05 m³ each.
# Freight 100 and duty 30, each spread on its own, the last line taking what rounding leaves:
#   quantity 10 : 10     → 50 + 15          | 50 + 15
#   value    300 : 100   → 75 + 22.50       | 25 + 7.50
#   weight   80 : 20 kg  → 80 + 24          | 20 + 6
#   volume   2.5 : 0.5 m³→ 83.33 + 25       | 16.67 + 5
@pytest.mark.parametrize(
    ("split", "chair_share", "stool_share"),
    [
        ("quantity", D("65"), D("65")),
        ("value", D("97.50"), D("32.50")),
        ("weight", D("104"), D("26")),
        ("volume", D("108.33"), D("21.67")),
    ],
)
def test_costs_are_spread_as_computed_by_hand(
    books: None, company: Company, supplier: Partner, worker: User, admin: User,
    goods: tuple[Product, Product], split: str, chair_share: Decimal, stool_share: Decimal,
) -> None:  # fmt: skip
    chair, stool = goods
    receipt = _receipt(company, supplier, worker, chair, stool)
    row = landed_costs.create_landed_cost(company, admin, receipt=receipt, split=split, lines=_costs(company))
    landed_costs.validate_landed_cost(row, admin)
    assert (_landed(chair), _landed(stool)) == (chair_share, stool_share)
    assert queries.total_value(company.pk) == D(400 + 130)
    row.refresh_from_db()
    assert row.state == LandedCost.State.DONE and row.entry is not None and row.entry.state == "posted"
    assert invariants.violations() == {}


def test_what_already_left_goes_to_cost_of_goods_sold(
    books: None, company: Company, supplier: Partner, customer: Partner, worker: User, admin: User,
    goods: tuple[Product, Product],
) -> None:  # fmt: skip
    chair, stool = goods
    receipt = _receipt(company, supplier, worker, chair, stool)
    delivery = services.create_delivery(company, customer, [(chair, 5)], actor=worker)
    services.reserve(delivery, worker)
    services.validate_transfer(delivery, actor=worker)
    row = landed_costs.create_landed_cost(
        company, admin, receipt=receipt, split="volume", lines=_costs(company)
    )
    landed_costs.validate_landed_cost(row, admin)
    # chairs' 83.33 + 25: half still in stock keeps 41.67 + 12.50, the other half 41.66 + 12.50 is sold
    assert _landed(chair) == D("54.17") and _landed(stool) == D("21.67")
    assert queries.total_value(company.pk) == D("150") + D("54.17") + D("100") + D("21.67")
    cogs = Account.objects.get(company=company, code="5000")
    assert queries.stock_account_balance(company.pk, [cogs.pk]) == D("150") + D("54.16")
    assert invariants.violations() == {}


def test_a_split_by_weight_of_goods_without_weight_is_refused_on_the_split(
    books: None, company: Company, supplier: Partner, worker: User, admin: User,
    make_product: Callable[..., Product],
) -> None:  # fmt: skip
    light, other = make_product("Cushion"), make_product("Throw")
    receipt = _receipt(company, supplier, worker, light, other)
    with pytest.raises(ValidationFailed) as refused:
        landed_costs.create_landed_cost(
            company, admin, receipt=receipt, split="weight", lines=_costs(company)
        )
    assert "no weight" in refused.value.errors["split"][0]
    assert not LandedCost.objects.exists() and not ValuationLayer.objects.filter(kind="landed").exists()


def test_a_landed_cost_is_added_from_the_receipts_page_and_validated(
    books: None, company: Company, supplier: Partner, worker: User, goods: tuple[Product, Product],
    make_user: Callable[..., User],
) -> None:  # fmt: skip
    chair, stool = goods
    receipt = _receipt(company, supplier, worker, chair, stool)
    ada = signed_in(make_user("ada", roles.ACCOUNTANT))
    page = ada.get(receipt.get_absolute_url()).content.decode()
    start = f"{reverse('inventory:landed_cost_create')}?receipt={receipt.pk}"
    assert start in page.replace("&amp;", "&")
    assert start not in signed_in(worker).get(receipt.get_absolute_url()).content.decode()
    form = ada.get(start).context["form"]
    assert form.initial["receipt"] == receipt
    created = ada.post(
        reverse("inventory:landed_cost_create"),
        {
            "receipt": receipt.pk,
            "split": "weight",
            "date": form.initial["date"].isoformat(),
            "reference": "DHL-7",
        },
    )
    row = LandedCost.objects.get()
    assert created["Location"] == row.get_absolute_url()
    payable = Account.objects.get(company=company, code="2260")
    add = reverse("inventory:landed_cost_line_add", args=[row.pk])
    bad = ada.post(add, {"description": "Freight", "account": payable.pk, "amount": "-3"})
    assert bad.status_code == 200 and "amount" in bad.context["form"].errors
    assert (
        ada.post(add, {"description": "Freight", "account": payable.pk, "amount": "100"}).status_code == 302
    )
    detail = ada.get(row.get_absolute_url()).content.decode()
    assert "Freight" in detail and "80.00" in detail  # the chairs' share by weight, shown before validating
    validate = reverse("inventory:landed_cost_validate", args=[row.pk])
    assert (
        signed_in(make_user("audrey", book_roles.AUDITOR)).post(validate, {"confirmed": "1"}).status_code
        == 403
    )
    assert ada.post(validate, {"confirmed": "1"}).status_code == 302
    row.refresh_from_db()
    assert row.state == LandedCost.State.DONE and _landed(chair) == D(80) and _landed(stool) == D(20)
    assert ada.post(add, {"description": "Late", "account": payable.pk, "amount": "1"}).status_code == 200
    assert row.lines.count() == 1
    assert invariants.violations() == {}


# --- the kit's declared page cases ----------------------------------------------------------------


def _done_receipt(company: Company, actor: User | None) -> Transfer:
    if not Account.objects.filter(company=company).exists():
        charts.install_chart(company, None, "ifrs")
    warehouse = Warehouse.objects.filter(company=company).first() or services.create_warehouse(
        company, actor, name="Main", code="WH"
    )
    n = next(_n)
    product = create_product(
        company, actor, name=f"Crate {n}", sku=f"CRATE-{n}", uom=Uom.objects.get(code="pcs"), weight=D(3)
    )
    supplier = create_partner(company, actor, name=f"Carrier {n}", allow_duplicate=True)
    receipt = services.create_receipt(
        company, supplier, [services.MoveSpec(product, 4, price_unit=D(25))], actor=actor, warehouse=warehouse
    )
    return services.validate_transfer(receipt, actor=actor)


class TestLandedCostPages(ViewCases):
    model = LandedCost
    namespace = "inventory"
    url_prefix = "landed_cost_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    name_field = "reference"
    create_data = {"split": "value", "reference": "DHL-1"}
    edit_changes = {"reference": "DHL-1 (corrected)", "split": "weight"}
    stale_changes = {"reference": "DHL-1 (stale)"}
    bad_input = [({"split": "volume"}, "split"), ({"date": "soon"}, "date")]

    def create_form(self, kit: Any) -> dict[str, Any]:
        receipt = _done_receipt(kit.company, None)
        return {"receipt": str(receipt.pk), "split": "value", "reference": "DHL-1", "date": "2026-12-01"}

    def make(self, company: Company, actor: User | None, **fields: Any) -> LandedCost:
        fields.setdefault("reference", f"DHL-{next(_n)}")
        return landed_costs.create_landed_cost(
            company, actor, receipt=_done_receipt(company, actor), **fields
        )
