"""Notifications and outgoing e-mail in the shell, and the notifications API."""

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="notifications",
        menu=[
            registry.MenuEntry(_("Notifications"), "notifications:inbox", area=registry.ACCOUNT, order=20),
            registry.MenuEntry(
                _("Notification preferences"), "notifications:preferences", area=registry.ACCOUNT, order=21
            ),
            registry.MenuEntry(
                _("Outgoing e-mail"),
                "notifications:emails",
                "notifications.view_outgoingemail",
                registry.SETTINGS,
                order=90,
            ),
        ],
        api=[
            registry.ApiRoute(
                "notifications", "tandem.core.notifications.api.NotificationViewSet", "api-notification"
            )
        ],
        urls=[registry.UrlMount("notifications/", "tandem.core.notifications.urls")],
        # Each person's own preferences, and the files of a message: not managed through roles.
        internal_models=["notifications.notificationpreference", "notifications.outgoingemailattachment"],
    )
)
