"""An accountant changes a draft invoice made from an order — in the form, over the API or
through the service — and what the draft bills of the order stays linked to it: a line named
again keeps its identity (and the order line it bills), a line left out is removed and the
order has it to invoice again. What the edit may not do is refused with nothing written: bill
more than the order's policy allows, swap the product of a billed line, invoice down payments
beyond the order's total or deduct more than was paid in advance, or name another invoice's line.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import Invoice
from tandem.accounting.services import invoices as accounting
from tandem.catalog.models import Product
from tandem.core import invariants
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Event, User
from tandem.sales import queries, services
from tandem.sales.models import OrderInvoiceLine, SalesOrder
from tests.kit.api import api_client
from tests.kit.views import form_data, formset_data, signed_in
from tests.sales.conftest import deliver

pytestmark = pytest.mark.django_db
D = Decimal


def as_given(invoice: Invoice, **changed: Any) -> list[accounting.LineData]:
    """The draft's lines as the form and the API give them back, each named by its id; ``changed``
    maps a line's position to the fields changed on it (``None`` leaves the line out)."""
    given = []
    for n, line in enumerate(invoice.lines.order_by("sequence", "id").prefetch_related("taxes")):
        fields = changed.get(f"line{n}", {})
        if fields is None:
            continue
        kept = {
            "id": line.pk, "description": line.description, "quantity": line.quantity,
            "price_unit": line.price_unit, "discount": line.discount, "product": line.product,
            "account": line.account, "taxes": list(line.taxes.all()),
        }  # fmt: skip
        given.append(accounting.LineData(**{**kept, **fields}))
    return given


def invoiced(order: SalesOrder) -> list[Decimal]:
    return [status.invoiced for status in queries.line_statuses(order)]


def snapshot(invoice: Invoice) -> list[tuple[int, str, Decimal, Decimal, int | None]]:
    return list(
        invoice.lines.order_by("id").values_list("id", "description", "quantity", "price_unit", "product_id")
    )


@pytest.fixture
def draft(order: SalesOrder, admin: User) -> Invoice:
    """The ten chairs delivered and invoiced in a draft."""
    deliver(order, admin)
    return services.invoice_order(order, admin)


def test_a_changed_line_keeps_the_order_line_it_bills(draft: Invoice, order: SalesOrder, admin: User) -> None:
    line = draft.lines.get()
    changed = accounting.update_draft(
        draft,
        admin,
        notes="Delivered on the 5th",
        lines=as_given(draft, line0={"description": "Chairs, oak"}),
    )
    assert changed.lines.get().pk == line.pk and changed.lines.get().description == "Chairs, oak"
    assert OrderInvoiceLine.objects.get(invoice_line=line).order_line is not None
    assert invoiced(order) == [D(10)]
    with pytest.raises(BusinessError, match="Nothing is left to invoice"):
        services.invoice_order(order, admin)  # billed once: nothing is left to invoice
    event = Event.objects.filter(name="invoice.lines_written").get()
    assert event.data == {"changed": [line.pk], "removed": [], "added": []}


def test_a_lower_quantity_leaves_the_rest_to_invoice_and_a_removed_line_all_of_it(
    draft: Invoice, order: SalesOrder, admin: User
) -> None:
    accounting.update_draft(draft, admin, lines=as_given(draft, line0={"quantity": D(4)}))
    assert invoiced(order) == [D(4)]
    accounting.update_draft(
        draft, admin, lines=[accounting.LineData(description="Freight", price_unit=D(30))]
    )
    assert invoiced(order) == [D(0)]
    again = services.invoice_order(order, admin)
    assert again.lines.get().quantity == D(10)
    accounting.post_invoice(again, admin)
    assert not invariants.violations()


def test_an_edit_beyond_the_orders_policy_or_swapping_the_product_writes_nothing(
    draft: Invoice, order: SalesOrder, admin: User, design: Product
) -> None:
    before, events = snapshot(draft), Event.objects.count()
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"line0": {"quantity": D(11)}}, "At most 10"),
        ({"line0": {"product": design}}, "keeps that product"),
    ]
    for changed, message in refusals:
        with pytest.raises(ValidationFailed) as refused:
            accounting.update_draft(draft, admin, lines=as_given(draft, **changed))
        assert message in str(refused.value.errors["lines"])
    with pytest.raises(ValidationFailed) as refused:  # the same product again, by hand, unlinked
        accounting.update_draft(
            draft,
            admin,
            lines=[
                *as_given(draft),
                accounting.LineData(product=order.lines.get().product, quantity=D(1), price_unit=D(100)),
            ],
        )
    assert "At most 10" in str(refused.value.errors["lines"])
    assert snapshot(draft) == before and Event.objects.count() == events


@pytest.fixture
def other(order: SalesOrder, admin: User, make_partner: Callable[..., Any]) -> Invoice:
    """Another customer's draft."""
    return accounting.create_invoice(
        order.company,
        admin,
        kind=Invoice.Kind.CUSTOMER_INVOICE,
        partner=make_partner("Someone else"),
        invoice_date=order.order_date,
        lines=[accounting.LineData(description="Advice", price_unit=D(50))],
    )


def test_another_invoices_line_or_one_named_twice_is_refused(
    draft: Invoice, other: Invoice, admin: User
) -> None:
    before = snapshot(draft), snapshot(other)
    foreign = as_given(draft, line0={"id": other.lines.get().pk})
    twice = [*as_given(draft), *as_given(draft)]
    for lines in (foreign, twice):
        with pytest.raises(ValidationFailed, match="not a line of this invoice"):
            accounting.update_draft(draft, admin, lines=lines)
    assert (snapshot(draft), snapshot(other)) == before


def test_down_payments_and_their_deduction_stay_within_what_was_paid(order: SalesOrder, admin: User) -> None:
    down = services.invoice_down_payment(order, admin, percent="10")  # 100 untaxed
    with pytest.raises(ValidationFailed, match="more than the order's total"):
        accounting.update_draft(down, admin, lines=as_given(down, line0={"price_unit": D(1001)}))
    accounting.update_draft(down, admin, lines=as_given(down, line0={"price_unit": D(150)}))
    assert services.down_payments_left(order).total == D(150)  # still a down payment, linked
    accounting.post_invoice(down, admin)
    deliver(order, admin)
    final = services.invoice_order(order, admin)
    with pytest.raises(ValidationFailed, match="more is deducted"):
        accounting.update_draft(final, admin, lines=as_given(final, line1={"price_unit": D(200)}))
    accounting.update_draft(final, admin, lines=as_given(final, line1={"price_unit": D(50)}))
    assert services.down_payments_left(order).total == D(100)


def test_the_form_saves_a_header_change_without_losing_the_links(
    draft: Invoice, other: Invoice, order: SalesOrder, admin: User
) -> None:
    client = signed_in(admin)
    url = reverse("accounting:invoice_edit", args=[draft.pk])

    def posted_back(**changed: str) -> dict[str, Any]:
        form = client.get(url).context["form"]
        return {**form_data(form), **formset_data(form.lines), **changed}

    line = draft.lines.get()
    refused = client.post(url, posted_back(**{"lines-0-id": str(other.lines.get().pk)}))
    assert refused.status_code == 200 and "not a line of this invoice" in refused.content.decode()
    assert draft.lines.get().pk == line.pk
    response = client.post(url, posted_back(notes="Thank you"))
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.notes == "Thank you" and draft.lines.get().pk == line.pk
    assert invoiced(order) == [D(10)]


def test_the_api_changes_a_line_by_its_id(draft: Invoice, order: SalesOrder, admin: User) -> None:
    client = api_client(admin)
    url = f"/api/v1/accounting/invoices/{draft.pk}/"
    read = client.get(url)
    body = read.json()
    line = body["lines"][0]
    payload = {
        "lines": [
            {
                key: line[key]
                for key in ("id", "description", "product", "price_unit", "discount", "account", "taxes")
            }
            | {"quantity": "6"}
        ]
    }
    response = client.patch(url, payload, format="json", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 200, response.content
    assert response.json()["lines"][0]["id"] == line["id"]
    assert invoiced(order) == [D(6)]
