"""Accounts, journals and journal entries over HTTP; entries are posted and reversed by action.

Amounts travel as decimal strings; a JSON number with a fraction is read as a Decimal.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.accounting.filters.ledger import AccountFilter, EntryFilter, JournalFilter
from tandem.accounting.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Account,
    AccountGroup,
    CostCentre,
    Journal,
    JournalEntry,
    JournalLine,
)
from tandem.accounting.services import ledger as services
from tandem.accounting.services.ledger import ACCOUNT_FIELDS, JOURNAL_FIELDS
from tandem.api.fields import RecordWarningsField, ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import (
    CreateMixin,
    ExportMixin,
    RetrieveMixin,
    ServiceModelViewSet,
    ServiceViewSet,
    UpdateMixin,
)
from tandem.core.models import Currency
from tandem.partners.models import Partner


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, **kwargs
    )


def _currency(**kwargs: Any) -> serializers.SlugRelatedField[Currency]:
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Currency.objects.filter(active=True), **kwargs
    )


class AccountSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Account
        fields = ["id", *ACCOUNT_FIELDS, "created_at", "updated_at", "version"]
        read_only_fields = fields


class AccountWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    group = ScopedPrimaryKeyField(queryset=AccountGroup.objects.all(), required=False, allow_null=True)
    currency = _currency(required=False, allow_null=True)

    class Meta:
        model = Account
        fields = [*ACCOUNT_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []  # code uniqueness: the service's business


class AccountViewSet(ServiceModelViewSet):
    """The chart of accounts. DELETE archives an account."""

    model = Account
    serializer_class = AccountSerializer
    write_serializer_class = AccountWriteSerializer
    filterset_class = AccountFilter
    ordering_fields = ("id", "code", "name")

    def perform_service_create(self, data: dict[str, Any]) -> Account:
        return services.create_account(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Account, data: dict[str, Any], expected_version: int | None
    ) -> Account:
        return services.update_account(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: Account, expected_version: int | None) -> None:
        services.update_account(instance, self.actor, expected_version=expected_version, active=False)


class JournalSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Journal
        fields = ["id", *JOURNAL_FIELDS, "version"]
        read_only_fields = fields


class JournalWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    default_account = ScopedPrimaryKeyField(queryset=Account.objects.all(), required=False, allow_null=True)
    currency = _currency(required=False, allow_null=True)

    class Meta:
        model = Journal
        fields = [*JOURNAL_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []


class JournalViewSet(ServiceModelViewSet):
    """Journals. DELETE archives a journal."""

    model = Journal
    serializer_class = JournalSerializer
    write_serializer_class = JournalWriteSerializer
    filterset_class = JournalFilter
    ordering_fields = ("id", "code")

    def perform_service_create(self, data: dict[str, Any]) -> Journal:
        return services.create_journal(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Journal, data: dict[str, Any], expected_version: int | None
    ) -> Journal:
        return services.update_journal(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: Journal, expected_version: int | None) -> None:
        services.update_journal(instance, self.actor, expected_version=expected_version, active=False)


class LineSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    account = ScopedPrimaryKeyField(queryset=Account.objects.all())
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    cost_centre = ScopedPrimaryKeyField(queryset=CostCentre.objects.all(), required=False, allow_null=True)
    debit = _amount(required=False, default="0")
    credit = _amount(required=False, default="0")
    currency = _currency(required=False, allow_null=True)
    amount_currency = _amount(required=False, allow_null=True)

    class Meta:
        model = JournalLine
        fields = [
            "id", "account", "partner", "label", "debit", "credit", "currency", "amount_currency",
            "cost_centre", "due_date",
        ]  # fmt: skip
        read_only_fields = ["id"]


class EntrySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    lines = LineSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
        fields = [
            "id", "journal", "number", "date", "reference", "narration", "origin", "state", "reversal_of",
            "posted_by", "posted_at", "created_at", "version", "lines",
        ]  # fmt: skip
        read_only_fields = fields


class EntryDetailSerializer(EntrySerializer):
    """One entry, with what is raised on it (the warning budgets its posting went over)."""

    warnings = RecordWarningsField(
        help_text="The warning budgets its posting went over, as sentences; on the entry, not in lists."
    )

    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class EntryWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    journal = ScopedPrimaryKeyField(queryset=Journal.objects.all())
    date = serializers.DateField()
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    narration = serializers.CharField(required=False, allow_blank=True, default="")
    lines = LineSerializer(many=True)


class EntryUpdateSerializer(EntryWriteSerializer):
    journal = ScopedPrimaryKeyField(queryset=Journal.objects.all(), required=False)
    date = serializers.DateField(required=False)
    lines = LineSerializer(many=True, required=False)


class ReverseSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    date = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class RevaluationSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    date = serializers.DateField()


def _lines(data: dict[str, Any]) -> list[services.Line]:
    return [services.Line(**line) for line in data.pop("lines")]


class EntryViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Journal entries with their lines. A draft may change or be deleted; ``post/`` numbers
    and posts it, ``reverse/`` books the mirror image of a posted entry (which never changes)."""

    model = JournalEntry
    serializer_class = EntrySerializer
    detail_serializer_class = EntryDetailSerializer
    write_serializer_class = EntryWriteSerializer
    filterset_class = EntryFilter
    list_select_related = ("journal",)
    list_prefetch_related = (Prefetch("lines", JournalLine.objects.select_related("currency")),)
    ordering_fields = ("id", "date")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if self.action in {"update", "partial_update"}:
            return EntryUpdateSerializer(*args, context=self.get_serializer_context(), **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> JournalEntry:
        return services.create_entry(self.company, self.actor, lines=_lines(data), **data)

    def perform_service_update(
        self, instance: JournalEntry, data: dict[str, Any], expected_version: int | None
    ) -> JournalEntry:
        lines = _lines(data) if "lines" in data else None
        return services.update_entry(
            instance, self.actor, lines=lines, expected_version=expected_version, **data
        )

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Delete a draft; a posted entry is refused (reverse it)."""
        entry = self.get_object()
        self.expected_version(entry)
        services.delete_entry(entry, self.actor)
        return Response(status=204)

    @extend_schema(request=None, responses=EntryDetailSerializer)
    @action(
        detail=True, methods=["post"], changes_record=True, required_perms=["accounting.change_journalentry"]
    )
    def post(self, request: Request, pk: str | None = None) -> Response:
        """Post a draft: it must balance and be dated after the lock date; it gets its number."""
        return self.act(lambda entry, _version: services.post_entry(entry, self.actor))

    @extend_schema(request=ReverseSerializer, responses={201: EntryDetailSerializer})
    @action(detail=True, methods=["post"], required_perms=["accounting.add_journalentry"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        """Post the reversal of a posted entry (on ``date``, its own date by default); returns it."""
        entry = self.get_object()
        data = self.validated(ReverseSerializer(data=request.data))
        reversal = services.reverse_entry(
            entry, self.actor, date=data.get("date"), reference=data.get("reference", "")
        )
        return self.respond(reversal, status_code=201)

    @extend_schema(request=RevaluationSerializer, responses={201: EntryDetailSerializer, 204: None})
    @action(detail=False, methods=["post"], required_perms=["accounting.add_journalentry"])
    def revalue(self, request: Request) -> Response:
        """Restate the open foreign-currency items at the rates of ``date`` (period end): one
        posted entry against the exchange gain and loss accounts, reversed the next day; 201 with
        it, or 204 when no item changed its value."""
        data = self.validated(RevaluationSerializer(data=request.data))
        entry = services.revalue(self.company, self.actor, data["date"])
        if entry is None:
            return Response(status=204)
        return self.respond(entry, status_code=201)
