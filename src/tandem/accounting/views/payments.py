"""Payments: the list, a payment's page (post, cancel, its matches and unreconcile), the form,
and "register a payment" on a posted invoice (a new payment, partial allowed, or one already
received matched against it). And the books' panels on the partner card: open balance and
overdue, invoices with their payment status, payments, each read under record rules.
Accountants and administrators only (``accounting.*_payment``); another company's is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.accounting.forms.payments import PaymentForm, RegisterPaymentForm
from tandem.accounting.models import Invoice, JournalLine, Payment, Reconciliation
from tandem.accounting.queries import payments as queries
from tandem.accounting.services import payments as services
from tandem.accounting.services import reconciliation
from tandem.core.models import User
from tandem.core.money import round_money
from tandem.partners.models import Partner
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.generic import (
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table

PANEL_ROWS = 10


@dataclass(frozen=True)
class _Balance:
    currency: str
    open: Decimal
    overdue: Decimal


BALANCE_COLUMNS = [
    Column("open", gettext_lazy("Open balance"), numeric=True),
    Column("overdue", gettext_lazy("Overdue"), numeric=True),
    Column("currency", gettext_lazy("Currency")),
]
INVOICE_COLUMNS = [
    Column("number", gettext_lazy("Number"), link=True),
    Column("kind", gettext_lazy("Kind"), accessor=lambda i: i.get_kind_display()),
    Column("invoice_date", gettext_lazy("Date")),
    Column("due_date", gettext_lazy("Due")),
    Column("amount_total", gettext_lazy("Total"), numeric=True),
    Column("residual", gettext_lazy("Left to pay"), numeric=True),
    Column("status", gettext_lazy("Payment"), accessor=lambda i: queries.STATUS_LABELS.get(i.status, "")),
]
PAYMENT_COLUMNS = [
    Column("number", gettext_lazy("Number"), link=True),
    Column("date", gettext_lazy("Date")),
    Column("direction", gettext_lazy("Direction"), accessor=lambda p: p.get_direction_display()),
    Column("amount", gettext_lazy("Amount"), numeric=True),
    Column("currency", gettext_lazy("Currency"), accessor=lambda p: p.currency_id),
    Column("state", gettext_lazy("State"), accessor=lambda p: p.get_state_display()),
]


def balance_panel(partner: Partner, request: HttpRequest) -> Table | None:
    """What the customer owes and what of it is late (for whoever may open the customer)."""
    owed = queries.open_balance(partner, request.user)
    late = queries.overdue(partner, request.user)
    if owed is None or late is None or (not owed and not late):
        return None
    row = _Balance(str(partner.company.currency_id), owed, late)
    return Table(BALANCE_COLUMNS, [row], caption=gettext_lazy("Open balance"), key="balance")


def invoices_panel(partner: Partner, request: HttpRequest) -> Table | None:
    rows: list[Any] = list(
        Invoice.objects.visible_to(request.user)
        .filter(partner=partner)
        .order_by("-invoice_date", "-id")[:PANEL_ROWS]
    )
    found = queries.statuses(rows, timezone.localdate())
    for invoice in rows:
        invoice.status, invoice.residual = found[invoice.pk]
    return Table(
        INVOICE_COLUMNS, rows, caption=gettext_lazy("Invoices"), empty=gettext_lazy("No invoices yet."),
        key="invoices",
    )  # fmt: skip


def payments_panel(partner: Partner, request: HttpRequest) -> Table | None:
    rows = Payment.objects.visible_to(request.user).filter(partner=partner).order_by("-date", "-id")
    return Table(
        PAYMENT_COLUMNS, rows[:PANEL_ROWS], caption=gettext_lazy("Payments"),
        empty=gettext_lazy("No payments yet."), key="payments",
    )  # fmt: skip


# --- payments: list, page, form, actions --------------------------------------------------

DRAFT, POSTED = Payment.State.DRAFT, Payment.State.POSTED


class PaymentActions(ActionView):
    model = Payment
    url_name = "accounting:payment_{name}"
    actions = [
        Action(
            "post",
            gettext_lazy("Post"),
            lambda request, payment: services.post_payment(payment, request.user),
            done=gettext_lazy("Posted as %(name)s: the entry is in the books."),
            confirm=gettext_lazy("Post this payment? A posted payment can only be cancelled."),
            available=lambda payment, user: payment.state == DRAFT,
            style="primary",
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, payment: services.cancel_payment(payment, request.user),
            done=gettext_lazy("Cancelled: a posted payment's entry was reversed."),
            confirm=gettext_lazy(
                "Cancel this payment? A posted one is reversed in the books; this cannot be undone."
            ),
            available=lambda payment, user: payment.state == POSTED,
            style="outline-danger",
        ),
        Action(
            "delete",
            gettext_lazy("Delete draft"),
            lambda request, payment: services.delete_draft(payment, request.user),
            done=gettext_lazy("The draft payment was deleted."),
            permission="accounting.delete_payment",
            confirm=gettext_lazy("Delete this draft payment?"),
            available=lambda payment, user: payment.state == DRAFT,
            next_url=lambda payment: reverse("accounting:payment_list"),
            style="outline-danger",
        ),
    ]


class PaymentListView(ObjectListView):
    model = Payment
    title = gettext_lazy("Payments")
    filter_fields = ["direction", "state", "journal", "partner"]
    columns = [
        Column("number", gettext_lazy("Number"), link=True),
        Column("date", gettext_lazy("Date"), sort="date"),
        Column("direction", gettext_lazy("Direction")),
        Column("partner", gettext_lazy("Partner")),
        Column("journal", gettext_lazy("Journal")),
        Column("reference", gettext_lazy("Reference")),
        Column("state", gettext_lazy("State")),
        Column("amount", gettext_lazy("Amount"), numeric=True),
        Column("currency", gettext_lazy("Currency")),
    ]
    sorts = {"date": SortKey("date", gettext_lazy("Date"), descending=True)}
    default_sort = "date"
    create_url_name = "accounting:payment_create"
    create_label = gettext_lazy("New payment")
    export_url_name = "accounting:payment_export"

    def decorate(self, rows: QuerySet[Payment]) -> QuerySet[Payment]:
        return rows.select_related("partner", "journal", "currency")


@dataclass(frozen=True)
class Match:
    """One match of a payment or an invoice, as its page shows it."""

    pk: int
    date: Any
    document: str
    url: str
    amount: Decimal
    write_off: bool


def matches_of(entry_id: int | None) -> list[Match]:
    """The matches of an entry's open items with the documents on their other side."""
    if entry_id is None:
        return []
    rows = (
        Reconciliation.objects.filter(Q(debit_line__entry=entry_id) | Q(credit_line__entry=entry_id))
        .select_related(
            "debit_line__entry__invoice",
            "debit_line__entry__payment",
            "credit_line__entry__invoice",
            "credit_line__entry__payment",
        )
        .order_by("pk")
    )
    found = []
    for row in rows:
        other = row.credit_line if row.debit_line.entry_id == entry_id else row.debit_line
        entry = other.entry
        document: Model = getattr(entry, "invoice", None) or getattr(entry, "payment", None) or entry
        url = (
            document.get_absolute_url()  # type: ignore[attr-defined]
            if hasattr(document, "get_absolute_url")
            else reverse("accounting:entry_detail", args=[entry.pk])
        )
        found.append(
            Match(row.pk, row.created_at, str(document), url, row.amount, row.write_off_entry_id is not None)
        )
    return found


class PaymentDetailView(ObjectDetailView):
    model = Payment
    template_name = "accounting/payment_detail.html"
    action_view = PaymentActions
    list_url_name = "accounting:payment_list"
    fields = [
        "direction", "state", "partner", "journal", "date", "amount", "currency", "amount_company",
        "reference", "partner_bank_account", "entry", "posted_by", "posted_at",
    ]  # fmt: skip

    @property
    def edit_url_name(self) -> str | None:  # type: ignore[override]
        return "accounting:payment_edit" if self.object.state == DRAFT else None  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet[Payment]:
        return (
            super()
            .get_queryset()
            .select_related("partner", "journal", "currency", "entry", "partner_bank_account", "posted_by")
        )

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        payment: Payment = self.object  # type: ignore[assignment]
        context["matches"] = matches_of(payment.entry_id)
        context["unreconcile"] = self.can("delete", Reconciliation)
        return context


class PaymentCreateView(ObjectCreateView):
    model = Payment
    form_class = PaymentForm
    title = gettext_lazy("New payment")
    service = services.create_payment
    list_url_name = "accounting:payment_list"

    def get_initial(self) -> dict[str, Any]:
        return {"direction": Payment.Direction.INBOUND, "date": timezone.localdate()}


class PaymentEditView(ObjectEditView):
    model = Payment
    form_class = PaymentForm
    service = services.update_payment


# --- unreconcile: a match's one action -----------------------------------------------------


class ReconciliationActions(ActionView):
    """``reconciliations/<pk>/unreconcile/``: back to the payment (or invoice) it was on."""

    model = Reconciliation
    url_name = "accounting:reconciliation_{name}"
    actions = [
        Action(
            "unreconcile",
            gettext_lazy("Unreconcile"),
            lambda request, row: reconciliation.unreconcile(row, request.user),
            done=gettext_lazy("The match is undone: the items are open again."),
            permission="accounting.delete_reconciliation",
            confirm=gettext_lazy(
                "Undo this match? Its exchange difference and any write-off made with it are reversed."
            ),
            style="outline-danger btn-sm",
        ),
    ]

    def object_url(self, obj: Model) -> str:
        row: Reconciliation = obj  # type: ignore[assignment]
        back = self.request.POST.get("next", "")
        if back.startswith("/accounting/") and "//" not in back:
            return back
        lines = [row.debit_line_id, row.credit_line_id]
        payment = Payment.objects.filter(entry__lines__in=lines).first()
        if payment is not None:
            return payment.get_absolute_url()
        invoice = Invoice.objects.filter(entry__lines__in=lines).first()
        return invoice.get_absolute_url() if invoice is not None else reverse("accounting:payment_list")


# --- register a payment on a posted invoice --------------------------------------------------


def open_payments(invoice: Invoice) -> QuerySet[Payment]:
    """The partner's posted payments with something left that could pay ``invoice``."""
    customer = invoice.kind in services.CUSTOMER_KINDS
    refund = invoice.kind in (Invoice.Kind.CUSTOMER_CREDIT_NOTE, Invoice.Kind.SUPPLIER_REFUND)
    inbound = customer != refund  # a customer invoice or a supplier refund is paid by money coming in
    lines = queries.open_items(
        JournalLine.objects.filter(
            company=invoice.company_id,
            partner=invoice.partner_id,
            entry__payment__state=POSTED,
            entry__payment__direction=Payment.Direction.INBOUND if inbound else Payment.Direction.OUTBOUND,
        )
    )
    return Payment.objects.filter(entry__lines__in=lines.values("pk")).order_by("-date", "-id")


class RegisterPaymentView(ObjectFormView):
    """``invoices/<pk>/register-payment/``: pay a posted invoice, in full or in part."""

    model = Payment
    action = "add"
    form_class = RegisterPaymentForm
    invoice: Invoice

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and request.user.has_perm("accounting.add_payment"):
            self.invoice = get_object_or_404(
                Invoice.objects.visible_to(request.user).select_related("partner", "currency", "company"),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    def base_context(self) -> dict[str, Any]:
        context = super().base_context()
        context["title"] = _("Register a payment for %(invoice)s") % {"invoice": self.invoice}
        return context

    def form_context(self) -> dict[str, Any]:
        left = queries.invoice_residuals([self.invoice.pk]).get(self.invoice.pk, Decimal(0))
        return {"invoice": self.invoice, "left": round_money(left, self.invoice.currency)}

    def make_form(self, **kwargs: Any) -> forms.BaseForm:
        kwargs.setdefault("initial", self.get_initial())
        return RegisterPaymentForm(request=self.request, payments=open_payments(self.invoice), **kwargs)

    def get_initial(self) -> dict[str, Any]:
        left = queries.invoice_residuals([self.invoice.pk]).get(self.invoice.pk)
        amount = round_money(left, self.invoice.currency) if left else None
        return {"date": timezone.localdate(), "amount": amount}

    def cancel_url(self) -> str:
        return self.invoice.get_absolute_url()

    def perform(self, form: forms.BaseForm) -> Model:
        data = form.cleaned_data
        actor: User = self.request.user  # type: ignore[assignment]  # signed in: ModelView
        if data.get("payment"):
            services.match_payment(
                [self.invoice],
                data["payment"],
                actor,
                write_off=data["write_off"],
                write_off_label=data.get("write_off_label") or "",
            )
            return self.invoice
        services.register_payment(
            [self.invoice],
            actor,
            journal=data["journal"],
            date=data["date"],
            amount=data.get("amount"),
            write_off=data["write_off"],
            write_off_label=data.get("write_off_label") or "",
            reference=data.get("reference") or "",
        )
        return self.invoice

    def success_url(self, result: Model) -> str:
        return self.invoice.get_absolute_url()

    def success_message(self, result: Model) -> str:
        return _("The payment is registered and matched with %(invoice)s.") % {"invoice": self.invoice}
