"""Tandem ERP."""

# Load the Celery app with Django, so tasks queued from web processes use its broker.
from tandem.celery import app as celery_app

__all__ = ["celery_app"]
