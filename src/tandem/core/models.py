"""Reference data and platform records shared by every domain."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """A version the UI and the API's ``ETag``/``If-Match`` compare, bumped by
    :func:`tandem.core.versioning.update_versioned` (re-exported by ``core.bases``; it lives here
    so that a platform record people edit, the payment term, is versioned the same way)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class Currency(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    minor_unit = models.PositiveSmallIntegerField(_("decimal places"), default=2)
    symbol = models.CharField(_("symbol"), max_length=8, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")

    def __str__(self) -> str:
        return self.code

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.minor_unit)


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=32, unique=True)
    currency = models.ForeignKey(Currency, models.PROTECT, verbose_name=_("currency"))
    country = models.CharField(_("country"), max_length=2, default="")
    tax_id = models.CharField(_("tax ID"), max_length=32, blank=True)
    registry_id = models.CharField(_("company ID"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    fiscal_year_start_month = models.PositiveSmallIntegerField(_("fiscal year starts in month"), default=1)
    # Letterhead: what every printed document shows.
    logo = models.ImageField(_("logo"), upload_to="company-logos/", blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    house = models.CharField(_("house"), max_length=32, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    vat_id = models.CharField(_("VAT ID"), max_length=32, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    require_two_factor = models.BooleanField(_("administrators must use two-factor sign-in"), default=False)
    unowned_customers_team = models.ForeignKey(
        "auth.Group",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team that sees customers without a salesperson"),
        help_text=_("Empty: every salesperson sees them, until someone takes them on."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    companies = models.ManyToManyField(
        Company, blank=True, related_name="users", verbose_name=_("allowed companies")
    )
    active_company = models.ForeignKey(
        Company, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("active company")
    )
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        """People are shown by their full name; the username is for typing (signing in)."""
        return self.display_name()

    def display_name(self) -> str:
        return self.get_full_name() or self.username


class ExchangeRate(models.Model):
    """How many units of ``quote`` one unit of ``base`` buys from ``date`` on."""

    base = models.ForeignKey(Currency, models.CASCADE, related_name="+", verbose_name=_("base currency"))
    quote = models.ForeignKey(Currency, models.CASCADE, related_name="+", verbose_name=_("quote currency"))
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=10)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "date"], name="core_rate_unique_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="core_rate_positive"),
        ]
        indexes = [models.Index(fields=["base", "quote", "-date"])]

    def __str__(self) -> str:
        return f"{self.base_id}/{self.quote_id} {self.date}: {self.rate}"


class UomCategory(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit category")
        verbose_name_plural = _("unit categories")

    def __str__(self) -> str:
        return self.name


class Uom(models.Model):
    """A unit of measure. ``factor`` is how many reference units one of this unit holds."""

    category = models.ForeignKey(
        UomCategory, models.PROTECT, related_name="units", verbose_name=_("category")
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    factor = models.DecimalField(_("factor"), max_digits=20, decimal_places=10, default=Decimal(1))
    rounding = models.DecimalField(_("rounding"), max_digits=12, decimal_places=6, default=Decimal("0.01"))
    is_reference = models.BooleanField(_("reference unit"), default=False)

    class Meta:
        ordering = ["category__name", "factor"]
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")
        constraints = [
            models.CheckConstraint(condition=models.Q(factor__gt=0), name="core_uom_factor_positive"),
            models.CheckConstraint(condition=models.Q(rounding__gt=0), name="core_uom_rounding_positive"),
            models.UniqueConstraint(
                fields=["category"], condition=models.Q(is_reference=True), name="core_uom_one_reference"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class PaymentTerm(Versioned):
    """A company's payment term: its name and net days; the books add its instalments and edit
    it (accounting's settings pages), partners and documents point at it."""

    company = models.ForeignKey(Company, models.CASCADE, verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=64)
    days = models.PositiveSmallIntegerField(_("days"), default=0)

    class Meta:
        ordering = ["days"]
        verbose_name = _("payment term")
        verbose_name_plural = _("payment terms")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="core_payment_term_unique")]

    def __str__(self) -> str:
        return self.name


class Sequence(models.Model):
    """Document numbering per company and document type, e.g. ``INV/{year}/{number:05d}``."""

    company = models.ForeignKey(Company, models.CASCADE, verbose_name=_("company"))
    code = models.CharField(_("document type"), max_length=32)
    pattern = models.CharField(_("pattern"), max_length=64, default="{code}/{year}/{number:05d}")
    reset_yearly = models.BooleanField(_("restart every year"), default=True)

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="core_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.company_id}:{self.code}"


class SequenceCounter(models.Model):
    """The last number handed out for one sequence in one period (a year, or 0 for all time)."""

    sequence = models.ForeignKey(Sequence, models.CASCADE, related_name="counters")
    period = models.PositiveIntegerField()
    last_number = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sequence", "period"], name="core_counter_unique")]

    def __str__(self) -> str:
        return f"{self.sequence} {self.period}: {self.last_number}"


class Event(models.Model):
    """One append-only row per business fact: audit trail, timeline, outbox and hook."""

    name = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    company = models.ForeignKey(Company, models.CASCADE, null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    subject_type = models.ForeignKey(ContentType, models.CASCADE, null=True, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_repr = models.CharField(max_length=255, blank=True)
    partner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "-id"])]

    def __str__(self) -> str:
        return f"{self.name} {self.subject_repr}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the secret is shown once.

    A token works in the one company chosen when it was issued, whatever company its owner
    switches to in the browser.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    company = models.ForeignKey(Company, models.CASCADE, related_name="+", verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The stored response of a POST made with an ``Idempotency-Key``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE)
    key = models.CharField(max_length=128)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.BinaryField()
    content_type = models.CharField(max_length=128)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class SearchEntry(models.Model):
    """The folded, findable text of one row of a model that declares a search document.

    Written by ``core.search`` in the transaction that writes the row; indexed for substring
    search by a ``pg_trgm`` GIN index on PostgreSQL and an FTS5 trigram table on SQLite
    (both created by this app's migrations, as Django cannot declare them).
    """

    content_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    company = models.ForeignKey(Company, models.CASCADE, related_name="+")
    label = models.CharField(max_length=200)
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="core_search_entry_unique")
        ]

    def __str__(self) -> str:
        return self.label
