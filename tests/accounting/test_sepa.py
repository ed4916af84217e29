"""Payment runs: what a run refuses (nothing written), and who may see and download one."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import BooksSettings, Invoice, Journal, Payment, PaymentRun
from tandem.accounting.services import invoices, ledger, sepa
from tandem.accounting.services.invoices import LineData
from tandem.core import roles
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Currency, Event, ExchangeRate, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account
from tests.kit.views import signed_in

from .conftest import DAY, journal

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def bank(company: Company, books: BooksSettings, accountant: User) -> Journal:
    return ledger.update_journal(
        journal(company, "BNK1"), accountant, bank_iban="DE89370400440532013000", bank_bic="COBADEFFXXX"
    )


@pytest.fixture
def supplier(make_partner: Callable[..., Partner], accountant: User) -> Partner:
    partner = make_partner("Hrast d.o.o.", country="SI", is_supplier=True)
    add_bank_account(partner, accountant, iban="SI56191000000123438")
    return partner


def _bill(company: Company, partner: Partner, total: str = "100.00", **extra: object) -> Invoice:
    draft = invoices.create_invoice(
        company, None, kind="supplier_bill", partner=partner, invoice_date=DAY,
        lines=[LineData("Boards", D(1), D(total), taxes=[])], **extra,
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


def _nothing_written() -> None:
    assert not Payment.objects.exists() and not PaymentRun.objects.exists()
    assert not Event.objects.filter(name="payment_run.created").exists()


def test_a_run_refuses_what_it_cannot_pay_and_writes_nothing(
    company: Company, bank: Journal, supplier: Partner, make_partner: Callable[..., Partner], accountant: User
) -> None:
    good = _bill(company, supplier)
    ExchangeRate.objects.create(base_id="USD", quote_id="EUR", date=DAY, rate=D("0.9"))
    usd = _bill(company, supplier, currency=Currency.objects.get(code="USD"))
    with pytest.raises(ValidationFailed, match="euros only"):
        sepa.create_run(company, accountant, journal=bank, date=DAY, bills=[good, usd])
    _nothing_written()
    with pytest.raises(ValidationFailed, match="No supplier bill"):
        sepa.create_run(company, accountant, journal=bank, date=DAY, bills=[])
    with pytest.raises(ValidationFailed, match="not a valid IBAN"):
        ledger.update_journal(bank, accountant, bank_iban="DE00 1234", bank_bic="")
    # A journal saved before IBANs were checked may still hold a wrong one.
    Journal.objects.filter(pk=bank.pk).update(bank_iban="DE00 1234", bank_bic="")
    plain = Journal.objects.get(pk=bank.pk)
    with pytest.raises(ValidationFailed, match="not a valid IBAN"):
        sepa.create_run(company, accountant, journal=plain, date=DAY, bills=[good])
    with pytest.raises(ValidationFailed, match="bank journal"):
        sepa.create_run(company, accountant, journal=journal(company, "CSH1"), date=DAY, bills=[good])
    _nothing_written()
    assert sepa.due_bills(company, DAY) == [good]  # the dollar bill is not offered


def test_a_partner_iban_that_fails_its_checksum_is_not_used(
    company: Company, bank: Journal, make_partner: Callable[..., Partner], accountant: User
) -> None:
    partner = make_partner("Kontrola d.o.o.", country="SI", is_supplier=True)
    assert sepa.valid_iban("SI56191000000123439") is None  # one digit off
    with pytest.raises(ValidationFailed, match="has no valid IBAN"):
        sepa.create_run(company, accountant, journal=bank, date=DAY, bills=[_bill(company, partner)])
    _nothing_written()


def test_only_accountants_see_runs_and_another_companys_run_is_not_found(
    company: Company, other_company: Company, bank: Journal, supplier: Partner, accountant: User,
    make_user: Callable[..., User],
) -> None:  # fmt: skip
    run = sepa.create_run(company, accountant, journal=bank, date=DAY, bills=[_bill(company, supplier)])
    urls = [
        reverse("accounting:payment_run_list"),
        run.get_absolute_url(),
        reverse("accounting:payment_run_file", args=[run.pk]),
        reverse("accounting:payment_run_create"),
    ]
    sam = signed_in(make_user("sam", roles.SALESPERSON))
    assert [sam.get(url).status_code for url in urls] == [403, 403, 403, 403]
    auditor = signed_in(make_user("aud", book_roles.AUDITOR))
    assert [auditor.get(url).status_code for url in urls] == [200, 200, 200, 403]
    outsider = signed_in(make_user("otto", roles.ACCOUNTANT, company=other_company))
    assert outsider.get(run.get_absolute_url()).status_code == 404
    assert outsider.get(reverse("accounting:payment_run_file", args=[run.pk])).status_code == 404
