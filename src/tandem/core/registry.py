"""What each app contributes to the shell, declared once in the app's own ``manifest.py``.

An app calls :func:`register` with a :class:`Manifest` naming its menu entries, dashboard
tiles and shortcuts, API routes, URL mounts, the events it adds to the home page's recent
activity, panels it adds to the partner card and to any lower app's record page (the product
page, the deal page, an invoice: :class:`RecordPanel`), warnings it raises on a lower app's records
(:class:`RecordWarnings`) and facts it adds to their API representation (:class:`RecordData`),
whose records a person reaches besides their own (:class:`Reach`),
its part of the demo company, and the tables that are machinery rather than something people
manage (hidden from the role matrix). The web and API layers, and the demo builder, read the
registry; so adding a domain edits no shared file.

Manifests are discovered at start-up (:func:`autodiscover`, called from ``CoreConfig.ready``)
the way Django's admin finds ``admin.py``. A manifest imports nothing above its own app:
views, viewsets, URL modules, panel builders and demo builders are named by dotted path and
imported by the layer that uses them.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules, import_string

Label = str | Promise

MAIN = "main"  # the main menu across the top
SETTINGS = "settings"  # the settings area (administrators)
ACCOUNT = "account"  # the person's own menu
AREAS = (MAIN, SETTINGS, ACCOUNT)


@dataclass(frozen=True)
class MenuEntry:
    """A link in one of the menus; shown to users holding ``permission`` (a permission name,
    or a test of the user; any signed-in user if None). ``administrators`` shows it only to
    administrators (the settings area's rule)."""

    label: Label
    url_name: str
    permission: str | Callable[[Any], bool] | None = None
    area: str = MAIN
    order: int = 100
    administrators: bool = False

    def __post_init__(self) -> None:
        if self.area not in AREAS:
            raise ImproperlyConfigured(f"Menu area {self.area!r} is not one of {AREAS}.")


@dataclass(frozen=True)
class Tile:
    """A count on the home dashboard: ``rows(user)`` counted (capped), linking to ``url_name``."""

    label: Label
    url_name: str
    permission: str
    rows: Callable[[Any], QuerySet[Any]]
    query: str = ""
    order: int = 100


@dataclass(frozen=True)
class Shortcut:
    """A button on the home page (“New partner”)."""

    label: Label
    url_name: str
    permission: str
    order: int = 100


@dataclass(frozen=True)
class ApiRoute:
    """``/api/v1/<prefix>/`` served by the viewset at dotted path ``viewset``."""

    prefix: str
    viewset: str
    basename: str


@dataclass(frozen=True)
class UrlMount:
    """The app's URL module (dotted path, with its ``app_name``) mounted at ``prefix``."""

    prefix: str
    urlconf: str


@dataclass(frozen=True)
class TimelineSource:
    """Events a user holding ``permission`` sees in the home page's recent activity."""

    permission: str
    events: Callable[[Any], Q]


@dataclass(frozen=True)
class PartnerPanel:
    """A related-records panel on the partner card (“this partner's deals”).

    ``table`` is the dotted path of ``build(partner, request) -> tandem.web.tables.Table``;
    the card imports it, so the card never imports the domain that contributes the panel."""

    key: str
    label: Label
    permission: str
    table: str
    order: int = 100


@dataclass(frozen=True)
class RecordPanel:
    """A panel on a record's detail page from an app above the record's own (a supplier bill's
    three-way match, from purchasing, on accounting's invoice page; a product's stock, from
    inventory, on the catalogue's product page; a deal's quotations and orders, from sales, on
    the CRM's deal page).

    ``model`` names the record (``"accounting.invoice"``: its app label and model name, a lower
    app's, so the naming goes downward); ``build`` is the dotted path of
    ``build(record, request) -> str | None``, the panel's HTML (marked safe by the builder) or
    None where it has nothing to show. Every ``ObjectDetailView`` of that model draws it as a
    tab — or, with ``section``, above the tabs where it is seen at once (a deal's sale) — so the
    record's app never imports the one contributing the panel."""

    model: str
    key: str
    label: Label
    permission: str
    build: str
    order: int = 100
    section: bool = False


@dataclass(frozen=True)
class RecordWarnings:
    """Warnings an app raises on a record — its own app (an entry posted over a warning budget)
    or one above (a bill that bills more than was received) — shown at the top of the record's
    detail page and in its API representation.

    ``model`` as for :class:`RecordPanel`; ``warnings`` is the dotted path of
    ``warnings(record, user) -> list[str]`` (translated sentences; empty when all is well), read
    only for users holding ``permission`` (:func:`warnings_for`)."""

    model: str
    permission: str
    warnings: str
    order: int = 100


@dataclass(frozen=True)
class RecordData:
    """Structured facts an app above a record's own adds to the record's API representation (the
    demands MRP pegged a manufacturing order or purchase request to, from planning), answered on
    one record only (``api.fields.RecordDataField`` on a viewset's ``detail_serializer_class``;
    never in lists, where it would cost queries per row).

    ``model`` as for :class:`RecordPanel`; ``key`` the field's name in the answer (one source a
    key per model); ``data`` the dotted path of ``data(record, user) -> list[dict] | dict``, JSON
    safe, read only for users holding ``permission`` (:func:`data_for`: others get ``[]`` or
    None); ``schema`` the dotted path of the serializer describing one item (or the dict), for
    the OpenAPI schema. Facts read from other records are not covered by the record's version, so
    a record with any ``RecordData`` never answers 304 Not Modified."""

    model: str
    key: str
    permission: str
    data: str
    schema: str
    many: bool = True


@dataclass(frozen=True)
class Reach:
    """Whose records a person sees besides their own, declared by the app that groups people
    (the CRM: a sales manager reaches the members of the sales teams they lead).

    A domain below that app whose rows have a responsible person (a partner's salesperson, an
    order's) widens its ``visible_to`` with :func:`reach` and its choice of people with
    :func:`reach_people`, without importing the app. Both are dotted paths:

    - ``rows(user, column) -> Q | None``: the rows whose person (the user id in ``column``,
      on a row with a ``company_id``) ``user`` reaches, as one correlated condition (an
      ``EXISTS``, never a list of ids); None when they reach nobody else.
    - ``people(user, company) -> Q | None``: the same people as a condition on users.
    """

    rows: str
    people: str


@dataclass(frozen=True)
class DemoPart:
    """The app's part of the demo company: ``build(demo) -> counts``, by dotted path.

    Parts run in ``order`` (the layers' order: a part may read what lower parts wrote)."""

    build: str
    order: int = 100


@dataclass(frozen=True)
class Manifest:
    app: str
    menu: Sequence[MenuEntry] = ()
    tiles: Sequence[Tile] = ()
    shortcuts: Sequence[Shortcut] = ()
    api: Sequence[ApiRoute] = ()
    urls: Sequence[UrlMount] = ()
    timeline: Sequence[TimelineSource] = ()
    partner_panels: Sequence[PartnerPanel] = ()
    record_panels: Sequence[RecordPanel] = ()
    record_warnings: Sequence[RecordWarnings] = ()
    record_data: Sequence[RecordData] = ()
    reach: Sequence[Reach] = ()
    demo: Sequence[DemoPart] = ()
    # Tables people do not manage ("app_label.model_name"): kept out of the role matrix.
    internal_models: Sequence[str] = ()


_manifests: dict[str, Manifest] = {}


def register(manifest: Manifest) -> Manifest:
    """Add an app's manifest; one per app (a second one is a mistake, not an update)."""
    if manifest.app in _manifests and _manifests[manifest.app] is not manifest:
        raise ImproperlyConfigured(f"The app {manifest.app!r} registered a second manifest.")
    _manifests[manifest.app] = manifest
    return manifest


def unregister(app: str) -> None:
    """Remove a manifest (tests that register a throw-away one)."""
    _manifests.pop(app, None)


def manifests() -> list[Manifest]:
    """Every registered manifest, in the order of INSTALLED_APPS."""
    return list(_manifests.values())


def autodiscover() -> None:
    """Import every installed app's ``events`` and ``manifest`` modules."""
    autodiscover_modules("events", "manifest")


def menu(area: str = MAIN) -> list[MenuEntry]:
    return sorted((e for m in _manifests.values() for e in m.menu if e.area == area), key=_order)


def tiles() -> list[Tile]:
    return sorted((t for m in _manifests.values() for t in m.tiles), key=_order)


def shortcuts() -> list[Shortcut]:
    return sorted((s for m in _manifests.values() for s in m.shortcuts), key=_order)


def api_routes() -> Iterator[ApiRoute]:
    return (route for m in _manifests.values() for route in m.api)


def url_mounts() -> Iterator[UrlMount]:
    return (mount for m in _manifests.values() for mount in m.urls)


def timeline_sources() -> Iterator[TimelineSource]:
    return (source for m in _manifests.values() for source in m.timeline)


def partner_panels() -> list[PartnerPanel]:
    return sorted((p for m in _manifests.values() for p in m.partner_panels), key=_order)


def record_panels(model: str) -> list[RecordPanel]:
    """The panels registered for the detail page of ``model`` (``"app_label.model_name"``)."""
    return sorted((p for m in _manifests.values() for p in m.record_panels if p.model == model), key=_order)


def record_warnings(model: str) -> list[RecordWarnings]:
    """The warning sources registered for records of ``model`` (``"app_label.model_name"``)."""
    return sorted((w for m in _manifests.values() for w in m.record_warnings if w.model == model), key=_order)


def warnings_for(record: Any, user: Any) -> list[str]:
    """Every registered warning on ``record`` that ``user`` may read (their permissions), in
    the sources' order; the page and the API show the same list."""
    found: list[str] = []
    for source in record_warnings(record._meta.label_lower):
        if user.has_perm(source.permission):
            found.extend(_load_any(source.warnings)(record, user))
    return found


def record_data(model: str) -> list[RecordData]:
    """The structured facts registered for records of ``model`` (``"app_label.model_name"``)."""
    return [d for m in _manifests.values() for d in m.record_data if d.model == model]


def record_data_source(model: str, key: str) -> RecordData | None:
    """The one source of ``key`` on records of ``model``; None when no app registers it (the app
    above is not installed). Two sources of one key are a mistake."""
    found = [d for d in record_data(model) if d.key == key]
    if len(found) > 1:
        raise ImproperlyConfigured(f"{len(found)} apps register the data {key!r} on {model!r}.")
    return found[0] if found else None


def data_for(record: Any, user: Any, key: str) -> Any:
    """The facts ``key`` registered on ``record`` as ``user`` may read them: the source's answer
    when they hold its permission, else nothing (``[]`` for a list, None for an object; None too
    where no app registers ``key``)."""
    source = record_data_source(record._meta.label_lower, key)
    if source is None:
        return None
    if not user.has_perm(source.permission):
        return [] if source.many else None
    return _load_any(source.data)(record, user)


def reach(user: Any, column: str) -> Q | None:
    """The rows whose person (``column``) ``user`` reaches besides themselves, by every
    registered :class:`Reach`; None when nobody else (no condition to add)."""
    return _any(_load(r.rows)(user, column) for m in _manifests.values() for r in m.reach)


def reach_people(user: Any, company: Any) -> Q | None:
    """The people (a condition on users) ``user`` reaches besides themselves in ``company``."""
    return _any(_load(r.people)(user, company) for m in _manifests.values() for r in m.reach)


def _any(conditions: Iterator[Q | None]) -> Q | None:
    found = [condition for condition in conditions if condition is not None]
    return functools.reduce(operator.or_, found) if found else None


@functools.cache
def _load(path: str) -> Callable[..., Q | None]:
    return import_string(path)  # type: ignore[no-any-return]


@functools.cache
def _load_any(path: str) -> Callable[..., Any]:
    return import_string(path)  # type: ignore[no-any-return]


def demo_parts() -> list[DemoPart]:
    return sorted((d for m in _manifests.values() for d in m.demo), key=_order)


def internal_models() -> set[str]:
    return {name for m in _manifests.values() for name in m.internal_models}


def _order(item: Any) -> int:
    """Declared order; equal orders keep the order of INSTALLED_APPS (the sort is stable)."""
    return int(item.order)
