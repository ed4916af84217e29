from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from tandem.core.query_values import BadQueryValue, check_storable, field_value


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pages: as fast on the millionth row as on the first; no COUNT(*).

    The order is the view's ``ordering`` (default ``-id``) or the client's ``?ordering=``
    among the view's ``ordering_fields``, always ending with the primary key so that
    rows sharing a value keep a stable place. A ``page_size`` that is not a whole number
    from 1 to ``max_page_size``, or a cursor this API did not make, is a 400 naming it.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-id",)
    _model: type[Model] | None = None

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> Any:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0
        if not 1 <= size <= self.max_page_size:
            message = _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                self._check_position(str(cursor.position))
        except (NotFound, BadQueryValue) as refused:
            message = _("This cursor was not made by this list; start again from the first page.")
            raise ValidationError({self.cursor_query_param: [message]}) from refused
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters

    def _check_position(self, position: str) -> None:
        name = self.ordering[0].lstrip("-")
        try:
            field = self._model._meta.get_field(name) if self._model is not None else None
        except FieldDoesNotExist:
            field = None
        if field is None:
            check_storable(position)
        else:
            field_value(field, position)  # type: ignore[arg-type]


class StableOrderingFilter(OrderingFilter):
    """``?ordering=name_key`` or ``?ordering=-updated_at``; the primary key breaks ties.

    A field the view does not offer is a 400 naming ``ordering`` (not silently ignored).
    """

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> list[str]:
        self._refuse_unknown(request, queryset, view)
        ordering = list(super().get_ordering(request, queryset, view) or ["-id"])
        if not {"id", "-id", "pk", "-pk"} & set(ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        fields = list(getattr(view, "ordering_fields", None) or ["id"])
        terms = [f"{sign}{name}" for name in fields for sign in ("", "-")]
        for parameter in parameters:
            if parameter["name"] == self.ordering_param:
                parameter["schema"] = {"type": "string", "enum": terms}
        return parameters

    def _refuse_unknown(self, request: Request, queryset: QuerySet[Any], view: Any) -> None:
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return
        offered = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
        unknown = [term for term in (t.strip() for t in raw.split(",")) if term.lstrip("-") not in offered]
        if unknown:
            message = _("Order by one of: %(fields)s.") % {"fields": ", ".join(sorted(offered))}
            raise ValidationError({self.ordering_param: [message]})
