"""``/api/v1/events/catalogue/``: every event Tandem records, what it carries, and whether
webhooks publish it — what an integrator will receive."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import events


class EventTypeSerializer(serializers.Serializer[events.EventType]):
    name = serializers.CharField(help_text="The event's name, as in a webhook's `type`.")
    label = serializers.CharField(help_text="What a person reads, in the request's language.")  # type: ignore[assignment]
    webhook = serializers.BooleanField(help_text="Whether webhook subscriptions receive it.")
    payload = serializers.DictField(
        child=serializers.CharField(), help_text="The fields of the event's `data`, with what each holds."
    )
    open_payload = serializers.BooleanField(help_text="Whether `data` may hold further fields.")

    def to_representation(self, instance: events.EventType) -> dict[str, Any]:
        return {
            "name": instance.name,
            "label": str(instance.label),
            "webhook": instance.webhook,
            "payload": dict(instance.payload),
            "open_payload": instance.open_payload,
        }


class EventCatalogueViewSet(viewsets.ViewSet):
    """The event catalogue; ``?webhook=true`` lists only what webhooks publish."""

    permission_classes = [permissions.IsAuthenticated]  # names and fields only, no records

    @extend_schema(responses=EventTypeSerializer(many=True), tags=["events"])
    def list(self, request: Request) -> Response:
        wanted = request.query_params.get("webhook")
        webhook = {"true": True, "false": False}.get(wanted or "")
        rows = events.catalogue(webhook=webhook)
        return Response(EventTypeSerializer(rows, many=True).data)  # type: ignore[arg-type]
