"""Webhook pages for administrators: subscriptions, the delivery log, test, re-enable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core import events
from tandem.integrations.webhooks import services
from tandem.integrations.webhooks.forms import SubscriptionForm
from tandem.integrations.webhooks.models import WebhookDelivery, WebhookSubscription
from tandem.web.actions import Action, ActionView
from tandem.web.generic import Column, ModelView, ObjectCreateView, ObjectDetailView, ObjectFormView
from tandem.web.tables import Table

DELIVERY_LIMIT = 100

SUBSCRIPTION_COLUMNS = [
    Column("url", gettext_lazy("URL"), link=True),
    Column("description", gettext_lazy("Description")),
    Column("events", gettext_lazy("Events"), accessor=lambda s: ", ".join(s.events)),
    Column("status", gettext_lazy("Status"), accessor="active", template="webhooks/_status_cell.html"),
    Column("failure_count", gettext_lazy("Consecutive failures"), numeric=True),
]
DELIVERY_COLUMNS = [
    Column("event_type", gettext_lazy("Event"), link=lambda d: reverse("webhooks:delivery", args=[d.pk])),
    Column("created_at", gettext_lazy("Created")),
    Column("state", gettext_lazy("State"), template="webhooks/_delivery_state_cell.html"),
    Column("attempt", gettext_lazy("Attempts"), numeric=True),
    Column("status_code", gettext_lazy("Status code"), numeric=True),
    Column("duration_ms", gettext_lazy("Duration (ms)"), numeric=True),
    Column(
        "next_attempt_at",
        gettext_lazy("Next attempt"),
        accessor=lambda d: d.next_attempt_at if d.state == WebhookDelivery.State.PENDING else None,
    ),
]
CATALOGUE_COLUMNS = [
    Column("name", gettext_lazy("Event")),
    Column("label", gettext_lazy("What happened"), accessor=lambda t: t.label),
    Column("payload", gettext_lazy("Data fields"), accessor=lambda t: ", ".join(t.payload)),
]


def catalogue_table() -> Table:
    """The events webhooks publish, with the fields each carries: what a receiver gets."""
    return Table(
        CATALOGUE_COLUMNS, events.catalogue(webhook=True), caption=gettext_lazy("Events"), key="catalogue"
    )


SECRET_SESSION_KEY = "webhook-secret-{pk}"


def _secret_once(request: HttpRequest, pk: int, secret: str | None = None) -> str | None:
    """Keep a new secret in the session until the next page shows it, then forget it."""
    key = SECRET_SESSION_KEY.format(pk=pk)
    if secret is not None:
        request.session[key] = secret
        return secret
    return request.session.pop(key, None)  # type: ignore[no-any-return]


class SubscriptionListView(ModelView):
    model = WebhookSubscription
    title = gettext_lazy("Webhooks")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subscriptions = Table(
            SUBSCRIPTION_COLUMNS,
            self.get_queryset(),
            caption=gettext_lazy("Webhooks"),
            empty=gettext_lazy("No webhooks yet."),
        )
        return render(
            request,
            "webhooks/list.html",
            {
                **self.base_context(),
                "subscriptions": subscriptions,
                "catalogue": catalogue_table(),
                "can_add": self.can("add"),
            },
        )


class SubscriptionCreateView(ObjectCreateView):
    model = WebhookSubscription
    form_class = SubscriptionForm
    title = gettext_lazy("New webhook")
    list_url_name = "webhooks:list"
    _secret: str = ""

    def perform(self, form: forms.BaseForm) -> Model:
        subscription, self._secret = services.create_subscription(
            self.request.company,  # type: ignore[attr-defined]
            self.request.user,  # type: ignore[arg-type]
            **form.service_data(),  # type: ignore[attr-defined]
        )
        return subscription

    def success_url(self, result: Model) -> str:
        _secret_once(self.request, int(result.pk), self._secret)
        return str(result.get_absolute_url())  # type: ignore[attr-defined]


class SubscriptionEditView(ObjectFormView):
    model = WebhookSubscription
    action = "change"
    form_class = SubscriptionForm

    def get_object(self) -> Model:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def base_context(self) -> dict[str, Any]:
        return {**super().base_context(), "title": _("Edit %(name)s") % {"name": self.object}}

    def make_form(self, **kwargs: Any) -> forms.BaseForm:
        kwargs.setdefault("initial", self.get_initial())
        return SubscriptionForm(request=self.request, with_active=True, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        subscription = self.object
        assert isinstance(subscription, WebhookSubscription)
        return {
            "url": subscription.url,
            "description": subscription.description,
            "events": "\n".join(subscription.events),
            "active": subscription.active,
        }

    def perform(self, form: forms.BaseForm) -> Model:
        assert isinstance(self.object, WebhookSubscription)
        return services.update_subscription(
            self.object,
            self.request.user,  # type: ignore[arg-type]
            **form.service_data(),  # type: ignore[attr-defined]
        )


def _rotate(request: HttpRequest, subscription: WebhookSubscription) -> None:
    _secret_once(request, subscription.pk, services.rotate_secret(subscription, request.user))  # type: ignore[arg-type]


class SubscriptionActions(ActionView):
    """The buttons on a webhook's page: test, re-enable, rotate the secret, delete."""

    model = WebhookSubscription
    url_name = "webhooks:{name}"
    actions = [
        Action(
            "test",
            gettext_lazy("Send test event"),
            lambda request, s: services.send_test_event(s, request.user),
            done=gettext_lazy("A test event is on its way; it appears in the delivery log."),
            style="outline-primary",
        ),
        Action(
            "reenable",
            gettext_lazy("Re-enable"),
            lambda request, s: services.reenable(s, request.user),
            done=gettext_lazy("The webhook sends again, starting with the waiting events."),
            available=lambda s, user: not s.sending,
            style="success",
        ),
        Action(
            "rotate",
            gettext_lazy("New secret"),
            _rotate,
            done=gettext_lazy("A new secret was made; the old one no longer signs."),
            confirm=gettext_lazy("Make a new secret? The old one stops signing at once."),
            route="rotate-secret",
        ),
        Action(
            "delete",
            gettext_lazy("Delete"),
            lambda request, s: services.delete_subscription(s, request.user),
            done=gettext_lazy("The webhook was deleted."),
            permission="webhooks.delete_webhooksubscription",
            confirm=gettext_lazy("Delete this webhook? Its delivery log goes with it."),
            next_url=lambda s: reverse("webhooks:list"),
            style="outline-danger",
        ),
    ]


class SubscriptionDetailView(ObjectDetailView):
    model = WebhookSubscription
    template_name = "webhooks/detail.html"
    action_view = SubscriptionActions
    edit_url_name = "webhooks:edit"
    list_url_name = "webhooks:list"
    fields = [
        "url",
        "description",
        (gettext_lazy("Events"), lambda s: ", ".join(s.events)),
        "active",
        "failure_count",
        "disabled_at",
        (gettext_lazy("why it was disabled"), lambda s: s.disabled_reason_text),
        "created_at",
    ]

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        subscription = self.object
        assert isinstance(subscription, WebhookSubscription)
        context.update(
            subscription=subscription,
            new_secret=_secret_once(self.request, subscription.pk),
            deliveries=Table(
                DELIVERY_COLUMNS,
                subscription.deliveries.all()[:DELIVERY_LIMIT],
                caption=gettext_lazy("Deliveries"),
                empty=gettext_lazy("Nothing delivered yet."),
            ),
        )
        return context


class DeliveryDetailView(ModelView):
    model = WebhookDelivery
    action = "view"

    def permission_name(self) -> str:
        return "webhooks.view_webhooksubscription"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        delivery = get_object_or_404(self.get_queryset().select_related("subscription"), pk=pk)
        return render(
            request,
            "webhooks/delivery.html",
            {
                "title": _("Delivery %(id)s") % {"id": delivery.message_id},
                "delivery": delivery,
                "attempts": delivery.attempts.all(),
                # What a receiver answered can be what an internal service said: superusers only.
                "show_response": request.user.is_superuser,
                "list_url": reverse("webhooks:detail", args=[delivery.subscription_id]),
            },
        )
