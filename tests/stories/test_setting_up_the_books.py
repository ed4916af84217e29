"""Setting up the books: an accountant opens the accounting settings from the menu, adds a tax
group and a reduced VAT rate in it, a cost centre and next year's fiscal year, gives a product its
default tax and income account, invoices it and posts; at month end the administrator locks the
month and a late draft of that month no longer posts — ending with every ledger invariant."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting.models import Account, CostCentre, FiscalYear, Invoice, Tax, TaxGroup
from tandem.accounting.services import charts
from tandem.catalog.services import create_product
from tandem.core import invariants, roles
from tandem.core.models import Company, Event, Uom, User
from tandem.partners.models import Partner
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def test_an_accountant_sets_up_the_books_and_the_administrator_locks_the_month(
    company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner], pcs: Uom
) -> None:
    ada, root = make_user("ada", roles.ACCOUNTANT), make_user("root", roles.ADMINISTRATOR)
    charts.install_chart(company, ada, "ifrs", today=DAY)
    client = signed_in(ada)

    # The settings page is in the menu, and links the lists.
    settings_url = reverse("accounting:books_settings")
    assert settings_url in client.get(reverse("home")).content.decode()
    assert reverse("accounting:tax_list") in client.get(settings_url).content.decode()

    # A tax group, then a reduced rate in it posting to output VAT.
    assert (
        client.post(reverse("accounting:tax_group_create"), {"name": "Reduced", "sequence": "20"}).status_code
        == 302
    )
    reduced_group = TaxGroup.objects.get(company=company, name="Reduced")
    output_vat = Account.objects.get(company=company, code="2100")
    form = {
        "name": "VAT 9.5 %", "label": "VAT 9.5 %", "use": "sale", "scope": "", "computation": "percent",
        "amount": "9.5", "sequence": "20", "group": str(reduced_group.pk), "account": str(output_vat.pk),
    }  # fmt: skip
    assert client.post(reverse("accounting:tax_create"), form).status_code == 302
    reduced = Tax.objects.get(company=company, name="VAT 9.5 %")

    # A cost centre and next year's books.
    assert (
        client.post(reverse("accounting:cost_centre_create"), {"code": "SHOP", "name": "Shop"}).status_code
        == 302
    )
    assert CostCentre.objects.filter(company=company, code="SHOP").exists()
    assert client.post(reverse("accounting:fiscal_year_create"), {"start": "2027-01-01"}).status_code == 302
    assert FiscalYear.objects.get(company=company, start=datetime.date(2027, 1, 1)).periods.count() == 12

    # The book's product: its default tax, set from its page.
    book = create_product(company, ada, sku="BOOK-1", name="Cookbook", uom=pcs)
    defaults = reverse("accounting:product_accounting", args=[book.pk])
    assert defaults in client.get(book.get_absolute_url()).content.decode()
    assert client.post(defaults, {"sale_taxes": [str(reduced.pk)]}).status_code == 302

    # An invoice of the book takes it, and posts.
    customer = make_partner("Knjigarna d.o.o.", country="SI")
    invoice_form = {
        "kind": "customer_invoice", "partner": str(customer.pk), "invoice_date": DAY.isoformat(),
        "payment_reference": "BOOKS-1", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-product": str(book.pk), "lines-0-description": "Cookbook", "lines-0-quantity": "10",
        "lines-0-price_unit": "20.00", "lines-0-discount": "0",
    }  # fmt: skip
    assert client.post(reverse("accounting:invoice_create"), invoice_form).status_code == 302
    invoice = Invoice.objects.get(payment_reference="BOOKS-1")
    assert (invoice.amount_untaxed, invoice.amount_tax) == (Decimal("200.00"), Decimal("19.00"))
    post = reverse("accounting:invoice_post", args=[invoice.pk])
    assert client.post(post, {"confirmed": "1"}).status_code == 302

    # A late draft of March, then the administrator locks March: it no longer posts.
    invoice_form["payment_reference"], invoice_form["invoice_date"] = "BOOKS-2", "2026-03-30"
    assert client.post(reverse("accounting:invoice_create"), invoice_form).status_code == 302
    late = Invoice.objects.get(payment_reference="BOOKS-2")
    assert client.get(reverse("accounting:lock_date")).status_code == 403  # not the accountant's to move
    assert (
        signed_in(root).post(reverse("accounting:lock_date"), {"lock_date": "2026-03-31"}).status_code == 302
    )
    assert Event.objects.get(name="books.lock_date_moved").actor == root
    client.post(reverse("accounting:invoice_post", args=[late.pk]), {"confirmed": "1"})
    late.refresh_from_db()
    assert late.state == "draft" and not late.number
    assert not invariants.violations()
