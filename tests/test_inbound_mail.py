"""Forwarded notices: real .eml files (multipart, HTML-only, quoted-printable, Latin-1, forward in a forward), the
Postmark and Mailgun inbound webhooks in their documented payload formats with signature checks, the .eml upload,
`manage.py ingest_mail`, the private address, review into a case, and the inbox's "To review" group."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from appeals.models import InboundAddress, NoticeAttachment, NoticeIntake, NoticeIntakeImage, Violation
from appeals.notices.mail import html_to_text, read_mail
from appeals.services import ServiceError
from appeals.services.inbound import (
    inbound_address_for,
    inbound_address_rotate,
    inbound_mail_receive,
    notice_intake_confirm,
)
from tests.factories import ViolationFactory

MAIL = Path(__file__).parent / "fixtures" / "mail"
TOKEN = "0123456789abcdef01234567"
ADDRESS = f"notices-{TOKEN}@inbound.appealdesk.local"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVR4nGM8ISfHAANMDEgANwcANHYBDK9qubUAAAAASUVORK5CYII="
)
SECRET = "inbound:s3cret"
SIGNING_KEY = "key-mailgun-signing"


def eml(name: str) -> bytes:
    return (MAIL / name).read_bytes()


@pytest.fixture
def address(org):
    return InboundAddress.objects.create(organization=org, token=TOKEN)


# --- Reading mail (pure) -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "subject", "contains", "images"),
    [
        ("multipart.eml", "Fwd: Violation notice: product removed", "Violation ID: VR7318000888", ["notice.png"]),
        ("html_only.eml", "Your product has been removed", "Violation ID\tVR7312000999", []),
        ("quoted_printable.eml", "Violation notice – penalty points", "Your shop’s order was shipped late. ", []),
        ("latin1.eml", "Avis de violation", "Reason: Produit retiré - sécurité du produit", []),
        ("forward_in_forward.eml", "Fwd: Fwd: Violation notice", "Violation ID: VR7318000999", ["record.png"]),
    ],
)
def test_read_mail_fixtures(name, subject, contains, images):
    mail = read_mail(eml(name))
    assert mail.subject == subject
    assert contains in mail.text
    assert [i.name for i in mail.images] == images
    assert ADDRESS in mail.recipients


def test_plain_part_preferred_and_html_only_mail_read_as_text():
    assert "HTML version" not in read_mail(eml("multipart.eml")).text
    text = read_mail(eml("html_only.eml")).text
    assert "<" not in text and "p { color" not in text and "Notice" not in text.splitlines()[0]
    assert "Intellectual Property Policy" in text


def test_quoted_printable_soft_breaks_joined():
    assert "This is a long line" in read_mail(eml("quoted_printable.eml")).text


def test_forward_in_forward_keeps_each_level_in_order():
    text = read_mail(eml("forward_in_forward.eml")).text
    assert text.index("Forwarding as attachment") < text.index("please log it") < text.index("VR7318000999")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("<table><tr><td>Violation ID</td><td>VR1</td></tr></table>", "Violation ID\tVR1"),
        ("<script>x()</script><b>Hi</b>&nbsp;there", "Hi there"),
        ("line<br>next", "line\nnext"),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(MAIL.glob("*.eml"))), st.integers(0, 2000), st.binary(max_size=50))
def test_damaged_mail_is_read_without_error(path, at, junk):
    raw = path.read_bytes()
    assert isinstance(read_mail(raw[:at] + junk + raw[at:]).text, str)


def test_unknown_charset_does_not_lose_the_mail():
    raw = b"To: x@y\nSubject: s\nContent-Type: text/plain; charset=x-unknown-9\n\nViolation ID: VR7654321\n"
    assert "VR7654321" in read_mail(raw).text


# --- Into "To review" --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reference", "images"),
    [
        ("multipart.eml", "VR7318000888", 1),
        ("html_only.eml", "VR7312000999", 0),
        ("quoted_printable.eml", "VR7311223344", 0),
        ("latin1.eml", "UK-7316001", 0),
        ("forward_in_forward.eml", "VR7318000999", 1),
    ],
)
def test_each_fixture_becomes_a_notice_to_review(org, address, shop, name, reference, images):
    [intake] = inbound_mail_receive(raw=eml(name), source=NoticeIntake.Source.COMMAND)
    assert intake.organization == org and intake.status == NoticeIntake.Status.TO_REVIEW
    assert intake.fields["reference"] == reference
    assert intake.images.count() == images
    assert "555-0147" not in json.dumps(intake.fields)


def test_fields_and_account_read_from_the_mail(org, address, shop):
    [intake] = inbound_mail_receive(raw=eml("multipart.eml"), source=NoticeIntake.Source.COMMAND)
    assert intake.account == shop
    assert intake.fields["product_ids"] == ["1738000444555666777"]
    assert intake.fields["kind"] == "listing_removal"
    assert intake.fields["enforced_at"] == "2026-11-03T09:31:00-05:00"
    assert intake.sender == "ops@glowbeauty.example"
    assert intake.message_id == "<multipart-1@glowbeauty.example>"


def test_redelivered_message_is_stored_once(org, address):
    first = inbound_mail_receive(raw=eml("multipart.eml"), source=NoticeIntake.Source.POSTMARK)
    second = inbound_mail_receive(raw=eml("multipart.eml"), source=NoticeIntake.Source.POSTMARK)
    assert first == second and NoticeIntake.objects.count() == 1


def test_unknown_address_dropped_and_logged(org, caplog):
    with caplog.at_level(logging.WARNING, logger="appeals.services.inbound"):
        assert inbound_mail_receive(raw=eml("multipart.eml"), source=NoticeIntake.Source.COMMAND) == []
    assert NoticeIntake.objects.count() == 0
    assert "dropped" in caplog.text and ADDRESS in caplog.text


def test_envelope_recipient_finds_the_organization(org, address):
    raw = eml("html_only.eml").replace(ADDRESS.encode(), b"someone@example.com")
    assert inbound_mail_receive(raw=raw, source="mailgun", recipients=[ADDRESS.upper()])[0].organization == org


def test_oversized_mail_refused_with_nothing_stored(org, address, settings):
    settings.INBOUND_MAIL_MAX_BYTES = 1000
    with pytest.raises(ServiceError) as refused:
        inbound_mail_receive(raw=eml("multipart.eml"), source=NoticeIntake.Source.COMMAND)
    assert refused.value.code == "too_large" and "up to 0 MB" not in refused.value.message
    assert NoticeIntake.objects.count() == 0 and NoticeIntakeImage.objects.count() == 0


def test_fake_image_is_skipped_with_its_reason(org, address):
    raw = eml("multipart.eml").replace(base64.b64encode(PNG), base64.b64encode(b"not really a png" * 10))
    [intake] = inbound_mail_receive(raw=raw, source=NoticeIntake.Source.COMMAND)
    assert intake.images.count() == 0
    assert intake.skipped == ["notice.png: not a PNG, JPEG, GIF or WebP image"]


def test_forward_of_an_existing_case_is_added_to_it(org, address, shop):
    case = ViolationFactory(account=shop, reference="VR7318000888", notice="First notice text")
    [intake] = inbound_mail_receive(raw=eml("multipart.eml"), source=NoticeIntake.Source.COMMAND)
    assert intake.status == NoticeIntake.Status.ADDED and intake.violation == case
    case.refresh_from_db()
    assert case.notice.startswith("First notice text") and "Restricted products" in case.notice
    assert case.attachments.count() == 1
    assert Violation.objects.count() == 1


def test_confirm_creates_the_case_with_the_screenshots(org, address, shop, member):
    [intake] = inbound_mail_receive(raw=eml("multipart.eml"), source=NoticeIntake.Source.COMMAND)
    violation = notice_intake_confirm(
        intake_id=intake.pk,
        by=member,
        account=shop,
        reference="VR7318000888",
        kind="listing_removal",
        policy="Restricted products",
        enforced_at=Violation._meta.get_field("enforced_at").to_python("2026-11-03T09:31:00-05:00"),
        notice=intake.text,
    )
    intake.refresh_from_db()
    assert intake.status == NoticeIntake.Status.CONFIRMED and intake.violation == violation
    assert [a.original_name for a in violation.attachments.all()] == ["notice.png"]
    with pytest.raises(ServiceError, match="already handled"):
        notice_intake_confirm(intake_id=intake.pk, by=member, account=shop, reference="X")


def test_rotation_drops_mail_to_the_old_address(org, address, owner):
    rotated = inbound_address_rotate(organization=org, by=owner)
    assert rotated.token != TOKEN and len(rotated.token) == 24
    assert inbound_mail_receive(raw=eml("multipart.eml"), source=NoticeIntake.Source.COMMAND) == []


def test_address_made_once_per_organization(org, other_org, settings):
    settings.INBOUND_MAIL_DOMAIN = "in.example.com"
    first = inbound_address_for(organization=org)
    assert inbound_address_for(organization=org) == first
    assert inbound_address_for(organization=other_org).token != first.token
    assert first.address == f"notices-{first.token}@in.example.com"


# --- Webhooks ----------------------------------------------------------------------------------------------------


@pytest.fixture
def providers(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def basic_auth(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def postmark_payload(**overrides) -> dict:
    """Postmark's inbound webhook JSON (postmarkapp.com/developer/webhooks/inbound-webhook)."""
    return {
        "FromName": "TikTok Shop",
        "MessageStream": "inbound",
        "From": "no-reply@shop.tiktok.com",
        "FromFull": {"Email": "no-reply@shop.tiktok.com", "Name": "TikTok Shop", "MailboxHash": ""},
        "To": ADDRESS,
        "ToFull": [{"Email": ADDRESS, "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": ADDRESS,
        "Subject": "Violation notice",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Tue, 3 Nov 2026 10:14:00 -0500",
        "TextBody": "Violation ID: VR7400000001\nViolation reason: Counterfeit goods\nAction taken: Listing removed\n"
        "Violation time: 2026-11-03 09:00\nShop ID: 7495001122\n",
        "HtmlBody": "<p>Violation ID: VR7400000001</p>",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [
            {"Name": "Return-Path", "Value": "<no-reply@shop.tiktok.com>"},
            {"Name": "Message-ID", "Value": "<postmark-1@shop.tiktok.com>"},
            {"Name": "X-Spam-Status", "Value": "No"},
        ],
        "Attachments": [
            {
                "Name": "notice.png",
                "Content": base64.b64encode(PNG).decode(),
                "ContentType": "image/png",
                "ContentLength": len(PNG),
            }
        ],
        **overrides,
    }


def post_postmark(client, payload, **extra):
    url = reverse("appeals:inbound_postmark")
    return client.post(url, json.dumps(payload), content_type="application/json", **extra)


def test_postmark_webhook_stores_the_notice(client, org, address, shop, providers):
    response = post_postmark(client, postmark_payload(), **basic_auth())
    assert response.status_code == 200
    intake = NoticeIntake.objects.get()
    assert intake.source == "postmark" and intake.fields["reference"] == "VR7400000001"
    assert intake.account == shop and intake.images.count() == 1


@pytest.mark.parametrize("auth", [{}, basic_auth("inbound:wrong")])
def test_postmark_bad_signature_is_403(client, org, address, providers, auth):
    response = post_postmark(client, postmark_payload(), **auth)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert NoticeIntake.objects.count() == 0


def test_webhook_not_set_up_is_404(client, org, address, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "", "MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert post_postmark(client, postmark_payload(), **basic_auth()).status_code == 404
    assert client.post(reverse("appeals:inbound_mailgun"), {}).status_code == 404


def test_postmark_unknown_address_is_accepted_and_dropped(client, org, providers):
    assert post_postmark(client, postmark_payload(), **basic_auth()).status_code == 200
    assert NoticeIntake.objects.count() == 0


def test_postmark_oversized_mail_refused_clearly(client, org, address, providers, settings):
    settings.INBOUND_MAIL_MAX_BYTES = 600
    response = post_postmark(client, postmark_payload(), **basic_auth())
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert NoticeIntake.objects.count() == 0 and NoticeIntakeImage.objects.count() == 0


def mailgun_signed(data: dict, key: str = SIGNING_KEY) -> dict:
    timestamp, token = "1793700000", "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {**data, "timestamp": timestamp, "token": token, "signature": signature}


def mailgun_parsed() -> dict:
    """Mailgun's fully parsed forward() POST (documentation.mailgun.com, receive-http)."""
    return {
        "recipient": ADDRESS,
        "sender": "no-reply@shop.tiktok.com",
        "from": "TikTok Shop <no-reply@shop.tiktok.com>",
        "subject": "Violation notice",
        "body-plain": "Hi @acme.creator,\nYour video has been removed.\nViolation ID: CV7400000002\n"
        "Video ID: 7401000222333444555\nViolation time: 2026-11-05 10:00\n",
        "stripped-text": "",
        "body-html": "<p>Violation ID: CV7400000002</p>",
        "message-headers": json.dumps(
            [["Message-Id", "<mailgun-1@shop.tiktok.com>"], ["Date", "Thu, 5 Nov 2026 10:05:00 -0500"]]
        ),
        "attachment-count": "1",
        "attachment-1": SimpleUploadedFile("shot.png", PNG, content_type="image/png"),
    }


def test_mailgun_parsed_webhook_stores_the_notice(client, org, address, creator_account, providers):
    response = client.post(reverse("appeals:inbound_mailgun"), mailgun_signed(mailgun_parsed()), **basic_auth())
    assert response.status_code == 200
    intake = NoticeIntake.objects.get()
    assert intake.source == "mailgun" and intake.fields["video_ids"] == ["7401000222333444555"]
    assert intake.account == creator_account and intake.images.count() == 1


def test_mailgun_raw_mime_webhook(client, org, address, providers):
    data = mailgun_signed({"recipient": ADDRESS, "body-mime": eml("quoted_printable.eml").decode()})
    assert client.post(reverse("appeals:inbound_mailgun"), data, **basic_auth()).status_code == 200
    assert NoticeIntake.objects.get().fields["reference"] == "VR7311223344"


@pytest.mark.parametrize(
    "data",
    [
        mailgun_signed({"recipient": ADDRESS, "body-plain": "x"}, key="another-key"),
        {"recipient": ADDRESS, "body-plain": "x", "timestamp": "1", "token": "t"},
    ],
)
def test_mailgun_bad_signature_is_403(client, org, address, providers, data):
    response = client.post(reverse("appeals:inbound_mailgun"), data, **basic_auth())
    assert response.status_code == 403
    assert NoticeIntake.objects.count() == 0


# --- Upload, command, pages --------------------------------------------------------------------------------------


def test_eml_upload_to_review_then_confirm(org, shop, member_client):
    upload = SimpleUploadedFile("notice.eml", eml("multipart.eml"), content_type="message/rfc822")
    response = member_client.post(reverse("appeals:notice_upload"), {"file": upload})
    intake = NoticeIntake.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("appeals:notice_review", args=[intake.pk])
    page = member_client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="VR7318000888"' in body and 'data-from-notice="true"' in body and "notice.png" in body
    form = page.context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data["enforced_at"] = form.initial["enforced_at"].strftime("%Y-%m-%dT%H:%M")
    saved = member_client.post(reverse("appeals:notice_review", args=[intake.pk]), data)
    violation = Violation.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("appeals:case", args=[violation.pk])
    assert violation.reference == "VR7318000888" and violation.account == shop
    assert NoticeAttachment.objects.filter(violation=violation).count() == 1
    image = intake.images.get()
    download = member_client.get(reverse("appeals:notice_image", args=[intake.pk, image.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"


def test_upload_errors_are_shown_at_the_field(org, member_client, settings):
    settings.INBOUND_MAIL_MAX_BYTES = 100
    upload = SimpleUploadedFile("notice.eml", eml("multipart.eml"))
    response = member_client.post(reverse("appeals:notice_upload"), {"file": upload})
    assert response.status_code == 400 and "forwarded notices may be up to" in response.content.decode()
    assert member_client.post(reverse("appeals:notice_upload"), {}).status_code == 400


def test_roles_and_isolation(org, address, viewer_client, member_client, outsider_client, owner_client):
    [intake] = inbound_mail_receive(raw=eml("html_only.eml"), source=NoticeIntake.Source.COMMAND)
    upload = SimpleUploadedFile("n.eml", eml("html_only.eml"))
    assert viewer_client.post(reverse("appeals:notice_upload"), {"file": upload}).status_code == 403
    assert viewer_client.get(reverse("appeals:notice_review", args=[intake.pk])).status_code == 200
    assert viewer_client.post(reverse("appeals:notice_dismiss", args=[intake.pk])).status_code == 403
    assert outsider_client.get(reverse("appeals:notice_review", args=[intake.pk])).status_code == 404
    assert outsider_client.post(reverse("appeals:notice_dismiss", args=[intake.pk])).status_code == 404
    assert member_client.post(reverse("appeals:inbound_address_rotate")).status_code == 403
    assert owner_client.post(reverse("appeals:inbound_address_rotate")).status_code == 302
    assert member_client.get(reverse("appeals:notice_dismiss", args=[intake.pk])).status_code == 405


def test_notices_page_shows_the_address_and_dismiss(org, address, member_client, owner_client):
    [intake] = inbound_mail_receive(raw=eml("html_only.eml"), source=NoticeIntake.Source.COMMAND)
    page = member_client.get(reverse("appeals:notices")).content.decode()
    assert ADDRESS in page and "Your product has been removed" in page and "Make a new address" not in page
    assert "Make a new address" in owner_client.get(reverse("appeals:notices")).content.decode()
    member_client.post(reverse("appeals:notice_dismiss", args=[intake.pk]))
    intake.refresh_from_db()
    assert intake.status == NoticeIntake.Status.DISMISSED


def test_inbox_shows_notices_to_review(org, address, shop, member_client):
    assert "group-to-review" not in member_client.get(reverse("appeals:inbox")).content.decode()
    inbound_mail_receive(raw=eml("html_only.eml"), source=NoticeIntake.Source.COMMAND)
    body = member_client.get(reverse("appeals:inbox")).content.decode()
    assert "group-to-review" in body and "Your product has been removed" in body


def test_ingest_mail_command_from_file_and_stdin(org, address, monkeypatch):
    out = io.StringIO()
    call_command("ingest_mail", str(MAIL / "latin1.eml"), stdout=out)
    assert "to review" in out.getvalue()

    class Stdin:
        buffer = io.BytesIO(eml("html_only.eml"))

    monkeypatch.setattr("sys.stdin", Stdin)
    call_command("ingest_mail", "-", stdout=out)
    assert NoticeIntake.objects.count() == 2


def test_ingest_mail_command_drops_and_refuses(org, settings):
    out = io.StringIO()
    call_command("ingest_mail", str(MAIL / "latin1.eml"), stdout=out)
    assert "Dropped" in out.getvalue()
    settings.INBOUND_MAIL_MAX_BYTES = 10
    with pytest.raises(CommandError, match="forwarded notices may be up to"):
        call_command("ingest_mail", str(MAIL / "latin1.eml"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("ingest_mail", "/nonexistent.eml")


def test_bench_figures_webhook_to_inbox_and_parsing(org, manager, settings):
    """The two `make bench` figures of notices, measured here on a small organization (run with -s to see)."""
    from appeals.notices import bench

    bench.inbound_timing(org.pk)  # a cold process first imports every URLconf (~3 s): the bench's is warm
    inbound = bench.inbound_timing(org.pk)
    parsing = bench.parse_timing(runs=3)
    print(f"\nwebhook → inbox {inbound}; parsing {parsing}")
    assert inbound["shown"] and inbound["to_inbox_seconds"] < 2
    assert parsing["median_ms"] < 5
    assert not NoticeIntake.objects.exists()
