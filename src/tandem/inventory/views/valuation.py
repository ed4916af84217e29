"""The stock valuation report: the value of stock at a date, per product, category or warehouse
(one SQL query, ``inventory.queries.valuation``), with its Excel export. Accountants and
administrators (they hold ``view_valuationlayer``); warehouse staff do not see values."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.querysets import allowed_company
from tandem.inventory.models import ValuationLayer
from tandem.inventory.queries import valuation as queries
from tandem.web.display import as_text
from tandem.web.exports import xlsx_table_response
from tandem.web.generic import ModelView

GROUPS = {
    "product": gettext_lazy("Product"),
    "category": gettext_lazy("Category"),
    "warehouse": gettext_lazy("Warehouse"),
}


def _read(params: Any) -> tuple[datetime.date, str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    at = timezone.localdate()
    raw = str(params.get("date", "") or "").strip()
    if raw:
        try:
            at = datetime.date.fromisoformat(raw)
        except ValueError:
            errors["date"] = [_("Enter a date as YYYY-MM-DD.")]
    by = str(params.get("by", "") or "product")
    if by not in GROUPS:
        errors["by"] = [_("Group by product, category or warehouse.")]
        by = "product"
    return at, by, errors


class StockValuationView(ModelView):
    """``/inventory/valuation/?date=…&by=product|category|warehouse[&format=xlsx]``."""

    model = ValuationLayer
    template_name = "inventory/valuation.html"
    title = gettext_lazy("Stock valuation")

    def get(self, request: HttpRequest) -> HttpResponseBase:
        company = allowed_company(request.user)
        if company is None:
            raise Http404
        at, by, errors = _read(request.GET)
        rows = queries.stock_value(company.pk, at, by)
        header = [_("Code"), str(GROUPS[by]), _("Quantity"), _("Value")]
        if request.GET.get("format") == "xlsx":
            if errors:
                from django.http import HttpResponseBadRequest

                return HttpResponseBadRequest(
                    " ".join(" ".join(v) for v in errors.values()), content_type="text/plain; charset=utf-8"
                )
            table = [[row.code, row.name, row.quantity, row.value] for row in rows]
            return xlsx_table_response(
                header, table, stem=f"stock-valuation-{at:%Y%m%d}", title=str(self.title)
            )
        total = sum((row.value for row in rows), queries.ZERO)
        context = {
            **self.base_context(),
            "title": self.title,
            "at": at,
            "by": by,
            "groups": list(GROUPS.items()),
            "header": header,
            "rows": [(row.code, row.name, as_text(row.quantity), as_text(row.value)) for row in rows],
            "total": as_text(total),
            "errors": errors,
            "query": urlencode({"date": at.isoformat(), "by": by}),
        }
        return render(request, self.template_name, context, status=400 if errors else 200)
