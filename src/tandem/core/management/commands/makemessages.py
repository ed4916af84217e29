"""Django's ``makemessages`` that also knows Tandem's own marker for stored plural messages.

A message written now and read later (``core.messages``) with a number in it is marked with
``ngettext_noop(singular, plural)``; without ``--keyword=ngettext_noop:1,2`` xgettext would not
see it at all, and marking the two forms with ``gettext_noop`` splits them into two singular
entries that no translator can give plural forms.
"""

from __future__ import annotations

from django.core.management.commands import makemessages

XGETTEXT_KEYWORDS = ["--keyword=ngettext_noop:1,2"]


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, *XGETTEXT_KEYWORDS]
