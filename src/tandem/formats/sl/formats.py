"""Slovenian short dates in numbers (``6. 12. 2026``), as Slovenian forms and invoices write them.

Django's ``j. M. Y`` gives a month abbreviation that is not always translated (``6. Dec. 2026``).
"""

SHORT_DATE_FORMAT = "j. n. Y"
SHORT_DATETIME_FORMAT = "j. n. Y H:i"
