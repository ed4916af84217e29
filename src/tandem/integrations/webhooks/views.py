"""Webhook pages for administrators: subscriptions, the delivery log, test, re-enable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import BusinessError
from tandem.integrations.webhooks import services
from tandem.integrations.webhooks.forms import SubscriptionForm
from tandem.integrations.webhooks.models import WebhookDelivery, WebhookSubscription
from tandem.web.generic import ModelView, ObjectCreateView, ObjectDetailView, ObjectFormView

DELIVERY_LIMIT = 100
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
        rows = self.get_queryset()
        return render(
            request,
            "webhooks/list.html",
            {**self.base_context(), "subscriptions": rows, "can_add": self.can("add")},
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


class SubscriptionDetailView(ObjectDetailView):
    model = WebhookSubscription
    template_name = "webhooks/detail.html"
    edit_url_name = "webhooks:edit"
    list_url_name = "webhooks:list"
    fields = [
        "url",
        "description",
        (gettext_lazy("Events"), lambda s: ", ".join(s.events)),
        "active",
        "failure_count",
        "disabled_at",
        "disabled_reason",
        "created_at",
    ]

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        subscription = self.object
        assert isinstance(subscription, WebhookSubscription)
        context.update(
            subscription=subscription,
            new_secret=_secret_once(self.request, subscription.pk),
            deliveries=subscription.deliveries.all()[:DELIVERY_LIMIT],
            can_change=self.can("change"),
            can_delete=self.can("delete"),
        )
        return context


class SubscriptionActionView(ModelView):
    """A POST button on the detail page: test, re-enable, rotate the secret, delete."""

    model = WebhookSubscription
    action = "change"
    operation = ""

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset()

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        subscription = get_object_or_404(self.get_queryset(), pk=pk)
        user: Any = request.user
        try:
            if self.operation == "test":
                services.send_test_event(subscription, user)
                messages.success(request, _("A test event is on its way; it appears in the delivery log."))
            elif self.operation == "reenable":
                services.reenable(subscription, user)
                messages.success(request, _("The webhook sends again, starting with the waiting events."))
            elif self.operation == "rotate":
                _secret_once(request, subscription.pk, services.rotate_secret(subscription, user))
                messages.success(request, _("A new secret was made; the old one no longer signs."))
            elif self.operation == "delete":
                services.delete_subscription(subscription, user)
                messages.success(request, _("The webhook was deleted."))
                return redirect("webhooks:list")
        except BusinessError as error:
            messages.error(request, error.message)
        return redirect(subscription)


class DeleteView(SubscriptionActionView):
    action = "delete"
    operation = "delete"


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
