"""The company's accounting settings page, its edit form and the lock date; fiscal years and the
closing and reopening of their periods — through the pages, with roles and companies apart.

The lock date: only an administrator moves it (an accountant's page and POST are refused, the
service refuses too), the move is recorded in the event log, and nothing dated on or before it
posts afterwards."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account, BooksSettings, FiscalYear, JournalEntry, Period
from tandem.accounting.services import ledger
from tandem.core import roles
from tandem.core.errors import NotAllowed, ValidationFailed
from tandem.core.models import Company, Event, User
from tests.accounting.conftest import DAY, books_of
from tests.kit.views import ViewCases, form_data, signed_in

pytestmark = pytest.mark.django_db
_years = itertools.count(2040)


class TestFiscalYearPages(ViewCases):
    model = FiscalYear
    namespace = "accounting"
    url_prefix = "fiscal_year_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    editable = False  # a year is its dates; its periods are closed and reopened on its page
    create_data: dict[str, Any] = {"start": "2031-01-01", "name": "FY 2031"}
    edit_changes: dict[str, Any] = {}
    stale_changes: dict[str, Any] = {}
    bad_input = [({"start": "2031-01-15"}, "start"), ({"start": "soon"}, "start")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> FiscalYear:
        return ledger.create_fiscal_year(company, actor, datetime.date(next(_years), 1, 1), **fields)


@pytest.fixture
def ada(make_user: Any) -> User:
    return make_user("ada", roles.ACCOUNTANT)


@pytest.fixture
def root(make_user: Any) -> User:
    return make_user("root", roles.ADMINISTRATOR)


def test_an_overlapping_year_is_refused_on_the_form(company: Company, ada: User) -> None:
    ledger.create_fiscal_year(company, ada, datetime.date(2031, 1, 1))
    response = signed_in(ada).post(reverse("accounting:fiscal_year_create"), {"start": "2031-07-01"})
    assert response.status_code == 200 and "overlaps" in str(response.context["form"].errors["start"])
    assert FiscalYear.objects.filter(company=company).count() == 1


def test_a_period_is_closed_and_reopened_from_its_years_page(company: Company, ada: User) -> None:
    year = ledger.create_fiscal_year(company, ada, datetime.date(2031, 1, 1))
    january = year.periods.order_by("start").first()
    assert january is not None
    client = signed_in(ada)
    page = client.get(year.get_absolute_url()).content.decode()
    close = reverse("accounting:period_close", args=[january.pk])
    assert close in page and "2031-01" in page
    assert client.post(close).status_code == 302
    january.refresh_from_db()
    assert january.state == Period.State.CLOSED
    reopen = reverse("accounting:period_reopen", args=[january.pk])
    assert reopen in client.get(year.get_absolute_url()).content.decode()
    assert client.post(reopen, {"confirmed": "1"}).status_code == 302
    january.refresh_from_db()
    assert january.state == Period.State.OPEN
    names = set(Event.objects.filter(name__startswith="period.").values_list("name", flat=True))
    assert names == {"period.closed", "period.reopened"}


def test_an_auditor_cannot_close_a_period_and_another_companys_is_not_found(
    company: Company, other_company: Company, make_user: Any, ada: User
) -> None:
    mine = ledger.create_fiscal_year(company, ada, datetime.date(2031, 1, 1)).periods.first()
    theirs = ledger.create_fiscal_year(other_company, None, datetime.date(2031, 1, 1)).periods.first()
    assert mine is not None and theirs is not None
    auditor = signed_in(make_user("audrey", book_roles.AUDITOR))
    assert auditor.post(reverse("accounting:period_close", args=[mine.pk])).status_code == 403
    assert signed_in(ada).post(reverse("accounting:period_close", args=[theirs.pk])).status_code == 404
    assert not Period.objects.filter(state=Period.State.CLOSED).exists()


# --- the settings page and its form -----------------------------------------------------------


def test_the_settings_page_links_every_books_setting_for_an_accountant(company: Company, ada: User) -> None:
    books_of(company)
    client = signed_in(ada)
    assert reverse("accounting:books_settings") in client.get(reverse("home")).content.decode()
    page = client.get(reverse("accounting:books_settings")).content.decode()
    for name in ("tax_list", "tax_group_list", "cost_centre_list", "fiscal_year_list", "books_settings_edit"):
        assert reverse(f"accounting:{name}") in page, name
    assert reverse("accounting:lock_date") not in page, "only an administrator moves the lock date"


def test_an_accountant_changes_the_settings_with_a_version_and_an_event(company: Company, ada: User) -> None:
    books = books_of(company)
    client = signed_in(ada)
    url = reverse("accounting:books_settings_edit")
    data = form_data(client.get(url).context["form"])
    response = client.post(url, {**data, "tax_rounding": "document", "write_off_tolerance": "0.50"})
    assert response.status_code == 302, response.context["form"].errors
    books.refresh_from_db()
    assert books.tax_rounding == "document" and books.write_off_tolerance == Decimal("0.50")
    assert books.version == 2
    assert Event.objects.filter(name="books.updated").count() == 1
    stale = client.post(url, {**data, "tax_rounding": "line"})
    assert stale.status_code == 200 and stale.context["business_error"] is not None
    books.refresh_from_db()
    assert books.tax_rounding == "document"


def test_bad_settings_are_field_errors_and_change_nothing(company: Company, ada: User) -> None:
    books = books_of(company)
    income = Account.objects.get(company=company, code="4000")
    client = signed_in(ada)
    url = reverse("accounting:books_settings_edit")
    data = form_data(client.get(url).context["form"])
    payables = Account.objects.get(company=company, code="2000")
    for changes, field in [
        ({"receivable_account": str(income.pk)}, "receivable_account"),
        ({"customer_advances_account": str(income.pk)}, "customer_advances_account"),
        ({"customer_advances_account": str(payables.pk)}, "customer_advances_account"),
        ({"write_off_tolerance": "-1"}, "write_off_tolerance"),
        ({"tax_rounding": "never"}, "tax_rounding"),
    ]:
        response = client.post(url, {**data, **changes})
        assert response.status_code == 200 and field in response.context["form"].errors, changes
    after = BooksSettings.objects.get(pk=books.pk)
    assert after.version == books.version and after.receivable_account_id == books.receivable_account_id
    assert after.customer_advances_account_id == books.customer_advances_account_id


def test_the_customer_advances_account_is_chosen_on_the_form_among_this_companys_liabilities(
    company: Company, other_company: Company, ada: User
) -> None:
    """Down payments go where the settings say (issue 17): another current liability of the
    company is taken; another company's account is refused by the form and by the service."""
    books = books_of(company)
    theirs = books_of(other_company).customer_advances_account
    assert theirs is not None
    mine = ledger.create_account(
        company, ada, code="2060", name="Deposits received", type="liability", subtype="current"
    )
    client = signed_in(ada)
    url = reverse("accounting:books_settings_edit")
    data = form_data(client.get(url).context["form"])
    refused = client.post(url, {**data, "customer_advances_account": str(theirs.pk)})
    assert refused.status_code == 200 and "customer_advances_account" in refused.context["form"].errors
    with pytest.raises(ValidationFailed) as service_refused:
        ledger.update_books_settings(books, ada, customer_advances_account=theirs)
    assert "another company" in str(service_refused.value.errors["customer_advances_account"])
    assert BooksSettings.objects.get(pk=books.pk).customer_advances_account_id != theirs.pk
    taken = client.post(url, {**data, "customer_advances_account": str(mine.pk)})
    assert taken.status_code == 302, taken.context["form"].errors
    assert BooksSettings.objects.get(pk=books.pk).customer_advances_account == mine
    assert "Deposits received" in client.get(reverse("accounting:books_settings")).content.decode()


def test_an_auditor_reads_the_settings_a_salesperson_nothing(company: Company, make_user: Any) -> None:
    books_of(company)
    auditor = signed_in(make_user("audrey", book_roles.AUDITOR))
    assert auditor.get(reverse("accounting:books_settings")).status_code == 200
    assert auditor.get(reverse("accounting:books_settings_edit")).status_code == 403
    seller = signed_in(make_user("sam", roles.SALESPERSON))
    for name in ("books_settings", "books_settings_edit", "lock_date"):
        assert seller.get(reverse(f"accounting:{name}")).status_code == 403, name


def test_each_company_sees_its_own_settings(company: Company, other_company: Company, make_user: Any) -> None:
    books_of(company)
    theirs = books_of(other_company)
    ledger.update_books_settings(theirs, None, tax_rounding="document")
    page = signed_in(make_user("ada", roles.ACCOUNTANT)).get(reverse("accounting:books_settings"))
    assert page.context["object"].company == company
    assert page.context["object"].tax_rounding == "line"


# --- the lock date ------------------------------------------------------------------------------


def test_an_administrator_moves_the_lock_date_and_nothing_posts_before_it(
    company: Company, root: User, make_entry: Any
) -> None:
    draft_after = make_entry(on=DAY)
    client = signed_in(root)
    assert (
        reverse("accounting:lock_date") in client.get(reverse("accounting:books_settings")).content.decode()
    )
    response = client.post(reverse("accounting:lock_date"), {"lock_date": "2026-02-28"})
    assert response.status_code == 302
    books = BooksSettings.objects.get(company=company)
    assert books.lock_date == datetime.date(2026, 2, 28)
    event = Event.objects.get(name="books.lock_date_moved")
    assert event.data == {"lock_date": [None, "2026-02-28"]} and event.actor == root
    too_early = make_entry(on=datetime.date(2026, 2, 27))
    with pytest.raises(ledger.LockedDate):
        ledger.post_entry(too_early, root)
    assert JournalEntry.objects.get(pk=too_early.pk).state == "draft"
    assert ledger.post_entry(draft_after, root).state == "posted"


def test_a_draft_before_the_new_lock_date_is_a_field_error(
    company: Company, root: User, make_entry: Any
) -> None:
    make_entry(on=datetime.date(2026, 1, 15))
    response = signed_in(root).post(reverse("accounting:lock_date"), {"lock_date": "2026-01-31"})
    assert response.status_code == 200 and "lock_date" in response.context["form"].errors
    assert BooksSettings.objects.get(company=company).lock_date is None
    assert not Event.objects.filter(name="books.lock_date_moved").exists()


def test_an_accountant_cannot_move_the_lock_date(company: Company, ada: User) -> None:
    books_of(company)
    client = signed_in(ada)
    assert client.get(reverse("accounting:lock_date")).status_code == 403
    assert client.post(reverse("accounting:lock_date"), {"lock_date": "2026-02-28"}).status_code == 403
    with pytest.raises(NotAllowed):
        ledger.move_lock_date(company, ada, datetime.date(2026, 2, 28))
    assert BooksSettings.objects.get(company=company).lock_date is None
    assert not Event.objects.filter(name="books.lock_date_moved").exists()


def test_a_bad_lock_date_is_a_field_error(company: Company, root: User) -> None:
    books_of(company)
    response = signed_in(root).post(reverse("accounting:lock_date"), {"lock_date": "yesterday"})
    assert response.status_code == 200 and "lock_date" in response.context["form"].errors
    assert BooksSettings.objects.get(company=company).lock_date is None


def test_a_company_without_a_chart_yet_opens_empty_settings(company: Company, ada: User) -> None:
    response = signed_in(ada).get(reverse("accounting:books_settings"))
    assert response.status_code == 200
    assert response.context["object"].company == company and response.context["object"].lock_date is None
