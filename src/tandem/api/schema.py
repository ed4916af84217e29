"""OpenAPI for service viewsets: separate input and output shapes, conditional headers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.module_loading import import_string
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, append_meta, is_list_serializer
from drf_spectacular.utils import OpenApiParameter
from rest_framework.mixins import ListModelMixin

from tandem.api.conditional import ENTITY_TAGS
from tandem.api.fields import RecordDataField
from tandem.core import registry

WRITE_ACTIONS = frozenset({"create", "update", "partial_update"})

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "pattern": "^[!-~]{1,128}$"}, OpenApiParameter.HEADER,
    description="1 to 128 visible ASCII characters, e.g. a UUID. Makes the POST safe to retry: the same "
    "key and body replay the first answer (header Idempotent-Replayed: true); the same key with another "
    "body is refused (422); a key still being processed answers 409.",
)  # fmt: skip
IF_MATCH = OpenApiParameter(
    "If-Match", {"type": "string", "pattern": ENTITY_TAGS}, OpenApiParameter.HEADER,
    description='The ETag you read (a quoted string such as "3f2a…", or *); if the record changed '
    "since, nothing is written and the answer is 412.",
)  # fmt: skip
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", {"type": "string", "pattern": ENTITY_TAGS}, OpenApiParameter.HEADER,
    description="The ETag you hold; 304 Not Modified if it is still current.",
)  # fmt: skip


PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details. Validation problems name each field in errors; a "
    "probable duplicate lists the ones the caller may open (duplicates) and counts the others.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {}},
        "duplicates": {"type": "array", "items": {"type": "object"}},
        "hidden_duplicates": {"type": "integer"},
    },
    "required": ["type", "title", "status", "detail"],
}
PROBLEMS = {
    400: "The request is invalid: a field, filter, cursor or header value it cannot use (errors names them).",
    401: "No valid credentials: a missing, wrong or revoked token.",
    403: "Not allowed for this user or company.",
    404: "No such record among those the user may see.",
    406: "The Accept header asks for a representation the API does not make.",
    409: "A conflict: a probable duplicate, or the same Idempotency-Key still in progress.",
    412: "If-Match did not match: the record changed since it was read; nothing was written.",
    413: "The request body is too large.",
    415: "The body's media type is not accepted.",
    422: "The Idempotency-Key was already used for a different request.",
    429: "Too many requests from this address; try again later.",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def problem_statuses(method: str, with_if_match: bool, has_body: bool) -> list[int]:
    statuses = [400, 401, 403, 404, 406]
    if method in UNSAFE:
        statuses += [409, 413]
    if has_body:
        statuses.append(415)
    if with_if_match:
        statuses.append(412)
    if method == "POST":
        statuses.append(422)
    return sorted(statuses)


def _typed(schema: dict[str, Any]) -> bool:
    """A value with a shape (a number, a date, one of a list): empty is not one of them, yet
    the API reads it as the filter left empty; a free text may be empty anyway."""
    return schema.get("type") != "string" or "enum" in schema or "format" in schema


class ServiceAutoSchema(AutoSchema):
    """Create/update take the view's ``write_serializer_class`` and answer with its
    ``detail_serializer_class`` or else its ``serializer_class``.

    Every operation also documents the problem-details answers it can give (a view adds its own,
    such as 429, in ``extra_problem_statuses``), and text fields
    that may be blank are documented as returned (``website: ""`` is not a URI).
    """

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        headers = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"}
        ref = {"$ref": "#/components/schemas/Problem"}
        self.registry.register_on_missing(
            ResolvedComponent(name="Problem", type=ResolvedComponent.SCHEMA, object="Problem", schema=PROBLEM)
        )
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query" and _typed(parameter.get("schema", {})):
                parameter["allowEmptyValue"] = True  # ``?active=`` is a filter left empty, as forms send it
        statuses = problem_statuses(self.method, "If-Match" in headers, "requestBody" in operation)
        for status in statuses + list(getattr(self.view, "extra_problem_statuses", ())):
            operation["responses"].setdefault(
                str(status),
                {"content": {"application/problem+json": {"schema": ref}}, "description": PROBLEMS[status]},
            )
        return operation

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        if isinstance(field, RecordDataField):
            documented = self._record_data_schema(field, direction)
            if documented is not None:
                return append_meta(documented, self._get_serializer_field_meta(field, direction))
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        formatted = isinstance(schema, dict) and schema.get("type") == "string" and "format" in schema
        if formatted and _may_be_blank(field):
            rest = {k: v for k, v in schema.items() if k not in {"type", "format"}}
            typed = {"type": "string", "format": schema["format"]}
            return {"anyOf": [typed, {"type": "string", "maxLength": 0}], **rest}
        return schema

    def _record_data_schema(self, field: RecordDataField, direction: Any) -> dict[str, Any] | None:
        """The registered source's serializer for a ``RecordDataField`` (an array of it, or it)."""
        model = getattr(getattr(field.parent, "Meta", None), "model", None)
        source = (
            registry.record_data_source(model._meta.label_lower, str(field.field_name)) if model else None
        )
        if source is None:
            return None
        component = self.resolve_serializer(import_string(source.schema), direction)
        return {"type": "array", "items": component.ref} if source.many else dict(component.ref)

    def get_request_serializer(self) -> Any:
        write = getattr(self.view, "write_serializer_class", None)
        if write is not None and getattr(self.view, "action", None) in WRITE_ACTIONS:
            return write
        return super().get_request_serializer()

    def get_response_serializers(self) -> Any:
        read = getattr(self.view, "detail_serializer_class", None) or getattr(
            self.view, "serializer_class", None
        )
        if read is not None and getattr(self.view, "action", None) in WRITE_ACTIONS:
            return read
        return super().get_response_serializers()

    def _is_list_view(self, serializer: Any = None) -> bool:
        # A ``list`` written by hand (no ListModelMixin) answers one object, such as a report or
        # an availability, unless its serializer says ``many``; drf-spectacular assumes an array.
        if getattr(self.view, "action", None) == "list" and not isinstance(self.view, ListModelMixin):
            return is_list_serializer(
                serializer if serializer is not None else self.get_response_serializers()
            )
        return bool(super()._is_list_view(serializer))

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        versioned = getattr(self.view, "versioned", False)
        action = getattr(self.view, "action", None)
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        changing = self.method != "GET" and getattr(self.view, "changes_record", False)
        if versioned and (action in {"update", "partial_update", "destroy"} or changing):
            parameters.append(IF_MATCH)
        if versioned and action == "retrieve":
            parameters.append(IF_NONE_MATCH)
        return parameters


def _may_be_blank(field: Any) -> bool:
    """The field accepts or returns "": a blank CharField input, or a model field with blank=True."""
    if getattr(field, "allow_blank", False):
        return True
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or not getattr(field, "source", None):
        return False
    try:
        return bool(model._meta.get_field(field.source).blank)
    except FieldDoesNotExist:
        return False


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents ``Authorization: Bearer <token>`` (a personal API token) in the schema."""

    target_class = "tandem.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (tdm_…)."}
