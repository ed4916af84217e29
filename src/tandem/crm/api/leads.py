"""``/api/v1/crm/leads/``: leads under the record rules; ``qualify/``, ``disqualify/``,
``reopen/``, ``duplicates/`` (the customers it probably is) and ``convert/`` (link or make the
customer, open a deal). Thin: ``crm.services.leads`` writes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin, company_users
from tandem.api.viewsets import CreateMixin, ExportMixin, RetrieveMixin, ServiceViewSet, UpdateMixin
from tandem.core.errors import Conflict
from tandem.core.importing import duplicate_reasons
from tandem.core.models import Currency, User
from tandem.crm import services
from tandem.crm.filters.leads import LeadFilter
from tandem.crm.models import Lead, Pipeline, Stage
from tandem.partners.models import Partner


class LeadSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    budget = serializers.DecimalField(
        max_digits=18, decimal_places=2, coerce_to_string=True, read_only=True, allow_null=True
    )
    currency = serializers.CharField(source="currency_id", read_only=True, allow_null=True)

    class Meta:
        model = Lead
        fields = [
            "id", "version", "title", "source", "state", "company_name", "contact_name", "email", "phone",
            "budget", "currency", "need", "timeline", "owner", "partner", "deal", "disqualify_reason",
            "notes", "qualified_at", "converted_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class LeadWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Lead.Source.choices, required=False)  # type: ignore[assignment]
    company_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    budget = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True)
    currency = serializers.SlugRelatedField(
        slug_field="code", queryset=Currency.objects.filter(active=True), required=False, allow_null=True
    )
    need = serializers.CharField(required=False, allow_blank=True)
    timeline = serializers.ChoiceField(choices=Lead.Timeline.choices, required=False, allow_blank=True)
    owner = ScopedPrimaryKeyField(
        scope=company_users, queryset=User.objects.all(), required=False, allow_null=True
    )
    notes = serializers.CharField(required=False, allow_blank=True)


class LeadUpdateSerializer(LeadWriteSerializer):
    source = None  # type: ignore[assignment]  # where it came from stays as captured


class LeadDisqualifySerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500)


class LeadConvertSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    partner = ScopedPrimaryKeyField(
        queryset=Partner.objects.all(), required=False, allow_null=True,
        help_text="an existing customer to link (see duplicates/); empty: a new one from the lead",
    )  # fmt: skip
    allow_duplicate = serializers.BooleanField(
        required=False, default=False, help_text="make a new customer even where a probable duplicate exists"
    )
    open_deal = serializers.BooleanField(required=False, default=True)
    pipeline = ScopedPrimaryKeyField(queryset=Pipeline.objects.all(), required=False, allow_null=True)
    stage = ScopedPrimaryKeyField(queryset=Stage.objects.all(), required=False, allow_null=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )


DUPLICATES = inline_serializer(
    "LeadDuplicate",
    fields={
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "reasons": serializers.ListField(),
    },
    many=True,
)


class LeadViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Leads under the record rules (a salesperson: their own; the sales manager: all)."""

    model = Lead
    serializer_class = LeadSerializer
    write_serializer_class = LeadWriteSerializer
    filterset_class = LeadFilter
    ordering_fields = ("id", "created_at")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    perms_map_overrides = {"DELETE": ["%(app_label)s.change_%(model_name)s"]}

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Leads are never deleted: one that will not buy is disqualified, with the reason."""
        self.get_object()
        raise Conflict(_("A lead is not deleted: disqualify it, with the reason."))

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Lead):
            kwargs.setdefault("context", self.get_serializer_context())
            return LeadUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> Lead:
        fields = {name: value for name, value in data.items() if value is not None}
        return services.create_lead(self.company, self.actor, **fields)

    def perform_service_update(
        self, instance: Lead, data: dict[str, Any], expected_version: int | None
    ) -> Lead:
        return services.update_lead(instance, self.actor, expected_version=expected_version, **data)

    @extend_schema(request=None, responses=LeadSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_lead"])
    def qualify(self, request: Request, pk: str | None = None) -> Response:
        return self.act(lambda lead, v: services.qualify_lead(lead, self.actor, expected_version=v))

    @extend_schema(request=LeadDisqualifySerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_lead"])
    def disqualify(self, request: Request, pk: str | None = None) -> Response:
        self.get_object()  # a lead one may not see is not found, whatever the body
        data = self.validated(
            LeadDisqualifySerializer(data=request.data, context=self.get_serializer_context())
        )
        return self.act(
            lambda lead, v: services.disqualify_lead(
                lead, self.actor, reason=data["reason"], expected_version=v
            )
        )

    @extend_schema(request=None, responses=LeadSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_lead"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self.act(lambda lead, v: services.reopen_lead(lead, self.actor, expected_version=v))

    @extend_schema(responses=DUPLICATES)
    @action(detail=True, methods=["get"])
    def duplicates(self, request: Request, pk: str | None = None) -> Response:
        """The customers this lead probably is, of those one may open: candidates for ``convert/``."""
        lead = self.get_object()
        return Response(
            [
                {
                    "id": m.partner.pk,
                    "name": m.partner.name,
                    "reasons": [str(r) for r in duplicate_reasons(m.reasons)],
                }
                for m in services.lead_duplicates(lead, self.actor)
            ]
        )

    @extend_schema(request=LeadConvertSerializer, responses=LeadSerializer)
    @action(
        detail=True, methods=["post"], changes_record=True, required_perms=["crm.change_lead", "crm.add_deal"]
    )
    def convert(self, request: Request, pk: str | None = None) -> Response:
        """Link the lead to ``partner`` or make a new customer (refused with the candidates while a
        probable duplicate exists, unless ``allow_duplicate``), open a deal, mark it converted."""
        self.get_object()
        data = self.validated(LeadConvertSerializer(data=request.data, context=self.get_serializer_context()))
        return self.act(lambda lead, v: services.convert_lead(lead, self.actor, expected_version=v, **data))
