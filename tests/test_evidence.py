"""Evidence files: type by content, limits, bombs, duplicates, storage, and the scoped download views."""

from __future__ import annotations

import html
import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from appeals.models import Appeal, Evidence, TimelineEvent, TimelineVerb
from appeals.services import InvalidTransition, ServiceError
from appeals.services.appeals import appeal_start
from appeals.services.evidence import DOCX, XLSX, clean_filename, evidence_add, evidence_caption_save, evidence_remove
from tests.factories import ViolationFactory


def image_bytes(fmt: str = "PNG", size=(400, 300), mode="RGB", color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt)
    return out.getvalue()


def office_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header claims huge dimensions (a decompression bomb's calling card)."""
    data = bytearray(image_bytes())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


@pytest.fixture
def appeal(shop, member):
    violation = ViolationFactory(account=shop, enforced_at=datetime(2026, 1, 5, tzinfo=UTC))
    return appeal_start(violation=violation, by=member)


def add(appeal, member, name, data, caption=""):
    return evidence_add(appeal_id=appeal.pk, upload=SimpleUploadedFile(name, data), by=member, caption=caption)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "category"),
    [
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg", "image"),
        ("label.png", image_bytes("PNG"), "image/png", "image"),
        ("shot.webp", image_bytes("WEBP"), "image/webp", "image"),
        ("anim.gif", image_bytes("GIF", mode="P", color=3), "image/gif", "image"),
        ("invoice.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "application/pdf", "document"),
        ("letter.docx", office_bytes("docx"), DOCX, "document"),
        ("orders.xlsx", office_bytes("xlsx"), XLSX, "spreadsheet"),
        ("notes.txt", "Tracking 1Z999 — delivered ✓".encode(), "text/plain", "document"),
        ("orders.csv", b"order_id,tracking\n577,1Z999\n", "text/csv", "spreadsheet"),
        # The name does not decide: a PNG named .pdf is a PNG.
        ("misnamed.pdf", image_bytes("PNG", color=(1, 2, 3)), "image/png", "image"),
    ],
)  # fmt: skip
def test_accepted_types_by_content(appeal, member, name, data, content_type, category):
    evidence = add(appeal, member, name, data)
    assert evidence.content_type == content_type
    assert evidence.category == category
    assert evidence.size == len(data)
    assert len(evidence.sha256) == 64
    assert evidence.file.read() == data
    # Random storage name: the original name never reaches the storage path.
    assert name not in evidence.file.name
    assert (evidence.thumbnail is not None and bool(evidence.thumbnail)) == (category == "image")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200),  # renamed .exe
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.txt.svg", b"<svg/>"),
        ("page.html", b"<html><body>hi</body></html>"),
        ("archive.zip", office_bytes("other").replace(b"xl/workbook.xml", b"xx/workbook.xml")),
        ("binary.txt", b"abc\x00def"),
        ("latin1.csv", "café".encode("latin-1")),
    ],
)
def test_refused_types_say_what_is_accepted(appeal, member, name, data):
    with pytest.raises(ServiceError) as exc:
        add(appeal, member, name, data)
    assert "Accepted: JPEG, PNG, WebP, GIF, PDF, plain text, CSV, DOCX, XLSX" in exc.value.message
    assert not Evidence.objects.exists()


def test_oversized_file_refused(appeal, member, settings):
    settings.EVIDENCE_MAX_FILE_BYTES = 1000
    with pytest.raises(ServiceError, match="limit is"):
        add(appeal, member, "big.txt", b"a" * 1001)
    assert add(appeal, member, "ok.txt", b"a" * 1000).size == 1000


def test_appeal_total_limit(appeal, member, settings):
    settings.EVIDENCE_MAX_APPEAL_BYTES = 1500
    add(appeal, member, "one.txt", b"a" * 1000)
    with pytest.raises(ServiceError, match="does not fit"):
        add(appeal, member, "two.txt", b"b" * 600)
    assert appeal.evidence.count() == 1


def test_image_bomb_refused_by_header(appeal, member):
    with pytest.raises(ServiceError, match="too large to open safely"):
        add(appeal, member, "bomb.png", png_declaring(100_000, 100_000))


def test_image_over_pixel_setting_refused(appeal, member, settings):
    settings.EVIDENCE_MAX_IMAGE_PIXELS = 10_000
    with pytest.raises(ServiceError, match="too large"):
        add(appeal, member, "wide.png", image_bytes(size=(200, 100)))


def test_truncated_image_refused(appeal, member):
    with pytest.raises(ServiceError, match="not a readable image"):
        add(appeal, member, "broken.png", image_bytes()[:60])


def test_duplicate_in_same_appeal_refused_with_clear_message(appeal, member, shop):
    data = image_bytes()
    add(appeal, member, "first.png", data)
    with pytest.raises(ServiceError, match='already attached to this appeal \\(as "first.png"\\)'):
        add(appeal, member, "again.png", data)
    # The same file in another case's appeal is fine.
    other = appeal_start(violation=ViolationFactory(account=shop), by=member)
    assert add(other, member, "first.png", data).pk


def test_filename_is_cleaned():
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\me\\My invoice (1).pdf") == "My_invoice_1.pdf"
    assert clean_filename("") == "file"
    assert len(clean_filename("a" * 300 + ".pdf")) <= 204


def test_thumbnail_is_small(appeal, member):
    evidence = add(appeal, member, "big.jpg", image_bytes("JPEG", size=(1200, 800)))
    thumb = Image.open(evidence.thumbnail.open("rb"))
    assert max(thumb.size) == 240


def test_caption_and_remove_only_on_drafts(appeal, member):
    evidence = add(appeal, member, "a.txt", b"hello", caption="Draft caption")
    evidence = evidence_caption_save(evidence_id=evidence.pk, caption=" Invoice 42 ", by=member)
    assert evidence.caption == "Invoice 42"
    Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.UNDER_REVIEW, submitted_at=datetime.now(UTC))
    with pytest.raises(InvalidTransition):
        evidence_remove(evidence_id=evidence.pk, by=member)
    with pytest.raises(InvalidTransition):
        evidence_caption_save(evidence_id=evidence.pk, caption="x", by=member)
    with pytest.raises(InvalidTransition):
        add(appeal, member, "b.txt", b"more")


@pytest.mark.django_db(transaction=True)
def test_remove_deletes_row_file_and_records_timeline(appeal, member):
    evidence = add(appeal, member, "a.png", image_bytes())
    storage, name, thumb = evidence.file.storage, evidence.file.name, evidence.thumbnail.name
    evidence_remove(evidence_id=evidence.pk, by=member)
    assert not Evidence.objects.exists()
    assert not storage.exists(name) and not storage.exists(thumb)
    verbs = list(TimelineEvent.objects.filter(appeal=appeal).values_list("verb", flat=True))
    assert TimelineVerb.EVIDENCE_ADDED in verbs and TimelineVerb.EVIDENCE_REMOVED in verbs


# Views


def upload_url(appeal):
    return reverse("appeals:evidence_upload", kwargs={"appeal_pk": appeal.pk})


def test_upload_several_one_bad_keeps_the_others(appeal, member_client):
    files = [
        SimpleUploadedFile("a.png", image_bytes()),
        SimpleUploadedFile("evil.png", b"MZ" + b"\x00" * 100),
        SimpleUploadedFile("b.txt", b"tracking 1Z"),
    ]
    response = member_client.post(upload_url(appeal), {"files": files}, follow=True)
    assert response.status_code == 200
    assert sorted(appeal.evidence.values_list("original_name", flat=True)) == ["a.png", "b.txt"]
    text = html.unescape(response.content.decode())
    assert "evil.png" in text and "Accepted: JPEG" in text
    assert 'Added "a.png"' in text


def test_upload_htmx_returns_panel_with_per_file_results(appeal, member_client):
    files = [SimpleUploadedFile("a.png", image_bytes()), SimpleUploadedFile("a-copy.png", image_bytes())]
    response = member_client.post(upload_url(appeal), {"files": files}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert text.lstrip().startswith('<div id="evidence-panel">')
    assert "already attached" in text and 'Added "a.png"' in text
    assert appeal.evidence.count() == 1


def test_upload_without_files(appeal, member_client):
    response = member_client.post(upload_url(appeal), {}, follow=True)
    assert "Choose one or more files" in response.content.decode()


def test_upload_permissions(appeal, viewer_client, outsider_client, member_client):
    file = SimpleUploadedFile("a.txt", b"x")
    assert viewer_client.post(upload_url(appeal), {"files": [file]}).status_code == 403
    assert outsider_client.post(upload_url(appeal), {"files": [file]}).status_code == 404
    assert member_client.get(upload_url(appeal)).status_code == 405
    assert not appeal.evidence.exists()


def test_download_is_attachment_with_nosniff(appeal, member, viewer_client, outsider_client):
    evidence = add(appeal, member, "notes.txt", b"<script>alert(1)</script>")
    url = reverse("appeals:evidence_download", kwargs={"evidence_pk": evidence.pk})
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="notes.txt"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert outsider_client.get(url).status_code == 404


def test_thumbnail_view(appeal, member, member_client, outsider_client):
    image = add(appeal, member, "a.png", image_bytes())
    text = add(appeal, member, "a.txt", b"x")
    url = reverse("appeals:evidence_thumbnail", kwargs={"evidence_pk": image.pk})
    response = member_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] in {"image/jpeg", "image/png"}
    assert response["X-Content-Type-Options"] == "nosniff"
    assert member_client.get(reverse("appeals:evidence_thumbnail", kwargs={"evidence_pk": text.pk})).status_code == 404
    assert outsider_client.get(url).status_code == 404


def test_caption_view_plain_and_htmx(appeal, member, member_client, viewer_client, outsider_client):
    evidence = add(appeal, member, "a.txt", b"x")
    url = reverse("appeals:evidence_caption", kwargs={"evidence_pk": evidence.pk})
    response = member_client.post(url, {"caption": "Invoice from distributor"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.caption == "Invoice from distributor"
    response = member_client.post(url, {"caption": "Label photo"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'value="Label photo"' in response.content.decode()
    assert viewer_client.post(url, {"caption": "x"}).status_code == 403
    assert outsider_client.post(url, {"caption": "x"}).status_code == 404
    assert member_client.get(url).status_code == 405


def test_remove_view(appeal, member, member_client, viewer_client, outsider_client):
    evidence = add(appeal, member, "a.txt", b"x")
    url = reverse("appeals:evidence_remove", kwargs={"evidence_pk": evidence.pk})
    assert viewer_client.post(url).status_code == 403
    assert outsider_client.post(url).status_code == 404
    assert member_client.get(url).status_code == 405
    response = member_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "No evidence yet" in response.content.decode()
    assert not Evidence.objects.exists()
