"""Health and metrics endpoints, for monitoring rather than people."""

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="ops", urls=[registry.UrlMount("", "tandem.operations.urls")], internal_models=["ops.heartbeat"]
    )
)
