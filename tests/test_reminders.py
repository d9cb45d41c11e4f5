"""Reminder sweep: rules, recipients, working hours, exactly-once claims, retries and failures."""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from appeals.models import (
    AccountSubscription,
    Appeal,
    CaseStatus,
    Escalation,
    Reminder,
    SupportChannel,
    SupportTicket,
    TimelineEvent,
    TimelineVerb,
    Watch,
)
from appeals.services import reminders
from core.models import Role, User
from tests.broker import broker_switch
from tests.factories import AppealFactory, MembershipFactory, UserFactory, ViolationFactory

NY = ZoneInfo("America/New_York")
K = Reminder.Kind


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.fixture
def assignee(org):
    return MembershipFactory(organization=org, role=Role.MEMBER, user__email="assignee@acme.test").user


@pytest.fixture
def case(org, shop, assignee):
    return ViolationFactory(
        account=shop,
        reference="VR-2026-0001",
        assignee=assignee,
        enforced_at=ny(2026, 11, 2, 9, 0),
        appeal_by=ny(2026, 12, 2, 23, 59, 59),
        status=CaseStatus.UNDER_REVIEW,
    )


def _appeal(case, due_at: datetime) -> Appeal:
    return AppealFactory(
        violation=case, status=Appeal.Status.UNDER_REVIEW, submitted_at=due_at - timedelta(days=3), due_at=due_at
    )


def _kinds(**filters) -> list[tuple[str, str]]:
    return sorted(Reminder.objects.filter(**filters).values_list("kind", "recipient__email"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_down(settings):
    """The real SMTP backend pointed at a port nobody listens on: connection refused."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _closed_port(), "timeout": 2},
        }
    }
    return settings


# --- rules --------------------------------------------------------------------------------------------------------


def test_decision_due_tomorrow_today_and_overdue(case, assignee):
    _appeal(case, ny(2026, 11, 25, 14, 0))  # Wednesday; Thanksgiving follows
    with time_machine.travel(ny(2026, 11, 24, 8, 59), tick=False):  # before Tuesday's opening: nothing yet
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == []
    with time_machine.travel(ny(2026, 11, 24, 9, 5), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == [(K.DECISION_DUE_TOMORROW, "assignee@acme.test")]
    with time_machine.travel(ny(2026, 11, 25, 9, 1), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert (K.DECISION_DUE_TODAY, "assignee@acme.test") in _kinds()
    with time_machine.travel(ny(2026, 11, 26, 15, 0), tick=False):  # Thanksgiving: not yet 1 business day late
        reminders.reminders_sweep(enqueue=False)
    assert len(_kinds()) == 2
    with time_machine.travel(ny(2026, 11, 27, 14, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert (K.DECISION_OVERDUE, "assignee@acme.test") in _kinds()
    assert Reminder.objects.get(kind=K.DECISION_OVERDUE).deadline == ny(2026, 11, 25, 14, 0)


def test_decided_or_old_appeals_are_not_reminded(case):
    appeal = _appeal(case, ny(2026, 11, 25, 14, 0))
    Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.UPHELD, decided_at=ny(2026, 11, 24, 10, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == []
    # Far past the lookback: a deadline from months ago is not dug up.
    _appeal(ViolationFactory(account=case.account, status=CaseStatus.UNDER_REVIEW), ny(2026, 6, 1, 10, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == []


def test_window_closing_two_business_days_before(org, shop, assignee):
    # Window ends Friday Dec 4 (end of day): reminder from Wednesday Dec 2 opening.
    v = ViolationFactory(account=shop, assignee=assignee, appeal_by=ny(2026, 12, 4, 23, 59, 59))
    submitted = ViolationFactory(
        account=shop, assignee=assignee, appeal_by=ny(2026, 12, 4, 23, 59, 59), status=CaseStatus.UNDER_REVIEW
    )
    with time_machine.travel(ny(2026, 12, 1, 16, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == []
    with time_machine.travel(ny(2026, 12, 2, 9, 30), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == [(K.WINDOW_CLOSING, "assignee@acme.test")]
    assert Reminder.objects.get().violation == v
    assert not Reminder.objects.filter(violation=submitted).exists()


def test_window_closing_on_a_saturday_counts_business_days(org, shop, assignee):
    # Ends Saturday Dec 5: the last two business days are Thu 3 and Fri 4, so the reminder starts Wed 2.
    ViolationFactory(account=shop, assignee=assignee, appeal_by=ny(2026, 12, 5, 23, 59, 59), status=CaseStatus.DRAFT)
    with time_machine.travel(ny(2026, 12, 1, 18, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == []
    with time_machine.travel(ny(2026, 12, 2, 9, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == [(K.WINDOW_CLOSING, "assignee@acme.test")]


def _ticket(org, shop, owner, case, first_due, resolution_due, **extra) -> SupportTicket:
    return SupportTicket.objects.create(
        organization=org,
        account=shop,
        violation=case,
        channel=SupportChannel.SELLER_CENTER_TICKET,
        subject="Listing removed in error",
        platform_number="T-42",
        opened_at=first_due - timedelta(days=3),
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
        created_by=owner,
        **extra,
    )


def test_ticket_sla_at_risk_then_breached(org, shop, owner, case, assignee):
    _ticket(org, shop, owner, case, ny(2026, 12, 1, 11, 0), ny(2026, 12, 10, 11, 0))
    with time_machine.travel(ny(2026, 11, 30, 12, 30), tick=False):  # 6.5 business hours before: not yet
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == []
    with time_machine.travel(ny(2026, 11, 30, 16, 30), tick=False):  # 0:30 today + 2:00 tomorrow = at risk
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == [
        (K.TICKET_FIRST_RESPONSE_AT_RISK, "assignee@acme.test"),
        (K.TICKET_FIRST_RESPONSE_AT_RISK, "owner@acme.test"),
    ]
    with time_machine.travel(ny(2026, 12, 1, 11, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert _kinds(kind=K.TICKET_FIRST_RESPONSE_BREACHED) == [
        (K.TICKET_FIRST_RESPONSE_BREACHED, "assignee@acme.test"),
        (K.TICKET_FIRST_RESPONSE_BREACHED, "owner@acme.test"),
    ]


def test_answered_ticket_gets_no_first_response_reminder(org, shop, owner, case):
    _ticket(
        org, shop, owner, case, ny(2026, 12, 1, 11, 0), ny(2026, 12, 1, 16, 0), first_response_at=ny(2026, 12, 1, 9, 0)
    )
    with time_machine.travel(ny(2026, 12, 1, 12, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert {k for k, _ in _kinds()} == {K.TICKET_RESOLUTION_AT_RISK}


def test_escalation_unanswered_and_authorization_expiring(org, shop, case, owner, manager, assignee):
    Escalation.objects.create(
        violation=case,
        organization=org,
        to_team=Escalation.Team.PROGRAM_TEAM,
        escalated_at=ny(2026, 11, 20, 10, 0),
        answer_due_at=ny(2026, 11, 27, 10, 0),
    )
    shop.authorized = True
    shop.authorization_expires_on = date(2026, 12, 10)
    shop.save()
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):  # 15 days before expiry; escalation not due
        reminders.reminders_sweep(enqueue=False)
    assert _kinds() == []
    with time_machine.travel(ny(2026, 11, 27, 10, 30), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert _kinds(kind=K.ESCALATION_UNANSWERED) == [(K.ESCALATION_UNANSWERED, "assignee@acme.test")]
    # Authorization: the organization's leads (and account subscribers) hear about it.
    assert _kinds(kind=K.AUTHORIZATION_EXPIRING) == [
        (K.AUTHORIZATION_EXPIRING, "manager@acme.test"),
        (K.AUTHORIZATION_EXPIRING, "owner@acme.test"),
    ]
    assert Reminder.objects.get(kind=K.AUTHORIZATION_EXPIRING, recipient=owner).deadline == ny(2026, 12, 10, 23, 59, 59)


# --- recipients ---------------------------------------------------------------------------------------------------


def test_recipients_are_assignee_watchers_and_account_subscribers_who_are_members(
    org, other_org, shop, case, assignee, member, viewer, outsider
):
    Watch.objects.create(user=member, violation=case)
    Watch.objects.create(user=outsider, violation=case)  # not a member of this organization: never told
    AccountSubscription.objects.create(user=viewer, account=shop)
    unsubscribed = MembershipFactory(organization=org, user__email="quiet@acme.test", user__reminder_emails=False).user
    Watch.objects.create(user=unsubscribed, violation=case)
    _appeal(case, ny(2026, 11, 25, 14, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert [email for _, email in _kinds()] == ["assignee@acme.test", "member@acme.test", "viewer@acme.test"]


def test_nobody_following_falls_back_to_owners_and_managers(org, shop, owner, manager, member):
    v = ViolationFactory(account=shop, assignee=None, status=CaseStatus.UNDER_REVIEW)
    _appeal(v, ny(2026, 11, 25, 14, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert [email for _, email in _kinds()] == ["manager@acme.test", "owner@acme.test"]


# --- working hours ------------------------------------------------------------------------------------------------


def test_night_reminder_waits_for_the_recipients_morning(org, shop):
    tokyo = MembershipFactory(organization=org, user__email="tokyo@acme.test", user__timezone="Asia/Tokyo").user
    v = ViolationFactory(account=shop, assignee=tokyo, status=CaseStatus.UNDER_REVIEW)
    _appeal(v, ny(2026, 11, 25, 14, 0))
    # 10:00 Tuesday in New York is 00:00 Wednesday in Tokyo: wait for Tokyo's 09:00 (19:00 New York Tuesday).
    with time_machine.travel(ny(2026, 11, 24, 10, 0), tick=False):
        counts = reminders.reminders_sweep(enqueue=False)
    reminder = Reminder.objects.get()
    assert reminder.send_after == datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert counts["to_send"] == 0


def test_night_reminder_goes_now_when_the_deadline_would_pass_first(org, shop, assignee):
    v = ViolationFactory(account=shop, assignee=assignee, appeal_by=ny(2026, 11, 27, 23, 59, 59), status="draft")
    # Friday 20:00: the window closes at midnight, before Monday's opening. Send now.
    with time_machine.travel(ny(2026, 11, 27, 20, 0), tick=False):
        counts = reminders.reminders_sweep(enqueue=False)
    reminder = Reminder.objects.get(violation=v)
    assert reminder.send_after == ny(2026, 11, 27, 20, 0)
    assert counts["to_send"] == 1


def test_overdue_found_at_night_waits_for_morning(case, assignee):
    _appeal(case, ny(2026, 11, 23, 14, 0))
    with time_machine.travel(ny(2026, 11, 24, 22, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert Reminder.objects.get(kind=K.DECISION_OVERDUE).send_after == ny(2026, 11, 25, 9, 0)


def test_send_after_for_digest_user_is_the_next_digest_hour(org):
    user = UserFactory(email_mode=User.EmailMode.DIGEST, digest_hour=8, timezone="Europe/Paris")
    cal = org.business_calendar().with_timezone(user.timezone)
    paris = ZoneInfo("Europe/Paris")
    now = datetime(2026, 11, 24, 10, 0, tzinfo=paris)
    far = now + timedelta(days=5)
    assert reminders.send_after_for(user=user, calendar=cal, deadline=far, now=now) == datetime(
        2026, 11, 25, 8, 0, tzinfo=paris
    )
    early = datetime(2026, 11, 24, 6, 0, tzinfo=paris)
    assert reminders.send_after_for(user=user, calendar=cal, deadline=far, now=early) == datetime(
        2026, 11, 24, 8, 0, tzinfo=paris
    )
    # The deadline passes before the digest: now.
    assert reminders.send_after_for(user=user, calendar=cal, deadline=early + timedelta(hours=1), now=early) == early


# --- exactly once -------------------------------------------------------------------------------------------------


def test_two_sweeps_in_a_row_insert_once(case, assignee, member):
    Watch.objects.create(user=member, violation=case)
    _appeal(case, ny(2026, 11, 25, 14, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
        reminders.reminders_sweep(enqueue=False)
    with time_machine.travel(ny(2026, 11, 25, 10, 2), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert Reminder.objects.count() == 2


def test_concurrent_claims_one_wins_and_an_expired_lease_is_taken_over(case, assignee, settings):
    _appeal(case, ny(2026, 11, 25, 14, 0))
    now = ny(2026, 11, 25, 10, 0)
    with time_machine.travel(now, tick=False):
        reminders.reminders_sweep(enqueue=False)
    r = Reminder.objects.get()
    assert reminders.reminder_claim(reminder_id=r.pk, now=now) is True
    assert reminders.reminder_claim(reminder_id=r.pk, now=now + timedelta(seconds=1)) is False
    later = now + timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS + 1)
    # The first worker died: after the lease the sweep lists the row again and one claim wins.
    with time_machine.travel(later, tick=False):
        assert reminders.reminders_due_for_sending(later)[0] == [r.pk]
    assert reminders.reminder_claim(reminder_id=r.pk, now=later) is True
    assert reminders.reminder_claim(reminder_id=r.pk, now=later) is False


def test_deliver_sends_once_with_message_id_timeline_and_unsubscribe(case, assignee, mailoutbox):
    _appeal(case, ny(2026, 11, 25, 14, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
        r = Reminder.objects.get()
        assert reminders.reminder_deliver(reminder_id=r.pk) == "sent"
        assert reminders.reminder_deliver(reminder_id=r.pk) == "skipped"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["assignee@acme.test"]
    assert message.extra_headers["Message-ID"] == f"<reminder-{r.pk}@appealdesk>"
    assert "VR-2026-0001" in message.subject and "Decision due today" in message.subject
    assert "Acme US Shop" in message.body and "Wed Nov 25, 2026 14:00 (America/New_York)" in message.body
    assert f"/violations/{case.pk}/" in message.body
    html = message.alternatives[0].content
    assert "<time datetime=" in html and "VR-2026-0001" in html
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert "/unsubscribe/" in unsubscribe and unsubscribe in message.body
    r.refresh_from_db()
    assert (r.status, r.attempts) == (Reminder.Status.SENT, 1)
    event = TimelineEvent.objects.get(violation=case, verb=TimelineVerb.REMINDER_SENT)
    assert event.data["kind"] == K.DECISION_DUE_TODAY


def test_deadline_shown_in_the_recipients_timezone(case, assignee, mailoutbox):
    User.objects.filter(pk=assignee.pk).update(timezone="Europe/London")
    _appeal(case, ny(2026, 11, 25, 14, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
        reminders.reminder_deliver(reminder_id=Reminder.objects.get().pk)
    assert "Wed Nov 25, 2026 19:00 (Europe/London)" in mailoutbox[0].body


def test_smtp_failure_is_retried_then_sent(case, assignee, smtp_down, mailoutbox):
    _appeal(case, ny(2026, 11, 25, 14, 0))
    now = ny(2026, 11, 25, 10, 0)
    with time_machine.travel(now, tick=False):
        reminders.reminders_sweep(enqueue=False)
        r = Reminder.objects.get()
        with pytest.raises(reminders.ReminderRetry) as retry:
            reminders.reminder_deliver(reminder_id=r.pk)
    r.refresh_from_db()
    assert (r.status, r.attempts, r.claimed_at) == (Reminder.Status.PENDING, 1, None)
    assert "Connection" in r.last_error or "refused" in r.last_error.lower()
    assert retry.value.retry_in == smtp_down.REMINDER_RETRY_BASE_SECONDS <= 600
    assert r.send_after == now + timedelta(seconds=retry.value.retry_in)
    with time_machine.travel(now + timedelta(seconds=1), tick=False):
        assert reminders.reminders_due_for_sending(now + timedelta(seconds=1))[0] == []  # backing off
    smtp_down.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with time_machine.travel(now + timedelta(seconds=retry.value.retry_in), tick=False):
        assert reminders.reminder_deliver(reminder_id=r.pk) == "sent"
    r.refresh_from_db()
    assert (r.status, r.attempts, r.last_error) == (Reminder.Status.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_last_attempt_marks_failed_and_managers_see_it(case, assignee, smtp_down, manager_client):
    smtp_down.REMINDER_MAX_ATTEMPTS = 3
    _appeal(case, ny(2026, 11, 25, 14, 0))
    now = ny(2026, 11, 25, 10, 0)
    with time_machine.travel(now, tick=False):
        reminders.reminders_sweep(enqueue=False)
    r = Reminder.objects.get()
    delays = []
    for attempt in range(3):
        with time_machine.travel(now + timedelta(hours=attempt), tick=False):
            try:
                outcome = reminders.reminder_deliver(reminder_id=r.pk)
            except reminders.ReminderRetry as exc:
                delays.append(exc.retry_in)
                outcome = "retry"
    assert delays == [60, 120] and outcome == "failed"
    r.refresh_from_db()
    assert (r.status, r.attempts) == (Reminder.Status.FAILED, 3)
    page = manager_client.get("/reminders/failed/")
    assert page.status_code == 200
    assert "VR-2026-0001" in page.content.decode() and "3 attempts" in page.content.decode()


def test_unsubscribed_after_the_row_was_made_is_skipped(case, assignee, mailoutbox):
    _appeal(case, ny(2026, 11, 25, 14, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
        reminders.reminders_unsubscribe(user=assignee)
        assert reminders.reminder_deliver(reminder_id=Reminder.objects.get().pk) == "unsubscribed"
    assert mailoutbox == []
    assert Reminder.objects.get().status == Reminder.Status.SKIPPED


def test_reminder_no_longer_true_is_not_sent(case, assignee, mailoutbox):
    appeal = _appeal(case, ny(2026, 11, 25, 14, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
        Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.REVERSED, decided_at=ny(2026, 11, 25, 9, 30))
        assert reminders.reminder_deliver(reminder_id=Reminder.objects.get().pk) == "not_due"
    assert mailoutbox == []


def test_digest_users_get_one_email_per_day(org, shop, mailoutbox):
    digest = MembershipFactory(
        organization=org, user__email="digest@acme.test", user__email_mode=User.EmailMode.DIGEST
    ).user
    for n in range(3):
        v = ViolationFactory(account=shop, assignee=digest, reference=f"VR-D{n}", status=CaseStatus.UNDER_REVIEW)
        _appeal(v, ny(2026, 11, 30, 14, 0))
    with time_machine.travel(ny(2026, 11, 27, 10, 0), tick=False):  # Friday: due Monday = tomorrow (business)
        reminders.reminders_sweep(enqueue=False)
    assert Reminder.objects.filter(send_after=ny(2026, 11, 28, 8, 0)).count() == 3
    with time_machine.travel(ny(2026, 11, 28, 8, 1), tick=False):
        counts = reminders.reminders_sweep(enqueue=False)
        assert counts["digests"] == 1 and counts["to_send"] == 0
        assert reminders.digest_deliver(user_id=digest.pk) == "sent"
        assert reminders.digest_deliver(user_id=digest.pk) == "skipped"
    assert len(mailoutbox) == 1
    assert all(ref in mailoutbox[0].body for ref in ("VR-D0", "VR-D1", "VR-D2"))
    assert "(3)" in mailoutbox[0].subject
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 3
    assert TimelineEvent.objects.filter(verb=TimelineVerb.REMINDER_SENT).count() == 3


def test_sweep_enqueues_after_commit(case, assignee, django_capture_on_commit_callbacks, settings):
    from core.celery import app

    _appeal(case, ny(2026, 11, 25, 14, 0))
    app.conf.task_always_eager = True
    try:
        with (
            time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False),
            django_capture_on_commit_callbacks(execute=False) as callbacks,
        ):
            counts = reminders.reminders_sweep()
        assert counts["to_send"] == 1 and len(callbacks) == 1
        assert Reminder.objects.get().status == Reminder.Status.PENDING  # nothing ran before commit
        with time_machine.travel(ny(2026, 11, 25, 10, 0, 1), tick=False):
            callbacks[0]()  # the commit happens: the eager worker sends it
        assert Reminder.objects.get().status == Reminder.Status.SENT
        assert len(mail.outbox) == 1
    finally:
        app.conf.task_always_eager = False


def test_enqueue_with_the_broker_down_is_quick_and_harmless(settings):
    import time

    from appeals import tasks
    from core.celery import app

    saved = app.conf.broker_url
    broker_switch(app, f"redis://127.0.0.1:{_closed_port()}/0")
    try:
        started = time.monotonic()
        assert reminders.enqueue_safely(tasks.reminder_send, 1) is False
        assert time.monotonic() - started < 3
    finally:
        broker_switch(app, saved)


def test_manager_retry_of_a_failed_reminder(case, assignee, org, django_capture_on_commit_callbacks):
    _appeal(case, ny(2026, 11, 25, 14, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    r = Reminder.objects.get()
    with pytest.raises(reminders.ServiceError):
        reminders.reminder_retry(reminder_id=r.pk, organization=org)
    Reminder.objects.filter(pk=r.pk).update(status=Reminder.Status.FAILED, attempts=12, last_error="boom")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders.reminder_retry(reminder_id=r.pk, organization=org)
    r.refresh_from_db()
    assert (r.status, r.attempts) == (Reminder.Status.PENDING, 0)
    assert len(callbacks) == 1


def test_run_reminders_command_inline(case, assignee, mailoutbox):
    from io import StringIO

    from django.core.management import call_command

    _appeal(case, ny(2026, 11, 25, 14, 0))
    out = StringIO()
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=True):
        call_command("run_reminders", "--inline", stdout=out)
        call_command("run_reminders", "--inline", stdout=out)
    assert "inline_sent=1" in out.getvalue()
    assert len(mailoutbox) == 1


def test_retry_delay_is_capped_below_the_visibility_timeout(settings):
    assert [reminders.retry_delay(n) for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]
    assert all(
        reminders.retry_delay(n) <= settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
        for n in range(1, 30)
    )


def test_two_sweeps_at_once_insert_once(case, assignee, member):
    """Sweep A computed its rows before sweep B inserted them: A's insert hits the unique key and is ignored."""
    Watch.objects.create(user=member, violation=case)
    _appeal(case, ny(2026, 11, 25, 14, 0))
    now = ny(2026, 11, 25, 10, 0)
    cals = reminders._Calendars()
    dues = [d for rule in reminders.RULES for d in rule(now, cals)]
    rows_of_a = reminders._rows(dues, now, cals)
    with time_machine.travel(now, tick=False):
        reminders.reminders_sweep(enqueue=False)  # sweep B
    assert reminders._insert(rows_of_a) == 2  # attempted, and ignored
    assert Reminder.objects.count() == 2


# --- the sweep claims, the task takes over ---------------------------------------------------------------------


def test_sweep_claims_due_rows_and_the_task_presenting_the_claim_sends_once(
    case, assignee, mailoutbox, django_capture_on_commit_callbacks
):
    _appeal(case, ny(2026, 11, 25, 14, 0))
    now = ny(2026, 11, 25, 10, 0)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=False):
        counts = reminders.reminders_sweep()
    r = Reminder.objects.get()
    assert counts["to_send"] == 1 and r.claimed_at == now
    later = now + timedelta(seconds=30)
    # Nobody else can take the row while the sweep's claim holds: not a second sweep, not a worker without it.
    assert reminders.reminders_claim_due(later) == ([], [])
    assert reminders.reminder_deliver(reminder_id=r.pk, now=later) == "skipped"
    assert reminders.reminder_deliver(reminder_id=r.pk, now=later, token=now) == "sent"
    # The same message delivered again (a broker redelivery) finds the row taken over.
    assert reminders.reminder_deliver(reminder_id=r.pk, now=later + timedelta(seconds=1), token=now) == "skipped"
    assert len(mailoutbox) == 1


def test_a_claim_whose_task_never_ran_is_claimed_again_after_the_lease(case, assignee, settings):
    _appeal(case, ny(2026, 11, 25, 14, 0))
    now = ny(2026, 11, 25, 10, 0)
    with time_machine.travel(now, tick=False):
        reminders.reminders_sweep(enqueue=False)
    r = Reminder.objects.get()
    assert reminders.reminders_claim_due(now) == ([r.pk], [])
    assert reminders.reminders_claim_due(now + timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS - 1)) == (
        [],
        [],
    )
    after_lease = now + timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS + 1)
    assert reminders.reminders_claim_due(after_lease) == ([r.pk], [])
    # The first sweep's task arrives late: its claim is no longer the row's, so it sends nothing.
    assert reminders.reminder_deliver(reminder_id=r.pk, now=after_lease, token=now) == "skipped"
    assert reminders.reminder_deliver(reminder_id=r.pk, now=after_lease, token=after_lease) == "sent"


def test_digest_task_presenting_the_sweeps_claim_sends_one_email(org, shop, mailoutbox):
    digest = MembershipFactory(
        organization=org, user__email="digest@acme.test", user__email_mode=User.EmailMode.DIGEST
    ).user
    for n in range(2):
        v = ViolationFactory(account=shop, assignee=digest, reference=f"VR-T{n}", status=CaseStatus.UNDER_REVIEW)
        _appeal(v, ny(2026, 11, 30, 14, 0))
    with time_machine.travel(ny(2026, 11, 27, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    now = ny(2026, 11, 28, 8, 1)
    assert reminders.reminders_claim_due(now) == ([], [digest.pk])
    assert Reminder.objects.filter(claimed_at=now).count() == 2
    later = now + timedelta(seconds=5)
    assert reminders.digest_deliver(user_id=digest.pk, now=later) == "skipped"
    assert reminders.digest_deliver(user_id=digest.pk, now=later, token=now) == "sent"
    assert reminders.digest_deliver(user_id=digest.pk, now=later, token=now) == "skipped"
    assert len(mailoutbox) == 1 and "VR-T0" in mailoutbox[0].body and "VR-T1" in mailoutbox[0].body


def test_broker_down_releases_the_sweeps_claims_at_once(case, assignee, django_capture_on_commit_callbacks):
    from core.celery import app

    _appeal(case, ny(2026, 11, 25, 14, 0))
    saved = app.conf.broker_url
    broker_switch(app, f"redis://127.0.0.1:{_closed_port()}/0")
    try:
        with (
            time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert reminders.reminders_sweep()["to_send"] == 1
    finally:
        broker_switch(app, saved)
    r = Reminder.objects.get()
    assert (r.status, r.claimed_at) == (Reminder.Status.PENDING, None)
    # So the next sweep, two minutes later, publishes it again instead of waiting out the lease.
    assert reminders.reminders_claim_due(ny(2026, 11, 25, 10, 2)) == ([r.pk], [])
