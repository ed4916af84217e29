"""Job pages: who may open what, the live progress partial, cancel, the schedules page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job

pytestmark = pytest.mark.django_db


def _start(user: Any, **params: Any) -> Job:
    return jobs.start(
        "tests.count", user=user, company=user.active_company, title="Count things", params=params
    )


def _client(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["jobs:detail", "jobs:progress"])
def test_others_get_404(client, salesperson, other_salesperson, make_user, other_company, name):
    job = _start(salesperson)
    url = reverse(name, args=[job.pk])
    assert _client(client, other_salesperson).get(url).status_code == 404
    outsider = make_user("otto", "administrator", company=other_company)
    assert _client(client, outsider).get(url).status_code == 404
    assert _client(client, salesperson).get(url).status_code == 200


def test_administrators_see_every_job_of_their_company(client, salesperson, admin):
    job = _start(salesperson)
    assert _client(client, admin).get(reverse("jobs:detail", args=[job.pk])).status_code == 200


def test_anonymous_people_are_sent_to_sign_in(client, salesperson):
    job = _start(salesperson)
    response = client.get(reverse("jobs:progress", args=[job.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_cancel_by_someone_else_is_404_and_changes_nothing(client, salesperson, other_salesperson):
    job = _start(salesperson)
    response = _client(client, other_salesperson).post(reverse("jobs:cancel", args=[job.pk]))
    assert response.status_code == 404
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED


def test_cancel_needs_post(client, salesperson):
    job = _start(salesperson)
    assert _client(client, salesperson).get(reverse("jobs:cancel", args=[job.pk])).status_code == 405
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED


def test_cancel_from_the_page_and_from_htmx(client, salesperson):
    first, second = _start(salesperson), _start(salesperson)
    c = _client(client, salesperson)
    response = c.post(reverse("jobs:cancel", args=[first.pk]))
    assert response.status_code == 302
    assert Job.objects.get(pk=first.pk).state == Job.State.CANCELLED
    response = c.post(reverse("jobs:cancel", args=[second.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'data-state="cancelled"' in response.content
    # Cancelling again: a clear message, nothing changes.
    response = c.post(reverse("jobs:cancel", args=[second.pk]), HTTP_HX_REQUEST="true")
    assert b"already finished" in response.content


def test_the_progress_partial_polls_while_running_and_shows_done_of_total(client, salesperson):
    job = _start(salesperson)
    Job.objects.filter(pk=job.pk).update(state="running", total=250, done=100)
    html = _client(client, salesperson).get(reverse("jobs:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert f'hx-get="{reverse("jobs:progress", args=[job.pk])}"' in html
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="40"' in html
    assert "100 of 250 (40 %)" in html
    assert "job-progress-40" in html
    assert "style=" not in html
    assert "<script" not in html


def test_the_progress_partial_stops_polling_when_finished_and_offers_the_result(client, salesperson):
    job = _start(salesperson, steps=4)
    jobs.run(job.pk)
    html = _client(client, salesperson).get(reverse("jobs:progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in html
    assert 'aria-valuenow="100"' in html
    assert 'href="/partners/"' in html
    assert "Open the partners" in html
    assert "Cancel" not in html


def test_the_progress_partial_shows_the_error(client, salesperson):
    job = jobs.start("tests.refuse", user=salesperson, company=salesperson.active_company, title="Refuse")
    jobs.run(job.pk)
    html = _client(client, salesperson).get(reverse("jobs:progress", args=[job.pk])).content.decode()
    assert "Row 7 has no name." in html
    assert "hx-trigger" not in html


def test_unknown_total_is_an_indeterminate_bar(client, salesperson):
    job = _start(salesperson)
    Job.objects.filter(pk=job.pk).update(state="running", done=12)
    html = _client(client, salesperson).get(reverse("jobs:progress", args=[job.pk])).content.decode()
    assert "progress-bar-animated" in html
    assert "aria-valuenow" not in html
    assert "12 done" in html


def test_the_detail_page_includes_the_live_bar(client, salesperson):
    job = _start(salesperson)
    html = _client(client, salesperson).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "jobs/progress.css" in html
    assert f'id="job-{job.pk}-progress"' in html
    assert "Count things" in html


def test_the_list_shows_only_what_the_user_may_see(client, salesperson, other_salesperson):
    _start(salesperson)
    other = jobs.start(
        "tests.count", user=other_salesperson, company=other_salesperson.active_company, title="Theirs"
    )
    html = _client(client, salesperson).get(reverse("jobs:list")).content.decode()
    assert "Count things" in html
    assert other.title not in html


def test_the_schedules_page_is_for_administrators(client, admin, salesperson):
    assert _client(client, salesperson).get(reverse("jobs:schedules")).status_code == 403
    html = _client(client, admin).get(reverse("jobs:schedules")).content.decode()
    assert "jobs.sweep_stale" in html
    assert "core.purge_idempotency_keys" in html
    assert "Never" in html
    jobs.run_scheduled("jobs.sweep_stale")
    html = client.get(reverse("jobs:schedules")).content.decode()
    assert "Succeeded" in html


def test_check_the_worker(client, admin, salesperson, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert _client(client, salesperson).post(reverse("jobs:check_worker")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(client, admin).post(reverse("jobs:check_worker"))
    job = Job.objects.get(kind="jobs.check_worker")
    assert response["Location"] == job.get_absolute_url()
    assert job.state == Job.State.SUCCEEDED
