"""Production settings (``TANDEM_HTTPS=1``): secure cookies, HSTS, https redirect, clean deploy check.

Settings are read once per process, so each case runs in a subprocess with its environment.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.own_sqlite]

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
# No collectstatic here: resolve static URLs without the manifest (as the test suite does).
plain_static = "django.contrib.staticfiles.storage.StaticFilesStorage"
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": plain_static}}
client = Client()
plain = client.get("/login/", HTTP_HOST="erp.example.com")
secure = client.get("/login/", HTTP_HOST="erp.example.com", secure=True)
cookie = secure.cookies.get(settings.CSRF_COOKIE_NAME)
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "secure_status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security", ""),
    "csp": secure.get("Content-Security-Policy", ""),
    "referrer": secure.get("Referrer-Policy", ""),
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
    "csrf_cookie_secure": bool(cookie and cookie["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_name": settings.SESSION_COOKIE_NAME,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
}))
"""


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TANDEM_", "DJANGO_", "DATABASE_URL", "PYTEST", "COV_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tandem.settings",
        TANDEM_DATA_DIR=str(tmp_path),
        TANDEM_HTTPS="1",
        TANDEM_SECRET_KEY=secrets.token_urlsafe(50),
        TANDEM_ALLOWED_HOSTS="erp.example.com",
    )
    env.update(extra)
    return env


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def test_tandem_check_deploy_reports_no_issues_with_production_settings(tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "tandem.cli", "check", "--deploy"], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "security.W" not in result.stdout + result.stderr


def test_check_deploy_still_warns_without_the_https_switch(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["TANDEM_HTTPS"]
    result = run([sys.executable, "-m", "tandem.cli", "check", "--deploy"], env)
    output = result.stdout + result.stderr
    assert "security.W004" in output and "security.W012" in output  # HSTS, secure session cookie


def test_production_responses_have_secure_cookies_hsts_and_redirect_to_https(tmp_path: Path) -> None:
    result = run([sys.executable, "-c", PROBE], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["plain_status"] == 301
    assert probe["plain_location"] == "https://erp.example.com/login/"
    assert probe["secure_status"] == 200
    assert probe["hsts"] == "max-age=31536000; includeSubDomains"
    assert "default-src 'self'" in probe["csp"] and "unsafe-inline" not in probe["csp"]
    assert probe["referrer"] == "same-origin"
    assert probe["csrf_cookie"] == "__Host-csrftoken" and probe["csrf_cookie_secure"]
    assert probe["session_cookie_secure"] and probe["session_cookie_name"] == "__Host-sessionid"
    assert probe["proxy_header"] is None


@pytest.mark.parametrize(
    ("extra", "hsts"),
    [
        ({"TANDEM_HSTS_SECONDS": "600", "TANDEM_HSTS_INCLUDE_SUBDOMAINS": "0"}, "max-age=600"),
        (
            {"TANDEM_HSTS_PRELOAD": "1", "TANDEM_PROXY_SSL_HEADER": "1"},
            "max-age=31536000; includeSubDomains; preload",
        ),
    ],
)
def test_hsts_and_the_proxy_header_are_configurable(tmp_path: Path, extra: dict[str, str], hsts: str) -> None:
    result = run([sys.executable, "-c", PROBE], production_env(tmp_path, **extra))
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["hsts"] == hsts
    # Behind a proxy, its X-Forwarded-Proto is trusted only when asked for.
    expected = ["HTTP_X_FORWARDED_PROTO", "https"] if "TANDEM_PROXY_SSL_HEADER" in extra else None
    assert probe["proxy_header"] == expected
