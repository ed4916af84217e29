"""Request IDs and structured logs: the ID is echoed and on every line, JSON in production."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tandem.core.models import User
from tandem.operations import config
from tandem.operations.logs import JsonFormatter, PlainFormatter, RequestContextFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Every record reaching the root logger, formatted as production does; call to read them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_request_id_from_the_client_is_echoed_and_logged(
    client: Client, json_log: Callable[[], list[dict[str, Any]]]
) -> None:
    response = client.get("/login/", HTTP_X_REQUEST_ID="lb-7f3a9c1e-0001")
    assert response["X-Request-ID"] == "lb-7f3a9c1e-0001"
    (line,) = [line for line in json_log() if line["logger"] == "tandem.access"]
    assert line["request_id"] == "lb-7f3a9c1e-0001"
    assert line["level"] == "INFO"
    assert line["method"] == "GET" and line["path"] == "/login/" and line["status"] == 200
    assert line["view"] == "login"
    assert line["user_id"] == "-"
    assert "timestamp" in line


@pytest.mark.parametrize(
    "header",
    ["has spaces", "x" * 200, "line\nbreak", "<script>", "ąćę", ""],
)
def test_an_insane_request_id_is_replaced(client: Client, header: str) -> None:
    response = client.get("/login/", HTTP_X_REQUEST_ID=header)
    generated = response["X-Request-ID"]
    assert generated != header
    assert len(generated) == 32 and int(generated, 16) >= 0


def test_each_request_gets_its_own_id(client: Client) -> None:
    first = client.get("/login/")["X-Request-ID"]
    second = client.get("/login/")["X-Request-ID"]
    assert first != second


def test_log_lines_carry_the_signed_in_user(
    client: Client, salesperson: User, json_log: Callable[[], list[dict[str, Any]]]
) -> None:
    client.force_login(salesperson)
    response = client.get("/partners/?q=secret-token")
    logging.getLogger("tandem.test").info("outside any request")
    lines = json_log()
    access = next(line for line in lines if line["logger"] == "tandem.access")
    assert access["request_id"] == response["X-Request-ID"]
    assert access["user_id"] == salesperson.pk
    assert access["path"] == "/partners/" and "secret-token" not in json.dumps(access)
    outside = next(line for line in lines if line["message"] == "outside any request")
    assert outside["request_id"] == "-" and outside["user_id"] == "-"


def test_django_errors_carry_the_request_id(
    client: Client, json_log: Callable[[], list[dict[str, Any]]]
) -> None:
    response = client.get("/login/", HTTP_HOST="evil.example", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 400
    error = next(line for line in json_log() if line["logger"] == "django.security.DisallowedHost")
    assert error["request_id"] == "req-42" and error["level"] == "ERROR"


def test_plain_format_has_the_context_too() -> None:
    record = logging.LogRecord("tandem.test", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
    RequestContextFilter().filter(record)
    assert PlainFormatter().format(record).endswith("WARNING tandem.test [- user=-] hello world")
    # A record that never met the filter (a handler someone adds later) still formats.
    bare = logging.LogRecord("x", logging.INFO, __file__, 1, "bare", (), None)
    assert "[- user=-] bare" in PlainFormatter().format(bare)
    assert json.loads(JsonFormatter().format(bare))["request_id"] == "-"


def test_log_format_setting() -> None:
    assert config.log_format(None, debug=False) == "json"
    assert config.log_format(None, debug=True) == "plain"
    assert config.log_format(" JSON ", debug=True) == "json"
    with pytest.raises(ValueError, match="TANDEM_LOG_FORMAT"):
        config.log_format("xml", debug=False)


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_a_process_logs_in_the_chosen_format(tmp_path: Path, log_format: str) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TANDEM_")}
    environment.update(
        TANDEM_DATA_DIR=str(tmp_path), TANDEM_LOG_FORMAT=log_format, DJANGO_SETTINGS_MODULE="tandem.settings"
    )
    script = (
        "import django, logging; django.setup(); logging.getLogger('tandem.probe').warning('Łódź %s', 42)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    (line,) = [text for text in completed.stderr.splitlines() if "tandem.probe" in text]
    if log_format == "json":
        record = json.loads(line)
        assert record["message"] == "Łódź 42"
        assert record["level"] == "WARNING" and record["logger"] == "tandem.probe"
        assert record["request_id"] == "-"
    else:
        assert line.endswith("WARNING tandem.probe [- user=-] Łódź 42")
    # The file log gets the same format.
    assert "Łódź 42" in (tmp_path / "logs" / "tandem.log").read_text()
