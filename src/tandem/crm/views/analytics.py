"""Pages of the CRM's analytics and calendar: the funnel and forecast, the manager's morning
page (targets, progress, ranking), the team calendar and the person's iCalendar feed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from tandem.core.models import User
from tandem.core.querysets import allowed_company
from tandem.crm import analytics, calendar
from tandem.crm.models import Activity, Deal, Pipeline, SalesTeam
from tandem.crm.models.rules import visible_people
from tandem.web.generic import ModelView


def _people(user: Any) -> Any:
    """Whom the reader may pick: everyone (the sales director), their teams (a manager), themselves."""
    return visible_people(user)


class ScopeForm(forms.Form):
    """The analytics filters: pipeline, salesperson, team and period (GET)."""

    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.objects.none(), required=False, label=gettext_lazy("Pipeline")
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label=gettext_lazy("Salesperson")
    )
    team = forms.ModelChoiceField(
        queryset=SalesTeam.objects.none(), required=False, label=gettext_lazy("Team")
    )
    start = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data: Any, user: Any) -> None:
        super().__init__(data)
        self.user = user
        self.fields["pipeline"].queryset = Pipeline.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _people(user)  # type: ignore[attr-defined]
        self.fields["team"].queryset = SalesTeam.objects.visible_to(user)  # type: ignore[attr-defined]
        for bound in self.fields.values():
            bound.widget.attrs.setdefault("class", "form-select form-select-sm")
        for name in ("start", "end"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period ends before it starts."))
        if start and end and (end - start).days > 3660:
            raise forms.ValidationError(_("Choose a period of ten years at most."))
        return data

    def scope(self, company: Any) -> analytics.Scope:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or (end - timedelta(days=365)).replace(day=1)
        pipeline = data.get("pipeline") or Pipeline.objects.visible_to(self.user).filter(active=True).first()
        return analytics.Scope(
            start=start,
            end=end,
            currency=company.currency_id,
            pipeline=pipeline,
            owner=data.get("owner"),
            team=data.get("team"),
        )


def _bar(percent: Any) -> str:
    """The width of a bar in an SVG 100 units wide."""
    return f"{max(0.0, min(100.0, float(percent or 0))):.1f}"


class AnalyticsView(ModelView):
    """Funnel per pipeline, salesperson, team and period; win rate, deal size, cycle, lost
    reasons, and the weighted forecast by month of expected close."""

    model = Deal
    template_name = "crm/analytics.html"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        company = allowed_company(request.user)
        if company is None:
            messages.error(request, _("Choose a company to work in first."))
            return redirect("home")
        form = ScopeForm(request.GET or None, request.user)
        scope = form.scope(company)
        funnel = analytics.funnel(request.user, scope)
        forecast = analytics.forecast(
            request.user, analytics.Scope(timezone.localdate(), timezone.localdate(), scope.currency,
                                          scope.pipeline, scope.owner, scope.team)
        )  # fmt: skip
        for row in funnel.stages:
            row.bar = _bar(row.share)  # type: ignore[attr-defined]
        for month in forecast:
            month.bar = _bar(month.share)  # type: ignore[attr-defined]
        top_lost = max((row.count for row in funnel.lost_reasons), default=0)
        for lost in funnel.lost_reasons:
            lost.bar = _bar(lost.count * 100 / top_lost if top_lost else 0)  # type: ignore[attr-defined]
        context = {
            **self.base_context(),
            "title": _("Sales analytics"),
            "form": form,
            "funnel": funnel,
            "forecast": forecast,
            "currency": scope.currency,
        }
        template = "crm/_analytics.html" if getattr(request, "htmx", False) else self.template_name
        return render(request, template, context)


class KpiView(ModelView):
    """The manager's morning page: this month's targets, progress and the team's ranking."""

    model = Deal
    template_name = "crm/kpis.html"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        company = allowed_company(request.user)
        if company is None:
            messages.error(request, _("Choose a company to work in first."))
            return redirect("home")
        month = _month(request.GET.get("month", "")) or timezone.localdate().replace(day=1)
        # one sales manager's teams and people (the API's ``manager``), among the leaders one sees
        led = SalesTeam.objects.filter(company=company, leader=OuterRef("pk"))
        managers = list(visible_people(request.user, company).filter(Exists(led)))
        wanted = request.GET.get("manager", "")
        leader = next((person for person in managers if str(person.pk) == wanted), None)
        refused = bool(wanted) and leader is None
        if refused:  # the page as if no manager was asked for, and why
            messages.error(request, _("This manager is not one whose figures you see."))
        kpis = analytics.kpis(request.user, company, month, leader=leader)
        for row in [*kpis.people, *kpis.teams]:
            row.bars = [  # type: ignore[attr-defined]
                _bar(row.revenue_progress),
                _bar(row.deals_progress),
                _bar(row.activities_progress),
            ]
        previous = (month - timedelta(days=1)).replace(day=1)
        following = analytics.next_month(month)
        of_manager = f"&manager={leader.pk}" if leader is not None else ""
        return render(
            request,
            self.template_name,
            {
                **self.base_context(),
                "title": _("Targets and KPIs"),
                "kpis": kpis,
                "month": f"{month:%Y-%m}",
                "managers": managers,
                "manager": leader,
                "previous_url": f"{reverse('crm:kpis')}?month={previous:%Y-%m}{of_manager}",
                "next_url": f"{reverse('crm:kpis')}?month={following:%Y-%m}{of_manager}",
            },
            status=400 if refused else 200,
        )


def _month(text: str) -> date | None:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return None


class TeamCalendarView(ModelView):
    """The team's activities by week or month, filtered by person; htmx swaps the grid."""

    model = Activity
    template_name = "crm/calendar.html"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        view = "month" if request.GET.get("view") == "month" else "week"
        try:
            anchor = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            anchor = timezone.localdate()
        people = _people(request.user)
        wanted = request.GET.get("person", "")
        person = people.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 12 else None
        days, cut = calendar.team_calendar(Activity.objects.visible_to(request.user), view, anchor, person)
        step = timedelta(days=7) if view == "week" else None
        if step is not None:
            previous, following = anchor - step, anchor + step
        else:
            previous = (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
            following = analytics.next_month(anchor)
        base = reverse("crm:calendar")
        keep = f"&person={person.pk}" if person is not None else ""
        weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
        context = {
            **self.base_context(),
            "title": _("Team calendar"),
            "view_name": view,
            "weeks": weeks,
            "cut": cut,
            "people": people,
            "person": person,
            "anchor": anchor,
            "previous_url": f"{base}?view={view}&date={previous.isoformat()}{keep}",
            "next_url": f"{base}?view={view}&date={following.isoformat()}{keep}",
            "week_url": f"{base}?view=week&date={anchor.isoformat()}{keep}",
            "month_url": f"{base}?view=month&date={anchor.isoformat()}{keep}",
            "feed_url": reverse("crm:calendar_feed_settings"),
        }
        template = "crm/_calendar.html" if getattr(request, "htmx", False) else self.template_name
        return render(request, template, context)


class CalendarFeedSettingsView(ModelView):
    """The person's own feed: make (or make anew) the secret address, or revoke it."""

    model = Activity
    template_name = "crm/calendar_feed.html"

    def get(self, request: HttpRequest, token: str = "") -> HttpResponseBase:
        company = allowed_company(request.user)
        if company is None:
            messages.error(request, _("Choose a company to work in first."))
            return redirect("home")
        return render(
            request,
            self.template_name,
            {
                **self.base_context(),
                "title": _("Calendar feed"),
                "active": calendar.has_feed(request.user, company),  # type: ignore[arg-type]
                "feed_url": request.build_absolute_uri(reverse("crm:calendar_ics", args=[token]))
                if token
                else "",
            },
        )

    def post(self, request: HttpRequest) -> HttpResponseBase:
        company = allowed_company(request.user)
        if company is None:
            raise Http404
        if request.POST.get("do") == "revoke":
            calendar.revoke_feed(request.user, company)  # type: ignore[arg-type]
            messages.success(request, _("The calendar address no longer works."))
            return redirect("crm:calendar_feed_settings")
        token = calendar.issue_feed(request.user, company)  # type: ignore[arg-type]
        messages.success(request, _("A new calendar address: copy it now, it is shown only once."))
        return self.get(request, token)


class CalendarIcsView(View):
    """``/crm/calendar/<token>.ics``: no sign-in, the token is the key; unknown or revoked → 404."""

    def get(self, request: HttpRequest, token: str) -> HttpResponseBase:
        user = calendar.feed_owner(token)
        if user is None:
            raise Http404
        body = calendar.ics(user, request.get_host())
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, max-age=300"
        response["Content-Disposition"] = 'inline; filename="tandem.ics"'
        response["X-Robots-Tag"] = "noindex"
        return response
