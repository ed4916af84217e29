"""Writes of the settings area: users, roles, companies, API tokens, lock-outs, two-factor.

Each function runs in one transaction, checks the rule it owns, writes, and records an event
(``{"changes": {field: [old, new]}}`` for edits) in the actor's company. Views decide who
may open a page; the services still refuse what no administrator may do (touch a
superuser without being one, lock themselves out, grant a company they are not in).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, UnidentifiedImageError
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from tandem.core import events, registry
from tandem.core import services as core_services
from tandem.core.errors import Conflict, NotAllowed, ValidationFailed
from tandem.core.identifiers import (
    InvalidIdentifier,
    normalize_bic,
    normalize_company_id,
    normalize_email,
    normalize_iban,
    normalize_phone,
    normalize_tax_id,
)
from tandem.core.models import ApiToken, Company, Currency, User
from tandem.core.roles import ADMINISTRATOR, role_labels
from tandem.core.security import is_administrator

log = logging.getLogger(__name__)

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
USER_FIELDS = ["username", "first_name", "last_name", "email", "language", "is_active", "active_company"]
COMPANY_FIELDS = [
    "name", "country", "currency", "language", "fiscal_year_start_month",
    "street", "house", "postal_code", "city", "region",
    "tax_id", "vat_id", "registry_id", "email", "phone", "website",
    "bank_name", "iban", "bic", "require_two_factor", "unowned_customers_team",
]  # fmt: skip


# --- who may act on whom ----------------------------------------------------------------


def administered_companies(actor: User) -> list[Company]:
    """The companies ``actor`` administers: all for a superuser, else those they are allowed in."""
    if actor.is_superuser:
        return list(Company.objects.all())
    if not is_administrator(actor):
        return []
    return list(actor.companies.all())


def _check_admin(actor: User) -> None:
    if not is_administrator(actor):
        raise NotAllowed(_("Only administrators may change settings."))


def _check_may_manage(actor: User, user: User) -> None:
    _check_admin(actor)
    if user.is_superuser and not actor.is_superuser:
        raise NotAllowed(_("Only a superuser may change another superuser."))


# --- users --------------------------------------------------------------------------------


@transaction.atomic
def set_password(user: User, password: str) -> User:
    """The person's own new password (from an invitation or reset link); lifts any lock-out."""
    from axes.utils import reset

    user.set_password(password)
    user.save(update_fields=["password"])
    reset(username=user.username)
    events.record("user.password_set", user, user, {}, company=user.active_company)
    return user


def _user_state(user: User) -> dict[str, Any]:
    state = events.snapshot(user, USER_FIELDS)
    state["roles"] = sorted(user.groups.values_list("name", flat=True))
    state["companies"] = sorted(user.companies.values_list("code", flat=True))
    return state


def _clean_email(raw: str, *, exclude: User | None = None) -> str:
    try:
        email = normalize_email(raw)
    except InvalidIdentifier as exc:
        raise ValidationFailed({"email": [exc.message]}) from None
    taken = User.objects.filter(email__iexact=email)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise Conflict(_("Another user already has the e-mail %(email)s.") % {"email": email}, field="email")
    return email


def _clean_language(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    if language and language not in codes:
        raise ValidationFailed({"language": [_("Choose one of the offered languages.")]})
    return language


def _clean_roles(actor: User, roles: Iterable[Group]) -> list[Group]:
    chosen = list(roles)
    if any(group.name == ADMINISTRATOR for group in chosen) and not is_administrator(actor):
        raise NotAllowed(_("Only administrators may grant the administrator role."))
    return chosen


@transaction.atomic
def invite_user(
    company: Company,
    actor: User,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    username: str = "",
    language: str = "",
    roles: Iterable[Group] = (),
) -> User:
    """Create a user without a usable password in ``company`` and e-mail them a link to set one."""
    _check_admin(actor)
    email = _clean_email(email)
    username = (username or email).strip()
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The user name %(name)s is taken.") % {"name": username}, field="username")
    if len(username) > 150:
        raise ValidationFailed({"username": [_("A user name has at most 150 characters.")]})
    chosen = _clean_roles(actor, roles)
    user = User(
        username=username,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        language=_clean_language(language),
        active_company=company,
    )
    user.set_unusable_password()
    user.save()
    user.companies.add(company)
    user.groups.set(chosen)
    events.record(
        "user.invited",
        user,
        actor,
        {"email": email, "roles": sorted(g.name for g in chosen), "company": company.code},
        company=company,
    )
    _send_password_link(user, company, actor, invitation=True)
    return user


@transaction.atomic
def send_password_reset(user: User, actor: User, company: Company) -> None:
    """E-mail ``user`` a link to choose a new password (the old one works until they do)."""
    _check_may_manage(actor, user)
    if not user.is_active:
        raise Conflict(_("%(name)s is deactivated; reactivate them first.") % {"name": user.username})
    if not user.email:
        raise Conflict(_("%(name)s has no e-mail address.") % {"name": user.username}, field="email")
    events.record("user.password_reset_sent", user, actor, {"email": user.email}, company=company)
    _send_password_link(user, company, actor, invitation=False)


def password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("administration:set_password", args=[uid, token])
    return f"{settings.TANDEM_BASE_URL}{path}" if hasattr(settings, "TANDEM_BASE_URL") else path


def _send_password_link(user: User, company: Company, actor: User, *, invitation: bool) -> None:
    link = password_link(user)
    with translation.override(user.language or company.language or settings.LANGUAGE_CODE):
        if invitation:
            subject = _("You are invited to Tandem (%(company)s)") % {"company": company.name}
            intro = _("%(actor)s invited you to work in %(company)s with Tandem.") % {
                "actor": actor.display_name(),
                "company": company.name,
            }
        else:
            subject = _("Set a new Tandem password")
            intro = _("%(actor)s asked Tandem to send you a link to set a new password.") % {
                "actor": actor.display_name()
            }
        text = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": user.get_full_name() or user.username},
                intro,
                _("Choose your password here (the link works once, for %(days)d days):")
                % {"days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)},
                link,
                _("Your user name is %(username)s.") % {"username": user.username},
            ]
        )
    _send_email(to=[user.email], subject=subject, text=text, company=company, actor=actor)


def _send_email(*, to: list[str], subject: str, text: str, company: Company, actor: User) -> None:
    """Through the notifications service (queued, sent after commit, retried) when installed."""
    try:
        from tandem.core.notifications import services as notifications
    except ImportError:  # pragma: no cover - the notifications app ships with Tandem
        from django.core.mail import send_mail

        transaction.on_commit(lambda: send_mail(subject, text, None, to))
        return
    notifications.send_email(to=to, subject=subject, text=text, company=company, actor=actor)


@transaction.atomic
def update_user(
    user: User,
    actor: User,
    company: Company,
    *,
    first_name: str,
    last_name: str,
    email: str,
    language: str = "",
    roles: Iterable[Group] = (),
    companies: Iterable[Company] = (),
    active_company: Company | None = None,
) -> User:
    """Edit a user's name, e-mail, roles, allowed companies (those ``actor`` administers) and active one."""
    _check_may_manage(actor, user)
    before = _user_state(user)
    chosen_roles = _clean_roles(actor, roles)
    if user.pk == actor.pk and not actor.is_superuser and all(g.name != ADMINISTRATOR for g in chosen_roles):
        raise Conflict(_("You cannot take the administrator role from yourself."), field="roles")
    scope = {c.pk for c in administered_companies(actor)}
    wanted = {c.pk for c in companies}
    if wanted - scope:
        raise NotAllowed(_("You may only grant companies you administer."), field="companies")
    kept = set(user.companies.exclude(pk__in=scope).values_list("pk", flat=True))
    final = kept | wanted
    if active_company is not None and active_company.pk not in final:
        raise ValidationFailed({"active_company": [_("The active company must be one of the allowed ones.")]})
    if user.pk == actor.pk and not actor.is_superuser and company.pk not in final:
        raise Conflict(_("You cannot remove yourself from the company you administer."), field="companies")
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.email = _clean_email(email, exclude=user) if email.strip() else ""
    user.language = _clean_language(language)
    if active_company is None and user.active_company_id not in final:
        active_company = Company.objects.filter(pk__in=final).order_by("name").first()
    user.active_company = active_company if active_company is not None else user.active_company
    if user.active_company_id not in final:
        user.active_company = None
    user.save()
    user.companies.set(Company.objects.filter(pk__in=final))
    user.groups.set(chosen_roles)
    after = _user_state(user)
    diff = events.changes(before, after)
    if diff:
        events.record("user.updated", user, actor, {"changes": diff}, company=company)
    return user


@transaction.atomic
def set_user_active(user: User, actor: User, company: Company, *, active: bool) -> User:
    """Deactivate (sign-in, sessions and API tokens stop working) or reactivate a user."""
    _check_may_manage(actor, user)
    if user.pk == actor.pk and not active:
        raise Conflict(_("You cannot deactivate yourself."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    name = "user.reactivated" if active else "user.deactivated"
    events.record(name, user, actor, {"changes": {"is_active": [not active, active]}}, company=company)
    return user


# --- roles --------------------------------------------------------------------------------


def is_builtin_role(group: Group) -> bool:
    return group.name in role_labels()


def tandem_permissions(*, internal: bool = False) -> Any:
    """The permissions the matrix offers: those of Tandem's own apps, without the tables the
    apps' manifests call internal (counters, cursors, logs people do not manage)."""
    labels = [c.label for c in apps.get_app_configs() if c.name.startswith("tandem.")]
    rows = Permission.objects.filter(content_type__app_label__in=labels)
    for name in registry.internal_models() if not internal else ():
        app_label, model = name.split(".")
        rows = rows.exclude(content_type__app_label=app_label, content_type__model=model)
    return rows.select_related("content_type")


def _permission_names(perms: Iterable[Permission]) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in perms)


@transaction.atomic
def create_role(company: Company, actor: User, *, name: str, copy_from: Group | None = None) -> Group:
    """A custom role (its permissions are the administrator's, kept across upgrades)."""
    _check_admin(actor)
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": [_("Give the role a name.")]})
    if len(name) > 150:
        raise ValidationFailed({"name": [_("A role name has at most 150 characters.")]})
    builtin = role_labels()
    labels = {str(label).lower() for label in builtin.values()} | set(builtin)
    if name.lower() in labels or Group.objects.filter(name__iexact=name).exists():
        raise Conflict(_("A role called %(name)s exists already.") % {"name": name}, field="name")
    group = Group.objects.create(name=name)
    permissions = (
        list(tandem_permissions(internal=True).filter(group=copy_from)) if copy_from is not None else []
    )
    group.permissions.set(permissions)
    events.record(
        "role.created",
        group,
        actor,
        {"name": name, "copied_from": copy_from.name if copy_from else None, "permissions": len(permissions)},
        company=company,
    )
    return group


@transaction.atomic
def set_role_permissions(
    group: Group, actor: User, company: Company, permissions: Iterable[Permission]
) -> Group:
    """Replace a custom role's permissions; built-in roles follow the grants Tandem declares.

    The matrix neither shows nor takes the permissions on the tables the manifests call
    internal (an order's lines, counters): the role keeps those it holds (from the role it was
    copied from), whether or not they are sent back."""
    _check_admin(actor)
    if is_builtin_role(group):
        raise Conflict(
            _(
                "“%(name)s” is a built-in role: Tandem resets it to its declared permissions on every "
                "upgrade. Copy it as a custom role to change what it may do."
            )
            % {"name": group.name}
        )
    offered = tandem_permissions()
    before = set(group.permissions.values_list("pk", flat=True))
    kept = before - set(offered.filter(pk__in=before).values_list("pk", flat=True))
    wanted = {p.pk for p in permissions} - kept
    if wanted - set(offered.filter(pk__in=wanted).values_list("pk", flat=True)):
        raise ValidationFailed({"permissions": [_("Some of the chosen permissions do not exist.")]})
    wanted |= kept
    if before == wanted:
        return group
    group.permissions.set(Permission.objects.filter(pk__in=wanted))
    added = _permission_names(offered.filter(pk__in=wanted - before))
    removed = _permission_names(
        Permission.objects.filter(pk__in=before - wanted).select_related("content_type")
    )
    events.record(
        "role.permissions_changed",
        group,
        actor,
        {"added": added, "removed": removed, "changes": {"permissions": [len(before), len(wanted)]}},
        company=company,
    )
    return group


@transaction.atomic
def delete_role(group: Group, actor: User, company: Company) -> None:
    _check_admin(actor)
    if is_builtin_role(group):
        raise Conflict(_("Built-in roles cannot be deleted."))
    members = group.user_set.count()
    if members:
        raise Conflict(
            _("%(count)d users still have the role “%(name)s”; take it from them first.")
            % {"count": members, "name": group.name}
        )
    events.record("role.deleted", group, actor, {"name": group.name}, company=company)
    group.delete()


# --- companies ----------------------------------------------------------------------------


def validate_logo(upload: UploadedFile) -> None:
    """A PNG, JPEG, GIF or WebP picture of at most 2 MB, read by Pillow (an SVG is refused)."""
    message = _("The logo must be a PNG, JPEG, GIF or WebP picture.")
    if upload.size is not None and upload.size > LOGO_MAX_BYTES:
        raise ValidationFailed({"logo": [_("The logo may be at most 2 MB.")]})
    data = upload.read()
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationFailed({"logo": [message]}) from None
    if image_format not in LOGO_FORMATS:
        raise ValidationFailed({"logo": [message]})


def _vat_id(raw: str, country: str) -> str:
    """An EU VAT number keeps its country prefix; elsewhere the national tax ID rule applies."""
    value = raw.strip().upper().replace(" ", "")
    for candidate in (value, f"{country}{value}" if country else value):
        try:
            return str(eu_vat.validate(candidate))
        except StdnumError:
            continue
    country_is_eu = country.lower() in eu_vat.MEMBER_STATES or country == "GR"
    if country_is_eu:
        raise InvalidIdentifier(_("“%(value)s” is not a valid EU VAT number.") % {"value": raw.strip()})
    return normalize_tax_id(raw, country)


def clean_company_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Normalise every field given; all problems are reported at once, by field."""
    errors: dict[str, list[str]] = {}
    clean = dict(fields)
    country = str(fields.get("country", "") or "").strip().upper()
    if "country" in fields:
        if country and (len(country) != 2 or not country.isalpha()):
            errors["country"] = [_("Choose a country.")]
        clean["country"] = country
    if "name" in fields:
        clean["name"] = " ".join(str(fields["name"] or "").split())
        if not clean["name"]:
            errors["name"] = [_("The company needs a name.")]
    checks = {
        "tax_id": lambda v: normalize_tax_id(v, country),
        "vat_id": lambda v: _vat_id(v, country),
        "registry_id": lambda v: normalize_company_id(v, country),
        "iban": normalize_iban,
        "bic": normalize_bic,
        "email": normalize_email,
        "phone": lambda v: normalize_phone(v, country),
    }
    for name, check in checks.items():
        value = str(fields.get(name, "") or "").strip()
        if name not in fields:
            continue
        if not value:
            clean[name] = ""
            continue
        try:
            clean[name] = check(value)
        except InvalidIdentifier as exc:
            errors[name] = [exc.message]
    if "language" in fields:
        try:
            clean["language"] = _clean_language(str(fields["language"] or "")) or settings.LANGUAGE_CODE
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if "fiscal_year_start_month" in fields:
        month = fields["fiscal_year_start_month"]
        if not isinstance(month, int) or not 1 <= month <= 12:
            errors["fiscal_year_start_month"] = [_("Choose a month from 1 to 12.")]
    if "currency" in fields:
        currency = fields["currency"]
        if not isinstance(currency, Currency) or not currency.active:
            errors["currency"] = [_("Choose an active currency.")]
    if errors:
        raise ValidationFailed(errors)
    return clean


def _company_state(company: Company) -> dict[str, Any]:
    state = events.snapshot(company, COMPANY_FIELDS)
    state["logo"] = company.logo.name or ""
    return state


@transaction.atomic
def create_company(actor: User, *, code: str, logo: UploadedFile | None = None, **fields: Any) -> Company:
    """A new company, granted to its creator, with its letterhead and settings."""
    _check_admin(actor)
    code = slugify(code or fields.get("name", ""))[:32]
    if not code:
        raise ValidationFailed({"code": [_("Give the company a short code (letters, digits, hyphens).")]})
    if Company.objects.filter(code=code).exists():
        raise Conflict(_("A company with the code %(code)s exists already.") % {"code": code}, field="code")
    if logo is not None:
        validate_logo(logo)
    clean = clean_company_fields({name: value for name, value in fields.items() if name in COMPANY_FIELDS})
    name, currency, country = clean.pop("name"), clean.pop("currency"), clean.pop("country", "")
    company = core_services.create_company(
        name=name, code=code, currency=currency, country=country, actor=actor, **clean
    )
    if logo is not None:
        company.logo.save(logo.name or "logo", logo, save=True)
    core_services.grant_company(actor, company, actor)
    return company


@transaction.atomic
def update_company(
    company: Company,
    actor: User,
    *,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
    **fields: Any,
) -> Company:
    """Edit a company's settings and letterhead; every changed field is in the event log."""
    _check_admin(actor)
    if not actor.is_superuser and not actor.companies.filter(pk=company.pk).exists():
        raise NotAllowed(_("You do not administer %(company)s.") % {"company": company.name})
    if logo is not None:
        validate_logo(logo)
    clean = clean_company_fields({name: value for name, value in fields.items() if name in COMPANY_FIELDS})
    before = _company_state(company)
    for name, value in clean.items():
        setattr(company, name, value)
    old_logo = company.logo.name
    if remove_logo and logo is None:
        company.logo = ""  # type: ignore[assignment]
    company.save()
    if logo is not None:
        company.logo.save(logo.name or "logo", logo, save=True)
    if old_logo and company.logo.name != old_logo:
        storage = company.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    diff = events.changes(before, _company_state(company))
    if diff:
        events.record("company.updated", company, actor, {"changes": diff}, company=company)
    return company


# --- API tokens ---------------------------------------------------------------------------


@transaction.atomic
def issue_token(user: User, actor: User, company: Company | None, *, name: str) -> tuple[ApiToken, str]:
    """A personal token for ``user``: the returned secret is shown once and stored only hashed."""
    if actor.pk != user.pk:
        _check_may_manage(actor, user)
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": [_("Name the token after what will use it.")]})
    if len(name) > 64:
        raise ValidationFailed({"name": [_("A token name has at most 64 characters.")]})
    if not user.is_active:
        raise Conflict(_("%(name)s is deactivated.") % {"name": user.username})
    token, secret = core_services.issue_api_token(user, name, actor, company=company)
    events.record(
        "user.api_token_issued", user, actor, {"token": token.prefix, "name": name}, company=company
    )
    return token, secret


@transaction.atomic
def revoke_token(token: ApiToken, actor: User, company: Company | None) -> ApiToken:
    if actor.pk != token.user_id:
        _check_may_manage(actor, token.user)
    if token.revoked_at is not None:
        raise Conflict(_("This token is revoked already."))
    core_services.revoke_api_token(token, actor)
    events.record(
        "user.api_token_revoked",
        token.user,
        actor,
        {"token": token.prefix, "name": token.name},
        company=company,
    )
    return token


# --- lock-outs ----------------------------------------------------------------------------


@transaction.atomic
def unlock(actor: User, company: Company, *, username: str, ip_address: str | None) -> int:
    """Forget the failed sign-ins of ``username`` (at ``ip_address``), lifting its lock-out."""
    from axes.utils import reset

    _check_admin(actor)
    target = User.objects.filter(username=username).first()
    if target is not None:
        _check_may_manage(actor, target)
    removed = reset(ip=ip_address or None, username=username)
    events.record(
        "security.unlocked",
        target,
        actor,
        {"username": username, "ip_address": ip_address or "", "attempts": removed},
        company=company,
    )
    return int(removed)


# --- two-factor sign-in -------------------------------------------------------------------


@transaction.atomic
def start_totp(user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for ``user`` (any earlier unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def confirm_totp(device: TOTPDevice, actor: User, company: Company | None, *, code: str) -> TOTPDevice:
    """Turn two-factor sign-in on once the user proves their app shows the right code."""
    if device.user_id != actor.pk:
        raise NotAllowed(_("You can only set up your own two-factor sign-in."))
    code = "".join(code.split())
    if not code.isdigit() or not device.verify_token(code):
        raise ValidationFailed(
            {"code": [_("That code is not right. Check your phone's clock and try the newest code.")]}
        )
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    events.record("user.two_factor_enabled", actor, actor, {"device": "totp"}, company=company)
    return device


@transaction.atomic
def disable_two_factor(user: User, actor: User, company: Company | None, *, code: str = "") -> None:
    """Remove ``user``'s authenticator: by themselves with a current code, or by an administrator."""
    devices = TOTPDevice.objects.filter(user=user)
    if actor.pk == user.pk:
        if company is not None and company.require_two_factor and is_administrator(user):
            raise Conflict(
                _("%(company)s requires administrators to use two-factor sign-in.")
                % {"company": company.name}
            )
        code = "".join(code.split())
        if not any(device.verify_token(code) for device in devices.filter(confirmed=True)) or not code:
            raise ValidationFailed({"code": [_("Enter the current code from your app to turn this off.")]})
        name = "user.two_factor_disabled"
    else:
        _check_may_manage(actor, user)
        name = "user.two_factor_reset"
    if not devices.exists():
        return
    devices.delete()
    events.record(name, user, actor, {"device": "totp"}, company=company)
