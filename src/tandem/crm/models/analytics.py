"""Tables of the CRM's calendar, segments and analytics: sales teams and their monthly targets,
each deal's entries into stages (the funnel reads them), saved partner segments and the
per-user calendar feed. Imported by ``crm.models`` so Django and the migrations see them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import User
from tandem.core.querysets import CompanyQuerySet


class SalesTeam(CompanyOwned, Versioned):
    """A group of salespeople with a leader: the unit of team targets, rankings and filters."""

    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("team leader"),
    )  # fmt: skip
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="sales_teams", verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("sales team")
        verbose_name_plural = _("sales teams")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="crm_salesteam_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("crm:salesteam_detail", args=[self.pk])


class TargetQuerySet(CompanyQuerySet):
    def visible_to(self, user: User | Any) -> Self:
        rows = super().visible_to(user)
        if not getattr(user, "is_authenticated", False):
            return rows
        from tandem.crm.models.rules import own_or_team, sees_all

        if sees_all(user):
            return rows
        teams = SalesTeam.objects.filter(Q(members=user) | Q(leader=user), pk=OuterRef("team_id"))
        return rows.filter(own_or_team(user, "user_id") | Q(Exists(teams)))


class SalesTarget(CompanyOwned, Versioned):
    """A month's target of one salesperson or one team: revenue won, deals won, activities done."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("salesperson"),
    )  # fmt: skip
    team = models.ForeignKey(
        SalesTeam, models.CASCADE, null=True, blank=True, related_name="targets", verbose_name=_("team")
    )
    revenue = models.DecimalField(_("revenue won"), max_digits=18, decimal_places=2, default=Decimal(0))
    deals = models.PositiveIntegerField(_("deals won"), default=0)
    activities = models.PositiveIntegerField(_("activities done"), default=0)

    objects = TargetQuerySet.as_manager()  # type: ignore[misc]  # its own record rules

    class Meta:
        ordering = ["-month", "id"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        indexes = [models.Index(fields=["company", "month"], name="crm_target_month_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="crm_target_user_or_team",
            ),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="crm_target_revenue_not_negative"),
            models.UniqueConstraint(
                fields=["company", "month", "user"],
                condition=Q(user__isnull=False),
                name="crm_target_user_month",
            ),
            models.UniqueConstraint(
                fields=["company", "month", "team"],
                condition=Q(team__isnull=False),
                name="crm_target_team_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("crm:salestarget_detail", args=[self.pk])


class DealStageEntry(models.Model):
    """A deal entered a stage (created in it, moved, won, lost, reopened): the funnel counts these.
    Written by ``crm.services`` in the transaction that moves the deal; never edited."""

    company = models.ForeignKey("core.Company", models.CASCADE, related_name="+")
    deal = models.ForeignKey("crm.Deal", models.CASCADE, related_name="stage_entries")
    pipeline = models.ForeignKey("crm.Pipeline", models.CASCADE, related_name="+")
    stage = models.ForeignKey("crm.Stage", models.CASCADE, related_name="+")
    entered_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["company", "pipeline", "entered_at"], name="crm_stageentry_period_idx"),
            models.Index(fields=["deal", "stage"], name="crm_stageentry_deal_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} → {self.stage_id} {self.entered_at:%Y-%m-%d}"


class SegmentQuerySet(CompanyQuerySet):
    pass


class Segment(CompanyOwned, Versioned):
    """A saved filter over partners. Its members are the partners the reader may see that match
    (``crm.segments.members``): the same segment shows a salesperson only their customers."""

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SegmentQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="crm_segment_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("crm:segment_detail", args=[self.pk])


class CalendarFeed(models.Model):
    """A person's secret iCalendar address: only the SHA-256 of the token is kept; the token is
    shown once, when made. Revoking deletes the row; regenerating replaces the hash."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    company = models.ForeignKey("core.Company", models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="crm_calendarfeed_one")]

    def __str__(self) -> str:
        return f"calendar feed {self.pk}"
