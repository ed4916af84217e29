"""The demo company: Tandem Furniture, a furniture maker selling to businesses abroad.

:func:`build_demo` fills a database that has no company yet with one company, a user for
each role, partners in seven countries, a catalogue and price lists. Everything is
deterministic (``random.Random(42)`` and Faker instances seeded with 42), so two builds of
one size hold the same names, numbers and prices, and tests, screenshots and benchmarks can
rely on them.

The company is Slovenian (country SI, currency EUR). Slovenia is a furniture-making country
in the euro area, so the currency its books must be kept in and the currency it quotes at
home and to its export customers (Germany, Britain, the US, Russia, China) are the same; Polish
customers buy from a PLN price list, which shows a second currency and an exchange rate at
work. A Polish company would have to keep its books in PLN, not EUR.

Bulk writes bypass the domain services on purpose. A service validates and writes one
record and logs an event for it; loading 100,000 partners that way would take minutes and
fill the event log with facts that never happened. The rows written here are valid by
construction (phones, tax IDs and barcodes pass their checksums — tests/core/test_demo.py
checks them), ``name_key`` is set by hand because bulk inserts skip ``save()``, and the
load records a single ``demo.loaded`` event. Rows go in batches of ``BATCH_SIZE``, one
transaction per batch, so a running server's writers never wait longer than one batch.
The company and the users' access to it still go through ``core.services``.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, NamedTuple

import phonenumbers
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from faker import Faker
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum import ean
from stdnum.cn import uscc
from stdnum.gb import vat as gb_vat
from stdnum.iso7064 import mod_11_10
from stdnum.pl import nip
from stdnum.ru import inn
from stdnum.si import ddv
from stdnum.us import ein

from tandem.catalog.models import Category, PriceList, PriceListItem, Product
from tandem.core import events, roles, search, statistics
from tandem.core.bulk import RowInserter
from tandem.core.errors import Conflict
from tandem.core.models import Company, Currency, Event, ExchangeRate, PaymentTerm, Uom, User
from tandem.core.services import create_company, grant_company
from tandem.core.text import name_key
from tandem.partners.models import Address, CustomerGroup, Partner, Tag
from tandem.partners.names import partner_keys

SEED = 42
BATCH_SIZE = 2000
DEMO_PASSWORD = "tandem-demo"
COMPANY_NAME = "Tandem Furniture"
COMPANY_CODE = "tandem-furniture"
EUR_TO_PLN = Decimal("4.2500")
CENT = Decimal("0.01")
WHOLESALE_BREAKS = ((Decimal(0), 92), (Decimal(10), 88), (Decimal(50), 82))  # (from quantity, % of list)


@dataclass(frozen=True)
class DemoSize:
    partners: int  # organisations and their contact people; a multiple of 5
    products: int

    @property
    def organisations(self) -> int:
        return self.partners * 4 // 5


SIZES = {
    "small": DemoSize(partners=200, products=60),
    "medium": DemoSize(partners=10_000, products=2_000),
    "large": DemoSize(partners=100_000, products=2_000),
}


@dataclass(frozen=True)
class DemoSummary:
    size: str
    company: str
    users: tuple[str, ...]
    organisations: int
    people: int
    suppliers: int
    products: int
    price_list_items: int
    seconds: float
    username: str = "admin"
    password: str = DEMO_PASSWORD

    @property
    def partners(self) -> int:
        return self.organisations + self.people


class DemoRefused(Conflict):
    code = "demo-refused"


# --- users -------------------------------------------------------------------------------


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
)
SALESPEOPLE = ("sam", "sofia")

# --- partners ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Country:
    code: str
    locale: str
    language: str
    currency: str
    weight: int
    tld: str
    mailboxes: tuple[str, ...]
    job_titles: tuple[str, ...]
    region: str = ""  # the Faker provider for the region line, where addresses carry one


COUNTRIES = (
    _Country(
        "PL", "pl_PL", "pl", "PLN", 28, "pl", ("biuro", "kontakt", "zamowienia"),
        ("Kierownik zakupów", "Specjalista ds. zaopatrzenia", "Prezes zarządu", "Office manager"),
    ),
    _Country(
        "DE", "de_DE", "en", "EUR", 24, "de", ("info", "kontakt", "einkauf"),
        ("Einkaufsleiter", "Geschäftsführer", "Facility Manager"),
    ),
    _Country(
        "SI", "sl_SI", "sl", "EUR", 16, "si", ("info", "prodaja", "nabava"),
        ("Vodja nabave", "Direktor", "Referent nabave"),
    ),
    _Country(
        "GB", "en_GB", "en", "EUR", 10, "co.uk", ("info", "sales", "purchasing"),
        ("Purchasing manager", "Managing director", "Facilities manager"),
    ),
    _Country(
        "US", "en_US", "en", "EUR", 8, "com", ("info", "sales", "procurement"),
        ("Procurement manager", "CEO", "Office manager"), region="state_abbr",
    ),
    _Country(
        "RU", "ru_RU", "ru", "EUR", 7, "ru", ("info", "zakupki", "office"),
        ("Менеджер по закупкам", "Генеральный директор", "Офис-менеджер"), region="administrative_unit",
    ),
    _Country(
        "CN", "zh_CN", "zh-hans", "EUR", 7, "cn", ("info", "sales", "purchase"),
        ("采购经理", "总经理", "行政经理"), region="administrative_unit",
    ),
)  # fmt: skip
_COUNTRY_WEIGHTS = list(itertools.accumulate(c.weight for c in COUNTRIES))

# Customer segments: (tag, customer groups to pick from).
SEGMENTS = (("Hotel", ("Contract",)), ("Office", ("Contract", "Retail")), ("Retail", ("Wholesale",)))
SUPPLIES = ("Timber", "Fabric", "Hardware")
KEY_ACCOUNT = "Key account"
TAGS = {
    "Hotel": "#0d6efd", "Office": "#6f42c1", "Retail": "#20c997", KEY_ACCOUNT: "#dc3545",
    "Timber": "#8b5a2b", "Fabric": "#fd7e14", "Hardware": "#6c757d",
}  # fmt: skip
CUSTOMER_GROUPS = ("Contract", "Retail", "Wholesale")
PAYMENT_TERMS = (("Immediate", 0), ("14 days", 14), ("30 days", 30))
_POOL = 400  # address parts drawn from per country; sampling a pool is far faster than Faker

# Chinese tax IDs: a unified social credit code for an enterprise in one of these districts.
_CN_DIVISIONS = ("110105", "310115", "440300", "330106", "510107")
# Per country: the length of the random part, and its check digits (None: draw again).
_TAX_ID_RULES: dict[str, tuple[int, Callable[[str], str | None]]] = {
    "PL": (9, lambda body: None if (d := nip.checksum(body + "0")) == 10 else str(d)),
    "DE": (8, mod_11_10.calc_check_digit),
    "SI": (7, lambda body: d if len(d := ddv.calc_check_digit(body)) == 1 else None),
    "GB": (7, lambda body: f"{-gb_vat.checksum(body + '00') % 97:02d}"),
    "US": (9, lambda body: "" if ein.is_valid(body) else None),  # no check digit; the prefix must exist
    "RU": (9, inn.calc_company_check_digit),
}


@dataclass
class AddressDraft:
    kind: str
    street: str
    house: str
    unit: str
    postal_code: str
    city: str
    region: str


@dataclass
class PersonDraft:
    name: str
    email: str
    mobile: str
    job_title: str


@dataclass
class OrganisationDraft:
    name: str
    country: _Country
    email: str
    phone: str
    mobile: str
    website: str
    tax_id: str
    is_supplier: bool
    owner: str | None
    group: str | None
    payment_term: str
    tags: tuple[str, ...]
    addresses: list[AddressDraft]
    people: list[PersonDraft] = field(default_factory=list)


class _Place:
    """One country's seeded Faker and pools of its address parts."""

    def __init__(self, country: _Country) -> None:
        self.country = country
        self.fake = Faker(country.locale)
        self.fake.seed_instance(SEED)
        self.streets = [self.fake.street_name() for _ in range(_POOL)]
        self.houses = [self.fake.building_number() for _ in range(_POOL)]
        self.postcodes = [self.fake.postcode() for _ in range(_POOL)]
        self.cities = [self.fake.city() for _ in range(_POOL)]
        provider = getattr(self.fake, country.region) if country.region else str
        self.regions = [provider() for _ in range(_POOL)]


class PartnerGenerator:
    """Yields the demo organisations, with their addresses and contact people, as drafts.

    Pure (no database) and seeded: every new generator yields the same drafts in the same order.
    """

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.places = {country.code: _Place(country) for country in COUNTRIES}
        self.names: set[str] = set()
        self.domains: set[str] = set()

    def organisations(self, count: int) -> Iterator[OrganisationDraft]:
        for index in range(count):
            draft = self.organisation(index)
            if index % 4 == 3:
                draft.people.append(self.person(draft))
            yield draft

    def organisation(self, index: int) -> OrganisationDraft:
        rng = self.rng
        country = rng.choices(COUNTRIES, cum_weights=_COUNTRY_WEIGHTS)[0]
        place = self.places[country.code]
        is_supplier = rng.random() < 0.1
        city = rng.choice(place.cities)
        name = self._unique_name(place.fake.company(), city)
        domain = self._domain(place, name, index)
        tag, groups = rng.choice(SEGMENTS)
        key_account = not is_supplier and rng.random() < 0.06
        return OrganisationDraft(
            name=name,
            country=country,
            email=f"{rng.choice(country.mailboxes)}@{domain}",
            phone=phone_number(rng, country.code, PhoneNumberType.FIXED_LINE),
            mobile=phone_number(rng, country.code, PhoneNumberType.MOBILE) if rng.random() < 0.3 else "",
            website=f"https://www.{domain}" if rng.random() < 0.7 else "",
            tax_id=tax_id(rng, country.code) if rng.random() < 0.85 else "",
            is_supplier=is_supplier,
            owner=None if is_supplier else rng.choice(SALESPEOPLE),
            group=None if is_supplier else rng.choice(groups),
            payment_term="30 days" if is_supplier or key_account else rng.choice(("Immediate", "14 days")),
            tags=(rng.choice(SUPPLIES),) if is_supplier else (tag, KEY_ACCOUNT) if key_account else (tag,),
            addresses=self._addresses(place, city, with_delivery=not is_supplier and rng.random() < 0.3),
        )

    def person(self, organisation: OrganisationDraft) -> PersonDraft:
        rng = self.rng
        country = organisation.country
        fake = self.places[country.code].fake
        first, last = fake.first_name(), fake.last_name()
        local = f"{slugify(first)}.{slugify(last)}"
        mailbox = local if len(local) > 2 else fake.user_name()
        return PersonDraft(
            name=f"{last}{first}" if country.code == "CN" else f"{first} {last}",
            email=f"{mailbox}@{organisation.email.partition('@')[2]}",
            mobile=phone_number(rng, country.code, PhoneNumberType.MOBILE),
            job_title=rng.choice(country.job_titles),
        )

    def _unique_name(self, name: str, city: str) -> str:
        if name in self.names:
            name = f"{name} ({city})"
        self.names.add(name)
        return name

    def _domain(self, place: _Place, name: str, index: int) -> str:
        """From the name where it is written in Latin letters, else a romanised Faker word."""
        base = slugify(name) or place.fake.domain_word()
        domain = f"{base}.{place.country.tld}"
        if domain in self.domains:
            domain = f"{base}{index}.{place.country.tld}"
        self.domains.add(domain)
        return domain

    def _addresses(self, place: _Place, city: str, *, with_delivery: bool) -> list[AddressDraft]:
        invoice, delivery = Address.Kind.INVOICE.value, Address.Kind.DELIVERY.value
        kinds = (invoice, delivery) if with_delivery else (invoice,)
        rng = self.rng
        return [
            AddressDraft(
                kind=kind,
                street=rng.choice(place.streets),
                house=rng.choice(place.houses),
                unit=str(rng.randint(1, 40)) if rng.random() < 0.15 else "",
                postal_code=rng.choice(place.postcodes),
                city=city if kind == invoice else rng.choice(place.cities),
                region=rng.choice(place.regions),
            )
            for kind in kinds
        ]


@cache
def _phone_base(region: str, kind: int) -> tuple[int, str]:
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None or example.country_code is None:
        raise LookupError(f"phonenumbers has no example number of type {kind} for {region}")
    return example.country_code, str(example.national_number)


def phone_number(rng: random.Random, region: str, kind: int) -> str:
    """A valid E.164 number: the region's example number with its last six digits varied."""
    country_code, national = _phone_base(region, kind)
    while True:
        digits = national[:-6] + f"{rng.randrange(10**6):06d}"
        number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(digits))
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def tax_id(rng: random.Random, country: str) -> str:
    """A checksum-valid tax ID for ``country``, in the compact form Tandem stores."""
    if country == "CN":
        body = "91" + rng.choice(_CN_DIVISIONS) + _digits(rng, 9)
        return body + uscc.calc_check_digit(body)
    length, check = _TAX_ID_RULES[country]
    while True:
        body = _digits(rng, length)
        if (digits := check(body)) is not None:
            return body + digits


def _digits(rng: random.Random, length: int) -> str:
    return str(rng.randrange(10 ** (length - 1), 10**length))


# --- catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    code: str
    name: str
    factor: int  # % of the base price


# (code, kind of furniture, category, base price in EUR)
FURNITURE = (
    ("DCH", "dining chair", "Chairs", 149), ("ARM", "armchair", "Chairs", 329),
    ("BST", "bar stool", "Chairs", 119), ("OCH", "office chair", "Chairs", 259),
    ("DTB", "dining table", "Tables", 690), ("CTB", "coffee table", "Tables", 240),
    ("STB", "side table", "Tables", 129), ("DSK", "desk", "Desks", 420),
    ("SDK", "standing desk", "Desks", 780), ("SF2", "two-seat sofa", "Sofas", 990),
    ("SF3", "three-seat sofa", "Sofas", 1290), ("CSF", "corner sofa", "Sofas", 1690),
    ("BKS", "bookshelf", "Shelves", 360), ("WSH", "wall shelf", "Shelves", 89),
    ("SBD", "single bed", "Beds", 520), ("DBD", "double bed 160×200", "Beds", 890),
)  # fmt: skip
COLLECTIONS = tuple(
    _Line(code, name, factor)
    for code, name, factor in (
        ("OSL", "Oslo", 100), ("BRG", "Bergen", 110), ("MLM", "Malmö", 95), ("BLD", "Bled", 105),
        ("PIR", "Piran", 120), ("KRK", "Kraków", 90), ("GDN", "Gdańsk", 100), ("TOR", "Toruń", 95),
        ("DRS", "Dresden", 115), ("BRM", "Bremen", 105), ("YRK", "York", 110), ("BOS", "Boston", 125),
        ("LUG", "Lugano", 120), ("TLL", "Tallinn", 90), ("RIG", "Riga", 95), ("VIE", "Vienna", 115),
    )
)  # fmt: skip
MATERIALS = tuple(
    _Line(code, name, factor)
    for code, name, factor in (
        ("OAK", "oak", 100), ("BEE", "beech", 85), ("WAL", "walnut", 135), ("ASH", "ash", 95),
        ("BIR", "birch", 80), ("PIN", "pine", 70), ("WHT", "white lacquered", 90),
        ("BLK", "black-stained oak", 105),
    )
)  # fmt: skip
# (SKU, name, kind, category, unit, price, cost)
_FINISHES, _HARDWARE, _UPHOLSTERY = (
    "Consumables / Finishes",
    "Consumables / Hardware",
    "Consumables / Upholstery",
)
SUPPLIES_AND_SERVICES = (
    ("FIN-VARNISH", "Matt water-based varnish", "consumable", _FINISHES, "l", "24.00", "11.40"),
    ("FIN-OIL", "Hardwax oil, natural", "consumable", _FINISHES, "l", "38.00", "17.90"),
    ("FIN-EDGE-OAK", "Oak edge banding 22 mm", "consumable", _FINISHES, "m", "1.20", "0.45"),
    ("HW-SCREW-440", "Wood screws 4×40, box of 200", "consumable", _HARDWARE, "pcs", "9.50", "4.10"),
    ("HW-CONFIRMAT", "Confirmat screws 7×50, box of 100", "consumable", _HARDWARE, "pcs", "12.00", "5.20"),
    ("HW-FELT", "Felt pads, set of 16", "consumable", _HARDWARE, "pcs", "4.90", "1.60"),
    (
        "UPH-FABRIC-GREY",
        "Upholstery fabric, grey wool blend",
        "consumable",
        _UPHOLSTERY,
        "m",
        "32.00",
        "14.50",
    ),
    ("SRV-ASSEMBLY", "Assembly on site", "service", "Services / Assembly", "h", "45.00", "28.00"),
    ("SRV-REPAIR", "Repair and refinishing", "service", "Services / Assembly", "h", "55.00", "30.00"),
    ("SRV-DELIVERY", "Delivery within 50 km", "service", "Services / Delivery", "pcs", "60.00", "35.00"),
    ("SRV-FREIGHT", "Freight by pallet", "service", "Services / Delivery", "pcs", "180.00", "120.00"),
    ("SRV-DESIGN", "Interior design consultation", "service", "Services / Design", "h", "75.00", "40.00"),
)
GS1_PREFIX = "3831234"  # 383 is Slovenia's GS1 prefix; the company part is made up


@dataclass(frozen=True)
class ProductDraft:
    sku: str
    name: str
    kind: str
    category: str
    uom: str
    price: Decimal
    cost: Decimal
    barcode: str
    description: str = ""


def product_drafts(count: int) -> list[ProductDraft]:
    """The demo catalogue: supplies and services, then ``count`` minus those in furniture."""
    rng = random.Random(SEED)
    fixed = [
        ProductDraft(sku, name, kind, category, uom, Decimal(price), Decimal(cost), barcode="")
        for sku, name, kind, category, uom, price, cost in SUPPLIES_AND_SERVICES
    ]
    combinations = list(itertools.product(FURNITURE, COLLECTIONS, MATERIALS))
    rng.shuffle(combinations)
    goods = [_furniture(rng, *combination) for combination in combinations[: count - len(fixed)]]
    drafts = sorted(goods, key=lambda d: (d.category, d.name)) + fixed
    return [
        _with_barcode(draft, number) if draft.kind != Product.Kind.SERVICE else draft
        for number, draft in enumerate(drafts, start=1)
    ]


def _furniture(
    rng: random.Random, furniture: tuple[str, str, str, int], collection: _Line, material: _Line
) -> ProductDraft:
    code, what, category, base = furniture
    price = (Decimal(base * collection.factor * material.factor) / 10_000).quantize(Decimal(1), ROUND_HALF_UP)
    return ProductDraft(
        sku=f"{code}-{collection.code}-{material.code}",
        name=f"{collection.name} {material.name} {what}",
        kind=Product.Kind.GOODS,
        category=f"Furniture / {category}",
        uom="pcs",
        price=price.quantize(CENT),
        cost=(price * rng.randint(40, 60) / 100).quantize(CENT),
        barcode="",
        description=f"{what.capitalize()} from the {collection.name} collection, {material.name}.",
    )


def _with_barcode(draft: ProductDraft, number: int) -> ProductDraft:
    body = f"{GS1_PREFIX}{number:05d}"
    return dataclasses.replace(draft, barcode=body + ean.calc_check_digit(body))


# --- writing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Refs:
    """Primary keys of the reference rows the bulk rows point at."""

    company_id: int
    users: dict[str, int]
    tags: dict[str, int]
    groups: dict[str, int]
    terms: dict[str, int]


def demo_loaded() -> bool:
    """Whether this database holds the demo (its users log in with DEMO_PASSWORD)."""
    return Event.objects.filter(name="demo.loaded").exists()


def build_demo(size: str = "small", *, force: bool = False) -> DemoSummary:
    """Load the demo company. Refuses when any company exists, or with ``force`` when the
    demo company or one of its users does, so nothing is ever added twice."""
    started = time.perf_counter()
    dimensions = SIZES[size]
    _check_empty(force)
    company, users = _create_company_and_users()
    refs = _create_reference_rows(company, users)
    suppliers = _create_partners(refs, dimensions.organisations)
    products, items = _create_catalogue(company, dimensions.products)
    statistics.refresh()
    summary = DemoSummary(
        size=size,
        company=company.name,
        users=tuple(users),
        organisations=dimensions.organisations,
        people=dimensions.partners - dimensions.organisations,
        suppliers=suppliers,
        products=products,
        price_list_items=items,
        seconds=round(time.perf_counter() - started, 1),
    )
    with transaction.atomic():
        data = {"size": size, "partners": summary.partners, "products": products}
        events.record("demo.loaded", company, users["admin"], data)
    return summary


def grow_demo(partners: int) -> int:
    """Add ``partners`` more partners (a multiple of 5) to the loaded demo, from the same
    generator continued past the drafts already written, so names stay unique; for
    benchmarks at sizes beyond ``large``. Returns how many partners the company has now."""
    company = Company.objects.get(code=COMPANY_CODE)
    existing = Partner.objects.filter(company=company, kind=Partner.Kind.ORGANISATION).count()
    refs = _Refs(
        company_id=company.pk,
        users={u.username: u.pk for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])},
        tags=dict(Tag.objects.filter(company=company).values_list("name", "pk")),
        groups=dict(CustomerGroup.objects.filter(company=company).values_list("name", "pk")),
        terms=dict(PaymentTerm.objects.filter(company=company).values_list("name", "pk")),
    )
    organisations = DemoSize(partners=partners, products=0).organisations
    drafts = PartnerGenerator().organisations(existing + organisations)
    _write_partners(refs, itertools.islice(drafts, existing, None))
    statistics.refresh()
    return Partner.objects.filter(company=company).count()


def _check_empty(force: bool) -> None:
    if not force and Company.objects.exists():
        raise DemoRefused(
            _("This database already has a company; the demo is only loaded into an empty one.")
        )
    taken = [u.username for u in DEMO_USERS if User.objects.filter(username=u.username).exists()]
    if Company.objects.filter(code=COMPANY_CODE).exists() or taken:
        message = _("The demo is already loaded (company “%(code)s”, users %(users)s).")
        raise DemoRefused(message % {"code": COMPANY_CODE, "users": ", ".join(taken) or "-"})


@transaction.atomic
def _create_company_and_users() -> tuple[Company, dict[str, User]]:
    company = create_company(
        name=COMPANY_NAME,
        code=COMPANY_CODE,
        currency=Currency.objects.get(code="EUR"),
        country="SI",
        tax_id=tax_id(random.Random(SEED), "SI"),
        language="en",
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


@transaction.atomic
def _create_reference_rows(company: Company, users: dict[str, User]) -> _Refs:
    terms = PaymentTerm.objects.bulk_create(
        PaymentTerm(company=company, name=n, days=d) for n, d in PAYMENT_TERMS
    )
    tags = Tag.objects.bulk_create(Tag(company=company, name=n, color=c) for n, c in TAGS.items())
    groups = CustomerGroup.objects.bulk_create(
        CustomerGroup(company=company, name=n) for n in CUSTOMER_GROUPS
    )
    return _Refs(
        company_id=company.pk,
        users={name: user.pk for name, user in users.items()},
        tags={tag.name: tag.pk for tag in tags},
        groups={group.name: group.pk for group in groups},
        terms={term.name: term.pk for term in terms},
    )


class _PartnerTables(NamedTuple):
    partners: RowInserter
    addresses: RowInserter
    tag_links: RowInserter


def _create_partners(refs: _Refs, organisations: int) -> int:
    """Write the organisations and their people in batches; returns how many are suppliers."""
    return _write_partners(refs, PartnerGenerator().organisations(organisations))


def _write_partners(refs: _Refs, drafts: Iterator[OrganisationDraft]) -> int:
    _enlarge_sqlite_cache()
    tables = _PartnerTables(RowInserter(Partner), RowInserter(Address), RowInserter(Partner.tags.through))
    suppliers = 0
    while batch := list(itertools.islice(drafts, BATCH_SIZE)):
        _write_partner_batch(refs, tables, batch)
        suppliers += sum(draft.is_supplier for draft in batch)
    return suppliers


def _enlarge_sqlite_cache() -> None:
    """128 MiB of page cache for this connection: at the large size the partner indexes
    outgrow SQLite's 2 MiB default and every insert would read pages back from disk."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -131072")


@transaction.atomic
def _write_partner_batch(refs: _Refs, tables: _PartnerTables, batch: list[OrganisationDraft]) -> None:
    ids = tables.partners.insert([_organisation(refs, draft) for draft in batch])
    pairs = list(zip(ids, batch, strict=True))
    tables.addresses.insert(
        [_address(pk, draft, address) for pk, draft in pairs for address in draft.addresses]
    )
    tables.tag_links.insert(
        [{"partner_id": pk, "tag_id": refs.tags[tag]} for pk, draft in pairs for tag in draft.tags]
    )
    tables.partners.insert(
        [_person(refs, pk, draft, person) for pk, draft in pairs for person in draft.people]
    )


def _organisation(refs: _Refs, draft: OrganisationDraft) -> dict[str, Any]:
    return {
        "company_id": refs.company_id,
        "kind": Partner.Kind.ORGANISATION.value,
        "name": draft.name,
        **partner_keys(draft.name),
        "is_customer": not draft.is_supplier,
        "is_supplier": draft.is_supplier,
        "owner_id": refs.users[draft.owner] if draft.owner else None,
        "group_id": refs.groups[draft.group] if draft.group else None,
        "language": draft.country.language,
        "currency_id": draft.country.currency,
        "payment_term_id": refs.terms[draft.payment_term],
        "email": draft.email,
        "phone": draft.phone,
        "mobile": draft.mobile,
        "website": draft.website,
        "country": draft.country.code,
        "tax_id": draft.tax_id,
    }


def _person(
    refs: _Refs, organisation_id: int, draft: OrganisationDraft, person: PersonDraft
) -> dict[str, Any]:
    return {
        "company_id": refs.company_id,
        "kind": Partner.Kind.PERSON.value,
        "name": person.name,
        **partner_keys(person.name),
        "organisation_id": organisation_id,
        "job_title": person.job_title,
        "is_customer": not draft.is_supplier,
        "is_supplier": draft.is_supplier,
        "owner_id": refs.users[draft.owner] if draft.owner else None,
        "language": draft.country.language,
        "email": person.email,
        "mobile": person.mobile,
        "country": draft.country.code,
    }


def _address(partner_id: int, draft: OrganisationDraft, address: AddressDraft) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "kind": address.kind,
        "street": address.street,
        "house": address.house,
        "unit": address.unit,
        "postal_code": address.postal_code,
        "city": address.city,
        "region": address.region,
        "country": draft.country.code,
        "is_default": True,
    }


@transaction.atomic
def _create_catalogue(company: Company, count: int) -> tuple[int, int]:
    """Categories, products and the three price lists; returns (products, price list items)."""
    drafts = product_drafts(count)
    categories = _create_categories(company, sorted({d.category for d in drafts}))
    units = Uom.objects.in_bulk({d.uom for d in drafts}, field_name="code")
    products = Product.objects.bulk_create(
        [
            Product(
                company=company,
                kind=d.kind,
                name=d.name,
                name_key=name_key(d.name),
                sku=d.sku,
                barcode=d.barcode,
                category=categories[d.category],
                uom=units[d.uom],
                sales_price=d.price,
                cost=d.cost,
                description=d.description,
            )
            for d in drafts
        ],
        batch_size=BATCH_SIZE,
    )
    search.refresh(Product, [p.pk for p in products])
    _record_rate()
    items = PriceListItem.objects.bulk_create(
        _price_items(_create_price_lists(company), products), batch_size=BATCH_SIZE
    )
    return len(products), len(items)


def _create_categories(company: Company, paths: list[str]) -> dict[str, Category]:
    """Each path ('Furniture / Chairs') and its ancestors, parents first."""
    categories: dict[str, Category] = {}
    wanted = sorted({" / ".join(p.split(" / ")[:depth]) for p in paths for depth in (1, 2)})
    for path in wanted:
        parent_path, _sep, name = path.rpartition(" / ")
        parent = categories.get(parent_path)
        categories[path] = Category.objects.create(company=company, name=name, parent=parent, path=path)
    return categories


@dataclass(frozen=True)
class _PriceLists:
    eur: PriceList
    wholesale: PriceList
    pln: PriceList


def _create_price_lists(company: Company) -> _PriceLists:
    wholesale_group = CustomerGroup.objects.get(company=company, name="Wholesale")
    return _PriceLists(
        eur=PriceList.objects.create(company=company, name="EUR list", currency_id="EUR"),
        wholesale=PriceList.objects.create(
            company=company, name="Wholesale EUR", currency_id="EUR", customer_group=wholesale_group
        ),
        pln=PriceList.objects.create(company=company, name="PLN list", currency_id="PLN"),
    )


def _price_items(lists: _PriceLists, products: list[Product]) -> Iterator[PriceListItem]:
    """Every product on the EUR and PLN lists; goods on the wholesale list with quantity breaks."""
    for product in products:
        price = product.sales_price
        yield PriceListItem(price_list=lists.eur, product=product, price=price)
        yield PriceListItem(price_list=lists.pln, product=product, price=_in_pln(price))
        if product.kind == Product.Kind.GOODS:
            for quantity, percent in WHOLESALE_BREAKS:
                discounted = (price * percent / 100).quantize(CENT)
                yield PriceListItem(
                    price_list=lists.wholesale, product=product, min_quantity=quantity, price=discounted
                )


def _record_rate() -> None:
    """EUR→PLN from the start of this year (rates are shared by every company: add it once)."""
    first_of_year = date(timezone.localdate().year, 1, 1)
    ExchangeRate.objects.get_or_create(
        base_id="EUR", quote_id="PLN", date=first_of_year, defaults={"rate": EUR_TO_PLN}
    )


def _in_pln(price: Decimal) -> Decimal:
    """Whole złoty, as a Polish list would show them."""
    return (price * EUR_TO_PLN).quantize(Decimal(1), ROUND_HALF_UP).quantize(CENT)
