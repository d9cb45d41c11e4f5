"""Evidence files of an appeal: type by content, size limits, image checks, thumbnails, duplicates."""

from __future__ import annotations

import hashlib
import io
import os
import warnings
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from PIL import Image

from appeals.models import Appeal, Evidence, TimelineVerb
from appeals.services import InvalidTransition, ServiceError
from appeals.services.timeline import timeline_record

ACCEPTED_MESSAGE = "Accepted: JPEG, PNG, WebP, GIF, PDF, plain text, CSV, DOCX, XLSX."
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Detected MIME type → (category, is an image Pillow must open).
ACCEPTED = {
    "image/jpeg": (Evidence.Category.IMAGE, True),
    "image/png": (Evidence.Category.IMAGE, True),
    "image/webp": (Evidence.Category.IMAGE, True),
    "image/gif": (Evidence.Category.IMAGE, True),
    "application/pdf": (Evidence.Category.DOCUMENT, False),
    DOCX: (Evidence.Category.DOCUMENT, False),
    XLSX: (Evidence.Category.SPREADSHEET, False),
    "text/plain": (Evidence.Category.DOCUMENT, False),
    "text/csv": (Evidence.Category.SPREADSHEET, False),
}
TEXT_EXTENSIONS = {".txt": "text/plain", ".csv": "text/csv"}
# The extension a download gets for each accepted type, whatever the uploader called the file.
EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "image/gif": (".gif",),
    "application/pdf": (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
}
THUMBNAIL_SIZE = (240, 240)
# Upper bound on an image's pixels; Pillow's own guard is twice its MAX_IMAGE_PIXELS.
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    category: str
    is_image: bool


def clean_filename(name: str) -> str:
    """Base name only (no client paths), safe characters, at most 200 characters with its extension."""
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    try:
        name = get_valid_filename(name)
    except Exception:  # Django refuses names like "." and ".."
        name = ""
    if not name:
        name = "file"
    stem, ext = os.path.splitext(name)
    return stem[: 200 - len(ext[:20])] + ext[:20]


def download_name(name: str, content_type: str) -> str:
    """The name a file is downloaded under: its extension follows the sniffed type, so a JPEG uploaded as
    report.html downloads as report.jpg (the browser and the OS go by the extension)."""
    stem, ext = os.path.splitext(clean_filename(name))
    allowed = EXTENSIONS.get(content_type, (".bin",))
    if ext.lower() in allowed:
        return stem + ext
    return (stem or "file") + allowed[0]


def _read_all(upload: UploadedFile) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    return data


def _office_kind(data: bytes) -> str | None:
    """DOCX/XLSX whose markers lie beyond filetype's first 8 KB: look inside the zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def sniff(data: bytes, name: str) -> Sniffed:
    """The file's type from its bytes; the name only decides between plain text and CSV."""
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind is not None else None
    if mime == "application/zip":
        mime = _office_kind(data)
    if mime is None:
        ext = os.path.splitext(name.lower())[1]
        if ext in TEXT_EXTENSIONS and b"\x00" not in data:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                mime = TEXT_EXTENSIONS[ext]
    if mime not in ACCEPTED:
        raise ServiceError(
            f'"{name}" is not an accepted file type. {ACCEPTED_MESSAGE}', field="files", code="unsupported_type"
        )
    category, is_image = ACCEPTED[mime]
    return Sniffed(content_type=mime, category=category, is_image=is_image)


def check_image(data: bytes, name: str) -> Image.Image:
    """Open, bomb-check and verify an image; returns it re-opened, ready for a thumbnail."""
    limit = getattr(settings, "EVIDENCE_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS)
    bomb = ServiceError(f'"{name}" is refused: its dimensions are too large to open safely.', field="files")
    broken = ServiceError(f'"{name}" is not a readable image.', field="files")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limit:
                raise bomb
            image.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except ServiceError:
        raise
    except Exception:
        raise broken from None
    return image


def make_thumbnail(image: Image.Image) -> tuple[bytes, str]:
    """A 240 px PNG (transparent images) or JPEG."""
    if getattr(image, "is_animated", False):
        image.seek(0)
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    if thumb.mode in {"RGBA", "LA", "P"} and ("transparency" in thumb.info or thumb.mode != "P"):
        thumb.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), "png"
    thumb.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue(), "jpg"


def _editable_appeal(appeal_id: int) -> Appeal:
    appeal = Appeal.objects.select_for_update().select_related("violation").get(pk=appeal_id)
    if not appeal.is_editable:
        raise InvalidTransition(
            f"This appeal is {appeal.get_status_display().lower()}; its evidence is frozen. "
            "New evidence goes into a follow-up appeal."
        )
    return appeal


@transaction.atomic
def evidence_add(*, appeal_id: int, upload: UploadedFile, by, caption: str = "") -> Evidence:
    """Check one uploaded file and attach it to a draft; raises ServiceError with a message naming the file.

    1. Size per file, then per appeal (the appeal row is locked so two uploads cannot both squeeze in).
    2. Type from the bytes; images also opened (bomb guard, verify) and thumbnailed.
    3. SHA-256 against the appeal's other files.
    4. Stored under a random name; the cleaned original name is kept in a field.
    """
    appeal = _editable_appeal(appeal_id)
    name = clean_filename(upload.name or "")
    max_file = settings.EVIDENCE_MAX_FILE_BYTES
    if upload.size > max_file:
        raise ServiceError(
            f'"{name}" is {filesizeformat(upload.size)}; the limit is {filesizeformat(max_file)} a file.',
            field="files",
            code="too_large",
        )
    used = appeal.evidence.aggregate(total=Sum("size"))["total"] or 0
    max_appeal = settings.EVIDENCE_MAX_APPEAL_BYTES
    if used + upload.size > max_appeal:
        raise ServiceError(
            f'"{name}" does not fit: this appeal already has {filesizeformat(used)} of evidence '
            f"and the limit is {filesizeformat(max_appeal)}.",
            field="files",
            code="too_large",
        )
    if upload.size == 0:
        raise ServiceError(f'"{name}" is empty.', field="files")
    data = _read_all(upload)
    sniffed = sniff(data, name)
    image = check_image(data, name) if sniffed.is_image else None
    digest = hashlib.sha256(data).hexdigest()
    duplicate = appeal.evidence.filter(sha256=digest).first()
    if duplicate is not None:
        raise ServiceError(
            f'"{name}" is already attached to this appeal (as "{duplicate.original_name}").',
            field="files",
            code="duplicate",
        )
    last = appeal.evidence.aggregate(m=Max("position"))["m"]
    evidence = Evidence(
        appeal=appeal,
        organization_id=appeal.organization_id,
        original_name=name,
        content_type=sniffed.content_type,
        category=sniffed.category,
        size=len(data),
        sha256=digest,
        caption=caption.strip()[:200],
        position=(last or 0) + 1,
        uploaded_by=by,
    )
    evidence.file.save(name, ContentFile(data), save=False)
    try:
        if image is not None:
            try:
                thumb, ext = make_thumbnail(image)
            except Exception:  # a thumbnail is a nicety; the file itself passed every check
                thumb = None
            if thumb:
                evidence.thumbnail.save(f"thumb.{ext}", ContentFile(thumb), save=False)
        with transaction.atomic():
            evidence.save()
    except IntegrityError:
        _delete_files(evidence)
        raise ServiceError(f'"{name}" is already attached to this appeal.', field="files") from None
    except Exception:
        _delete_files(evidence)
        raise
    timeline_record(
        violation=appeal.violation,
        verb=TimelineVerb.EVIDENCE_ADDED,
        actor=by,
        appeal=appeal,
        data={"name": name, "size": evidence.size, "content_type": evidence.content_type},
    )
    return evidence


def appeal_evidence_summary_refresh(*, appeal_id: int) -> tuple[int, int]:
    """Store the appeal's evidence count and category bit mask (Evidence.CATEGORY_BITS); returns both.

    Called for every Evidence save/delete (appeals.signals) and after bulk_create; an UPDATE, so the
    appeal's version and updated_at stay as they are.
    """
    categories = list(Evidence.objects.filter(appeal_id=appeal_id).values_list("category", flat=True))
    mask = 0
    for category in set(categories):
        mask |= Evidence.CATEGORY_BITS.get(category, 0)
    Appeal.objects.filter(pk=appeal_id).update(evidence_count=len(categories), evidence_categories=mask)
    return len(categories), mask


def _delete_files(evidence: Evidence) -> None:
    for field in (evidence.file, evidence.thumbnail):
        if field:
            field.storage.delete(field.name)


@transaction.atomic
def evidence_caption_save(*, evidence_id: int, caption: str, by) -> Evidence:
    evidence = Evidence.objects.select_related("appeal").get(pk=evidence_id)
    _editable_appeal(evidence.appeal_id)
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise ServiceError("Keep the caption to one line (under 200 characters).", field="caption")
    if caption != evidence.caption:
        evidence.caption = caption
        evidence.save(update_fields=["caption"])
    return evidence


@transaction.atomic
def evidence_remove(*, evidence_id: int, by) -> None:
    evidence = Evidence.objects.select_related("appeal__violation").get(pk=evidence_id)
    appeal = _editable_appeal(evidence.appeal_id)
    name = evidence.original_name
    from appeals.services.outcomes import stored_file_shared  # follow-up appeals reuse the same stored files

    files = [
        (f.storage, f.name)
        for f in (evidence.file, evidence.thumbnail)
        if f and not stored_file_shared(f.name, evidence.pk)
    ]
    evidence.delete()
    timeline_record(
        violation=appeal.violation, verb=TimelineVerb.EVIDENCE_REMOVED, actor=by, appeal=appeal, data={"name": name}
    )
    # Files go only once the row is gone for good.
    transaction.on_commit(lambda: [storage.delete(path) for storage, path in files])
