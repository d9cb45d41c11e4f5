"""Uploaded files going out (issue 18, findings 8 and 9): screenshots get the evidence checks, and every
download is named for its sniffed type, never cached and sandboxed."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from appeals.models import NoticeAttachment
from appeals.services import ServiceError
from appeals.services.evidence import download_name, evidence_add
from appeals.services.violations import notice_attachment_add
from tests.factories import AppealFactory, ViolationFactory


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, fmt)
    return out.getvalue()


def _png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("report.html", "image/jpeg", "report.jpg"),
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("photo.jpg", "image/jpeg", "photo.jpg"),
        ("evil.html", "image/gif", "evil.gif"),
        ("scan", "application/pdf", "scan.pdf"),
        ("notes.csv", "text/csv", "notes.csv"),
        ("notes.csv", "text/plain", "notes.txt"),
        ("../../etc/passwd.svg", "image/png", "passwd.png"),
        ("", "image/webp", "file.webp"),
        ("x.exe", "application/x-unknown", "x.bin"),
    ],
)
def test_download_name_follows_the_sniffed_type(name, content_type, expected):
    assert download_name(name, content_type) == expected


def test_a_screenshot_declaring_huge_dimensions_is_refused(org, shop, member):
    case = ViolationFactory(account=shop)
    upload = SimpleUploadedFile("notice.png", _png_declaring(100_000, 100_000), content_type="image/png")
    with pytest.raises(ServiceError, match="too large to open safely") as caught:
        notice_attachment_add(violation=case, upload=upload, by=member)
    assert caught.value.field == "file"
    assert not NoticeAttachment.objects.exists()


def test_a_screenshot_that_is_not_a_readable_image_is_refused(org, shop, member):
    case = ViolationFactory(account=shop)
    broken = _image("PNG")[:40]
    with pytest.raises(ServiceError, match="not a readable image"):
        notice_attachment_add(
            violation=case, upload=SimpleUploadedFile("n.png", broken, content_type="image/png"), by=member
        )
    with pytest.raises(ServiceError, match="PNG, JPEG, GIF or WebP"):
        notice_attachment_add(
            violation=case, upload=SimpleUploadedFile("n.png", b"%PDF-1.4 hi", content_type="image/png"), by=member
        )


def test_a_gif_named_html_downloads_as_gif_sandboxed_and_not_stored(org, shop, member, member_client):
    case = ViolationFactory(account=shop)
    upload = SimpleUploadedFile("evil.html", _image("GIF"), content_type="text/html")
    attachment = notice_attachment_add(violation=case, upload=upload, by=member)
    assert attachment.content_type == "image/gif"
    response = member_client.get(f"/violations/{case.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert 'filename="evil.gif"' in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"


def test_evidence_and_its_zip_entries_are_named_for_their_type(org, shop, member, member_client):
    appeal = AppealFactory(violation=ViolationFactory(account=shop))
    upload = SimpleUploadedFile("report.html", _image("JPEG"), content_type="text/html")
    evidence = evidence_add(appeal_id=appeal.pk, upload=upload, by=member)
    response = member_client.get(f"/evidence/{evidence.pk}/download/")
    assert response.status_code == 200 and 'filename="report.jpg"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(member_client.get(f"/appeals/{appeal.pk}/download/").streaming_content))
    )
    assert "evidence/01-report.jpg" in archive.namelist()
    packet = member_client.get(f"/violations/{appeal.violation_id}/escalation-packet.zip")
    names = zipfile.ZipFile(io.BytesIO(packet.content)).namelist()
    assert any(n.startswith("evidence/") and n.endswith("report.jpg") for n in names), names
