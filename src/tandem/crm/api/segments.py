"""``/api/v1/crm/segments/``: saved partner filters (create, change, read) and ``members/``,
the partners the caller may see that match, paged like every list."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import StrictFieldsMixin
from tandem.api.viewsets import CreateMixin, ExportMixin, RetrieveMixin, ServiceViewSet, UpdateMixin
from tandem.crm import segments
from tandem.crm.models import Segment
from tandem.crm.views.segments import SegmentFilter
from tandem.partners.models import Partner


class SegmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    criteria = serializers.DictField(read_only=True, help_text="The filters; see the module's documentation.")
    member_count = serializers.SerializerMethodField(
        help_text="How many partners the caller may see match, counted now."
    )

    class Meta:
        model = Segment
        fields = [
            "id",
            "version",
            "name",
            "description",
            "criteria",
            "member_count",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_member_count(self, segment: Segment) -> int:
        counted = getattr(segment, "member_count", None)  # a list page counts all its rows at once
        if counted is None:
            request = self.context.get("request")
            counted = segments.count(segment.criteria, getattr(request, "user", None))
        return int(counted)


class SegmentWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    criteria = serializers.DictField(
        required=False,
        help_text="tags, owners, stages: lists of ids; countries: ISO codes; city; created_from, created_to, "
        "active_since, inactive_since: YYYY-MM-DD; won_min, won_max: decimal strings.",
    )


class SegmentUpdateSerializer(SegmentWriteSerializer):
    name = serializers.CharField(max_length=100, required=False)


class SegmentMemberSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Partner
        fields = ["id", "name", "kind", "email", "phone", "country", "owner"]
        read_only_fields = fields


class SegmentViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Segments of the company; ``members/`` lists the matching partners the caller may see."""

    model = Segment
    serializer_class = SegmentSerializer
    write_serializer_class = SegmentWriteSerializer
    filterset_class = SegmentFilter
    ordering_fields = ("id", "name")
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def paginate_queryset(self, queryset: Any) -> Any:
        """The page's segments with their member counts, all counted in one query."""
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            segments.set_member_counts(page, self.request.user)
        return page

    def prepare_export(self, records: list[Any]) -> None:
        """An export chunk's segments with their member counts, all counted in one query."""
        segments.set_member_counts(records, self.request.user)

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Segment):
            kwargs.setdefault("context", self.get_serializer_context())
            return SegmentUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> Segment:
        return segments.create_segment(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Segment, data: dict[str, Any], expected_version: int | None
    ) -> Segment:
        return segments.update_segment(instance, self.actor, expected_version=expected_version, **data)

    @extend_schema(responses=SegmentMemberSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def members(self, request: Request, pk: str | None = None) -> Response:
        segment = self.get_object()
        rows = segments.members(segment.criteria, request.user).order_by("-id")
        page = self.paginate_queryset(rows)
        data = SegmentMemberSerializer(page if page is not None else rows[:50], many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)
