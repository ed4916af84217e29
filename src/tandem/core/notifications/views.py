"""The bell, the inbox, mark as read and preferences: each person sees only their own."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core.models import User
from tandem.core.notifications import services
from tandem.core.notifications.models import ALL_KINDS, Notification, OutgoingEmail
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.generic import ObjectDetailView, ObjectListView
from tandem.web.keyset import SortKey

PAGE_SIZE = 25
CHANGED = "notifications-changed"  # htmx event: the bell refreshes its count


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.visible_to(request.user).select_related("actor")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        rows = rows.unread()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"title": _("Notifications"), "page": page, "unread_only": unread_only},
    )


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The header's bell with the unread count; htmx polls it."""
    count = services.unread_count(_user(request))
    return render(request, "notifications/_bell.html", {"unread_notifications": count})


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponseBase:
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    services.mark_read(notification, _user(request))
    if request.POST.get("open") and notification.link and _safe(request, notification.link):
        return redirect(notification.link)
    if getattr(request, "htmx", False):
        response = render(request, "notifications/_item.html", {"notification": notification})
        response["HX-Trigger"] = CHANGED
        return response
    return redirect(_next(request))


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponseBase:
    count = services.mark_all_read(_user(request))
    if count:
        messages.success(request, _("Marked %(count)d notifications as read.") % {"count": count})
    return redirect(_next(request))


def _user(request: HttpRequest) -> User:
    """The signed-in person (the views are behind ``login_required``)."""
    return cast(User, request.user)


def _safe(request: HttpRequest, url: str) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    return target if target and _safe(request, target) else reverse("notifications:inbox")


class PreferenceForm(forms.Form):
    in_app = forms.BooleanField(label=gettext_lazy("In the application"), required=False)
    email = forms.BooleanField(label=gettext_lazy("By e-mail"), required=False)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponseBase:
    user: Any = request.user
    kinds = [ALL_KINDS, *sorted(_known_kinds(user) - {ALL_KINDS})]
    current = services.preferences(user, kinds)
    forms_by_kind = {
        kind: PreferenceForm(
            request.POST or None,
            prefix=f"k{index}",
            initial={"in_app": current[kind][0], "email": current[kind][1]},
        )
        for index, kind in enumerate(kinds)
    }
    if request.method == "POST" and all(form.is_valid() for form in forms_by_kind.values()):
        for kind, form in forms_by_kind.items():
            if form.has_changed() or kind == ALL_KINDS:
                services.set_preference(
                    user, kind, in_app=form.cleaned_data["in_app"], email=form.cleaned_data["email"]
                )
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    rows = [
        (str(services.KIND_LABELS.get(kind, _("All notifications") if kind == ALL_KINDS else kind)), form)
        for kind, form in forms_by_kind.items()
    ]
    return render(
        request,
        "notifications/preferences.html",
        {"title": _("Notification preferences"), "rows": rows, "has_email": bool(user.email)},
    )


def _known_kinds(user: Any) -> set[str]:
    received = set(Notification.objects.visible_to(user).values_list("kind", flat=True).distinct()[:100])
    stored = set(user.notification_preferences.values_list("kind", flat=True))
    return set(services.KIND_LABELS) | received | stored


# --- outgoing e-mail (administrators) ------------------------------------------------------


class OutgoingEmailFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=gettext_lazy("Search"))
    state = django_filters.ChoiceFilter(choices=OutgoingEmail.State.choices, label=gettext_lazy("State"))

    class Meta:
        model = OutgoingEmail
        fields = ["search", "state"]

    def filter_search(self, rows: QuerySet[OutgoingEmail], name: str, value: str) -> QuerySet[OutgoingEmail]:
        """Subject words, or part of a recipient's address."""
        query = Q()
        for word in value.split()[:5]:
            query &= Q(subject__icontains=word) | Q(to__icontains=word)
        return rows.filter(query)


def _email_url(email: OutgoingEmail) -> str:
    return reverse("notifications:email", args=[email.pk])


class OutgoingEmailListView(ObjectListView):
    """Every message the company sent or tried to send, failed ones first to find."""

    model = OutgoingEmail
    title = gettext_lazy("Outgoing e-mail")
    template_name = "notifications/emails.html"
    filterset_class = OutgoingEmailFilter
    search_placeholder = gettext_lazy("Subject or recipient…")
    columns = [
        Column("created_at", gettext_lazy("Created"), link=_email_url, sort="created"),
        Column("to", gettext_lazy("To"), accessor=lambda email: ", ".join(email.to)),
        Column("subject", gettext_lazy("Subject")),
        Column("state", gettext_lazy("State"), accessor=lambda email: email.get_state_display()),
        Column("attempts", gettext_lazy("Attempts"), numeric=True),
        Column("sent_at", gettext_lazy("Sent")),
        Column("last_error", gettext_lazy("Last error"), accessor=lambda email: email.last_error[:120]),
    ]
    sorts = {"created": SortKey("created_at", gettext_lazy("Created"), descending=True)}
    default_sort = "created"


class OutgoingEmailActions(ActionView):
    model = OutgoingEmail
    url_name = "notifications:email_{name}"
    actions = [
        Action(
            "resend",
            gettext_lazy("Send again"),
            lambda request, email: services.resend(email, request.user),
            done=gettext_lazy("The e-mail is queued to be sent again."),
            available=lambda email, user: email.state == OutgoingEmail.State.FAILED,
            style="primary",
        )
    ]

    def object_url(self, obj: Model) -> str:
        return _email_url(obj)  # type: ignore[arg-type]


class OutgoingEmailDetailView(ObjectDetailView):
    model = OutgoingEmail
    template_name = "notifications/email_detail.html"
    action_view = OutgoingEmailActions
    list_url_name = "notifications:emails"
    fields = [
        (gettext_lazy("To"), lambda email: ", ".join(email.to)),
        "from_email", "subject", (gettext_lazy("State"), lambda email: email.get_state_display()),
        "attempts", "last_error", "created_at", "sent_at", "created_by", "message_id",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[OutgoingEmail]:
        return super().get_queryset().select_related("created_by")

    def get_context(self) -> dict[str, Any]:
        email = cast(OutgoingEmail, self.object)
        return {
            **super().get_context(),
            "attachments": email.attachments.values_list("name", flat=True),
        }
