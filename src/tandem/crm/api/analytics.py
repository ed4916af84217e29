"""``/api/v1/crm/analytics/funnel/`` and ``…/forecast/``: the figures of the analytics page,
over the deals the caller may see. Query: ``pipeline``, ``owner``, ``team``, ``start``, ``end``
(ISO dates); the forecast takes ``months`` (1–24) from ``start``'s month (default: this month).
``…/kpis/``: the targets and KPIs page's figures (``crm.analytics.kpis``, the same queries) for a
``month`` (YYYY-MM, default this one), optionally one sales ``manager``'s teams and people."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import StrictFieldsMixin
from tandem.api.viewsets import ServiceViewSet
from tandem.core.models import User
from tandem.core.querysets import allowed_company
from tandem.crm import analytics
from tandem.crm.models import Deal, Pipeline, SalesTeam
from tandem.crm.models.rules import visible_people


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True)


def _percent() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=1, coerce_to_string=True, allow_null=True)


class AnalyticsQuerySerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    pipeline = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    owner = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    team = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    months = serializers.IntegerField(required=False, min_value=1, max_value=24)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and end < start:
            raise serializers.ValidationError({"end": _("The period ends before it starts.")})
        if start and end and (end - start).days > 3660:
            raise serializers.ValidationError({"end": _("Choose a period of ten years at most.")})
        user = self.context["request"].user
        for name, rows in (
            ("pipeline", Pipeline.objects.visible_to(user)),
            ("team", SalesTeam.objects.visible_to(user)),
            ("owner", User.objects.filter(companies=allowed_company(user))),
        ):
            if name in attrs:
                found = rows.filter(pk=attrs[name]).first()
                if found is None:
                    raise serializers.ValidationError({name: _("Unknown or not visible.")})
                attrs[name] = found
        return attrs


class StageFigureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stage = serializers.IntegerField(source="stage.pk")
    name = serializers.CharField(source="stage.name")
    entered = serializers.IntegerField(help_text="Deals that entered the stage in the period.")
    reached = serializers.IntegerField(help_text="Of the deals opened in the period, how many got this far.")
    conversion = _percent()


class LostReasonFigureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()


class FunnelSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateField(source="scope.start")
    end = serializers.DateField(source="scope.end")
    currency = serializers.CharField(source="scope.currency")
    pipeline = serializers.IntegerField(source="scope.pipeline.pk", allow_null=True)
    stages = StageFigureSerializer(many=True)
    created = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    win_rate = _percent()
    won_amount = _money()
    average_deal = serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=True, allow_null=True
    )
    cycle_days = serializers.DecimalField(
        max_digits=8, decimal_places=1, coerce_to_string=True, allow_null=True
    )
    lost_reasons = LostReasonFigureSerializer(many=True)


class ForecastMonthSerializer(serializers.Serializer):  # type: ignore[type-arg]
    month = serializers.DateField()
    count = serializers.IntegerField()
    amount = _money()
    weighted = _money()
    won = _money()


class KpiQuerySerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    month = serializers.RegexField(r"^\d{4}-\d{2}$", required=False)
    manager = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def validate_month(self, value: str) -> date:
        try:
            return date.fromisoformat(f"{value}-01")
        except ValueError:
            raise serializers.ValidationError(_("A month, YYYY-MM.")) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "manager" in attrs:
            user = self.context["request"].user
            # whose figures the caller may read: the director anyone's, a manager their own (and
            # their people's), a salesperson their own — the KPI page's people
            found = visible_people(user, allowed_company(user)).filter(pk=attrs["manager"]).first()
            if found is None:
                raise serializers.ValidationError({"manager": _("Unknown or not visible.")})
            attrs["manager"] = found
        return attrs


class TargetFiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    revenue = _money()
    deals = serializers.IntegerField()
    activities = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="label")
    rank = serializers.IntegerField()
    revenue = _money()
    deals = serializers.IntegerField(help_text="Deals won in the month.")
    activities = serializers.IntegerField(help_text="Activities done in the month.")
    target = TargetFiguresSerializer(allow_null=True, help_text="The month's target, if one is set.")
    revenue_progress = _percent()
    deals_progress = _percent()
    activities_progress = _percent()


class PersonProgressSerializer(ProgressSerializer):
    user = serializers.IntegerField(source="user.pk")


class TeamProgressSerializer(ProgressSerializer):
    team = serializers.IntegerField(source="team.pk")


class KpisSerializer(serializers.Serializer):  # type: ignore[type-arg]
    month = serializers.DateField()
    currency = serializers.CharField(help_text="Revenue is won deals in this currency, the company's.")
    people = PersonProgressSerializer(many=True, help_text="Ranked by revenue, deals, activities.")
    teams = TeamProgressSerializer(many=True, help_text="Ranked by revenue, deals.")


QUERY = [
    OpenApiParameter("pipeline", int, description="A pipeline's id (default: the default pipeline)."),
    OpenApiParameter("owner", int, description="A salesperson's user id."),
    OpenApiParameter("team", int, description="A sales team's id."),
    OpenApiParameter("start", str, description="First day, YYYY-MM-DD."),
    OpenApiParameter("end", str, description="Last day, YYYY-MM-DD."),
]


class AnalyticsViewSet(ServiceViewSet):
    """Funnel and forecast figures, computed by SQL aggregates over the visible deals."""

    model = Deal
    required_perms = ["crm.view_deal"]
    pagination_class = None

    def _scope(self, request: Request, *, forecast: bool) -> tuple[analytics.Scope, int]:
        query = AnalyticsQuerySerializer(data=request.query_params.dict(), context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or (today if forecast else (end - timedelta(days=365)).replace(day=1))
        pipeline = data.get("pipeline")
        if pipeline is None:
            pipeline = Pipeline.objects.visible_to(request.user).filter(active=True).first()
        scope = analytics.Scope(
            start=start, end=end, currency=self.company.currency_id, pipeline=pipeline,
            owner=data.get("owner"), team=data.get("team"),
        )  # fmt: skip
        return scope, data.get("months", 6)

    @extend_schema(parameters=QUERY, responses=FunnelSerializer, tags=["crm"])
    @action(detail=False, methods=["get"])
    def funnel(self, request: Request) -> Response:
        scope, _months = self._scope(request, forecast=False)
        return Response(FunnelSerializer(analytics.funnel(request.user, scope)).data)

    @extend_schema(
        parameters=[*QUERY, OpenApiParameter("months", int, description="How many months, 1–24 (6).")],
        responses=ForecastMonthSerializer(many=True),
        tags=["crm"],
    )
    @action(detail=False, methods=["get"])
    def forecast(self, request: Request) -> Response:
        scope, months = self._scope(request, forecast=True)
        rows = analytics.forecast(request.user, scope, months)
        return Response(ForecastMonthSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="The month, YYYY-MM (this month)."),
            OpenApiParameter(
                "manager", int, description="A sales manager's user id: the teams they lead and their people."
            ),
        ],
        responses=KpisSerializer,
        tags=["crm"],
    )
    @action(detail=False, methods=["get"])
    def kpis(self, request: Request) -> Response:
        """Each salesperson's and team's month against its target, ranked — the targets and KPIs
        page's figures over what the caller may see."""
        query = KpiQuerySerializer(data=request.query_params.dict(), context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        month = data.get("month") or timezone.localdate().replace(day=1)
        figures = analytics.kpis(request.user, self.company, month, leader=data.get("manager"))
        return Response(KpisSerializer(figures).data)
