"""The shell every page shares: sign-in, navigation, language and company switches, dashboard."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tandem.catalog.services import create_product
from tandem.core import registry
from tandem.core.models import Company, Uom, User
from tandem.core.services import grant_company
from tandem.partners.models import Partner
from tandem.partners.services import update_partner
from tandem.web.navigation import PLANNED


def domains_to_come() -> list[str]:
    """The planned domains no app has registered a menu entry for yet (English labels)."""
    taken = {entry.url_name.split(":")[0] for entry in registry.menu(registry.MAIN)}
    with translation.override("en"):
        return [str(label) for key, label in PLANNED if key not in taken]


PAGES = ["home", "partners:list", "partners:create", "partners:export", "catalog:list", "catalog:create",
         "catalog:export", "catalog:category_create", "password_change"]  # fmt: skip
RECORD_PAGES = ["partners:detail", "partners:edit", "partners:merge", "partners:address_create"]


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    """A request in Russian leaves Russian active in this thread; later tests expect English messages."""
    yield
    translation.deactivate()


def test_login_page_has_username_password_and_a_submit_button(db: None) -> None:
    page = Client().get(reverse("login")).content.decode()
    assert 'name="username"' in page
    assert 'name="password"' in page
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Sign in', page)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_a_signed_in_user(db: None, name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_every_record_page_needs_a_signed_in_user(make_partner: Callable[..., Partner], name: str) -> None:
    partner = make_partner("Acme")
    response = Client().get(reverse(name, args=[partner.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_signing_in_leads_to_the_dashboard(manager: User) -> None:
    client = Client()
    response = client.post(reverse("login"), {"username": "anna", "password": "secret-pass-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_is_refused_on_the_page(manager: User) -> None:
    response = Client().post(reverse("login"), {"username": "anna", "password": "wrong"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


def test_navigation_shows_the_domains_to_come(login: Callable[[User], Client], manager: User) -> None:
    page = login(manager).get(reverse("home")).content.decode()
    assert f'href="{reverse("partners:list")}"' in page
    assert f'href="{reverse("catalog:list")}"' in page
    assert "HR" in domains_to_come()  # a domain still to land: the test keeps a case to check
    for label in domains_to_come():
        assert re.search(rf'aria-disabled="true"[^>]*>{label}<', page), label


def test_user_menu_offers_password_change_and_a_logout_form(
    login: Callable[[User], Client], manager: User
) -> None:
    page = login(manager).get(reverse("home")).content.decode()
    assert f'href="{reverse("password_change")}"' in page
    assert f'method="post" action="{reverse("logout")}"' in page


def test_logout_signs_out(login: Callable[[User], Client], manager: User) -> None:
    client = login(manager)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change(login: Callable[[User], Client], manager: User) -> None:
    client = login(manager)
    assert 'name="old_password"' in client.get(reverse("password_change")).content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "secret-pass-123",
            "new_password1": "Blue-Tandem-42!",
            "new_password2": "Blue-Tandem-42!",
        },
    )
    assert response["Location"] == reverse("password_change_done")
    manager.refresh_from_db()
    assert manager.check_password("Blue-Tandem-42!")


def test_language_switch_stores_the_choice_in_a_cookie(db: None) -> None:
    client = Client()
    response = client.post(reverse("set_language"), {"language": "ru", "next": reverse("login")})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="ru">' in page
    assert "Пароль" in page  # Django's own Russian for the password field


def test_language_switcher_posts_to_set_language(login: Callable[[User], Client], manager: User) -> None:
    page = login(manager).get(reverse("home")).content.decode()
    assert f'method="post" action="{reverse("set_language")}"' in page
    for code, _name in settings.LANGUAGES:
        assert f'name="language" value="{code}"' in page


def test_navigation_is_translated_to_russian(login: Callable[[User], Client], manager: User) -> None:
    client = login(manager)
    client.post(reverse("set_language"), {"language": "ru"})
    page = client.get(reverse("home")).content.decode()
    with translation.override("ru"):
        labels = [str(translation.gettext(label)) for label in ["Partners", "Products", *domains_to_come()]]
    assert labels[:3] == ["Контрагенты", "Товары", "Кадры"]
    for label in labels:
        assert label in page


def test_company_switcher_only_with_more_than_one_company(
    login: Callable[[User], Client], manager: User, other_company: Company
) -> None:
    client = login(manager)
    assert reverse("switch_company") not in client.get(reverse("home")).content.decode()
    grant_company(manager, other_company)
    page = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("switch_company")}"' in page
    assert f'name="company" value="{other_company.pk}"' in page


def test_switching_company_changes_what_the_lists_show(
    login: Callable[[User], Client],
    manager: User,
    other_company: Company,
    make_partner: Callable[..., Partner],
) -> None:
    make_partner("Only in the first company")
    grant_company(manager, other_company)
    client = login(manager)
    assert "Only in the first company" in client.get(reverse("partners:list")).content.decode()
    response = client.post(reverse("switch_company"), {"company": other_company.pk})
    assert response["Location"] == reverse("home")
    manager.refresh_from_db()
    assert manager.active_company == other_company
    assert "Only in the first company" not in client.get(reverse("partners:list")).content.decode()


def test_switching_to_a_company_not_granted_is_refused(
    login: Callable[[User], Client], manager: User, company: Company, other_company: Company
) -> None:
    client = login(manager)
    response = client.post(reverse("switch_company"), {"company": other_company.pk}, follow=True)
    manager.refresh_from_db()
    assert manager.active_company == company
    assert "alert-danger" in response.content.decode()


def test_company_switch_needs_post(login: Callable[[User], Client], manager: User) -> None:
    assert login(manager).get(reverse("switch_company")).status_code == 405


def test_dashboard_counts_only_what_the_user_sees(
    login: Callable[[User], Client],
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
) -> None:
    for index in range(2):
        make_partner(f"Mine {index}", actor=salesperson)
    for index in range(3):
        make_partner(f"Theirs {index}", actor=other_salesperson)
    response = login(salesperson).get(reverse("home"))
    tiles = {str(tile.label): tile.count.value for tile in response.context["tiles"]}
    assert tiles["Partners"] == 2
    assert tiles["Customers"] == 2
    assert tiles["Suppliers"] == 0


def test_dashboard_counts_are_capped(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner], settings: object
) -> None:
    settings.TANDEM_LIST_COUNT_CAP = 3  # type: ignore[attr-defined]
    for index in range(5):
        make_partner(f"Customer {index}")
    page = login(manager).get(reverse("home")).content.decode()
    assert ">3+<" in page.replace(" ", "").replace("\n", "")


def test_recent_activity_shows_only_what_the_user_may_know(
    login: Callable[[User], Client],
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
    company: Company,
    pcs: Uom,
    manager: User,
) -> None:
    mine = make_partner("Mine Ltd", actor=salesperson)
    theirs = make_partner("Secret Customer", actor=other_salesperson)
    update_partner(mine, manager, notes="called today")
    update_partner(theirs, other_salesperson, notes="secret note")
    create_product(company, manager, name="Oak table", sku="OT-1", uom=pcs)
    page = login(salesperson).get(reverse("home")).content.decode()
    assert "Mine Ltd" in page
    assert "called today" in page
    assert "Oak table" in page
    assert "Secret Customer" not in page
    assert "secret note" not in page


PAGES_TO_SCAN = [
    "home",
    "partners:list",
    "partners:create",
    "catalog:list",
    "catalog:create",
    "password_change",
]


@pytest.mark.parametrize("name", PAGES_TO_SCAN)
def test_pages_carry_no_inline_script_or_style(
    login: Callable[[User], Client], manager: User, name: str
) -> None:
    page = login(manager).get(reverse(name)).content.decode()
    assert '<meta name="htmx-config" content=\'{"allowEval":false,"includeIndicatorStyles":false}\'>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline <script>"
    assert " style=" not in page
    assert "hx-on" not in page
    assert "<style" not in page
