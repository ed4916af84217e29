"""``/api/v1/notifications/``: each person's own notifications — list, unread count, mark read.

No model permission is needed: everyone signed in has an inbox, and the record rule
(``Notification.objects.visible_to``) shows nobody anyone else's.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.viewsets import RetrieveMixin, ServiceViewSet
from tandem.core.notifications import services
from tandem.core.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = serializers.CharField(source="actor.get_username", default=None, read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "actor", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Unread only"))
    kind = django_filters.CharFilter()

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


_COUNT = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})
_MARKED = inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})


class NotificationViewSet(RetrieveMixin, mixins.ListModelMixin, ServiceViewSet):
    model = Notification
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    permission_classes = [IsAuthenticated]
    list_select_related = ("actor",)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark one notification as read (reading it again changes nothing)."""
        return self.respond(services.mark_read(self.get_object(), self.actor))

    @extend_schema(request=None, responses=_MARKED)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark every unread notification of the caller as read."""
        return Response({"marked": services.mark_all_read(self.actor)})

    @extend_schema(responses=_COUNT)
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request: Request, *args: Any) -> Response:
        """What the bell shows."""
        return Response({"unread": services.unread_count(self.actor)})
