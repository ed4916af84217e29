"""The single Partner record: organisations and people, addresses, tags, bank accounts."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Currency, PaymentTerm, User
from tandem.core.querysets import CompanyQuerySet, allowed_company
from tandem.partners.names import partner_keys

VIEW_ALL = "partners.view_all_partners"


class Tag(CompanyOwned):
    name = models.CharField(_("name"), max_length=64)
    color = models.CharField(_("colour"), max_length=7, default="#6c757d")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="partners_tag_unique")]

    def __str__(self) -> str:
        return self.name


class CustomerGroup(CompanyOwned):
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="partners_group_unique")]

    def __str__(self) -> str:
        return self.name


class PartnerQuerySet(CompanyQuerySet):
    def visible_to(self, user: User | Any) -> Self:
        """A salesperson sees the partners they own, the people of those, and unowned non-customers;
        a sales manager also those of the people they reach (``core.registry.reach``: the
        members of the sales teams they lead); ``view_all_partners`` sees every one.

        Customers without a salesperson are seen by the team the company's settings name
        (``unowned_customers_team``), or by every salesperson when it names none — never by
        nobody but the administrators.
        """
        rows = super().visible_to(user)
        if not user.is_authenticated:
            return rows
        if sees_all_partners(user):
            return rows
        unowned = (
            models.Q(owner__isnull=True)
            if _sees_unowned_customers(user)
            else models.Q(owner__isnull=True, is_customer=False)
        )
        condition = models.Q(owner=user) | models.Q(organisation__owner=user) | unowned
        team = registry.reach(user, "owner")
        if team is not None:
            condition |= team | registry.reach(user, "organisation__owner")  # type: ignore[operator]
        return rows.filter(condition)


def sees_all_partners(user: User | Any) -> bool:
    """Every salesperson's partners of the company (administrators, ``view_all_partners``)."""
    return bool(user.is_superuser or user.has_perm(VIEW_ALL))


def owner_choices(user: User | Any, company: Any) -> models.QuerySet[User]:
    """Who ``user`` may make a partner's salesperson: anyone active in the company with
    ``view_all_partners``, else themselves and the people they reach (a manager's team)."""
    if company is None:
        return User.objects.none()
    rows = User.objects.filter(companies=company, is_active=True)
    if sees_all_partners(user):
        return rows
    condition = models.Q(pk=user.pk)
    team = registry.reach_people(user, company)
    if team is not None:
        condition |= team
    return rows.filter(condition)


def _sees_unowned_customers(user: User) -> bool:
    company = allowed_company(user)
    if company is None:
        return False
    team = company.unowned_customers_team_id
    if team is None:
        return True
    cached = getattr(user, "_unowned_team", None)
    if cached is None or cached[0] != team:
        cached = (team, user.groups.filter(pk=team).exists())
        user._unowned_team = cached  # type: ignore[attr-defined]  # one query per user object (request)
    return bool(cached[1])


class Partner(CompanyOwned, Versioned):
    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        PERSON = "person", _("Person")

    owns_timeline = True  # events about a partner join its own timeline (core.events)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ORGANISATION)
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    match_key = models.CharField(max_length=200, editable=False, default="")
    organisation = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        limit_choices_to={"kind": "organisation"},
        verbose_name=_("organisation"),
    )
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    is_customer = models.BooleanField(_("customer"), default=True)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="partners", verbose_name=_("tags"))
    group = models.ForeignKey(
        CustomerGroup,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("customer group"),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    currency = models.ForeignKey(Currency, models.PROTECT, null=True, blank=True, verbose_name=_("currency"))
    payment_term = models.ForeignKey(
        PaymentTerm, models.PROTECT, null=True, blank=True, verbose_name=_("payment terms")
    )
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=32, blank=True)
    registry_id = models.CharField(_("company ID"), max_length=32, blank=True)
    ref = models.CharField(_("external reference"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    merged_into = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("merged into")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PartnerQuerySet.as_manager()  # type: ignore[misc]  # its own record rules

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name_key", "id"]
        permissions = [("view_all_partners", _("Can see every salesperson's partners"))]
        indexes = [
            models.Index(fields=["company", "name_key", "id"], name="partner_name_idx"),
            models.Index(fields=["company", "owner", "name_key", "id"], name="partner_owner_name_idx"),
            models.Index(fields=["company", "-created_at", "-id"], name="partner_created_idx"),
            models.Index(fields=["company", "email"], name="partner_email_idx"),
            models.Index(fields=["company", "phone"], name="partner_phone_idx"),
            models.Index(fields=["company", "tax_id"], name="partner_tax_idx"),
            models.Index(fields=["company", "ref"], name="partner_ref_idx"),
            models.Index(fields=["company", "match_key"], name="partner_match_idx"),
            # every filter of the list, in name order: a filter that matches little reads little.
            # Yes/no filters get partial indexes for their rare side (SQLite cannot use a boolean
            # column as an index equality; the common side walks partner_name_idx).
            *(
                models.Index(fields=["company", column, "name_key", "id"], name=f"partner_{column}_name_idx")
                for column in ("country", "kind")
            ),
            *(
                models.Index(fields=["company", "name_key", "id"], condition=condition, name=name)
                for name, condition in (
                    ("partner_archived_name_idx", models.Q(active=False)),
                    ("partner_supplier_name_idx", models.Q(is_supplier=True)),
                    ("partner_noncustomer_name_idx", models.Q(is_customer=False)),
                )
            ),
            # PostgreSQL only (other databases ignore opclasses): LIKE 'prefix%' (best search matches first)
            models.Index(
                fields=["name_key"], name="partner_name_like_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "ref"], condition=~models.Q(ref=""), name="partners_ref_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        for column, key in partner_keys(self.name).items():
            setattr(self, column, key)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key", "match_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("partners:detail", args=[self.pk])


class Address(Versioned):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice address")
        DELIVERY = "delivery", _("Delivery address")
        OTHER = "other", _("Other address")

    partner = models.ForeignKey(Partner, models.CASCADE, related_name="addresses", verbose_name=_("partner"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INVOICE)
    street = models.CharField(_("street"), max_length=200, blank=True)
    house = models.CharField(_("house"), max_length=32, blank=True)
    unit = models.CharField(_("flat / suite"), max_length=32, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["kind", "-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind"],
                condition=models.Q(is_default=True),
                name="partners_one_default_address",
            )
        ]

    def __str__(self) -> str:
        return self.one_line()

    def one_line(self) -> str:
        street = " ".join(p for p in [self.street, self.house] if p)
        if self.unit:
            street = f"{street}/{self.unit}" if street else self.unit
        place = " ".join(p for p in [self.postal_code, self.city] if p)
        return ", ".join(p for p in [street, place, self.region, self.country] if p)


class BankAccount(models.Model):
    partner = models.ForeignKey(
        Partner, models.CASCADE, related_name="bank_accounts", verbose_name=_("partner")
    )
    iban = models.CharField(_("IBAN / account number"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self) -> str:
        return self.iban
