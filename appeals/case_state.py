"""The case header: where a case stands, its next deadline and the one action that moves it on.

`case_plan` is pure (plain values in, plain values out) so every state is tested from a table; `case_facts`
reads those values off a case whose appeals and escalations are already loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from appeals.models import Appeal, CaseStatus
from core.rules import case_clock, case_rules

if TYPE_CHECKING:
    from appeals.models import Escalation, Violation
    from core.calendar import BusinessCalendar
    from core.markets import PlatformRules
    from core.models import Organization


class Action:
    START_APPEAL = "start_appeal"
    CONTINUE_DRAFT = "continue_draft"
    RECORD_DECISION = "record_decision"
    RECORD_ANSWER = "record_answer"
    START_FOLLOW_UP = "start_follow_up"
    ESCALATE = "escalate"
    FINAL = "final"


class DeadlineKind:
    APPEAL_WINDOW = "appeal_window"
    DECISION = "decision"
    FOLLOW_UP = "follow_up"
    ESCALATION = "escalation"


DEADLINE_LABELS = {
    DeadlineKind.APPEAL_WINDOW: "Appeal window closes",
    DeadlineKind.DECISION: "Decision due",
    DeadlineKind.FOLLOW_UP: "Follow-up window closes",
    DeadlineKind.ESCALATION: "Escalation answer due",
}

UNSETTLED_AFTER_DECISION = {CaseStatus.UPHELD, CaseStatus.PARTIALLY_REVERSED}
DECIDED = {Appeal.Status.REVERSED, Appeal.Status.PARTIALLY_REVERSED, Appeal.Status.UPHELD}


@dataclass(frozen=True)
class CaseFacts:
    """What the header needs to know about a case, as plain values."""

    status: str  # CaseStatus
    appeal_by: datetime
    max_rounds: int = 2
    latest_round: int = 0  # 0 when no appeal was started
    builder_step: int = 1  # of the latest appeal, when it is a draft
    decision_due_at: datetime | None = None  # the latest appeal's, while under review
    follow_up_by: datetime | None = None  # end of the follow-up window after the latest decided round
    escalation_due_at: datetime | None = None  # earliest answer due of an open escalation
    escalation_answered: bool = False  # the latest round was escalated and answered (without a reversal)


@dataclass(frozen=True)
class Plan:
    action: str
    label: str
    deadline_kind: str | None
    deadline_at: datetime | None
    rounds_left: int

    @property
    def deadline_label(self) -> str:
        return DEADLINE_LABELS.get(self.deadline_kind or "", "")


def rounds_left(facts: CaseFacts) -> int:
    """Rounds the platform still allows; a draft has not used its round yet."""
    used = max(0, facts.latest_round - (1 if facts.status == CaseStatus.DRAFT else 0))
    return max(0, facts.max_rounds - used)


def case_plan(facts: CaseFacts, *, now: datetime) -> Plan:
    """The one primary action for the case's state, and the deadline that goes with it."""
    left = rounds_left(facts)
    status = facts.status
    if status == CaseStatus.NOT_APPEALED:
        return Plan(Action.START_APPEAL, "Start appeal", DeadlineKind.APPEAL_WINDOW, facts.appeal_by, left)
    if status == CaseStatus.DRAFT:
        label = f"Continue draft (step {facts.builder_step})"
        if facts.latest_round > 1:
            return Plan(Action.CONTINUE_DRAFT, label, DeadlineKind.FOLLOW_UP, facts.follow_up_by, left)
        return Plan(Action.CONTINUE_DRAFT, label, DeadlineKind.APPEAL_WINDOW, facts.appeal_by, left)
    if status == CaseStatus.UNDER_REVIEW:
        return Plan(Action.RECORD_DECISION, "Record decision", DeadlineKind.DECISION, facts.decision_due_at, left)
    if status == CaseStatus.ESCALATED:
        return Plan(
            Action.RECORD_ANSWER, "Record escalation answer", DeadlineKind.ESCALATION, facts.escalation_due_at, left
        )
    if status in UNSETTLED_AFTER_DECISION:
        if left and facts.follow_up_by is not None and now <= facts.follow_up_by:
            return Plan(Action.START_FOLLOW_UP, "Start follow-up", DeadlineKind.FOLLOW_UP, facts.follow_up_by, left)
        if not facts.escalation_answered:
            return Plan(Action.ESCALATE, "Escalate", None, None, left)
    return Plan(Action.FINAL, "Final: nothing left to do", None, None, left)


def follow_up_by(decided_at: datetime, *, calendar: BusinessCalendar, window_days: int) -> datetime:
    """End of the local day `window_days` calendar days after the decision (as outcomes.follow_up_deadline)."""
    return calendar.end_of_day(calendar.local(decided_at).date() + timedelta(days=window_days))


def case_facts(
    violation: Violation,
    appeals: Iterable[Appeal],
    escalations: Iterable[Escalation],
    *,
    organization: Organization | None,
    calendar: BusinessCalendar | None,
    status: str | None = None,
) -> CaseFacts:
    """The facts of a case from its loaded appeals and escalations, without a query. Without an organization
    (and its calendar) there is no follow-up window: callers pass them when `needs_calendar` says so."""
    rules = case_rules(violation) if organization is not None else None
    clock = case_clock(violation) if rules is not None and calendar is not None else None
    return case_facts_counted(
        status=status or violation.status,
        appeal_by=violation.appeal_by,
        appeals=appeals,
        escalations=escalations,
        rules=rules,
        # The platform's window: its market's days, whatever calendar the caller counts the team's days on.
        clock=clock,
    )


def case_facts_counted(
    *,
    status: str,
    appeal_by: datetime,
    appeals: Iterable[Appeal],
    escalations: Iterable[Escalation],
    rules: PlatformRules | None,
    clock: BusinessCalendar | None,
) -> CaseFacts:
    """case_facts from plain values: the rules and platform clock already chosen (no query; the deadline
    recompute counts thousands of cases with it). Without rules and a clock there is no follow-up window."""
    ordered = sorted(appeals, key=lambda a: a.round)
    latest = ordered[-1] if ordered else None
    decided = next((a for a in reversed(ordered) if a.decided_at is not None and a.status in DECIDED), None)
    follow_up_deadline = None
    if decided is not None and rules is not None and clock is not None:
        follow_up_deadline = follow_up_by(decided.decided_at, calendar=clock, window_days=rules.follow_up_window_days)
    escalations = list(escalations)
    open_due = [e.answer_due_at for e in escalations if e.answered_at is None]
    answered = latest is not None and any(
        e.answered_at is not None and e.appeal_id in (None, latest.pk) for e in escalations
    )
    return CaseFacts(
        status=status,
        appeal_by=appeal_by,
        max_rounds=rules.max_rounds if rules is not None else 2,
        latest_round=latest.round if latest else 0,
        builder_step=latest.builder_step if latest else 1,
        decision_due_at=latest.due_at if latest and latest.status == Appeal.Status.UNDER_REVIEW else None,
        follow_up_by=follow_up_deadline,
        escalation_due_at=min(open_due, default=None),
        escalation_answered=answered,
    )


def needs_calendar(status: str, appeals: Iterable[Appeal]) -> bool:
    """Only a decided round's follow-up window needs the organization's calendar (one query for closed dates)."""
    return status in {CaseStatus.DRAFT, *UNSETTLED_AFTER_DECISION} and any(a.decided_at is not None for a in appeals)


# --- Words ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    text: str  # "in 3 business days", "today", "overdue by 2 business days"
    tone: str  # a badge class: overdue, soon or ok


SOON_BUSINESS_DAYS = 2


def _days(n: int) -> str:
    return f"{n} business day{'s' if n != 1 else ''}"


def countdown(at: datetime, *, calendar: BusinessCalendar, now: datetime) -> Countdown:
    """How far a deadline is, in the organization's business days (dates in its timezone)."""
    today, day = calendar.local(now).date(), calendar.local(at).date()
    if at < now:
        n = calendar.business_days_from_dates(day, today)
        if n == 0:
            return Countdown("overdue since today" if day == today else "overdue", "overdue")
        return Countdown(f"overdue by {_days(n)}", "overdue")
    if day == today:
        return Countdown("today", "overdue")
    n = calendar.business_days_from_dates(today, day)
    if n == 0:
        return Countdown("before the next business day", "overdue")
    return Countdown(f"in {_days(n)}", "soon" if n <= SOON_BUSINESS_DAYS else "ok")


# --- The header ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseHeader:
    """What the case header shows (templates/appeals/case/_header.html)."""

    violation: Violation
    plan: Plan
    countdown: Countdown | None
    max_rounds: int
    latest_appeal: Appeal | None  # the draft to continue, the appeal to decide or to follow up
    open_escalation: Escalation | None  # the escalation whose answer is due


def case_header(
    violation: Violation,
    appeals: Iterable[Appeal],
    escalations: Iterable[Escalation],
    *,
    organization: Organization,
    calendar: BusinessCalendar,
    now: datetime,
) -> CaseHeader:
    appeals, escalations = sorted(appeals, key=lambda a: a.round), list(escalations)
    facts = case_facts(violation, appeals, escalations, organization=organization, calendar=calendar)
    plan = case_plan(facts, now=now)
    waiting = sorted((e for e in escalations if e.answered_at is None), key=lambda e: e.answer_due_at)
    return CaseHeader(
        violation=violation,
        plan=plan,
        countdown=countdown(plan.deadline_at, calendar=calendar, now=now) if plan.deadline_at else None,
        max_rounds=case_rules(violation).max_rounds,
        latest_appeal=appeals[-1] if appeals else None,
        open_escalation=waiting[0] if waiting else None,
    )
