"""What is due: each rule selects the deadlines entering its reminder window (indexed range queries,
bounded lookback), and `still_due` re-checks a reminder when its turn to be sent comes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Max

from appeals.models import Account, Appeal, CaseStatus, Escalation, Reminder, SupportTicket, Violation
from core.calendar import BusinessCalendar
from core.models import ClosedDate, Organization

K = Reminder.Kind
# How far back a sweep looks for deadlines it may have missed (worker down over a long weekend).
LOOKBACK = timedelta(days=10)
# How far ahead: the longest gap between a reminder moment and its deadline (2 business days over holidays).
LOOKAHEAD = timedelta(days=10)
TICKET_AT_RISK_BUSINESS_HOURS = 4
OPEN_CASE_STATUSES = (CaseStatus.NOT_APPEALED, CaseStatus.DRAFT)


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
    # The case's (assignee id, account id), when the rule read them with the deadline: the recipients step then
    # need not look the case up again (a second lookup of ~3,000 cases by id at 1M).
    case: tuple[int | None, int] | None = None


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
        .values_list(
            "id", "organization_id", "violation_id", "due_at", "violation__assignee_id", "violation__account_id"
        )
        .order_by()
    )
    cals.load(r[1] for r in rows)
    due: list[_Due] = []
    for appeal_id, org_id, violation_id, due_at, assignee_id, account_id in rows:
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
            "case": (assignee_id, account_id),
        }
        if now < due_at:
            day_before = cal.opening_of(cal.previous_business_day(due_day))
            if day_before <= now < today_opens:
                due.append(_Due(kind=K.DECISION_DUE_TOMORROW, **common))
            elif today_opens <= now:
                due.append(_Due(kind=K.DECISION_DUE_TODAY, **common))
        elif _decision_overdue_from(cal, due_at) <= now:
            due.append(_Due(kind=K.DECISION_OVERDUE, **common))
    return due


def _decision_overdue_from(cal: BusinessCalendar, due_at: datetime) -> datetime:
    return cal.add_business_days(due_at, 1)


def _window_rules(now: datetime, cals: _Calendars) -> list[_Due]:
    rows = list(
        # Index violation_status_by (status, appeal_by).
        _violations_open()
        .filter(appeal_by__gte=now, appeal_by__lte=now + LOOKAHEAD)
        .values_list("id", "organization_id", "appeal_by", "assignee_id", "account_id")
        .order_by()
    )
    cals.load(r[1] for r in rows)
    due: list[_Due] = []
    for violation_id, org_id, appeal_by, assignee_id, account_id in rows:
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
                    case=(assignee_id, account_id),
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


def still_due(r: Reminder) -> bool:
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


# Reminders of one deadline that follow each other; a later one makes the earlier ones stale.
CHAINS = (
    (K.DECISION_DUE_TOMORROW, K.DECISION_DUE_TODAY, K.DECISION_OVERDUE),
    (K.TICKET_FIRST_RESPONSE_AT_RISK, K.TICKET_FIRST_RESPONSE_BREACHED),
    (K.TICKET_RESOLUTION_AT_RISK, K.TICKET_RESOLUTION_BREACHED),
)
_CHAIN_OF = {kind: chain for chain in CHAINS for kind in chain}


def overtaken_by(*, kind: str, deadline: datetime, now: datetime, calendar: BusinessCalendar) -> str | None:
    """The later reminder of the same chain whose moment has come, if any (then `kind` is stale).

    A reminder made at night waits for the morning; by then the next one of its chain may be due
    ("due in 1 business day" made at 02:30 for a deadline at 11:00 is stale at 09:00, when "due today" is).
    """
    chain = _CHAIN_OF.get(kind)
    if chain is None:
        return None
    if chain[0] == K.DECISION_DUE_TOMORROW:
        if now >= _decision_overdue_from(calendar, deadline):
            reached = K.DECISION_OVERDUE
        elif now >= calendar.opening_of(calendar.local(deadline).date()):
            reached = K.DECISION_DUE_TODAY
        else:
            reached = K.DECISION_DUE_TOMORROW
    else:
        reached = chain[1] if deadline <= now else chain[0]
    return reached if chain.index(reached) > chain.index(kind) else None
