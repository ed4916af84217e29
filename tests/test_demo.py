"""The demo company: counts, determinism, valid identifiers, roles and record rules, and each
domain's own checks of it, over one build."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal

import phonenumbers
import pytest
from django.contrib.auth.models import Group

from tandem.catalog import demo as catalog_demo
from tandem.catalog.demo import product_drafts
from tandem.catalog.models import Category, PriceList, PriceListItem, Product
from tandem.core import roles
from tandem.core.identifiers import normalize_tax_id
from tandem.core.models import Company, Event, ExchangeRate, User
from tandem.core.text import name_key
from tandem.demo import DEMO_PASSWORD, DEMO_USERS, DemoRefused, build_demo, demo_loaded
from tandem.manufacturing import demo as manufacturing_demo
from tandem.partners import demo as partners_demo
from tandem.partners.demo import PartnerGenerator
from tandem.partners.models import Address, Partner
from tests.accounting.demo_checks import TheDemoBooks
from tests.crm.demo_checks import TheDemoLeads
from tests.kit.demo import DemoCase


def _names_digest(names: Iterator[str]) -> str:
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def _ean13_is_valid(code: str) -> bool:
    """Independent of python-stdnum: weights 1 and 3 from the left, total a multiple of 10."""
    return (
        len(code) == 13
        and code.isdigit()
        and sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code)) % 10 == 0
    )


class TestTheSmallDemo(DemoCase, TheDemoBooks, TheDemoLeads):
    """One build of the demo; the domains' checks of it come in as mixins (``tests.kit.demo``)."""

    def test_counts(self) -> None:
        assert self.summary.partners == Partner.objects.count() == partners_demo.SIZES["small"] == 200
        assert (
            self.summary.organisations
            == Partner.objects.filter(kind=Partner.Kind.ORGANISATION).count()
            == 160
        )
        assert (
            self.summary.people
            == Partner.objects.filter(kind=Partner.Kind.PERSON, organisation__isnull=False).count()
        )
        assert (
            self.summary.suppliers
            == Partner.objects.filter(kind=Partner.Kind.ORGANISATION, is_supplier=True).count()
        )
        assert 0.05 < self.summary.suppliers / self.summary.organisations < 0.2
        made = len(manufacturing_demo.MATERIALS) + len(manufacturing_demo.PARTS)  # manufacturing's own parts
        assert self.summary.products == catalog_demo.SIZES["small"]
        assert Product.objects.count() == catalog_demo.SIZES["small"] + made
        assert self.summary.price_list_items == PriceListItem.objects.count()
        assert Company.objects.get().name == self.summary.company == "Tandem Furniture"
        assert set(Partner.objects.values_list("country", flat=True)) == {
            "PL",
            "DE",
            "SI",
            "RU",
            "GB",
            "US",
            "CN",
        }
        assert set(Product.objects.values_list("kind", flat=True)) == {"goods", "consumable", "service"}
        assert set(Product.objects.values_list("uom__code", flat=True)) == {"pcs", "m", "l", "h"}

    def test_partners_are_complete(self) -> None:
        organisations = Partner.objects.filter(kind=Partner.Kind.ORGANISATION)
        assert all(p.name_key == name_key(p.name) for p in Partner.objects.all())
        assert not organisations.filter(addresses__isnull=True).exists()
        assert Address.objects.filter(kind=Address.Kind.DELIVERY).exists()
        assert not Address.objects.filter(city="").exists()
        assert not organisations.filter(email="").exists()
        assert organisations.filter(is_supplier=False, owner__isnull=True).count() == 0
        assert organisations.filter(is_supplier=True, owner__isnull=False).count() == 0
        assert set(organisations.values_list("group__name", flat=True)) == {
            "Contract",
            "Retail",
            "Wholesale",
            None,
        }
        tags = set(organisations.values_list("tags__name", flat=True))
        assert {"Hotel", "Office", "Retail", "Key account", "Timber", "Fabric", "Hardware"} <= tags

    def test_phones_are_valid_e164(self) -> None:
        numbers = [n for p in Partner.objects.all() for n in (p.phone, p.mobile) if n]
        assert len(numbers) > self.summary.partners
        for number in numbers:
            parsed = phonenumbers.parse(number)
            assert phonenumbers.is_valid_number(parsed), number
            assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number

    def test_tax_ids_are_valid_and_compact(self) -> None:
        with_tax_id = Partner.objects.exclude(tax_id="")
        assert with_tax_id.count() > self.summary.organisations // 2
        for partner in with_tax_id:
            assert normalize_tax_id(partner.tax_id, partner.country) == partner.tax_id
        company = Company.objects.get()
        assert normalize_tax_id(company.tax_id, company.country) == company.tax_id

    def test_barcodes_skus_and_prices(self) -> None:
        products = list(Product.objects.all())
        assert len({p.sku for p in products}) == len(products)
        for product in products:
            if product.kind == Product.Kind.SERVICE:
                assert product.barcode == ""
            else:
                assert _ean13_is_valid(product.barcode), product.barcode
            assert isinstance(product.sales_price, Decimal)
            assert isinstance(product.cost, Decimal)
            assert 0 < product.cost < product.sales_price
        assert all(isinstance(item.price, Decimal) and item.price > 0 for item in PriceListItem.objects.all())

    def test_categories_and_price_lists(self) -> None:
        chairs = Category.objects.get(path="Furniture / Chairs")
        assert chairs.parent is not None
        assert chairs.parent.path == "Furniture"
        assert all(c.path.endswith(c.name) for c in Category.objects.all())
        lists = {pl.name: pl for pl in PriceList.objects.all()}
        assert set(lists) == {"EUR list", "Wholesale EUR", "PLN list"}
        assert lists["PLN list"].currency_id == "PLN"
        assert lists["Wholesale EUR"].customer_group is not None
        breaks = set(lists["Wholesale EUR"].items.values_list("min_quantity", flat=True))
        assert breaks == {Decimal(0), Decimal(10), Decimal(50)}
        assert ExchangeRate.objects.filter(base="EUR", quote="PLN").exists()

    def test_users_have_their_roles(self) -> None:
        company = Company.objects.get()
        for demo_user in DEMO_USERS:
            user = User.objects.get(username=demo_user.username)
            assert user.check_password(DEMO_PASSWORD)
            assert user.groups.filter(name=demo_user.role).exists()
            assert user.companies.filter(pk=company.pk).exists()
            assert user.active_company == company
        admin = User.objects.get(username="admin")
        assert admin.is_superuser
        assert admin.groups.filter(name=roles.ADMINISTRATOR).exists()
        assert Group.objects.get(name=roles.SALESPERSON).user_set.count() == 2

    def test_salesperson_sees_a_strict_subset(self) -> None:
        everyone = Partner.objects.visible_to(User.objects.get(username="anna"))
        sam = Partner.objects.visible_to(User.objects.get(username="sam"))
        assert everyone.count() == self.summary.partners
        assert 0 < sam.count() < everyone.count()
        assert set(sam.values_list("pk", flat=True)) < set(everyone.values_list("pk", flat=True))
        assert not sam.filter(owner__username="sofia").exists()

    def test_one_event_and_refusal(self) -> None:
        assert demo_loaded()
        assert Event.objects.filter(name="demo.loaded").count() == 1
        with pytest.raises(DemoRefused):
            build_demo("small")
        with pytest.raises(DemoRefused):
            build_demo("small", force=True)
        assert Partner.objects.count() == self.summary.partners

    def test_new_rows_get_fresh_ids_after_the_load(self) -> None:
        """The load takes its primary keys itself; the database must hand out later ones."""
        company = Company.objects.get()
        largest = max(Partner.objects.values_list("pk", flat=True))
        partner = Partner.objects.create(company=company, name="Added after the demo")
        assert partner.pk > largest
        assert Address.objects.create(partner=partner, city="Ljubljana").pk > self.summary.organisations

    def test_database_holds_exactly_what_the_generator_yields(self) -> None:
        """The stored names equal a fresh run of the pure generators: the demo is deterministic."""
        organisations = PartnerGenerator().organisations(partners_demo.organisations("small"))
        expected = [name for org in organisations for name in (org.name, *(p.name for p in org.people))]
        stored = Partner.objects.values_list("name", flat=True)
        assert _names_digest(iter(sorted(stored))) == _names_digest(iter(sorted(expected)))
        expected_skus = {d.sku for d in product_drafts(catalog_demo.SIZES["small"])} | {
            row[0] for row in (*manufacturing_demo.MATERIALS, *manufacturing_demo.PARTS)
        }
        assert set(Product.objects.values_list("sku", flat=True)) == expected_skus

    def test_day_one_templates_print_a_complete_letterhead(self) -> None:
        from tandem.integrations.letters import services as letters
        from tandem.integrations.letters.models import DocumentTemplate

        assert self.summary.document_templates == DocumentTemplate.objects.count() == 15
        kinds = set(DocumentTemplate.objects.values_list("kind", "language"))
        for kind in ("letter", "offer", "reminder"):
            assert {(kind, "en"), (kind, "sl")} <= kinds
        company = Company.objects.get()
        assert company.city == "Ljubljana" and company.vat_id == f"SI{company.tax_id}"
        assert company.iban.startswith("SI56") and company.bic and company.email and company.bank_name
        customer = Partner.objects.filter(kind=Partner.Kind.ORGANISATION, is_supplier=False).order_by("id")[0]
        admin = User.objects.get(username="admin")
        for template in DocumentTemplate.objects.all():
            rendered = letters.render_template(template, user=admin, partner=customer)
            assert rendered.empty_fields == (), template.name
        reminder = DocumentTemplate.objects.get(kind="reminder", language="sl")
        body = letters.render_template(reminder, user=admin, partner=customer).body
        assert "IBAN SI56191000000123438, BIC LJBASI2X" in body

    def test_the_demo_stock_is_valued_and_agrees_with_the_balance_sheet(self) -> None:
        from tandem.inventory.models import ValuationSettings
        from tandem.inventory.queries import valuation

        settings = ValuationSettings.objects.get()
        assert valuation.total_value(settings.company_id) > 0
        assert valuation.valuation_differences() == []

    def test_a_warehouse_works_in_steps_with_a_delivery_and_a_receipt_under_way(self) -> None:
        from tandem.inventory.models import Transfer, Warehouse

        site = Warehouse.objects.get(code="ZG")
        assert (site.delivery_steps, site.reception_steps) == (3, 2)
        steps = dict(
            Transfer.objects.filter(warehouse=site).exclude(step="").values_list("step", "state").distinct()
        )
        assert steps == {
            "pick": "done",
            "pack": "ready",
            "ship": "waiting",
            "input": "done",
            "store": "ready",
        }

    def test_mrp_proposes_work_from_the_start(self) -> None:
        from tandem.planning.models import Forecast, MrpRun

        run = MrpRun.objects.get()
        assert run.state == "done" and Forecast.objects.exists()
        kinds = set(run.orders.values_list("kind", flat=True))
        assert kinds == {"make", "buy"}, kinds

    def test_a_count_applied_a_count_waiting_and_freight_on_a_receipt(self) -> None:
        from tandem.inventory.models import Count, LandedCost, ValuationLayer

        assert set(Count.objects.values_list("state", flat=True)) == {"applied", "draft"}
        landed = LandedCost.objects.get()
        assert landed.state == "done" and landed.receipt.state == "done"
        assert ValuationLayer.objects.filter(kind=ValuationLayer.Kind.LANDED).exists()

    def test_the_shop_floor_has_work_under_way_and_an_open_quality_alert(self) -> None:
        from tandem.manufacturing.models import ManufacturingOrder, QualityAlert, WorkOrder

        states = set(ManufacturingOrder.objects.values_list("state", flat=True))
        assert {"draft", "confirmed", "in_progress", "done", "cancelled"} <= states, states
        assert WorkOrder.objects.filter(state="in_progress").exists()
        alert = QualityAlert.objects.get(state="open")
        assert alert.order.state == "in_progress" and "42" in alert.description

    def test_quotations_and_orders_in_every_state(self) -> None:
        from tandem.sales import queries as sales
        from tandem.sales.models import SalesOrder

        states = set(SalesOrder.objects.values_list("state", flat=True))
        assert {"draft", "sent", "confirmed", "cancelled"} <= states
        assert SalesOrder.objects.filter(deal__isnull=False).exists()
        assert SalesOrder.objects.filter(approved_by__isnull=False).exists()
        invoiced = list(SalesOrder.objects.filter(invoices__isnull=False).distinct())
        assert invoiced and any(sales.progress(o).delivered for o in invoiced)
        from tandem.accounting.models import Invoice
        from tandem.core.models import Event

        credited = SalesOrder.objects.filter(invoices__invoice__kind=Invoice.Kind.CUSTOMER_CREDIT_NOTE)
        assert credited.exists() and Event.objects.filter(name="salesorder.returned").exists()

    def test_every_month_with_cost_of_goods_sold_has_revenue(self) -> None:
        """The sales analysis by month, this month included: each demo order is delivered, then
        invoiced, in its own month and never after today, so no month shows the cost of goods
        that left without the revenue of their invoices."""
        from django.utils import timezone

        from tandem.accounting.models import Invoice, Payment
        from tandem.inventory.models import ValuationLayer
        from tandem.sales.queries import profit

        today = timezone.localdate()
        by_month = {
            month: figures
            for month, _none, figures in profit.figures(profit.Scope(Company.objects.get()), "month")
        }
        costly = sorted(month for month, figures in by_month.items() if figures.cost)
        assert f"{today:%Y-%m}" in by_month, sorted(by_month)
        assert len(costly) >= 6, costly  # the year behind
        assert [month for month in costly if by_month[month].revenue <= 0] == [], {
            month: (by_month[month].revenue, by_month[month].cost) for month in costly
        }
        assert not Invoice.objects.filter(invoice_date__gt=today).exists()
        assert not ValuationLayer.objects.filter(date__gt=today).exists()
        assert not Payment.objects.filter(date__gt=today).exists()
        from tandem.sales import queries as sales
        from tandem.sales.models import OrderInvoice, SalesOrder

        checked = 0
        for order in SalesOrder.objects.filter(state__in=sales.CONFIRMED_STATES).order_by("id"):
            month = (order.order_date.year, order.order_date.month)
            shipped = list(
                ValuationLayer.objects.filter(
                    move__transfer__in=sales.deliveries(order), move__dest_location__kind="customer"
                ).values_list("date", flat=True)
            )
            invoiced = Invoice.objects.filter(
                pk__in=OrderInvoice.objects.filter(order=order).values("invoice"),
                kind=Invoice.Kind.CUSTOMER_INVOICE,
            ).values_list("invoice_date", flat=True)
            for day in [*shipped, *invoiced]:
                assert (day.year, day.month) == month and order.order_date <= day, (
                    order.number,
                    order.order_date,
                    day,
                )
            for day in invoiced:
                assert all(out <= day for out in shipped), (order.number, shipped, day)
                checked += 1
        assert checked >= 20, checked


def test_generators_repeat_themselves() -> None:
    def digest() -> str:
        return _names_digest(f"{o.name}|{o.phone}|{o.tax_id}" for o in PartnerGenerator().organisations(300))

    assert digest() == digest()
    assert product_drafts(2000) == product_drafts(2000)
    assert len({d.name for d in product_drafts(2000)}) == 2000
