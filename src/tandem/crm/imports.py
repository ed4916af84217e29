"""What of the CRM can be imported: leads (a fair's visitor list, a bought list, an old CRM's export),
and open deals from another CRM (each row through ``crm.services.create_deal``, its customer,
salesperson, team, pipeline and stage named as people read them; a file only adds deals).

One row is one lead, written by ``crm.services.leads.create_lead`` — the one way a lead comes in
— with the source ``import`` unless the row names another. A row's external reference is kept
as the lead's source reference: importing the same file again updates those leads instead of
adding them twice. The salesperson is named by user name or e-mail; a salesperson may name only
themselves and a sales manager their team (the services' rule), and a row matched to a lead
the importing person may not see is refused.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy, gettext_noop

from tandem.core.errors import ValidationFailed
from tandem.core.importing import (
    CHOICE,
    DATE,
    DECIMAL,
    Cleaned,
    ImportContext,
    ImportField,
    ImportSpec,
    MatchKey,
    Reason,
    RowInvalid,
)
from tandem.core.messages import Message
from tandem.core.models import Company, User
from tandem.core.text import name_key
from tandem.crm import services as deal_services
from tandem.crm.models import Deal, Lead, Pipeline, SalesTeam, Stage
from tandem.crm.services import leads as services
from tandem.partners.models import Partner

IMPORT_SOURCES = tuple((value, label) for value, label in Lead.Source.choices if value != Lead.Source.WEBSITE)

FIELDS = (
    ImportField(
        "title", gettext_lazy("Title"), max_length=200,
        aliases=("lead", "subject", "topic", "название", "тема", "tytuł", "temat", "naslov", "标题", "线索"),
        help_text=gettext_lazy("Empty: the company or contact name."),
    ),
    ImportField(
        "company_name", gettext_lazy("Company name"), max_length=200,
        aliases=("company", "organisation", "organization", "компания", "организация", "firma",
                 "nazwa firmy", "podjetje", "公司", "公司名称"),
    ),
    ImportField(
        "contact_name", gettext_lazy("Contact name"), max_length=200,
        aliases=("name", "contact", "full name", "person", "контакт", "имя", "фио", "kontakt",
                 "imię i nazwisko", "ime", "ime in priimek", "联系人", "姓名"),
    ),
    ImportField(
        "email", gettext_lazy("E-mail"), max_length=254,
        aliases=("e-mail address", "email address", "mail", "почта", "электронная почта", "adres e-mail",
                 "e-pošta", "邮箱", "电子邮件"),
    ),
    ImportField(
        "phone", gettext_lazy("Phone"), max_length=40,
        aliases=("telephone", "tel", "mobile", "телефон", "telefon", "telefonska številka", "电话", "手机"),
    ),
    ImportField(
        "source", gettext_lazy("Source"), kind=CHOICE, choices=IMPORT_SOURCES,
        aliases=("channel", "origin", "источник", "źródło", "vir", "来源"),
        help_text=gettext_lazy("Empty: Import."),
    ),
    ImportField(
        "budget", gettext_lazy("Budget"), kind=DECIMAL,
        aliases=("amount", "value", "бюджет", "budżet", "proračun", "预算"),
    ),
    ImportField(
        "currency", gettext_lazy("Currency"), max_length=3,
        aliases=("валюта", "waluta", "valuta", "币种", "货币"),
    ),
    ImportField(
        "timeline", gettext_lazy("Timeline"), kind=CHOICE, choices=tuple(Lead.Timeline.choices),
        aliases=("when", "сроки", "termin", "rok", "时间"),
    ),
    ImportField(
        "need", gettext_lazy("Need"), multiline=True,
        aliases=("interest", "request", "потребность", "запрос", "potrzeba", "potreba", "需求"),
    ),
    ImportField(
        "owner", gettext_lazy("Salesperson"), max_length=254,
        aliases=("owner", "sales rep", "responsible", "ответственный", "менеджер", "handlowiec",
                 "prodajalec", "负责人", "销售"),
        help_text=gettext_lazy("User name or e-mail of a person of this company."),
    ),
    ImportField(
        "notes", gettext_lazy("Notes"), multiline=True,
        aliases=("note", "comment", "comments", "примечание", "uwagi", "opombe", "备注"),
    ),
    ImportField(
        "ref", gettext_lazy("External reference"), max_length=200,
        aliases=("reference", "external id", "id", "code", "внешний код", "kod", "šifra", "编号"),
        help_text=gettext_lazy("The same reference imported again updates its lead."),
    ),
)  # fmt: skip

LEAD_COLUMNS = (
    "title",
    "company_name",
    "contact_name",
    "email",
    "phone",
    "budget",
    "timeline",
    "need",
    "notes",
)


def _prepare(ctx: ImportContext) -> None:
    """The company's people by user name and e-mail (lower case), for the salesperson column."""
    people: dict[str, User] = {}
    for person in User.objects.filter(companies=ctx.company, is_active=True):
        people[person.username.lower()] = person
        if person.email:
            people.setdefault(person.email.lower(), person)
    ctx.cache["people"] = people


def _validate(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    fields: dict[str, Any] = {name: row[name] for name in LEAD_COLUMNS if name in row}
    errors: dict[str, list[Reason]] = {}
    if isinstance(fields.get("budget"), Decimal) and fields["budget"] < 0:
        errors["budget"] = [Message(gettext_noop("Enter a budget of zero or more."))]
    if "currency" in row:
        fields["currency"] = str(row["currency"]).strip().upper()
    owner = str(row.get("owner", "")).strip().lower()
    person = ctx.cache["people"].get(owner) if owner else None
    if owner and person is None:
        errors["owner"] = [
            Message(
                gettext_noop("No one in this company has the user name or e-mail “%(who)s”."), {"who": owner}
            )
        ]
    if person is not None:
        fields["owner"] = person
    source = row.get("source") or Lead.Source.IMPORT
    try:
        data = services.normalized_lead(ctx.company, ctx.actor, {**fields, "source": source})
    except ValidationFailed as exc:
        for name, messages in exc.stored_errors.items():
            errors.setdefault(name, list(messages))
        data = {}
    if not errors and not any(
        data.get(name) for name in ("title", "company_name", "contact_name", "email", "phone")
    ):
        errors["contact_name"] = [
            Message(gettext_noop("Give a name, a company, an e-mail or a phone to reach them by."))
        ]
    if errors:
        raise RowInvalid(errors)
    cleaned: Cleaned = {name: data[name] for name in LEAD_COLUMNS if name in data}
    cleaned["source"] = data["source"]
    cleaned["ref"] = str(row.get("ref", "")).strip()
    if data.get("currency") is not None:
        cleaned["currency"] = data["currency"].pk
    if person is not None:
        cleaned["owner"] = person.pk
    return cleaned


def _key(match_key: str, cleaned: Cleaned) -> str | None:
    if match_key == "ref":
        return f"{cleaned['source']}\x1f{cleaned['ref']}" if cleaned.get("ref") else None
    return cleaned.get("email") or None


def _existing(ctx: ImportContext, match_key: str, keys: list[str]) -> dict[str, int]:
    rows = Lead.objects.filter(company=ctx.company)
    if match_key == "ref":
        pairs = [key.split("\x1f", 1) for key in keys]
        condition = Q(pk__in=[])
        for source, ref in pairs:
            condition |= Q(source=source, source_ref=ref)
        return {
            f"{s}\x1f{r}": pk for pk, s, r in rows.filter(condition).values_list("pk", "source", "source_ref")
        }
    found: dict[str, int] = {}
    for pk, email in rows.filter(email__in=keys).order_by("-created_at", "-id").values_list("pk", "email"):
        found.setdefault(email, pk)  # the newest lead of that address
    return found


def _check(ctx: ImportContext, line: int, cleaned: Cleaned, existing: int | None) -> dict[str, list[Reason]]:
    if existing is None:
        return {}
    lead = Lead.objects.visible_to(ctx.actor).filter(pk=existing).first() if ctx.actor else None
    if ctx.actor is not None and lead is None:
        return {"row": [Message(gettext_noop("This row matches a lead you may not see."))]}
    if lead is not None and lead.state == Lead.State.CONVERTED:
        return {"row": [Message(gettext_noop("This row matches a converted lead; edit its deal instead."))]}
    return {}


def _fields(cleaned: Cleaned) -> dict[str, Any]:
    fields = {name: cleaned[name] for name in LEAD_COLUMNS if name in cleaned}
    if "owner" in cleaned:
        fields["owner"] = User.objects.get(pk=cleaned["owner"])
    if "currency" in cleaned:
        fields["currency"] = cleaned["currency"]
    return fields


@transaction.atomic
def import_leads(
    company: Company, actor: User | None, creates: list[Cleaned], updates: list[tuple[int, Cleaned]]
) -> dict[str, int]:
    """Each new row through ``create_lead``, each matched one through ``update_lead``."""
    for cleaned in creates:
        services.create_lead(
            company, actor, source=cleaned["source"], source_ref=cleaned.get("ref", ""), **_fields(cleaned)
        )
    leads = Lead.objects.filter(company=company).in_bulk([pk for pk, _row in updates])
    for pk, cleaned in updates:
        services.update_lead(leads[pk], actor, **_fields(cleaned))
    return {"created": len(creates), "updated": len(updates)}


LEADS = ImportSpec(
    key="crm.lead",
    label=gettext_lazy("Leads"),
    model="crm.Lead",
    permissions=("crm.add_lead", "crm.change_lead"),
    fields=FIELDS,
    match_keys=(
        MatchKey("ref", gettext_lazy("External reference"), ("ref", "source")),
        MatchKey("email", gettext_lazy("E-mail"), ("email",)),
    ),
    prepare=_prepare,
    validate_row=_validate,
    make_key=_key,
    find_existing=_existing,
    check_row=_check,
    write_batch=import_leads,
    list_url="crm:lead_list",
    description=gettext_lazy(
        "A visitor list from a fair, a bought list or another CRM's export: one row per lead, "
        "new in the Leads list for the salesperson it names."
    ),
)


# --- deals ------------------------------------------------------------------------------------

DEAL_FIELDS = (
    ImportField(
        "title", gettext_lazy("Deal"), required=True, max_length=200,
        aliases=("title", "deal", "name", "opportunity", "сделка", "szansa", "priložnost", "商机"),
    ),
    ImportField(
        "customer", gettext_lazy("Customer"), required=True, max_length=200,
        aliases=("client", "account", "company", "клиент", "klient", "kupec", "客户"),
        help_text=gettext_lazy("The name of a customer you can see."),
    ),
    ImportField(
        "amount", gettext_lazy("Amount"), kind=DECIMAL,
        aliases=("value", "sum", "сумма", "kwota", "znesek", "金额"),
    ),
    ImportField(
        "currency", gettext_lazy("Currency"), max_length=3, aliases=("валюта", "waluta", "valuta", "币种")
    ),
    ImportField(
        "pipeline", gettext_lazy("Pipeline"), max_length=100,
        aliases=("воронка", "lejek", "prodajni lijak", "销售管道"),
        help_text=gettext_lazy("Empty: the default pipeline."),
    ),
    ImportField(
        "stage", gettext_lazy("Stage"), max_length=100, aliases=("этап", "etap", "faza", "阶段"),
        help_text=gettext_lazy("An open stage of the pipeline; empty: its first."),
    ),
    ImportField(
        "owner", gettext_lazy("Salesperson"), max_length=254,
        aliases=("owner", "sales rep", "responsible", "ответственный", "handlowiec", "prodajalec", "负责人"),
        help_text=gettext_lazy("User name or e-mail of a person of this company."),
    ),
    ImportField(
        "team", gettext_lazy("Team"), max_length=100,
        aliases=("sales team", "команда", "zespół", "ekipa", "团队"),
        help_text=gettext_lazy("Empty: the salesperson's team, when they are in one team only."),
    ),
    ImportField(
        "expected_close", gettext_lazy("Expected close"), kind=DATE,
        aliases=("close date", "closing date", "дата закрытия", "data zamknięcia", "datum zaključka",
                 "预计成交"),
    ),
    ImportField(
        "source", gettext_lazy("Source"), kind=CHOICE, choices=tuple(Deal.Source.choices),
        aliases=("channel", "origin", "источник", "źródło", "vir", "来源"),
    ),
    ImportField(
        "notes", gettext_lazy("Notes"), multiline=True, aliases=("note", "comment", "uwagi", "opombe", "备注")
    ),
)  # fmt: skip


def _prepare_deals(ctx: ImportContext) -> None:
    """The company's people, teams, pipelines and stages by name (lower case), read once."""
    _prepare(ctx)
    ctx.cache["teams"] = {t.name.lower(): t for t in SalesTeam.objects.filter(company=ctx.company)}
    ctx.cache["pipelines"] = {p.name.lower(): p for p in Pipeline.objects.filter(company=ctx.company)}
    ctx.cache["stages"] = {
        (stage.pipeline_id, stage.name.lower()): stage for stage in Stage.objects.filter(company=ctx.company)
    }


def _named(ctx: ImportContext, row: dict[str, Any], column: str, errors: dict[str, list[Reason]]) -> Any:
    """The row's ``column`` read by name in the prepared table, or an error naming what is missing."""
    text = str(row.get(column, "") or "").strip()
    if not text:
        return None
    table = {"owner": "people", "team": "teams", "pipeline": "pipelines"}[column]
    found = ctx.cache[table].get(text.lower())
    if found is None:
        message = {
            "owner": gettext_noop("No one in this company has the user name or e-mail “%(who)s”."),
            "team": gettext_noop("No sales team is named “%(who)s”."),
            "pipeline": gettext_noop("No pipeline is named “%(who)s”."),
        }[column]
        errors[column] = [Message(message, {"who": text})]
    return found


def _validate_deal(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    """Every reference read by name, then the deal checked as ``create_deal`` checks it (the same
    rules and messages: a negative amount, a team the salesperson is not in…), nothing written."""
    errors: dict[str, list[Reason]] = {}
    owner, team = _named(ctx, row, "owner", errors), _named(ctx, row, "team", errors)
    pipeline = _named(ctx, row, "pipeline", errors)
    customer_name = str(row.get("customer", "")).strip()
    customers = list(
        Partner.objects.visible_to(ctx.actor)
        .filter(name_key=name_key(customer_name), is_customer=True, active=True)
        .order_by("id")[:2]
    )
    if len(customers) != 1:
        errors["customer"] = [
            Message(
                gettext_noop("No customer you can see is named “%(name)s”.")
                if not customers
                else gettext_noop("Several customers are named “%(name)s”: rename one, then import again."),
                {"name": customer_name},
            )
        ]
    stage = None
    stage_name = str(row.get("stage", "") or "").strip()
    if stage_name and "pipeline" not in errors:
        chosen = pipeline or Pipeline.objects.filter(company=ctx.company, is_default=True).first()
        stage = ctx.cache["stages"].get((getattr(chosen, "pk", None), stage_name.lower()))
        if stage is None:
            errors["stage"] = [
                Message(gettext_noop("The pipeline has no stage “%(who)s”."), {"who": stage_name})
            ]
    fields: dict[str, Any] = {
        "title": row["title"],
        "amount": row.get("amount"),
        "currency": str(row.get("currency", "") or "").strip().upper() or None,
        "expected_close": row.get("expected_close"),
        "source": row.get("source") or "",
        "notes": row.get("notes") or "",
    }
    if not errors:
        try:
            deal_services.check_new_deal(
                ctx.company, ctx.actor, **fields, partner=customers[0], owner=owner, team=team
            )
        except ValidationFailed as exc:
            for name, messages in exc.stored_errors.items():
                errors.setdefault("customer" if name == "partner" else name, list(messages))
        if stage is not None and not stage.is_open:
            errors["stage"] = [Message(gettext_noop("A new deal starts in an open stage."))]
    if errors:
        raise RowInvalid(errors)
    return {
        **fields,
        "amount": str(fields["amount"]) if fields["amount"] is not None else None,
        "expected_close": fields["expected_close"].isoformat() if fields["expected_close"] else None,
        "partner": customers[0].pk,
        "owner": owner.pk if owner is not None else None,
        "team": team.pk if team is not None else None,
        "pipeline": pipeline.pk if pipeline is not None else None,
        "stage": stage.pk if stage is not None else None,
    }


@transaction.atomic
def import_deals(
    company: Company, actor: User | None, creates: list[Cleaned], updates: list[tuple[int, Cleaned]]
) -> dict[str, int]:
    """Each row through ``create_deal`` (a file adds deals; none is matched to update)."""
    for cleaned in creates:
        fields = {name: cleaned[name] for name in ("title", "amount", "source", "notes") if cleaned.get(name)}
        if cleaned.get("currency"):
            fields["currency"] = cleaned["currency"]
        if cleaned.get("expected_close"):
            fields["expected_close"] = date.fromisoformat(cleaned["expected_close"])
        related = {"partner": Partner, "owner": User, "team": SalesTeam, "pipeline": Pipeline, "stage": Stage}
        for name, model in related.items():
            if cleaned.get(name) is not None:
                fields[name] = model.objects.get(pk=cleaned[name])  # type: ignore[attr-defined]
        deal_services.create_deal(company, actor, **fields)
    return {"created": len(creates), "updated": 0}


DEALS = ImportSpec(
    key="crm.deal",
    label=gettext_lazy("Deals"),
    model="crm.Deal",
    permissions=("crm.add_deal",),
    fields=DEAL_FIELDS,
    match_keys=(MatchKey("none", gettext_lazy("Always add"), ("title",)),),
    prepare=_prepare_deals,
    validate_row=_validate_deal,
    find_existing=lambda ctx, match_key, keys: {},
    make_key=lambda match_key, cleaned: None,
    write_batch=import_deals,
    list_url="crm:deal_list",
    description=gettext_lazy(
        "Open deals from another CRM: one row per deal, for the customer, salesperson and team it names."
    ),
)

SPECS = [LEADS, DEALS]
