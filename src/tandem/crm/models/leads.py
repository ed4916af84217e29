"""Leads: someone who may buy, before there is a customer or a deal.

A lead comes from the website's form, an e-mail or call from an unknown sender, an import or a
salesperson's hand; it holds what qualifies it (who, how to reach them, budget, need,
timeline) and moves ``new → qualified → converted`` or ``→ disqualified`` (with the reason)
through ``core.states`` only. Converting it links or creates the partner and opens a deal.
Record rules: a salesperson sees the leads they own, a sales manager also those of the teams
they lead (``crm.models.rules``); a holder of ``view_all_leads`` (the sales director, the
auditor) the company's.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Currency, User
from tandem.core.querysets import CompanyQuerySet
from tandem.core.states import Transition
from tandem.crm.models.rules import own_or_team
from tandem.partners.models import Partner

VIEW_ALL_LEADS = "crm.view_all_leads"
BUDGET_DIGITS, BUDGET_PLACES = 18, 2


def sees_all_leads(user: Any) -> bool:
    return bool(user.is_superuser or user.has_perm(VIEW_ALL_LEADS))


class LeadQuerySet(CompanyQuerySet):
    def visible_to(self, user: User | Any) -> Self:
        rows = super().visible_to(user)
        if not getattr(user, "is_authenticated", False) or sees_all_leads(user):
            return rows
        return rows.filter(own_or_team(user, "owner_id"))


class Lead(CompanyOwned, Versioned):
    class State(models.TextChoices):
        NEW = "new", _("New")
        QUALIFIED = "qualified", _("Qualified")
        CONVERTED = "converted", _("Converted")
        DISQUALIFIED = "disqualified", _("Disqualified")

    class Source(models.TextChoices):
        WEBSITE = "website", _("Website form")
        EMAIL = "email", _("E-mail")
        CALL = "call", _("Phone call")
        IMPORT = "import", _("Import")
        MANUAL = "manual", _("Entered by hand")
        REFERRAL = "referral", _("Referral")
        EVENT = "event", _("Event or fair")
        CAMPAIGN = "campaign", _("Campaign")
        OTHER = "other", _("Other")

    class Timeline(models.TextChoices):
        NOW = "now", _("As soon as possible")
        MONTH = "month", _("This month")
        QUARTER = "quarter", _("This quarter")
        YEAR = "year", _("This year")
        LATER = "later", _("Later")

    TRANSITIONS = {
        "qualified": Transition({"new"}, "qualified", by="qualified_by", at="qualified_at"),
        "converted": Transition({"new", "qualified"}, "converted", by="converted_by", at="converted_at"),
        "disqualified": Transition({"new", "qualified"}, "disqualified", at="closed_at"),
        "reopened": Transition({"disqualified"}, "new"),
    }
    EVENT_PREFIX = "lead"

    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(
        _("source reference"), max_length=200, blank=True,
        help_text=_("The message, call or row it came from; the same reference is captured once."),
    )  # fmt: skip
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=BUDGET_DIGITS, decimal_places=BUDGET_PLACES, null=True, blank=True
    )
    currency = models.ForeignKey(Currency, models.PROTECT, null=True, blank=True, verbose_name=_("currency"))
    need = models.TextField(_("need"), blank=True)
    timeline = models.CharField(_("timeline"), max_length=8, choices=Timeline.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("salesperson"),
    )  # fmt: skip
    partner = models.ForeignKey(
        Partner, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("customer")
    )
    deal = models.ForeignKey(
        "crm.Deal", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("deal")
    )
    disqualify_reason = models.CharField(_("why it was disqualified"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    qualified_at = models.DateTimeField(_("qualified"), null=True, blank=True)
    qualified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("qualified by"),
    )  # fmt: skip
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("converted by"),
    )  # fmt: skip
    closed_at = models.DateTimeField(_("disqualified"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = LeadQuerySet.as_manager()  # type: ignore[misc]  # its own record rules

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        permissions = [("view_all_leads", _("Can see every salesperson's leads"))]
        indexes = [
            models.Index(fields=["company", "-created_at", "-id"], name="lead_created_idx"),
            models.Index(fields=["company", "owner", "-created_at", "-id"], name="lead_owner_idx"),
            models.Index(fields=["company", "state", "-created_at", "-id"], name="lead_state_idx"),
            models.Index(fields=["company", "source", "-created_at", "-id"], name="lead_source_idx"),
            models.Index(fields=["company", "email"], name="lead_email_idx"),
            models.Index(fields=["company", "phone"], name="lead_phone_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "source", "source_ref"],
                condition=~Q(source_ref=""),
                name="crm_lead_source_ref",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="crm_lead_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(state="converted") | Q(partner__isnull=False),
                name="crm_converted_lead_has_partner",
            ),
            models.CheckConstraint(
                condition=~Q(state="disqualified") | ~Q(disqualify_reason=""),
                name="crm_disqualified_lead_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("crm:lead_detail", args=[self.pk])


class LeadCaptureKey(CompanyOwned):
    """The secret a company's website names when it posts a lead (in the URL or a form field):
    one per company, replaced when it leaks; its leads go to ``owner`` (or nobody, for the
    sales manager to assign)."""

    key = models.CharField(_("key"), max_length=64, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("salesperson for web leads"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("lead capture key")
        verbose_name_plural = _("lead capture keys")
        constraints = [models.UniqueConstraint(fields=["company"], name="crm_one_capture_key")]

    def __str__(self) -> str:
        return str(_("Website form key"))
