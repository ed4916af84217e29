"""OpenAPI for service viewsets: separate input and output shapes, conditional headers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

WRITE_ACTIONS = frozenset({"create", "update", "partial_update"})

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="Makes the POST safe to retry: the same key and body replay the first answer "
    "(header Idempotent-Replayed: true); the same key with another body is refused (422).",
)  # fmt: skip
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="The ETag you read; if the record changed since, nothing is written and the answer is 412.",
)  # fmt: skip
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="The ETag you hold; 304 Not Modified if it is still current.",
)  # fmt: skip


class ServiceAutoSchema(AutoSchema):
    """Create/update take the view's ``write_serializer_class`` and answer with its ``serializer_class``."""

    def get_request_serializer(self) -> Any:
        write = getattr(self.view, "write_serializer_class", None)
        if write is not None and getattr(self.view, "action", None) in WRITE_ACTIONS:
            return write
        return super().get_request_serializer()

    def get_response_serializers(self) -> Any:
        read = getattr(self.view, "serializer_class", None)
        if read is not None and getattr(self.view, "action", None) in WRITE_ACTIONS:
            return read
        return super().get_response_serializers()

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        versioned = getattr(self.view, "versioned", False)
        action = getattr(self.view, "action", None)
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        if versioned and action in {"update", "partial_update", "destroy"}:
            parameters.append(IF_MATCH)
        if versioned and action == "retrieve":
            parameters.append(IF_NONE_MATCH)
        return parameters


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents ``Authorization: Bearer <token>`` (a personal API token) in the schema."""

    target_class = "tandem.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token (tdm_…)."}
