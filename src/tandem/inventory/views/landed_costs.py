"""Landed costs: list, page (its cost lines, the form adding one, validate and cancel), form;
created from a done receipt's page. Accountants and administrators; auditors read."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import BusinessError
from tandem.inventory.forms import LandedCostForm, LandedCostLineForm, done_receipts
from tandem.inventory.models import LandedCost, LandedCostLine
from tandem.inventory.services import landed_costs as services
from tandem.inventory.services import valuation
from tandem.web import autocomplete
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.generic import (
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table

Draft = LandedCost.State.DRAFT

autocomplete.register(
    "inventory.receipt",
    autocomplete.Source(
        rows=lambda request: done_receipts(request.user),
        search=lambda rows, text: rows.filter(number__icontains=text),
        order=("-id",),
    ),
)


class LandedCostActions(ActionView):
    model = LandedCost
    url_name = "inventory:landed_cost_{name}"
    actions = [
        Action(
            "validate",
            gettext_lazy("Validate"),
            lambda request, row: services.validate_landed_cost(row, request.user),
            done=gettext_lazy("Validated: the goods are revalued and the costs posted."),
            confirm=gettext_lazy(
                "Spread these costs over the receipt's goods and post them? This cannot be undone."
            ),
            available=lambda row, user: row.state == Draft,
            style="success",
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, row: services.cancel_landed_cost(row, request.user),
            done=gettext_lazy("Cancelled."),
            available=lambda row, user: row.state == Draft,
            style="outline-danger",
        ),
    ]


COLUMNS = [
    Column("name", gettext_lazy("Number"), link=True, sort="name"),
    Column("reference", gettext_lazy("Reference")),
    Column("receipt", gettext_lazy("Receipt"), link=lambda row: row.receipt.get_absolute_url()),
    Column("split", gettext_lazy("Spread")),
    Column("date", gettext_lazy("Date"), sort="date"),
    Column("state", gettext_lazy("State")),
]
LINE_COLUMNS = [
    Column("description", gettext_lazy("Description")),
    Column("account", gettext_lazy("Account")),
    Column("amount", gettext_lazy("Amount"), numeric=True),
]
SHARE_COLUMNS = [
    Column("product", gettext_lazy("Product")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True),
    Column("value", gettext_lazy("Value"), numeric=True),
    Column("weight", gettext_lazy("Weighs in the split"), numeric=True),
    Column("share", gettext_lazy("Share"), numeric=True),
]


class LandedCostListView(ObjectListView):
    model = LandedCost
    columns = COLUMNS
    sorts = {
        "date": SortKey("date", gettext_lazy("Date"), descending=True),
        "name": SortKey("name", gettext_lazy("Number")),
    }
    default_sort = "date"
    create_url_name = "inventory:landed_cost_create"
    create_label = gettext_lazy("New landed cost")
    export_url_name = "inventory:landed_cost_export"

    def decorate(self, rows: QuerySet[LandedCost]) -> QuerySet[LandedCost]:
        return rows.select_related("receipt")


class _Share:
    def __init__(self, product: Any, quantity: Any, value: Any, weight: Any, share: Any) -> None:
        self.product, self.quantity, self.value, self.weight, self.share = (
            product,
            quantity,
            value,
            weight,
            share,
        )


def _preview(row: LandedCost, total: Any) -> list[_Share]:
    """How the draft's total would be spread over the receipt's goods (nothing is written)."""
    layers = valuation.receipt_layers(row.receipt)
    if not layers:
        return []
    weights = valuation.split_weights(layers, row.split)
    if sum(weights, valuation.ZERO) <= 0 or not total:
        return [
            _Share(layer.product, layer.quantity, layer.value, w, None)
            for layer, w in zip(layers, weights, strict=True)
        ]
    parts = valuation.shares(total, weights, row.company)
    return [
        _Share(layer.product, layer.quantity, layer.value, weight, part)
        for layer, weight, part in zip(layers, weights, parts, strict=True)
    ]


class LandedCostDetailView(ObjectDetailView):
    model = LandedCost
    template_name = "inventory/landed_cost_detail.html"
    action_view = LandedCostActions
    edit_url_name = "inventory:landed_cost_edit"
    list_url_name = "inventory:landed_cost_list"
    fields = ["name", "state", "receipt", "split", "date", "reference", "entry", "notes", "done_at"]

    def get_queryset(self) -> QuerySet[LandedCost]:
        return super().get_queryset().select_related("receipt", "entry", "company__currency")

    def get_context(self) -> dict[str, Any]:
        row: LandedCost = self.object  # type: ignore[assignment]
        lines = list(row.lines.select_related("account").order_by("id"))
        total = sum((line.amount for line in lines), valuation.ZERO)
        draft = row.state == Draft and self.can("change")
        context = super().get_context()
        if row.state != Draft:
            context["edit_url"] = None
        context.update(
            {
                "lines": Table(LINE_COLUMNS, lines, caption=gettext_lazy("Costs"), key="lines"),
                "line_rows": lines if draft else [],
                "total": total,
                "shares": Table(
                    SHARE_COLUMNS,
                    _preview(row, total),
                    caption=gettext_lazy("Spread over the goods"),
                    key="shares",
                ),
                "line_form": LandedCostLineForm(request=self.request) if draft else None,
                "line_url": reverse("inventory:landed_cost_line_add", args=[row.pk]) if draft else None,
            }
        )
        return context


class LandedCostCreateView(ObjectCreateView):
    model = LandedCost
    form_class = LandedCostForm
    title = gettext_lazy("New landed cost")
    service = services.create_landed_cost
    list_url_name = "inventory:landed_cost_list"

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {"date": timezone.localdate(), "split": LandedCost.Split.VALUE}
        receipt = str(self.request.GET.get("receipt", ""))
        if receipt.isdigit():
            initial["receipt"] = done_receipts(self.request.user).filter(pk=int(receipt)).first()
        return initial


class LandedCostEditView(ObjectEditView):
    model = LandedCost
    form_class = LandedCostForm
    service = services.update_landed_cost

    def get_queryset(self) -> QuerySet[LandedCost]:
        return super().get_queryset().filter(state=Draft)


class LandedCostLineAddView(ObjectFormView):
    """Add a cost line to a draft (its page's form posts here)."""

    model = LandedCost
    action = "change"
    form_class = LandedCostLineForm
    title = gettext_lazy("Add a cost")

    def get_object(self) -> Model:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def make_form(self, **kwargs: Any) -> forms.BaseForm:
        kwargs.setdefault("initial", self.get_initial())
        return LandedCostLineForm(request=self.request, **kwargs)

    def perform(self, form: forms.BaseForm) -> Model:
        return services.add_cost_line(self.object, self.request.user, **form.service_data())  # type: ignore[arg-type, attr-defined]

    def success_url(self, result: Model) -> str:
        return str(self.object.get_absolute_url())  # type: ignore[union-attr]

    def success_message(self, result: Model) -> str:
        return _("Added “%(name)s”.") % {"name": getattr(result, "description", result)}


class LandedCostLineRemoveView(ModelView):
    """POST: take a cost line off a draft."""

    model = LandedCost
    action = "change"

    def post(self, request: HttpRequest, pk: int, line: int) -> HttpResponseBase:
        row = get_object_or_404(self.get_queryset(), pk=pk)
        found = get_object_or_404(LandedCostLine, landed_cost=row, pk=line)
        try:
            services.remove_cost_line(found, request.user)  # type: ignore[arg-type]
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The cost was removed."))
        return redirect(row.get_absolute_url())
