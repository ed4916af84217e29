"""``POST /api/v1/crm/lead-capture/``: the public lead capture for a company's website (a script
posting JSON); a plain HTML form posts the same fields to ``/crm/capture/<key>/``. No sign-in:
the company's secret ``key`` says whose lead it is. Refused with nothing written: an unknown
key (404), a filled honeypot (``website``) or bad fields (400), too many posts from one address
(429)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import StrictFieldsMixin
from tandem.api.viewsets import DecimalJSONParser, ServiceAutoSchema
from tandem.core.errors import ValidationFailed
from tandem.crm.models import Lead
from tandem.crm.services import capture


class LeadCaptureSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField(max_length=64, help_text="the company's secret form key")
    website = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="the honeypot: leave it empty (hide it on the page); a post that fills it is refused",
    )  # fmt: skip
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    company_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    budget = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    need = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    timeline = serializers.ChoiceField(choices=Lead.Timeline.choices, required=False, allow_blank=True)


CAPTURED = inline_serializer(
    "LeadCaptured", fields={"id": serializers.IntegerField(), "received": serializers.BooleanField()}
)


class LeadCaptureViewSet(viewsets.ViewSet):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [DecimalJSONParser]  # JSON, as the whole API; an HTML form posts to /crm/capture/<key>/
    schema = ServiceAutoSchema()
    extra_problem_statuses = (429,)

    @extend_schema(
        request=LeadCaptureSerializer,
        responses={201: CAPTURED},
        auth=[],
    )
    def create(self, request: Request) -> Response:
        """A lead from a company's website: an e-mail or a phone to reach them by is required."""
        address = capture.client_address(request)
        if not capture.count_post(address):
            raise capture.TooManyRequests(capture.too_many())
        body = LeadCaptureSerializer(data=request.data)
        if not body.is_valid():
            raise ValidationFailed({k: [str(e) for e in v] for k, v in body.errors.items()})
        data = dict(body.validated_data)
        lead = capture.capture_lead(data.pop("key"), data)
        return Response({"id": lead.pk, "received": True}, status=201)
