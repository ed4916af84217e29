"""Serializer building blocks: shape checks only; business rules stay in the services."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from tandem.core import countries, registry
from tandem.core.querysets import allowed_company

MAX_PK = 2**63 - 1
IGNORED_KEYS = frozenset({"csrfmiddlewaretoken"})

Scope = Callable[[QuerySet[Any], Any], QuerySet[Any]]


def visible(rows: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """The model's own record rule."""
    return rows.visible_to(user)  # type: ignore[attr-defined, no-any-return]


def same_company(rows: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """For company-owned models without a ``visible_to`` of their own (payment terms…)."""
    company = allowed_company(user)
    return rows.filter(company=company) if company is not None else rows.none()


def company_users(rows: QuerySet[Any], user: Any) -> QuerySet[Any]:
    company = allowed_company(user)
    return rows.filter(companies=company, is_active=True) if company is not None else rows.none()


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An integer id resolved only among the rows the requesting user may pick.

    An id outside them reads exactly like one that does not exist, so the API does not
    reveal another company's (or salesperson's) records.
    """

    default_error_messages = {
        "does_not_exist": gettext_lazy("Unknown id {pk_value}."),
        "incorrect_type": gettext_lazy("Expected an integer id, got {data_type}."),
    }

    def __init__(self, scope: Scope = visible, **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        rows = cast(QuerySet[Any], super().get_queryset())
        request = self.context.get("request")
        return self.scope(rows, getattr(request, "user", None))

    def run_validation(self, data: Any = empty) -> Any:
        if data == "":  # DRF reads "" as null for an HTML form; in this JSON API it names no row
            self.fail("incorrect_type", data_type="str")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(self._integer(data))

    def _integer(self, data: Any) -> int:
        if isinstance(data, str) and data.isascii() and data.isdigit() and len(data) <= 19:
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_PK:
            self.fail("does_not_exist", pk_value=data)
        return int(data)


class CountryField(serializers.CharField):
    """An ISO 3166-1 alpha-2 code, upper-cased; blank allowed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = str(super().to_internal_value(data)).upper()
        if value and value not in countries.codes():
            raise serializers.ValidationError(_("“%(value)s” is not an ISO country code.") % {"value": value})
        return value


class StrictFieldsMixin:
    """Refuse keys the serializer does not know instead of silently dropping them.

    Read-only fields (``id``, ``version``…) are accepted and ignored, so a client may send
    back what it read. A text field given a number is refused too: DRF would store ``-339320``
    as the text "-339320", hiding a client's mix-up of fields.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = self.fields  # type: ignore[attr-defined]
            unknown = sorted(str(key) for key in data if key not in known and key not in IGNORED_KEYS)
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown field.")] for key in unknown})
            not_text = sorted(
                str(key)
                for key, value in data.items()
                if isinstance(known.get(key), serializers.CharField) and not isinstance(value, str | None)
            )
            if not_text:
                raise serializers.ValidationError({key: [_("Not a valid string.")] for key in not_text})
        return super().to_internal_value(data)  # type: ignore[misc]


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class RecordWarningsField(serializers.Field):  # type: ignore[type-arg]
    """The warnings apps above the record's own raise on it (``core.registry.RecordWarnings``)
    that the reader may see, as the record's page shows them; read only, for a detail
    serializer (each record asks its sources)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> list[str]:
        return registry.warnings_for(value, self.context["request"].user)


@extend_schema_field({"oneOf": [{"type": "array", "items": {"type": "object"}}, {"type": "object"}]})
class RecordDataField(serializers.Field):  # type: ignore[type-arg]
    """The facts an app above the record's own adds to it under this field's name
    (``core.registry.RecordData``), as the reader may see them; read only, for a detail
    serializer (each record asks its source). The schema documents the source's own serializer
    (``api.schema.ServiceAutoSchema``); the generic one above is for a key no app registers."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return registry.data_for(value, self.context["request"].user, str(self.field_name))
