"""The base of every API resource: thin viewsets that read through ``visible_to`` and write
through services.

A concrete resource declares its model, a read serializer, a write serializer and the
service calls::

    class PartnerViewSet(ServiceModelViewSet):
        model = Partner
        serializer_class = PartnerSerializer
        write_serializer_class = PartnerWriteSerializer
        filterset_class = PartnerFilter

        def perform_service_create(self, data):
            return services.create_partner(self.company, self.actor, **data)

What the base adds to every resource:

* reads only ever see ``Model.objects.visible_to(user)``: another company's row, or a
  colleague's customer, is a 404, exactly like a missing one;
* every unsafe request runs in one transaction; an answer of 400 or more rolls the action
  back, so a refused request writes nothing;
* ``ETag`` on a single versioned record, ``If-None-Match`` → 304, ``If-Match`` on
  PUT/PATCH/DELETE → 412 when stale (checked here and again by the service under a row
  lock via ``expected_version``);
* ``Idempotency-Key`` on every POST (see :mod:`tandem.api.idempotency`);
* ``?ordering=`` with keyset pagination, django-filter FilterSets, and a CSV ``export/``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import islice
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api import idempotency
from tandem.api.conditional import entity_tags, etag_for, if_match_holds, if_none_match_holds
from tandem.api.errors import PreconditionFailed
from tandem.api.filtering import StrictFilterBackend
from tandem.api.pagination import StableOrderingFilter
from tandem.api.parsers import DecimalJSONParser
from tandem.api.schema import WRITE_ACTIONS, ServiceAutoSchema
from tandem.core import registry
from tandem.core.cells import safe_cell
from tandem.core.errors import NotAllowed
from tandem.core.models import Company, IdempotencyRecord
from tandem.core.query_values import BadQueryValue, check_storable
from tandem.core.querysets import allowed_company

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXPORT_CHUNK = 500


class ServiceViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Reading, transactions, idempotency and preconditions; no actions of its own."""

    model: type[models.Model]
    write_serializer_class: type[serializers.BaseSerializer] | None = None  # type: ignore[type-arg]
    # One record as GET, create, update and the actions answer it, when it shows more than a
    # row of the list (what would cost queries per row there: warnings apps above raise on it).
    detail_serializer_class: type[serializers.BaseSerializer] | None = None  # type: ignore[type-arg]
    # False where a record's answer holds facts its version does not cover (a bill's three-way
    # match warnings, a count's values): a GET then never answers 304 Not Modified.
    etag_covers_detail = True
    list_select_related: Sequence[str] = ()
    list_prefetch_related: Sequence[str | models.Prefetch] = ()
    required_perms: Sequence[str] | Mapping[str, Sequence[str]] | None = None
    # Set on a detail ``@action`` whose POST changes the record: it checks and documents If-Match.
    changes_record = False
    # JSON only. A resource holds lists of records (a partner's addresses, its tags) that a form
    # or multipart body cannot carry: such a field is dropped or mangled by whatever encoded the
    # form (Werkzeug leaves an object-valued field out of an urlencoded body altogether), and the
    # record is written without it. Such a body is a 415 and the schema offers JSON alone.
    parser_classes = [DecimalJSONParser]
    filter_backends = [StrictFilterBackend, StableOrderingFilter]
    ordering: Sequence[str] = ("-id",)
    ordering_fields: Sequence[str] = ("id",)
    schema = ServiceAutoSchema()

    _idempotency_record: IdempotencyRecord | None = None
    _savepoint: str | None = None
    _visible: models.QuerySet[Any] | None = None

    # --- reading -----------------------------------------------------------------------

    def visible_rows(self) -> models.QuerySet[Any]:
        """The record rule: the rows this user may see at all (override for models without one)."""
        return self.model._default_manager.visible_to(self.request.user)  # type: ignore[attr-defined, no-any-return]

    def get_queryset(self) -> models.QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator, no real user
            return self.model._default_manager.none()
        if self._visible is None:  # permissions, filters and the action all ask: decide once
            self._visible = self.visible_rows()
        rows = self._visible.all()
        if self.list_select_related:
            rows = rows.select_related(*self.list_select_related)
        if self.list_prefetch_related:
            rows = rows.prefetch_related(*self.list_prefetch_related)
        return rows  # type: ignore[no-any-return]

    @property
    def versioned(self) -> bool:
        return any(field.name == "version" for field in self.model._meta.concrete_fields)

    @cached_property
    def company(self) -> Company:
        """The company the user works in; writes without one are refused (403)."""
        company = allowed_company(self.request.user)
        if company is None:
            raise NotAllowed(_("Choose a company to work in first."))
        return company

    @property
    def actor(self) -> Any:
        return self.request.user

    def get_serializer_class(self) -> Any:
        """The write serializer for create/update (and their forms and OPTIONS), the detail one
        for a single record read, else the read one."""
        writing = self.action in WRITE_ACTIONS or (
            self.action == "metadata" and self.request.method in {"POST", "PUT"}
        )
        if writing and self.write_serializer_class is not None:
            return self.write_serializer_class
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return super().get_serializer_class()

    @property
    def one_serializer_class(self) -> Any:
        """What answers one record (GET, create, update, the actions)."""
        return self.detail_serializer_class or self.serializer_class

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer:  # type: ignore[type-arg]
        serializer_class = self.write_serializer_class or self.serializer_class
        kwargs.setdefault("context", self.get_serializer_context())
        return serializer_class(*args, **kwargs)  # type: ignore[misc]

    def validated(self, serializer: serializers.BaseSerializer) -> dict[str, Any]:  # type: ignore[type-arg]
        _refuse_unstorable_text(getattr(serializer, "initial_data", None))
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, instance: models.Model, status_code: int = status.HTTP_200_OK) -> Response:
        """The record as the read serializer shows it, with its ETag (and Location if new)."""
        headers = {}
        etag = etag_for(instance)
        if etag:
            headers["ETag"] = etag
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = self.reverse_action("detail", args=[instance.pk])
        shown = self.one_serializer_class(instance, context=self.get_serializer_context())
        return Response(shown.data, status=status_code, headers=headers)

    # --- preconditions -----------------------------------------------------------------

    def expected_version(self, instance: models.Model) -> int | None:
        """Check ``If-Match`` against the current ETag; the version the service must still find."""
        header = self.request.headers.get("If-Match")
        if header is None or not self.versioned:
            return None
        if not if_match_holds(entity_tags(header), etag_for(instance)):
            raise PreconditionFailed()
        return int(instance.version)  # type: ignore[attr-defined]

    def act(self, run: Callable[[Any, int | None], object]) -> Response:
        """One action on the addressed record (``POST …/{id}/confirm/``): the record is read as a
        detail is (another company's is a 404, whatever the body), ``If-Match`` is checked, then
        ``run(record, expected_version)`` calls the service — which may check the version again
        under its row lock — and the answer is the record as it now is."""
        instance = self.get_object()
        run(instance, self.expected_version(instance))
        instance.refresh_from_db()
        return self.respond(instance)

    def not_modified(self, instance: models.Model) -> Response | None:
        """304 when ``If-None-Match`` names the record's version — unless what the record shows
        is read from other records too (``etag_covers_detail`` False, or facts an app above adds
        to it: ``core.registry.RecordData``), which its version misses."""
        if not self.etag_covers_detail or registry.record_data(instance._meta.label_lower):
            return None
        header = self.request.headers.get("If-None-Match")
        etag = etag_for(instance)
        if header is None or etag is None or not if_none_match_holds(entity_tags(header), etag):
            return None
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})

    # --- one transaction per write, idempotent POST ------------------------------------

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in UNSAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            self._settle(response)
        return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method not in UNSAFE_METHODS or not connection.in_atomic_block:
            return
        key = idempotency.requested_key(request)
        if key is not None:
            self._idempotency_record = idempotency.claim(request, key)
        self._savepoint = transaction.savepoint()

    def handle_exception(self, exc: Exception) -> HttpResponseBase:  # type: ignore[override]
        if isinstance(exc, idempotency.Replay):
            return idempotency.replay(exc.record)
        return super().handle_exception(exc)

    def _settle(self, response: HttpResponseBase) -> None:
        """Undo a refused action, keep the answer of an idempotent one, drop everything on 5xx."""
        failed = response.status_code >= status.HTTP_400_BAD_REQUEST
        if failed and self._savepoint is not None and not connection.needs_rollback:
            transaction.savepoint_rollback(self._savepoint)
        if response.status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR or connection.needs_rollback:
            transaction.set_rollback(True)
            return
        record = self._idempotency_record
        if record is not None and idempotency.keeps(response.status_code):
            idempotency.store(record, response)


def _refuse_unstorable_text(data: Any) -> None:
    """Text no database can hold (a NUL character, a lone surrogate) is a 400 naming the field,
    before any lookup sends it to PostgreSQL (which would answer with an error, i.e. a 500)."""
    if not hasattr(data, "items"):
        return
    pairs = data.lists() if hasattr(data, "lists") else data.items()
    errors: dict[str, list[str]] = {}
    for key, value in pairs:
        try:
            _check_nested(key)
            _check_nested(value)
        except BadQueryValue as refused:
            errors[str(key).encode("utf-8", "replace").decode()] = [str(refused)]
    if errors:
        raise serializers.ValidationError(errors)


def _check_nested(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _check_nested(key)
            _check_nested(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_nested(item)
    elif isinstance(value, str):
        check_storable(value)


class RetrieveMixin:
    """GET one record, with ``ETag`` and ``If-None-Match``."""

    def retrieve(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        return self.not_modified(instance) or self.respond(instance)


class CreateMixin:
    """POST a new record through ``perform_service_create(data)``."""

    def create(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(self.get_write_serializer(data=request.data))
        instance = self.perform_service_create(data)
        return self.respond(instance, status.HTTP_201_CREATED)  # type: ignore[no-any-return]

    def perform_service_create(self, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError


class UpdateMixin:
    """PUT/PATCH through ``perform_service_update(instance, data, expected_version)``."""

    def update(self: Any, request: Request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        instance = self.get_object()
        expected = self.expected_version(instance)
        serializer = self.get_write_serializer(instance, data=request.data, partial=partial)
        data = self.validated(serializer)
        instance = self.perform_service_update(instance, data, expected)
        return self.respond(instance)  # type: ignore[no-any-return]

    def partial_update(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)  # type: ignore[no-any-return]

    def perform_service_update(
        self, instance: Any, data: dict[str, Any], expected_version: int | None
    ) -> Any:
        raise NotImplementedError


class ArchiveMixin:
    """DELETE archives (``active=False`` through the service); nothing is hard-deleted.

    Archiving is a change, so it needs the ``change_*`` permission, not ``delete_*``.
    """

    perms_map_overrides = {"DELETE": ["%(app_label)s.change_%(model_name)s"]}

    def destroy(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        self.perform_service_archive(instance, self.expected_version(instance))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_service_archive(self, instance: Any, expected_version: int | None) -> None:
        raise NotImplementedError


class ExportMixin:
    """``GET …/export/``: the filtered list as CSV, streamed, under the same record rules.

    A resource whose records hold rows (a count's lines) may export those instead, one CSV
    row each: ``export_rows(records)`` turns the filtered records into them and
    ``export_serializer_class`` writes them."""

    export_serializer_class: type[serializers.BaseSerializer] | None = None  # type: ignore[type-arg]

    def export_rows(self, rows: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return rows

    def prepare_export(self, records: list[Any]) -> None:
        """What a chunk of exported records shows that no query column holds (a segment's member
        count), computed for the chunk at once and set on the records — never a query per record
        (the API's counterpart of the web list's ``prepare``)."""

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self: Any, request: Request) -> StreamingHttpResponse:
        rows = self.export_rows(self.filter_queryset(self.get_queryset()))
        serializer_class = self.export_serializer_class or self.get_serializer_class()
        context = self.get_serializer_context()
        names = list(serializer_class(context=context).fields)
        lines = _csv_lines(names, rows, serializer_class, context, self.prepare_export)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.model._meta.model_name}-export.csv"'
        return response


def _csv_lines(
    names: list[str], rows: Any, serializer_class: Any, context: Any, prepare: Callable[[list[Any]], None]
) -> Iterator[str]:
    """The header, then one string per chunk of rows (a streamed response pays per chunk)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    yield buffer.getvalue()
    records = rows.iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(records, EXPORT_CHUNK)):
        buffer.seek(0)
        buffer.truncate()
        prepare(chunk)
        data = serializer_class(chunk, many=True, context=context).data
        writer.writerows([[_cell(item[name]) for name in names] for item in data])
        yield buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    return str(safe_cell(str(value)))


class ServiceModelViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ArchiveMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """List, read, create, update, archive and export — every write through a service."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
