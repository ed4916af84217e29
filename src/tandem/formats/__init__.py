"""Tandem's own locale formats (``FORMAT_MODULE_PATH``), where Django's do not fit a business system.

Django's English formats are American (``12/06/2026`` for 6 December). Tandem's English is
the international one its users read next to Slovenian, Polish and Russian colleagues: dates
are ISO 8601 (year, month, day), times on the 24-hour clock, weeks start on Monday. Slovenian
short dates are all numbers (``6. 12. 2026``); Polish and Russian keep Django's formats
(``06-12-2026``, ``06.12.2026``). Anything not set here falls back to Django's module.
"""
