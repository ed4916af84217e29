"""Pages of the shell: the home dashboard and the company switcher."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import i18n
from django.views.decorators.http import require_POST

from tandem.core import registry
from tandem.core.errors import BusinessError
from tandem.core.models import Company, Event
from tandem.core.services import choose_language, switch_company
from tandem.web import autocomplete, history
from tandem.web.keyset import CappedCount, capped_count

RECENT_EVENTS = 15


@dataclass(frozen=True)
class Tile:
    label: Any
    count: CappedCount
    url: str


@dataclass(frozen=True)
class Shortcut:
    label: Any
    url: str


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "tiles": _tiles(request),
        "shortcuts": [
            Shortcut(s.label, reverse(s.url_name))
            for s in registry.shortcuts()
            if request.user.has_perm(s.permission)
        ],
        "recent": history.entries(_recent_events(request)),
        "count_cap": settings.TANDEM_LIST_COUNT_CAP,
    }
    return render(request, "web/home.html", context)


def _tiles(request: HttpRequest) -> list[Tile]:
    user, cap = request.user, settings.TANDEM_LIST_COUNT_CAP
    return [
        Tile(tile.label, capped_count(tile.rows(user), cap), _tile_url(tile))
        for tile in registry.tiles()
        if user.has_perm(tile.permission)
    ]


def _tile_url(tile: registry.Tile) -> str:
    url = reverse(tile.url_name)
    return f"{url}?{tile.query}" if tile.query else url


def _recent_events(request: HttpRequest) -> QuerySet[Event]:
    """The active company's latest events the user may know of: their own actions, and what
    each app's manifest lets a holder of its permission see (events about visible partners…)."""
    company = getattr(request, "company", None)
    if company is None:
        return Event.objects.none()
    user = request.user
    seen = Q(actor=user)
    for source in registry.timeline_sources():
        if user.has_perm(source.permission):
            seen |= source.events(user)
    return Event.objects.filter(seen, company=company).select_related("actor").order_by("-id")[:RECENT_EVENTS]


@login_required
@require_POST
def switch_company_view(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("company", "")
    company = Company.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if company is None:
        messages.error(request, _("Choose a company."))
    else:
        try:
            switch_company(request.user, company)  # type: ignore[arg-type]
        except BusinessError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You now work in %(company)s.") % {"company": company.name})
    # Home, not the page the switch was made from: that record may not exist in the other company.
    return redirect("home")


@require_POST
def set_language_view(request: HttpRequest) -> HttpResponse:
    """Django's language switch, and the choice saved on the signed-in user."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and translation.check_for_language(language):
        with contextlib.suppress(BusinessError):  # a language not offered: the switch ignored it too
            choose_language(request.user, translation.get_supported_language_variant(language))  # type: ignore[arg-type]
    return response  # type: ignore[return-value]


@login_required
def autocomplete_view(request: HttpRequest, name: str) -> HttpResponse:
    """The ``<option>`` s of an autocomplete select: the chosen rows, then the best matches."""
    found = autocomplete.source(name)
    if found is None:
        raise Http404
    field = request.GET.get("field", "")
    chosen = autocomplete.chosen(found, request, request.GET.getlist(field)) if field else []
    known = {pk for pk, _label in chosen}
    results = [
        (pk, label)
        for pk, label in autocomplete.matches(found, request, request.GET.get("q", ""))
        if pk not in known
    ]
    context = {"chosen": chosen, "found": results, "multiple": bool(request.GET.get("multiple"))}
    return render(request, "web/widgets/_autocomplete_options.html", context)
