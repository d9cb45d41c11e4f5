"""Reminders: every deadline reminded exactly once, to the right people, in their hours.

One module per concern: rules (what is due), schedule (who, and when in their hours), claim (one worker per
row), sweep (rules → rows → claim → publish), deliver (claim, re-check, send, record), and one module per
channel (email). Tasks call `reminders_sweep`, `reminder_deliver` and `digest_deliver` and nothing else.
The names below are the package's public face (views, commands, tasks and tests import them from here).
"""

from __future__ import annotations

from django.utils import timezone

from appeals.services import ServiceError
from appeals.services.reminders.claim import (
    ReminderRetry,
    reminder_claim,
    reminders_claim_due,
    reminders_due_for_sending,
    retry_delay,
    sweep_key,
)
from appeals.services.reminders.deliver import (
    BatchResult,
    digest_deliver,
    reminder_deliver,
    reminder_retry,
    reminders_deliver_batch,
)
from appeals.services.reminders.email import ADVICE, reminder_context
from appeals.services.reminders.links import case_url
from appeals.services.reminders.preferences import (
    calendar_token_rotate,
    reminders_unsubscribe,
    unsubscribe_url,
    unsubscribe_user,
)
from appeals.services.reminders.rules import RULES, _Calendars, overtaken_by
from appeals.services.reminders.schedule import ReminderRecipient, _insert, _rows, send_after_for
from appeals.services.reminders.sweep import enqueue_safely, reminders_publish, reminders_sweep, reminders_sweep_soon

__all__ = [
    "BatchResult",
    "reminders_deliver_batch",
    "reminders_publish",
    "ADVICE",
    "RULES",
    "ReminderRecipient",
    "ReminderRetry",
    "ServiceError",
    "_Calendars",
    "_insert",
    "_rows",
    "calendar_token_rotate",
    "case_url",
    "digest_deliver",
    "enqueue_safely",
    "overtaken_by",
    "reminder_claim",
    "reminder_context",
    "reminder_deliver",
    "reminder_retry",
    "reminders_claim_due",
    "reminders_due_for_sending",
    "reminders_sweep",
    "reminders_sweep_soon",
    "reminders_unsubscribe",
    "retry_delay",
    "send_after_for",
    "sweep_key",
    "timezone",
    "unsubscribe_url",
    "unsubscribe_user",
]
