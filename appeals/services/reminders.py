"""Reminder sweep and delivery: every deadline reminded exactly once, to the right people, in their hours.

The sweep (Celery beat, or `manage.py run_reminders`):
1. For each rule, selects the deadlines entering its window with indexed range queries (bounded lookback).
2. Inserts one Reminder row per recipient, ignoring conflicts on the unique key (two sweeps insert once).
3. After commit, enqueues a send task for each pending row whose `send_after` has come and whose claim is free
   or expired (a killed worker's row is picked up again here).

Delivery claims a row with a conditional UPDATE (exactly one worker wins), sends, marks it sent. SMTP errors
release the claim with a backoff; after the last attempt the row is marked failed and listed for managers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from appeals.models import (
    Account,
    AccountSubscription,
    Appeal,
    CaseStatus,
    Escalation,
    Reminder,
    SupportTicket,
    TimelineVerb,
    Violation,
    Watch,
)
from appeals.services import ServiceError
from appeals.services.timeline import timeline_record
from core.calendar import BusinessCalendar, _aware
from core.emails import email_send
from core.models import ClosedDate, Membership, Organization, Role, User

log = logging.getLogger(__name__)

K = Reminder.Kind
# How far back a sweep looks for deadlines it may have missed (worker down over a long weekend).
LOOKBACK = timedelta(days=10)
# How far ahead: the longest gap between a reminder moment and its deadline (2 business days over holidays).
LOOKAHEAD = timedelta(days=10)
TICKET_AT_RISK_BUSINESS_HOURS = 4
UNSUBSCRIBE_SALT = "appeals.reminders.unsubscribe"
OPEN_CASE_STATUSES = (CaseStatus.NOT_APPEALED, CaseStatus.DRAFT)

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


class ReminderRetry(Exception):
    """Delivery failed; try again in `retry_in` seconds (the row is pending and unclaimed)."""

    def __init__(self, message: str, *, retry_in: int) -> None:
        super().__init__(message)
        self.retry_in = retry_in


@dataclass(frozen=True)
class _Due:
    """One deadline whose reminder moment has come."""

    kind: str
    subject_key: str
    organization_id: int
    deadline: datetime
    recipients_of: tuple[str, int]  # ("case", violation_id) / ("ticket", ticket_id) / ("account", account_id)
    violation_id: int | None = None
    appeal_id: int | None = None
    ticket_id: int | None = None
    escalation_id: int | None = None
    account_id: int | None = None


# --- settings -------------------------------------------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)


def retry_delay(attempts: int) -> int:
    """Backoff after the n-th failed attempt; capped far below the broker's visibility timeout."""
    return int(min(settings.REMINDER_RETRY_MAX_SECONDS, settings.REMINDER_RETRY_BASE_SECONDS * 2 ** (attempts - 1)))


# --- step 1: rules --------------------------------------------------------------------------------------------------


class _Calendars:
    """Organization calendars (and their copies in recipients' timezones), loaded once per sweep.

    Read as plain values, not Organization instances: a sweep touching a thousand organizations spent
    more time building model objects and prefetching than in its own queries.
    """

    _FIELDS = (
        "id",
        "timezone",
        "holiday_country",
        "holiday_subdivision",
        "working_days",
        "opens_at",
        "closes_at",
        "authorization_notice_days",
    )

    def __init__(self) -> None:
        self._notice_days: dict[int, int] = {}
        self._cals: dict[tuple[int, str | None], BusinessCalendar] = {}
        # Organizations with the same settings share one calendar object, and so its memo of days.
        self._interned: dict[BusinessCalendar, BusinessCalendar] = {}

    def _intern(self, calendar: BusinessCalendar) -> BusinessCalendar:
        return self._interned.setdefault(calendar, calendar)

    def load(self, organization_ids: Iterable[int]) -> None:
        missing = set(organization_ids) - self._notice_days.keys()
        if not missing:
            return
        closed: dict[int, set[date]] = defaultdict(set)
        for org_id, day in ClosedDate.objects.filter(organization_id__any=missing).values_list(
            "organization_id", "date"
        ):
            closed[org_id].add(day)
        for org_id, tz, country, subdivision, working_days, opens_at, closes_at, notice_days in (
            Organization.objects.filter(pk__any=missing).values_list(*self._FIELDS).order_by()
        ):
            self._notice_days[org_id] = notice_days
            self._cals[(org_id, None)] = self._intern(
                BusinessCalendar(
                    timezone=tz,
                    country=country,
                    subdivision=subdivision or None,
                    working_days=tuple(working_days),
                    opens_at=opens_at,
                    closes_at=closes_at,
                    closed_dates=frozenset(closed[org_id]),
                )
            )

    def authorization_notice_days(self, organization_id: int) -> int:
        self.load([organization_id])
        return self._notice_days[organization_id]

    def get(self, organization_id: int, tz: str | None = None) -> BusinessCalendar:
        key = (organization_id, tz)
        if key not in self._cals:
            if tz is None:
                self.load([organization_id])
            else:
                self._cals[key] = self._intern(self.get(organization_id).with_timezone(tz))
        return self._cals[key]


def _last_business_day_on_or_before(cal: BusinessCalendar, day: date) -> date:
    return day if cal.is_business_day(day) else cal.previous_business_day(day)


def _decision_rules(now: datetime, cals: _Calendars) -> list[_Due]:
    rows = list(
        # Partial index appeal_due_under_review (due_at WHERE status = under_review).
        Appeal.objects.filter(
            status=Appeal.Status.UNDER_REVIEW, due_at__gte=now - LOOKBACK, due_at__lte=now + LOOKAHEAD
        )
        .values_list("id", "organization_id", "violation_id", "due_at")
        .order_by()
    )
    cals.load(r[1] for r in rows)
    due: list[_Due] = []
    for appeal_id, org_id, violation_id, due_at in rows:
        cal = cals.get(org_id)
        due_day = cal.local(due_at).date()
        today_opens = cal.opening_of(due_day)
        common = {
            "subject_key": f"appeal:{appeal_id}",
            "organization_id": org_id,
            "deadline": due_at,
            "recipients_of": ("case", violation_id),
            "violation_id": violation_id,
            "appeal_id": appeal_id,
        }
        if now < due_at:
            day_before = cal.opening_of(cal.previous_business_day(due_day))
            if day_before <= now < today_opens:
                due.append(_Due(kind=K.DECISION_DUE_TOMORROW, **common))
            elif today_opens <= now:
                due.append(_Due(kind=K.DECISION_DUE_TODAY, **common))
        elif cal.add_business_days(due_at, 1) <= now:
            due.append(_Due(kind=K.DECISION_OVERDUE, **common))
    return due


def _window_rules(now: datetime, cals: _Calendars) -> list[_Due]:
    rows = list(
        # Index violation_status_by (status, appeal_by).
        _violations_open()
        .filter(appeal_by__gte=now, appeal_by__lte=now + LOOKAHEAD)
        .values_list("id", "organization_id", "appeal_by")
        .order_by()
    )
    cals.load(r[1] for r in rows)
    due: list[_Due] = []
    for violation_id, org_id, appeal_by in rows:
        cal = cals.get(org_id)
        closing_day = cal.local(appeal_by).date()
        last = _last_business_day_on_or_before(cal, closing_day)
        # "Closes in 2 business days": the business day before the last two business days of the window.
        moment = cal.opening_of(cal.previous_business_day(cal.previous_business_day(last)))
        if moment <= now < appeal_by:
            due.append(
                _Due(
                    kind=K.WINDOW_CLOSING,
                    subject_key=f"violation:{violation_id}",
                    organization_id=org_id,
                    deadline=appeal_by,
                    recipients_of=("case", violation_id),
                    violation_id=violation_id,
                )
            )
    return due


def _violations_open():
    return Violation.objects.filter(status__in=OPEN_CASE_STATUSES)


def _ticket_rules(now: datetime, cals: _Calendars) -> list[_Due]:
    due: list[_Due] = []
    specs = (
        (
            "first_response_due_at",
            "first_response_at",
            K.TICKET_FIRST_RESPONSE_AT_RISK,
            K.TICKET_FIRST_RESPONSE_BREACHED,
        ),
        ("resolution_due_at", "resolved_at", K.TICKET_RESOLUTION_AT_RISK, K.TICKET_RESOLUTION_BREACHED),
    )
    for due_field, done_field, at_risk, breached in specs:
        rows = list(
            SupportTicket.objects.filter(
                **{
                    f"{due_field}__gte": now - LOOKBACK,
                    f"{due_field}__lte": now + LOOKAHEAD,
                    f"{done_field}__isnull": True,
                    "resolved_at__isnull": True,
                }
            )
            .values_list("id", "organization_id", "violation_id", due_field)
            .order_by()
        )
        cals.load(r[1] for r in rows)
        for ticket_id, org_id, violation_id, deadline in rows:
            if deadline <= now:
                kind = breached
            elif cals.get(org_id).add_business_hours(now, TICKET_AT_RISK_BUSINESS_HOURS) >= deadline:
                kind = at_risk
            else:
                continue
            due.append(
                _Due(
                    kind=kind,
                    subject_key=f"ticket:{ticket_id}",
                    organization_id=org_id,
                    deadline=deadline,
                    recipients_of=("ticket", ticket_id),
                    violation_id=violation_id,
                    ticket_id=ticket_id,
                )
            )
    return due


def _escalation_rules(now: datetime, cals: _Calendars) -> list[_Due]:
    rows = (
        # Partial index escalation_open_due (answer_due_at WHERE answered_at IS NULL).
        Escalation.objects.filter(answered_at__isnull=True, answer_due_at__gte=now - LOOKBACK, answer_due_at__lte=now)
        .values_list("id", "organization_id", "violation_id", "answer_due_at")
        .order_by()
    )
    return [
        _Due(
            kind=K.ESCALATION_UNANSWERED,
            subject_key=f"escalation:{escalation_id}",
            organization_id=org_id,
            deadline=answer_due_at,
            recipients_of=("case", violation_id),
            violation_id=violation_id,
            escalation_id=escalation_id,
        )
        for escalation_id, org_id, violation_id, answer_due_at in rows
    ]


def _authorization_rules(now: datetime, cals: _Calendars) -> list[_Due]:
    longest = Organization.objects.aggregate(m=Max("authorization_notice_days"))["m"] or 0
    today = now.date()
    rows = list(
        Account.objects.filter(
            authorized=True,
            authorization_expires_on__gte=today - timedelta(days=1),
            authorization_expires_on__lte=today + timedelta(days=longest + 1),
        )
        .values_list("id", "organization_id", "authorization_expires_on")
        .order_by()
    )
    cals.load(r[1] for r in rows)
    due: list[_Due] = []
    for account_id, org_id, expires_on in rows:
        cal = cals.get(org_id)
        local_today = cal.local(now).date()
        if 0 <= (expires_on - local_today).days <= cals.authorization_notice_days(org_id):
            due.append(
                _Due(
                    kind=K.AUTHORIZATION_EXPIRING,
                    subject_key=f"account:{account_id}",
                    organization_id=org_id,
                    deadline=cal.end_of_day(expires_on),
                    recipients_of=("account", account_id),
                    account_id=account_id,
                )
            )
    return due


RULES: tuple[Callable[[datetime, _Calendars], list[_Due]], ...] = (
    _decision_rules,
    _window_rules,
    _ticket_rules,
    _escalation_rules,
    _authorization_rules,
)


# --- step 2: recipients and rows ------------------------------------------------------------------------------------


def _recipients(dues: list[_Due]) -> dict[tuple[str, int], set[int]]:
    """User ids per thing, in a fixed number of queries; only current members of the organization."""
    case_ids = {d.recipients_of[1] for d in dues if d.recipients_of[0] == "case"}
    ticket_ids = {d.recipients_of[1] for d in dues if d.recipients_of[0] == "ticket"}
    account_ids = {d.recipients_of[1] for d in dues if d.recipients_of[0] == "account"}
    tickets = {
        t[0]: t[1:]
        for t in SupportTicket.objects.filter(id__any=ticket_ids).values_list(
            "id", "created_by_id", "violation_id", "account_id"
        )
    }
    case_ids |= {t[1] for t in tickets.values() if t[1]}
    cases = {
        v[0]: v[1:] for v in Violation.objects.filter(id__any=case_ids).values_list("id", "assignee_id", "account_id")
    }
    account_ids |= {c[1] for c in cases.values()} | {t[2] for t in tickets.values()}
    watchers: dict[int, set[int]] = defaultdict(set)
    for violation_id, user_id in Watch.objects.filter(violation_id__any=case_ids).values_list(
        "violation_id", "user_id"
    ):
        watchers[violation_id].add(user_id)
    subscribers: dict[int, set[int]] = defaultdict(set)
    for account_id, user_id in AccountSubscription.objects.filter(account_id__any=account_ids).values_list(
        "account_id", "user_id"
    ):
        subscribers[account_id].add(user_id)
    org_ids = {d.organization_id for d in dues}
    members: dict[int, set[int]] = defaultdict(set)
    leads: dict[int, set[int]] = defaultdict(set)
    for org_id, user_id, role in Membership.objects.filter(
        organization_id__any=org_ids, user__is_active=True
    ).values_list("organization_id", "user_id", "role"):
        members[org_id].add(user_id)
        if role in (Role.OWNER, Role.MANAGER):
            leads[org_id].add(user_id)

    result: dict[tuple[str, int], set[int]] = {}
    for d in dues:
        key = d.recipients_of
        if key in result:
            continue
        kind, pk = key
        people: set[int] = set()
        if kind == "case" and pk in cases:
            assignee, account_id = cases[pk]
            people = {assignee} | watchers[pk] | subscribers[account_id]
        elif kind == "ticket" and pk in tickets:
            creator, violation_id, account_id = tickets[pk]
            people = {creator} | subscribers[account_id]
            if violation_id in cases:
                people |= {cases[violation_id][0]} | watchers[violation_id]
        elif kind == "account":
            people = set(subscribers[pk]) | leads[d.organization_id]
        people = {p for p in people if p in members[d.organization_id]}
        # Nobody follows it: the organization's owners and managers hear about it, never nobody.
        result[key] = people or set(leads[d.organization_id])
    return result


class ReminderRecipient(NamedTuple):
    """What scheduling needs of a person (a User has the same attributes)."""

    id: int
    timezone: str
    email_mode: str
    digest_hour: int


def _next_digest(user: User | ReminderRecipient, now: datetime) -> datetime:
    tz = ZoneInfo(user.timezone)
    local = now.astimezone(tz)
    hour = min(int(user.digest_hour), 23)
    slot = _aware(datetime.combine(local.date(), time(hour, 0)), tz)
    if slot <= now:  # today's digest has gone (or is going): tomorrow's, so there is one a day
        slot = _aware(datetime.combine(local.date() + timedelta(days=1), time(hour, 0)), tz)
    return slot


def send_after_for(
    *, user: User | ReminderRecipient, calendar: BusinessCalendar, deadline: datetime, now: datetime
) -> datetime:
    """When this person should get the email: now in their working hours (or digest slot), else next morning.

    `calendar` is the organization's calendar seen in the recipient's timezone. A reminder never waits past
    a deadline that is still ahead: then it goes now.
    """
    later = _next_digest(user, now) if user.email_mode == User.EmailMode.DIGEST else calendar.next_opening(now)
    if later <= now or now < deadline <= later:
        return now
    return later


_COLUMNS = (
    "organization_id",
    "kind",
    "subject_key",
    "violation_id",
    "appeal_id",
    "ticket_id",
    "escalation_id",
    "account_id",
    "recipient_id",
    "deadline",
    "send_after",
    "status",
    "attempts",
    "last_error",
    "created_at",
)


def _already_recorded(dues: list[_Due]) -> set[tuple[str, str, int, datetime]]:
    """Keys of rows earlier sweeps made (unique index reminder_exactly_once: kind, subject_key, ...)."""
    if not dues:
        return set()
    found: set[tuple[str, str, int, datetime]] = set()
    keys = sorted({d.subject_key for d in dues})
    for i in range(0, len(keys), 5000):
        found.update(
            Reminder.objects.filter(kind__in={d.kind for d in dues}, subject_key__any=keys[i : i + 5000])
            .values_list("kind", "subject_key", "recipient_id", "deadline")
            .order_by()
        )
    return found


def _rows(dues: list[_Due], now: datetime, cals: _Calendars) -> list[tuple]:
    """New reminder rows (as tuples of _COLUMNS) for every recipient of every due deadline."""
    recipients = _recipients(dues)
    user_ids = set().union(*recipients.values()) if recipients else set()
    users_by_id = {
        row[0]: ReminderRecipient(*row)
        for row in User.objects.filter(id__any=user_ids, reminder_emails=True, is_active=True).values_list(
            "id", "timezone", "email_mode", "digest_hour"
        )
    }
    done = _already_recorded(dues)
    rows: list[tuple] = []
    for d in dues:
        for user_id in sorted(recipients.get(d.recipients_of, ())):
            user = users_by_id.get(user_id)
            if user is None or (d.kind, d.subject_key, user_id, d.deadline) in done:
                continue
            send_after = send_after_for(
                user=user, calendar=cals.get(d.organization_id, user.timezone), deadline=d.deadline, now=now
            )
            rows.append(
                (
                    d.organization_id,
                    d.kind,
                    d.subject_key,
                    d.violation_id,
                    d.appeal_id,
                    d.ticket_id,
                    d.escalation_id,
                    d.account_id,
                    user_id,
                    d.deadline,
                    send_after,
                    Reminder.Status.PENDING.value,
                    0,
                    "",
                    now,
                )
            )
    return rows


def _insert(rows: list[tuple]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING (PostgreSQL and SQLite): a row another sweep made wins.

    On PostgreSQL the rows are COPYed into a temporary table and inserted from there in one statement:
    bulk_create built 1,000 model instances, and a multi-row VALUES or unnest() of arrays spent longer
    converting parameters in Python than the insert takes in the database.
    """
    if not rows:
        return 0
    table = connection.ops.quote_name(Reminder._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE reminder_new ON COMMIT DROP AS SELECT {columns} FROM {table} LIMIT 0"
            )
            with cursor.cursor.copy(f"COPY reminder_new ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM reminder_new ON CONFLICT DO NOTHING")
            cursor.execute("DROP TABLE reminder_new")  # a second sweep in the same transaction (tests) makes its own
        else:
            adapt = connection.ops.adapt_datetimefield_value
            dt_positions = {_COLUMNS.index(c) for c in ("deadline", "send_after", "created_at")}
            one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES {one} ON CONFLICT DO NOTHING",
                [[adapt(v) if j in dt_positions else v for j, v in enumerate(row)] for row in rows],
            )
    return len(rows)


# --- step 3: enqueue ------------------------------------------------------------------------------------------------


def enqueue_safely(task: Any, *args: Any) -> bool:
    """Publish a task; False (never an exception, never a long wait) when the broker is unreachable.

    The work stays in the database as a pending row, so the next sweep enqueues it again.
    """
    try:
        task.apply_async(args=args, retry=False)
    except Exception as exc:  # kombu OperationalError, redis ConnectionError, OSError: all mean "not now"
        log.warning("Could not enqueue %s%r: %s", getattr(task, "name", task), args, exc)
        return False
    return True


def _claimable(now: datetime) -> Q:
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - _lease())


def _by_delivery(rows: Iterable[tuple[int, int, str]]) -> tuple[list[int], list[int]]:
    """(reminder id, recipient id, email mode) rows → (ids sent one by one, users who get a digest)."""
    singles: list[int] = []
    digests: set[int] = set()
    for reminder_id, user_id, mode in rows:
        if mode == User.EmailMode.DIGEST:
            digests.add(user_id)
        else:
            singles.append(reminder_id)
    return singles, sorted(digests)


def reminders_due_for_sending(now: datetime) -> tuple[list[int], list[int]]:
    """Pending rows whose time has come and whose claim is free or expired: (reminder ids, digest user ids)."""
    rows = (
        # Index reminder_pending_send_after.
        Reminder.objects.filter(status=Reminder.Status.PENDING, send_after__lte=now)
        .filter(_claimable(now))
        .values_list("id", "recipient_id", "recipient__email_mode")
        .order_by("send_after", "id")
    )
    return _by_delivery(rows)


def reminders_claim_due(now: datetime) -> tuple[list[int], list[int]]:
    """Claim every row reminders_due_for_sending lists, in one UPDATE: (reminder ids, digest user ids).

    The claim (claimed_at = now) is the sweep's hand-over token: the task carries it, and the worker that
    presents it takes the row over (reminder_claim with token), so one send per row however often the
    message is delivered. The UPDATE re-checks its condition on rows a concurrent sweep or worker changed
    meanwhile, so a row is claimed by one of them only.
    """
    due = Reminder.objects.filter(status=Reminder.Status.PENDING, send_after__lte=now)
    with transaction.atomic():
        if not due.filter(_claimable(now)).update(claimed_at=now):
            return [], []
        rows = list(
            due.filter(claimed_at=now)
            .values_list("id", "recipient_id", "recipient__email_mode")
            .order_by("send_after", "id")
        )
    return _by_delivery(rows)


def _enqueue_all(singles: list[int], digest_users: list[int], token: datetime) -> int:
    """Publish the claimed rows; when the broker is down, release the rest at once (the next sweep retries)."""
    from appeals import tasks

    claim = token.isoformat()
    sent = 0
    for n, reminder_id in enumerate(singles):
        if not enqueue_safely(tasks.reminder_send, reminder_id, claim):
            # Broker down: don't wait on it once per row.
            Reminder.objects.filter(pk__in=singles[n:], claimed_at=token).update(claimed_at=None)
            Reminder.objects.filter(recipient_id__in=digest_users, claimed_at=token).update(claimed_at=None)
            return sent
        sent += 1
    for n, user_id in enumerate(digest_users):
        if not enqueue_safely(tasks.reminder_digest_send, user_id, claim):
            Reminder.objects.filter(recipient_id__in=digest_users[n:], claimed_at=token).update(claimed_at=None)
            return sent
        sent += 1
    return sent


def reminders_sweep(*, now: datetime | None = None, enqueue: bool = True) -> dict[str, int]:
    """One sweep; returns counts.

    With enqueue (beat, run_reminders) the due rows are claimed and their tasks published after commit.
    Without (tests, `run_reminders --inline`, the benchmark) rows are only created and counted.
    """
    now = now or timezone.now()
    cals = _Calendars()
    dues = [d for rule in RULES for d in rule(now, cals)]
    rows = _rows(dues, now, cals)
    with transaction.atomic():
        _insert(rows)
        if enqueue:
            singles, digest_users = reminders_claim_due(now)
            transaction.on_commit(lambda: _enqueue_all(singles, digest_users, now))
        else:
            singles, digest_users = reminders_due_for_sending(now)
    return {"deadlines": len(dues), "new_rows": len(rows), "to_send": len(singles), "digests": len(digest_users)}


def reminders_sweep_soon() -> bool:
    """Ask the worker for a sweep now (after a case change); safe when the broker is down (beat catches up)."""
    from appeals import tasks

    return enqueue_safely(tasks.reminders_sweep)


# --- delivery -------------------------------------------------------------------------------------------------------


def _claimable_or_handed_over(now: datetime, token: datetime | None) -> Q:
    free = _claimable(now)
    return free | Q(claimed_at=token) if token is not None else free


def reminder_claim(*, reminder_id: int, now: datetime, token: datetime | None = None) -> bool:
    """Conditional UPDATE: True for exactly one caller while the claim (lease) holds.

    token: the sweep's claim, carried by the task; presenting it takes the row over (once: the row then
    holds this worker's `now`, so a second delivery of the same message finds it taken).
    """
    return (
        Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.PENDING)
        .filter(_claimable_or_handed_over(now, token))
        .update(claimed_at=now)
        == 1
    )


def _url(name: str, **kwargs: Any) -> str:
    try:
        return settings.SITE_URL + reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return settings.SITE_URL + "/"


def case_url(violation_id: int) -> str:
    for name in ("appeals:case", "appeals:violation_detail"):
        try:
            return settings.SITE_URL + reverse(name, kwargs={"violation_pk": violation_id})
        except NoReverseMatch:
            continue
    return _url("appeals:inbox")


def unsubscribe_url(user: User) -> str:
    token = signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)
    return _url("appeals:unsubscribe", signed=token)


def unsubscribe_user(signed: str) -> User:
    """The user named by a signed unsubscribe token (no expiry: old emails keep working)."""
    try:
        data = signing.loads(signed, salt=UNSUBSCRIBE_SALT)
        return User.objects.get(pk=data["u"])
    except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist):
        raise ServiceError("This unsubscribe link is not valid.") from None


def reminders_unsubscribe(*, user: User) -> None:
    """Stop reminder emails; pending ones are skipped when their turn comes."""
    User.objects.filter(pk=user.pk).update(reminder_emails=False)
    user.reminder_emails = False


def _still_due(r: Reminder) -> bool:
    """The reminder still says something true (no decision yet, no appeal yet, no answer yet, ...)."""
    if r.appeal_id:
        return r.appeal.status == Appeal.Status.UNDER_REVIEW and r.appeal.due_at == r.deadline
    if r.kind == K.WINDOW_CLOSING:
        return r.violation.status in OPEN_CASE_STATUSES and r.violation.appeal_by == r.deadline
    if r.ticket_id:
        t = r.ticket
        if t.resolved_at is not None:
            return False
        if r.kind in (K.TICKET_FIRST_RESPONSE_AT_RISK, K.TICKET_FIRST_RESPONSE_BREACHED):
            return t.first_response_at is None and t.first_response_due_at == r.deadline
        return t.resolution_due_at == r.deadline
    if r.escalation_id:
        return r.escalation.answered_at is None
    if r.account_id:
        return r.account.authorized and r.account.authorization_expires_on is not None
    return True


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


def _email_headers(user: User, message_id: str) -> dict[str, str]:
    unsubscribe = unsubscribe_url(user)
    return {
        "Message-ID": message_id,
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _fail(ids: list[int], *, now: datetime, error: Exception) -> None:
    """Release claims after a failed send; rows out of attempts become failed. Raises ReminderRetry if any remain."""
    message = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        Reminder.objects.filter(pk__in=ids, claimed_at=now).update(attempts=F("attempts") + 1, last_error=message)
        Reminder.objects.filter(pk__in=ids, claimed_at=now, attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
            status=Reminder.Status.FAILED, claimed_at=None
        )
        left = list(
            Reminder.objects.filter(pk__in=ids, claimed_at=now, status=Reminder.Status.PENDING).values_list(
                "attempts", flat=True
            )
        )
        if left:
            delay = retry_delay(max(left))
            Reminder.objects.filter(pk__in=ids, claimed_at=now).update(
                claimed_at=None, send_after=now + timedelta(seconds=delay)
            )
    log.warning("Reminder send failed for %s: %s", ids, message)
    if left:
        raise ReminderRetry(message, retry_in=delay)


def _mark_sent(reminders: list[Reminder], now: datetime) -> None:
    with transaction.atomic():
        for r in reminders:
            updated = Reminder.objects.filter(pk=r.pk, claimed_at=now, status=Reminder.Status.PENDING).update(
                status=Reminder.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
            if updated and r.violation_id:
                timeline_record(
                    violation=r.violation,
                    verb=TimelineVerb.REMINDER_SENT,
                    appeal=r.appeal,
                    data={
                        "kind": r.kind,
                        "label": r.get_kind_display(),
                        "recipient": r.recipient.display_name,
                        "deadline": r.deadline.isoformat(),
                        "reminder_id": r.pk,
                    },
                )


def _skip(ids: list[int], now: datetime, why: str) -> None:
    Reminder.objects.filter(pk__in=ids, claimed_at=now).update(status=Reminder.Status.SKIPPED, last_error=why)


def _load(ids: Iterable[int]) -> list[Reminder]:
    return list(
        Reminder.objects.filter(pk__in=list(ids))
        .select_related(
            "organization",
            "recipient",
            "violation__account",
            "appeal",
            "ticket__account",
            "escalation",
            "account__organization",
        )
        .order_by("deadline", "id")
    )


def reminder_deliver(*, reminder_id: int, now: datetime | None = None, token: datetime | None = None) -> str:
    """Claim, send and mark one reminder. Returns sent / skipped / unsubscribed / not_due / failed.

    token: the sweep's claim (see reminders_claim_due). Raises ReminderRetry when the send failed and
    attempts remain (the task retries with that delay).
    """
    now = now or timezone.now()
    if not reminder_claim(reminder_id=reminder_id, now=now, token=token):
        return "skipped"
    loaded = _load([reminder_id])
    if not loaded:
        return "skipped"  # deleted with its case in the meantime
    r = loaded[0]
    if not r.recipient.reminder_emails or not r.recipient.is_active:
        _skip([r.pk], now, "Recipient unsubscribed from reminder emails.")
        return "unsubscribed"
    if not _still_due(r):
        _skip([r.pk], now, "No longer due when its turn came.")
        return "not_due"
    try:
        email_send(
            name="reminder",
            to=[r.recipient.email],
            context={**reminder_context(r), "user": r.recipient, "unsubscribe_url": unsubscribe_url(r.recipient)},
            headers=_email_headers(r.recipient, f"<reminder-{r.pk}@appealdesk>"),
        )
    except Exception as exc:  # SMTP refused, connection refused, timeout, even a template error: retry, then fail
        _fail([r.pk], now=now, error=exc)
        return "failed"
    _mark_sent([r], now)
    return "sent"


def digest_deliver(*, user_id: int, now: datetime | None = None, token: datetime | None = None) -> str:
    """One email with every due reminder of one person (digest mode): claims all of them first."""
    now = now or timezone.now()
    ids = list(
        Reminder.objects.filter(recipient_id=user_id, status=Reminder.Status.PENDING, send_after__lte=now)
        .filter(_claimable_or_handed_over(now, token))
        .values_list("id", flat=True)
    )
    claimed = [i for i in ids if reminder_claim(reminder_id=i, now=now, token=token)]
    if not claimed:
        return "skipped"
    reminders = _load(claimed)
    user = reminders[0].recipient
    if not user.reminder_emails or not user.is_active:
        _skip(claimed, now, "Recipient unsubscribed from reminder emails.")
        return "unsubscribed"
    stale = [r.pk for r in reminders if not _still_due(r)]
    _skip(stale, now, "No longer due when its turn came.")
    reminders = [r for r in reminders if r.pk not in stale]
    if not reminders:
        return "not_due"
    try:
        email_send(
            name="digest",
            to=[user.email],
            context={
                "user": user,
                "items": [reminder_context(r) for r in reminders],
                "unsubscribe_url": unsubscribe_url(user),
                "day": now.astimezone(ZoneInfo(user.timezone)).date(),
            },
            headers=_email_headers(user, f"<digest-{user.pk}-{min(r.pk for r in reminders)}@appealdesk>"),
        )
    except Exception as exc:
        _fail([r.pk for r in reminders], now=now, error=exc)
        return "failed"
    _mark_sent(reminders, now)
    return "sent"


@transaction.atomic
def reminder_retry(*, reminder_id: int, organization: Organization) -> Reminder:
    """A manager sends a failed reminder again: pending, attempts reset, enqueued after commit."""
    r = Reminder.objects.select_for_update().filter(organization=organization, pk=reminder_id).first()
    if r is None:
        raise ServiceError("No such reminder.")
    if r.status != Reminder.Status.FAILED:
        raise ServiceError("Only a failed reminder can be retried.")
    r.status = Reminder.Status.PENDING
    r.attempts = 0
    r.claimed_at = None
    r.send_after = timezone.now()
    r.save(update_fields=["status", "attempts", "claimed_at", "send_after"])

    def _enqueue() -> None:
        from appeals import tasks

        task, arg = (
            (tasks.reminder_digest_send, r.recipient_id)
            if r.recipient.email_mode == User.EmailMode.DIGEST
            else (tasks.reminder_send, r.pk)
        )
        enqueue_safely(task, arg)

    transaction.on_commit(_enqueue)
    return r


def calendar_token_rotate(*, user: User) -> str:
    """A new secret feed URL; calendar apps subscribed to the old one stop receiving deadlines."""
    from core.models import new_secret

    user.calendar_token = new_secret()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token
