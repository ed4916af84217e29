"""What of partners can be imported: organisations and people, with a contact person and an address.

One row is one partner. ``contact_name``/``contact_email``/``contact_phone`` add a person to
the organisation (or update the person of that name); ``address`` is a free-text address that
goes through :func:`tandem.partners.addresses.compose_address`, and the structured columns
(street, house, postal code, city, region) win over what the parser found. Rows are matched
to existing partners by the external reference, the tax ID or the e-mail; new rows are checked
against the company's partners (and the rows above them) with the rules of
:mod:`tandem.partners.duplicates`, from indexes built once per import instead of a query per row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy, gettext_noop
from rapidfuzz import fuzz, process

from tandem.core import countries
from tandem.core.errors import ValidationFailed
from tandem.core.identifiers import InvalidIdentifier, normalize_email, normalize_phone
from tandem.core.importing import (
    BOOL,
    CHOICE,
    Cleaned,
    DuplicateHint,
    ImportContext,
    ImportField,
    ImportSpec,
    MatchKey,
    Reason,
    RowInvalid,
)
from tandem.core.messages import Message
from tandem.partners import services
from tandem.partners.addresses import compose_address
from tandem.partners.duplicates import CANDIDATE_LIMIT, NAME_SIMILARITY
from tandem.partners.models import Partner
from tandem.partners.names import partner_keys

PARTNER_FIELDS = (
    "name", "kind", "ref", "email", "phone", "mobile", "website", "tax_id", "registry_id",
    "country", "language", "is_customer", "is_supplier", "job_title", "notes",
)  # fmt: skip
ADDRESS_COLUMNS = ("street", "house", "unit", "postal_code", "city", "region")
CONTACT_COLUMNS = {"contact_name": "name", "contact_email": "email", "contact_phone": "phone"}
QUERY_CHUNK = 500

FIELDS = (
    ImportField(
        "name", gettext_lazy("Name"), required=True, max_length=200,
        aliases=(
            "company", "company name", "partner", "partner name", "customer", "customer name", "organisation",
            "organization", "full name", "название", "наименование", "имя", "компания", "организация",
            "контрагент", "клиент", "nazwa", "nazwa firmy", "firma", "kontrahent", "klient", "naziv",
            "ime", "podjetje", "stranka", "poslovni partner", "名称", "公司名称", "客户名称", "公司", "名字",
            "姓名", "客户",
        ),
    ),
    ImportField(
        "kind", gettext_lazy("Kind"), kind=CHOICE, choices=tuple(Partner.Kind.choices),
        aliases=("type", "partner type", "вид", "тип", "rodzaj", "typ", "vrsta", "tip", "类型", "种类"),
    ),
    ImportField(
        "ref", gettext_lazy("External reference"), max_length=64,
        aliases=(
            "reference", "ref", "external id", "id", "code", "customer number", "customer no",
            "account number",
            "внешний код", "код", "номер клиента", "идентификатор", "kod", "numer klienta", "identyfikator",
            "numer", "šifra", "oznaka", "sklic", "šifra partnerja", "编号", "客户编号", "外部编号", "代码",
        ),
    ),
    ImportField(
        "email", gettext_lazy("E-mail"), max_length=254,
        aliases=(
            "email", "e-mail address", "email address", "mail", "электронная почта", "эл почта", "почта",
            "емейл", "адрес электронной почты", "adres e-mail", "adres email", "poczta", "e-pošta", "e-posta",
            "elektronska pošta", "epošta", "邮箱", "电子邮件", "电子邮箱", "邮件",
        ),
    ),
    ImportField(
        "phone", gettext_lazy("Phone"), max_length=40,
        aliases=(
            "telephone", "tel", "phone number", "телефон", "тел", "номер телефона", "telefon", "nr telefonu",
            "numer telefonu", "telefonska številka", "电话", "联系电话", "座机", "电话号码",
        ),
    ),
    ImportField(
        "mobile", gettext_lazy("Mobile"), max_length=40,
        aliases=(
            "mobile phone", "cell", "cell phone", "мобильный", "мобильный телефон", "сотовый",
            "telefon komórkowy",
            "komórka", "tel kom", "mobilni telefon", "mobitel", "gsm", "手机", "移动电话", "手机号",
        ),
    ),
    ImportField(
        "website", gettext_lazy("Website"), max_length=200,
        aliases=("web", "www", "url", "site", "сайт", "веб-сайт", "strona www", "strona", "witryna",
                 "spletna stran", "splet", "网站", "网址", "主页"),
    ),
    ImportField(
        "tax_id", gettext_lazy("Tax ID"), max_length=32,
        aliases=(
            "vat", "vat id", "vat number", "vat no", "tin", "tax number", "инн", "налоговый номер", "nip",
            "numer nip", "davčna številka", "ddv", "id za ddv", "davčna", "税号", "纳税人识别号",
            "统一社会信用代码", "税务登记号",
        ),
    ),
    ImportField(
        "registry_id", gettext_lazy("Company ID"), max_length=32,
        aliases=("registration number", "registry id", "company number", "огрн", "регистрационный номер",
                 "regon", "matična številka", "maticna stevilka", "注册号", "工商注册号"),
    ),
    ImportField(
        "country", gettext_lazy("Country"),
        aliases=("country code", "страна", "kraj", "država", "drzava", "国家", "国家/地区"),
    ),
    ImportField(
        "language", gettext_lazy("Language"), kind=CHOICE, choices=tuple(settings.LANGUAGES),
        aliases=("язык", "język", "jezik", "语言"),
    ),
    ImportField(
        "is_customer", gettext_lazy("Customer"), kind=BOOL,
        aliases=("is customer", "покупатель", "odbiorca", "kupec", "是否客户"),
    ),
    ImportField(
        "is_supplier", gettext_lazy("Supplier"), kind=BOOL,
        aliases=("is supplier", "vendor", "поставщик", "dostawca", "dobavitelj", "供应商"),
    ),
    ImportField(
        "job_title", gettext_lazy("Job title"), max_length=100,
        aliases=("position", "title", "должность", "stanowisko", "delovno mesto", "funkcija", "职位", "职务"),
    ),
    ImportField(
        "notes", gettext_lazy("Notes"), multiline=True,
        aliases=("note", "comment", "comments", "примечание", "комментарий", "uwagi", "notatki",
                 "opombe", "komentar", "备注", "说明"),
    ),
    ImportField(
        "address", gettext_lazy("Address (one line)"), max_length=500,
        aliases=("full address", "postal address", "адрес", "юридический адрес", "adres", "naslov",
                 "地址", "详细地址", "通讯地址"),
    ),
    ImportField(
        "street", gettext_lazy("Street"), max_length=200,
        aliases=("street address", "address line 1", "улица", "ulica", "ulica in hišna številka", "街道",
        "路"),
    ),
    ImportField(
        "house", gettext_lazy("House"), max_length=32,
        aliases=("house number", "building", "дом", "номер дома", "nr domu", "numer domu", "hišna številka",
                 "门牌号", "号"),
    ),
    ImportField(
        "unit", gettext_lazy("Flat / suite"), max_length=32,
        aliases=("flat", "apartment", "suite", "квартира", "офис", "lokal", "nr lokalu", "stanovanje", "室"),
    ),
    ImportField(
        "postal_code", gettext_lazy("Postal code"), max_length=16,
        aliases=("zip", "zip code", "postcode", "post code", "индекс", "почтовый индекс", "kod pocztowy",
                 "poštna številka", "postna stevilka", "邮编", "邮政编码"),
    ),
    ImportField(
        "city", gettext_lazy("City"), max_length=100,
        aliases=("town", "place", "город", "населенный пункт", "miasto", "miejscowość", "mesto",
        "kraj bivanja",
                 "城市", "市"),
    ),
    ImportField(
        "region", gettext_lazy("Region"), max_length=100,
        aliases=("state", "province", "county", "регион", "область", "województwo", "regija", "pokrajina",
                 "省", "省份", "地区"),
    ),
    ImportField(
        "contact_name", gettext_lazy("Contact person"), max_length=200,
        aliases=("contact", "contact name", "контактное лицо", "контакт", "osoba kontaktowa", "kontakt",
                 "kontaktna oseba", "联系人", "联系人姓名"),
    ),
    ImportField(
        "contact_email", gettext_lazy("Contact e-mail"), max_length=254,
        aliases=("contact email", "e-mail контактного лица", "почта контакта", "email osoby kontaktowej",
                 "e-mail kontaktu", "e-pošta kontaktne osebe", "联系人邮箱", "联系人电子邮件"),
    ),
    ImportField(
        "contact_phone", gettext_lazy("Contact phone"), max_length=40,
        aliases=("contact telephone", "телефон контактного лица", "телефон контакта",
        "telefon osoby kontaktowej",
                 "telefon kontaktu", "telefon kontaktne osebe", "联系人电话", "联系电话2"),
    ),
)  # fmt: skip


# --- validation ------------------------------------------------------------------------


def _prepare(ctx: ImportContext) -> None:
    company = ctx.company
    rows = Partner.objects.filter(company=company)
    ctx.cache["refs"] = dict(rows.exclude(ref="").values_list("ref", "pk"))
    index = _DuplicateIndex()
    for pk, name, tax_id, email, phone, stored_name_key, match_key in rows.filter(active=True).values_list(
        "pk", "name", "tax_id", "email", "phone", "name_key", "match_key"
    ):
        index.add(name, tax_id, email, phone, _NameKeys(stored_name_key, match_key), pk=pk)
    ctx.cache["duplicates"] = index
    ctx.cache["seen_refs"] = {}
    ctx.cache["editable"] = set()
    ctx.cache["ambiguous"] = set()


def _validate(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    company = ctx.company
    data = {name: row[name] for name in PARTNER_FIELDS if name in row}
    if "country" in data:
        code = countries.code_for_name(str(data["country"]))
        if code is None:
            errors["country"] = [
                Message(gettext_noop("“%(value)s” is not a country we know."), {"value": data["country"]})
            ]
            del data["country"]
        else:
            data["country"] = code
    address = _address(row, data.get("country") or company.country, errors)
    if address and not data.get("country") and address.get("country"):
        data["country"] = address["country"]
    if data.get("website"):
        data["website"] = _website(str(data["website"]), errors)
    try:
        data = services.normalized(company, data)
    except ValidationFailed as exc:
        errors.update(exc.stored_errors)
    contact = _contact(row, data.get("country") or company.country, errors)
    if contact and data.get("kind") == Partner.Kind.PERSON:
        errors["contact_name"] = [
            Message(gettext_noop("A person has no contact person; import people as their own rows."))
        ]
    if errors:
        raise RowInvalid(errors)
    data.update(partner_keys(data["name"]))  # once, for the duplicate index and the writer
    if address:
        data["address"] = address
    if contact:
        data["contact"] = contact
    return data


_PLAIN_URL = re.compile(r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?:/[^\s]*)?", re.I)
_url_validator = URLValidator()


def _website(value: str, errors: dict[str, list[Reason]]) -> str:
    url = value if "://" in value else f"https://{value}"
    if _PLAIN_URL.fullmatch(url):  # the usual shape, without the full validator's cost
        return url
    try:
        _url_validator(url)
    except DjangoValidationError:
        errors["website"] = [Message(gettext_noop("“%(value)s” is not a web address."), {"value": value})]
    return url


def _address(row: dict[str, Any], country: str, errors: dict[str, list[Reason]]) -> dict[str, Any] | None:
    typed = {name: str(row[name]) for name in ADDRESS_COLUMNS if row.get(name)}
    text = str(row.get("address", "")).strip()
    if not text and not typed:
        return None
    fields = compose_address(text, typed, country)
    if not any(fields.get(name) for name in ("street", "city", "postal_code")):
        errors["address"] = [
            Message(gettext_noop("An address needs at least a street, a city or a postal code."))
        ]
        return None
    for name, limit in (("street", 200), ("house", 32), ("unit", 32), ("postal_code", 16), ("city", 100)):
        if len(fields.get(name, "")) > limit:
            errors["address"] = [
                Message(gettext_noop("The address has a part longer than the field allows."))
            ]
    return fields


def _contact(row: dict[str, Any], country: str, errors: dict[str, list[Reason]]) -> dict[str, str] | None:
    given = {
        target: str(row[column]).strip() for column, target in CONTACT_COLUMNS.items() if row.get(column)
    }
    if not given:
        return None
    if not given.get("name"):
        errors["contact_name"] = [Message(gettext_noop("A contact person needs a name."))]
        return None
    if given.get("email"):
        try:
            given["email"] = normalize_email(given["email"]).lower()
        except InvalidIdentifier as exc:
            errors["contact_email"] = [exc.stored]
    if given.get("phone"):
        try:
            given["phone"] = normalize_phone(given["phone"], country)
        except InvalidIdentifier as exc:
            errors["contact_phone"] = [exc.stored]
    return given


# --- matching --------------------------------------------------------------------------


def _find_existing(ctx: ImportContext, match_key: str, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    rows = Partner.objects.filter(company=ctx.company)
    if match_key != "ref":
        rows = rows.filter(active=True)
    for start in range(0, len(keys), QUERY_CHUNK):
        chunk = keys[start : start + QUERY_CHUNK]
        for value, pk in (
            rows.filter(**{f"{match_key}__in": chunk}).order_by("pk").values_list(match_key, "pk")
        ):
            if value in found and found[value] != pk:
                ctx.cache["ambiguous"].add(value)
            found.setdefault(value, pk)
    ctx.cache["editable"].update(_editable(ctx, list(found.values())))
    return found


def _editable(ctx: ImportContext, pks: list[int]) -> set[int]:
    """The matched partners the importing user may see, hence change (their record rules)."""
    if not pks:
        return set()
    visible = Partner.objects.visible_to(ctx.actor)
    result: set[int] = set()
    for start in range(0, len(pks), QUERY_CHUNK):
        result.update(visible.filter(pk__in=pks[start : start + QUERY_CHUNK]).values_list("pk", flat=True))
    return result


def _check(ctx: ImportContext, line: int, cleaned: Cleaned, existing: int | None) -> dict[str, list[Reason]]:
    errors: dict[str, list[Reason]] = {}
    key_field = ctx.match_key
    if existing is not None:
        if cleaned.get(key_field) in ctx.cache["ambiguous"]:
            errors[key_field] = [
                Message(gettext_noop("Several partners have this value; it cannot tell which one to update."))
            ]
        if existing not in ctx.cache["editable"]:
            errors[key_field] = [
                Message(gettext_noop("This matches a partner you are not allowed to change."))
            ]
    ref = cleaned.get("ref")
    if ref and not errors:
        owner = ctx.cache["refs"].get(ref)
        if owner is not None and owner != existing:
            errors["ref"] = [Message(gettext_noop("Another partner already has this external reference."))]
        elif ref in ctx.cache["seen_refs"] and ctx.cache["seen_refs"][ref] != line:
            errors["ref"] = [
                Message(
                    gettext_noop("Row %(line)s has the same external reference."),
                    {"line": ctx.cache["seen_refs"][ref]},
                )
            ]
        else:
            ctx.cache["seen_refs"][ref] = line
    return errors


class _DuplicateIndex:
    """The rules of ``partners.duplicates.find_duplicates`` over in-memory indexes.

    Exact tax ID, e-mail and phone, and names whose distinctive part is at least
    ``NAME_SIMILARITY`` alike among (at most ``CANDIDATE_LIMIT``) candidates sharing a
    three-letter prefix of the name or of its distinctive part. Candidates are kept with
    their words sorted, so that ``fuzz.ratio`` gives ``fuzz.token_sort_ratio`` without
    sorting every candidate again for every row (five times faster on a big file).
    """

    def __init__(self) -> None:
        self.exact: dict[tuple[str, str], list[tuple[int | None, int | None, str]]] = defaultdict(list)
        self.prefix: dict[str, tuple[list[tuple[int | None, int | None, str]], list[str]]] = {}
        self.reasons = (
            ("tax_id", "tax_id"),
            ("email", "email"),
            ("phone", "phone"),
        )  # codes, shown translated
        self.similar = "name"

    def add(
        self, name: str, tax_id: str, email: str, phone: str, keys: _NameKeys, *, pk: int | None = None,
        line: int | None = None,
    ) -> None:  # fmt: skip
        for kind, value in (("tax_id", tax_id), ("email", email), ("phone", phone)):
            if value:
                self.exact[(kind, value)].append((pk, line, name))
        for prefix in keys.prefixes:
            who, candidates = self.prefix.setdefault(prefix, ([], []))
            if len(candidates) < CANDIDATE_LIMIT:
                who.append((pk, line, name))
                candidates.append(keys.sorted_words)

    def matches(self, cleaned: Cleaned, keys: _NameKeys) -> list[DuplicateHint]:
        found: dict[tuple[int | None, int | None], tuple[str, list[str]]] = {}
        for kind, reason in self.reasons:
            value = cleaned.get(kind)
            if value:
                for pk, line, name in self.exact.get((kind, value), ())[:5]:
                    found.setdefault((pk, line), (name, []))[1].append(reason)
        if len(keys.core) >= 3:
            for prefix in keys.prefixes:
                who, candidates = self.prefix.get(prefix, ((), ()))
                if not candidates:
                    continue
                for _choice, _score, position in process.extract(
                    keys.sorted_words, candidates, scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY, limit=5
                ):
                    pk, line, name = who[position]
                    reasons = found.setdefault((pk, line), (name, []))[1]
                    if self.similar not in reasons:
                        reasons.append(self.similar)
        return [
            DuplicateHint(
                name=name, reasons=tuple(why), pk=pk, line=line,
                url=reverse("partners:detail", args=[pk]) if pk is not None else "",
            )
            for (pk, line), (name, why) in list(found.items())[:5]
        ]  # fmt: skip


class _NameKeys:
    """A name's keys for the duplicate index, worked out once per name."""

    __slots__ = ("core", "prefixes", "sorted_words")

    def __init__(self, name_key: str, core: str) -> None:
        self.core = core
        self.sorted_words = " ".join(sorted(core.split()))
        self.prefixes = {p for p in (core[:3], name_key[:3]) if len(p) == 3}


def _find_duplicates(
    ctx: ImportContext, rows: Sequence[tuple[int, Cleaned]]
) -> dict[int, list[DuplicateHint]]:
    index: _DuplicateIndex = ctx.cache["duplicates"]
    result: dict[int, list[DuplicateHint]] = {}
    for line, cleaned in rows:
        keys = _NameKeys(cleaned["name_key"], cleaned["match_key"])
        hints = index.matches(cleaned, keys)
        if hints:
            result[line] = hints
        index.add(
            cleaned["name"], cleaned.get("tax_id", ""), cleaned.get("email", ""), cleaned.get("phone", ""),
            keys, line=line,
        )  # fmt: skip
    return _only_visible(ctx, result)


def _only_visible(
    ctx: ImportContext, found: dict[int, list[DuplicateHint]]
) -> dict[int, list[DuplicateHint]]:
    """The hints with the partners the importing person may not open replaced by one that
    says only that such a partner exists (as the duplicate check of a single partner does)."""
    ids = [hint.pk for hints in found.values() for hint in hints if hint.pk is not None]
    shown = services.visible_ids(ctx.actor, ids) if ids else set()
    result: dict[int, list[DuplicateHint]] = {}
    for line, hints in found.items():
        kept = [hint for hint in hints if hint.pk is None or hint.pk in shown]
        if len(kept) < len(hints):
            kept.append(DuplicateHint(name="", reasons=(), hidden=True))
        result[line] = kept
    return result


PARTNERS = ImportSpec(
    key="partners.partner",
    label=gettext_lazy("Partners"),
    model="partners.Partner",
    permissions=("partners.add_partner", "partners.change_partner", "partners.add_address"),
    fields=FIELDS,
    match_keys=(
        MatchKey("ref", gettext_lazy("External reference"), ("ref",)),
        MatchKey("tax_id", gettext_lazy("Tax ID"), ("tax_id",)),
        MatchKey("email", gettext_lazy("E-mail"), ("email",)),
    ),
    prepare=_prepare,
    validate_row=_validate,
    find_existing=_find_existing,
    check_row=_check,
    find_duplicates=_find_duplicates,
    write_batch=services.import_partners,
    pure_validation=True,  # _validate reads the row and the company's country only
    list_url="partners:list",
    description=gettext_lazy(
        "Organisations and people, with a contact person and an address per row. "
        "Rows that match an existing partner update it."
    ),
)

SPECS = [PARTNERS]
