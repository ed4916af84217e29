"""``ObjectDetailView``: header, fields panel, the panels and warnings other apps register for
the record (``core.registry.RecordPanel``, ``RecordWarnings``) and the record's History from the
event log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from tandem.core import registry
from tandem.core.events import for_subject
from tandem.web import history
from tandem.web.display import Accessor, detail_fields
from tandem.web.generic.base import ModelView

if TYPE_CHECKING:
    from tandem.web.actions import ActionView

HISTORY_LIMIT = 100


@dataclass(frozen=True)
class Panel:
    key: str
    label: str
    html: str
    section: bool = False


def build_panels(obj: Model, request: HttpRequest) -> list[Panel]:
    """The panels other apps declared for ``obj``'s page (``core.registry.RecordPanel``), for
    the user's permissions; a builder returns None where it has nothing to show."""
    panels = []
    for panel in registry.record_panels(obj._meta.label_lower):
        if not request.user.has_perm(panel.permission):
            continue
        html = import_string(panel.build)(obj, request)
        if html is not None:
            panels.append(Panel(panel.key, str(panel.label), html, panel.section))
    return panels


class ObjectDetailView(ModelView):
    fields: Sequence[str | tuple[str | Promise, Accessor]] = ()
    template_name = "web/object_detail.html"
    edit_url_name: str | None = None
    list_url_name: str | None = None
    action_view: type[ActionView] | None = None  # the record's business actions, as buttons
    object: Model

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = self.get_object()
        return render(request, self.template_name, self.get_context())

    def get_object(self) -> Model:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context(self) -> dict[str, Any]:
        obj = self.object
        return {
            **self.base_context(),
            "title": str(obj),
            "object": obj,
            "fields": detail_fields(obj, self.fields),
            "history": self.history(),
            "edit_url": reverse(self.edit_url_name, args=[obj.pk])
            if self.edit_url_name and self.can("change")
            else None,
            "list_url": reverse(self.list_url_name) if self.list_url_name else None,
            "actions": self.action_buttons(obj),
            "record_warnings": registry.warnings_for(obj, self.request.user),
            **self.panels(obj),
        }

    def panels(self, obj: Model) -> dict[str, list[Panel]]:
        """Other apps' panels: ``record_sections`` drawn above the tabs, ``record_panels`` as tabs."""
        panels = build_panels(obj, self.request)
        return {
            "record_sections": [panel for panel in panels if panel.section],
            "record_panels": [panel for panel in panels if not panel.section],
        }

    def action_buttons(self, obj: Model) -> list[Any]:
        """The buttons of ``action_view`` this user may press on ``obj`` (a page that has read
        what an action's ``available`` needs may hand it to its action view here)."""
        return self.action_view().buttons(self.request, obj) if self.action_view else []

    def history(self) -> list[history.Entry]:
        return history.entries(for_subject(self.object)[:HISTORY_LIMIT], self.object)
