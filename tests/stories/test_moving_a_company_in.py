"""In Chromium, the platform services as an administrator moving a company in meets them.

Import a partner CSV with one bad row → the dry run shows it → fix the file → import with
the progress bar → the partners are listed; attach a file to one; write it a letter from
a template as a PDF; see a notification in the header. Screenshots in test-artifacts/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tandem.core.attachments.models import Attachment
from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job
from tandem.core.models import User
from tandem.core.notifications import services as notifications
from tandem.integrations.letters import services as letters
from tandem.partners.models import Partner
from tests.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Name;E-mail;Tax ID;Address\n"
GOOD_ROWS = (
    "Meble Kowalczyk;biuro@kowalczyk.pl;5260250995;ul. Długa 5, 00-238 Warszawa\n"
    "Hotel Adria;info@hotel-adria.si;;Slovenska cesta 15, 1000 Ljubljana, Slovenija\n"
)
BAD_ROW = "Broken Tax Ltd;office@broken.pl;1234567890;ul. Krótka 1, 00-001 Warszawa\n"
FIXED_ROW = "Broken Tax Ltd;office@broken.pl;;ul. Krótka 1, 00-001 Warszawa\n"


def finish_queued_jobs() -> None:
    """What the worker does: run every queued job (the test has no worker process)."""
    for job_id in Job.objects.filter(state=Job.State.QUEUED).values_list("pk", flat=True):
        jobs.run(job_id)


def dry_run(page: Any, csv: str, name: str) -> None:
    from playwright.sync_api import expect

    page.goto("/partners/")
    page.locator("[data-import-button]").click()
    page.set_input_files("input[type=file]", {"name": name, "mimeType": "text/csv", "buffer": csv.encode()})
    page.locator("main form [type=submit]").first.click()
    expect(page.locator("[data-import-reading]")).to_be_visible()  # a job reads the file
    finish_queued_jobs()
    page.reload()
    page.get_by_role("link", name=re.compile("match the columns")).click()
    page.get_by_role("button", name=re.compile("dry run")).click()
    finish_queued_jobs()
    page.reload()
    expect(page.locator("tr[data-outcome]").first).to_be_visible()


def test_an_administrator_imports_partners_writes_to_one_and_is_notified(
    page: Any, manager: User, settings: Any
) -> None:
    from playwright.sync_api import expect

    settings.TANDEM_IMPORT_BACKGROUND_ROWS = 1  # every import runs as a job with a progress bar
    sign_in(page, manager)

    dry_run(page, HEADER + GOOD_ROWS + BAD_ROW, "partners.csv")
    expect(page.locator("tr[data-outcome=error]")).to_contain_text("not a valid tax ID")
    shot(page, "platform-01-dry-run-shows-the-bad-row")
    assert not Partner.objects.exists()

    dry_run(page, HEADER + GOOD_ROWS + FIXED_ROW, "partners-fixed.csv")
    expect(page.locator("tr[data-outcome=error]")).to_have_count(0)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("[role=progressbar]")).to_be_visible()
    shot(page, "platform-02-progress")
    finish_queued_jobs()
    page.reload()
    expect(page.locator("[data-import-result]")).to_contain_text("3 created")

    page.goto("/partners/?q=hotel")
    expect(page.locator("table")).to_contain_text("Hotel Adria")
    shot(page, "platform-03-imported-partners")
    hotel = Partner.objects.get(name="Hotel Adria")

    page.goto(f"/partners/{hotel.pk}/")
    page.set_input_files(
        ".attachments-panel input[type=file]",
        {"name": "brief.txt", "mimeType": "text/plain", "buffer": b"Room furniture brief"},
    )
    # Choosing the file uploads it at once (the panel's script); no button to press.
    expect(page.locator(".attachment-list")).to_contain_text("brief.txt")

    template = letters.create_template(
        hotel.company, manager, name="Welcome letter", kind="letter", language="en",
        subject="Welcome, {{ partner.name }}", body="Dear {{ partner.name }},\n\nthank you for your order.",
    )  # fmt: skip
    page.goto(f"/documents/generate/?partner={hotel.pk}")
    page.locator("select[name=template]").select_option(str(template.pk))
    page.get_by_role("button", name="Generate PDF").click()
    expect(page.locator(".attachment-list")).to_contain_text(".pdf")
    letter = Attachment.objects.filter(name__endswith=".pdf").get()
    assert letter.file.read().startswith(b"%PDF")
    shot(page, "platform-04-letter-attached")

    notifications.notify(manager, kind="test", title="Your import is done", link=f"/partners/{hotel.pk}/")
    page.reload()
    expect(page.locator("#notification-bell .notification-count")).to_contain_text("1")
    shot(page, "platform-05-notification")
