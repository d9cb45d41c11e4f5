"""The escalation packet: what account managers, program and partnership teams ask for, as text and as a ZIP."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from appeals.models import Appeal, NoticeAttachment, Violation
from appeals.services.evidence import download_name


def _day(moment: datetime | None, violation: Violation) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(violation.organization.zoneinfo).strftime("%Y-%m-%d %H:%M %Z")


def _appeals(violation: Violation) -> list[Appeal]:
    return list(violation.appeals.order_by("round").prefetch_related("evidence"))


def packet_text(violation: Violation) -> str:
    """Plain text to paste into an email or a chat with the team the case is escalated to."""
    account = violation.account
    appeals = _appeals(violation)
    submitted = [a for a in appeals if a.submitted_at is not None]
    latest = submitted[-1] if submitted else (appeals[-1] if appeals else None)
    items = list(violation.items.all())
    lines = [
        f"Escalation request: violation {violation.reference}",
        "",
        f"{account.get_kind_display()}: {account.name} ({account.external_id}), market {account.market}",
        f"Violation record ID / reference: {violation.reference}",
        f"Violation type: {violation.get_kind_display()}",
        f"Reason / policy cited: {violation.policy}",
        f"Enforcement type: {violation.get_record_status_display()}",
        f"Action taken: {violation.action or '—'}",
    ]
    if violation.penalty_points:
        lines.append(f"Penalty points: {violation.penalty_points}")
    lines.append(f"Date of notice: {_day(violation.enforced_at, violation)}")
    if items:
        lines.append("Affected IDs: " + "; ".join(f"{i.get_kind_display()} {i.value}" for i in items))
    lines.append("")
    if not appeals:
        lines.append("Appeals: none filed yet.")
    for appeal in appeals:
        lines.append(f"Appeal round {appeal.round}: {appeal.get_status_display()}")
        lines.append(f"  Submitted: {_day(appeal.submitted_at, violation)}")
        if appeal.platform_reference:
            lines.append(f"  Platform reference: {appeal.platform_reference}")
        lines.append(f"  Decision: {_day(appeal.decided_at, violation)}")
        if appeal.decision_message:
            lines.append(f"  Platform's message: {appeal.decision_message}")
    if latest is not None:
        lines += ["", f"Current appeal status: {latest.get_status_display()} (round {latest.round})"]
        text = latest.final_text or latest.explanation
        if text:
            lines += ["", f"Appeal text (round {latest.round}):", text.strip()]
    evidence = _evidence(appeals)
    lines += ["", "Evidence:"]
    if evidence:
        lines += [f"  - {name}" + (f": {caption}" if caption else "") for name, caption, _item in evidence]
    else:
        lines.append("  (none)")
    screenshots = list(violation.attachments.all())
    if screenshots:
        lines += ["", "Notice screenshots:"] + [f"  - {s.original_name}" for s in screenshots]
    return "\n".join(lines) + "\n"


def _evidence(appeals: list[Appeal]) -> list[tuple[str, str, object]]:
    """Every distinct evidence file across rounds (by SHA-256), oldest first."""
    seen: set[str] = set()
    out = []
    for appeal in appeals:
        for item in appeal.evidence.all():
            if item.sha256 in seen:
                continue
            seen.add(item.sha256)
            out.append((item.original_name, item.caption, item))
    return out


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "file"
    return cleaned[:120]


def packet_zip(violation: Violation) -> bytes:
    """packet.txt, the evidence files and the notice screenshots in one archive."""
    buffer = io.BytesIO()
    used: set[str] = set()

    def unique(path: str) -> str:
        base, n = path, 2
        while path in used:
            stem, dot, ext = base.rpartition(".")
            path = f"{stem}-{n}.{ext}" if dot else f"{base}-{n}"
            n += 1
        used.add(path)
        return path

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("packet.txt", packet_text(violation))
        for index, (name, _caption, item) in enumerate(_evidence(_appeals(violation)), start=1):
            name = download_name(name, item.content_type)
            _add_file(archive, unique(f"evidence/{index:02d}-{_safe(name)}"), item.file)
        attachment: NoticeAttachment
        for index, attachment in enumerate(violation.attachments.all(), start=1):
            name = download_name(attachment.original_name, attachment.content_type)
            _add_file(archive, unique(f"notice-screenshots/{index:02d}-{_safe(name)}"), attachment.file)
    return buffer.getvalue()


def _add_file(archive: zipfile.ZipFile, path: str, field_file) -> None:
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            archive.writestr(path, handle.read())
    except FileNotFoundError:
        archive.writestr(path + ".missing.txt", "This file is missing from storage.\n")
