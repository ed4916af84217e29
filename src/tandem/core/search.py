"""One search for every list, the API and the header: a search document per model, in one index.

A domain declares a :class:`SearchDocument` for each model people look for (what text of a
row can be found, and which other tables feed that text) and registers it from its
``AppConfig.ready``. Every row then has one :class:`~tandem.core.models.SearchEntry`: its
text folded once, in Python, the same way on every database — case-folded, accents removed
(``Černe`` → ``cerne``, ``Łódź`` → ``lodz``), Cyrillic also transliterated (``Петров`` is found
by ``petrov``), phone numbers and tax IDs also without spaces or signs. The index over that
text finds any part of it:

* PostgreSQL: a ``pg_trgm`` GIN index, which serves ``LIKE '%part%'``;
* SQLite: an FTS5 table with the ``trigram`` tokenizer (SQLite 3.34+), an external-content
  table over ``core_searchentry`` kept in step by triggers.

Trigrams need three characters; Chinese words are often two, so every CJK character is
written twice in the index and in the query (``北京`` → ``北北京京``), which keeps a two-character
word findable as a substring. Shorter queries fall back to the name prefix.

Entries are written in the same transaction as the row: services call :func:`refresh` after
their writes, and ``core.bulk.RowInserter`` calls it for every batch it inserts into a
model that feeds a document, so imports and the demo keep the index in step too.
"""

from __future__ import annotations

import contextvars
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import BigIntegerField, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import WhereNode

MIN_PART = 3  # trigrams: shorter parts cannot use the index
SPARSE = 2000  # up to this many matches, the rows are fetched by primary key
SCAN = 5000  # a page (list or header) takes at most this many matches from the index…
CAP = 1000  # …and ranks, counts and pages at most this many of those that pass its filters
BATCH = 2000

_FOLD = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"})
_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
        "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
        "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
        "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "i", "є": "e", "ґ": "g",
    }
)  # fmt: skip
_HAS_CYRILLIC = re.compile(r"[а-я]")
_CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
_NOT_ALNUM = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Case-folded, without accents, whitespace collapsed: the form both text and query take."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD)
    return " ".join(bare.split())


def compact(text: str) -> str:
    """Letters and digits only (``+48 22 123-45-67`` → ``4822123456 7``…): identifiers as typed any way."""
    return _NOT_ALNUM.sub("", fold(text))


def indexed(text: str) -> str:
    """Folded text in the index's form (CJK characters doubled)."""
    return _CJK.sub(r"\1\1", text)


def document_text(*parts: str, identifiers: Iterable[str] = ()) -> str:
    """The indexed text of a row: its parts folded (and transliterated), identifiers compacted."""
    pieces = []
    for part in parts:
        folded = fold(part)
        if folded:
            pieces.append(folded)
            if _HAS_CYRILLIC.search(folded):
                pieces.append(folded.translate(_CYRILLIC))
    pieces += [c for c in (compact(i) for i in identifiers) if c]
    return indexed(" | ".join(pieces))


@dataclass(frozen=True)
class Entry:
    """One row's document: its key, its company, its label for people and its text."""

    object_id: int
    company_id: int
    label: str
    text: str


@dataclass(frozen=True)
class SearchDocument:
    """What a model declares to be findable.

    ``entries`` turns a queryset of the model into :class:`Entry` objects (one query per batch,
    related rows fetched with it). ``feeds`` names other models whose rows change the text, with
    the attribute of that row that holds the document's primary key (an address's city feeds its
    partner's document: ``{Address: "partner_id"}``). ``prefix_field`` is the indexed, sorted name
    key whose prefix ranks a match above the others, kept in code-point order on PostgreSQL
    (:mod:`tandem.core.collation`); ``key`` puts typed text in its form. ``short``
    finds rows for text shorter than three characters (the index needs three), by default the
    rows whose name starts with it.
    """

    model: type[Model]
    entries: Callable[[QuerySet[Any]], Iterable[Entry]]
    key: Callable[[str], str]  # typed text in the form of ``prefix_field``
    prefix_field: str = "name_key"
    feeds: dict[type[Model], str] = field(default_factory=dict)
    short: Callable[[str], Q] | None = None  # text too short for the index; default: the name prefix


_DOCUMENTS: dict[type[Model], SearchDocument] = {}


def register(document: SearchDocument) -> SearchDocument:
    _DOCUMENTS[document.model] = document
    return document


def documents() -> list[SearchDocument]:
    return list(_DOCUMENTS.values())


def document_for(model: type[Model]) -> SearchDocument | None:
    return _DOCUMENTS.get(model)


# --- keeping the index in step ----------------------------------------------------------------


def refresh(model: type[Model], ids: Iterable[int]) -> None:
    """Rewrite the entries of these rows of ``model`` (or of the documents ``model`` feeds).

    Call it inside the transaction that wrote the rows. Rows that no longer exist lose their entry.
    """
    ids = list(dict.fromkeys(ids))
    if not ids:
        return
    document = _DOCUMENTS.get(model)
    if document is not None:
        _write(document, ids)


def rows_inserted(model: type[Model], rows: Sequence[dict[str, Any]], ids: Sequence[int]) -> None:
    """Called by ``RowInserter`` for every batch: index new rows and the documents they feed."""
    if model in _DOCUMENTS:
        _write(_DOCUMENTS[model], list(ids))
    for document in _DOCUMENTS.values():
        attribute = document.feeds.get(model)
        if attribute is not None:
            refresh(document.model, (row[attribute] for row in rows if row.get(attribute)))


def rows_updated(model: type[Model], rows: Sequence[Model]) -> None:
    """Called by ``ChangedRows`` after a bulk update: index the rows again, and the documents they feed."""
    if model in _DOCUMENTS:
        _write(_DOCUMENTS[model], [row.pk for row in rows])
    for document in _DOCUMENTS.values():
        attribute = document.feeds.get(model)
        if attribute is not None:
            refresh(document.model, (getattr(row, attribute) for row in rows))


def rebuild(model: type[Model]) -> int:
    """Index every row of ``model`` again (after a migration adds a document); returns the count."""
    document = _DOCUMENTS[model]
    pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        _write(document, pks[start : start + BATCH])
    return len(pks)


def _write(document: SearchDocument, ids: list[int]) -> None:
    from tandem.core.models import SearchEntry

    content_type = ContentType.objects.get_for_model(document.model)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        SearchEntry.objects.filter(content_type=content_type, object_id__in=chunk).delete()
        rows = document.model._default_manager.filter(pk__in=chunk)
        SearchEntry.objects.bulk_create(
            SearchEntry(
                content_type=content_type,
                object_id=entry.object_id,
                company_id=entry.company_id,
                label=entry.label[:200],
                text=entry.text,
            )
            for entry in document.entries(rows)
        )


# --- finding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """What a person typed, in the index's terms."""

    parts: tuple[str, ...]  # every one must occur (words of three characters or more)
    identifier: str  # or this must (the text without spaces and signs, for phones and IDs)
    prefix: str  # the name key prefix for ranking and for too-short queries

    @property
    def usable(self) -> bool:
        return bool(self.parts or self.identifier)


def parse(text: str, key: Callable[[str], str]) -> Query:
    folded = fold(text)
    words = [indexed(w) for w in folded.split()]
    long_words = tuple(w for w in words if len(w) >= MIN_PART)
    identifier = compact(text)
    if identifier.isdigit():
        identifier = identifier.lstrip("0")  # a trunk prefix: 022 123 45 67 is 22 123 45 67
    has_digit = any(ch.isdigit() for ch in identifier)
    usable_identifier = identifier if has_digit and len(identifier) >= MIN_PART else ""
    return Query(long_words, usable_identifier, key(text))


def matching_entries(model: type[Model], query: Query) -> QuerySet[Any]:
    """Entries of ``model`` whose text holds every part of the query (or its identifier)."""
    alternatives = [query.parts] if query.parts else []
    if query.identifier:
        alternatives.append((query.identifier,))
    return entries_with_any(model, alternatives)


def entries_with_any(model: type[Model], alternatives: Sequence[Sequence[str]]) -> QuerySet[Any]:
    """Entries of ``model`` whose text holds all the parts of at least one alternative.

    Parts are in the index's form (:func:`fold`, then :func:`indexed`), three characters or more.
    """
    from tandem.core.models import SearchEntry

    entries = SearchEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    if not alternatives:
        return entries.none()
    if connection.vendor == "sqlite":
        return entries.filter(id__in=RawSQL(_FTS_SQL, [_fts_expression(alternatives)]))
    condition = Q()
    for parts in alternatives:
        every = Q()
        for part in parts:
            every &= Q(text__contains=part)
        condition |= every
    return entries.filter(condition)


_FTS_SQL = "SELECT rowid FROM core_searchentry_fts WHERE core_searchentry_fts MATCH %s"


def _fts_expression(alternatives: Sequence[Sequence[str]]) -> str:
    def phrase(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    return " OR ".join("(" + " AND ".join(phrase(p) for p in parts) + ")" for parts in alternatives)


class MatchedIds(RawSQL):
    """The ids the index found, as one parameter the rows are read by (their primary key).

    ``json_each`` on SQLite and ``jsonb_array_elements_text`` on PostgreSQL: a set-returning
    function the planner estimates small, so it looks the rows up by key instead of walking a
    sorted index of the whole table in the hope of meeting them (a term found in 30,000 names
    but in 72 German ones). ``truncated`` says that the index found more than these.
    """

    def __init__(self, ids: Sequence[int], *, truncated: int = 0, capped: bool = False) -> None:
        if connection.vendor == "postgresql":
            sql = "SELECT (jsonb_array_elements_text(%s::jsonb))::bigint"
        else:
            sql = "SELECT value FROM json_each(%s)"
        super().__init__(sql, [json.dumps(list(ids))], output_field=BigIntegerField())
        self.truncated = truncated  # more matched than these: the cap that cut them, or 0
        self.capped = capped  # at most SCAN ids: reading them once is cheap


def matching_ids(model: type[Model], query: Query, limit: int) -> list[int]:
    """Primary keys of at most ``limit`` rows of ``model`` the query finds, read from the index alone.

    On SQLite the FTS5 table drives (``CROSS JOIN`` keeps the order), so the read stops at
    ``limit`` instead of gathering every match first.
    """
    if connection.vendor != "sqlite":
        return list(matching_entries(model, query).values_list("object_id", flat=True)[:limit])
    alternatives = [query.parts] if query.parts else []
    if query.identifier:
        alternatives.append((query.identifier,))
    if not alternatives:
        return []
    content_type = ContentType.objects.get_for_model(model)
    with connection.cursor() as cursor:
        cursor.execute(_IDS_SQL, [_fts_expression(alternatives), content_type.pk, limit])
        return [row[0] for row in cursor.fetchall()]


_IDS_SQL = (
    "SELECT e.object_id FROM core_searchentry_fts f CROSS JOIN core_searchentry e ON e.id = f.rowid"
    " WHERE core_searchentry_fts MATCH %s AND e.content_type_id = %s LIMIT %s"
)

_CAPPED: contextvars.ContextVar[bool] = contextvars.ContextVar("search_capped", default=False)


@contextmanager
def capped() -> Iterator[None]:
    """Searches inside read at most :data:`SCAN` matches (a page on screen, which says "more than").

    Outside, a search finds every match (the API, an export), as a subquery once there are many.
    """
    token = _CAPPED.set(True)
    try:
        yield
    finally:
        _CAPPED.reset(token)


def _matched(rows: QuerySet[Any]) -> MatchedIds | None:
    """The :class:`MatchedIds` a search put in ``rows``' conditions, if any."""

    def walk(node: Any) -> MatchedIds | None:
        if isinstance(node, MatchedIds):
            return node
        if isinstance(node, WhereNode):
            return next((m for m in map(walk, node.children) if m is not None), None)
        return walk(node.rhs) if hasattr(node, "rhs") else None

    return walk(rows.query.where)


def truncated(rows: QuerySet[Any]) -> int:
    """The cap that cut a capped search's matches in ``rows`` (:data:`SCAN` or :data:`CAP`), or 0."""
    matched = _matched(rows)
    return matched.truncated if matched is not None else 0


def narrowed(rows: QuerySet[Any]) -> QuerySet[Any]:
    """``rows`` of a capped search, read once: the ids (at most :data:`CAP`) that pass every other
    filter and record rule.

    The page then asks for its tiers, count and rows among those ids alone (often a handful),
    instead of probing every match again in each of its queries. ``rows`` without a capped
    search, or with annotations or DISTINCT, are returned as they are.
    """
    matched = _matched(rows)
    if matched is None or not matched.capped or rows.query.annotations or rows.query.distinct:
        return rows
    ids = list(rows.order_by().values_list("pk", flat=True)[: CAP + 1])
    cut = matched.truncated or (CAP if len(ids) > CAP else 0)
    kept = MatchedIds(ids[:CAP], truncated=cut, capped=True)
    return rows.model._default_manager.filter(pk__in=kept)


def filter_rows(rows: QuerySet[Any], text: str) -> QuerySet[Any]:
    """``rows`` narrowed to those the search ``text`` finds, by the model's declared document.

    The index is asked once for the matching ids, and the rows are read by primary key from that
    list (:class:`MatchedIds`): other filters, record rules, tiers, the count and the page then
    read only those rows, whatever the planner estimates. Inside :func:`capped` the list holds at
    most :data:`SCAN` ids (and :func:`truncated` says when there were more); outside, a query that
    matches more than :data:`SPARSE` rows stays a subquery so that every match is found.
    """
    document = _DOCUMENTS[rows.model]
    query = parse(text, document.key)
    if not query.usable:
        if document.short is not None:
            return rows.filter(document.short(text))
        return rows.filter(prefix_condition(document.prefix_field, query.prefix, code_point_ordered=True))
    if _CAPPED.get():
        found = matching_ids(rows.model, query, SCAN + 1)
        cut = SCAN if len(found) > SCAN else 0
        return rows.filter(pk__in=MatchedIds(found[:SCAN], truncated=cut, capped=True))
    found = matching_ids(rows.model, query, SPARSE + 1)
    if len(found) <= SPARSE:
        return rows.filter(pk__in=MatchedIds(found))
    return rows.filter(pk__in=matching_entries(rows.model, query).values_list("object_id", flat=True))


def ranking(model: type[Model], text: str) -> list[Q]:
    """The better tiers of a result for ``text``: names that start with it come first (the
    exact name first among them, as it sorts before every longer name it starts)."""
    document = _DOCUMENTS.get(model)
    key = document.key(text) if document is not None else ""
    if document is None or not key:
        return []
    return [prefix_condition(document.prefix_field, key, code_point_ordered=True)]


def prefix_condition(field_name: str, prefix: str, *, code_point_ordered: bool = False) -> Q:
    """``field`` starts with ``prefix``, written so the database can use a B-tree index.

    SQLite compares by code point, so a prefix is a range of the sorted index (its LIKE is
    case-insensitive and cannot use one). On PostgreSQL a column kept in code-point order
    (:mod:`tandem.core.collation`: a document's ``prefix_field``) gets the same range, which
    the list's sorted index also serves; any other column ``LIKE 'x%'`` on a
    ``varchar_pattern_ops`` index.
    """
    if not prefix:
        return Q(pk__in=[])
    if connection.vendor == "postgresql" and not code_point_ordered:
        return Q(**{f"{field_name}__startswith": prefix})
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": prefix + "\U0010ffff"})


def find(
    user: Any, text: str, per_model: int = 5, allowed: Callable[[SearchDocument], bool] = lambda d: True
) -> Iterator[tuple[SearchDocument, list[Model]]]:
    """For the header's search box: the best few rows the user can see of every registered model
    (``allowed`` says which models the user may look at), names that start with the text first."""
    for document in _DOCUMENTS.values():
        if not allowed(document):
            continue
        visible = document.model._default_manager.visible_to(user)  # type: ignore[attr-defined]
        with capped():
            rows = narrowed(filter_rows(visible, text))
        tiers = ranking(document.model, text)
        found: list[Model] = []
        order = [document.prefix_field, "pk"]
        for tier in tiers:
            found += list(rows.filter(tier).order_by(*order)[:per_model])
        if len(found) < per_model:
            rest = rows.exclude(pk__in=[row.pk for row in found])
            for tier in tiers:
                rest = rest.exclude(tier)
            found += list(rest.order_by(*order)[: per_model - len(found)])
        if found:
            yield document, found
