"""Period-end revaluation of open foreign-currency items, as an accountant reaches it: the page
linked from the accounting settings and ``POST /api/v1/accounting/entries/revalue/``.

The service (``ledger.revalue``) restates the items at the day's rate and reverses the entry
the next day; here: who may run it (an accountant; not an auditor or a salesperson), that
running it twice for one day books nothing the second time, that the lock date refuses it with
the reason on the form or as a problem, and that another company's items stay out."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import BooksSettings, JournalEntry, JournalLine
from tandem.accounting.queries import ledger as queries
from tandem.accounting.services import ledger
from tandem.core import roles
from tandem.core.models import Company, Currency, Event, ExchangeRate, User
from tests.accounting.conftest import DAY, account, books_of
from tests.kit.api import api_client, assert_problem
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db
MONTH_END = datetime.date(2026, 3, 31)
URL = "/api/v1/accounting/entries/revalue/"


def _foreign_receivable(company: Company, make_entry: Any, actor: User | None) -> JournalEntry:
    """1,000 USD owed at 0.90 on DAY; the rate is 0.95 at the month's end."""
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.get_or_create(
        base=usd, quote=company.currency, date=DAY, defaults={"rate": Decimal("0.9")}
    )
    ExchangeRate.objects.get_or_create(
        base=usd, quote=company.currency, date=MONTH_END, defaults={"rate": Decimal("0.95")}
    )
    entry = make_entry(
        lines=[
            ledger.Line(account(company, "1100"), currency=usd, amount_currency=Decimal("1000")),
            ledger.Line(account(company, "4000"), credit=Decimal("900.00")),
        ]
    )
    return ledger.post_entry(entry, actor)


def _receivable_at(company: Company, on: datetime.date) -> Decimal:
    lines = JournalLine.objects.filter(account=account(company, "1100"), posted=True, date__lte=on)
    return queries.balance(lines)


def test_an_accountant_revalues_from_the_settings_page_once_per_day(
    company: Company, books: BooksSettings, make_entry: Any, accountant: User
) -> None:
    _foreign_receivable(company, make_entry, accountant)
    client = signed_in(accountant)
    url = reverse("accounting:revaluation")
    assert url in client.get(reverse("accounting:books_settings")).content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"date": MONTH_END.isoformat()})
    revaluation = JournalEntry.objects.get(origin=JournalEntry.Origin.REVALUATION, date=MONTH_END)
    assert response.status_code == 302 and response["Location"] == revaluation.get_absolute_url()
    assert _receivable_at(company, MONTH_END) == Decimal("950.00")
    assert _receivable_at(company, MONTH_END + datetime.timedelta(days=1)) == Decimal("900.00")
    again = client.post(url, {"date": MONTH_END.isoformat()}, follow=True)
    assert "Nothing to revalue" in again.content.decode()
    assert JournalEntry.objects.filter(origin=JournalEntry.Origin.REVALUATION, date=MONTH_END).count() == 1
    assert Event.objects.filter(name="books.revalued").count() == 2


def test_the_lock_date_refuses_a_revaluation_on_the_form_and_nothing_is_written(
    company: Company, books: BooksSettings, make_entry: Any, accountant: User, make_user: Any
) -> None:
    _foreign_receivable(company, make_entry, accountant)
    ledger.move_lock_date(company, make_user("root", roles.ADMINISTRATOR), MONTH_END)
    response = signed_in(accountant).post(reverse("accounting:revaluation"), {"date": MONTH_END.isoformat()})
    assert response.status_code == 200 and "locked up to" in str(response.context["form"].errors["date"])
    assert not JournalEntry.objects.filter(origin=JournalEntry.Origin.REVALUATION).exists()
    bad = signed_in(accountant).post(reverse("accounting:revaluation"), {"date": "end of March"})
    assert bad.status_code == 200 and bad.context["form"].errors["date"]


def test_an_auditor_and_a_salesperson_cannot_revalue(
    company: Company, books: BooksSettings, make_entry: Any, make_user: Any
) -> None:
    _foreign_receivable(company, make_entry, None)
    auditor = signed_in(make_user("audrey", book_roles.AUDITOR))
    assert (
        reverse("accounting:revaluation")
        not in auditor.get(reverse("accounting:books_settings")).content.decode()
    )
    for user in (auditor, signed_in(make_user("sam", roles.SALESPERSON))):
        assert user.get(reverse("accounting:revaluation")).status_code == 403
        assert (
            user.post(reverse("accounting:revaluation"), {"date": MONTH_END.isoformat()}).status_code == 403
        )
    assert not JournalEntry.objects.filter(origin=JournalEntry.Origin.REVALUATION).exists()


def test_the_api_revalues_answers_204_when_nothing_moved_and_refuses_readers(
    company: Company, other_company: Company, books: BooksSettings, make_entry: Any, make_user: Any
) -> None:
    _foreign_receivable(company, make_entry, None)
    books_of(other_company)
    accountant, root = make_user("ada", roles.ACCOUNTANT), make_user("root", roles.ADMINISTRATOR)
    reader = api_client(make_user("audrey", book_roles.AUDITOR))
    assert reader.post(URL, {"date": MONTH_END.isoformat()}, format="json").status_code == 403
    client = api_client(accountant)
    assert_problem(client.post(URL, {}, format="json"), 400, "date")
    ledger.move_lock_date(company, root, MONTH_END)
    assert_problem(client.post(URL, {"date": MONTH_END.isoformat()}, format="json"), 400, "date")
    assert not JournalEntry.objects.filter(origin=JournalEntry.Origin.REVALUATION).exists()
    ledger.move_lock_date(company, root, None)
    made = client.post(URL, {"date": MONTH_END.isoformat()}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["origin"] == "revaluation" and made.json()["state"] == "posted"
    assert _receivable_at(company, MONTH_END) == Decimal("950.00")
    assert client.post(URL, {"date": MONTH_END.isoformat()}, format="json").status_code == 204
    assert not JournalEntry.objects.filter(
        company=other_company, origin=JournalEntry.Origin.REVALUATION
    ).exists()
