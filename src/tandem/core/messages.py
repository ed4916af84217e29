"""Messages written at run time and read later, in the reader's language.

A job's title, its result, why an import failed: the worker or the request that writes them
runs in one person's language, and someone else may read them tomorrow in another. Such a
text is stored as its msgid (the English source, marked for translation with
``gettext_noop``) and its parameters, and translated when shown::

    jobs.start(..., title=Message(gettext_noop("Import %(file)s"), {"file": name}))
    render(job.title, job.title_params)   # "Импорт clients.csv" for a Russian reader

Rows written before this rule hold the rendered text and no parameters; ``render`` shows them
as they are (gettext leaves a string that is no msgid unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

__all__ = ["Message", "as_fields", "render", "storable"]


@dataclass(frozen=True)
class Message:
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self.msgid, self.params)

    def as_json(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "params": storable(dict(self.params))}


def render(msgid: Any, params: Mapping[str, Any] | None = None) -> str:
    """The message in the active language; a stored ``{"msgid", "params"}`` works too."""
    if isinstance(msgid, Mapping) and "msgid" in msgid:
        return render(msgid["msgid"], msgid.get("params"))
    if not msgid:
        return ""
    text = gettext(str(msgid))
    if not params:
        return text
    try:
        return text % {name: _shown(value) for name, value in params.items()}
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder
        return str(msgid) % {name: _shown(value) for name, value in params.items()}


def as_fields(name: str, message: str | Message, *, limit: int | None = None) -> dict[str, Any]:
    """``{name: msgid, name_params: params}`` for a text field with its parameters beside it;
    a plain string is stored as it is, with no parameters."""
    if isinstance(message, Message):
        return {name: message.msgid[:limit], f"{name}_params": storable(dict(message.params))}
    return {name: str(message)[:limit], f"{name}_params": {}}


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
