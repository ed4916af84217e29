"""Core's own tables that people do not manage: kept out of the role matrix."""

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="core", internal_models=["core.sequencecounter", "core.event", "core.idempotencyrecord"]
    )
)
