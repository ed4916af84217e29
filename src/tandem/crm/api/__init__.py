"""``/api/v1/crm/…``: pipelines (with their stages), stages, deals (``move``, ``win``, ``lose``,
``reopen``), activities (``complete``, ``cancel``). Thin: services write, filters read."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin, company_users
from tandem.api.viewsets import (
    CreateMixin,
    ExportMixin,
    RetrieveMixin,
    ServiceAutoSchema,
    ServiceViewSet,
    UpdateMixin,
)
from tandem.catalog.models import Product
from tandem.core.errors import Conflict, ValidationFailed
from tandem.core.models import Currency, User
from tandem.crm import calls, mail, services
from tandem.crm.filters import ActivityFilter, CommunicationFilter, DealFilter, PipelineFilter, StageFilter
from tandem.crm.models import (
    Activity,
    Communication,
    Deal,
    DealProduct,
    LostReason,
    Pipeline,
    SalesTeam,
    Stage,
)
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


class StageDetailSerializer(StageSerializer):
    class Meta(StageSerializer.Meta):
        fields = ["id", "version", "pipeline", *StageSerializer.Meta.fields[1:]]
        read_only_fields = fields


class StageCreateSerializer(StageWriteSerializer):
    pipeline = ScopedPrimaryKeyField(queryset=Pipeline.objects.all())


class StageUpdateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100, required=False)
    sequence = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    probability = _percent(required=False)
    is_won = serializers.BooleanField(required=False)
    is_lost = serializers.BooleanField(required=False)
    stall_days = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True)


class StageViewSet(RetrieveMixin, CreateMixin, UpdateMixin, mixins.ListModelMixin, ServiceViewSet):
    """A pipeline's stages, one by one: add a stage to a pipeline, rename or reorder it, change
    its default probability or after how many days without activity its deals count as
    stalled (``?pipeline=`` lists one pipeline's, in board order). Stages are not deleted."""

    model = Stage
    serializer_class = StageDetailSerializer
    write_serializer_class = StageCreateSerializer
    filterset_class = StageFilter
    ordering = ("sequence", "id")
    ordering_fields = ("id", "sequence")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    perms_map_overrides = {"DELETE": ["%(app_label)s.change_%(model_name)s"]}

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Stages are never deleted: deals and the funnel's history name them."""
        self.get_object()
        raise Conflict(_("A stage is not deleted: its deals and the funnel's history name it."))

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Stage):
            kwargs.setdefault("context", self.get_serializer_context())
            return StageUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> Stage:
        pipeline = data.pop("pipeline")
        return services.add_stage(pipeline, self.actor, **data)

    def perform_service_update(
        self, instance: Stage, data: dict[str, Any], expected_version: int | None
    ) -> Stage:
        return services.update_stage(instance, self.actor, expected_version=expected_version, **data)


# --- deals ------------------------------------------------------------------------------------


class DealSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    amount = _money(read_only=True)
    probability = _percent(read_only=True, allow_null=True)
    effective_probability = _percent(read_only=True)
    currency = serializers.CharField(source="currency_id", read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id", "version", "title", "partner", "contact", "owner", "team", "pipeline", "stage", "state",
            "amount", "currency", "probability", "effective_probability", "expected_close", "source",
            "lost_reason", "lost_note", "notes", "closed_at", "last_activity_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class DealProductSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, read_only=True)

    class Meta:
        model = DealProduct
        fields = ["product", "quantity"]
        read_only_fields = fields


class DealDetailSerializer(DealSerializer):
    """One deal, with its products of interest (the list leaves them out: one query less a page)."""

    products_of_interest = DealProductSerializer(many=True, read_only=True)

    class Meta(DealSerializer.Meta):
        fields = [*DealSerializer.Meta.fields, "products_of_interest"]
        read_only_fields = fields


class DealProductWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, default=Decimal(1))


def _interests(required: bool = False) -> Any:
    return DealProductWriteSerializer(
        many=True,
        required=required,
        help_text="The products of interest, replacing those the deal had: a quotation made from the deal "
        "starts with them as its lines.",
    )


class DealWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    title = serializers.CharField(max_length=200)
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all())
    contact = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    owner = ScopedPrimaryKeyField(
        scope=company_users, queryset=User.objects.all(), required=False, allow_null=True
    )
    pipeline = ScopedPrimaryKeyField(queryset=Pipeline.objects.all(), required=False, allow_null=True)
    stage = ScopedPrimaryKeyField(queryset=Stage.objects.all(), required=False, allow_null=True)
    team = ScopedPrimaryKeyField(
        queryset=SalesTeam.objects.all(), required=False, allow_null=True,
        help_text="The sales team the deal counts for; empty or null: the salesperson's team when they "
        "are in one team only.",
    )  # fmt: skip
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    currency = serializers.SlugRelatedField(
        slug_field="code", queryset=Currency.objects.filter(active=True), required=False, allow_null=True
    )
    probability = _percent(required=False, allow_null=True)
    expected_close = serializers.DateField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=Deal.Source.choices, required=False, allow_blank=True)  # type: ignore[assignment]
    notes = serializers.CharField(required=False, allow_blank=True)
    products_of_interest = _interests()


class DealUpdateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    title = serializers.CharField(max_length=200, required=False)
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False)
    contact = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    owner = ScopedPrimaryKeyField(
        scope=company_users, queryset=User.objects.all(), required=False, allow_null=True
    )
    team = ScopedPrimaryKeyField(
        queryset=SalesTeam.objects.all(), required=False, allow_null=True,
        help_text="The sales team the deal counts for. null takes the deal out of its team (the sales "
        "director or the team's leader only): it counts for no team until one is chosen or the "
        "salesperson changes.",
    )  # fmt: skip
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    currency = serializers.SlugRelatedField(
        slug_field="code", queryset=Currency.objects.filter(active=True), required=False
    )
    probability = _percent(required=False, allow_null=True)
    expected_close = serializers.DateField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=Deal.Source.choices, required=False, allow_blank=True)  # type: ignore[assignment]
    notes = serializers.CharField(required=False, allow_blank=True)
    products_of_interest = _interests()


class MoveSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    stage = ScopedPrimaryKeyField(queryset=Stage.objects.all())


class LoseSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    reason = ScopedPrimaryKeyField(queryset=LostReason.objects.all())
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def _products(data: dict[str, Any]) -> None:
    """``products_of_interest`` as the service takes them: ``products=[(product, quantity), …]``."""
    if "products_of_interest" in data:
        data["products"] = [(row["product"], row["quantity"]) for row in data.pop("products_of_interest")]


class DealViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Deals under the record rules (a salesperson: their own and their customers'). ``move/``
    to another stage of the pipeline, ``win/``, ``lose/`` (with a reason), ``reopen/``."""

    model = Deal
    serializer_class = DealDetailSerializer
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

    def get_serializer_class(self) -> Any:
        if self.action in ("list", "export"):
            return DealSerializer
        return super().get_serializer_class()

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Deal):
            kwargs.setdefault("context", self.get_serializer_context())
            return DealUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> Deal:
        fields = {name: value for name, value in data.items() if value is not None or name == "probability"}
        _products(fields)
        return services.create_deal(self.company, self.actor, **fields)

    def perform_service_update(
        self, instance: Deal, data: dict[str, Any], expected_version: int | None
    ) -> Deal:
        _products(data)
        return services.update_deal(instance, self.actor, expected_version=expected_version, **data)

    @extend_schema(request=MoveSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_deal"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move an open deal to another stage of its pipeline (the won stage wins it)."""
        self.get_object()  # a deal one may not see is not found, whatever the body
        data = self.validated(MoveSerializer(data=request.data, context=self.get_serializer_context()))
        return self.act(lambda d, v: services.move_deal(d, self.actor, data["stage"], expected_version=v))

    @extend_schema(request=None, responses=DealSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_deal"])
    def win(self, request: Request, pk: str | None = None) -> Response:
        return self.act(lambda d, v: services.win_deal(d, self.actor, expected_version=v))

    @extend_schema(request=LoseSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_deal"])
    def lose(self, request: Request, pk: str | None = None) -> Response:
        self.get_object()  # a deal one may not see is not found, whatever the body
        data = self.validated(LoseSerializer(data=request.data, context=self.get_serializer_context()))
        return self.act(
            lambda d, v: services.lose_deal(
                d, self.actor, reason=data["reason"], note=data["note"], expected_version=v
            )
        )

    @extend_schema(request=None, responses=DealSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_deal"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self.act(lambda d, v: services.reopen_deal(d, self.actor, expected_version=v))


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
        self.get_object()  # an activity one may not see is not found, whatever the body
        data = self.validated(CompleteSerializer(data=request.data, context=self.get_serializer_context()))
        return self.act(
            lambda activity, v: services.complete_activity(activity, self.actor, expected_version=v, **data)
        )

    @extend_schema(request=None, responses=ActivitySerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_activity"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self.act(
            lambda activity, v: services.cancel_activity(activity, self.actor, expected_version=v)
        )


# --- communications: e-mails and calls on the customer card -----------------------------------


class CommunicationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    recording_url = serializers.SerializerMethodField(help_text="an https link, or empty; never fetched")

    class Meta:
        model = Communication
        fields = [
            "id", "channel", "direction", "status", "external_id", "partner", "activity", "sender",
            "recipients", "subject", "occurred_at", "duration_seconds", "recording_url",
            "attachments_refused",
        ]  # fmt: skip
        read_only_fields = fields

    def get_recording_url(self, communication: Communication) -> str:
        return communication.recording_link


class SendEmailSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    deal = ScopedPrimaryKeyField(queryset=Deal.objects.all(), required=False, allow_null=True)
    to = serializers.ListField(child=serializers.CharField(max_length=254), min_length=1, max_length=50)
    subject = serializers.CharField(max_length=255)
    text = serializers.CharField(max_length=100_000)


class CommunicationViewSet(RetrieveMixin, mixins.ListModelMixin, ServiceViewSet):
    """E-mails and calls captured on the customer card (read only); ``email/`` sends one to a
    customer, or about a deal, and logs it as an e-mail activity."""

    model = Communication
    serializer_class = CommunicationSerializer
    filterset_class = CommunicationFilter
    ordering_fields = ("id", "occurred_at")
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=SendEmailSerializer, responses={201: CommunicationSerializer})
    @action(detail=False, methods=["post"], required_perms=["crm.add_activity"])
    def email(self, request: Request) -> Response:
        data = self.validated(SendEmailSerializer(data=request.data, context=self.get_serializer_context()))
        sent = mail.send_email(
            self.company, self.actor, to=data["to"], subject=data["subject"], text=data["text"],
            partner=data.get("partner"), deal=data.get("deal"),
        )  # fmt: skip
        return Response(CommunicationSerializer(sent).data, status=201)


class CallEventSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Documentation of the body a phone system posts (the endpoint reads the raw body, checks
    its signature, then each field)."""

    call_id = serializers.CharField(max_length=200, help_text="the provider's id of the call")
    event = serializers.ChoiceField(choices=calls.EVENTS)
    # the same choices (and so the same schema component) as a payment's direction
    direction = serializers.ChoiceField(choices=[("inbound", "Incoming"), ("outbound", "Outgoing")])
    caller = serializers.CharField(max_length=40, required=False, help_text="E.164, e.g. +38614001234")
    callee = serializers.CharField(max_length=40, required=False, help_text="E.164")
    started_at = serializers.DateTimeField(required=False, help_text="ISO 8601 with its offset")
    duration = serializers.IntegerField(min_value=0, max_value=86400, required=False, help_text="seconds")
    recording_url = serializers.CharField(
        max_length=500, required=False, help_text="https only; never fetched"
    )


class CallEventAnswerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    call_id = serializers.CharField()
    status = serializers.CharField()
    matched = serializers.BooleanField(help_text="whether the number belongs to a partner")


class CallEventViewSet(viewsets.ViewSet):
    """Call events from a PBX or VoIP provider, signed with the company's secret."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    schema = ServiceAutoSchema()  # documents the problem answers (401 unsigned, 400 bad event, 413)
    # Documented as JSON; the view reads the raw body itself (the signature covers the bytes).
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="crm_call_events_create",
        summary="Receive a call event",
        description=(
            "A phone system posts each call event (`ringing`, `answered`, `ended`, `missed`) here. "
            'Header `X-Tandem-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` '
            "with the company's secret (Settings → Phone system). Unsigned, wrongly signed or stale "
            "events (outside the replay window, 5 minutes by default) are a 401 and nothing is written. "
            "The same call's event sent again is logged once. Inbound `ringing` notifies the customer's "
            "salesperson; `ended`/`missed` logs a call activity on the customer's timeline; an unknown "
            "number opens a lead. The recording URL is stored, never fetched."
        ),
        parameters=[
            OpenApiParameter("company", str, OpenApiParameter.PATH, description="the company's code"),
            OpenApiParameter(
                calls.SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="t=<unix seconds>,v1=<hex HMAC-SHA256>",
                pattern=r"^t=\d+,v1=[0-9a-f]{64}$",
            ),
        ],
        request=CallEventSerializer,
        responses={200: CallEventAnswerSerializer},
        auth=[],
    )
    @action(detail=False, methods=["post"], url_path=r"(?P<company>[-a-zA-Z0-9_]{1,32})")
    def receive(self, request: Request, company: str) -> Response:
        body = request._request.body
        owner = calls.verify(company, request.headers.get(calls.SIGNATURE_HEADER), body)
        try:
            payload = json.loads(body.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError):
            raise ValidationFailed({"non_field_errors": [_("The body is not JSON.")]}) from None
        call = calls.receive_event(owner, payload)
        return Response(
            {"call_id": call.external_id, "status": call.status, "matched": call.partner_id is not None}
        )
