"""Filters every domain's lists share."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An integer id (``1.5`` and ``abc`` are a 400), without resolving it, so it reveals
    nothing about rows one cannot see."""

    field_class = forms.IntegerField
