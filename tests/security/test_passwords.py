"""Passwords are stored as Argon2 hashes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import identify_hasher

from tandem import settings as project_settings
from tandem.core.models import User


def test_passwords_are_hashed_with_argon2(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the suite swaps in a fast hasher
    user = User.objects.create_user("argo", password="correct horse battery")
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("correct horse battery")
    assert "correct horse battery" not in user.password


def test_an_older_hash_is_upgraded_to_argon2_on_sign_in(db: None, settings: Any) -> None:
    user = User.objects.create_user("legacy", password="correct horse battery")  # MD5 in tests
    settings.PASSWORD_HASHERS = [
        *project_settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert user.check_password("correct horse battery")
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
