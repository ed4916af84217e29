"""The VAT report: base and tax per tax and rate, sales and purchases, for a period, with the
lines behind each figure (SQL aggregates over posted lines, by the tax index)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from tandem.accounting.models import JournalLine, Tax
from tandem.core.models import Company

ZERO = Decimal(0)


@dataclass(frozen=True)
class VatRow:
    tax: Tax
    base: Decimal  # company currency; sales positive on the credit side, purchases on the debit side
    amount: Decimal
    self_assessed: Decimal  # reverse charge: the same tax owed on the other side


def _posted(company: Company, start: datetime.date, end: datetime.date) -> QuerySet[JournalLine]:
    return JournalLine.objects.filter(company=company, posted=True, date__gte=start, date__lte=end)


def _balance() -> Coalesce:
    return Coalesce(Sum(F("debit") - F("credit")), ZERO)


def vat_report(company: Company, start: datetime.date, end: datetime.date) -> list[VatRow]:
    """One row per tax used in the period, sales first, by rate."""
    lines = _posted(company, start, end)
    bases = dict(lines.filter(taxes__isnull=False).values_list("taxes").annotate(total=_balance()).order_by())
    own = ~Q(account=F("tax__reverse_charge_account")) | Q(tax__reverse_charge_account__isnull=True)
    tax_lines = lines.filter(tax__isnull=False).values_list("tax").order_by()
    amounts = dict(tax_lines.filter(own).annotate(total=_balance()))
    assessed = dict(tax_lines.exclude(own).annotate(total=_balance()))
    used = Tax.objects.filter(pk__in={*bases, *amounts}).order_by("-use", "-amount", "name")
    rows = []
    for tax in used:
        sign = -1 if tax.use == Tax.Use.SALE else 1
        rows.append(
            VatRow(
                tax,
                sign * bases.get(tax.pk, ZERO),
                sign * amounts.get(tax.pk, ZERO),
                -sign * assessed.get(tax.pk, ZERO),
            )
        )
    return rows


def vat_lines(company: Company, tax: Tax, start: datetime.date, end: datetime.date) -> QuerySet[JournalLine]:
    """The lines behind a tax's figures: its base lines and its tax lines, with their invoices."""
    lines = _posted(company, start, end).filter(Q(taxes=tax) | Q(tax=tax)).distinct()
    return lines.select_related("entry__invoice", "account", "partner").order_by("date", "id")
