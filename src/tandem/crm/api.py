"""``/api/v1/crm/…``: pipelines (with their stages), deals (``move``, ``win``, ``lose``,
``reopen``), activities (``complete``, ``cancel``). Thin: services write, filters read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin, company_users
from tandem.api.viewsets import CreateMixin, ExportMixin, RetrieveMixin, ServiceViewSet, UpdateMixin
from tandem.core.errors import Conflict
from tandem.core.models import Currency, User
from tandem.crm import services
from tandem.crm.filters import ActivityFilter, DealFilter, PipelineFilter
from tandem.crm.models import Activity, Deal, LostReason, Pipeline, Stage
from tandem.partners.models import Partner


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, **kwargs)


def _percent(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, coerce_to_string=True, **kwargs
    )


# --- pipelines --------------------------------------------------------------------------------


class StageSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    probability = _percent(read_only=True)

    class Meta:
        model = Stage
        fields = ["id", "name", "sequence", "probability", "is_won", "is_lost", "stall_days"]
        read_only_fields = fields


class PipelineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "version", "name", "is_default", "active", "stages"]
        read_only_fields = fields


class StageWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    sequence = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    probability = _percent(required=False)
    is_won = serializers.BooleanField(required=False, default=False)
    is_lost = serializers.BooleanField(required=False, default=False)
    stall_days = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True)


class PipelineWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    is_default = serializers.BooleanField(required=False, default=False)
    active = serializers.BooleanField(required=False, default=True)
    stages = StageWriteSerializer(many=True, required=False)


class PipelineUpdateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100, required=False)
    is_default = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)


class PipelineViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Pipelines with their stages in order. A company's first request makes its default one."""

    model = Pipeline
    serializer_class = PipelineSerializer
    write_serializer_class = PipelineWriteSerializer
    filterset_class = PipelineFilter
    list_prefetch_related = ("stages",)
    ordering_fields = ("id", "name")
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Pipeline):
            kwargs.setdefault("context", self.get_serializer_context())
            return PipelineUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> Pipeline:
        stages = data.pop("stages", None)
        services.ensure_setup(self.company, self.actor)
        return services.create_pipeline(
            self.company, self.actor, stages=stages if stages is not None else services.DEFAULT_STAGES, **data
        )

    def perform_service_update(
        self, instance: Pipeline, data: dict[str, Any], expected_version: int | None
    ) -> Pipeline:
        return services.update_pipeline(instance, self.actor, expected_version=expected_version, **data)


# --- deals ------------------------------------------------------------------------------------


class DealSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    amount = _money(read_only=True)
    probability = _percent(read_only=True, allow_null=True)
    effective_probability = _percent(read_only=True)
    currency = serializers.CharField(source="currency_id", read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id", "version", "title", "partner", "contact", "owner", "pipeline", "stage", "state", "amount",
            "currency", "probability", "effective_probability", "expected_close", "source", "lost_reason",
            "lost_note", "notes", "closed_at", "last_activity_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class DealWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    title = serializers.CharField(max_length=200)
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all())
    contact = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    owner = ScopedPrimaryKeyField(
        scope=company_users, queryset=User.objects.all(), required=False, allow_null=True
    )
    pipeline = ScopedPrimaryKeyField(queryset=Pipeline.objects.all(), required=False, allow_null=True)
    stage = ScopedPrimaryKeyField(queryset=Stage.objects.all(), required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    currency = serializers.SlugRelatedField(
        slug_field="code", queryset=Currency.objects.filter(active=True), required=False, allow_null=True
    )
    probability = _percent(required=False, allow_null=True)
    expected_close = serializers.DateField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=Deal.Source.choices, required=False, allow_blank=True)  # type: ignore[assignment]
    notes = serializers.CharField(required=False, allow_blank=True)


class DealUpdateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    title = serializers.CharField(max_length=200, required=False)
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False)
    contact = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    owner = ScopedPrimaryKeyField(
        scope=company_users, queryset=User.objects.all(), required=False, allow_null=True
    )
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    currency = serializers.SlugRelatedField(
        slug_field="code", queryset=Currency.objects.filter(active=True), required=False
    )
    probability = _percent(required=False, allow_null=True)
    expected_close = serializers.DateField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=Deal.Source.choices, required=False, allow_blank=True)  # type: ignore[assignment]
    notes = serializers.CharField(required=False, allow_blank=True)


class MoveSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    stage = ScopedPrimaryKeyField(queryset=Stage.objects.all())


class LoseSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    reason = ScopedPrimaryKeyField(queryset=LostReason.objects.all())
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DealViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Deals under the record rules (a salesperson: their own and their customers'). ``move/``
    to another stage of the pipeline, ``win/``, ``lose/`` (with a reason), ``reopen/``."""

    model = Deal
    serializer_class = DealSerializer
    write_serializer_class = DealWriteSerializer
    filterset_class = DealFilter
    list_select_related = ("stage",)
    ordering_fields = ("id", "created_at", "amount", "expected_close")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    perms_map_overrides = {"DELETE": ["%(app_label)s.change_%(model_name)s"]}

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Deals are never deleted: a deal that will not happen is lost, with its reason."""
        self.get_object()
        raise Conflict(_("A deal is not deleted: mark it lost, with the reason."))

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Deal):
            kwargs.setdefault("context", self.get_serializer_context())
            return DealUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> Deal:
        fields = {name: value for name, value in data.items() if value is not None or name == "probability"}
        return services.create_deal(self.company, self.actor, **fields)

    def perform_service_update(
        self, instance: Deal, data: dict[str, Any], expected_version: int | None
    ) -> Deal:
        return services.update_deal(instance, self.actor, expected_version=expected_version, **data)

    def _act(self, run: Any) -> Response:
        deal = self.get_object()
        expected = self.expected_version(deal)
        run(deal, expected)
        deal.refresh_from_db()
        return self.respond(deal)

    @extend_schema(request=MoveSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_deal"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move an open deal to another stage of its pipeline (the won stage wins it)."""
        self.get_object()  # a deal one may not see is not found, whatever the body
        data = self.validated(MoveSerializer(data=request.data, context=self.get_serializer_context()))
        return self._act(lambda d, v: services.move_deal(d, self.actor, data["stage"], expected_version=v))

    @extend_schema(request=None, responses=DealSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_deal"])
    def win(self, request: Request, pk: str | None = None) -> Response:
        return self._act(lambda d, v: services.win_deal(d, self.actor, expected_version=v))

    @extend_schema(request=LoseSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_deal"])
    def lose(self, request: Request, pk: str | None = None) -> Response:
        self.get_object()  # a deal one may not see is not found, whatever the body
        data = self.validated(LoseSerializer(data=request.data, context=self.get_serializer_context()))
        return self._act(
            lambda d, v: services.lose_deal(
                d, self.actor, reason=data["reason"], note=data["note"], expected_version=v
            )
        )

    @extend_schema(request=None, responses=DealSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_deal"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._act(lambda d, v: services.reopen_deal(d, self.actor, expected_version=v))


# --- activities -------------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Activity
        fields = [
            "id", "version", "kind", "subject", "deal", "partner", "assignee", "state", "due_at", "duration",
            "outcome", "notes", "done_at", "done_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ActivityWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    subject = serializers.CharField(max_length=200)
    deal = ScopedPrimaryKeyField(queryset=Deal.objects.all(), required=False, allow_null=True)
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    assignee = ScopedPrimaryKeyField(
        scope=company_users, queryset=User.objects.all(), required=False, allow_null=True
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False, default=False, help_text="true: log it as done now")
    duration = serializers.IntegerField(min_value=0, max_value=1440, required=False, allow_null=True)
    outcome = serializers.CharField(max_length=500, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class ActivityUpdateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=Activity.Kind.choices, required=False)
    subject = serializers.CharField(max_length=200, required=False)
    assignee = ScopedPrimaryKeyField(
        scope=company_users, queryset=User.objects.all(), required=False, allow_null=True
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    duration = serializers.IntegerField(min_value=0, max_value=1440, required=False, allow_null=True)
    outcome = serializers.CharField(max_length=500, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class CompleteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    outcome = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    duration = serializers.IntegerField(
        min_value=0, max_value=1440, required=False, allow_null=True, default=None
    )


class ActivityViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Calls, meetings, e-mails, tasks and notes on a deal or a customer: scheduled (``due_at``)
    or logged (``done: true``); ``complete/`` and ``cancel/`` a scheduled one."""

    model = Activity
    serializer_class = ActivitySerializer
    write_serializer_class = ActivityWriteSerializer
    filterset_class = ActivityFilter
    ordering_fields = ("id", "due_at")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    perms_map_overrides = {"DELETE": ["%(app_label)s.change_%(model_name)s"]}

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a planned activity (it stays in the history, cancelled)."""
        activity = self.get_object()
        services.cancel_activity(activity, self.actor, expected_version=self.expected_version(activity))
        return Response(status=204)

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Activity):
            kwargs.setdefault("context", self.get_serializer_context())
            return ActivityUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> Activity:
        done = data.pop("done", False)
        fields = {name: value for name, value in data.items() if value is not None}
        if done:
            return services.log_activity(self.company, self.actor, **fields)
        return services.schedule_activity(self.company, self.actor, **fields)

    def perform_service_update(
        self, instance: Activity, data: dict[str, Any], expected_version: int | None
    ) -> Activity:
        return services.update_activity(instance, self.actor, expected_version=expected_version, **data)

    @extend_schema(request=CompleteSerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_activity"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        activity = self.get_object()
        data = self.validated(CompleteSerializer(data=request.data, context=self.get_serializer_context()))
        expected = self.expected_version(activity)
        services.complete_activity(activity, self.actor, expected_version=expected, **data)
        activity.refresh_from_db()
        return self.respond(activity)

    @extend_schema(request=None, responses=ActivitySerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_activity"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        activity = self.get_object()
        expected = self.expected_version(activity)
        services.cancel_activity(activity, self.actor, expected_version=expected)
        activity.refresh_from_db()
        return self.respond(activity)
