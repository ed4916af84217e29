"""Every write of the CRM: pipelines and stages, deals (move, win, lose, reopen), activities,
reminders. Each runs in one transaction, validates first (a clear error, nothing written) and
records its event; deals and activities name their partner, so they join its timeline."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.catalog.models import Product
from tandem.core import events, states
from tandem.core.errors import BusinessError, IllegalTransition, StaleVersion, ValidationFailed
from tandem.core.messages import Message
from tandem.core.models import Company, Currency, User
from tandem.core.money import plain, read_decimal
from tandem.core.notifications.services import notify, register_kind
from tandem.core.versioning import update_versioned
from tandem.crm.models import (
    QTY_DIGITS,
    QTY_PLACES,
    Activity,
    Deal,
    DealProduct,
    DealStageEntry,
    LostReason,
    Pipeline,
    SalesTeam,
    Stage,
)
from tandem.crm.models.rules import may_act_for, sees_all
from tandem.partners.models import Partner

Errors = dict[str, list[str]]

DEAL_FIELDS = [
    "title", "partner", "contact", "owner", "team", "amount", "currency", "probability", "expected_close",
    "source", "notes",
]  # fmt: skip
ACTIVITY_FIELDS = ["kind", "subject", "assignee", "due_at", "duration", "outcome", "notes"]
STAGE_FIELDS = ["name", "sequence", "probability", "is_won", "is_lost", "stall_days"]

REMINDER_KIND = "crm.reminder"
register_kind(
    REMINDER_KIND,
    gettext_noop("Sales reminders: overdue activities, stalled deals and deals past their close date"),
)

# The pipeline a company starts with (on first use), as a sales team expects one.
DEFAULT_STAGES: Sequence[Mapping[str, Any]] = (
    {"name": gettext_noop("New"), "probability": 10, "stall_days": 7},
    {"name": gettext_noop("Qualified"), "probability": 25, "stall_days": 10},
    {"name": gettext_noop("Proposal"), "probability": 50, "stall_days": 14},
    {"name": gettext_noop("Negotiation"), "probability": 75, "stall_days": 14},
    {"name": gettext_noop("Won"), "probability": 100, "is_won": True},
    {"name": gettext_noop("Lost"), "probability": 0, "is_lost": True},
)
DEFAULT_LOST_REASONS = (
    gettext_noop("Price too high"),
    gettext_noop("Went with a competitor"),
    gettext_noop("No budget"),
    gettext_noop("No decision"),
    gettext_noop("Bad timing"),
)


# --- helpers --------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, float | bool):
        return None  # money never passes through a float
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _percent(data: dict[str, Any], name: str, errors: Errors, *, optional: bool) -> None:
    if name not in data:
        return
    if data[name] in (None, "") and optional:
        data[name] = None
        return
    value = _decimal(data[name])
    if value is None or not Decimal(0) <= value <= Decimal(100):
        errors[name] = [_("Enter a probability from 0 to 100.")]
    else:
        data[name] = value.quantize(Decimal("0.01"))


def _same_company(company: Company, data: Mapping[str, Any], names: Sequence[str], errors: Errors) -> None:
    for name in names:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, User):
            allowed = value.is_superuser or value.companies.filter(pk=company.pk).exists()
        else:
            allowed = getattr(value, "company_id", None) == company.pk
        if not allowed:
            errors[name] = [_("This choice belongs to another company.")]


def _unknown(fields: Mapping[str, Any], allowed: Sequence[str], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise BusinessError(
            _("Unknown %(what)s fields: %(fields)s") % {"what": what, "fields": ", ".join(sorted(unknown))}
        )


def _may_see_partner(actor: User | None, partner: Partner) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return True  # the system (demo, jobs) acts for everyone
    return Partner.objects.visible_to(actor).filter(pk=partner.pk).exists()


def _lock(model: type[Any], obj: Any, expected_version: int | None) -> Any:
    locked = model._base_manager.select_for_update().get(pk=obj.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(_("Someone else changed this record meanwhile. Reload it and try again."))
    return locked


# --- pipelines and stages -------------------------------------------------------------------


@transaction.atomic
def ensure_setup(company: Company, actor: User | None = None) -> Pipeline:
    """The company's default pipeline, made on first use with the usual stages and lost reasons
    (as accounting installs a chart per company, but without asking: a CRM opens ready)."""
    existing = Pipeline.objects.filter(company=company, is_default=True).first()
    if existing is not None:
        return existing
    Company.objects.select_for_update().filter(pk=company.pk).first()  # one set-up at a time
    existing = Pipeline.objects.filter(company=company, is_default=True).first()
    if existing is not None:
        return existing
    if not LostReason.objects.filter(company=company).exists():
        LostReason.objects.bulk_create(
            LostReason(company=company, name=_(name)) for name in DEFAULT_LOST_REASONS
        )
    name = _("Sales")
    if Pipeline.objects.filter(company=company, name=name).exists():
        name = _("Sales (default)")
    return create_pipeline(company, actor, name=name, is_default=True, stages=DEFAULT_STAGES)


@transaction.atomic
def create_pipeline(
    company: Company,
    actor: User | None,
    *,
    name: str,
    is_default: bool = False,
    active: bool = True,
    stages: Sequence[Mapping[str, Any]] | None = None,
) -> Pipeline:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": [_("This field is required.")]})
    if Pipeline.objects.filter(company=company, name=name).exists():
        raise ValidationFailed({"name": [_("A pipeline with this name already exists.")]})
    if is_default:
        Pipeline.objects.filter(company=company, is_default=True).update(is_default=False)
    pipeline = Pipeline.objects.create(company=company, name=name, is_default=is_default, active=active)
    events.record("pipeline.created", pipeline, actor, {"name": name})
    for sequence, stage in enumerate(stages or (), start=1):
        fields = {"sequence": sequence * 10, **stage}
        fields["name"] = _(str(fields["name"]))
        add_stage(pipeline, actor, **fields)
    return pipeline


@transaction.atomic
def update_pipeline(
    pipeline: Pipeline, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Pipeline:
    _unknown(fields, ["name", "active", "is_default"], _("pipeline"))
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationFailed({"name": [_("This field is required.")]})
        others = Pipeline.objects.filter(company=pipeline.company_id, name=fields["name"]).exclude(
            pk=pipeline.pk
        )
        if others.exists():
            raise ValidationFailed({"name": [_("A pipeline with this name already exists.")]})
    if fields.get("is_default"):
        Pipeline.objects.filter(company=pipeline.company_id, is_default=True).exclude(pk=pipeline.pk).update(
            is_default=False
        )
    elif "is_default" in fields and pipeline.is_default:
        fields.pop("is_default")  # one pipeline stays the default: make another the default instead
    return update_versioned(
        pipeline, actor, fields, expected_version=expected_version, event="pipeline.updated"
    )


def _normalized_stage(
    pipeline: Pipeline, fields: Mapping[str, Any], exclude_id: int | None
) -> dict[str, Any]:
    _unknown(fields, STAGE_FIELDS, _("stage"))
    data: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: Errors = {}
    if "name" in data:
        if not data["name"]:
            errors["name"] = [_("This field is required.")]
        elif Stage.objects.filter(pipeline=pipeline, name=data["name"]).exclude(pk=exclude_id).exists():
            errors["name"] = [_("This pipeline already has a stage with this name.")]
    _percent(data, "probability", errors, optional=False)
    if data.get("is_won") and data.get("is_lost"):
        errors["is_lost"] = [_("A stage is either the won or the lost end, not both.")]
    for flag in ("is_won", "is_lost"):
        if (
            data.get(flag)
            and Stage.objects.filter(pipeline=pipeline, **{flag: True}).exclude(pk=exclude_id).exists()
        ):
            errors[flag] = [_("This pipeline already has such a stage.")]
    if errors:
        raise ValidationFailed(errors)
    return data


@transaction.atomic
def add_stage(pipeline: Pipeline, actor: User | None, **fields: Any) -> Stage:
    data = _normalized_stage(pipeline, fields, exclude_id=None)
    if not data.get("name"):
        raise ValidationFailed({"name": [_("This field is required.")]})
    if "sequence" not in data or data["sequence"] is None:
        last = pipeline.stages.order_by("-sequence").values_list("sequence", flat=True).first()
        data["sequence"] = (last or 0) + 10
    stage = Stage.objects.create(company_id=pipeline.company_id, pipeline=pipeline, **data)
    events.record(
        "pipeline.stage_added", pipeline, actor,
        {"stage": stage.name, "probability": str(stage.probability)},
    )  # fmt: skip
    events.record("stage.created", stage, actor, {"name": stage.name, "pipeline": pipeline.name})
    return stage


@transaction.atomic
def update_stage(
    stage: Stage, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Stage:
    data = _normalized_stage(stage.pipeline, fields, exclude_id=stage.pk)
    for flag in ("is_won", "is_lost"):
        if (
            flag in data
            and bool(data[flag]) != getattr(stage, flag)
            and stage.deals.exclude(state="open").exists()
        ):
            raise ValidationFailed({flag: [_("Closed deals sit in this stage: it stays as it is.")]})
    return update_versioned(stage, actor, data, expected_version=expected_version, event="stage.updated")


@transaction.atomic
def create_lost_reason(company: Company, actor: User | None, *, name: str) -> LostReason:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": [_("This field is required.")]})
    if len(name) > 100:
        raise ValidationFailed({"name": [_("Keep this under %(limit)s characters.") % {"limit": 100}]})
    if LostReason.objects.filter(company=company, name=name).exists():
        raise ValidationFailed({"name": [_("This lost reason already exists.")]})
    reason = LostReason.objects.create(company=company, name=name)
    events.record("lostreason.created", reason, actor, {"name": name})
    return reason


@transaction.atomic
def update_lost_reason(
    reason: LostReason, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> LostReason:
    """Rename a lost reason or take it off the list (``active``); deals keep the one they name."""
    _unknown(fields, ["name", "active"], _("lost reason"))
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationFailed({"name": [_("This field is required.")]})
        if len(fields["name"]) > 100:
            raise ValidationFailed({"name": [_("Keep this under %(limit)s characters.") % {"limit": 100}]})
        others = LostReason.objects.filter(company=reason.company_id, name=fields["name"]).exclude(
            pk=reason.pk
        )
        if others.exists():
            raise ValidationFailed({"name": [_("This lost reason already exists.")]})
    if "active" in fields:
        fields["active"] = bool(fields["active"])
    return update_versioned(
        reason, actor, fields, expected_version=expected_version, event="lostreason.updated"
    )


# --- deals ----------------------------------------------------------------------------------


def _normalized_deal(company: Company, actor: User | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    _unknown(fields, [*DEAL_FIELDS, "pipeline", "stage"], _("deal"))
    data: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: Errors = {}
    if "title" in data and not data["title"]:
        errors["title"] = [_("A deal needs a title.")]
    if "amount" in data:
        amount = _decimal(data["amount"] if data["amount"] is not None else 0)
        if amount is None or amount < 0:
            errors["amount"] = [_("Enter an amount of zero or more.")]
        elif amount >= Decimal(10) ** 16:
            errors["amount"] = [_("This amount is too large.")]
        else:
            data["amount"] = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    _percent(data, "probability", errors, optional=True)
    _same_company(company, data, ["partner", "contact", "owner", "team", "pipeline", "stage"], errors)
    partner, contact = data.get("partner"), data.get("contact")
    if partner is not None and "partner" not in errors and not _may_see_partner(actor, partner):
        errors["partner"] = [_("You cannot see this customer.")]
    if contact is not None and "contact" not in errors:
        organisation = partner.pk if partner is not None else None
        if contact.kind != Partner.Kind.PERSON or (
            organisation and contact.organisation_id not in (organisation, None)
        ):
            errors["contact"] = [_("Choose a person of this customer.")]
    if "currency" in data and data["currency"] is not None and not isinstance(data["currency"], Currency):
        found = Currency.objects.filter(pk=str(data["currency"]).upper()).first()
        if found is None:
            errors["currency"] = [_("Unknown currency.")]
        data["currency"] = found
    if "source" in data and data["source"] and data["source"] not in Deal.Source.values:
        errors["source"] = [_("Choose one of the sources.")]
    if data.get("source") is None and "source" in data:
        data["source"] = ""
    owner = data.get("owner")
    if owner is not None and "owner" not in errors and not may_act_for(actor, owner, company):
        errors["owner"] = [_("You can only assign deals to yourself or to the teams you lead.")]
    if errors:
        raise ValidationFailed(errors)
    return data


def _teams_of(person: User | None, company: Company) -> QuerySet[SalesTeam]:
    """The company's sales teams ``person`` is in or leads."""
    if person is None:
        return SalesTeam.objects.none()
    return SalesTeam.objects.filter(Q(members=person) | Q(leader=person), company=company).distinct()


def owner_team(company: Company, owner: User | None) -> SalesTeam | None:
    """The team a deal of ``owner`` counts for unless one is chosen: the one team of the company
    the owner is in or leads; None when they are in none, or in several (a choice to make)."""
    found = list(_teams_of(owner, company).order_by("pk")[:2])
    return found[0] if len(found) == 1 else None


def _deal_team(
    company: Company, actor: User | None, data: dict[str, Any], owner: User | None, current: Deal | None
) -> None:
    """``data["team"]`` settled by the one rule of a deal's team (``Deal.team``'s help): a new deal without
    one counts for its owner's one team; emptying the team of a deal takes it out of every team
    (the sales director's or the team leader's call); a deal whose owner changes to someone outside
    its team, or that has no team, takes the new owner's one team; a team chosen must be one of the
    owner's, or one the actor leads — the sales director may choose any. A clear error on ``team``,
    nothing written."""
    before = current.team if current is not None else None
    owner_changed = current is not None and "owner" in data and data["owner"] != current.owner
    if before is not None and "team" in data and data["team"] is None:
        if actor is not None and not sees_all(actor) and before.leader_id != actor.pk:
            raise ValidationFailed(
                {"team": [_("Only the sales director or the team's leader can take a deal out of its team.")]}
            )
        return  # cleared: the deal counts for no team until one is chosen
    team = data.get("team", before)
    if team is None or (
        owner_changed and team == before and not _teams_of(owner, company).filter(pk=team.pk).exists()
    ):
        if current is None or owner_changed:
            data["team"] = owner_team(company, owner)
        return
    if team == before or actor is None or sees_all(actor):
        return
    theirs = Q(leader=actor) if owner is None else Q(members=owner) | Q(leader=owner) | Q(leader=actor)
    if not SalesTeam.objects.filter(theirs, pk=team.pk, company=company).exists():
        raise ValidationFailed({"team": [_("Choose a team the salesperson is in, or one you lead.")]})


def check_new_deal(company: Company, actor: User | None, **fields: Any) -> dict[str, Any]:
    """The fields of a new deal checked as ``create_deal`` checks them (amount, customer, contact,
    currency, source, whom it may be given to, its team), nothing written — for a file's rows."""
    data = _normalized_deal(company, actor, fields)
    if data.get("owner") is None and actor is not None and getattr(actor, "is_authenticated", False):
        data["owner"] = actor
    _deal_team(company, actor, data, data.get("owner"), None)
    return data


Interest = tuple[Product, Any]  # a product of interest and its quantity (Decimal, text or int)


MAX_QUANTITY = Decimal(10) ** (QTY_DIGITS - QTY_PLACES)  # what the column holds
QUANTITY_STEP = Decimal(1).scaleb(-QTY_PLACES)


def _interests(
    company: Company, products: Sequence[Interest], kept: Collection[int] = ()
) -> list[tuple[Product, Decimal]]:
    """Products of interest, checked: the company's active products (one the deal has, ``kept``,
    may have been archived since), a quantity above zero each (the same product twice adds up).
    A clear error on ``products``, nothing written."""
    found: dict[int, tuple[Product, Decimal]] = {}
    errors: Errors = {}
    for entry in products:
        try:
            product, raw = entry
        except (TypeError, ValueError):
            errors.setdefault("products", []).append(_("Give each product with its quantity."))
            continue
        if not isinstance(product, Product) or product.company_id != company.pk:
            errors.setdefault("products", []).append(_("This product belongs to another company."))
            continue
        if not product.active and product.pk not in kept:
            errors.setdefault("products", []).append(
                _("“%(product)s” is archived: choose an active product.") % {"product": product}
            )
            continue
        quantity = read_decimal(1 if raw in (None, "") else raw, "products", errors, least="above zero")
        before = found.get(product.pk, (product, Decimal(0)))[1]
        total = before + quantity
        if total >= MAX_QUANTITY or total != total.quantize(QUANTITY_STEP, rounding=ROUND_DOWN):
            errors.setdefault("products", []).append(
                _("A quantity has at most %(digits)d digits before the point and %(places)d after it.")
                % {"digits": QTY_DIGITS - QTY_PLACES, "places": QTY_PLACES}
            )
            continue
        found[product.pk] = (product, total)
    if errors:
        raise ValidationFailed({"products": list(dict.fromkeys(errors["products"]))})
    return list(found.values())


def _set_products(deal: Deal, actor: User | None, wanted: list[tuple[Product, Decimal]]) -> None:
    """The deal's products of interest become ``wanted``; an event when they changed."""
    before = {(row.product_id, row.quantity) for row in deal.products_of_interest.all()}
    after = {(product.pk, quantity) for product, quantity in wanted}
    if before == after:
        return
    DealProduct.objects.filter(deal=deal).delete()
    DealProduct.objects.bulk_create(
        DealProduct(company_id=deal.company_id, deal=deal, product=product, quantity=quantity)
        for product, quantity in wanted
    )
    events.record(
        "deal.products_changed",
        deal,
        actor,
        {"products": [[product.sku or product.name, plain(quantity)] for product, quantity in wanted]},
    )


@transaction.atomic
def create_deal(
    company: Company, actor: User | None, *, products: Sequence[Interest] = (), **fields: Any
) -> Deal:
    """A new open deal; ``products``: its products of interest, ``[(product, quantity), …]``."""
    data = _normalized_deal(company, actor, fields)
    interests = _interests(company, products)
    errors: Errors = {}
    if not data.get("title"):
        errors["title"] = [_("A deal needs a title.")]
    if data.get("partner") is None:
        errors["partner"] = [_("Choose the customer.")]
    if errors:
        raise ValidationFailed(errors)
    pipeline, stage = data.pop("pipeline", None), data.pop("stage", None)
    if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
        raise ValidationFailed({"stage": [_("This stage belongs to another pipeline.")]})
    pipeline = pipeline or (stage.pipeline if stage is not None else ensure_setup(company, actor))
    if stage is None:
        stage = (
            Stage.objects.filter(pipeline=pipeline, is_won=False, is_lost=False)
            .order_by("sequence", "id")
            .first()
        )
        if stage is None:
            raise ValidationFailed({"pipeline": [_("This pipeline has no open stage yet.")]})
    elif not stage.is_open:
        raise ValidationFailed({"stage": [_("A new deal starts in an open stage.")]})
    if data.get("owner") is None and actor is not None and getattr(actor, "is_authenticated", False):
        data["owner"] = actor
    _deal_team(company, actor, data, data.get("owner"), None)
    data["currency"] = data.get("currency") or data["partner"].currency or company.currency
    now = timezone.now()
    deal = Deal.objects.create(
        company=company, pipeline=pipeline, stage=stage, stage_changed_at=now, last_activity_at=now, **data
    )
    _entered(deal, stage, now)
    events.record(
        "deal.created", deal, actor,
        {"title": deal.title, "amount": str(deal.amount), "currency": deal.currency_id, "stage": stage.name,
         "owner": str(deal.owner) if deal.owner else ""},
    )  # fmt: skip
    _set_products(deal, actor, interests)
    return deal


@transaction.atomic
def update_deal(
    deal: Deal,
    actor: User | None,
    *,
    expected_version: int | None = None,
    products: Sequence[Interest] | None = None,
    **fields: Any,
) -> Deal:
    """Change a deal's fields; ``products`` (when given) replaces its products of interest."""
    _unknown(fields, DEAL_FIELDS, _("deal"))
    interests = None
    if products is not None:
        had = set(deal.products_of_interest.values_list("product_id", flat=True))
        interests = _interests(deal.company, products, kept=had)
    data = _normalized_deal(deal.company, actor, fields)
    if "partner" in data and data["partner"] is None:
        raise ValidationFailed({"partner": [_("Choose the customer.")]})
    if "currency" in data and data["currency"] is None:
        data.pop("currency")
    if deal.state != Deal.State.OPEN and {"amount", "currency", "partner"} & {
        name for name, value in data.items() if value != getattr(deal, name)
    }:
        raise IllegalTransition(_("A closed deal keeps its customer and amount: reopen it first."))
    if "team" in data or "owner" in data:
        _deal_team(deal.company, actor, data, data.get("owner", deal.owner), deal)
    redated = "expected_close" in data and data["expected_close"] != deal.expected_close
    updated = update_versioned(deal, actor, data, expected_version=expected_version, event="deal.updated")
    if redated:  # a new expected close date may remind again when it passes
        Deal.objects.filter(pk=updated.pk).update(close_notified_at=None)
    if interests is not None:
        _set_products(updated, actor, interests)
    return updated


def _entered(deal: Deal, stage: Stage, when: datetime | None) -> None:
    """The funnel's fact: this deal entered this stage now (``DealStageEntry``)."""
    DealStageEntry.objects.create(
        company_id=deal.company_id, deal=deal, pipeline_id=deal.pipeline_id, stage=stage,
        entered_at=when or timezone.now(),
    )  # fmt: skip


def _bump(deal: Deal, expected_version: int | None) -> Deal:
    return _lock(Deal, deal, expected_version)  # type: ignore[no-any-return]


@transaction.atomic
def move_deal(deal: Deal, actor: User | None, stage: Stage, *, expected_version: int | None = None) -> Deal:
    """Move an open deal to another stage of its pipeline (a drag on the board). The won stage
    wins it; the lost stage needs a reason (``lose_deal``)."""
    locked = _bump(deal, expected_version)
    if stage.pipeline_id != locked.pipeline_id:
        raise ValidationFailed({"stage": [_("This stage belongs to another pipeline.")]})
    if locked.state != Deal.State.OPEN:
        raise IllegalTransition(
            _("This deal is %(state)s: reopen it before moving it.")
            % {"state": locked.get_state_display().lower()},
            state=locked.state,
        )
    if stage.is_lost:
        raise ValidationFailed({"lost_reason": [_("Say why the deal was lost: use “Mark lost”.")]})
    if stage.is_won:
        return win_deal(locked, actor)
    if stage.pk == locked.stage_id:
        return locked
    previous = locked.stage
    Deal.objects.filter(pk=locked.pk).update(
        stage=stage, stage_changed_at=timezone.now(), stalled_notified_at=None, version=F("version") + 1,
        updated_at=timezone.now(),
    )  # fmt: skip
    locked.refresh_from_db()
    _entered(locked, stage, locked.stage_changed_at)
    events.record("deal.moved", locked, actor, {"title": locked.title, "stage": [previous.name, stage.name]})
    return locked


@transaction.atomic
def win_deal(deal: Deal, actor: User | None, *, expected_version: int | None = None) -> Deal:
    locked = _bump(deal, expected_version)
    won = locked.pipeline.stages.filter(is_won=True).first() or locked.stage
    states.transition(
        locked, "won", actor,
        fields={"stage": won, "version": F("version") + 1, "stage_changed_at": timezone.now()},
        data={"title": locked.title, "amount": str(locked.amount), "currency": locked.currency_id},
    )  # fmt: skip
    _entered(locked, won, locked.stage_changed_at)
    return locked


@transaction.atomic
def lose_deal(
    deal: Deal,
    actor: User | None,
    *,
    reason: LostReason | None,
    note: str = "",
    expected_version: int | None = None,
) -> Deal:
    if reason is None:
        raise ValidationFailed({"reason": [_("Choose why the deal was lost.")]})
    if reason.company_id != deal.company_id:
        raise ValidationFailed({"reason": [_("This choice belongs to another company.")]})
    note = (note or "").strip()[:500]
    locked = _bump(deal, expected_version)
    lost = locked.pipeline.stages.filter(is_lost=True).first() or locked.stage
    states.transition(
        locked, "lost", actor,
        fields={"stage": lost, "lost_reason": reason, "lost_note": note, "version": F("version") + 1,
                "stage_changed_at": timezone.now()},
        data={"title": locked.title, "reason": reason.name, "note": note},
    )  # fmt: skip
    _entered(locked, lost, locked.stage_changed_at)
    return locked


@transaction.atomic
def reopen_deal(deal: Deal, actor: User | None, *, expected_version: int | None = None) -> Deal:
    locked = _bump(deal, expected_version)
    stage = locked.stage
    if not stage.is_open:  # back to the last open stage of the pipeline
        stage = (
            locked.pipeline.stages.filter(is_won=False, is_lost=False).order_by("-sequence", "-id").first()
            or stage
        )
    states.transition(
        locked, "reopened", actor,
        fields={"stage": stage, "lost_reason": None, "lost_note": "", "closed_at": None,
                "version": F("version") + 1, "stage_changed_at": timezone.now(), "stalled_notified_at": None,
                "close_notified_at": None},
        data={"title": locked.title, "stage": stage.name},
    )  # fmt: skip
    _entered(locked, stage, locked.stage_changed_at)
    return locked


# --- activities -----------------------------------------------------------------------------


def _normalized_activity(company: Company, actor: User | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: Errors = {}
    if "subject" in data and not data["subject"]:
        errors["subject"] = [_("Say what the activity is about.")]
    if "kind" in data and data["kind"] not in Activity.Kind.values:
        errors["kind"] = [_("Choose one of the kinds.")]
    if "duration" in data and data["duration"] not in (None, ""):
        try:
            minutes = int(data["duration"])
        except (TypeError, ValueError):
            minutes = -1
        if not 0 <= minutes <= 24 * 60:
            errors["duration"] = [_("Enter the minutes it took, up to a day.")]
        data["duration"] = minutes
    elif "duration" in data:
        data["duration"] = None
    _same_company(company, data, ["deal", "partner", "assignee"], errors)
    for name in ("deal", "partner"):
        value = data.get(name)
        if value is None or name in errors or actor is None:
            continue
        visible = (
            Deal.objects.visible_to(actor).filter(pk=value.pk).exists()
            if name == "deal"
            else _may_see_partner(actor, value)
        )
        if not visible:
            errors[name] = [_("You cannot see this record.")]
    if errors:
        raise ValidationFailed(errors)
    return data


def _subject_of(data: dict[str, Any]) -> None:
    deal, partner = data.get("deal"), data.get("partner")
    if deal is None and partner is None:
        raise ValidationFailed({"deal": [_("Choose the deal or the customer it is about.")]})
    if deal is not None:
        if partner is not None and partner.pk != deal.partner_id:
            raise ValidationFailed({"partner": [_("This is not the deal's customer.")]})
        data["partner"] = deal.partner


@transaction.atomic
def schedule_activity(company: Company, actor: User | None, **fields: Any) -> Activity:
    """A call, meeting, e-mail or task to do: who and when."""
    _unknown(fields, [*ACTIVITY_FIELDS, "deal", "partner"], _("activity"))
    data = _normalized_activity(company, actor, {"kind": Activity.Kind.CALL, **fields})
    if not data.get("subject"):
        raise ValidationFailed({"subject": [_("Say what the activity is about.")]})
    if data.get("due_at") is None:
        raise ValidationFailed({"due_at": [_("Say when it is due.")]})
    _subject_of(data)
    if data.get("assignee") is None and actor is not None and getattr(actor, "is_authenticated", False):
        data["assignee"] = actor
    activity = Activity.objects.create(company=company, **data)
    events.record(
        "activity.scheduled", activity, actor,
        {"kind": activity.kind, "subject": activity.subject,
         "due_at": activity.due_at.isoformat() if activity.due_at else "",
         "assignee": str(activity.assignee) if activity.assignee else ""},
    )  # fmt: skip
    return activity


@transaction.atomic
def log_activity(
    company: Company, actor: User | None, *, done_at: datetime | None = None, **fields: Any
) -> Activity:
    """What happened already (a call made, a note): recorded as done, with its outcome."""
    _unknown(fields, [*ACTIVITY_FIELDS, "deal", "partner"], _("activity"))
    data = _normalized_activity(company, actor, {"kind": Activity.Kind.CALL, **fields})
    if not data.get("subject"):
        raise ValidationFailed({"subject": [_("Say what the activity is about.")]})
    _subject_of(data)
    when = done_at or timezone.now()
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    data.setdefault("assignee", person)
    data.setdefault("due_at", when)
    activity = Activity.objects.create(
        company=company, state=Activity.State.DONE, done_at=when, done_by=person, **data
    )
    _touch_deal(activity, when)
    events.record(
        "activity.logged", activity, actor,
        {"kind": activity.kind, "subject": activity.subject, "outcome": activity.outcome,
         "duration": activity.duration},
    )  # fmt: skip
    return activity


def _touch_deal(activity: Activity, when: datetime) -> None:
    if activity.deal_id is not None:
        Deal.objects.filter(pk=activity.deal_id).update(last_activity_at=when, stalled_notified_at=None)


@transaction.atomic
def complete_activity(
    activity: Activity,
    actor: User | None,
    *,
    outcome: str = "",
    duration: Any = None,
    expected_version: int | None = None,
) -> Activity:
    data = _normalized_activity(activity.company, None, {"outcome": outcome or "", "duration": duration})
    _lock(Activity, activity, expected_version)
    states.transition(
        activity, "done", actor,
        fields={"outcome": data["outcome"][:500], "duration": data["duration"], "version": F("version") + 1},
        data={"subject": activity.subject, "outcome": data["outcome"][:500], "duration": data["duration"]},
    )  # fmt: skip
    _touch_deal(activity, activity.done_at or timezone.now())
    return activity


@transaction.atomic
def cancel_activity(
    activity: Activity, actor: User | None, *, expected_version: int | None = None
) -> Activity:
    _lock(Activity, activity, expected_version)
    states.transition(
        activity, "cancelled", actor, fields={"version": F("version") + 1}, data={"subject": activity.subject}
    )
    return activity


@transaction.atomic
def update_activity(
    activity: Activity, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Activity:
    _unknown(fields, ACTIVITY_FIELDS, _("activity"))
    data = _normalized_activity(activity.company, actor, fields)
    if "subject" in data and not data["subject"]:
        raise ValidationFailed({"subject": [_("Say what the activity is about.")]})
    if activity.state == Activity.State.PLANNED and "due_at" in data and data["due_at"] is None:
        raise ValidationFailed({"due_at": [_("Say when it is due.")]})
    moved = "due_at" in data and data["due_at"] != activity.due_at
    updated = update_versioned(
        activity, actor, data, expected_version=expected_version, event="activity.updated"
    )
    if moved:  # a new date may remind again
        Activity.objects.filter(pk=updated.pk).update(reminded_at=None)
    return updated


# --- reminders ------------------------------------------------------------------------------


def stalled_deals(now: datetime | None = None) -> QuerySet[Deal]:
    """Open deals in a stage with a stall limit and no activity or move for longer than it
    (the rule is ``Deal.objects.stalled``, one SQL condition the board shares)."""
    return Deal.objects.stalled(now)


@transaction.atomic
def send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Tell each assignee about activities now overdue, each owner about deals now stalled and
    about open deals past their expected close date — once each (an activity moved to a new
    date, a deal touched, given a new close date or reopened, can remind again)."""
    now = now or timezone.now()
    overdue = list(
        Activity.objects.select_for_update(of=("self",))
        .filter(
            state=Activity.State.PLANNED, due_at__lt=now, reminded_at__isnull=True, assignee__isnull=False
        )
        .select_related("assignee", "company")
        .order_by("id")
    )
    for activity in overdue:
        notify(
            activity.assignee,  # type: ignore[arg-type]
            kind=REMINDER_KIND,
            title=Message(gettext_noop("Overdue: %(subject)s"), {"subject": activity.subject}),
            body=Message(
                gettext_noop("This activity was due at %(due)s."), {"due": activity.due_at.isoformat()}
            ),  # type: ignore[union-attr]
            link=reverse("crm:activity_detail", args=[activity.pk]),
            company=activity.company,
        )
    Activity.objects.filter(pk__in=[a.pk for a in overdue]).update(reminded_at=now)
    stalled = list(
        stalled_deals(now)
        .select_for_update(of=("self",))
        .filter(owner__isnull=False, stalled_notified_at__isnull=True)
        .select_related("stage", "owner", "company")
        .order_by("id")
    )
    for deal in stalled:
        notify(
            deal.owner,  # type: ignore[arg-type]
            kind=REMINDER_KIND,
            title=Message(gettext_noop("Stalled deal: %(title)s"), {"title": deal.title}),
            body=Message(
                gettext_noop("Nothing happened on this deal in “%(stage)s” for over %(days)s days."),
                {"stage": deal.stage.name, "days": deal.stage.stall_days},
            ),
            link=reverse("crm:deal_detail", args=[deal.pk]),
            company=deal.company,
        )
    Deal.objects.filter(pk__in=[d.pk for d in stalled]).update(stalled_notified_at=now)
    past_close = list(
        Deal.objects.select_for_update(of=("self",))
        .filter(
            state=Deal.State.OPEN,
            expected_close__lt=timezone.localdate(now),
            close_notified_at__isnull=True,
            owner__isnull=False,
        )
        .select_related("owner", "company")
        .order_by("id")
    )
    for deal in past_close:
        notify(
            deal.owner,  # type: ignore[arg-type]
            kind=REMINDER_KIND,
            title=Message(gettext_noop("Past its close date: %(title)s"), {"title": deal.title}),
            body=Message(
                gettext_noop("This deal was expected to close on %(date)s and is still open."),
                {"date": deal.expected_close.isoformat()},  # type: ignore[union-attr]
            ),
            link=reverse("crm:deal_detail", args=[deal.pk]),
            company=deal.company,
        )
    Deal.objects.filter(pk__in=[d.pk for d in past_close]).update(close_notified_at=now)
    return {"overdue": len(overdue), "stalled": len(stalled), "past_close": len(past_close)}


from tandem.crm.services.leads import (  # noqa: E402  # a module per subject
    convert_lead,
    create_lead,
    disqualify_lead,
    lead_duplicates,
    qualify_lead,
    reopen_lead,
    update_lead,
)

__all__ = [
    "convert_lead",
    "create_lead",
    "disqualify_lead",
    "lead_duplicates",
    "qualify_lead",
    "reopen_lead",
    "update_lead",
]
