"""Celery tasks of notifications: thin, they call the services."""

from __future__ import annotations

import smtplib
from typing import Any

from celery import shared_task
from django.conf import settings

from tandem.core.notifications import services

# Connection refused, timeouts, TLS failures and SMTP 4xx/5xx replies are retried.
RETRIED = (smtplib.SMTPException, OSError)


@shared_task(
    bind=True,
    name="notifications.deliver_email",
    autoretry_for=RETRIED,
    max_retries=settings.TANDEM_EMAIL_MAX_RETRIES,
    retry_backoff=30,  # 30 s, 60 s, 120 s, … (with jitter), at most 30 min apart
    retry_backoff_max=30 * 60,
    retry_jitter=True,
)
def deliver_email(self: Any, email_id: int) -> bool:
    final = self.request.retries >= self.max_retries
    return services.deliver(email_id, final_attempt=final)
