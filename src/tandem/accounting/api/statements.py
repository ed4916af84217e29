"""Bank statements over HTTP.

``POST bank-statements/`` uploads a CAMT.053 or MT940 file (multipart, ``file`` and optionally
``journal``) and answers the imported statement; ``GET bank-statements/{id}/lines/`` its lines
with the suggestions of those still waiting. A line is reconciled on ``bank-statement-lines/``:
``match/`` (with the open items and, to split, each one's amount; without items the top
suggestion), ``write-off/`` (the items settled in full, the small difference booked to an
account), ``book/`` (to an account) and ``undo/``. A CSV file goes through the import API.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.accounting.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Account,
    BankStatement,
    BankStatementLine,
    Journal,
    JournalLine,
)
from tandem.accounting.queries import statements as queries
from tandem.accounting.services import statements as services
from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import CreateMixin, RetrieveMixin, ServiceViewSet
from tandem.partners.models import Partner

CHANGE_LINE = ["accounting.change_bankstatementline"]


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, **kwargs
    )


class StatementSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = BankStatement
        fields = [
            "id", "journal", "name", "date", "balance_start", "balance_end", "source", "file_name",
            "created_at", "version",
        ]  # fmt: skip
        read_only_fields = fields


class StatementUploadSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(help_text="A CAMT.053 (XML) or MT940 file as the bank sends it.")
    journal = ScopedPrimaryKeyField(
        queryset=Journal.objects.all(),
        required=False,
        allow_null=True,
        help_text="The bank journal; empty: the journal of the statement's IBAN, or the only one.",
    )


class SuggestionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    item = serializers.IntegerField(source="item.pk", help_text="The open item's journal line id.")
    document = serializers.CharField()
    partner = serializers.IntegerField(source="item.partner_id", allow_null=True)
    score = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())
    open_amount = _amount()
    amount = _amount(help_text="What the line would settle of it.")


class StatementLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    suggestions = serializers.SerializerMethodField()

    class Meta:
        model = BankStatementLine
        fields = [
            "id", "statement", "sequence", "date", "amount", "counterparty_name", "counterparty_iban",
            "reference", "narration", "partner", "counter_account", "import_id", "entry", "suggestions",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(SuggestionSerializer(many=True))
    def get_suggestions(self, line: BankStatementLine) -> list[dict[str, Any]]:
        found = self.context.get("suggestions")
        if found is None:
            found = queries.suggest([line])
        entry = found.get(line.pk)
        return SuggestionSerializer(entry.suggestions if entry else [], many=True).data  # type: ignore[return-value]


class MatchItemSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    line = ScopedPrimaryKeyField(
        queryset=JournalLine.objects.all(), help_text="The open item's journal line id."
    )
    amount = _amount(required=False, allow_null=True, help_text="Empty: what is left of the bank line.")


class MatchSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    items = MatchItemSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]


class WriteOffSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    items = serializers.ListField(
        child=ScopedPrimaryKeyField(queryset=JournalLine.objects.all()),
        max_length=50,
        help_text="The open items' journal line ids, each settled in full.",
    )
    account = ScopedPrimaryKeyField(
        queryset=Account.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The account the difference is booked to (bank fees, rounding).",
    )
    label = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")  # type: ignore[assignment]


class BookSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    account = ScopedPrimaryKeyField(queryset=Account.objects.all())
    label = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")  # type: ignore[assignment]
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)


class StatementViewSet(RetrieveMixin, CreateMixin, mixins.ListModelMixin, ServiceViewSet):
    """Imported bank statements. POST a CAMT.053 or MT940 file (multipart) to import it:
    refused with a problem when the format is unknown, the file malformed, its lines do not
    add up to its closing balance, or a transaction of it was imported before."""

    model = BankStatement
    serializer_class = StatementSerializer
    write_serializer_class = StatementUploadSerializer
    list_select_related = ("journal",)
    ordering_fields = ("id", "date")
    http_method_names = ["get", "post", "head", "options"]
    # A file is the one thing a multipart body carries that JSON does not (the API is JSON otherwise).
    parser_classes = [*ServiceViewSet.parser_classes, MultiPartParser]

    def perform_service_create(self, data: dict[str, Any]) -> BankStatement:
        return services.upload_statement(
            self.company, self.actor, upload=data["file"], journal=data.get("journal")
        )

    @extend_schema(request=None, responses=StatementLineSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        required_perms=["accounting.view_bankstatementline"],
    )
    def lines(self, request: Request, pk: str | None = None) -> Response:
        """The statement's lines, in order, with the suggestions of those not reconciled yet."""
        statement = self.get_object()
        rows = list(statement.lines.select_related("statement__journal__currency", "statement__company"))
        context = {**self.get_serializer_context(), "suggestions": queries.suggest(rows)}
        return Response(StatementLineSerializer(rows, many=True, context=context).data)


class LineFilter(django_filters.FilterSet):
    statement = django_filters.ModelChoiceFilter(
        queryset=lambda request: BankStatement.objects.visible_to(getattr(request, "user", None))
    )
    reconciled = django_filters.BooleanFilter(field_name="entry", lookup_expr="isnull", exclude=True)

    class Meta:
        model = BankStatementLine
        fields = ["statement", "reconciled"]


class StatementLineViewSet(RetrieveMixin, mixins.ListModelMixin, ServiceViewSet):
    """Bank statement lines. ``match/`` reconciles one with open items (their journal line ids,
    each with an amount to split it; no items: its top suggestion), ``book/`` books it to an
    account (fees, interest), ``undo/`` reverses what was done. A line has no version: these
    are actions, refused with 409 when the line was reconciled (or undone) meanwhile."""

    model = BankStatementLine
    serializer_class = StatementLineSerializer
    filterset_class = LineFilter
    list_select_related = ("statement__journal__currency", "statement__company__currency")
    ordering_fields = ("id", "date")
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["suggestions"] = getattr(self, "_found", None)
        return context

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        rows = list(page) if page is not None else list(queryset)
        self._found = queries.suggest(rows)  # the page is one company's: its open items read once
        return page

    def _answer(self, line: BankStatementLine) -> Response:
        fresh = self.get_queryset().get(pk=line.pk)
        return Response(StatementLineSerializer(fresh, context=super().get_serializer_context()).data)

    @extend_schema(request=MatchSerializer, responses=StatementLineSerializer)
    @action(detail=True, methods=["post"], required_perms=CHANGE_LINE)
    def match(self, request: Request, pk: str | None = None) -> Response:
        """Reconcile the line with open items; without items, with its top suggestion."""
        line = self.get_object()
        data = self.validated(MatchSerializer(data=request.data, context=self.get_serializer_context()))
        items = data.get("items") or []
        if not items:
            return self._answer(services.confirm_top(line, self.actor))
        done = services.match_line(
            line,
            self.actor,
            items=[item["line"].pk for item in items],
            amounts=[item.get("amount") for item in items],
        )
        return self._answer(done)

    @extend_schema(request=WriteOffSerializer, responses=StatementLineSerializer)
    @action(detail=True, methods=["post"], url_path="write-off", required_perms=CHANGE_LINE)
    def write_off(self, request: Request, pk: str | None = None) -> Response:
        """Settle open items in full with the line, booking the small difference (a bank fee,
        rounding) to an account; refused over the company's write-off tolerance."""
        line = self.get_object()
        data = self.validated(WriteOffSerializer(data=request.data, context=self.get_serializer_context()))
        done = services.match_with_write_off(
            line,
            self.actor,
            items=[item.pk for item in data["items"]],
            account=data["account"],
            label=data.get("label", ""),
        )
        return self._answer(done)

    @extend_schema(request=BookSerializer, responses=StatementLineSerializer)
    @action(detail=True, methods=["post"], required_perms=CHANGE_LINE)
    def book(self, request: Request, pk: str | None = None) -> Response:
        """Book the line to an account (bank charges, interest)."""
        line = self.get_object()
        data = self.validated(BookSerializer(data=request.data, context=self.get_serializer_context()))
        return self._answer(services.book_line(line, self.actor, **data))

    @extend_schema(request=None, responses=StatementLineSerializer)
    @action(detail=True, methods=["post"], required_perms=CHANGE_LINE)
    def undo(self, request: Request, pk: str | None = None) -> Response:
        """Remove the line's matches and reverse its entry: it waits to be reconciled again."""
        return self._answer(services.undo_line(self.get_object(), self.actor))
