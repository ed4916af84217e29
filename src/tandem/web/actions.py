"""The action view: one button per business action on a detail page.

A model's actions are declared once, as data, on an :class:`ActionView`::

    class SubscriptionActions(ActionView):
        model = WebhookSubscription
        actions = [
            Action("test", _("Send a test event"), send_test,
                   done=_("A test event is on its way.")),
            Action("delete", _("Delete"), ..., permission="webhooks.delete_webhooksubscription",
                   confirm=_("Delete this webhook?"), next_url=lambda s: reverse("webhooks:list")),
        ]

``action_urls(SubscriptionActions, "<int:pk>/")`` routes them (a record reached otherwise, by a
parent's key or none at all, overrides ``get_object`` and ``url_args``), and the detail page shows
``view.buttons(request, obj)`` with ``web/_actions.html``. What every action then gets:

* the user's right is checked per action (a button is shown only to whom may press it; a
  POST without the right is 403), and the record comes through ``visible_to`` (404);
* an action that cannot be undone asks first (``confirm``): a dialog with JavaScript, a
  confirmation page without (a POST lacking ``confirmed`` gets the page; nothing runs);
* it runs in one transaction; the service's ``BusinessError`` is shown in place (htmx swaps
  the buttons with the message) or as a message on the page, and nothing is written (the
  service decides whether the action applies now; ``available`` only hides the button);
* success redirects (``HX-Redirect`` for htmx) to the record, with the ``done`` message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise

from tandem.core.errors import BusinessError
from tandem.web.generic.base import ModelView

TARGET = "object-actions"


def _always(obj: Any, user: Any) -> bool:
    return True


@dataclass(frozen=True)
class Action:
    """One business action: ``run(request, obj)`` calls the service.

    ``done`` is the success message (``%(name)s`` is the record); ``permission`` defaults to
    changing the model; ``available(obj, user)`` hides the button where the action does not
    apply (a state it cannot start from); ``route`` is its URL segment (``name`` by default)."""

    name: str
    label: str | Promise
    run: Callable[[Any, Any], Any]  # (request, record); the request is signed in, with a company
    done: str | Promise | Callable[[Any], str] = ""
    permission: str | None = None
    confirm: str | Promise | None = None
    available: Callable[[Any, Any], bool] = _always
    style: str = "outline-secondary"
    next_url: Callable[[Any], str] | None = None
    route: str = ""

    def message(self, obj: Any) -> str:
        if callable(self.done):
            return self.done(obj)
        return str(self.done) % {"name": obj} if self.done else ""


@dataclass(frozen=True)
class Button:
    name: str
    label: str
    url: str
    confirm: str
    style: str


class ActionView(ModelView):
    """POST ``…/<action>/`` on one record; subclasses declare ``model`` and ``actions``."""

    actions: Sequence[Action] = ()
    url_name: str = ""  # "<namespace>:<prefix>{name}" pattern filled by action_urls
    template_name = "web/_actions.html"  # the htmx answer in place: the buttons, or ``fragment``'s
    in_place = False  # htmx success re-renders ``template_name`` instead of redirecting
    confirm_template = "web/action_confirm.html"

    # --- declaration helpers ---------------------------------------------------------------

    @classmethod
    def find(cls, name: str) -> Action:
        for action in cls.actions:
            if action.name == name:
                return action
        raise Http404

    def action_permission(self, action: Action) -> str:
        meta = self.model._meta
        return action.permission or f"{meta.app_label}.change_{meta.model_name}"

    def permitted(self, action: Action) -> bool:
        return bool(self.request.user.has_perm(self.action_permission(action)))

    def may(self, action: Action, obj: Model) -> bool:
        return self.permitted(action) and action.available(obj, self.request.user)

    def buttons(self, request: HttpRequest, obj: Model) -> list[Button]:
        """The buttons this user may press on ``obj``'s page."""
        self.request = request
        return [
            Button(
                action.name,
                str(action.label),
                reverse(self.url_name.format(name=action.name), args=self.url_args(obj)),
                str(action.confirm or ""),
                action.style,
            )
            for action in self.actions
            if self.may(action, obj)
        ]

    # --- request handling ---------------------------------------------------------------

    def get_object(self) -> Model:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def url_args(self, obj: Model) -> list[Any]:
        """The arguments of an action's URL for ``obj`` (its key, by default)."""
        return [obj.pk]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.get_object()  # a record the user may not see is not found, whatever the method
        return HttpResponseNotAllowed(["POST"])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        obj, action = self.get_object(), self.find(kwargs["name"])
        if not self.permitted(action):
            raise PermissionDenied
        if action.confirm and not request.POST.get("confirmed"):
            return self.render_confirmation(obj, action)
        try:  # the service, not the button's visibility, decides whether the action may run now
            with transaction.atomic():
                action.run(request, obj)
        except BusinessError as exc:
            return self.failed(obj, exc)
        if self.in_place and getattr(request, "htmx", False):
            return self.render_in_place(obj)
        if message := action.message(obj):
            messages.success(request, message)
        return self.go(action.next_url(obj) if action.next_url else self.object_url(obj))

    def object_url(self, obj: Model) -> str:
        return str(obj.get_absolute_url())  # type: ignore[attr-defined]

    def failed(self, obj: Model, error: BusinessError) -> HttpResponse:
        if getattr(self.request, "htmx", False):
            return self.render_in_place(obj, error.message)
        messages.error(self.request, error.message)
        return self.go(self.object_url(obj))  # type: ignore[return-value]

    def render_in_place(self, obj: Model, error: str = "") -> HttpResponse:
        obj.refresh_from_db()
        return render(self.request, self.template_name, self.in_place_context(obj, error))

    def in_place_context(self, obj: Model, error: str) -> dict[str, Any]:
        return {"actions": self.buttons(self.request, obj), "action_error": error}

    def go(self, url: str) -> HttpResponseBase:
        if getattr(self.request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)

    def render_confirmation(self, obj: Model, action: Action) -> HttpResponse:
        context = {
            **self.base_context(),
            "title": str(action.label),
            "object": obj,
            "question": action.confirm,
            "action": action,
            "cancel_url": self.object_url(obj),
        }
        return render(self.request, self.confirm_template, context)


def action_urls(view: type[ActionView], route: str, name_prefix: str = "") -> list[URLPattern]:
    """One URL per declared action: ``<route><action.route>/`` named ``<name_prefix><name>``.

    The view must set ``url_name`` to ``"<namespace>:<name_prefix>{name}"``."""
    return [
        path(
            f"{route}{action.route or action.name}/",
            view.as_view(),
            {"name": action.name},
            name=f"{name_prefix}{action.name}",
        )
        for action in view.actions
    ]
