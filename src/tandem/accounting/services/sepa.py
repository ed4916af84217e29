"""Payment runs: supplier bills due by a date paid together by SEPA credit transfer.

:func:`due_bills` picks the posted supplier bills in euros with something left to pay and due
by the date; :func:`create_run` checks every one first — the supplier's IBAN (``schwifty``),
the company's own IBAN and BIC on the bank journal — and refuses the whole run with a message
naming each bill it cannot pay (nothing is written). Then each bill is paid through
``payments.register_payment`` (an outgoing payment, posted and matched with the bill), and the
pain.001 file for the bank is made with ``sepaxml``, kept on the run and recorded as an event.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer

from tandem.accounting.models import Invoice, Journal, Payment, PaymentRun
from tandem.accounting.queries import payments as queries
from tandem.accounting.services import payments
from tandem.core import events, sequences
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.models import Sequence as NumberSequence
from tandem.partners.models import BankAccount, Partner

SEPA_CURRENCY = "EUR"
SCHEMA = "pain.001.001.03"
ZERO = Decimal(0)


class _Transfer(SepaTransfer):  # type: ignore[misc]
    """sepaxml's credit transfer with the run's own message ID instead of a random one."""

    def __init__(self, config: dict[str, object], message_id: str) -> None:
        self._message_id = message_id
        super().__init__(config, schema=SCHEMA, clean=True)

    def _create_header(self) -> None:
        self.msg_id = self._message_id
        super()._create_header()


def valid_iban(raw: str) -> IBAN | None:
    """The IBAN ``raw`` holds, or None when it is not a valid one (length, bank code, checksum)."""
    try:
        return IBAN(raw)
    except (SchwiftyException, ValueError):
        return None


def valid_bic(raw: str) -> BIC | None:
    try:
        return BIC(raw) if raw.strip() else None
    except (SchwiftyException, ValueError):
        return None


def sepa_account(partner: Partner) -> BankAccount | None:
    """The partner's first bank account with a valid IBAN."""
    for account in partner.bank_accounts.order_by("id"):
        if valid_iban(account.iban) is not None:
            return account
    return None


def due_bills(company: Company, until: datetime.date) -> list[Invoice]:
    """Posted supplier bills in euros, due by ``until``, with something left to pay (oldest due first)."""
    bills = list(
        Invoice.objects.filter(
            company=company,
            kind=Invoice.Kind.SUPPLIER_BILL,
            state=Invoice.State.POSTED,
            currency_id=SEPA_CURRENCY,
            due_date__lte=until,
        )
        .select_related("partner", "currency", "company")
        .order_by("due_date", "id")
    )
    left = queries.invoice_residuals(b.pk for b in bills)
    return [bill for bill in bills if left.get(bill.pk, ZERO) > 0]


def _debtor(company: Company, journal: Journal) -> tuple[IBAN, str]:
    errors: dict[str, list[str]] = {}
    if journal.company_id != company.pk:
        raise ValidationFailed({"journal": [_("This choice belongs to another company.")]})
    if journal.kind != Journal.Kind.BANK:
        errors["journal"] = [_("Choose a bank journal: a SEPA transfer leaves from a bank account.")]
    own = valid_iban(journal.bank_iban)
    if own is None:
        missing = _("Enter the company's IBAN on the bank journal %(journal)s first:")
        wrong = _("“%(iban)s” is not a valid IBAN.") % {"iban": journal.bank_iban}
        errors.setdefault("journal", []).append(f"{missing % {'journal': journal.code}} {wrong}")
    bic = valid_bic(journal.bank_bic) if journal.bank_bic else None
    if journal.bank_bic and bic is None:
        errors.setdefault("journal", []).append(
            _("The BIC “%(bic)s” of the bank journal is not valid.") % {"bic": journal.bank_bic}
        )
    if errors:
        raise ValidationFailed(errors)
    assert own is not None
    code = str(bic) if bic is not None else str(own.bic or "")
    return own, code


def _check_bills(company: Company, bills: Sequence[Invoice]) -> dict[int, BankAccount]:
    """Each bill's supplier account, or a refusal naming every bill that cannot be paid."""
    problems: list[str] = []
    accounts: dict[int, BankAccount] = {}
    left = queries.invoice_residuals(b.pk for b in bills)
    for bill in bills:
        name = {"bill": bill, "partner": bill.partner}
        if bill.company_id != company.pk:
            problems.append(_("%(bill)s belongs to another company.") % name)
        elif bill.kind != Invoice.Kind.SUPPLIER_BILL or bill.state != Invoice.State.POSTED:
            problems.append(_("%(bill)s is not a posted supplier bill.") % name)
        elif bill.currency_id != SEPA_CURRENCY:
            problems.append(_("%(bill)s is not in euros: a SEPA transfer pays euros only.") % name)
        elif left.get(bill.pk, ZERO) <= 0:
            problems.append(_("%(bill)s is paid already.") % name)
        else:
            account = sepa_account(bill.partner)
            if account is None:
                problems.append(
                    _(
                        "%(bill)s: the supplier %(partner)s has no valid IBAN. Add their bank account "
                        "on the partner, or leave the bill out of the run."
                    )
                    % name
                )
            else:
                accounts[bill.pk] = account
    if problems:
        raise ValidationFailed({"bills": problems})
    return accounts


RUN_SEQUENCE = "sepa-payment-run"
RUN_PATTERN = "SEPA-{year}-{number:05d}"


def _next_name(company: Company, on: datetime.date) -> str:
    """The run's message ID: the company's next number of the execution year from
    ``core.sequences`` (its counter row locked, so two runs made at once queue for it and get
    two numbers; counting the day's runs gave both the same one)."""
    NumberSequence.objects.get_or_create(
        company=company, code=RUN_SEQUENCE, defaults={"pattern": RUN_PATTERN, "reset_yearly": True}
    )
    return sequences.next_number(company, RUN_SEQUENCE, on)


def create_run(
    company: Company,
    actor: User | None,
    *,
    journal: Journal,
    date: datetime.date,
    bills: Sequence[Invoice],
    due_until: datetime.date | None = None,
) -> PaymentRun:
    """Pay ``bills`` by one SEPA credit transfer executed on ``date`` from ``journal``'s account."""
    bills = list(bills)
    if not bills:
        raise ValidationFailed({"bills": [_("No supplier bill to pay: choose at least one.")]})
    if len({b.pk for b in bills}) != len(bills):
        raise ValidationFailed({"bills": [_("A bill is chosen twice.")]})
    own, own_bic = _debtor(company, journal)
    if journal.currency_id not in (None, SEPA_CURRENCY) or (
        journal.currency_id is None and company.currency_id != SEPA_CURRENCY
    ):
        raise ValidationFailed({"journal": [_("A SEPA transfer leaves from a euro account.")]})
    accounts = _check_bills(company, bills)
    with transaction.atomic():
        name = _next_name(company, date)
        config: dict[str, object] = {
            "name": company.name[:70], "IBAN": own.compact, "batch": True, "currency": SEPA_CURRENCY,
        }  # fmt: skip
        if own_bic:
            config["BIC"] = own_bic
        transfer = _Transfer(config, name)
        paid: list[Payment] = []
        for bill in bills:
            account = accounts[bill.pk]
            reference = (bill.supplier_reference or bill.payment_reference or bill.number)[:140]
            payment, _matched = payments.register_payment(
                [bill], actor, journal=journal, date=date, reference=reference, partner_bank_account=account
            )
            paid.append(payment)
            iban = valid_iban(account.iban)
            assert iban is not None  # _check_bills
            bic = valid_bic(account.bic) if account.bic else None
            item: dict[str, object] = {
                "name": bill.partner.name[:70],
                "IBAN": iban.compact,
                "amount": int((payment.amount * 100).to_integral_value()),
                "execution_date": date,
                "description": reference,
                "endtoend_id": payment.number.replace("/", "-")[:35],
            }
            creditor_bic = str(bic) if bic is not None else str(iban.bic or "")
            if creditor_bic:
                item["BIC"] = creditor_bic
            transfer.add_payment(item)
        try:
            xml = transfer.export(validate=True).decode()
        except Exception as exc:  # the file does not validate: nothing is kept
            raise BusinessError(_("The SEPA file could not be made: %(error)s") % {"error": exc}) from exc
        total = sum((p.amount for p in paid), ZERO)
        run = PaymentRun.objects.create(
            company=company,
            journal=journal,
            name=name,
            date=date,
            due_until=due_until or max(b.due_date or date for b in bills),
            amount=total,
            currency_id=SEPA_CURRENCY,
            file_name=f"{name}.xml",
            xml=xml,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        run.payments.set(paid)
        events.record(
            "payment_run.created",
            run,
            actor,
            {
                "name": name,
                "bills": [b.number for b in bills],
                "payments": [p.number for p in paid],
                "amount": str(total),
                "currency": SEPA_CURRENCY,
                "execution_date": date.isoformat(),
            },
        )
    return run
