"""The Celery application. Tasks live in each domain's tasks.py and call its services."""

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.import_modules.connect(sender=app)
def _declared_schedules(sender: Any = None, **kwargs: Any) -> None:
    """Build beat's schedule from the ``@jobs.scheduled`` declarations.

    Celery sends ``import_modules`` when a worker or beat starts, after its Django fix-up
    (connected first) has run ``django.setup()``, which imports every app's jobs.py.
    """
    from tandem.core.jobs.services import beat_schedule

    app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **beat_schedule()}
