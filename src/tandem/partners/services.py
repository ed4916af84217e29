"""Every write on partners: create, update, addresses, bank accounts, merge, archive."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import events, search
from tandem.core.errors import BusinessError, DuplicateFound, NotAllowed, StaleVersion, ValidationFailed
from tandem.core.identifiers import (
    InvalidIdentifier,
    normalize_bic,
    normalize_company_id,
    normalize_email,
    normalize_iban,
    normalize_phone,
    normalize_tax_id,
)
from tandem.core.importing import duplicate_reasons
from tandem.core.messages import Message
from tandem.core.models import Company, Event, User
from tandem.core.versioning import update_versioned
from tandem.partners.addresses import compose_address
from tandem.partners.duplicates import DuplicateMatch, find_duplicates
from tandem.partners.models import Address, BankAccount, Partner, Tag, owner_choices, sees_all_partners

EDITABLE_FIELDS = [
    "kind", "name", "organisation", "job_title", "is_customer", "is_supplier", "owner", "group",
    "language", "currency", "payment_term", "email", "phone", "mobile", "website", "country",
    "tax_id", "registry_id", "ref", "notes", "active",
]  # fmt: skip
ADDRESS_FIELDS = ["kind", "street", "house", "unit", "postal_code", "city", "region", "country", "is_default"]
_SAME_COMPANY = ["organisation", "owner", "group", "payment_term"]


def normalized(company: Company, fields: Mapping[str, Any], *, default_country: str = "") -> dict[str, Any]:
    """Validated, normalised partner fields; every problem reported at once.

    Phones, tax and company IDs written without a country prefix are read in the partner's
    country: the one given, else ``default_country`` (its stored country, or its address's),
    else the company's.
    """
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: dict[str, list[str | Message]] = {}
    if "name" in data and not data["name"]:
        errors["name"] = [Message(gettext_noop("A partner needs a name."))]
    if data.get("country"):
        data["country"] = str(data["country"]).upper()
    country = data.get("country") or default_country or company.country
    checks = {
        # Mailboxes are case-insensitive in practice; one case makes search and duplicate checks exact.
        "email": lambda v: normalize_email(v).lower(),
        "phone": lambda v: normalize_phone(v, country),
        "mobile": lambda v: normalize_phone(v, country),
        "tax_id": lambda v: normalize_tax_id(v, country),
        "registry_id": lambda v: normalize_company_id(v, country),
    }
    for name, check in checks.items():
        if data.get(name):
            try:
                data[name] = check(data[name])
            except InvalidIdentifier as exc:
                errors[name] = [exc.stored]
    errors.update(_foreign_company_errors(company, data))
    if errors:
        raise ValidationFailed(errors)
    return data


def _foreign_company_errors(company: Company, data: Mapping[str, Any]) -> dict[str, list[str | Message]]:
    errors: dict[str, list[str | Message]] = {}
    for name in _SAME_COMPANY:
        value = data.get(name)
        if value is None:
            continue
        if name == "owner":
            allowed = value.is_superuser or value.companies.filter(pk=company.pk).exists()
        else:
            allowed = value.company_id == company.pk
        if not allowed:
            errors[name] = [_("This choice belongs to another company.")]
    organisation = data.get("organisation")
    if organisation is not None and organisation.kind != Partner.Kind.ORGANISATION:
        errors["organisation"] = [_("A person can only belong to an organisation.")]
    return errors


def _check_owner(data: dict[str, Any], actor: User | None, company: Company) -> None:
    """Someone who only sees their own partners creates them for themselves; a sales manager
    may also give them to the people they reach (their team)."""
    if actor is None:
        return
    if sees_all_partners(actor):
        if "owner" not in data and data.get("is_customer", True):
            data["owner"] = actor  # whoever brings a customer in looks after it, until reassigned
        return
    owner = data.get("owner")
    if owner is not None and owner.pk != actor.pk:
        if not owner_choices(actor, company).filter(pk=owner.pk).exists():
            raise NotAllowed(_("You can only assign partners to yourself."), field="owner")
        return
    if data.get("is_customer", True):
        data["owner"] = actor


def _refuse_duplicates(
    company: Company, data: Mapping[str, Any], actor: User | None, exclude_id: int | None = None
) -> None:
    """Refuse a probable duplicate, naming only the partners ``actor`` may open.

    Of a duplicate the actor may not see (a colleague's customer) the answer says only that
    it exists and whom to ask: its name, id and matching detail stay hidden.
    """
    matches = find_duplicates(
        company,
        name=data.get("name", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        tax_id=data.get("tax_id", ""),
        exclude_id=exclude_id,
    )
    if not matches:
        return
    shown = visible_ids(actor, [m.partner.pk for m in matches])
    visible = [m for m in matches if m.partner.pk in shown]
    hidden = len(matches) - len(visible)
    raise DuplicateFound(
        _duplicate_message(visible, hidden),
        duplicates=[_describe(m) for m in visible],
        hidden_duplicates=hidden,
    )


def visible_ids(actor: User | None, ids: list[int]) -> set[int]:
    """Of the partners ``ids``, those ``actor`` may open (the duplicate checks name no other)."""
    if actor is None:  # a system action (an import run by the platform) sees every partner
        return set(ids)
    return set(Partner.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))


def _duplicate_message(visible: list[DuplicateMatch], hidden: int) -> str:
    if not visible:
        return _(
            "A partner like this already exists, but you may not open it. Ask your sales manager "
            "or an administrator to give you access or to add what you need."
        )
    first = visible[0]
    return _("Possible duplicate of “%(name)s” (%(reasons)s).") % {
        "name": first.partner.name,
        "reasons": ", ".join(duplicate_reasons(first.reasons)),
    }


def _describe(match: DuplicateMatch) -> dict[str, Any]:
    return {"id": match.partner.pk, "name": match.partner.name, "reasons": duplicate_reasons(match.reasons)}


@transaction.atomic
def create_partner(
    company: Company,
    actor: User | None,
    *,
    allow_duplicate: bool = False,
    tags: Iterable[Tag] = (),
    addresses: Iterable[Mapping[str, Any]] = (),
    address_text: str = "",
    **fields: Any,
) -> Partner:
    """Create a partner with its addresses; refuses a probable duplicate unless told not to."""
    _reject_unknown(fields)
    address_rows = _address_rows(addresses, address_text, fields.get("country") or company.country)
    address_country = next((str(row["country"]) for row in address_rows if row.get("country")), "")
    data = normalized(company, fields, default_country=address_country)
    _check_owner(data, actor, company)
    if data.get("ref") and Partner.objects.filter(company=company, ref=data["ref"]).exists():
        raise DuplicateFound(_("Another partner already has this external reference."), field="ref")
    if not allow_duplicate:
        _refuse_duplicates(company, data, actor)
    partner = Partner.objects.create(company=company, **data)
    partner.tags.set(_own_tags(company, tags))
    for row in address_rows:
        _create_address(partner, row)
    if not partner.country and partner.addresses.exists():
        partner.country = partner.addresses.first().country  # type: ignore[union-attr]
        partner.save(update_fields=["country"])
    search.refresh(Partner, [partner.pk])
    events.record("partner.created", partner, actor, {"name": partner.name, "kind": partner.kind})
    return partner


def _country_of(partner: Partner) -> str:
    """The partner's country, else its default address's."""
    if partner.country:
        return partner.country
    address = partner.addresses.exclude(country="").order_by("-is_default", "id").first()
    return address.country if address is not None else ""


def _address_rows(
    addresses: Iterable[Mapping[str, Any]], address_text: str, default_country: str
) -> list[dict[str, Any]]:
    """The typed addresses; a one-line address is composed with the first of them."""
    rows = [dict(row) for row in addresses]
    if address_text.strip():
        first = rows.pop(0) if rows else {}
        rows.insert(0, {**first, **compose_address(address_text, first, default_country)})
    return rows


def _reject_unknown(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise BusinessError(_("Unknown partner fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})


def _own_tags(company: Company, tags: Iterable[Tag]) -> list[Tag]:
    tags = list(tags)
    if any(tag.company_id != company.pk for tag in tags):
        raise ValidationFailed({"tags": [_("This choice belongs to another company.")]})
    return tags


@transaction.atomic
def update_partner(
    partner: Partner,
    actor: User | None,
    *,
    expected_version: int | None = None,
    allow_duplicate: bool = True,
    tags: Iterable[Tag] | None = None,
    **fields: Any,
) -> Partner:
    """Change fields; with ``expected_version`` a concurrent edit is refused, not overwritten."""
    _reject_unknown(fields)
    data = normalized(partner.company, fields, default_country=_country_of(partner))
    if "owner" in data:
        _check_owner(data, actor, partner.company)
    if tags is not None:
        data["tags"] = _own_tags(partner.company, tags)

    def refuse_duplicates(changed: Partner) -> None:
        if not allow_duplicate:
            _refuse_duplicates(changed.company, _current(changed), actor, exclude_id=changed.pk)

    return update_versioned(
        partner,
        actor,
        data,
        expected_version=expected_version,
        event="partner.updated",
        check=refuse_duplicates,
    )


def _current(partner: Partner) -> dict[str, Any]:
    return {"name": partner.name, "email": partner.email, "phone": partner.phone, "tax_id": partner.tax_id}


def _create_address(partner: Partner, fields: Mapping[str, Any]) -> Address:
    data = {name: fields[name] for name in ADDRESS_FIELDS if name in fields}
    data["country"] = str(data.get("country", "") or partner.country).upper()
    if not any(data.get(name) for name in ["street", "city", "postal_code"]):
        raise ValidationFailed(
            {"address": [_("An address needs at least a street, a city or a postal code.")]}
        )
    kind = data.get("kind", Address.Kind.INVOICE)
    has_default = partner.addresses.filter(kind=kind, is_default=True).exists()
    if data.get("is_default") and has_default:
        partner.addresses.filter(kind=kind, is_default=True).update(is_default=False)
    elif not has_default:
        data["is_default"] = True
    return Address.objects.create(partner=partner, **data)


def _touch(partner: Partner) -> None:
    """A change to a partner's parts is a new version of the partner (ETags, stale edits), and
    may change what search finds it by (the city of its default address)."""
    Partner.objects.filter(pk=partner.pk).update(version=models.F("version") + 1)
    partner.refresh_from_db(fields=["version"])
    search.refresh(Partner, [partner.pk])


@transaction.atomic
def add_address(partner: Partner, actor: User | None, *, address_text: str = "", **fields: Any) -> Address:
    """Add an address from typed fields and/or a one-line address (typed fields win)."""
    default_country = partner.country or partner.company.country
    address = _create_address(partner, {**fields, **compose_address(address_text, fields, default_country)})
    _touch(partner)
    events.record(
        "partner.address_added", partner, actor, {"address": address.one_line(), "kind": address.kind}
    )
    return address


def _lock_address(address: Address, expected_version: int | None) -> Address:
    locked = (
        Address.objects.select_for_update(of=("self", "partner")).select_related("partner").get(pk=address.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(_("Someone else changed this address meanwhile. Reload it and try again."))
    return locked


@transaction.atomic
def update_address(
    address: Address, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Address:
    """Change an address; with ``expected_version`` a concurrent edit is refused, not overwritten."""
    address = _lock_address(address, expected_version)
    before = events.snapshot(address, ADDRESS_FIELDS)
    for name in ADDRESS_FIELDS:
        if name in fields:
            setattr(address, name, fields[name])
    if address.is_default:
        address.partner.addresses.filter(kind=address.kind, is_default=True).exclude(pk=address.pk).update(
            is_default=False
        )
    address.version += 1
    address.save()
    diff = events.changes(before, events.snapshot(address, ADDRESS_FIELDS))
    _touch(address.partner)
    events.record("partner.address_changed", address.partner, actor, {"changes": diff})
    return address


@transaction.atomic
def remove_address(address: Address, actor: User | None, *, expected_version: int | None = None) -> None:
    address = _lock_address(address, expected_version)
    partner, line = address.partner, address.one_line()
    address.delete()
    _touch(partner)
    events.record("partner.address_removed", partner, actor, {"address": line})


@transaction.atomic
def add_bank_account(
    partner: Partner, actor: User | None, *, iban: str, bic: str = "", bank_name: str = ""
) -> BankAccount:
    errors: dict[str, list[str]] = {}
    try:
        iban = normalize_iban(iban)
    except InvalidIdentifier as exc:
        errors["iban"] = [exc.message]
    if bic:
        try:
            bic = normalize_bic(bic)
        except InvalidIdentifier as exc:
            errors["bic"] = [exc.message]
    if errors:
        raise ValidationFailed(errors)
    account = BankAccount.objects.create(partner=partner, iban=iban, bic=bic, bank_name=bank_name.strip())
    events.record("partner.bank_account_added", partner, actor, {"iban": iban})
    return account


@transaction.atomic
def archive_partner(partner: Partner, actor: User | None, *, expected_version: int | None = None) -> Partner:
    """Partners are archived, never deleted: documents keep pointing at them."""
    return update_partner(partner, actor, expected_version=expected_version, active=False)


@transaction.atomic
def merge_partners(survivor: Partner, duplicates: Iterable[Partner], actor: User | None) -> Partner:
    """Fold ``duplicates`` into ``survivor``: every reference is re-pointed, the rest archived."""
    duplicates = [d for d in duplicates if d.pk != survivor.pk]
    if not duplicates:
        raise BusinessError(_("Choose at least one other partner to merge."))
    if any(d.company_id != survivor.company_id for d in duplicates):
        raise NotAllowed(_("Partners of different companies cannot be merged."))
    ids = [d.pk for d in duplicates]
    Partner.objects.select_for_update().filter(pk__in=[survivor.pk, *ids]).exists()
    _fill_blanks(survivor, duplicates)
    _repoint_relations(survivor, ids)
    Event.objects.filter(partner_id__in=ids).update(partner_id=survivor.pk)
    Partner.objects.filter(pk__in=ids).update(active=False, merged_into=survivor, ref="")
    survivor.version += 1
    survivor.save()
    search.refresh(Partner, [survivor.pk, *ids])
    events.record(
        "partner.merged", survivor, actor, {"merged": [{"id": d.pk, "name": d.name} for d in duplicates]}
    )
    return survivor


def _fill_blanks(survivor: Partner, duplicates: list[Partner]) -> None:
    for name in ["email", "phone", "mobile", "website", "tax_id", "registry_id", "country", "notes"]:
        if not getattr(survivor, name):
            value = next((getattr(d, name) for d in duplicates if getattr(d, name)), "")
            setattr(survivor, name, value)


def _repoint_relations(survivor: Partner, ids: list[int]) -> None:
    """Re-point every foreign key and many-to-many row of any app that refers to a partner.

    Read from the model registry, so relations added by later domains are covered too.
    """
    for relation in Partner._meta.related_objects:
        if relation.many_to_many:
            _repoint_many_to_many(relation, survivor, ids)
        else:
            field = relation.field
            model = relation.related_model
            rows = model._base_manager.filter(**{f"{field.name}__in": ids})  # type: ignore[union-attr]
            if model is Address:
                rows.update(partner=survivor, is_default=False)
            else:
                rows.update(**{field.name: survivor})
    _repoint_many_to_many_fields(survivor, ids)


def _repoint_many_to_many(relation: Any, survivor: Partner, ids: list[int]) -> None:
    through = relation.through
    own_column = relation.field.m2m_reverse_field_name()
    other_column = relation.field.m2m_field_name()
    _move_through_rows(through, own_column, other_column, survivor, ids)


def _repoint_many_to_many_fields(survivor: Partner, ids: list[int]) -> None:
    for field in Partner._meta.many_to_many:
        through = field.remote_field.through  # type: ignore[attr-defined]
        _move_through_rows(through, field.m2m_field_name(), field.m2m_reverse_field_name(), survivor, ids)


def _move_through_rows(
    through: Any, partner_column: str, other_column: str, survivor: Partner, ids: list[int]
) -> None:
    rows = through._base_manager
    existing = set(rows.filter(**{partner_column: survivor}).values_list(f"{other_column}_id", flat=True))
    moved = rows.filter(**{f"{partner_column}__in": ids})
    for other_id in set(moved.values_list(f"{other_column}_id", flat=True)) - existing:
        rows.create(**{partner_column: survivor, f"{other_column}_id": other_id})
    moved.delete()


# --- bulk import (driven by tandem.partners.imports) -------------------------------------

IMPORT_BATCH_SIZE = 2000
_IMPORT_PARTS = ("address", "contact")


@transaction.atomic
def import_partners(
    company: Company,
    actor: User | None,
    creates: Iterable[Mapping[str, Any]],
    updates: Iterable[tuple[int, Mapping[str, Any]]],
) -> dict[str, int]:
    """Write rows already validated by ``tandem.partners.imports`` in bulk.

    Each row holds partner fields and optionally ``address`` (fields of the default invoice
    address) and ``contact`` (``name``/``email``/``phone`` of a person in the organisation).
    Updates change only the fields a row carries and skip rows that change nothing. No event
    per partner: the import records one ``import.completed`` event for the whole file.
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0, "contacts": 0, "addresses": 0}
    _import_creates(company, actor, list(creates), counts)
    _import_updates(company, list(updates), counts)
    return counts


def _import_creates(
    company: Company, actor: User | None, rows: list[Mapping[str, Any]], counts: dict[str, int]
) -> None:
    from tandem.core.bulk import RowInserter
    from tandem.partners.names import partner_keys

    if not rows:
        return
    owner_id = actor.pk if actor is not None else None
    partners = []
    for row in rows:
        fields = {k: v for k, v in row.items() if k not in _IMPORT_PARTS}
        if "match_key" not in fields:  # the import works the keys out while checking the row
            fields.update(partner_keys(fields["name"]))
        fields["company_id"] = company.pk
        if fields.get("is_customer", True):
            fields["owner_id"] = owner_id  # as create_partner: whoever brings a customer in looks after it
        partners.append(fields)
    ids = RowInserter(Partner).insert(partners)
    addresses, people = [], []
    for pk, fields, row in zip(ids, partners, rows, strict=True):
        if row.get("address"):
            addresses.append(
                {**row["address"], "partner_id": pk, "kind": Address.Kind.INVOICE.value, "is_default": True}
            )
        if row.get("contact"):
            people.append(_import_person_row(pk, fields, row["contact"]))
    RowInserter(Address).insert(addresses)
    RowInserter(Partner).insert(people)
    counts["created"] += len(partners)
    counts["addresses"] += len(addresses)
    counts["contacts"] += len(people)


def _import_person_row(
    organisation_id: int, organisation: Mapping[str, Any], contact: Mapping[str, str]
) -> dict[str, Any]:
    from tandem.partners.names import partner_keys

    return {
        "company_id": organisation["company_id"],
        "kind": Partner.Kind.PERSON.value,
        "name": contact["name"],
        **partner_keys(contact["name"]),
        "organisation_id": organisation_id,
        "email": contact.get("email", ""),
        "phone": contact.get("phone", ""),
        "is_customer": organisation.get("is_customer", True),
        "is_supplier": organisation.get("is_supplier", False),
        "owner_id": organisation.get("owner_id"),
        "country": organisation.get("country", ""),
        "language": organisation.get("language", "en"),
    }


def _import_person(organisation: Partner, contact: Mapping[str, str]) -> Partner:
    from tandem.partners.names import partner_keys

    return Partner(
        company_id=organisation.company_id,
        kind=Partner.Kind.PERSON,
        name=contact["name"],
        **partner_keys(contact["name"]),
        organisation=organisation,
        email=contact.get("email", ""),
        phone=contact.get("phone", ""),
        is_customer=organisation.is_customer,
        is_supplier=organisation.is_supplier,
        owner_id=organisation.owner_id,
        country=organisation.country,
        language=organisation.language,
    )


def _import_updates(
    company: Company, rows: list[tuple[int, Mapping[str, Any]]], counts: dict[str, int]
) -> None:
    from tandem.core.bulk import ChangedRows
    from tandem.core.text import name_key
    from tandem.partners.names import partner_keys

    if not rows:
        return
    pks = [pk for pk, _row in rows]
    partners = Partner.objects.filter(company=company).in_bulk(pks)
    addresses = {
        a.partner_id: a
        for a in Address.objects.filter(partner_id__in=pks, kind=Address.Kind.INVOICE, is_default=True)
    }
    people = {
        (p.organisation_id, p.name_key): p
        for p in Partner.objects.filter(organisation_id__in=pks, kind=Partner.Kind.PERSON)
    }
    changed, changed_addresses, changed_people = (
        ChangedRows(model, batch_size=IMPORT_BATCH_SIZE) for model in (Partner, Address, Partner)
    )
    new_addresses: list[Address] = []
    new_people: list[Partner] = []
    for pk, row in rows:
        partner = partners[pk]
        fields = changed.apply(partner, {k: v for k, v in row.items() if k not in _IMPORT_PARTS})
        if "name" in fields:
            fields |= changed.apply(partner, partner_keys(partner.name))
        touched = bool(fields)
        if row.get("address"):
            address = addresses.get(pk)
            if address is None:
                new_addresses.append(
                    Address(partner=partner, kind=Address.Kind.INVOICE, is_default=True, **row["address"])
                )
                touched = True
            elif changed_addresses.change(address, row["address"]):
                touched = True
        if row.get("contact") and partner.kind == Partner.Kind.ORGANISATION:
            contact = row["contact"]
            person = people.get((pk, name_key(contact["name"])))
            if person is None:
                new_people.append(_import_person(partner, contact))
                touched = True
            elif changed_people.change(person, {k: contact[k] for k in ("email", "phone") if contact.get(k)}):
                touched = True
        if touched:
            changed.mark(partner, fields)
        else:
            counts["unchanged"] += 1
    changed.write()
    Address.objects.bulk_create(new_addresses, batch_size=IMPORT_BATCH_SIZE)
    changed_addresses.write()
    Partner.objects.bulk_create(new_people, batch_size=IMPORT_BATCH_SIZE)
    changed_people.write()
    search.refresh(Partner, [*(a.partner_id for a in new_addresses), *(p.pk for p in new_people)])
    counts["updated"] += len(changed)
    counts["addresses"] += len(new_addresses) + len(changed_addresses)
    counts["contacts"] += len(new_people) + len(changed_people)
