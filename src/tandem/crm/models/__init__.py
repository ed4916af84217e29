"""Pipelines and their stages, deals, lost reasons and activities.

A deal's ``state`` (open, won, lost) moves only through ``core.states`` (``TRANSITIONS``);
its stage moves through ``crm.services.move_deal``. Record rules (``crm.models.rules``): a
salesperson sees the deals they own and the unassigned deals of their customers, a sales
manager also those of the teams they lead (owned by a member, or counting for such a team:
``Deal.team``), a holder of ``view_all_deals`` (the sales director,
the auditor) the company's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Currency, User
from tandem.core.money import plain
from tandem.core.querysets import CompanyQuerySet
from tandem.core.states import Transition
from tandem.crm.models.rules import (
    VIEW_ALL_DEALS,
    VIEW_TEAM_DEALS,
    led_team,
    own_or_team,
    sees_all,
    sees_team,
)
from tandem.partners.models import Partner

AMOUNT_DIGITS, AMOUNT_PLACES = 18, 2
QTY_DIGITS, QTY_PLACES = 18, 4


class Pipeline(CompanyOwned, Versioned):
    """A sales process (new business, renewals): its stages in order."""

    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="crm_pipeline_unique"),
            models.UniqueConstraint(
                fields=["company"], condition=Q(is_default=True), name="crm_one_default_pipeline"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("crm:pipeline_detail", args=[self.pk])


class Stage(CompanyOwned, Versioned):
    """A column of the board: its order, the default probability of its deals, whether it is
    the won or the lost end, and after how many days without activity its deals are stalled."""

    pipeline = models.ForeignKey(Pipeline, models.CASCADE, related_name="stages", verbose_name=_("pipeline"))
    name = models.CharField(_("name"), max_length=100)
    sequence = models.PositiveSmallIntegerField(_("order"), default=10)
    probability = models.DecimalField(
        _("probability (%)"), max_digits=5, decimal_places=2, default=Decimal(10)
    )
    is_won = models.BooleanField(_("won stage"), default=False)
    is_lost = models.BooleanField(_("lost stage"), default=False)
    stall_days = models.PositiveSmallIntegerField(
        _("stalled after days without activity"), null=True, blank=True
    )

    class Meta:
        ordering = ["pipeline", "sequence", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="crm_stage_unique"),
            models.CheckConstraint(condition=~Q(is_won=True, is_lost=True), name="crm_stage_won_or_lost"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100), name="crm_stage_probability_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.pipeline.get_absolute_url()

    @property
    def is_open(self) -> bool:
        return not (self.is_won or self.is_lost)


class LostReason(CompanyOwned, Versioned):
    """Why deals are lost, chosen from a list the sales director keeps (inactive ones stay on
    the deals that named them and are no longer offered)."""

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="crm_lostreason_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("crm:lostreason_detail", args=[self.pk])


def _own_customer(user: Any) -> Q:
    """The row's customer is one the user owns (or a person of one)."""
    return Q(partner__owner=user) | Q(partner__organisation__owner=user)


_sees_all = sees_all


class DealQuerySet(CompanyQuerySet):
    def visible_to(self, user: User | Any) -> Self:
        rows = super().visible_to(user)
        if not getattr(user, "is_authenticated", False) or _sees_all(user):
            return rows
        condition = own_or_team(user, "owner_id") | Q(owner__isnull=True) & _own_customer(user)
        if sees_team(user):  # a manager also sees the deals that count for a team they lead
            condition |= Q(led_team(user, "team_id"))
        return rows.filter(condition)

    def stalled(self, now: datetime | None = None) -> Self:
        """Open deals in a stage with a stall limit and no activity or move for longer than it —
        the one rule (a SQL condition) behind the stalled-deal reminder and the board's badge."""
        return self.filter(stalled_q(now))


def stalled_q(now: datetime | None = None) -> Q:
    """The deal is open, its stage has a stall limit, and the later of its last activity and its
    last stage move (either may be missing) lies more than that many days before ``now``."""
    quiet = Greatest(
        Coalesce("last_activity_at", "stage_changed_at"), Coalesce("stage_changed_at", "last_activity_at")
    )
    days = ExpressionWrapper(F("stage__stall_days"), output_field=models.IntegerField())
    limit = ExpressionWrapper(days * Value(timedelta(days=1)), output_field=DurationField())
    at = Value(now or timezone.now(), output_field=models.DateTimeField())
    due = ExpressionWrapper(quiet + limit, output_field=models.DateTimeField())
    return Q(LessThan(due, at), state=Deal.State.OPEN, stage__stall_days__isnull=False)


class Deal(CompanyOwned, Versioned):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    class Source(models.TextChoices):
        WEBSITE = "website", _("Website")
        REFERRAL = "referral", _("Referral")
        EMAIL = "email", _("E-mail")
        CALL = "call", _("Phone call")
        EVENT = "event", _("Event or fair")
        CAMPAIGN = "campaign", _("Campaign")
        EXISTING = "existing", _("Existing customer")
        OTHER = "other", _("Other")

    TRANSITIONS = {
        "won": Transition({"open"}, "won", at="closed_at"),
        "lost": Transition({"open"}, "lost", at="closed_at"),
        "reopened": Transition({"won", "lost"}, "open"),
    }
    EVENT_PREFIX = "deal"

    title = models.CharField(_("title"), max_length=200)
    partner = models.ForeignKey(Partner, models.PROTECT, related_name="+", verbose_name=_("customer"))
    contact = models.ForeignKey(
        Partner, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact person")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("salesperson"),
    )  # fmt: skip
    # The sales team the deal counts for (filters, per-team funnel and KPIs): the owner's team when
    # they are in one only (``crm.services.owner_team``), chosen otherwise; kept when people change teams;
    # emptied, none (``crm.services._deal_team`` applies the rule its help states).
    team = models.ForeignKey(
        "crm.SalesTeam", models.SET_NULL, null=True, blank=True, related_name="deals", verbose_name=_("team"),
        help_text=_(
            "Empty on a new deal: the salesperson's team, when they are in one team only. Emptied later: "
            "the deal counts for no team (the sales director or the team's leader may do so) until a team "
            "is chosen or the salesperson changes."
        ),
    )  # fmt: skip
    pipeline = models.ForeignKey(Pipeline, models.PROTECT, related_name="deals", verbose_name=_("pipeline"))
    stage = models.ForeignKey(Stage, models.PROTECT, related_name="deals", verbose_name=_("stage"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    amount = models.DecimalField(
        _("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, default=Decimal(0)
    )
    currency = models.ForeignKey(Currency, models.PROTECT, verbose_name=_("currency"))
    probability = models.DecimalField(
        _("probability (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Empty: the stage's probability."),
    )  # fmt: skip
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, blank=True)
    lost_reason = models.ForeignKey(
        LostReason, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lost reason")
    )
    lost_note = models.CharField(_("why it was lost"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    stage_changed_at = models.DateTimeField(_("in this stage since"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    stalled_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # when the owner was told the expected close date had passed (a new date, or a reopening, clears it)
    close_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DealQuerySet.as_manager()  # type: ignore[misc]  # its own record rules

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        permissions = [
            ("view_all_deals", _("Can see every salesperson's deals")),
            ("view_team_deals", _("Can see the deals, leads and activities of the teams one leads")),
        ]
        indexes = [
            models.Index(fields=["company", "-created_at", "-id"], name="deal_created_idx"),
            models.Index(fields=["company", "owner", "-created_at", "-id"], name="deal_owner_idx"),
            models.Index(fields=["company", "team", "-created_at", "-id"], name="deal_team_idx"),
            models.Index(fields=["company", "state", "-created_at", "-id"], name="deal_state_idx"),
            models.Index(fields=["company", "expected_close", "id"], name="deal_close_idx"),
            models.Index(fields=["pipeline", "state", "stage"], name="deal_board_idx"),
            models.Index(fields=["partner", "-created_at"], name="deal_partner_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="crm_deal_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__gte=0, probability__lte=100),
                name="crm_deal_probability_range",
            ),
            models.CheckConstraint(
                condition=~Q(state="lost") | Q(lost_reason__isnull=False), name="crm_lost_deal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("crm:deal_detail", args=[self.pk])

    @property
    def effective_probability(self) -> Decimal:
        if self.state == self.State.WON:
            return Decimal(100)
        if self.state == self.State.LOST:
            return Decimal(0)
        return self.probability if self.probability is not None else self.stage.probability

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.effective_probability / 100).quantize(Decimal("0.01"))


class DealProduct(CompanyOwned):
    """A product of interest on a deal: what the customer asks about, and how many. A quotation
    made from the deal starts with these as its lines (``sales.services.create_from_deal``);
    they change with the deal (``crm.services`` ``products=``), under the deal's permissions."""

    deal = models.ForeignKey(
        Deal, models.CASCADE, related_name="products_of_interest", verbose_name=_("deal")
    )
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    quantity = models.DecimalField(
        _("quantity"), max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, default=Decimal(1)
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("product of interest")
        verbose_name_plural = _("products of interest")
        constraints = [
            models.UniqueConstraint(fields=["deal", "product"], name="crm_dealproduct_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="crm_dealproduct_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {plain(self.quantity)}"


class ActivityQuerySet(CompanyQuerySet):
    def visible_to(self, user: User | Any) -> Self:
        rows = super().visible_to(user)
        if not getattr(user, "is_authenticated", False) or _sees_all(user):
            return rows
        deals = Deal.objects.visible_to(user).filter(pk=OuterRef("deal_id"))
        return rows.filter(
            own_or_team(user, "assignee_id") | Exists(deals) | Q(deal__isnull=True) & _own_customer(user)
        )


class Activity(CompanyOwned, Versioned):
    """A call, meeting, e-mail, task or note: planned (assignee, due) or logged (done, outcome)."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("E-mail")
        TASK = "task", _("Task")
        NOTE = "note", _("Note")

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "done": Transition({"planned"}, "done", by="done_by", at="done_at"),
        "cancelled": Transition({"planned"}, "cancelled"),
    }
    EVENT_PREFIX = "activity"

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.CALL)
    subject = models.CharField(_("subject"), max_length=200)
    deal = models.ForeignKey(
        Deal, models.CASCADE, null=True, blank=True, related_name="activities", verbose_name=_("deal")
    )
    partner = models.ForeignKey(
        Partner, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("customer")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("assigned to"),
    )  # fmt: skip
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("done by"),
    )  # fmt: skip
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActivityQuerySet.as_manager()  # type: ignore[misc]  # its own record rules

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["company", "assignee", "state", "due_at"], name="activity_agenda_idx"),
            models.Index(fields=["company", "state", "due_at", "id"], name="activity_due_idx"),
            models.Index(fields=["deal", "state", "due_at"], name="activity_deal_idx"),
            models.Index(fields=["partner", "-created_at"], name="activity_partner_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deal__isnull=False) | Q(partner__isnull=False), name="crm_activity_has_subject"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("crm:activity_detail", args=[self.pk])

    @property
    def overdue(self) -> bool:
        from django.utils import timezone

        return self.state == self.State.PLANNED and self.due_at is not None and self.due_at < timezone.now()


from tandem.crm.models.analytics import (  # noqa: E402  # calendar, segments, analytics
    CalendarFeed,
    DealStageEntry,
    SalesTarget,
    SalesTeam,
    Segment,
)
from tandem.crm.models.communications import (  # noqa: E402
    CallSettings,
    Communication,
    safe_recording_url,
)
from tandem.crm.models.leads import VIEW_ALL_LEADS, Lead, LeadCaptureKey  # noqa: E402  # a module per subject
from tandem.crm.models.scripts import ChecklistTick, StageScript  # noqa: E402

__all__ = [
    "VIEW_ALL_DEALS",
    "VIEW_ALL_LEADS",
    "VIEW_TEAM_DEALS",
    "Activity",
    "CalendarFeed",
    "CallSettings",
    "ChecklistTick",
    "Communication",
    "Deal",
    "DealProduct",
    "DealStageEntry",
    "Lead",
    "LeadCaptureKey",
    "LostReason",
    "Pipeline",
    "SalesTarget",
    "SalesTeam",
    "Segment",
    "Stage",
    "StageScript",
    "safe_recording_url",
]
