"""Messages written at run time and read later, in the reader's language.

A job's title, its result, why an import failed: the worker or the request that writes them
runs in one person's language, and someone else may read them tomorrow in another. Such a
text is stored as its msgid (the English source, marked for translation with
``gettext_noop``) and its parameters, and translated when shown::

    jobs.start(..., title=Message(gettext_noop("Import %(file)s"), {"file": name}))
    render(job.title, job.title_params)   # "Импорт clients.csv" for a Russian reader

A text that depends on a number is marked with :func:`ngettext_noop`, so that ``makemessages``
extracts one entry with its plural forms (the project's ``makemessages`` passes xgettext
``--keyword=ngettext_noop:1,2``)::

    counted(ngettext_noop("%(rows)s row read.", "%(rows)s rows read."), {"rows": n}, "rows")

Rows written before this rule hold the rendered text and no parameters; ``render`` shows them
as they are (gettext leaves a string that is no msgid unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, ngettext

__all__ = ["Message", "as_fields", "counted", "from_fields", "lazy", "ngettext_noop", "render", "storable"]


@dataclass(frozen=True)
class Message:
    """``plural`` and ``count`` (the parameter that says how many) for ngettext."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str = ""
    count: str = ""

    def __str__(self) -> str:
        return render(self.as_json())

    def as_json(self) -> dict[str, Any]:
        stored = {"msgid": self.msgid, "params": storable(dict(self.params))}
        return {**stored, "plural": self.plural, "count": self.count} if self.plural else stored


def ngettext_noop(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and its plural as one translatable entry without translating them:
    xgettext reads ``ngettext_noop:1,2`` (see ``core/management/commands/makemessages.py``)."""
    return singular, plural


def counted(forms: tuple[str, str], params: Mapping[str, Any], count: str) -> Message:
    """The message of ``forms`` (from :func:`ngettext_noop`) whose number is ``params[count]``."""
    singular, plural = forms
    return Message(singular, params, plural=plural, count=count)


def lazy(text: Any) -> Message:
    """A lazily translated text (``gettext_lazy``: a field's label, a country's name) as the
    Message of its msgid, to keep and translate for each reader."""
    with translation.override(None):
        return Message(str(text))


def render(msgid: Any, params: Mapping[str, Any] | None = None) -> str:
    """The message in the active language; a stored ``{"msgid", "params"}`` works too."""
    if isinstance(msgid, Mapping) and "msgid" in msgid:
        return _render_stored(msgid)
    if isinstance(params, Mapping) and "msgid" in params:  # stored by as_fields
        return _render_stored(params)
    if not msgid:
        return ""
    return _formatted(gettext(str(msgid)), str(msgid), params)


def _render_stored(stored: Mapping[str, Any]) -> str:
    params = stored.get("params") or {}
    if not stored.get("plural"):
        return render(stored["msgid"], params)
    number = int(params.get(stored["count"], 0))
    text = ngettext(stored["msgid"], stored["plural"], number)
    return _formatted(text, stored["msgid"] if number == 1 else stored["plural"], params)


def _formatted(text: str, msgid: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return text
    try:
        return text % {name: _shown(value) for name, value in params.items()}
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder
        return msgid % {name: _shown(value) for name, value in params.items()}


def as_fields(name: str, message: str | Message, *, limit: int | None = None) -> dict[str, Any]:
    """``{name: msgid, name_params: the stored message}`` for a text field with a JSON field
    beside it (read back with ``render(row.name, row.name_params)``); a plain string is stored
    as it is, with no parameters."""
    if isinstance(message, Message):
        return {name: message.msgid[:limit], f"{name}_params": message.as_json()}
    return {name: str(message)[:limit], f"{name}_params": {}}


def from_fields(text: str, params: Mapping[str, Any] | None) -> Any:
    """The stored message of a field pair written by :func:`as_fields`, to keep elsewhere."""
    if isinstance(params, Mapping) and "msgid" in params:
        return dict(params)
    return {"msgid": text, "params": dict(params or {})} if params else text


def storable(value: Any) -> Any:
    """``value`` with every :class:`Message` in it turned into its JSON form, for a JSON field."""
    if isinstance(value, Message):
        return value.as_json()
    if isinstance(value, Mapping):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


def _shown(value: Any) -> Any:
    return render(value) if isinstance(value, Mapping) and "msgid" in value else value
