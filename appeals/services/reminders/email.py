"""The email channel: what a reminder email says, its headers (stable Message-ID, one-click unsubscribe)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from appeals.models import Reminder
from appeals.services.reminders.links import _url, case_url
from appeals.services.reminders.preferences import unsubscribe_url
from core.emails import email_build
from core.models import User

K = Reminder.Kind

ADVICE = {
    K.DECISION_OVERDUE: (
        "No decision yet, one business day after it was due. Check the platform (Seller Center → Violation "
        "Records, or the creator Help Center) for a decision; if nothing has arrived, escalate the case."
    ),
    K.WINDOW_CLOSING: "No appeal has been submitted yet. After the window closes the platform refuses appeals.",
    K.TICKET_FIRST_RESPONSE_AT_RISK: "The first response is due within 4 business hours. Check the ticket's thread.",
    K.TICKET_FIRST_RESPONSE_BREACHED: "The first response is late. Follow up in the same channel.",
    K.TICKET_RESOLUTION_AT_RISK: "Resolution is due within 4 business hours.",
    K.TICKET_RESOLUTION_BREACHED: "Resolution is late. Follow up or escalate.",
    K.ESCALATION_UNANSWERED: "The escalation has no answer yet. Follow up with the team you escalated to.",
    K.AUTHORIZATION_EXPIRING: "Ask the seller or creator to renew your partner authorization before it expires.",
}


def reminder_context(r: Reminder) -> dict[str, Any]:
    """What the email says: what is due, for which account and case, when in the recipient's timezone, link."""
    tz = ZoneInfo(r.recipient.timezone)
    violation = r.violation
    account = r.account or (violation.account if violation else None) or (r.ticket.account if r.ticket else None)
    what = r.get_kind_display()
    if r.ticket_id:
        what = f"{what}: “{r.ticket.subject}”" + (
            f" (ticket {r.ticket.platform_number})" if r.ticket.platform_number else ""
        )
    elif r.appeal_id:
        what = f"{what}: appeal round {r.appeal.round}"
    if violation is not None:
        link = case_url(violation.pk)
    elif r.ticket_id:
        link = _url("appeals:ticket_detail", ticket_pk=r.ticket_id)
    else:
        link = _url("appeals:authorization_list")
    return {
        "reminder": r,
        "what": what,
        "kind": r.kind,
        "organization": r.organization,
        "account": account,
        "violation": violation,
        "deadline_local": r.deadline.astimezone(tz),
        "timezone_name": r.recipient.timezone,
        "overdue": r.deadline <= timezone.now(),
        "advice": ADVICE.get(r.kind, ""),
        "link": link,
    }


def _message_id(local_part: str) -> str:
    return f"<{local_part}@appealdesk>"


def _email_headers(user: User, message_id: str) -> dict[str, str]:
    unsubscribe = unsubscribe_url(user)
    return {
        "Message-ID": message_id,
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def reminder_email(r: Reminder) -> EmailMultiAlternatives:
    """One reminder email; the Message-ID is the row's, so a resend after a crash is recognisably the same."""
    return email_build(
        name="reminder",
        to=[r.recipient.email],
        context={**reminder_context(r), "user": r.recipient, "unsubscribe_url": unsubscribe_url(r.recipient)},
        headers=_email_headers(r.recipient, _message_id(f"reminder-{r.pk}")),
    )


def digest_email(*, user: User, reminders: list[Reminder], now: datetime) -> EmailMultiAlternatives:
    return email_build(
        name="digest",
        to=[user.email],
        context={
            "user": user,
            "items": [reminder_context(r) for r in reminders],
            "unsubscribe_url": unsubscribe_url(user),
            "day": now.astimezone(ZoneInfo(user.timezone)).date(),
        },
        headers=_email_headers(user, _message_id(f"digest-{user.pk}-{min(r.pk for r in reminders)}")),
    )


def smtp_open() -> BaseEmailBackend:
    """A connection to the mail server, opened (connected, TLS, logged in) before the message is handed over."""
    connection = mail.mailers.default
    connection.open()
    return connection


def smtp_close(connection: BaseEmailBackend) -> None:
    """QUIT after the send is recorded: a server slow to say goodbye must not widen the send/record gap."""
    with contextlib.suppress(Exception):
        connection.close()
