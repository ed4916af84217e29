"""Celery tasks of the job machinery — thin: they call the services."""

from __future__ import annotations

from celery import shared_task

from tandem.core.jobs import services


@shared_task(name="jobs.run_job", ignore_result=True, acks_late=True, reject_on_worker_lost=False)
def run_job(job_id: int) -> None:
    """Run one queued job. Delivered twice, it still runs once (the claim is conditional)."""
    services.run(job_id, heartbeat=not run_job.request.is_eager)


@shared_task(name="jobs.run_scheduled", ignore_result=True)
def run_scheduled(name: str) -> None:
    """Run a job declared with ``@jobs.scheduled`` (sent by Celery beat)."""
    services.run_scheduled(name)
