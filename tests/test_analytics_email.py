"""Weekly summary email: opt-in managers only, Monday morning in their timezone, once per ISO week."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from appeals.models import Appeal, Reminder
from appeals.services.analytics_email import weekly_summaries_send
from core.models import Role
from tests.factories import AppealFactory, MembershipFactory, ViolationFactory

NY = ZoneInfo("America/New_York")
# Monday 16 November 2026, 09:00 in New York.
MONDAY_9 = datetime(2026, 11, 16, 9, 0, tzinfo=NY)


@pytest.fixture
def opted_in(manager, owner, member):
    for user in (manager, owner, member):
        user.weekly_summary = True
        user.save()
    return manager


@pytest.fixture
def last_week(org, shop):
    for status in [Appeal.Status.REVERSED, Appeal.Status.PARTIALLY_REVERSED, Appeal.Status.UPHELD]:
        v = ViolationFactory(account=shop, enforced_at=datetime(2026, 11, 1, tzinfo=NY))
        AppealFactory(
            violation=v,
            status=status,
            submitted_at=datetime(2026, 11, 9, 10, tzinfo=NY),
            decided_at=datetime(2026, 11, 12, 10, tzinfo=NY),
        )
    late = ViolationFactory(account=shop, enforced_at=datetime(2026, 11, 1, tzinfo=NY), reference="LATE-9")
    AppealFactory(
        violation=late,
        status=Appeal.Status.UNDER_REVIEW,
        submitted_at=datetime(2026, 11, 9, 10, tzinfo=NY),
        due_at=datetime(2026, 11, 12, 10, tzinfo=NY),
    )


def test_sends_to_opted_in_managers_and_owners_only(opted_in, owner, member, viewer, last_week):
    result = weekly_summaries_send(now=MONDAY_9)
    assert result["sent"] == 2
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["manager@acme.test", "owner@acme.test"]
    message = mail.outbox[0]
    assert "3 decisions" in message.subject and "1 overdue" in message.subject
    assert "1 reversed, 1 partially reversed, 1 upheld" in message.body
    assert "too few to judge" in message.body
    assert "LATE-9" in message.body
    assert "date_from=2026-11-09&date_to=2026-11-15" in message.body
    html = message.alternatives[0][0]
    assert "LATE-9" in html


def test_not_opted_in_gets_nothing(manager, last_week):
    assert weekly_summaries_send(now=MONDAY_9)["sent"] == 0
    assert mail.outbox == []


def test_once_per_iso_week(opted_in):
    weekly_summaries_send(now=MONDAY_9)
    weekly_summaries_send(now=MONDAY_9 + timedelta(hours=1))
    weekly_summaries_send(now=MONDAY_9 + timedelta(hours=5))
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(kind=Reminder.Kind.WEEKLY_SUMMARY, status=Reminder.Status.SENT).count() == 2
    weekly_summaries_send(now=MONDAY_9 + timedelta(days=7))
    assert len(mail.outbox) == 4


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 16, 7, 59, tzinfo=NY),  # Monday, too early
        datetime(2026, 11, 17, 9, 0, tzinfo=NY),  # Tuesday
        datetime(2026, 11, 15, 9, 0, tzinfo=NY),  # Sunday
    ],
)
def test_only_monday_morning_in_the_users_timezone(opted_in, moment):
    assert weekly_summaries_send(now=moment)["sent"] == 0


def test_users_own_timezone_decides(org):
    tokyo = MembershipFactory(organization=org, role=Role.MANAGER, user__timezone="Asia/Tokyo").user
    tokyo.weekly_summary = True
    tokyo.save()
    # Sunday 20:00 in New York is Monday 10:00 in Tokyo.
    assert weekly_summaries_send(now=datetime(2026, 11, 16, 1, 0, tzinfo=UTC))["sent"] == 1
    assert mail.outbox[0].to == [tokyo.email]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_smtp_failure_is_retried_by_the_next_run(opted_in, settings):
    # The real SMTP backend pointed at a port nobody listens on: connection refused.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _closed_port(), "timeout": 2},
        }
    }
    first = weekly_summaries_send(now=MONDAY_9)
    assert first == {"sent": 0, "failed": 2, "skipped": 0}
    failed = Reminder.objects.filter(kind=Reminder.Kind.WEEKLY_SUMMARY)
    assert [(r.attempts, r.status, r.claimed_at) for r in failed] == [(1, Reminder.Status.PENDING, None)] * 2
    assert failed[0].last_error
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    second = weekly_summaries_send(now=MONDAY_9 + timedelta(hours=1))
    assert second["sent"] == 2
    assert len(mail.outbox) == 2
