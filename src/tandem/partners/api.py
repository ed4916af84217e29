"""Partners over HTTP: serializers check shape, ``partners.services`` do every write.

``/api/v1/partners/partners/`` (list, read, create, update, archive, export, merge),
``/api/v1/partners/addresses/`` and the read-only ``/api/v1/partners/tags/``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import (
    CountryField,
    ScopedPrimaryKeyField,
    StrictFieldsMixin,
    company_users,
    same_company,
)
from tandem.api.viewsets import (
    CreateMixin,
    RetrieveMixin,
    ServiceModelViewSet,
    ServiceViewSet,
    UpdateMixin,
)
from tandem.core.models import Currency, PaymentTerm, User
from tandem.partners import services
from tandem.partners.filters import AddressFilter, PartnerFilter
from tandem.partners.models import Address, CustomerGroup, Partner, Tag

PARTNER_FIELDS = [
    "id", "kind", "name", "organisation", "job_title", "is_customer", "is_supplier", "owner", "tags", "group",
    "language", "currency", "payment_term", "email", "phone", "mobile", "website", "country", "tax_id",
    "registry_id", "ref", "notes", "active", "merged_into", "created_at", "updated_at", "version",
]  # fmt: skip
PARTNER_SYSTEM_FIELDS = {"id", "merged_into", "created_at", "updated_at"}
ADDRESS_FIELDS = ["kind", "street", "house", "unit", "postal_code", "city", "region", "country", "is_default"]
ADDRESS_TEXT_MAX = 500
PHONE_INPUT_MAX = 40  # as typed, with spaces and brackets; stored as E.164


class PartnerSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """What a partner looks like: its own fields and the ids of related rows."""

    tags: serializers.PrimaryKeyRelatedField[Tag] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Partner
        fields = PARTNER_FIELDS
        read_only_fields = PARTNER_FIELDS


class AddressInputSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryField()

    class Meta:
        model = Address
        fields = ADDRESS_FIELDS


def _organisations(rows: Any, user: Any) -> Any:
    return rows.visible_to(user).filter(kind=Partner.Kind.ORGANISATION)


class PartnerWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    """What a client may send; ids resolve only among rows the user may pick."""

    organisation = ScopedPrimaryKeyField(
        queryset=Partner.objects.all(), scope=_organisations, required=False, allow_null=True
    )
    owner = ScopedPrimaryKeyField(
        queryset=User.objects.all(), scope=company_users, required=False, allow_null=True
    )
    group = ScopedPrimaryKeyField(queryset=CustomerGroup.objects.all(), required=False, allow_null=True)
    payment_term = ScopedPrimaryKeyField(
        queryset=PaymentTerm.objects.all(), scope=same_company, required=False, allow_null=True
    )
    currency = serializers.SlugRelatedField(
        slug_field="code", queryset=Currency.objects.filter(active=True), required=False, allow_null=True
    )
    tags = ScopedPrimaryKeyField(queryset=Tag.objects.all(), many=True, required=False)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=PHONE_INPUT_MAX)
    mobile = serializers.CharField(required=False, allow_blank=True, max_length=PHONE_INPUT_MAX)
    country = CountryField()
    addresses = AddressInputSerializer(many=True, required=False, write_only=True)
    address_text = serializers.CharField(
        required=False, allow_blank=True, max_length=ADDRESS_TEXT_MAX, write_only=True
    )
    allow_duplicate = serializers.BooleanField(required=False, write_only=True)

    class Meta:
        model = Partner
        fields = [
            *[name for name in PARTNER_FIELDS if name not in PARTNER_SYSTEM_FIELDS],
            "addresses", "address_text", "allow_duplicate",
        ]  # fmt: skip
        read_only_fields = ["version"]
        validators: list[Any] = []  # uniqueness is the service's business (a 409 with the duplicates)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and ({"addresses", "address_text"} & attrs.keys()):
            raise serializers.ValidationError(
                {
                    "addresses": [
                        _("Change the addresses of an existing partner at /api/v1/partners/addresses/.")
                    ]
                }
            )
        return attrs


class MergeSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    duplicates = ScopedPrimaryKeyField(queryset=Partner.objects.all(), many=True, allow_empty=False)


class PartnerViewSet(ServiceModelViewSet):
    """Organisations and people. DELETE archives; a merge folds duplicates into this one."""

    model = Partner
    serializer_class = PartnerSerializer
    write_serializer_class = PartnerWriteSerializer
    filterset_class = PartnerFilter
    list_prefetch_related = ("tags",)
    ordering_fields = ("id", "name_key", "created_at", "updated_at")

    def perform_service_create(self, data: dict[str, Any]) -> Partner:
        return services.create_partner(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Partner, data: dict[str, Any], expected_version: int | None
    ) -> Partner:
        return services.update_partner(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: Partner, expected_version: int | None) -> None:
        if expected_version is None:
            services.archive_partner(instance, self.actor)
        else:  # archive_partner takes no expected version; this is the same call with the check
            services.update_partner(instance, self.actor, expected_version=expected_version, active=False)

    @extend_schema(request=MergeSerializer, responses=PartnerSerializer)
    @action(detail=True, methods=["post"], required_perms=["partners.change_partner"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Fold ``duplicates`` into this partner: their references move here, they are archived."""
        survivor = self.get_object()
        data = self.validated(MergeSerializer(data=request.data, context=self.get_serializer_context()))
        survivor = services.merge_partners(survivor, data["duplicates"], self.actor)
        return self.respond(survivor)


class TagSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]
        read_only_fields = fields


class TagViewSet(RetrieveMixin, mixins.ListModelMixin, ServiceViewSet):
    """Tags are read here; they are managed in the settings area."""

    model = Tag
    serializer_class = TagSerializer
    ordering_fields = ("id", "name")


class AddressSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Address
        fields = ["id", "partner", *ADDRESS_FIELDS, "version"]
        read_only_fields = fields


class AddressWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all())
    country = CountryField()

    class Meta:
        model = Address
        fields = ["partner", *ADDRESS_FIELDS]

    def validate_partner(self, partner: Partner) -> Partner:
        if self.instance is not None and partner.pk != self.instance.partner_id:
            raise serializers.ValidationError(_("An address cannot move to another partner."))
        return partner


class AddressViewSet(RetrieveMixin, CreateMixin, UpdateMixin, mixins.ListModelMixin, ServiceViewSet):
    """Structured addresses of the partners the user can see; ``?partner=`` narrows to one.

    DELETE removes the address (it is part of the partner, not a record of its own); like
    PUT and PATCH it honours ``If-Match``.
    """

    model = Address
    serializer_class = AddressSerializer
    write_serializer_class = AddressWriteSerializer
    filterset_class = AddressFilter
    ordering_fields = ("id",)

    def visible_rows(self) -> Any:
        # Address has no visible_to of its own: an address is visible with its partner.
        return Address.objects.filter(partner__in=Partner.objects.visible_to(self.request.user))

    def perform_service_create(self, data: dict[str, Any]) -> Address:
        partner = data.pop("partner")
        return services.add_address(partner, self.actor, **data)

    def perform_service_update(
        self, instance: Address, data: dict[str, Any], expected_version: int | None
    ) -> Address:
        data.pop("partner", None)
        return services.update_address(instance, self.actor, expected_version=expected_version, **data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        services.remove_address(instance, self.actor, expected_version=self.expected_version(instance))
        return Response(status=status.HTTP_204_NO_CONTENT)
