"""Supplier prices, RFQs from requests, the approval chain, sending and billing a service order."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tandem.accounting.models import Invoice
from tandem.accounting.services import charts
from tandem.catalog.models import Product
from tandem.core.errors import BusinessError, IllegalTransition, NotAllowed, ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.core.notifications.models import Notification, OutgoingEmail
from tandem.partners.models import Partner
from tandem.purchasing import queries, services
from tandem.purchasing.models import Approval, ApprovalLevel, PurchaseOrder, SupplierPrice
from tests.kit.records import events_about
from tests.purchasing.conftest import DAY, order_of

# --- supplier prices and the best supplier ---------------------------------------------------


@pytest.mark.usefixtures("prices")
def test_best_supplier_is_the_cheapest_that_arrives_in_time(company: Company, oak: Product) -> None:
    cheapest = queries.best_supplier(company, oak, Decimal(5), on=DAY)
    assert cheapest is not None and (cheapest.partner.name, cheapest.price) == ("Timber Co", Decimal("12.00"))
    by_quantity = queries.best_supplier(company, oak, Decimal(150), on=DAY)
    assert by_quantity is not None and by_quantity.price == Decimal("10.50")
    in_three_days = queries.best_supplier(
        company, oak, Decimal(5), on=DAY, needed_by=DAY + datetime.timedelta(days=3)
    )
    assert in_three_days is not None and in_three_days.partner.name == "Fast Wood"
    tomorrow = queries.best_supplier(
        company, oak, Decimal(5), on=DAY, needed_by=DAY + datetime.timedelta(days=1)
    )
    assert tomorrow is not None and tomorrow.partner.name == "Fast Wood"  # nobody makes it: the fastest


def test_expired_and_archived_prices_do_not_count(
    company: Company, admin: User, timber_co: Partner, oak: Product
) -> None:
    services.create_supplier_price(
        company,
        admin,
        partner=timber_co,
        product=oak,
        price="1.00",
        valid_to=DAY - datetime.timedelta(days=1),
    )
    archived = services.create_supplier_price(company, admin, partner=timber_co, product=oak, price="2.00")
    services.update_supplier_price(archived, admin, active=False)
    assert queries.best_supplier(company, oak, Decimal(1), on=DAY) is None


def test_a_bad_supplier_price_is_refused_and_nothing_written(
    company: Company, admin: User, timber_co: Partner, oak: Product, make_partner: object
) -> None:
    customer = make_partner("Just a customer")  # type: ignore[operator]
    before = SupplierPrice.objects.count(), Event.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.create_supplier_price(
            company,
            admin,
            partner=timber_co,
            product=oak,
            price="-1",
            valid_from=DAY,
            valid_to=DAY - datetime.timedelta(days=1),
        )
    assert set(refused.value.errors) == {"price", "valid_to"}
    with pytest.raises(ValidationFailed) as not_supplier:
        services.create_supplier_price(company, admin, partner=customer, product=oak, price="1")
    assert "partner" in not_supplier.value.errors
    assert (SupplierPrice.objects.count(), Event.objects.count()) == before


# --- requests into RFQs ------------------------------------------------------------------------


@pytest.mark.usefixtures("prices")
def test_requests_are_grouped_into_one_rfq_per_supplier(
    company: Company, purchaser: User, oak: Product, design: Product, fast_wood: Partner
) -> None:
    first = services.create_request(company, purchaser, product=oak, quantity="40", origin="min stock")
    second = services.create_request(company, purchaser, product=oak, quantity="80", origin="min stock")
    urgent = services.create_request(
        company, purchaser, product=oak, quantity="5", needed_by=DAY + datetime.timedelta(days=3)
    )
    orphan = services.create_request(company, purchaser, product=design, quantity="2")
    result = services.create_rfqs(company, purchaser, [first, second, urgent, orphan], on=DAY)
    assert result.without_supplier == [orphan]
    by_supplier = {order.partner.name: order for order in result.orders}
    assert set(by_supplier) == {"Timber Co", "Fast Wood"}
    timber = by_supplier["Timber Co"]
    assert [(line.quantity, line.price_unit) for line in timber.lines.order_by("sequence")] == [
        (Decimal(40), Decimal("12.00")),
        (Decimal(80), Decimal("12.00")),
    ]
    assert timber.amount_total == Decimal("1440.00") and timber.state == "draft"
    assert by_supplier["Fast Wood"].lines.get().expected_date == DAY + datetime.timedelta(days=3)
    first.refresh_from_db()
    orphan.refresh_from_db()
    assert first.state == "ordered" and first.order_line is not None and orphan.state == "open"
    again = services.create_rfqs(
        company, purchaser, [services.create_request(company, purchaser, product=oak, quantity="1")], on=DAY
    )
    assert again.orders[0].pk == timber.pk  # the supplier's open draft takes it
    with pytest.raises(IllegalTransition):
        services.cancel_request(first, purchaser)


# --- the approval chain ---------------------------------------------------------------------------


def test_a_small_order_is_confirmed_without_approval(
    company: Company, purchaser: User, timber_co: Partner, design: Product, chain: list[ApprovalLevel]
) -> None:
    order = order_of(company, purchaser, timber_co, (design, "2", "100"))
    services.confirm_order(order, purchaser)
    assert order.state == "confirmed" and order.number.startswith("PO") and order.confirmed_by == purchaser


def test_a_large_order_goes_up_the_chain_and_each_approver_is_told(
    company: Company,
    purchaser: User,
    buyer_manager: User,
    director: User,
    timber_co: Partner,
    design: Product,
    chain: list[ApprovalLevel],
) -> None:
    order = order_of(company, purchaser, timber_co, (design, "10", "1500"))  # 15,000: manager and director
    services.confirm_order(order, purchaser)
    assert order.state == "to_approve"
    assert Notification.objects.filter(recipient=buyer_manager, kind="purchasing.approval").count() == 1
    assert not Notification.objects.filter(recipient=director).exists()
    with pytest.raises(NotAllowed):
        services.approve_order(order, director)  # not their turn yet
    services.approve_order(order, buyer_manager)
    assert order.state == "to_approve"
    assert Notification.objects.filter(recipient=director, kind="purchasing.approval").count() == 1
    services.approve_order(order, director)
    assert order.state == "confirmed"
    approvals = list(
        Approval.objects.filter(order=order).order_by("id").values_list("level__name", "approver")
    )
    assert approvals == [("Manager", buyer_manager.pk), ("Director", director.pk)]
    assert events_about(order) == [
        "purchaseorder.created",
        "purchaseorder.submitted",
        "purchaseorder.approval_given",
        "purchaseorder.approval_given",
        "purchaseorder.confirmed",
    ]


def test_nobody_approves_their_own_order_above_the_limit(
    company: Company, buyer_manager: User, timber_co: Partner, design: Product, chain: list[ApprovalLevel]
) -> None:
    order = order_of(company, buyer_manager, timber_co, (design, "1", "2000"))
    services.confirm_order(order, buyer_manager)
    before = Approval.objects.count(), Event.objects.count()
    with pytest.raises(NotAllowed) as refused:
        services.approve_order(order, buyer_manager)
    assert "your own order" in refused.value.message
    order.refresh_from_db()
    assert order.state == "to_approve" and (Approval.objects.count(), Event.objects.count()) == before


def test_a_refused_order_goes_back_to_its_purchaser(
    company: Company,
    purchaser: User,
    buyer_manager: User,
    timber_co: Partner,
    design: Product,
    chain: list[ApprovalLevel],
) -> None:
    order = order_of(company, purchaser, timber_co, (design, "1", "2000"))
    services.confirm_order(order, purchaser)
    services.reject_order(order, buyer_manager, reason="Too expensive")
    assert order.state == "draft"
    assert Notification.objects.filter(recipient=purchaser, kind="purchasing.approval").exists()


def test_bad_order_input_is_refused_and_nothing_written(
    company: Company,
    purchaser: User,
    timber_co: Partner,
    oak: Product,
    other_company: Company,
    make_user: object,
) -> None:
    before = PurchaseOrder.objects.count(), Event.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        order_of(company, purchaser, timber_co, (oak, "0", "1"))
    assert "lines.0" in refused.value.errors
    with pytest.raises(ValidationFailed):
        order_of(company, purchaser, timber_co)
    assert (PurchaseOrder.objects.count(), Event.objects.count()) == before


# --- sending ------------------------------------------------------------------------------------


def test_sending_mails_the_pdf_in_the_suppliers_language_and_logs_it_on_their_timeline(
    company: Company,
    purchaser: User,
    timber_co: Partner,
    design: Product,
    django_capture_on_commit_callbacks: object,
) -> None:
    order = order_of(company, purchaser, timber_co, (design, "2", "100"))
    services.send_order(order, purchaser)
    assert order.state == "sent" and order.number and order.sent_at is not None
    email = OutgoingEmail.objects.get()
    assert email.to == ["timber@example.com"] or "timber@example.com" in str(email.to)
    assert "Zapytanie ofertowe" in email.subject or order.number in email.subject
    assert Event.objects.filter(name="purchaseorder.sent", partner_id=timber_co.pk).exists()
    assert services.order_pdf(order).startswith(b"%PDF")


# --- billing (a service order: received when confirmed) ------------------------------------------


def test_billing_a_service_order_drafts_the_supplier_bill_and_matches_three_ways(
    company: Company, purchaser: User, admin: User, timber_co: Partner, design: Product
) -> None:
    charts.install_chart(company, None, "ifrs", today=DAY)
    order = order_of(company, purchaser, timber_co, (design, "3", "80"))
    with pytest.raises(BusinessError):
        services.bill_order(order, admin)  # an RFQ is not billed
    services.confirm_order(order, purchaser)
    result = services.bill_order(order, admin, invoice_date=DAY)
    bill = result.invoice
    assert bill.kind == Invoice.Kind.SUPPLIER_BILL and bill.origin == order.number and result.warnings == []
    assert [(line.quantity, line.price_unit) for line in bill.lines.all()] == [(Decimal(3), Decimal(80))]
    statuses = queries.line_statuses(order)
    assert [(s.ordered, s.received, s.billed) for s in statuses] == [(Decimal(3), Decimal(3), Decimal(3))]
    with pytest.raises(BusinessError):
        services.bill_order(order, admin)  # nothing left to bill
    line = bill.lines.get()
    from tandem.accounting.services import invoices

    invoices.update_invoice(
        bill,
        admin,
        {},
        lines=[invoices.LineData(product=design, quantity="4", price_unit="85", account=line.account)],
    )
    warnings = queries.mismatches(queries.line_statuses(order))
    assert any("billed 4 but received 3" in w for w in warnings)
    assert any("billed at 85 a unit, ordered at 80" in w for w in warnings)
