"""What every model page shares: login, the model permission, and record rules."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.views import View


class ModelView(LoginRequiredMixin, View):
    """Base of the generic views: signed in, holding ``<app>.<action>_<model>``.

    Rows always come from ``model.objects.visible_to(user)``, so a record outside the
    user's company or record rules is never listed, opened (404), edited or exported.
    """

    model: type[Model]
    action: str | None = "view"  # None: any signed-in person; record rules alone decide
    title: str | Any = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.action is not None and not request.user.has_perm(self.permission_name()):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def permission_name(self) -> str:
        meta = self.model._meta
        return f"{meta.app_label}.{self.action}_{meta.model_name}"

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.visible_to(self.request.user)  # type: ignore[attr-defined]

    def can(self, action: str, model: type[Model] | None = None) -> bool:
        meta = (model or self.model)._meta
        return bool(self.request.user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}"))

    def base_context(self) -> dict[str, Any]:
        meta = self.model._meta
        return {
            "view": self,
            "title": self.title or str(meta.verbose_name_plural).capitalize(),
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
        }
