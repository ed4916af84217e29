"""Helpers for page tests, shared by ``tests/web`` and each domain's ``test_views.py``."""

from __future__ import annotations

from django.test import Client

from tandem.core.models import User


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
