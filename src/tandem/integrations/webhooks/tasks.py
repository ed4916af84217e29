"""Celery tasks of webhook delivery — thin: they call the services."""

from __future__ import annotations

from celery import shared_task

from tandem.integrations.webhooks import services


@shared_task(name="webhooks.run_outbox", ignore_result=True)
def run_outbox() -> None:
    """Dispatch new events into deliveries and send what is due."""
    services.run_outbox()


@shared_task(name="webhooks.deliver_one", ignore_result=True)
def deliver_one(pk: int) -> None:
    """Send one delivery now (a test event), if nobody else has taken it."""
    from tandem.integrations.webhooks.models import WebhookDelivery

    row = WebhookDelivery.objects.filter(pk=pk, state=WebhookDelivery.State.PENDING).first()
    if row is not None and services._claim(pk, row.next_attempt_at):
        services.deliver(pk)
