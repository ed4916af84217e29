"""Attachments have no page of their own: their upload, download and remove URLs."""

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="attachments", urls=[registry.UrlMount("attachments/", "tandem.core.attachments.urls")]
    )
)
