"""The books' settings over HTTP: the company's accounting settings, taxes, tax groups, fiscal
positions (with their tax and account mappings), payment terms (with their instalments) and
cost centres. Everyone with the books' view right reads them; accountants and administrators
write them, through the same services as the pages. Rates travel as decimal strings."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.accounting.filters.setup import TaxFilter
from tandem.accounting.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Account,
    BooksPaymentTerm,
    BooksSettings,
    CostCentre,
    FiscalPosition,
    FiscalPositionAccount,
    FiscalPositionTax,
    Journal,
    PaymentTermLine,
    Tax,
    TaxGroup,
)
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.services import fiscal_positions, ledger, payment_terms, taxes
from tandem.accounting.services.fiscal_positions import POSITION_FIELDS, AccountMapping, TaxMapping
from tandem.accounting.services.ledger import BOOKS_FIELDS, COST_CENTRE_FIELDS
from tandem.accounting.services.payment_terms import TERM_FIELDS, TermLine
from tandem.accounting.services.taxes import TAX_FIELDS, TAX_GROUP_FIELDS
from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import (
    CreateMixin,
    ExportMixin,
    RetrieveMixin,
    ServiceModelViewSet,
    ServiceViewSet,
    UpdateMixin,
)


class TaxSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    amount = serializers.DecimalField(max_digits=16, decimal_places=4, coerce_to_string=True, read_only=True)

    class Meta:
        model = Tax
        fields = ["id", *TAX_FIELDS, "version"]
        read_only_fields = fields


def _account() -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(queryset=Account.objects.all(), required=False, allow_null=True)


class TaxWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    amount = serializers.DecimalField(max_digits=16, decimal_places=4, required=False)
    group = ScopedPrimaryKeyField(queryset=TaxGroup.objects.all(), required=False, allow_null=True)
    children = ScopedPrimaryKeyField(queryset=Tax.objects.all(), many=True, required=False)
    account = _account()
    refund_account = _account()
    reverse_charge_account = _account()

    class Meta:
        model = Tax
        fields = [*TAX_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []  # one name per use: the service's business


class TaxViewSet(ServiceModelViewSet):
    """Taxes. DELETE archives a tax (invoices keep what they posted with it)."""

    model = Tax
    serializer_class = TaxSerializer
    write_serializer_class = TaxWriteSerializer
    filterset_class = TaxFilter
    ordering_fields = ("id", "name", "sequence")

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("children")

    def perform_service_create(self, data: dict[str, Any]) -> Tax:
        return taxes.create_tax(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Tax, data: dict[str, Any], expected_version: int | None
    ) -> Tax:
        return taxes.update_tax(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: Tax, expected_version: int | None) -> None:
        taxes.update_tax(instance, self.actor, expected_version=expected_version, active=False)


class TaxGroupSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TaxGroup
        fields = ["id", *TAX_GROUP_FIELDS, "version"]
        read_only_fields = fields


class TaxGroupWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TaxGroup
        fields = [*TAX_GROUP_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []


class TaxGroupViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Tax groups (how taxes are summed on a document's totals). DELETE removes a group no tax uses."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    model = TaxGroup
    serializer_class = TaxGroupSerializer
    write_serializer_class = TaxGroupWriteSerializer
    ordering_fields = ("id", "name", "sequence")

    def perform_service_create(self, data: dict[str, Any]) -> TaxGroup:
        return taxes.create_tax_group(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: TaxGroup, data: dict[str, Any], expected_version: int | None
    ) -> TaxGroup:
        return taxes.update_tax_group(instance, self.actor, expected_version=expected_version, **data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        group = self.get_object()
        self.expected_version(group)
        taxes.delete_tax_group(group, self.actor)
        return Response(status=204)


class CostCentreSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = CostCentre
        fields = ["id", *COST_CENTRE_FIELDS, "version"]
        read_only_fields = fields


class CostCentreWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    parent = ScopedPrimaryKeyField(  # type: ignore[assignment]  # DRF pops declared fields off the class
        queryset=CostCentre.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = CostCentre
        fields = [*COST_CENTRE_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []


class CostCentreViewSet(ServiceModelViewSet):
    """Cost centres. DELETE archives a cost centre."""

    model = CostCentre
    serializer_class = CostCentreSerializer
    write_serializer_class = CostCentreWriteSerializer
    ordering_fields = ("id", "code")

    def perform_service_create(self, data: dict[str, Any]) -> CostCentre:
        return ledger.create_cost_centre(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: CostCentre, data: dict[str, Any], expected_version: int | None
    ) -> CostCentre:
        return ledger.update_cost_centre(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: CostCentre, expected_version: int | None) -> None:
        ledger.update_cost_centre(instance, self.actor, expected_version=expected_version, active=False)


class TaxMappingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = FiscalPositionTax
        fields = ["source", "target"]
        read_only_fields = fields


class AccountMappingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = FiscalPositionAccount
        fields = ["source", "target"]
        read_only_fields = fields


class FiscalPositionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    tax_map = TaxMappingSerializer(many=True, read_only=True)
    account_map = AccountMappingSerializer(many=True, read_only=True)

    class Meta:
        model = FiscalPosition
        fields = ["id", *POSITION_FIELDS, "tax_map", "account_map", "version"]
        read_only_fields = fields


class TaxMappingWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    source = ScopedPrimaryKeyField(  # type: ignore[assignment]  # DRF pops declared fields off the class
        queryset=Tax.objects.all(), help_text="The tax replaced."
    )
    target = ScopedPrimaryKeyField(
        queryset=Tax.objects.all(), allow_null=True, required=False, help_text="Null: the tax is dropped."
    )


class AccountMappingWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    source = ScopedPrimaryKeyField(  # type: ignore[assignment]  # DRF pops declared fields off the class
        queryset=Account.objects.all(), help_text="The account replaced."
    )
    target = ScopedPrimaryKeyField(queryset=Account.objects.all(), help_text="The account used instead.")


class FiscalPositionWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    tax_map = TaxMappingWriteSerializer(many=True, required=False, help_text="Replaces every tax mapping.")
    account_map = AccountMappingWriteSerializer(
        many=True, required=False, help_text="Replaces every account mapping."
    )

    class Meta:
        model = FiscalPosition
        fields = [*POSITION_FIELDS, "tax_map", "account_map", "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []  # one name per company: the service's business


def _mappings(data: dict[str, Any]) -> dict[str, Any]:
    """The nested rows as the service takes them (absent: the mappings stay as they are)."""
    if (rows := data.pop("tax_map", None)) is not None:
        data["tax_map"] = [TaxMapping(row["source"], row.get("target")) for row in rows]
    if (rows := data.pop("account_map", None)) is not None:
        data["account_map"] = [AccountMapping(row["source"], row["target"]) for row in rows]
    return data


class FiscalPositionViewSet(ServiceModelViewSet):
    """Fiscal positions with their tax and account mappings (sent mappings replace the old
    ones). DELETE archives a position (invoices keep what they were drafted with)."""

    model = FiscalPosition
    serializer_class = FiscalPositionSerializer
    write_serializer_class = FiscalPositionWriteSerializer
    list_prefetch_related = ("tax_map", "account_map")
    ordering_fields = ("id", "name", "sequence")

    def perform_service_create(self, data: dict[str, Any]) -> FiscalPosition:
        return fiscal_positions.create_fiscal_position(self.company, self.actor, **_mappings(data))

    def perform_service_update(
        self, instance: FiscalPosition, data: dict[str, Any], expected_version: int | None
    ) -> FiscalPosition:
        return fiscal_positions.update_fiscal_position(
            instance, self.actor, expected_version=expected_version, **_mappings(data)
        )

    def perform_service_archive(self, instance: FiscalPosition, expected_version: int | None) -> None:
        fiscal_positions.update_fiscal_position(
            instance, self.actor, expected_version=expected_version, active=False
        )


class TermLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    amount = serializers.DecimalField(max_digits=16, decimal_places=4, coerce_to_string=True, read_only=True)

    class Meta:
        model = PaymentTermLine
        fields = ["value", "amount", "days", "end_of_month"]
        read_only_fields = fields


class PaymentTermSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    lines = TermLineSerializer(many=True, read_only=True)

    class Meta:
        model = BooksPaymentTerm
        fields = ["id", *TERM_FIELDS, "lines", "version"]
        read_only_fields = fields


class TermLineWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    value = serializers.ChoiceField(choices=PaymentTermLine.Value.choices)
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=4, required=False, help_text="Percent or amount; none for the balance."
    )
    days = serializers.IntegerField(min_value=0, max_value=payment_terms.MAX_DAYS, required=False)
    end_of_month = serializers.BooleanField(required=False)


class PaymentTermWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    days = serializers.IntegerField(min_value=0, max_value=payment_terms.MAX_DAYS, required=False)
    lines = TermLineWriteSerializer(
        many=True, required=False, help_text="The instalments in order; replaces every line."
    )

    class Meta:
        model = BooksPaymentTerm
        fields = [*TERM_FIELDS, "lines", "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []  # one name per company: the service's business


def _term_lines(data: dict[str, Any]) -> dict[str, Any]:
    if (rows := data.pop("lines", None)) is not None:
        data["lines"] = [TermLine(**row) for row in rows]
    return data


class PaymentTermViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Payment terms with their instalments (sent lines replace the old ones: they end with a
    balance line or add up to 100 %). DELETE removes a term no partner or document uses."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    model = BooksPaymentTerm
    serializer_class = PaymentTermSerializer
    write_serializer_class = PaymentTermWriteSerializer
    list_prefetch_related = ("lines",)
    ordering_fields = ("id", "name", "days")

    def perform_service_create(self, data: dict[str, Any]) -> BooksPaymentTerm:
        return payment_terms.create_payment_term(self.company, self.actor, **_term_lines(data))

    def perform_service_update(
        self, instance: BooksPaymentTerm, data: dict[str, Any], expected_version: int | None
    ) -> BooksPaymentTerm:
        return payment_terms.update_payment_term(
            instance, self.actor, expected_version=expected_version, **_term_lines(data)
        )

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        term = self.get_object()
        self.expected_version(term)
        payment_terms.delete_payment_term(term, self.actor)
        return Response(status=204)


# --- the company's accounting settings ------------------------------------------------------


class BooksSettingsSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    write_off_tolerance = serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, read_only=True
    )

    class Meta:
        model = BooksSettings
        fields = ["id", "chart_template", "lock_date", *BOOKS_FIELDS, "revalued_on", "version"]
        read_only_fields = fields


class BooksSettingsWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    exchange_journal = ScopedPrimaryKeyField(queryset=Journal.objects.all(), required=False, allow_null=True)
    lock_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Nothing dated on or before it is posted; only an administrator moves it (event-logged).",
    )

    class Meta:
        model = BooksSettings
        fields = [*BOOKS_FIELDS, "lock_date", "version"]
        read_only_fields = ["version"]

    def build_relational_field(self, field_name: str, relation_info: Any) -> Any:
        if relation_info.related_model is Account:  # the company's accounts only
            return ScopedPrimaryKeyField, {
                "queryset": Account.objects.all(),
                "required": False,
                "allow_null": True,
            }
        return super().build_relational_field(field_name, relation_info)


class BooksSettingsViewSet(ServiceViewSet):
    """``/api/v1/accounting/settings/``: the company's one accounting settings row. GET reads
    it (with its ETag); PATCH with ``If-Match`` changes it as the settings page does — the
    books' writers (accountants, administrators) the settings, only an administrator the lock
    date, through ``ledger.move_lock_date``, which records the move in the event log."""

    model = BooksSettings
    serializer_class = BooksSettingsSerializer
    write_serializer_class = BooksSettingsWriteSerializer
    changes_record = True  # PATCH checks and documents If-Match
    required_perms = {  # read by the permission class, per method
        "GET": ["accounting.view_bookssettings"],
        "PATCH": ["accounting.change_bookssettings"],
    }

    def get_object(self) -> BooksSettings:
        ledger_queries.settings_of(self.company)  # a company without a chart yet: empty settings
        row: BooksSettings = self.get_queryset().get(company=self.company)
        self.check_object_permissions(self.request, row)
        return row

    @extend_schema(responses=BooksSettingsSerializer)
    @action(detail=False, methods=["get"], url_path="settings")
    def books_settings(self, request: Request) -> Response:
        """The company's accounting settings."""
        books = self.get_object()
        return self.not_modified(books) or self.respond(books)

    @extend_schema(request=BooksSettingsWriteSerializer, responses=BooksSettingsSerializer)
    @books_settings.mapping.patch
    def change_books_settings(self, request: Request) -> Response:
        """Change the fields given; ``lock_date`` only by an administrator (403 otherwise)."""
        books = self.get_object()
        expected = self.expected_version(books)
        data = self.validated(self.get_write_serializer(books, data=request.data, partial=True))
        moved = "lock_date" in data and data["lock_date"] != books.lock_date
        lock_date = data.pop("lock_date", None)
        if data:
            books = ledger.update_books_settings(books, self.actor, expected_version=expected, **data)
        if moved:
            books = ledger.move_lock_date(self.company, self.actor, lock_date)
        return self.respond(books)
