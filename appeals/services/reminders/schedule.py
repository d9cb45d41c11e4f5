"""Who hears about a deadline and when: recipients, their working hours or digest slot, and the rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from appeals.models import (
    AccountSubscription,
    CaseMute,
    Reminder,
    ReminderPreference,
    SupportTicket,
    Violation,
    Watch,
)
from appeals.services.reminders.rules import _Calendars, _Due
from core.calendar import BusinessCalendar, _aware
from core.models import Membership, Role, User


class ReminderRecipient(NamedTuple):
    """What scheduling needs of a person (a User has the same attributes)."""

    id: int
    timezone: str
    email_mode: str
    digest_hour: int


# The User fields a ReminderRecipient copies (after the id).
_SCHEDULING = ("user__timezone", "user__email_mode", "user__digest_hour")


def _recipients(dues: list[_Due]) -> tuple[dict[tuple[str, int], set[int]], dict[int, ReminderRecipient]]:
    """User ids per thing, in a fixed number of queries; only current members of the organization. Also what
    scheduling needs of each member who takes reminder emails, read in the same query as the memberships."""
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
    cases = {d.recipients_of[1]: d.case for d in dues if d.case is not None and d.recipients_of[0] == "case"}
    if unread := case_ids - cases.keys():
        cases |= {
            v[0]: v[1:] for v in Violation.objects.filter(id__any=unread).values_list("id", "assignee_id", "account_id")
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
    users: dict[int, ReminderRecipient] = {}
    for org_id, user_id, role, emails, *scheduling in Membership.objects.filter(
        organization_id__any=org_ids, user__is_active=True
    ).values_list("organization_id", "user_id", "role", "user__reminder_emails", *_SCHEDULING):
        members[org_id].add(user_id)
        if role in (Role.OWNER, Role.MANAGER):
            leads[org_id].add(user_id)
        if emails:
            users[user_id] = ReminderRecipient(user_id, *scheduling)

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
    return result, users


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
    return _not_past(later, deadline=deadline, now=now)


def _not_past(later: datetime, *, deadline: datetime, now: datetime) -> datetime:
    if later <= now or now < deadline <= later:
        return now
    return later


class _SendTimes:
    """send_after_for for many rows of one sweep: the working-hours or digest moment depends only on the
    calendar (organization, recipient's timezone) or on the digest slot (timezone, hour), so it is computed
    once per calendar and per slot, not once per row; the deadline check stays per row."""

    def __init__(self, now: datetime, cals: _Calendars) -> None:
        self.now = now
        self.cals = cals
        self._later: dict[tuple, datetime] = {}

    def send_after(
        self, *, organization_id: int, user: ReminderRecipient, digest: bool, deadline: datetime
    ) -> datetime:
        key = ("digest", user.timezone, user.digest_hour) if digest else ("open", organization_id, user.timezone)
        later = self._later.get(key)
        if later is None:
            if digest:
                later = _next_digest(user, self.now)
            else:
                later = self.cals.get(organization_id, user.timezone).next_opening(self.now)
            self._later[key] = later
        return _not_past(later, deadline=deadline, now=self.now)


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
    "digest",
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
    recipients, users_by_id = _recipients(dues)
    done = _already_recorded(dues)
    times = _SendTimes(now, cals)
    choices = _preferences(users_by_id.keys())
    muted = _mutes(users_by_id.keys(), {d.violation_id for d in dues if d.violation_id})
    rows: list[tuple] = []
    for d in dues:
        for user_id in sorted(recipients.get(d.recipients_of, ())):
            user = users_by_id.get(user_id)
            if user is None or (d.kind, d.subject_key, user_id, d.deadline) in done:
                continue
            if (user_id, d.violation_id) in muted:
                continue
            by_email, digest = choices.get((user_id, d.kind), (True, user.email_mode == User.EmailMode.DIGEST))
            if not by_email:
                continue
            send_after = times.send_after(
                organization_id=d.organization_id, user=user, digest=digest, deadline=d.deadline
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
                    digest,
                )
            )
    return rows


def _preferences(user_ids) -> dict[tuple[int, str], tuple[bool, bool]]:
    """(user, kind) → (by email, in the digest) for the kinds people chose differently from their default."""
    return {
        (user_id, kind): (email, digest)
        for user_id, kind, email, digest in ReminderPreference.objects.filter(user_id__any=list(user_ids)).values_list(
            "user_id", "kind", "email", "digest"
        )
    }


def _mutes(user_ids, violation_ids: set[int]) -> set[tuple[int, int]]:
    if not violation_ids:
        return set()
    return set(
        CaseMute.objects.filter(user_id__any=list(user_ids), violation_id__any=list(violation_ids)).values_list(
            "user_id", "violation_id"
        )
    )


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
