"""The scheduled reorder run: every company's reorder rules, once a night, and the job behind
the button (with progress)."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab
from django.urls import reverse
from django.utils.translation import gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job
from tandem.core.messages import Message
from tandem.core.models import Company
from tandem.planning import mrp_services, services
from tandem.planning.models import MrpRun, ReorderRule


@jobs.scheduled("planning.reorder_rules", crontab=crontab(minute=30, hour=2))
def run_all_reorder_rules() -> Message:
    """Check every company's reorder rules and ask for purchase requests where stock falls short."""
    rules = requests = 0
    for company in Company.objects.filter(pk__in=ReorderRule.objects.filter(active=True).values("company")):
        result = services.run_reorder_rules(company)
        rules += result.rules
        requests += len(result.requests)
    return Message(
        gettext_noop("%(rules)d reorder rules checked, %(requests)d purchase requests created."),
        {"rules": rules, "requests": requests},
    )


@jobs.handler("planning.run_rules")
def run_rules_job(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The button: the company's rules now, as a job with its outcome."""
    progress.set_total(1)
    result = services.run_reorder_rules(job.company, job.user)
    progress.advance()
    return {
        "message": Message(
            gettext_noop("%(rules)d reorder rules checked, %(requests)d purchase requests created."),
            {"rules": result.rules, "requests": len(result.requests)},
        ),
        "link": reverse("purchasing:request_list"),
        "link_label": Message(gettext_noop("Open the purchase requests")),
    }


@jobs.handler("planning.mrp")
def run_mrp_job(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """An MRP run started by ``mrp_services.start_mrp_run``: plan it, with progress by BOM level."""
    run = MrpRun.objects.select_related("company", "started_by").get(
        pk=job.params["run"], company=job.company
    )
    run = mrp_services.run_mrp(run, progress=progress)
    return {
        "message": Message(
            gettext_noop(
                "%(orders)d planned orders and %(exceptions)d exceptions for %(products)d products."
            ),
            {"orders": run.planned_orders, "exceptions": run.exceptions, "products": run.products},
        ),
        "link": reverse("planning:mrp_detail", args=[run.pk]),
        "link_label": Message(gettext_noop("Open the MRP run")),
    }
