from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "tandem.core.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        # Handlers (@jobs.handler) and schedules (@jobs.scheduled) are declared in each app's
        # jobs.py or tasks.py; import them so every process (web and worker) knows them all.
        autodiscover_modules("jobs", "tasks")
