"""``/api/v1/accounting/reports/<name>/``: a report's rows and totals as JSON.

Every report of the registry (``reports.REPORTS``), with the same parameters as the report
page (``start``, ``end`` as ISO dates, ``cost_centre`` where the report narrows by it; a report
that does not refuses it with a 400); amounts travel as decimal strings, a figure a row does not
have (the VAT report's rate of a fixed tax) as null. Only for those who see the books (``view_journalline``);
the company is the token's or the session's, so another company's books cannot be asked for.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.accounting.models import JournalLine
from tandem.accounting.queries import reports
from tandem.api.viewsets import ServiceViewSet

PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: the 1st of this month)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, included (default: today)."),
    OpenApiParameter(
        "cost_centre",
        OpenApiTypes.INT,
        description="Only lines of this cost centre (not for the VAT report: tax lines carry none).",
    ),
]


_money = reports.figure_text


def _figure(value: Decimal | None) -> str | None:
    return None if value is None else _money(value)


def _row(row: reports.Row) -> dict[str, Any]:
    return {
        "code": row.key,
        "name": row.name,
        "debit": _money(row.debit),
        "credit": _money(row.credit),
        "balance": _money(row.balance),
        "previous": _money(row.previous),
        "total": row.total,
        "section": row.section,
        **{key: _figure(value) for key, value in row.extra.items()},
        "lines": row.drill and {k: str(v) for k, v in row.drill.items()},
    }


class ReportViewSet(ServiceViewSet):
    model = JournalLine
    required_perms = ["accounting.view_journalline"]
    filter_backends: list[Any] = []
    pagination_class = None
    lookup_value_regex = "[a-z-]+"

    @extend_schema(
        parameters=PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description="Rows (code, name, debit, credit, balance, previous, the report's own figures), totals.",
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        kind = reports.REPORTS.get(pk or "")
        if kind is None:
            raise Http404
        params = kind.read(self.company, request.query_params, timezone.localdate())
        report = kind(params)
        previous = params.previous()
        return Response(
            {
                "report": report.name,
                "title": report.title,
                "start": params.start,
                "end": params.end,
                "previous_start": previous.start,
                "previous_end": previous.end,
                "cost_centre": params.cost_centre.pk if params.cost_centre else None,
                "rows": [_row(row) for row in report.rows],
                "totals": {key: _money(value) for key, value in report.totals.items()},
            }
        )
