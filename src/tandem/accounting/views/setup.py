"""The books' settings pages: taxes, tax groups, fiscal positions (with their tax and account
mappings), payment terms (with their instalments), cost centres, fiscal years and their periods
(lists, pages, forms), the company's accounting settings and its lock date, reached from the
accounting settings page (main menu) and the settings area. Accountants and administrators
change them, auditors read them (``roles.py``); every list and page reads the company's rows
only. Only an administrator moves the lock date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from tandem.accounting.forms.setup import (
    BooksSettingsForm,
    CostCentreForm,
    FiscalPositionForm,
    FiscalYearForm,
    LockDateForm,
    PaymentTermForm,
    ProductAccountingForm,
    TaxForm,
    TaxGroupForm,
)
from tandem.accounting.models import (
    BooksPaymentTerm,
    BooksSettings,
    CostCentre,
    FiscalPosition,
    FiscalYear,
    PaymentTermLine,
    Period,
    ProductAccounting,
    Tax,
    TaxGroup,
)
from tandem.accounting.queries import ledger as queries
from tandem.accounting.services import fiscal_positions, ledger, payment_terms, taxes
from tandem.catalog.models import Product
from tandem.core.models import User
from tandem.core.security import is_administrator
from tandem.web.actions import Action, ActionView
from tandem.web.display import as_text
from tandem.web.generic import (
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table

# --- taxes --------------------------------------------------------------------------------


class TaxListView(ObjectListView):
    model = Tax
    title = gettext_lazy("Taxes")
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("use", gettext_lazy("Used on"), accessor=lambda t: t.get_use_display()),
        Column("computation", gettext_lazy("Computation"), accessor=lambda t: t.get_computation_display()),
        Column("amount", gettext_lazy("Rate or amount"), numeric=True),
        Column("price_included", gettext_lazy("Included in the price")),
        Column("group", gettext_lazy("Tax group")),
        Column("account", gettext_lazy("Tax account")),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {"name": SortKey("name", gettext_lazy("Name"))}
    default_sort = "name"
    create_url_name = "accounting:tax_create"
    create_label = gettext_lazy("New tax")
    export_url_name = "accounting:tax_export"

    def decorate(self, rows: QuerySet[Tax]) -> QuerySet[Tax]:
        return rows.select_related("group", "account")


class TaxDetailView(ObjectDetailView):
    model = Tax
    edit_url_name = "accounting:tax_edit"
    list_url_name = "accounting:tax_list"
    fields = [
        "name", "label", "use", "scope", "group", "computation", "amount", "price_included",
        "affects_base", "account", "refund_account", "reverse_charge_account", "report_box", "active",
        (gettext_lazy("Taxes of the group"), lambda t: ", ".join(str(c) for c in t.children.all()) or "—"),
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Tax]:
        return (
            super()
            .get_queryset()
            .select_related("group", "account", "refund_account", "reverse_charge_account")
            .prefetch_related("children")
        )


class TaxCreateView(ObjectCreateView):
    model = Tax
    form_class = TaxForm
    title = gettext_lazy("New tax")
    service = taxes.create_tax
    list_url_name = "accounting:tax_list"


class TaxEditView(ObjectEditView):
    model = Tax
    form_class = TaxForm
    service = taxes.update_tax


# --- tax groups ---------------------------------------------------------------------------


class TaxGroupListView(ObjectListView):
    model = TaxGroup
    title = gettext_lazy("Tax groups")
    columns = [
        Column("sequence", gettext_lazy("Order"), numeric=True, sort="sequence"),
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
    ]
    sorts = {
        "sequence": SortKey("sequence", gettext_lazy("Order")),
        "name": SortKey("name", gettext_lazy("Name")),
    }
    default_sort = "sequence"
    create_url_name = "accounting:tax_group_create"
    create_label = gettext_lazy("New tax group")
    export_url_name = "accounting:tax_group_export"


class TaxGroupDetailView(ObjectDetailView):
    model = TaxGroup
    edit_url_name = "accounting:tax_group_edit"
    list_url_name = "accounting:tax_group_list"
    fields = [
        "name",
        "sequence",
        (gettext_lazy("Taxes"), lambda g: ", ".join(str(t) for t in g.taxes.all()) or "—"),
    ]


class TaxGroupCreateView(ObjectCreateView):
    model = TaxGroup
    form_class = TaxGroupForm
    title = gettext_lazy("New tax group")
    service = taxes.create_tax_group
    list_url_name = "accounting:tax_group_list"


class TaxGroupEditView(ObjectEditView):
    model = TaxGroup
    form_class = TaxGroupForm
    service = taxes.update_tax_group


# --- fiscal positions ---------------------------------------------------------------------


def _countries(position: FiscalPosition) -> str:
    return position.countries or str(gettext_lazy("any"))


class FiscalPositionListView(ObjectListView):
    model = FiscalPosition
    title = gettext_lazy("Fiscal positions")
    columns = [
        Column("sequence", gettext_lazy("Order"), numeric=True, sort="sequence"),
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("kind", gettext_lazy("Kind"), accessor=lambda p: p.get_kind_display()),
        Column("auto_apply", gettext_lazy("Detected automatically")),
        Column("countries", gettext_lazy("Countries")),
        Column("vat_required", gettext_lazy("VAT ID required")),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {
        "sequence": SortKey("sequence", gettext_lazy("Order")),
        "name": SortKey("name", gettext_lazy("Name")),
    }
    default_sort = "sequence"
    create_url_name = "accounting:fiscal_position_create"
    create_label = gettext_lazy("New fiscal position")
    export_url_name = "accounting:fiscal_position_export"


class FiscalPositionDetailView(ObjectDetailView):
    model = FiscalPosition
    template_name = "accounting/fiscal_position_detail.html"
    edit_url_name = "accounting:fiscal_position_edit"
    list_url_name = "accounting:fiscal_position_list"
    fields = [
        "name", "kind", "sequence", "auto_apply", ("countries", _countries), "vat_required", "note",
        "active",
    ]  # fmt: skip

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        position: FiscalPosition = self.object  # type: ignore[assignment]
        dropped = gettext_lazy("— (dropped)")
        context["tax_map"] = Table(
            [
                Column("source", gettext_lazy("Tax")),
                Column("target", gettext_lazy("Replaced by"), accessor=lambda row: row.target or dropped),
            ],
            position.tax_map.select_related("source", "target").order_by("pk"),
            caption=gettext_lazy("Tax mappings"),
            key="tax-map",
        )
        context["account_map"] = Table(
            [
                Column("source", gettext_lazy("Account")),
                Column("target", gettext_lazy("Replaced by")),
            ],
            position.account_map.select_related("source", "target").order_by("pk"),
            caption=gettext_lazy("Account mappings"),
            key="account-map",
        )
        return context


class FiscalPositionCreateView(ObjectCreateView):
    model = FiscalPosition
    form_class = FiscalPositionForm
    form_template = "accounting/_fiscal_position_form.html"
    title = gettext_lazy("New fiscal position")
    service = fiscal_positions.create_fiscal_position
    list_url_name = "accounting:fiscal_position_list"


class FiscalPositionEditView(ObjectEditView):
    model = FiscalPosition
    form_class = FiscalPositionForm
    form_template = "accounting/_fiscal_position_form.html"
    service = fiscal_positions.update_fiscal_position


# --- payment terms ------------------------------------------------------------------------


def _line_amount(line: PaymentTermLine) -> str:
    if line.value == PaymentTermLine.Value.BALANCE:
        return str(gettext_lazy("The balance"))
    if line.value == PaymentTermLine.Value.PERCENT:
        return f"{as_text(line.amount)} %"
    return as_text(line.amount)


class PaymentTermListView(ObjectListView):
    model = BooksPaymentTerm
    title = gettext_lazy("Payment terms")
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("days", gettext_lazy("Days"), numeric=True, sort="days"),
    ]
    sorts = {
        "name": SortKey("name", gettext_lazy("Name")),
        "days": SortKey("days", gettext_lazy("Days")),
    }
    default_sort = "name"
    create_url_name = "accounting:payment_term_create"
    create_label = gettext_lazy("New payment term")
    export_url_name = "accounting:payment_term_export"


class PaymentTermDetailView(ObjectDetailView):
    model = BooksPaymentTerm
    edit_url_name = "accounting:payment_term_edit"
    list_url_name = "accounting:payment_term_list"
    template_name = "accounting/payment_term_detail.html"
    fields = ["name", "days"]

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        context["lines"] = Table(
            [
                Column("amount", gettext_lazy("Amount"), accessor=_line_amount),
                Column("days", gettext_lazy("Days after the invoice date"), numeric=True),
                Column("end_of_month", gettext_lazy("Then to the end of the month")),
            ],
            PaymentTermLine.objects.filter(term_id=self.object.pk),
            caption=gettext_lazy("Instalments"),
            empty=gettext_lazy("No instalments: the whole amount is due after the term's days."),
            key="instalments",
        )
        return context


class PaymentTermCreateView(ObjectCreateView):
    model = BooksPaymentTerm
    form_class = PaymentTermForm
    form_template = "accounting/_payment_term_form.html"
    title = gettext_lazy("New payment term")
    service = payment_terms.create_payment_term
    list_url_name = "accounting:payment_term_list"


class PaymentTermEditView(ObjectEditView):
    model = BooksPaymentTerm
    form_class = PaymentTermForm
    form_template = "accounting/_payment_term_form.html"
    service = payment_terms.update_payment_term


# --- cost centres -------------------------------------------------------------------------


class CostCentreListView(ObjectListView):
    model = CostCentre
    title = gettext_lazy("Cost centres")
    columns = [
        Column("code", gettext_lazy("Code"), link=True, sort="code"),
        Column("name", gettext_lazy("Name"), sort="name"),
        Column("parent", gettext_lazy("Parent")),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {
        "code": SortKey("code", gettext_lazy("Code")),
        "name": SortKey("name", gettext_lazy("Name")),
    }
    default_sort = "code"
    create_url_name = "accounting:cost_centre_create"
    create_label = gettext_lazy("New cost centre")
    export_url_name = "accounting:cost_centre_export"

    def decorate(self, rows: QuerySet[CostCentre]) -> QuerySet[CostCentre]:
        return rows.select_related("parent")


class CostCentreDetailView(ObjectDetailView):
    model = CostCentre
    edit_url_name = "accounting:cost_centre_edit"
    list_url_name = "accounting:cost_centre_list"
    fields = ["code", "name", "parent", "active"]

    def get_queryset(self) -> QuerySet[CostCentre]:
        return super().get_queryset().select_related("parent")


class CostCentreCreateView(ObjectCreateView):
    model = CostCentre
    form_class = CostCentreForm
    title = gettext_lazy("New cost centre")
    service = ledger.create_cost_centre
    list_url_name = "accounting:cost_centre_list"


class CostCentreEditView(ObjectEditView):
    model = CostCentre
    form_class = CostCentreForm
    service = ledger.update_cost_centre


# --- the company's books settings and lock date -----------------------------------------

# The books' settings pages, linked from the settings page: (label, list URL name, permission).
SETTINGS_PAGES = [
    (gettext_lazy("Taxes"), "accounting:tax_list", "accounting.view_tax"),
    (gettext_lazy("Tax groups"), "accounting:tax_group_list", "accounting.view_taxgroup"),
    (gettext_lazy("Fiscal positions"), "accounting:fiscal_position_list", "accounting.view_fiscalposition"),
    (gettext_lazy("Payment terms"), "accounting:payment_term_list", "accounting.view_bookspaymentterm"),
    (gettext_lazy("Cost centres"), "accounting:cost_centre_list", "accounting.view_costcentre"),
    (gettext_lazy("Fiscal years"), "accounting:fiscal_year_list", "accounting.view_fiscalyear"),
    (gettext_lazy("Chart of accounts"), "accounting:account_list", "accounting.view_account"),
    (gettext_lazy("Journals"), "accounting:journal_list", "accounting.view_journal"),
    (gettext_lazy("Revalue foreign currency"), "accounting:revaluation", "accounting.add_journalentry"),
]

BOOKS_RELATED = [
    "write_off_account", "exchange_gain_account", "exchange_loss_account", "exchange_journal",
    "receivable_account", "payable_account", "income_account", "expense_account", "bank_suspense_account",
    "earnings_account", "customer_advances_account",
]  # fmt: skip


class CompanyBooksMixin:
    """The page's record is the company's one settings row."""

    request: HttpRequest

    def get_object(self) -> BooksSettings:
        company = self.request.company  # type: ignore[attr-defined]
        if company is None:
            raise Http404
        queries.settings_of(company)  # a company without a chart yet gets empty settings, as posting does
        rows = self.get_queryset()  # type: ignore[attr-defined]
        return get_object_or_404(rows.select_related(*BOOKS_RELATED), company=company)  # type: ignore[no-any-return]


class BooksSettingsView(CompanyBooksMixin, ObjectDetailView):
    model = BooksSettings
    template_name = "accounting/books_settings.html"
    edit_url_name = None
    fields = [
        "chart_template", "lock_date", "tax_rounding", "write_off_tolerance", *BOOKS_RELATED,
        "revalue_at_period_end", "revalued_on",
    ]  # fmt: skip

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        user = self.request.user
        if self.can("change"):
            context["edit_url"] = reverse("accounting:books_settings_edit")
        if is_administrator(user):
            context["lock_date_url"] = reverse("accounting:lock_date")
        context["settings_links"] = [
            (label, reverse(name)) for label, name, permission in SETTINGS_PAGES if user.has_perm(permission)
        ]
        return context


class BooksSettingsEditView(CompanyBooksMixin, ObjectEditView):
    model = BooksSettings
    form_class = BooksSettingsForm
    title = gettext_lazy("Edit the accounting settings")
    service = ledger.update_books_settings

    def success_url(self, result: Model) -> str:
        return reverse("accounting:books_settings")

    def cancel_url(self) -> str:
        return reverse("accounting:books_settings")


class LockDateView(CompanyBooksMixin, ObjectFormView):
    """An administrator moves the lock date (``ledger.move_lock_date`` records it); anyone
    else is refused, whatever rights on the settings they hold."""

    model = BooksSettings
    form_class = LockDateForm
    title = gettext_lazy("Move the lock date")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not is_administrator(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        assert isinstance(self.object, BooksSettings)
        return {"lock_date": self.object.lock_date}

    def perform(self, form: forms.BaseForm) -> Model:
        user = self.request.user
        assert isinstance(user, User)  # signed in: ModelView
        return ledger.move_lock_date(self.request.company, user, form.cleaned_data["lock_date"])  # type: ignore[attr-defined]

    def success_url(self, result: Model) -> str:
        return reverse("accounting:books_settings")

    def success_message(self, result: Model) -> str:
        return str(gettext_lazy("The lock date is moved."))

    def cancel_url(self) -> str:
        return reverse("accounting:books_settings")


# --- fiscal years and periods -------------------------------------------------------------


def _period_state(period: Period) -> str:
    return str(period.get_state_display())


class PeriodActions(ActionView):
    model = Period
    url_name = "accounting:period_{name}"

    def object_url(self, obj: Model) -> str:
        return reverse("accounting:fiscal_year_detail", args=[obj.fiscal_year_id])  # type: ignore[attr-defined]

    actions = [
        Action(
            "close",
            gettext_lazy("Close"),
            lambda request, period: ledger.close_period(period, request.user),
            done=gettext_lazy("Period %(name)s is closed."),
            available=lambda period, user: period.state == Period.State.OPEN,
            next_url=lambda period: reverse("accounting:fiscal_year_detail", args=[period.fiscal_year_id]),
        ),
        Action(
            "reopen",
            gettext_lazy("Reopen"),
            lambda request, period: ledger.reopen_period(period, request.user),
            done=gettext_lazy("Period %(name)s is open again."),
            available=lambda period, user: period.state == Period.State.CLOSED,
            confirm=gettext_lazy("Reopen this period? Entries may then be posted into it again."),
            next_url=lambda period: reverse("accounting:fiscal_year_detail", args=[period.fiscal_year_id]),
        ),
    ]


class FiscalYearListView(ObjectListView):
    model = FiscalYear
    title = gettext_lazy("Fiscal years")
    columns = [
        Column("name", gettext_lazy("Name"), link=True),
        Column("start", gettext_lazy("Start"), sort="start"),
        Column("end", gettext_lazy("End")),
    ]
    sorts = {"start": SortKey("start", gettext_lazy("Start"), True)}
    default_sort = "start"
    create_url_name = "accounting:fiscal_year_create"
    create_label = gettext_lazy("New fiscal year")
    export_url_name = "accounting:fiscal_year_export"


class FiscalYearDetailView(ObjectDetailView):
    model = FiscalYear
    template_name = "accounting/fiscal_year_detail.html"
    list_url_name = "accounting:fiscal_year_list"
    fields = ["name", "start", "end"]

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        year: FiscalYear = self.object  # type: ignore[assignment]
        actions, csrf = PeriodActions(), get_token(self.request)
        periods = list(year.periods.order_by("start"))
        for period in periods:
            period.buttons = actions.buttons(self.request, period)  # type: ignore[attr-defined]
            period.csrf_token = csrf  # type: ignore[attr-defined]  # cells are drawn without the request
        columns = [
            Column("name", gettext_lazy("Period")),
            Column("start", gettext_lazy("Start")),
            Column("end", gettext_lazy("End")),
            Column("state", gettext_lazy("State"), accessor=_period_state),
            Column(
                "actions",
                gettext_lazy("Actions"),
                accessor=lambda p: "",
                template="accounting/_period_actions.html",
                export=False,
            ),
        ]
        context["periods"] = Table(columns, periods, caption=gettext_lazy("Periods"), key="periods")
        return context


class FiscalYearCreateView(ObjectCreateView):
    model = FiscalYear
    form_class = FiscalYearForm
    title = gettext_lazy("New fiscal year")
    service = ledger.create_fiscal_year
    list_url_name = "accounting:fiscal_year_list"


# --- a product's accounting defaults -----------------------------------------------------------


def product_accounting_panel(product: Product, request: HttpRequest) -> SafeString | None:
    """The product page's Accounting tab: its default taxes and accounts, and the link to change them."""
    row = (
        ProductAccounting.objects.filter(product=product)
        .select_related("income_account", "expense_account")
        .prefetch_related("sale_taxes", "purchase_taxes")
        .first()
    )
    context = {
        "row": row,
        "sale_taxes": list(row.sale_taxes.all()) if row else [],
        "purchase_taxes": list(row.purchase_taxes.all()) if row else [],
        "edit_url": reverse("accounting:product_accounting", args=[product.pk])
        if request.user.has_perm("accounting.change_productaccounting")
        else None,
    }
    return mark_safe(
        render_to_string("accounting/_product_accounting.html", context, request=request)
    )  # our template, escaped


class ProductAccountingView(ObjectFormView):
    """Set a product's default taxes and income/expense accounts (``taxes.set_product_accounting``)."""

    model = ProductAccounting
    action = "change"
    form_class = ProductAccountingForm
    product: Product

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and getattr(request, "company", None) is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object(self) -> Model | None:
        self.product = get_object_or_404(Product.objects.visible_to(self.request.user), pk=self.kwargs["pk"])
        return ProductAccounting.objects.filter(product=self.product).first()

    def base_context(self) -> dict[str, Any]:
        context = super().base_context()
        context["title"] = gettext_lazy("Accounting defaults of %(product)s") % {"product": self.product}
        return context

    def get_initial(self) -> dict[str, Any]:
        row = self.object
        if not isinstance(row, ProductAccounting):
            return {}
        return {
            "sale_taxes": list(row.sale_taxes.all()),
            "purchase_taxes": list(row.purchase_taxes.all()),
            "income_account": row.income_account,
            "expense_account": row.expense_account,
        }

    def perform(self, form: forms.BaseForm) -> Model:
        user = self.request.user
        assert isinstance(user, User)
        return taxes.set_product_accounting(self.product, user, **form.service_data())  # type: ignore[attr-defined]

    def success_url(self, result: Model) -> str:
        return str(self.product.get_absolute_url())

    def success_message(self, result: Model) -> str:
        return str(gettext_lazy("Saved the accounting defaults of “%(name)s”.") % {"name": self.product})

    def cancel_url(self) -> str:
        return str(self.product.get_absolute_url())
