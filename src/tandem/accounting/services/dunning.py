"""Dunning: payment reminders by level (delay, fee, text), sent by a daily scheduled job.

A customer is due a reminder at the highest active level whose ``days_overdue`` its oldest
overdue open item has reached, unless it already got a letter at that level (or a higher one)
since that item fell due. A reminder is a :class:`DunningLetter`, sent by e-mail when the
level says so and the customer has an address (queued by ``core.notifications``), else kept
as a PDF letter on the customer (``core.documents`` + ``core.attachments``); either way the
customer's timeline gets ``dunning.sent``. Overdue amounts are SQL aggregates over the open
items (``queries.reports.open_items``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import formats, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tandem.accounting.models import DunningLetter, DunningLevel, Invoice
from tandem.accounting.queries.reports import Params, exact, open_items
from tandem.core import events
from tandem.core.attachments import services as attachments
from tandem.core.documents import services as documents
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tandem.core.notifications import services as notifications
from tandem.core.versioning import update_versioned
from tandem.partners.models import Partner

_FIELD = re.compile(r"\{(partner|amount|fee|days|date|company)\}")


@dataclass(frozen=True)
class Due:
    partner: Partner
    level: DunningLevel
    amount: Decimal
    days: int


LEVEL_FIELDS = ("sequence", "name", "days_overdue", "fee", "subject", "body", "send_email", "active")


def _check_level(level: DunningLevel) -> None:
    errors: dict[str, list[str]] = {}
    others = DunningLevel.objects.filter(company=level.company_id, sequence=level.sequence).exclude(
        pk=level.pk
    )
    if others.exists():
        errors["sequence"] = [_("This level exists already.")]
    if not level.name.strip() or not level.subject.strip() or not level.body.strip():
        errors["name"] = [_("A level needs a name, a subject and a text.")]
    if not isinstance(level.fee, Decimal) or not level.fee.is_finite() or level.fee < 0:
        errors["fee"] = [_("Enter an amount of zero or more.")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def create_level(
    company: Company,
    actor: User | None,
    *,
    sequence: int,
    name: str,
    days_overdue: int,
    subject: str,
    body: str,
    fee: Decimal = Decimal(0),
    send_email: bool = True,
) -> DunningLevel:
    """A dunning level; its subject and text may use {partner}, {amount}, {fee}, {days}, {date}, {company}."""
    level = DunningLevel(
        company=company,
        sequence=sequence,
        name=name.strip(),
        days_overdue=days_overdue,
        fee=fee,
        subject=subject.strip(),
        body=body,
        send_email=send_email,
    )
    _check_level(level)
    level.save()
    events.record("dunning_level.created", level, actor, {"name": level.name, "sequence": sequence})
    return level


def update_level(
    level: DunningLevel, actor: User | None, *, expected_version: int | None = None, **changes: object
) -> DunningLevel:
    """Change a level (its delay, fee, texts, whether it e-mails, whether it is in use)."""
    unknown = set(changes) - set(LEVEL_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    data = {k: (v.strip() if isinstance(v, str) and k != "body" else v) for k, v in changes.items()}
    return update_versioned(
        level,
        actor,
        data,
        expected_version=expected_version,
        event="dunning_level.updated",
        check=_check_level,
    )


def due_reminders(company: Company, today: datetime.date) -> list[Due]:
    """Who is due which reminder today (nothing is written)."""
    levels = list(DunningLevel.objects.filter(company=company, active=True).order_by("sequence"))
    if not levels:
        return []
    overdue = (
        open_items(Params(company, today, today), "receivable", today)
        .filter(due__lt=today, partner__isnull=False)
        .values("partner_id")
        .annotate(amount=Sum("residual"), oldest=Min("due"))
        .order_by("partner_id")
    )
    found = [row for row in map(exact, overdue) if row["amount"] > 0]
    sent = {
        row["partner_id"]: row
        for row in DunningLetter.objects.filter(
            company=company, partner_id__in=[r["partner_id"] for r in found]
        )
        .values("partner_id")
        .annotate(last_date=Max("date"), last_level=Max("level__sequence"))
    }
    partners = Partner.objects.in_bulk([row["partner_id"] for row in found])
    due = []
    for row in found:
        days = (today - row["oldest"]).days
        reached = [level for level in levels if level.days_overdue <= days]
        if not reached:
            continue
        before = sent.get(row["partner_id"])
        already = before["last_level"] if before and before["last_date"] >= row["oldest"] else 0
        if reached[-1].sequence > already:
            due.append(Due(partners[row["partner_id"]], reached[-1], row["amount"], days))
    return due


def run(company: Company, actor: User | None, today: datetime.date) -> list[DunningLetter]:
    """Send every reminder that is due today; one transaction per customer."""
    return [send(company, actor, item, today) for item in due_reminders(company, today)]


def _money(amount: Decimal, company: Company) -> str:
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} {company.currency_id}"


def _fill(text: str, values: dict[str, str]) -> str:
    """The level's text with ``{partner}``, ``{amount}``, ``{fee}``, ``{days}``, ``{date}``, ``{company}``."""
    return _FIELD.sub(lambda match: values[match[1]], text)


@transaction.atomic
def send(company: Company, actor: User | None, item: Due, today: datetime.date) -> DunningLetter:
    partner, level = item.partner, item.level
    email = bool(level.send_email and partner.email)
    letter = DunningLetter.objects.create(
        company=company,
        partner=partner,
        level=level,
        date=today,
        channel=DunningLetter.Channel.EMAIL if email else DunningLetter.Channel.LETTER,
        amount_due=item.amount,
        fee=level.fee,
        sent_by=actor if actor is not None and actor.is_authenticated else None,
    )
    overdue_entries = open_items(Params(company, today, today), "receivable", today).filter(
        partner=partner, due__lt=today, residual__gt=0
    )
    letter.invoices.set(Invoice.objects.filter(company=company, entry__lines__in=overdue_entries).distinct())
    language = partner.language or company.language
    with translation.override(language):
        values = {
            "partner": partner.name,
            "amount": _money(item.amount, company),
            "fee": _money(level.fee, company),
            "days": str(item.days),
            "date": formats.date_format(today, "DATE_FORMAT"),
            "company": company.name,
        }
    subject, body = _fill(level.subject, values), _fill(level.body, values)
    if email:
        notifications.send_email(
            to=[partner.email], subject=subject, text=body, company=company, partner=partner, actor=actor
        )
    else:
        _keep_letter(company, partner, actor, subject, body, today, language)
    events.record(
        "dunning.sent",
        partner,
        actor,
        {
            "level": level.name,
            "channel": letter.channel,
            "amount_due": str(item.amount),
            "fee": str(level.fee),
            "letter_id": letter.pk,
        },
    )
    return letter


def _keep_letter(
    company: Company,
    partner: Partner,
    actor: User | None,
    subject: str,
    body: str,
    today: datetime.date,
    language: str,
) -> None:
    from django.utils.html import linebreaks

    pdf = documents.render_pdf(
        documents.LETTER_TEMPLATE,
        {
            "subject": subject,
            "body": linebreaks(body),
            "date": formats.date_format(today, "DATE_FORMAT"),
            "recipient": {"name": partner.name, "contact": "", "address_lines": []},
        },
        company=company,
        language=language,
    )
    stem = slugify(f"{subject} {partner.name} {today.isoformat()}", allow_unicode=True)[:120]
    name = f"{stem or 'reminder'}.pdf"
    attachments.attach(partner, name=name, content=pdf, actor=actor, content_type="application/pdf")


def current_level(partner: Partner) -> DunningLetter | None:
    """The partner's latest reminder (the flag on its card), or None."""
    return (
        DunningLetter.objects.filter(company_id=partner.company_id, partner=partner)
        .select_related("level")
        .order_by("-date", "-id")
        .first()
    )
