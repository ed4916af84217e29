"""The wizard over HTTP: every step, the Import button, permissions, other companies' runs and mappings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.core import roles
from tandem.core.jobs import services as jobs
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportMapping, ImportRun
from tandem.partners.models import Partner
from tests.kit.imports import uploaded

CONTENT = "ref;name;email\nW-1;Web One;one@web.example\nW-2;Web Two;bad-email\n"


def _upload(client: Any, content: str = CONTENT, spec: str = "partners.partner") -> Any:
    file = SimpleUploadedFile("partners.csv", content.encode(), content_type="text/csv")
    return client.post(f"/imports/?spec={spec}", {"spec": spec, "file": file})


def test_the_whole_wizard(client: Any, manager: Any) -> None:
    client.force_login(manager)
    assert "data-import-button" in client.get("/partners/").content.decode()
    assert client.get("/imports/?spec=partners.partner").status_code == 200
    response = _upload(client)
    run = ImportRun.objects.get()
    assert response["Location"] == f"/imports/{run.pk}/preview/"
    assert "data-import-reading" in client.get(response["Location"]).content.decode()  # a job reads it
    assert "data-import-reading" in client.get(f"/imports/{run.pk}/mapping/").content.decode()
    jobs.run(run.job_id)
    polled = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and polled["HX-Refresh"] == "true"
    assert "Web One" in client.get(response["Location"]).content.decode()
    page = client.get(f"/imports/{run.pk}/mapping/").content.decode()
    assert "Match the columns" in page
    response = client.post(
        f"/imports/{run.pk}/mapping/",
        {"column_0": "ref", "column_1": "name", "column_2": "email", "match_key": "ref", "date_order": "auto",
         "decimal_separator": "auto", "save_as": "Web shop"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/imports/{run.pk}/"
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert (
        'data-outcome="new"' in page
        and 'data-outcome="error"' in page
        and "not a valid email address" in page
    )
    assert 'data-outcome="new"' not in client.get(f"/imports/{run.pk}/?status=error").content.decode()
    assert ImportMapping.objects.filter(name="Web shop").exists()
    response = client.post(f"/imports/{run.pk}/commit/", {"mode": "all"})
    run.refresh_from_db()
    assert run.state == ImportRun.State.REJECTED and not Partner.objects.exists()
    client.post(f"/imports/{run.pk}/commit/", {"mode": "valid"})
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE and Partner.objects.get().name == "Web One"
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "data-import-result" in page and "data-rejected-download" in page
    download = client.get(f"/imports/{run.pk}/rejected.csv")
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "ref,name,email,reason" and "W-2" in body
    assert client.post(f"/imports/{run.pk}/commit/", {"mode": "valid"}).status_code == 302
    assert Partner.objects.count() == 1  # a finished import is not imported twice


def test_upload_errors_are_shown_on_the_form(client: Any, manager: Any) -> None:
    client.force_login(manager)
    response = _upload(client, content="")
    assert response.status_code == 200 and "The file is empty." in response.content.decode()
    assert not ImportRun.objects.exists()


def test_user_without_the_right_gets_403_and_no_button(client: Any, make_user: Callable[..., Any]) -> None:
    keeper = make_user("wanda", roles.WAREHOUSE)
    client.force_login(keeper)
    assert "data-import-button" not in client.get("/partners/").content.decode()
    assert client.get("/imports/?spec=partners.partner").status_code == 403
    assert _upload(client).status_code == 403
    assert not ImportRun.objects.exists()
    client.force_login(make_user("nobody"))  # warehouse staff may import locations and stock
    assert client.get("/imports/").status_code == 403


def test_unknown_spec_is_404(client: Any, manager: Any) -> None:
    client.force_login(manager)
    assert client.get("/imports/?spec=nothing.here").status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Any) -> None:
    assert client.get("/imports/").status_code == 302


@pytest.fixture
def foreign_run(other_company: Any, make_user: Callable[..., Any], settings: Any, tmp_path: Any) -> ImportRun:
    stranger = make_user("olga", roles.SALES_MANAGER, company=other_company)
    services.save_template(
        other_company, stranger, spec_key="partners.partner", name="Their mapping", columns={}, options={}
    )
    return uploaded(
        other_company, stranger, spec_key="partners.partner", name="theirs.csv", content=CONTENT.encode()
    )


@pytest.mark.parametrize("path", ["", "preview/", "mapping/", "rejected.csv"])
def test_another_companys_run_is_404(client: Any, manager: Any, foreign_run: ImportRun, path: str) -> None:
    client.force_login(manager)
    assert client.get(f"/imports/{foreign_run.pk}/{path}").status_code == 404
    assert client.post(f"/imports/{foreign_run.pk}/commit/", {"mode": "valid"}).status_code == 404


def test_another_persons_run_is_404(client: Any, manager: Any, make_user: Callable[..., Any]) -> None:
    client.force_login(manager)
    _upload(client)
    run = ImportRun.objects.get()
    colleague = make_user("carl", roles.SALES_MANAGER)
    client.force_login(colleague)
    assert client.get(f"/imports/{run.pk}/").status_code == 404


def test_another_companys_mappings_are_invisible(client: Any, manager: Any, foreign_run: ImportRun) -> None:
    client.force_login(manager)
    assert "Their mapping" not in client.get("/imports/?spec=partners.partner").content.decode()
    template = ImportMapping.objects.get(name="Their mapping")
    assert client.post(f"/imports/mappings/{template.pk}/delete/").status_code == 404
    assert ImportMapping.objects.filter(pk=template.pk).exists()


def test_product_list_has_the_button_for_those_who_may_import(
    client: Any, manager: Any, salesperson: Any
) -> None:
    client.force_login(manager)
    assert "?spec=catalog.product" in client.get("/products/").content.decode()
    client.force_login(salesperson)
    assert "?spec=catalog.product" not in client.get("/products/").content.decode()


def _workbook(rows: list[list[str]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_upload_request_screens_the_file_and_a_job_reads_it(
    client: Any, manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl

    from tandem.integrations.imports import reading

    client.force_login(manager)
    rows = [["ref", "name"]] + [[f"X-{number}", f"Partner {number}"] for number in range(200)]

    def no_reading(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the upload request parsed the workbook")

    with monkeypatch.context() as patched:
        patched.setattr(reading, "inspect", no_reading)
        patched.setattr(reading, "raw_rows", no_reading)
        patched.setattr(openpyxl, "load_workbook", no_reading)
        upload = SimpleUploadedFile("partners.xlsx", _workbook(rows))
        body = {"spec": "partners.partner", "file": upload}
        response = client.post("/imports/?spec=partners.partner", body)
    assert response.status_code == 302, response.content.decode()[-2000:]
    run = ImportRun.objects.get()
    assert (run.state, run.headers, run.row_count, run.kind) == (ImportRun.State.READING, [], 0, "xlsx")
    job = jobs.run(run.job_id)
    assert job is not None and job.state == "succeeded" and "200 rows read" in job.message
    run.refresh_from_db()
    assert (run.state, run.headers, run.row_count) == (ImportRun.State.UPLOADED, ["ref", "name"], 200)
    assert "Partner 0" in client.get(f"/imports/{run.pk}/mapping/").content.decode()


def test_a_file_refused_while_it_is_read_says_why(client: Any, manager: Any, settings: Any) -> None:
    settings.TANDEM_IMPORT_MAX_ROWS = 3
    client.force_login(manager)
    response = _upload(client, content="ref;name\n" + "".join(f"R-{n};Row {n}\n" for n in range(5)))
    run = ImportRun.objects.get()
    assert response["Location"] == f"/imports/{run.pk}/preview/"
    jobs.run(run.job_id)
    for step in ("preview", "mapping"):
        page = client.get(f"/imports/{run.pk}/{step}/").content.decode()
        assert "data-unreadable" in page and "more than 3 rows" in page and "data-import-polling" not in page
    assert not Partner.objects.exists()
