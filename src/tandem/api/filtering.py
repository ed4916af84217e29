"""The django-filter backend of every API list: a filter value it cannot use is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from tandem.core.query_values import form_errors


class StrictFilterBackend(DjangoFilterBackend):
    """Refuses ``?active=-1``, ``?updated_after=9999-12-31T23:59-05:00`` and the like (400)."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if errors := form_errors(filterset.form):
            raise ValidationError(errors)
        return filterset.qs  # type: ignore[no-any-return]
