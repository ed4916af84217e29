"""The settings area (``/settings/``): users, roles, companies, API tokens, lock-outs; and each
person's own account page with two-factor sign-in. Thin: parse → service → render."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

import qrcode
import qrcode.image.svg
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tandem.administration import services
from tandem.administration.forms import (
    CodeForm,
    CompanyForm,
    InviteForm,
    RoleCreateForm,
    TokenForm,
    UserForm,
)
from tandem.core.countries import country_name
from tandem.core.errors import BusinessError
from tandem.core.events import for_subject
from tandem.core.models import ApiToken, Company, Event, User
from tandem.core.notifications.models import OutgoingEmail
from tandem.core.roles import role_label
from tandem.core.security import has_two_factor, is_administrator, two_factor_required
from tandem.web import history
from tandem.web.actions import Action, ActionView
from tandem.web.forms import add_business_error
from tandem.web.generic import Column, ModelView, ObjectDetailView, ObjectFormView, ObjectListView, SortKey

# --- access -------------------------------------------------------------------------------


class AdminAreaMixin(ModelView):
    """Administrators only (others get 403), scoped to the active company."""

    needs_company = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not is_administrator(request.user):
            raise PermissionDenied
        if self.needs_company and getattr(request, "company", None) is None:
            messages.error(request, _("Choose a company to work in first."))
            return redirect("home")
        # Past ModelView's model-permission check: the settings area is the administrator's.
        return super(ModelView, self).dispatch(request, *args, **kwargs)

    def can(self, action: str, model: type[Model] | None = None) -> bool:
        return is_administrator(self.request.user)

    @property
    def company(self) -> Company:
        return self.request.company  # type: ignore[attr-defined,no-any-return]

    @property
    def actor(self) -> User:
        return self.request.user  # type: ignore[return-value]


def company_users(request: HttpRequest) -> QuerySet[User]:
    """The users of the active company: the only ones its administrators see or touch."""
    company = getattr(request, "company", None)
    if company is None:
        return User.objects.none()
    return User.objects.filter(companies=company)


def _history(subject: Model, company: Company | None) -> list[history.Entry]:
    events = for_subject(subject).filter(Q(company=company) | Q(company__isnull=True))[:100]
    return history.entries(events, subject)


class SettingsHomeView(AdminAreaMixin, View):
    model = User
    needs_company = False

    def get(self, request: HttpRequest) -> HttpResponse:
        company = getattr(request, "company", None)
        context = {
            "title": _("Settings"),
            "company": company,
            "users": company_users(request).filter(is_active=True).count(),
            "locked": _locked_attempts(request).count() if company else 0,
            "failed_emails": OutgoingEmail.objects.visible_to(request.user)
            .filter(state=OutgoingEmail.State.FAILED)
            .count(),
            "recent": history.entries(
                Event.objects.filter(
                    company=company,
                    name__regex=r"^(user|role|company|security|api_token)\.",
                ).select_related("actor")[:15]
            )
            if company
            else [],
        }
        return render(request, "administration/home.html", context)


# --- users --------------------------------------------------------------------------------


def _user_url(user: User) -> str:
    return reverse("administration:user_detail", args=[user.pk])


def _roles(user: User) -> str:
    return ", ".join(sorted(role_label(g.name) for g in user.groups.all()))


def _search_users(rows: QuerySet[User], text: str) -> QuerySet[User]:
    query = Q()
    for word in text.split():
        query &= (
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return rows.filter(query)


class UserListView(AdminAreaMixin, ObjectListView):
    template_name = "administration/object_list.html"
    model = User
    title = gettext_lazy("Users")
    search_function = _search_users
    search_placeholder = gettext_lazy("Name, user name, e-mail…")
    columns = [
        Column("username", gettext_lazy("User name"), link=_user_url, sort="username"),
        Column("name", gettext_lazy("Name"), accessor=lambda u: u.get_full_name()),
        Column("email", gettext_lazy("E-mail")),
        Column("roles", gettext_lazy("Roles"), accessor=_roles),
        Column("has_2fa", gettext_lazy("Two-factor")),
        Column("is_active", gettext_lazy("Active")),
        Column("last_login", gettext_lazy("Last sign-in")),
        Column("date_joined", gettext_lazy("Joined"), sort="joined"),
    ]
    sorts = {
        "username": SortKey("username", gettext_lazy("User name")),
        "joined": SortKey("date_joined", gettext_lazy("Joined"), descending=True),
    }
    default_sort = "username"
    create_url_name = "administration:user_invite"
    create_label = gettext_lazy("Invite a user")

    def get_queryset(self) -> QuerySet[User]:
        return company_users(self.request)

    def decorate(self, rows: QuerySet[User]) -> QuerySet[User]:
        device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return rows.prefetch_related("groups").annotate(has_2fa=Exists(device))


def _protected(user: User, actor: Any) -> bool:
    """Only a superuser acts on a superuser."""
    return user.is_superuser and not actor.is_superuser


def _manageable(user: User, actor: Any) -> bool:
    return not _protected(user, actor) and user.pk != actor.pk


class UserActions(AdminAreaMixin, ActionView):
    """The buttons on a user's page (administrators, users of the active company)."""

    model = User
    url_name = "administration:user_{name}"
    actions = [
        Action(
            "reset_password",
            gettext_lazy("Send password link"),
            lambda request, u: services.send_password_reset(u, request.user, request.company),
            done=lambda u: _("A link to set a new password was sent to %(email)s.") % {"email": u.email},
            available=lambda u, actor: u.is_active and bool(u.email) and not _protected(u, actor),
            route="reset-password",
        ),
        Action(
            "deactivate",
            gettext_lazy("Deactivate"),
            lambda request, u: services.set_user_active(u, request.user, request.company, active=False),
            done=lambda u: _("%(name)s can no longer sign in.") % {"name": u.username},
            confirm=gettext_lazy("Deactivate this user? They can no longer sign in or use API tokens."),
            available=lambda u, actor: u.is_active and _manageable(u, actor),
            style="outline-danger",
        ),
        Action(
            "reactivate",
            gettext_lazy("Reactivate"),
            lambda request, u: services.set_user_active(u, request.user, request.company, active=True),
            done=lambda u: _("%(name)s can sign in again.") % {"name": u.username},
            available=lambda u, actor: not u.is_active and not _protected(u, actor),
            style="outline-success",
        ),
        Action(
            "reset_two_factor",
            gettext_lazy("Reset two-factor"),
            lambda request, u: services.disable_two_factor(u, request.user, request.company),
            done=lambda u: _("Two-factor sign-in of %(name)s was reset.") % {"name": u.username},
            confirm=gettext_lazy(
                "Remove this user’s authenticator? They can set up a new one after signing in."
            ),
            available=lambda u, actor: has_two_factor(u) and _manageable(u, actor),
            style="outline-warning",
            route="reset-two-factor",
        ),
    ]

    def get_queryset(self) -> QuerySet[User]:
        return company_users(self.request)

    def permitted(self, action: Action) -> bool:
        return True  # the settings area's rule, checked on entry: an administrator

    def object_url(self, obj: Model) -> str:
        return _user_url(obj)  # type: ignore[arg-type]


class UserDetailView(AdminAreaMixin, ObjectDetailView):
    model = User
    template_name = "administration/user_detail.html"
    action_view = UserActions
    edit_url_name = "administration:user_edit"
    list_url_name = "administration:users"
    fields = [
        "username", (gettext_lazy("Name"), lambda u: u.get_full_name()), "email", "language",
        (gettext_lazy("Roles"), _roles), "companies", "active_company", "is_active",
        (gettext_lazy("Two-factor sign-in"), has_two_factor), "last_login", "date_joined",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[User]:
        return company_users(self.request).prefetch_related("groups", "companies")

    def history(self) -> list[history.Entry]:
        return _history(self.object, self.company)

    def get_context(self) -> dict[str, Any]:
        user: User = self.object  # type: ignore[assignment]
        return {
            **super().get_context(),
            "tokens": list(
                ApiToken.objects.filter(user=user, company=self.company)
                .select_related("company")
                .order_by("-created_at")
            ),
            "token_form": TokenForm(request=self.request),
            "protected": user.is_superuser and not self.actor.is_superuser,
            "is_self": user.pk == self.actor.pk,
            "has_2fa": has_two_factor(user),
        }


class UserInviteView(AdminAreaMixin, ObjectFormView):
    template_name = "administration/object_form.html"
    model = User
    action = "add"
    form_class = InviteForm
    title = gettext_lazy("Invite a user")
    list_url_name = "administration:users"

    def perform(self, form: forms.BaseForm) -> Model:
        return services.invite_user(self.company, self.actor, **form.cleaned_data)

    def success_url(self, result: Model) -> str:
        return _user_url(result)  # type: ignore[arg-type]

    def success_message(self, result: Model) -> str:
        return _("Invitation sent to %(email)s.") % {"email": result.email}  # type: ignore[attr-defined]


class UserEditView(AdminAreaMixin, ObjectFormView):
    template_name = "administration/object_form.html"
    model = User
    action = "change"
    form_class = UserForm

    def get_object(self) -> User:
        return get_object_or_404(company_users(self.request), pk=self.kwargs["pk"])

    def base_context(self) -> dict[str, Any]:
        return {**super().base_context(), "title": _("Edit %(name)s") % {"name": self.object}}

    def perform(self, form: forms.BaseForm) -> Model:
        return services.update_user(self.object, self.actor, self.company, **form.service_data())  # type: ignore[arg-type,attr-defined]

    def success_url(self, result: Model) -> str:
        if company_users(self.request).filter(pk=result.pk).exists():
            return _user_url(result)  # type: ignore[arg-type]
        return reverse("administration:users")

    def cancel_url(self) -> str:
        return _user_url(self.object)  # type: ignore[arg-type]


@method_decorator(never_cache, name="dispatch")
class TokenCreateView(AdminAreaMixin, View):
    """Issue a token and show its secret this once."""

    model = User

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = get_object_or_404(company_users(request), pk=pk)
        return _issue_token(request, user, back_url=_user_url(user))


def _issue_token(request: HttpRequest, user: User, *, back_url: str) -> HttpResponse:
    form = TokenForm(request.POST, request=request)
    token = secret = None
    if form.is_valid():
        try:
            token, secret = services.issue_token(
                user,
                cast(User, request.user),
                getattr(request, "company", None),
                name=form.cleaned_data["name"],
            )
        except BusinessError as exc:
            add_business_error(form, exc)
    status = 200 if token is not None else 400
    context = {
        "title": _("API token"),
        "token": token,
        "secret": secret,
        "form": form,
        "owner": user,
        "back_url": back_url,
    }
    return render(request, "administration/token_created.html", context, status=status)


REVOKE_TOKEN = Action(
    "revoke",
    gettext_lazy("Revoke"),
    lambda request, token: services.revoke_token(token, request.user, getattr(request, "company", None)),
    done=lambda token: _("The token “%(name)s” no longer works.") % {"name": token.name},
    confirm=gettext_lazy("Revoke this token? Programs using it stop working at once."),
    style="outline-danger",
)


class SettingsActions(AdminAreaMixin, ActionView):
    def permitted(self, action: Action) -> bool:
        return True  # the settings area's rule, checked on entry: an administrator


class TokenActions(SettingsActions):
    """Revoke a token of a user of the active company."""

    model = ApiToken
    url_name = "administration:token_{name}"
    actions = [REVOKE_TOKEN]

    def get_queryset(self) -> QuerySet[ApiToken]:
        users = company_users(self.request)
        return ApiToken.objects.filter(user__in=users, company=self.company).select_related("user")

    def object_url(self, obj: Model) -> str:
        return f"{_user_url(obj.user)}#tokens"  # type: ignore[attr-defined]


# --- roles --------------------------------------------------------------------------------


def _role_url(group: Group) -> str:
    return reverse("administration:role_detail", args=[group.pk])


class RoleListView(AdminAreaMixin, ObjectListView):
    template_name = "administration/object_list.html"
    model = Group
    title = gettext_lazy("Roles")
    columns = [
        Column("label", gettext_lazy("Role"), accessor=lambda g: role_label(g.name), link=_role_url),
        Column("builtin", gettext_lazy("Built in"), accessor=services.is_builtin_role),
        Column("members", gettext_lazy("Users"), numeric=True),
        Column("perm_count", gettext_lazy("Permissions"), numeric=True),
    ]
    sorts = {"name": SortKey("name", gettext_lazy("Name"))}
    default_sort = "name"
    create_url_name = "administration:role_create"
    create_label = gettext_lazy("New role")

    def get_queryset(self) -> QuerySet[Group]:
        return Group.objects.all()

    def decorate(self, rows: QuerySet[Group]) -> QuerySet[Group]:
        return rows.annotate(
            members=Count("user", distinct=True), perm_count=Count("permissions", distinct=True)
        )


class RoleCreateView(AdminAreaMixin, ObjectFormView):
    template_name = "administration/object_form.html"
    model = Group
    action = "add"
    form_class = RoleCreateForm
    title = gettext_lazy("New role")
    list_url_name = "administration:roles"

    def get_initial(self) -> dict[str, Any]:
        source = self.request.GET.get("copy", "")
        return {"copy_from": int(source)} if source.isdigit() else {}

    def perform(self, form: forms.BaseForm) -> Model:
        data = form.cleaned_data
        return services.create_role(
            self.company, self.actor, name=data["name"], copy_from=data.get("copy_from")
        )

    def success_url(self, result: Model) -> str:
        return _role_url(result)  # type: ignore[arg-type]


@dataclass
class MatrixRow:
    model: str
    cells: list[tuple[str, Permission | None]]  # (column, permission) for view/add/change/delete
    custom: list[Permission] = field(default_factory=list)


@dataclass
class MatrixGroup:
    app: str
    rows: list[MatrixRow]


CRUD = ("view", "add", "change", "delete")


def permission_matrix() -> list[MatrixGroup]:
    """Rows = models grouped by app; columns view/add/change/delete, then the model's own permissions."""
    from django.apps import apps

    by_model: dict[tuple[str, str], list[Permission]] = defaultdict(list)
    for permission in services.tandem_permissions().order_by(
        "content_type__app_label", "content_type__model", "codename"
    ):
        by_model[(permission.content_type.app_label, permission.content_type.model)].append(permission)
    groups: dict[str, list[MatrixRow]] = defaultdict(list)
    for (app_label, model_name), perms in by_model.items():
        model = apps.get_model(app_label, model_name) if _model_exists(app_label, model_name) else None
        label = str(model._meta.verbose_name_plural).capitalize() if model else model_name
        cells: list[tuple[str, Permission | None]] = []
        custom = []
        by_code = {p.codename: p for p in perms}
        for action in CRUD:
            cells.append((action, by_code.pop(f"{action}_{model_name}", None)))
        custom = sorted(by_code.values(), key=lambda p: p.name)
        groups[app_label].append(MatrixRow(label, cells, custom))
    result = []
    for app_label, rows in sorted(groups.items()):
        verbose = str(apps.get_app_config(app_label).verbose_name)
        result.append(MatrixGroup(verbose, sorted(rows, key=lambda r: r.model)))
    return result


def _model_exists(app_label: str, model_name: str) -> bool:
    from django.apps import apps

    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True


class RoleActions(SettingsActions):
    """The buttons on a role's page: delete a custom role nobody holds."""

    model = Group
    url_name = "administration:role_{name}"
    actions = [
        Action(
            "delete",
            gettext_lazy("Delete"),
            lambda request, group: services.delete_role(group, request.user, request.company),
            done=gettext_lazy("Role deleted."),
            confirm=gettext_lazy("Delete this role?"),
            available=lambda group, user: not services.is_builtin_role(group),
            next_url=lambda group: reverse("administration:roles"),
            style="outline-danger",
        )
    ]

    def get_queryset(self) -> QuerySet[Group]:
        return Group.objects.all()

    def object_url(self, obj: Model) -> str:
        return _role_url(obj)  # type: ignore[arg-type]


class RoleDetailView(AdminAreaMixin, View):
    """The permission matrix of one role; custom roles save, built-in ones are read-only."""

    model = Group

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        group = get_object_or_404(Group, pk=pk)
        return self.render(group)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        group = get_object_or_404(Group, pk=pk)
        ids = [int(v) for v in request.POST.getlist("permissions") if v.isdigit()]
        try:
            services.set_role_permissions(
                group, self.actor, self.company, Permission.objects.filter(pk__in=ids)
            )
        except BusinessError as exc:
            messages.error(request, exc.message)
            return self.render(group, status=400)
        messages.success(
            request, _("Saved the permissions of “%(name)s”.") % {"name": role_label(group.name)}
        )
        return redirect(_role_url(group))

    def render(self, group: Group, *, status: int = 200) -> HttpResponse:
        context = {
            "title": role_label(group.name),
            "group": group,
            "builtin": services.is_builtin_role(group),
            "matrix": permission_matrix(),
            "columns": [_("View"), _("Add"), _("Change"), _("Delete")],
            "granted": set(group.permissions.values_list("pk", flat=True)),
            "members": list(group.user_set.filter(companies=self.company).order_by("username")[:200]),
            "history": _history(group, self.company),
            "actions": RoleActions().buttons(self.request, group),
        }
        return render(self.request, "administration/role_detail.html", context, status=status)


# --- companies ----------------------------------------------------------------------------


def _company_url(company: Company) -> str:
    return reverse("administration:company_detail", args=[company.pk])


def administered(request: HttpRequest) -> QuerySet[Company]:
    return Company.objects.filter(pk__in=[c.pk for c in services.administered_companies(request.user)])  # type: ignore[arg-type]


class CompanyListView(AdminAreaMixin, ObjectListView):
    template_name = "administration/object_list.html"
    model = Company
    needs_company = False
    columns = [
        Column("name", gettext_lazy("Name"), link=_company_url, sort="name"),
        Column("code", gettext_lazy("Code")),
        Column("country", gettext_lazy("Country"), accessor=lambda c: country_name(c.country)),
        Column("currency", gettext_lazy("Currency")),
        Column("require_two_factor", gettext_lazy("Two-factor for administrators")),
    ]
    sorts = {"name": SortKey("name", gettext_lazy("Name"))}
    default_sort = "name"
    create_url_name = "administration:company_create"
    create_label = gettext_lazy("New company")

    def get_queryset(self) -> QuerySet[Company]:
        return administered(self.request)


class CompanyDetailView(AdminAreaMixin, ObjectDetailView):
    model = Company
    needs_company = False
    template_name = "administration/company_detail.html"
    edit_url_name = "administration:company_edit"
    list_url_name = "administration:companies"
    fields = [
        "code", "currency", "language", "fiscal_year_start_month",
        (gettext_lazy("Address"), lambda c: _address(c)),
        (gettext_lazy("Country"), lambda c: country_name(c.country)),
        "tax_id", "vat_id", "registry_id", "email", "phone", "website",
        "bank_name", "iban", "bic", "require_two_factor",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Company]:
        return administered(self.request).select_related("currency")

    def history(self) -> list[history.Entry]:
        return _history(self.object, self.object)  # type: ignore[arg-type]


def _address(company: Company) -> str:
    street = " ".join(part for part in [company.street, company.house] if part)
    town = " ".join(part for part in [company.postal_code, company.city] if part)
    return "\n".join(part for part in [street, town, company.region] if part)


class CompanyCreateView(AdminAreaMixin, ObjectFormView):
    model = Company
    action = "add"
    needs_company = False
    form_class = CompanyForm
    template_name = "administration/company_form.html"
    title = gettext_lazy("New company")
    list_url_name = "administration:companies"

    def get_initial(self) -> dict[str, Any]:
        company = getattr(self.request, "company", None)
        return {"currency": company.currency_id if company else "EUR", "language": settings.LANGUAGE_CODE}

    def perform(self, form: forms.BaseForm) -> Model:
        data = form.service_data()  # type: ignore[attr-defined]
        return services.create_company(self.actor, **data)

    def success_url(self, result: Model) -> str:
        return _company_url(result)  # type: ignore[arg-type]


class CompanyEditView(AdminAreaMixin, ObjectFormView):
    model = Company
    action = "change"
    needs_company = False
    form_class = CompanyForm
    template_name = "administration/company_form.html"

    def get_object(self) -> Company:
        return get_object_or_404(administered(self.request), pk=self.kwargs["pk"])

    def base_context(self) -> dict[str, Any]:
        return {**super().base_context(), "title": _("Settings of %(name)s") % {"name": self.object}}

    def perform(self, form: forms.BaseForm) -> Model:
        return services.update_company(self.object, self.actor, **form.service_data())  # type: ignore[arg-type,attr-defined]

    def success_url(self, result: Model) -> str:
        return _company_url(result)  # type: ignore[arg-type]

    def cancel_url(self) -> str:
        return _company_url(self.object)  # type: ignore[arg-type]


class CompanyLogoView(AdminAreaMixin, View):
    model = Company
    needs_company = False

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        company = get_object_or_404(administered(request), pk=pk)
        if not company.logo:
            raise Http404
        response = FileResponse(company.logo.open("rb"))
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- lock-outs ----------------------------------------------------------------------------


def _locked_attempts(request: HttpRequest) -> QuerySet[AccessAttempt]:
    rows = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if not request.user.is_superuser:
        rows = rows.filter(username__in=company_users(request).values("username"))
    return rows


class SecurityView(AdminAreaMixin, View):
    model = User

    def get(self, request: HttpRequest) -> HttpResponse:
        attempts = AccessAttempt.objects.order_by("-attempt_time")
        if not request.user.is_superuser:
            attempts = attempts.filter(username__in=company_users(request).values("username"))
        context = {
            "title": _("Sign-in security"),
            "attempts": list(attempts[:200]),
            "limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "company": self.company,
            "without_2fa": list(
                company_users(request)
                .filter(is_active=True)
                .filter(Q(is_superuser=True) | Q(groups__name="administrator"))
                .exclude(totpdevice__confirmed=True)
                .distinct()
                .order_by("username")
            ),
        }
        return render(request, "administration/security.html", context)


class UnlockActions(SettingsActions):
    """Clear the failed sign-ins of a user of the active company (any, for a superuser)."""

    model = AccessAttempt
    url_name = "administration:{name}"
    actions = [
        Action(
            "unlock",
            gettext_lazy("Unlock"),
            lambda request, attempt: services.unlock(
                request.user, request.company, username=attempt.username, ip_address=attempt.ip_address
            ),
            done=lambda attempt: _("%(name)s may sign in again.") % {"name": attempt.username},
        )
    ]

    def get_queryset(self) -> QuerySet[AccessAttempt]:
        if self.request.user.is_superuser:
            return AccessAttempt.objects.all()
        return AccessAttempt.objects.filter(username__in=company_users(self.request).values("username"))

    def object_url(self, obj: Model) -> str:
        return reverse("administration:security")


# --- the person's own account: two-factor sign-in, tokens ----------------------------------


def qr_svg(data: str) -> SafeString:
    """The QR code as inline SVG markup (drawn here; no image service sees the secret)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    markup = image.to_string(encoding="unicode")
    markup = markup.replace("<svg ", '<svg role="img" aria-label="QR code" class="qr-code" ', 1)
    return mark_safe(markup)


@method_decorator(never_cache, name="dispatch")
class AccountView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        context = {
            "title": _("My account"),
            "has_2fa": has_two_factor(user),
            "required": two_factor_required(user),
            "code_form": CodeForm(request=request),
            "tokens": list(
                ApiToken.objects.filter(user=user).select_related("company").order_by("-created_at")
            ),
            "token_form": TokenForm(request=request),
        }
        return render(request, "administration/account.html", context)


@method_decorator(never_cache, name="dispatch")
class AccountTokenView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        return _issue_token(request, request.user, back_url=reverse("administration:account"))  # type: ignore[arg-type]


class OwnActions(ActionView):
    """Actions on what is the person's own: any signed-in person, on their own rows."""

    action = None

    def permitted(self, action: Action) -> bool:
        return True

    def object_url(self, obj: Model) -> str:
        return reverse("administration:account")


class AccountTokenActions(OwnActions):
    model = ApiToken
    url_name = "administration:account_token_{name}"
    actions = [REVOKE_TOKEN]

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user=self.request.user)  # type: ignore[misc]


@method_decorator(never_cache, name="dispatch")
class TwoFactorSetupView(LoginRequiredMixin, View):
    """Scan the QR code (or type the secret), then confirm with one code."""

    def get(self, request: HttpRequest) -> HttpResponse:
        device = services.start_totp(request.user)  # type: ignore[arg-type]
        return self.render(device, CodeForm(request=request))

    def post(self, request: HttpRequest) -> HttpResponse:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("-pk").first()  # type: ignore[misc]
        if device is None:
            return redirect("administration:two_factor_setup")
        form = CodeForm(request.POST, request=request)
        if form.is_valid():
            try:
                services.confirm_totp(
                    device,
                    cast(User, request.user),
                    getattr(request, "company", None),
                    code=form.cleaned_data["code"],
                )
            except BusinessError as exc:
                add_business_error(form, exc)
            else:
                otp_login(request, device)
                messages.success(
                    request, _("Two-factor sign-in is on. You will be asked for a code when you sign in.")
                )
                return redirect("administration:account")
        return self.render(device, form, status=400)

    def render(self, device: TOTPDevice, form: CodeForm, *, status: int = 200) -> HttpResponse:
        from base64 import b32encode

        secret = b32encode(device.bin_key).decode()
        context = {
            "title": _("Set up two-factor sign-in"),
            "qr": qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "form": form,
            "required": two_factor_required(request_user := self.request.user)
            and not has_two_factor(request_user),
        }
        return render(self.request, "administration/two_factor_setup.html", context, status=status)


class TwoFactorActions(OwnActions):
    """Turn one's own two-factor sign-in off, with a current code (typed on the account page)."""

    model = User
    url_name = "administration:two_factor_{name}"
    actions = [
        Action(
            "disable",
            gettext_lazy("Turn off"),
            lambda request, user: services.disable_two_factor(
                user, user, getattr(request, "company", None), code=request.POST.get("code", "")
            ),
            done=gettext_lazy("Two-factor sign-in is off."),
            route="off",
        )
    ]

    def get_object(self) -> Model:
        return self.request.user  # type: ignore[return-value]

    def url_args(self, obj: Model) -> list[Any]:
        return []


@method_decorator(never_cache, name="dispatch")
class TwoFactorVerifyView(LoginRequiredMixin, View):
    """The second sign-in step: a code from the user's authenticator app."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_verified():  # type: ignore[union-attr]
            return redirect(self.next_url())
        return self.render(CodeForm(request=request))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CodeForm(request.POST, request=request)
        if form.is_valid():
            code = "".join(form.cleaned_data["code"].split())
            for device in devices_for_user(request.user, confirmed=True):
                if code.isdigit() and device.verify_token(code):
                    otp_login(request, device)
                    return redirect(self.next_url())
            form.add_error("code", _("That code is not right. Try the newest code from your app."))
        return self.render(form, status=400)

    def next_url(self) -> str:
        wanted = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            wanted, {self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return wanted
        return reverse(settings.LOGIN_REDIRECT_URL)

    def render(self, form: CodeForm, *, status: int = 200) -> HttpResponse:
        context = {"title": _("Two-factor sign-in"), "form": form, "next": self.next_url()}
        return render(self.request, "administration/two_factor_verify.html", context, status=status)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The link in an invitation or password e-mail: choose a password (the link works once)."""

    template_name = "administration/set_password.html"
    success_url = reverse_lazy("administration:set_password_done")

    def form_valid(self, form: Any) -> HttpResponse:
        services.set_password(self.user, form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.success_url)


def set_password_done(request: HttpRequest) -> HttpResponse:
    return render(request, "administration/set_password_done.html", {"title": _("Password set")})
