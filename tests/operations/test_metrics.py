"""``/metrics/``: who may read it, and what it says."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tandem.core.jobs.models import Job
from tandem.core.models import Company, User
from tandem.operations import config
from tandem.operations.services import record_heartbeat

pytestmark = pytest.mark.django_db

OUTSIDE = "203.0.113.9"  # TEST-NET-3: never in the allowed list


def _samples(body: bytes) -> dict[str, list[Any]]:
    families: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            families.setdefault(sample.name, []).append(sample)
    return families


def test_administrator_from_anywhere(client: Client, admin: User) -> None:
    client.force_login(admin)
    response = client.get("/metrics/", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


def test_administrator_role_without_superuser(client: Client, make_user: Callable[..., User]) -> None:
    client.force_login(make_user("root2", "administrator"))
    assert client.get("/metrics/", REMOTE_ADDR=OUTSIDE).status_code == 200


def test_salesperson_is_refused(client: Client, salesperson: User) -> None:
    client.force_login(salesperson)
    response = client.get("/metrics/", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    assert b"tandem_" not in response.content


def test_user_of_another_company_is_refused(
    client: Client, make_user: Callable[..., User], other_company: Company
) -> None:
    client.force_login(make_user("elsewhere", "sales_manager", company=other_company))
    assert client.get("/metrics/", REMOTE_ADDR=OUTSIDE).status_code == 403


def test_anonymous_from_loopback(client: Client) -> None:
    assert client.get("/metrics/", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics/", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics/", REMOTE_ADDR="::ffff:127.0.0.1").status_code == 200


def test_anonymous_from_another_address(client: Client) -> None:
    assert client.get("/metrics/", REMOTE_ADDR=OUTSIDE).status_code == 403
    assert client.get("/metrics/", REMOTE_ADDR="10.0.0.8").status_code == 403
    assert client.get("/metrics/", REMOTE_ADDR="not-an-address").status_code == 403


def test_configured_network(client: Client, settings: Any) -> None:
    settings.TANDEM_METRICS_ALLOWED_NETWORKS = config.allowed_networks("10.0.0.0/8, 192.0.2.7")
    assert client.get("/metrics/", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics/", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics/", REMOTE_ADDR="192.0.2.8").status_code == 403
    assert client.get("/metrics/", REMOTE_ADDR="127.0.0.1").status_code == 403  # loopback no longer listed


def test_through_a_proxy_the_loopback_address_does_not_count(client: Client) -> None:
    """A reverse proxy on the same host makes every visitor 127.0.0.1; its header gives it away."""
    assert client.get("/metrics/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 403
    assert client.get("/metrics/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=OUTSIDE).status_code == 403


def test_allowed_ips_setting_is_validated() -> None:
    assert [str(n) for n in config.allowed_networks(None)] == ["127.0.0.1/32", "::1/128"]
    assert config.allowed_networks("") == []
    with pytest.raises(ValueError, match="TANDEM_METRICS_ALLOWED_IPS"):
        config.allowed_networks("10.0.0.0/8,example.com")


def test_only_reads(client: Client) -> None:
    assert client.post("/metrics/", REMOTE_ADDR="127.0.0.1").status_code == 405


def test_content(client: Client, admin: User, company: Company, salesperson: User) -> None:
    client.force_login(salesperson)
    client.get("/partners/")
    client.get("/no-such-page/")
    Job.objects.create(kind="imports.commit", title="Import", company=company, user=admin)
    Job.objects.create(kind="imports.commit", title="Import 2", company=company, user=admin)
    Job.objects.create(kind="imports.commit", title="Running", company=company, user=admin, state="running")
    record_heartbeat()
    client.logout()

    samples = _samples(client.get("/metrics/", REMOTE_ADDR="127.0.0.1").content)

    requests = {
        (s.labels["view"], s.labels["method"], s.labels["status"]): s.value
        for s in samples["tandem_http_requests_total"]
    }
    assert requests[("partners:list", "GET", "200")] >= 1
    assert requests[("<unresolved>", "GET", "404")] >= 1
    buckets = [
        s
        for s in samples["tandem_http_request_duration_seconds_bucket"]
        if s.labels["view"] == "partners:list"
    ]
    assert buckets and any(s.labels["le"] == "+Inf" and s.value >= 1 for s in buckets)
    assert samples["tandem_job_queue_length"][0].value == 2
    assert samples["tandem_jobs_running"][0].value == 1
    assert 0 <= samples["tandem_worker_heartbeat_age_seconds"][0].value < 60
    assert samples["tandem_info"][0].labels["version"]


def test_no_heartbeat_no_age(client: Client) -> None:
    body = client.get("/metrics/", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "tandem_worker_heartbeat_age_seconds" not in body
    assert re.search(r"^tandem_job_queue_length 0\.0$", body, re.MULTILINE)


def test_metrics_answer_a_scraper_probing_by_ip_address(client: Client) -> None:
    assert client.get("/metrics/", REMOTE_ADDR="127.0.0.1", HTTP_HOST="10.0.0.7:8000").status_code == 200
    # Not allowed by address: the normal path, where the host check applies.
    assert client.get("/metrics/", REMOTE_ADDR=OUTSIDE, HTTP_HOST="10.0.0.7:8000").status_code == 400
