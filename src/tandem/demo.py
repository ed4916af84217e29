"""The demo company: Tandem Furniture, a furniture maker selling to businesses abroad.

:func:`build_demo` fills a database that has no company yet with one company and a user for
each role, then runs every app's part of the demo (declared in the app's ``manifest.py``,
see :mod:`tandem.core.demo`): partners in seven countries, a catalogue and price lists, and
whatever the next domains add. It records a single ``demo.loaded`` event.

The company is Slovenian (country SI, currency EUR). Slovenia is a furniture-making country
in the euro area, so the currency its books must be kept in and the currency it quotes at
home and to its export customers (Germany, Britain, the US, Russia, China) are the same; Polish
customers buy from a PLN price list, which shows a second currency and an exchange rate at
work. A Polish company would have to keep its books in PLN, not EUR.

The company and the users' access to it go through ``core.services``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from tandem.core import events, registry, roles, statistics
from tandem.core.demo import SEED, SIZE_NAMES, Demo
from tandem.core.errors import Conflict
from tandem.core.models import Company, Currency, Event, User
from tandem.core.services import create_company, grant_company
from tandem.partners.demo import tax_id

DEMO_PASSWORD = "tandem-demo"
COMPANY_NAME = "Tandem Furniture"
COMPANY_CODE = "tandem-furniture"


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded: ``counts`` gathers each part's (``summary.partners``, ``.products``…)."""

    size: str
    company: str
    users: tuple[str, ...]
    counts: Mapping[str, int]
    seconds: float
    username: str = "admin"
    password: str = DEMO_PASSWORD

    def __getattr__(self, name: str) -> int:
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return int(counts[name])
        raise AttributeError(name)


class DemoRefused(Conflict):
    code = "demo-refused"


@dataclass(frozen=True)
class _DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str


DEMO_USERS = (
    _DemoUser("admin", "Ada", "Kranjc", roles.ADMINISTRATOR),
    _DemoUser("anna", "Anna", "Kowalska", roles.SALES_MANAGER),
    _DemoUser("sam", "Sam", "Taylor", roles.SALESPERSON),
    _DemoUser("sofia", "Sofia", "Novak", roles.SALESPERSON),
    _DemoUser("piotr", "Piotr", "Wiśniewski", roles.PURCHASER),
    _DemoUser("wanda", "Wanda", "Zupan", roles.WAREHOUSE),
    _DemoUser("alex", "Alex", "Schmidt", roles.ACCOUNTANT),
    _DemoUser("petra", "Petra", "Horvat", roles.PRODUCTION_PLANNER),
    _DemoUser("marko", "Marko", "Kos", "production"),  # manufacturing's own role
)


def demo_loaded() -> bool:
    """Whether this database holds the demo (its users log in with DEMO_PASSWORD)."""
    return Event.objects.filter(name="demo.loaded").exists()


def build_demo(size: str = "small", *, force: bool = False) -> DemoSummary:
    """Load the demo company. Refuses when any company exists, or with ``force`` when the
    demo company or one of its users does, so nothing is ever added twice."""
    if size not in SIZE_NAMES:
        raise ValueError(f"The demo comes in sizes {', '.join(SIZE_NAMES)}, not {size!r}.")
    started = time.perf_counter()
    _check_empty(force)
    company, users = _create_company_and_users()
    demo = Demo(size, company, users, {u.username: u.role for u in DEMO_USERS})
    counts: dict[str, int] = {}
    for part in registry.demo_parts():
        counts.update(import_string(part.build)(demo))
    statistics.refresh()
    summary = DemoSummary(
        size=size,
        company=company.name,
        users=tuple(users),
        counts=counts,
        seconds=round(time.perf_counter() - started, 1),
    )
    with transaction.atomic():
        data: dict[str, Any] = {"size": size, **counts}
        events.record("demo.loaded", company, users["admin"], data)
    return summary


def grow_demo(partners: int) -> int:
    """Add ``partners`` more partners (a multiple of 5) to the loaded demo, for benchmarks at
    sizes beyond ``large`` (``bench/build_sizes.py``); returns how many the company has now."""
    from tandem.partners import demo as partner_demo

    company = Company.objects.get(code=COMPANY_CODE)
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    demo = Demo("large", company, users, {u.username: u.role for u in DEMO_USERS})
    total = partner_demo.grow(demo, partners)
    statistics.refresh()
    return total


def _check_empty(force: bool) -> None:
    if not force and Company.objects.exists():
        raise DemoRefused(
            _("This database already has a company; the demo is only loaded into an empty one.")
        )
    taken = [u.username for u in DEMO_USERS if User.objects.filter(username=u.username).exists()]
    if Company.objects.filter(code=COMPANY_CODE).exists() or taken:
        message = _("The demo is already loaded (company “%(code)s”, users %(users)s).")
        raise DemoRefused(message % {"code": COMPANY_CODE, "users": ", ".join(taken) or "-"})


def _letterhead(tax: str) -> dict[str, Any]:
    """What the letterhead of every printed document shows: address, contacts, IDs and bank."""
    return {
        "street": "Dunajska cesta",
        "house": "156",
        "postal_code": "1000",
        "city": "Ljubljana",
        "tax_id": tax,
        "vat_id": f"SI{tax}",
        "registry_id": "8012345000",
        "email": "info@tandem-furniture.example",
        "phone": "+386 1 234 56 78",
        "website": "https://tandem-furniture.example",
        "bank_name": "NLB d.d.",
        "iban": "SI56191000000123438",
        "bic": "LJBASI2X",
    }


@transaction.atomic
def _create_company_and_users() -> tuple[Company, dict[str, User]]:
    company = create_company(
        name=COMPANY_NAME,
        code=COMPANY_CODE,
        currency=Currency.objects.get(code="EUR"),
        country="SI",
        language="en",
        **_letterhead(tax_id(random.Random(SEED), "SI")),
    )
    password = make_password(DEMO_PASSWORD)  # hashed once: Argon2 is slow on purpose
    groups = {group.name: group for group in Group.objects.filter(name__in=[u.role for u in DEMO_USERS])}
    users: dict[str, User] = {}
    for demo_user in DEMO_USERS:
        admin = demo_user.role == roles.ADMINISTRATOR
        user = User.objects.create(
            username=demo_user.username,
            first_name=demo_user.first_name,
            last_name=demo_user.last_name,
            email=f"{demo_user.username}@tandem-furniture.example",
            password=password,
            is_superuser=admin,
            is_staff=admin,
        )
        user.groups.add(groups[demo_user.role])
        grant_company(user, company)
        users[demo_user.username] = user
    return company, users
