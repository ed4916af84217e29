"""E-mail on the customer card: sending from the card or a deal through the platform's outgoing
e-mail, and capturing the mailbox — matched to partners and people by address, once per
Message-ID, the body kept as text and shown escaped, attachments through the attachments app
and its checks, a stranger's message opening a lead, hostile mail refused or cleaned without
stopping the poll. The end-to-end tests read a real IMAP server (pymap) on a local port."""

from __future__ import annotations

import imaplib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core.attachments.models import Attachment
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.core.notifications.models import OutgoingEmail
from tandem.crm import mail, services
from tandem.crm.models import Activity, Communication, Deal, Lead
from tandem.partners.models import Partner
from tests.kit.api import api_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def customer(make_partner: Callable[..., Partner], salesperson: User) -> Partner:
    return make_partner("Meble Nowak", actor=salesperson, email="biuro@meble-nowak.pl")


@pytest.fixture
def contact(make_partner: Callable[..., Partner], salesperson: User, customer: Partner) -> Partner:
    return make_partner(
        "Ewa Nowak", actor=salesperson, kind="person", organisation=customer, email="ewa@meble-nowak.pl"
    )


def message(
    *,
    sender: str = "Ewa Nowak <ewa@meble-nowak.pl>",
    to: str = "sales@tandem.example",
    subject: str = "Chairs",
    text: str | None = "Can we have 40 chairs?",
    html: str | None = None,
    message_id: str | None = "<m1@meble-nowak.pl>",
    files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    **headers: str,
) -> bytes:
    mail_ = EmailMessage()
    mail_["From"], mail_["To"], mail_["Subject"] = sender, to, subject
    if message_id:
        mail_["Message-ID"] = message_id
    for name, value in headers.items():
        mail_[name.replace("_", "-")] = value
    if text is not None:
        mail_.set_content(text)
    if html is not None:
        if text is None:
            mail_.set_content(html, subtype="html")
        else:
            mail_.add_alternative(html, subtype="html")
    for name, content, mime in files:
        main, _slash, sub = mime.partition("/")
        mail_.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return mail_.as_bytes()


# --- sending --------------------------------------------------------------------------------


def test_an_email_from_the_card_is_queued_and_logged_on_the_timeline(
    company: Company, salesperson: User, customer: Partner, django_capture_on_commit_callbacks: Any
) -> None:
    sent = mail.send_email(
        company, salesperson, partner=customer, to=["biuro@meble-nowak.pl"], subject="Offer", text="Hello"
    )
    email = OutgoingEmail.objects.get()
    assert (email.to, email.subject, email.partner_id) == (["biuro@meble-nowak.pl"], "Offer", customer.pk)
    assert sent.external_id == email.message_id and sent.direction == "out" and sent.partner == customer
    activity = sent.activity
    assert activity is not None
    assert (activity.kind, activity.state, activity.partner, activity.notes) == (
        "email",
        "done",
        customer,
        "Hello",
    )
    assert Event.objects.filter(name="activity.logged", partner_id=customer.pk).exists()


def test_an_email_about_a_deal_is_logged_on_the_deal(
    company: Company, salesperson: User, customer: Partner
) -> None:
    deal = services.create_deal(company, salesperson, title="Chairs", partner=customer)
    sent = mail.send_email(
        company, salesperson, deal=deal, to="biuro@meble-nowak.pl", subject="Quote", text="Hi"
    )
    assert sent.activity is not None and sent.activity.deal == deal
    Deal.objects.get(pk=deal.pk)


def test_nobody_writes_to_a_customer_they_cannot_see_and_a_bad_email_writes_nothing(
    company: Company, salesperson: User, other_salesperson: User, customer: Partner
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        mail.send_email(company, other_salesperson, partner=customer, to="a@b.pl", subject="S", text="T")
    assert "partner" in refused.value.errors
    for to, subject, text, field in [
        ("not-an-address", "S", "T", "to"),
        ("a@b.pl\r\nBcc: x@y.pl", "S", "T", "to"),
        ("a@b.pl", "", "T", "subject"),
        ("a@b.pl", "S", "   ", "text"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            mail.send_email(company, salesperson, partner=customer, to=to, subject=subject, text=text)
        assert field in refused.value.errors
    assert (OutgoingEmail.objects.count(), Activity.objects.count(), Communication.objects.count()) == (
        0,
        0,
        0,
    )


def test_the_card_offers_the_quick_actions_and_sends_an_email(
    company: Company, salesperson: User, customer: Partner
) -> None:
    client = Client()
    client.force_login(salesperson)
    card = client.get(customer.get_absolute_url()).content.decode()
    email_url = reverse("crm:partner_email", args=[customer.pk])
    for needle in (
        "data-quick-actions",
        "Log a call",
        "Schedule a task",
        "Send an e-mail",
        "Open a deal",
        email_url,
    ):
        assert needle in card, needle
    form = client.get(email_url)
    assert form.status_code == 200 and b"biuro@meble-nowak.pl" in form.content
    done = client.post(email_url, {"to": "biuro@meble-nowak.pl", "subject": "Offer", "text": "<b>Hi</b>"})
    assert done.status_code == 302 and done["Location"] == customer.get_absolute_url()
    card = client.get(customer.get_absolute_url()).content.decode()
    assert "Offer" in card and "<b>Hi</b>" not in card
    bad = client.post(email_url, {"to": "nobody", "subject": "Offer", "text": "Hi"})
    assert bad.status_code == 200 and OutgoingEmail.objects.count() == 1


def test_the_deal_page_sends_an_email(company: Company, salesperson: User, customer: Partner) -> None:
    deal = services.create_deal(company, salesperson, title="Chairs", partner=customer)
    client = Client()
    client.force_login(salesperson)
    url = reverse("crm:deal_email", args=[deal.pk])
    assert url.encode() in client.get(deal.get_absolute_url()).content
    assert client.post(url, {"to": "biuro@meble-nowak.pl", "subject": "Q", "text": "Hi"}).status_code == 302
    assert Activity.objects.get().deal == deal


def test_a_salesperson_sees_only_their_customers_communications(
    company: Company, salesperson: User, other_salesperson: User, director: User, customer: Partner,
    make_partner: Callable[..., Partner],
) -> None:  # fmt: skip
    theirs = make_partner("Theirs", actor=other_salesperson, email="x@theirs.pl")
    mine = mail.send_email(
        company, salesperson, partner=customer, to="biuro@meble-nowak.pl", subject="A", text="a"
    )
    mail.send_email(company, other_salesperson, partner=theirs, to="x@theirs.pl", subject="B", text="b")
    mail.ingest_bytes(company, message(sender="stranger@example.com", message_id="<s@x>"))
    seen = api_client(salesperson).get("/api/v1/crm/communications/").json()["results"]
    assert [row["id"] for row in seen] == [mine.pk]
    assert api_client(other_salesperson).get(f"/api/v1/crm/communications/{mine.pk}/").status_code == 404
    assert len(api_client(director).get("/api/v1/crm/communications/").json()["results"]) == 3
    client = Client()
    client.force_login(other_salesperson)
    assert client.get(reverse("crm:partner_email", args=[customer.pk])).status_code == 404


def test_the_api_sends_an_email(company: Company, salesperson: User, customer: Partner) -> None:
    client = api_client(salesperson)
    body = {"partner": customer.pk, "to": ["biuro@meble-nowak.pl"], "subject": "Offer", "text": "Hello"}
    response = client.post("/api/v1/crm/communications/email/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["direction"] == "out"
    bad = client.post("/api/v1/crm/communications/email/", {**body, "to": ["nope"]}, format="json")
    assert bad.status_code == 400 and OutgoingEmail.objects.count() == 1


# --- capture --------------------------------------------------------------------------------


def test_a_customers_email_is_logged_once_on_the_organisations_timeline(
    company: Company, contact: Partner, customer: Partner, salesperson: User
) -> None:
    raw = message(files=[("offer.pdf", PDF, "application/pdf")])
    outcome, kept = mail.ingest_bytes(company, raw)
    assert outcome == "logged" and kept is not None
    assert mail.ingest_bytes(company, raw) == ("duplicate", None)
    activity = Activity.objects.get()
    assert (activity.kind, activity.partner, activity.assignee, activity.subject) == (
        "email", customer, salesperson, "Chairs",
    )  # fmt: skip
    assert activity.notes == "Can we have 40 chairs?"
    assert (kept.sender, kept.recipients, kept.external_id) == (
        "ewa@meble-nowak.pl", ["sales@tandem.example"], "<m1@meble-nowak.pl>",
    )  # fmt: skip
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.mime_type, attachment.record) == (
        "offer.pdf",
        "application/pdf",
        activity,
    )
    names = set(Event.objects.filter(partner_id=customer.pk).values_list("name", flat=True))
    assert {"activity.logged", "attachment.added"} <= names


def test_html_mail_is_kept_as_text_without_scripts_and_shown_escaped(
    company: Company, customer: Partner, salesperson: User
) -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert('head')</script></head><body>"
        "<p>Hello <b>there</b></p><script>document.cookie</script><img src=x onerror=alert(1)>"
        "<p>&lt;script&gt;alert(2)&lt;/script&gt;</p></body></html>"
    )
    mail.ingest_bytes(company, message(sender="biuro@meble-nowak.pl", text=None, html=html))
    activity = Activity.objects.get()
    assert "alert('head')" not in activity.notes and "document.cookie" not in activity.notes
    assert "Hello there" in activity.notes and "<script>alert(2)</script>" in activity.notes
    client = Client()
    client.force_login(salesperson)
    page = client.get(activity.get_absolute_url()).content.decode()
    assert "<script>alert(2)" not in page and "&lt;script&gt;alert(2)" in page


def test_mail_a_salesperson_sent_is_logged_on_the_recipients_card(
    company: Company, customer: Partner, make_user: Callable[..., User]
) -> None:
    seller = make_user("olga", "salesperson", email="olga@tandem.example")
    mail.ingest_bytes(company, message(sender="Olga <olga@tandem.example>", to="biuro@meble-nowak.pl"))
    kept = Communication.objects.get()
    assert (kept.direction, kept.partner) == ("out", customer)
    assert kept.activity is not None and kept.activity.assignee == seller


def test_a_reply_to_an_email_about_a_deal_joins_the_deal(
    company: Company, salesperson: User, customer: Partner
) -> None:
    deal = services.create_deal(company, salesperson, title="Chairs", partner=customer)
    sent = mail.send_email(company, salesperson, deal=deal, to="biuro@meble-nowak.pl", subject="Q", text="Hi")
    reply = message(
        sender="biuro@meble-nowak.pl", subject="Re: Q", message_id="<r1@x>", In_Reply_To=sent.external_id
    )
    mail.ingest_bytes(company, reply)
    assert Activity.objects.filter(deal=deal, kind="email").count() == 2


def test_a_strangers_email_is_kept_and_opens_a_lead_once(company: Company, director: User) -> None:
    raw = message(sender="Jan Kowalski <jan@nowhere.example>")
    outcome, kept = mail.ingest_bytes(company, raw)
    assert outcome == "lead" and kept is not None and kept.activity is None and kept.partner is None
    lead = Lead.objects.get()
    assert (lead.email, lead.contact_name, lead.source, lead.source_ref) == (
        "jan@nowhere.example", "Jan Kowalski", "email", "<m1@meble-nowak.pl>",
    )  # fmt: skip
    assert "Can we have 40 chairs?" in lead.notes and kept.lead == lead
    assert mail.ingest_bytes(company, raw)[0] == "duplicate" and Lead.objects.count() == 1
    assert Activity.objects.count() == 0
    assert [
        row["id"] for row in api_client(director).get("/api/v1/crm/communications/").json()["results"]
    ] == [kept.pk]


def test_hostile_attachments_are_refused_and_the_message_still_logged(
    company: Company, customer: Partner, settings: Any
) -> None:
    settings.TANDEM_ATTACHMENT_MAX_BYTES = 10_000
    files = [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "application/octet-stream"),
        ("invoice.pdf.exe", b"MZ" + b"\x00" * 10, "application/pdf"),
        ("bomb.zip", b"PK\x03\x04" + b"\x00" * 20_000, "application/zip"),
        ("fake.pdf", b"<html><script>x</script></html>", "application/pdf"),
        ("ok.pdf", PDF, "application/pdf"),
    ] + [(f"n{i}.txt", b"x", "text/plain") for i in range(25)]
    outcome, kept = mail.ingest_bytes(company, message(sender="biuro@meble-nowak.pl", files=files))
    assert outcome == "logged" and kept is not None
    refused = {row["name"] for row in kept.attachments_refused}
    assert {"setup.exe", "invoice.pdf.exe", "bomb.zip", "fake.pdf"} <= refused
    assert "ok.pdf" not in refused and len(refused) == 4 + 10  # files past the 20th are not read
    assert set(Attachment.objects.values_list("name", flat=True)) >= {"ok.pdf"}
    assert Attachment.objects.count() == 16


@pytest.mark.parametrize(
    "raw",
    [
        b"From: =?utf-8?b?!!!notbase64?= <biuro@meble-nowak.pl>\r\nSubject: =?bogus?q?x?=\r\n"
        b"Message-ID: <bad1@x>\r\n\r\nbody\r\n",
        b"From: biuro@meble-nowak.pl\r\nSubject: " + b"A" * 5000 + b"\r\nDate: not a date\r\n\r\nx\r\n",
        b'From: biuro@meble-nowak.pl\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain; charset=nonexistent-charset\r\n\r\n\xff\xfe body\r\n--b",
        b"\x00\x01\x02 not an e-mail at all",
        b"From: <biuro@meble-nowak.pl>\r\nSubject: bidi \xe2\x80\xae gnp.exe\r\n"
        b"Message-ID: no brackets\r\n\r\n\x1b[31m",
    ],
)
def test_malformed_mail_is_logged_or_kept_without_breaking(
    company: Company, customer: Partner, raw: bytes
) -> None:
    outcome, kept = mail.ingest_bytes(company, raw)
    assert outcome in {"logged", "unmatched"} and kept is not None
    assert (
        len(kept.subject) <= 255
        and "\u202e" not in kept.subject
        and "\x1b" not in (kept.activity.notes if kept.activity else "")
    )
    assert mail.ingest_bytes(company, raw)[0] == "duplicate"


def test_a_message_without_message_id_is_still_logged_once(company: Company, customer: Partner) -> None:
    raw = message(sender="biuro@meble-nowak.pl", message_id=None)
    assert mail.ingest_bytes(company, raw)[0] == "logged"
    assert mail.ingest_bytes(company, raw)[0] == "duplicate"
    assert Communication.objects.get().external_id.startswith("sha256:")


# --- a real IMAP server ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def imap_server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """pymap (a pure-Python IMAP4rev1 server) with one in-memory mailbox, on a local port."""
    port = _free_port()
    log = (tmp_path / "pymap.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pymap.main import main; sys.exit(main())",
         "--host", "127.0.0.1", "--port", str(port), "--no-tls",
         "dict", "--demo-user", "crm", "--demo-password", "mailbox-pass"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "pymap did not start: " + (tmp_path / "pymap.log").read_text()
                    ) from None
                time.sleep(0.1)
        yield {
            "host": "127.0.0.1", "port": port, "user": "crm", "password": "mailbox-pass", "folder": "INBOX",
            "tls": "none", "company": "tandem", "max_bytes": 1024 * 1024, "timeout": 10,
        }  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def deliver(config: dict[str, Any], *messages: bytes) -> None:
    """Put messages into the mailbox as a mail server would (IMAP APPEND)."""
    imap = imaplib.IMAP4(config["host"], config["port"], timeout=10)
    try:
        imap.login(config["user"], config["password"])
        for raw in messages:
            status, _data = imap.append(config["folder"], "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK"
    finally:
        imap.logout()


def unseen(config: dict[str, Any]) -> int:
    imap = imaplib.IMAP4(config["host"], config["port"], timeout=10)
    try:
        imap.login(config["user"], config["password"])
        imap.select(config["folder"])
        _status, data = imap.search(None, "UNSEEN")
        return len(data[0].split())
    finally:
        imap.logout()


def test_the_mailbox_is_captured_over_imap_end_to_end(
    company: Company, customer: Partner, contact: Partner, imap_server: dict[str, Any]
) -> None:
    deliver(
        imap_server,
        message(files=[("offer.pdf", PDF, "application/pdf")]),
        message(sender="biuro@meble-nowak.pl", message_id="<m2@x>", html="<p>Hi<script>x()</script></p>"),
        message(sender="stranger@example.com", message_id="<m3@x>"),
        message(message_id="<m1@meble-nowak.pl>"),  # the first one again (a copy in another folder, a resend)
        message(sender="biuro@meble-nowak.pl", message_id="<big@x>", text="x" * (2 * 1024 * 1024)),
        b"\x00\x01 garbage \xff",
    )
    counts = mail.poll(imap_server)
    # the garbage has no sender: kept, unmatched; the large one is not downloaded at all
    assert counts == {"messages": 6, "logged": 2, "lead": 1, "duplicate": 1, "too_large": 1, "unmatched": 1}
    assert Activity.objects.filter(kind="email", partner=customer).count() == 2
    assert Attachment.objects.get().name == "offer.pdf"
    assert list(Lead.objects.values_list("email", "source")) == [("stranger@example.com", "email")]
    assert unseen(imap_server) == 0
    assert mail.poll(imap_server) == {}  # nothing new: nothing read, nothing logged twice
    deliver(imap_server, message(sender="biuro@meble-nowak.pl", message_id="<m4@x>"))
    assert mail.poll(imap_server) == {"messages": 1, "logged": 1}
    assert Communication.objects.filter(channel="email").count() == 5
    assert not Communication.objects.filter(external_id="<big@x>").exists()


def test_a_mailbox_that_refuses_the_login_fails_the_poll_loudly(
    company: Company, imap_server: dict[str, Any]
) -> None:
    with pytest.raises(Exception, match=r"(?i)auth|login|invalid"):
        mail.poll({**imap_server, "password": "wrong"})
    assert Communication.objects.count() == 0


def test_no_mailbox_configured_is_nothing_to_do(settings: Any) -> None:
    settings.TANDEM_CRM_MAILBOX = None
    assert mail.poll() == {"messages": 0}


def test_the_communications_list_runs_the_pinned_number_of_queries(
    company: Company, salesperson: User, customer: Partner, pinned_queries: Any
) -> None:
    def grow() -> None:
        for _ in range(3):
            mail.send_email(
                company, salesperson, partner=customer, to="biuro@meble-nowak.pl", subject="S", text="T"
            )

    grow()
    client = api_client(salesperson)
    url = "/api/v1/crm/communications/"
    pinned_queries.check(f"api:{url}", lambda: client.get(url), grow=grow)
