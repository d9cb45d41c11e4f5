"""Forwarded notices: the private inbound address, mail into "To review", and review into a case."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from appeals.models import Account, InboundAddress, NoticeIntake, NoticeIntakeImage, Violation
from appeals.notices.mail import MailContent, MailImage, read_mail
from appeals.notices.parser import parse_notice
from appeals.services import ServiceError
from appeals.services.evidence import check_image
from appeals.services.notices import NOTICE_MAX_CHARS
from appeals.services.violations import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    notice_attachment_add,
    violation_create,
    violation_update,
)
from core.models import Organization

logger = logging.getLogger(__name__)

_LOCAL_TOKEN = re.compile(rf"^{re.escape(InboundAddress.LOCAL_PREFIX)}([0-9a-f]{{24}})(?:\+[^@]*)?@", re.I)


# --- The address -------------------------------------------------------------------------------------------------


def inbound_address_for(*, organization: Organization) -> InboundAddress:
    address, _ = InboundAddress.objects.get_or_create(organization=organization)
    return address


@transaction.atomic
def inbound_address_rotate(*, organization: Organization, by) -> InboundAddress:
    """A new token: mail to the old address is dropped from now on (the view lets only owners do this)."""
    address = InboundAddress.objects.select_for_update().filter(organization=organization).first()
    if address is None:
        return InboundAddress.objects.create(organization=organization, rotated_by=by)
    address.token = InboundAddress._meta.get_field("token").get_default()
    address.rotated_at, address.rotated_by = timezone.now(), by
    address.save(update_fields=["token", "rotated_at", "rotated_by"])
    return address


def _tokens(recipients: Iterable[str]) -> set[str]:
    found = (_LOCAL_TOKEN.match((r or "").strip().strip("<>")) for r in recipients)
    return {m.group(1).lower() for m in found if m}


# --- Mail in -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Image:
    name: str
    content_type: str
    data: bytes
    sha256: str


def _kept_images(images: list[MailImage]) -> tuple[list[_Image], list[str]]:
    """The attachments that pass the notice screenshot checks (type from the bytes, size, a readable image)."""
    kept: list[_Image] = []
    skipped: list[str] = []
    for image in images:
        name = image.name[:255]
        kind = filetype.guess(image.data[:8192])
        if kind is None or kind.mime not in ATTACHMENT_TYPES:
            skipped.append(f"{name}: not a PNG, JPEG, GIF or WebP image")
        elif len(image.data) > ATTACHMENT_MAX_BYTES:
            skipped.append(f"{name}: larger than {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB")
        else:
            try:
                check_image(image.data, name)
            except ServiceError as exc:
                skipped.append(exc.message)
            else:
                kept.append(_Image(name, kind.mime, image.data, hashlib.sha256(image.data).hexdigest()))
    return kept, skipped


def inbound_mail_receive(
    *,
    raw: bytes | EmailMessage,
    source: str,
    recipients: Iterable[str] = (),
    organization: Organization | None = None,
) -> list[NoticeIntake]:
    """A forwarded notice mail into each addressed organization's "To review" (or onto its existing case).

    1. Refuse a mail over INBOUND_MAIL_MAX_BYTES before reading it.
    2. Read it: text (from HTML when there is no plain part), images, forwards inside forwards.
    3. The organization: the given one (an upload by a member), else the one whose private address it was sent to
       (envelope recipients first, then the headers); an unknown address is dropped and logged.
    4. Per organization, one intake in one transaction (a redelivered Message-ID returns the first one).
    """
    limit = settings.INBOUND_MAIL_MAX_BYTES
    size = len(raw) if isinstance(raw, bytes) else len(raw.as_bytes())
    if size > limit:
        raise ServiceError(
            f"This mail is {filesizeformat(size)}; forwarded notices may be up to {filesizeformat(limit)}. "
            "Nothing was stored: forward it without large attachments.",
            field="file",
            code="too_large",
        )
    mail = read_mail(raw)
    if organization is not None:
        organizations = [organization]
    else:
        tokens = _tokens([*recipients, *mail.recipients])
        organizations = [
            a.organization for a in InboundAddress.objects.filter(token__in=tokens).select_related("organization")
        ]
        if not organizations:
            logger.warning(
                "Inbound notice dropped: no organization has the address it was sent to (%s; Message-ID %s).",
                ", ".join(sorted(set(recipients) | set(mail.recipients))) or "no recipient",
                mail.message_id or "none",
            )
            return []
    images, skipped = _kept_images(mail.images)
    return [
        _intake_create(organization=org, mail=mail, source=source, images=images, skipped=skipped)
        for org in organizations
    ]


def _intake_create(
    *, organization: Organization, mail: MailContent, source: str, images: list[_Image], skipped: list[str]
) -> NoticeIntake:
    if mail.message_id:
        existing = NoticeIntake.objects.filter(organization=organization, message_id=mail.message_id).first()
        if existing is not None:
            return existing
    accounts = {a.external_id.lstrip("@").casefold(): a for a in Account.objects.filter(organization=organization)}
    text = f"Subject: {mail.subject}\n\n{mail.text}" if mail.subject else mail.text
    parsed = parse_notice(
        text[:NOTICE_MAX_CHARS], tz=organization.zoneinfo, accounts=[a.external_id for a in accounts.values()]
    )
    if parsed.enforced_at is None and mail.sent_at is not None:
        parsed.enforced_at = mail.sent_at
    account = accounts.get((parsed.account_external_id or "").lstrip("@").casefold())
    try:
        with transaction.atomic():
            intake = NoticeIntake.objects.create(
                organization=organization,
                source=source,
                message_id=mail.message_id,
                sender=mail.sender[:255],
                subject=mail.subject[:255],
                text=mail.text,
                fields=parsed.as_json(),
                account=account,
                skipped=skipped,
            )
            for image in images:
                stored = NoticeIntakeImage(
                    intake=intake,
                    organization=organization,
                    original_name=image.name,
                    content_type=image.content_type,
                    size=len(image.data),
                    sha256=image.sha256,
                )
                stored.file.save(image.name, ContentFile(image.data), save=False)
                stored.save()
            existing_case = (
                Violation.objects.filter(account=account, reference=parsed.reference).first()
                if account is not None and parsed.reference
                else None
            )
            if existing_case is not None:
                _add_to_case(intake=intake, violation=existing_case, by=None)
    except IntegrityError:
        # The same Message-ID delivered twice at once: the other delivery stored it.
        return NoticeIntake.objects.get(organization=organization, message_id=mail.message_id)
    return intake


def _add_to_case(*, intake: NoticeIntake, violation: Violation, by) -> Violation:
    """The forwarded notice onto the case it belongs to: its text after the case's notice, its screenshots."""
    received = timezone.localtime(intake.received_at, violation.organization.zoneinfo)
    notice = intake.text
    if violation.notice and intake.text not in violation.notice:
        notice = f"{violation.notice}\n\n--- Notice forwarded on {received:%Y-%m-%d %H:%M} ---\n{intake.text}"
    elif violation.notice:
        notice = violation.notice
    violation = violation_update(violation=violation, by=by, version=violation.version, notice=notice)
    for image in intake.images.all():
        if not violation.attachments.filter(sha256=image.sha256).exists():
            with image.file.open("rb") as handle:
                notice_attachment_add(
                    violation=violation, upload=ContentFile(handle.read(), name=image.original_name), by=by
                )
    intake.status, intake.violation, intake.decided_at = NoticeIntake.Status.ADDED, violation, timezone.now()
    intake.decided_by = by if getattr(by, "is_authenticated", False) else None
    intake.save(update_fields=["status", "violation", "decided_at", "decided_by"])
    return violation


# --- Review ------------------------------------------------------------------------------------------------------


def _open_intake(intake_id: int) -> NoticeIntake:
    intake = NoticeIntake.objects.select_for_update().select_related("organization").get(pk=intake_id)
    if not intake.is_open:
        raise ServiceError(f"This notice was already handled ({intake.get_status_display().lower()}).")
    return intake


@transaction.atomic
def notice_intake_confirm(*, intake_id: int, by, account: Account, reference: str, **fields) -> Violation:
    """Confirm a notice to review as a case (fields as violation_create takes them); when the account already
    has a case with this reference, the notice goes onto that case instead of a duplicate."""
    intake = _open_intake(intake_id)
    existing = Violation.objects.filter(account=account, reference=(reference or "").strip()).first()
    if existing is not None and account.organization_id == intake.organization_id:
        return _add_to_case(intake=intake, violation=existing, by=by)
    violation = violation_create(
        organization=intake.organization, account=account, by=by, reference=reference, **fields
    )
    for image in intake.images.all():
        with image.file.open("rb") as handle:
            notice_attachment_add(
                violation=violation, upload=ContentFile(handle.read(), name=image.original_name), by=by
            )
    intake.status, intake.violation, intake.account = NoticeIntake.Status.CONFIRMED, violation, account
    intake.decided_at, intake.decided_by = timezone.now(), by
    intake.save(update_fields=["status", "violation", "account", "decided_at", "decided_by"])
    return violation


@transaction.atomic
def notice_intake_dismiss(*, intake_id: int, by) -> NoticeIntake:
    intake = _open_intake(intake_id)
    intake.status, intake.decided_at, intake.decided_by = NoticeIntake.Status.DISMISSED, timezone.now(), by
    intake.save(update_fields=["status", "decided_at", "decided_by"])
    return intake
