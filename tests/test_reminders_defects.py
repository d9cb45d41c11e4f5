"""The storm test's defects (issue 20): stale chain reminders, claims of redelivered tasks, the send/record gap."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from appeals.models import Appeal, CaseStatus, Reminder, SupportChannel, SupportTicket
from appeals.services import reminders
from core.models import Role
from tests.factories import AppealFactory, MembershipFactory, ViolationFactory

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
        appeal_by=ny(2026, 12, 2, 23, 59, 59),
        status=CaseStatus.UNDER_REVIEW,
    )


def _appeal(case, due_at: datetime) -> Appeal:
    return AppealFactory(
        violation=case, status=Appeal.Status.UNDER_REVIEW, submitted_at=due_at - timedelta(days=3), due_at=due_at
    )


# --- 1. a reminder that a later one of its chain has overtaken is dropped ------------------------------------------


def test_due_tomorrow_made_at_night_is_dropped_once_due_today_has_come(case, assignee, mailoutbox):
    """Due Wednesday 11:00 New York; a sweep at 02:30 makes "due in 1 business day" for 09:00, the 09:00 sweep
    makes "due today". Only "due today" goes out."""
    _appeal(case, ny(2026, 11, 25, 11, 0))
    with time_machine.travel(ny(2026, 11, 25, 2, 30), tick=False):
        reminders.reminders_sweep(enqueue=False)
    tomorrow = Reminder.objects.get(kind=K.DECISION_DUE_TOMORROW)
    assert tomorrow.send_after == ny(2026, 11, 25, 9, 0)
    with time_machine.travel(ny(2026, 11, 25, 9, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
        assert reminders.reminder_deliver(reminder_id=tomorrow.pk) == "not_due"
        today = Reminder.objects.get(kind=K.DECISION_DUE_TODAY)
        assert reminders.reminder_deliver(reminder_id=today.pk) == "sent"
    assert [m.subject for m in mailoutbox] == [mailoutbox[0].subject] and "today" in mailoutbox[0].subject
    tomorrow.refresh_from_db()
    assert tomorrow.status == Reminder.Status.SKIPPED and "Decision due today" in tomorrow.last_error


@pytest.mark.parametrize(
    ("kind", "when", "overtaken"),
    [
        # Due Wednesday 25 Nov 14:00 NY; Thursday is Thanksgiving, so overdue from Friday 14:00.
        (K.DECISION_DUE_TOMORROW, ny(2026, 11, 24, 16, 0), False),
        (K.DECISION_DUE_TOMORROW, ny(2026, 11, 25, 8, 59), False),
        (K.DECISION_DUE_TOMORROW, ny(2026, 11, 25, 9, 0), True),
        (K.DECISION_DUE_TODAY, ny(2026, 11, 25, 13, 0), False),
        (K.DECISION_DUE_TODAY, ny(2026, 11, 26, 15, 0), False),  # late, but not yet a business day late
        (K.DECISION_DUE_TODAY, ny(2026, 11, 27, 14, 0), True),
        (K.DECISION_OVERDUE, ny(2026, 12, 1, 9, 0), False),
    ],
)
def test_decision_chain_overtaken_table(org, kind, when, overtaken):
    cal = org.business_calendar()
    later = reminders.overtaken_by(kind=kind, deadline=ny(2026, 11, 25, 14, 0), now=when, calendar=cal)
    assert (later is not None) is overtaken


@pytest.mark.parametrize(
    ("kind", "minutes_past_deadline", "overtaken"),
    [
        (K.TICKET_FIRST_RESPONSE_AT_RISK, -1, False),
        (K.TICKET_FIRST_RESPONSE_AT_RISK, 0, True),
        (K.TICKET_RESOLUTION_AT_RISK, 5, True),
        (K.TICKET_RESOLUTION_BREACHED, 500, False),
        (K.WINDOW_CLOSING, 5, False),
        (K.ESCALATION_UNANSWERED, 5, False),
    ],
)
def test_ticket_at_risk_is_overtaken_by_breached(org, kind, minutes_past_deadline, overtaken):
    deadline = ny(2026, 11, 24, 12, 0)
    now = deadline + timedelta(minutes=minutes_past_deadline)
    later = reminders.overtaken_by(kind=kind, deadline=deadline, now=now, calendar=org.business_calendar())
    assert (later is not None) is overtaken


def test_at_risk_left_over_from_a_down_worker_is_not_sent_after_the_breach(org, shop, owner, case, mailoutbox):
    SupportTicket.objects.create(
        organization=org,
        account=shop,
        violation=case,
        created_by=owner,
        channel=SupportChannel.SELLER_CENTER_TICKET,
        subject="Listing removed",
        first_response_due_at=ny(2026, 11, 24, 12, 0),
        resolution_due_at=ny(2026, 11, 30, 12, 0),
    )
    with time_machine.travel(ny(2026, 11, 24, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    at_risk = Reminder.objects.filter(kind=K.TICKET_FIRST_RESPONSE_AT_RISK).first()
    assert at_risk is not None
    with time_machine.travel(ny(2026, 11, 24, 12, 30), tick=False):
        assert reminders.reminder_deliver(reminder_id=at_risk.pk) == "not_due"
    assert mailoutbox == []


# --- 2. the claim is keyed by the task's delivery ----------------------------------------------------------------


def test_a_redelivered_task_takes_its_own_claim_over_at_once_and_another_task_cannot(case, assignee, mailoutbox):
    """The worker took the row over from the sweep and was killed (or its database connection was cut) before
    sending: Celery redelivers the same task (same id), which must not wait out the 300 s lease."""
    _appeal(case, ny(2026, 11, 25, 14, 0))
    now = ny(2026, 11, 25, 10, 0)
    with time_machine.travel(now, tick=False):
        reminders.reminders_sweep(enqueue=False)
    r = Reminder.objects.get()
    assert reminders.reminders_claim_due(now) == ([r.pk], [])
    claim = reminders.sweep_key(now)
    # Task A takes the row over from the sweep, then dies before sending.
    taken = now + timedelta(seconds=1)
    assert reminders.reminder_claim(reminder_id=r.pk, now=taken, token=claim, delivery="task-A") is True
    r.refresh_from_db()
    assert r.claim_key == "task-A"
    soon = taken + timedelta(seconds=5)
    with time_machine.travel(soon, tick=False):
        # Another task carrying the same sweep's claim (or none) cannot take it while the lease holds.
        assert reminders.reminder_deliver(reminder_id=r.pk, now=soon, token=claim, delivery="task-B") == "skipped"
        assert reminders.reminder_deliver(reminder_id=r.pk, now=soon) == "skipped"
        # Task A redelivered: the same delivery key takes the claim over at once.
        assert reminders.reminder_deliver(reminder_id=r.pk, now=soon, token=claim, delivery="task-A") == "sent"
        assert reminders.reminder_deliver(reminder_id=r.pk, now=soon, token=claim, delivery="task-A") == "skipped"
    assert len(mailoutbox) == 1


def test_the_celery_task_keys_its_claim_by_its_own_id(case, assignee, mailoutbox):
    from appeals import tasks

    _appeal(case, ny(2026, 11, 25, 14, 0))
    now = ny(2026, 11, 25, 10, 0)
    with time_machine.travel(now, tick=False):
        reminders.reminders_sweep(enqueue=False)
        r = Reminder.objects.get()
        reminders.reminders_claim_due(now)
        # A previous run of task "t-1" took the row over and died (kill -9, or a database error).
        Reminder.objects.filter(pk=r.pk).update(claim_key="t-1")
        assert tasks.reminder_send.apply(args=(r.pk, reminders.sweep_key(now)), task_id="t-2").get() == "skipped"
        assert tasks.reminder_send.apply(args=(r.pk, reminders.sweep_key(now)), task_id="t-1").get() == "sent"
    assert len(mailoutbox) == 1


# --- 3. the gap between the mail server accepting and the database recording -------------------------------------


class _QuitWatcher:
    """aiosmtpd handler: accepts every message; at QUIT, reads the reminder's status from the database."""

    def __init__(self, reminder_id: int) -> None:
        self.reminder_id = reminder_id
        self.message_ids: list[str] = []
        self.status_at_quit: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        import asyncio

        def read() -> str:
            from django.db import connection

            try:
                return Reminder.objects.get(pk=self.reminder_id).status
            finally:
                connection.close()

        self.status_at_quit.append(await asyncio.get_running_loop().run_in_executor(None, read))
        return "221 Bye"


@pytest.mark.django_db(transaction=True)
def test_the_send_is_recorded_before_the_mail_server_connection_is_closed(org, shop, settings):
    """Only one UPDATE lies between the server's "250" and the record: QUIT (which a slow server can hang on)
    comes after it, and the message keeps the row's Message-ID."""
    import socket as socket_module

    from aiosmtpd.controller import Controller

    person = MembershipFactory(organization=org, role=Role.MEMBER, user__email="gap@acme.test").user
    case = ViolationFactory(account=shop, assignee=person, status=CaseStatus.UNDER_REVIEW)
    _appeal(case, ny(2026, 11, 25, 14, 0))
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    r = Reminder.objects.get()
    with socket_module.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = _QuitWatcher(r.pk)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        with time_machine.travel(ny(2026, 11, 25, 10, 0, 5), tick=False):
            assert reminders.reminder_deliver(reminder_id=r.pk) == "sent"
    finally:
        controller.stop()
    assert handler.message_ids == [f"<reminder-{r.pk}@appealdesk>"]
    assert handler.status_at_quit == [Reminder.Status.SENT]


# --- 4. tasks published in batches ---------------------------------------------------------------------------------


def _many_due(org, shop, person, count: int) -> None:
    for n in range(count):
        v = ViolationFactory(account=shop, assignee=person, reference=f"VR-B{n}", status=CaseStatus.UNDER_REVIEW)
        _appeal(v, ny(2026, 11, 25, 14, 0))


def test_the_sweep_publishes_one_task_per_batch_and_each_row_is_sent_once(
    org, shop, assignee, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from core.celery import app

    settings.REMINDER_BATCH_SIZE = 4
    _many_due(org, shop, assignee, 10)
    app.conf.task_always_eager = True
    try:
        with (
            time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False),
            django_capture_on_commit_callbacks(execute=False) as callbacks,
        ):
            assert reminders.reminders_sweep()["to_send"] == 10
        with time_machine.travel(ny(2026, 11, 25, 10, 0, 1), tick=False):
            published = [callback() for callback in callbacks]
    finally:
        app.conf.task_always_eager = False
    assert published == [3]  # 10 rows in batches of 4 (and no destination deliveries)
    assert len(mailoutbox) == 10 and len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 10
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 10


def test_a_redelivered_batch_resumes_where_it_stopped(org, shop, assignee, mailoutbox):
    from appeals import tasks

    _many_due(org, shop, assignee, 3)
    now = ny(2026, 11, 25, 10, 0)
    with time_machine.travel(now, tick=False):
        reminders.reminders_sweep(enqueue=False)
        ids, _ = reminders.reminders_claim_due(now)
        claim = reminders.sweep_key(now)
        # The first delivery of batch "b-1" sent one row and had taken the second over when its worker died.
        assert reminders.reminder_deliver(reminder_id=ids[0], token=claim, delivery="b-1") == "sent"
        assert reminders.reminder_claim(reminder_id=ids[1], now=now, token=claim, delivery="b-1")
        outcomes = tasks.reminders_send_batch.apply(args=(ids, [], claim), task_id="b-1").get()
    assert outcomes == {"skipped": 1, "sent": 2}
    assert len(mailoutbox) == 3
