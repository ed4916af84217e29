"""Files in S3-compatible storage, over HTTP to a local S3 server (moto's, on the loopback).

The storage is configured the way an administrator does it (``TANDEM_S3_*`` through
``default_storage``); the objects are then read back with boto3 straight from the bucket, so
the test sees what really landed there.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from django.test import Client
from moto.server import ThreadedMotoServer

from tandem.core.attachments import services as attachments
from tandem.core.attachments.config import default_storage
from tandem.core.models import User
from tandem.integrations.imports import services as imports
from tandem.integrations.imports.models import ImportRun
from tandem.partners.models import Partner
from tests.core.attachments.conftest import PDF
from tests.kit.imports import uploaded

pytestmark = pytest.mark.django_db

BUCKET = "tandem-files"
KEYS = {"aws_access_key_id": "tandem-test", "aws_secret_access_key": "tandem-test-secret"}
REGION = "eu-central-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any) -> Any:
    """A fresh bucket, and Tandem's default storage pointed at it under a prefix."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    storage = default_storage(
        {
            "TANDEM_S3_BUCKET": BUCKET, "TANDEM_S3_ENDPOINT_URL": s3_endpoint, "TANDEM_S3_REGION": REGION,
            "TANDEM_S3_ACCESS_KEY": KEYS["aws_access_key_id"],
            "TANDEM_S3_SECRET_KEY": KEYS["aws_secret_access_key"], "TANDEM_S3_PREFIX": "acme",
        }
    )  # fmt: skip
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client: Any) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_an_attachment_lands_in_the_bucket_and_only_those_who_see_the_record_get_it(
    bucket: Any, make_partner: Callable[..., Partner], salesperson: User, other_salesperson: User,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    partner = make_partner("Kowalski Sp. z o.o.", owner=salesperson)

    attachment = attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)

    (key,) = _keys(bucket)
    assert key == f"acme/{attachment.file.name}" and "offer.pdf" not in key
    assert bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read() == PDF
    assert "x-amz-acl" not in str(bucket.get_object_acl(Bucket=BUCKET, Key=key)).lower()
    client: Any = Client()
    client.force_login(salesperson)
    download = client.get(f"/attachments/{attachment.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    client.force_login(other_salesperson)  # another salesperson's customer: not theirs to see
    assert client.get(f"/attachments/{attachment.pk}/download/").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):  # the object goes once the row has gone
        attachments.remove(attachment, salesperson)
    assert _keys(bucket) == []


def test_an_import_reads_its_file_and_kept_checks_from_the_bucket(
    bucket: Any, company: Any, manager: User
) -> None:
    content = "Ref;Name;Phone\nS3-1;Bucket d.o.o.;+38612345678\nS3-2;Bucket Two;+38612345679\n"
    run = uploaded(company, manager, spec_key="partners.partner", name="s3.csv", content=content.encode())
    run = imports.start_dry_run(run, manager)
    assert run.state == ImportRun.State.CHECKED
    stored = _keys(bucket)
    assert f"acme/{run.source.name}" in stored and f"acme/{run.checked_rows.name}" in stored

    run = imports.start_commit(run, manager, mode="all")

    assert run.state == ImportRun.State.DONE and run.result["created"] == 2
    assert Partner.objects.filter(ref__startswith="S3-").count() == 2
    assert f"acme/{run.checked_rows.name}" not in _keys(bucket)
