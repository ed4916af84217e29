"""The partners' part of the demo company: organisations in seven countries, their
addresses and contact people, tags, customer groups and payment terms.

:class:`PartnerGenerator` is pure and seeded (the import benchmark writes its CSV from it).
Phones, tax IDs and addresses pass the same checks a person's input would
(tests/test_demo.py checks them); ``name_key`` is set by hand because bulk inserts skip
``save()``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

import phonenumbers
from django.db import connection, transaction
from django.utils.text import slugify
from faker import Faker
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum.cn import uscc
from stdnum.gb import vat as gb_vat
from stdnum.iso7064 import mod_11_10
from stdnum.pl import nip
from stdnum.ru import inn
from stdnum.si import ddv
from stdnum.us import ein

from tandem.core import roles
from tandem.core.bulk import RowInserter
from tandem.core.demo import BATCH_SIZE, SEED, Demo
from tandem.core.models import PaymentTerm
from tandem.partners.models import Address, CustomerGroup, Partner, Tag
from tandem.partners.names import partner_keys

SALESPEOPLE = ("sam", "sofia")  # the demo's salespeople (tandem.demo.DEMO_USERS), owners of customers
# Partners per size: organisations and their contact people; a multiple of 5.
SIZES = {"small": 200, "medium": 10_000, "large": 100_000}


def organisations(size: str) -> int:
    """Four in five demo partners are organisations; every fourth of them has a contact person."""
    return SIZES[size] * 4 // 5


def build(demo: Demo) -> dict[str, int]:
    refs = _create_reference_rows(demo)
    count = organisations(demo.size)
    suppliers = _create_partners(refs, count, owners=demo.with_role(roles.SALESPERSON))
    return {
        "partners": SIZES[demo.size],
        "organisations": count,
        "people": SIZES[demo.size] - count,
        "suppliers": suppliers,
    }


# --- drafts ----------------------------------------------------------------------------


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

    def __init__(self, owners: tuple[str, ...] = SALESPEOPLE) -> None:
        self.rng = random.Random(SEED)
        self.owners = owners
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
            owner=None if is_supplier else rng.choice(self.owners),
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


# --- writing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Refs:
    """Primary keys of the reference rows the bulk rows point at."""

    company_id: int
    users: dict[str, int]
    tags: dict[str, int]
    groups: dict[str, int]
    terms: dict[str, int]


@transaction.atomic
def _create_reference_rows(demo: Demo) -> _Refs:
    company = demo.company
    terms = PaymentTerm.objects.bulk_create(
        PaymentTerm(company=company, name=n, days=d) for n, d in PAYMENT_TERMS
    )
    tags = Tag.objects.bulk_create(Tag(company=company, name=n, color=c) for n, c in TAGS.items())
    groups = CustomerGroup.objects.bulk_create(
        CustomerGroup(company=company, name=n) for n in CUSTOMER_GROUPS
    )
    return _Refs(
        company_id=company.pk,
        users=demo.user_ids(),
        tags={tag.name: tag.pk for tag in tags},
        groups={group.name: group.pk for group in groups},
        terms={term.name: term.pk for term in terms},
    )


def grow(demo: Demo, partners: int) -> int:
    """``partners`` more partners for the loaded demo, from the same generator continued past
    the organisations already written, so names stay unique; returns the company's total."""
    company = demo.company
    written = Partner.objects.filter(company=company, kind=Partner.Kind.ORGANISATION).count()
    refs = _Refs(
        company_id=company.pk,
        users=demo.user_ids(),
        tags=dict(Tag.objects.filter(company=company).values_list("name", "pk")),
        groups=dict(CustomerGroup.objects.filter(company=company).values_list("name", "pk")),
        terms=dict(PaymentTerm.objects.filter(company=company).values_list("name", "pk")),
    )
    generator = PartnerGenerator(demo.with_role(roles.SALESPERSON))
    drafts = generator.organisations(written + partners * 4 // 5)
    _write_partners(refs, itertools.islice(drafts, written, None))
    return Partner.objects.filter(company=company).count()


class _PartnerTables(NamedTuple):
    partners: RowInserter
    addresses: RowInserter
    tag_links: RowInserter


def _create_partners(refs: _Refs, organisations: int, owners: tuple[str, ...]) -> int:
    """Write the organisations and their people in batches; returns how many are suppliers."""
    return _write_partners(refs, PartnerGenerator(owners).organisations(organisations))


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
