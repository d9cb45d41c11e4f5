"""Notices read into case fields: the organization's timezone and accounts around the pure parser."""

from __future__ import annotations

from dataclasses import dataclass

from appeals.models import Account
from appeals.notices.parser import ParsedNotice, parse_notice
from appeals.services import ServiceError
from core.models import Organization

NOTICE_MAX_CHARS = 20_000


@dataclass(frozen=True)
class NoticeReading:
    parsed: ParsedNotice
    # The organization's account the notice names, when it names one of them.
    account: Account | None


def _handle(value: str) -> str:
    return value.strip().lstrip("@").casefold()


def notice_check_text(text: str | None) -> str:
    text = text or ""
    if not text.strip():
        raise ServiceError("Paste the notice's text first.", field="text", code="empty")
    if len(text) > NOTICE_MAX_CHARS:
        raise ServiceError(
            f"The notice is longer than {NOTICE_MAX_CHARS:,} characters; paste only the notice itself.",
            field="text",
            code="too_long",
        )
    return text


def notice_read(*, organization: Organization, text: str) -> NoticeReading:
    """Parse a notice in the organization's timezone, matching the account against its shops and creators."""
    text = notice_check_text(text)
    accounts = {_handle(a.external_id): a for a in Account.objects.filter(organization=organization)}
    parsed = parse_notice(text, tz=organization.zoneinfo, accounts=[a.external_id for a in accounts.values()])
    account = accounts.get(_handle(parsed.account_external_id)) if parsed.account_external_id else None
    return NoticeReading(parsed=parsed, account=account)
