from __future__ import annotations

import codecs
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant


class DecimalJSONParser(JSONParser):
    """JSON whose numbers with a fraction become ``Decimal``: an amount never passes a float.

    ``NaN``/``Infinity`` and absurd nesting are a parse error (400), not a crash. (DRF reads
    the body through ``request.body``, so ``DATA_UPLOAD_MAX_MEMORY_SIZE`` applies: 413.)
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        context = parser_context or {}
        encoding = context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            decoded = codecs.getreader(encoding)(stream)
            return json.load(decoded, parse_float=Decimal, parse_constant=strict_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from exc
