"""Background jobs in the shell: each person's jobs, the schedules for administrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="jobs",
        menu=[
            registry.MenuEntry(_("My jobs"), "jobs:list", area=registry.ACCOUNT, order=30),
            registry.MenuEntry(
                _("Scheduled jobs"), "jobs:schedules", "jobs.view_scheduledrun", registry.SETTINGS, order=70
            ),
        ],
        urls=[registry.UrlMount("jobs/", "tandem.core.jobs.urls")],
    )
)
