"""Recompute the stored deadlines of open cases after the rules that count them changed.

Deadlines are stored (appeal_by, next_deadline_at, an appeal's due_at, an escalation's answer_due_at, a ticket's
SLA due times) so lists sort by indexed columns. When the rules behind them change (an organization's settings
today; a market's rule version once applied), this module counts them again for the open cases and writes the
ones that moved, each with a timeline entry "deadline moved from X to Y (reason)".

Rules of the recompute:
- A stored deadline already past stays where it is: a closed window is not reopened, an overdue decision does
  not stop being overdue. An appeal window stays once the first round is submitted (it no longer counts).
  next_deadline_at is always derived again (case_state.case_plan) from the kept or moved deadlines, exactly as
  services.status.violation_refresh_status does.
- Idempotent: a second run with the same rules changes nothing and writes no entry.
- Batches: keyset pages of open cases (then open tickets) by id, one short transaction each. The page's rows are
  locked FOR NO KEY UPDATE while it is counted and written (a service editing one of them waits for the batch;
  inserts of comments or timeline entries referencing them do not), and written with one UPDATE per table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from appeals.case_state import DEADLINE_LABELS, case_facts_counted, case_plan
from appeals.models import Appeal, CaseStatus, Escalation, SupportTicket, TimelineEvent, TimelineVerb, Violation
from appeals.recompute_models import RecomputeJob
from appeals.services.violations import _Writer, appeal_by_for
from core.bulk import update_rows_by_pk
from core.calendar import BusinessCalendar
from core.market_models import RuleVersion
from core.markets import PlatformRules, rules_for
from core.models import Organization
from core.rules import RuleBook

log = logging.getLogger(__name__)

RUN_TASK = "appeals.tasks.recompute_run"
BATCH_SIZE = 2000

# Cases whose stored deadlines can still matter: final ones (reversed, withdrawn) have none left.
OPEN_STATUSES = (
    CaseStatus.NOT_APPEALED,
    CaseStatus.DRAFT,
    CaseStatus.UNDER_REVIEW,
    CaseStatus.ESCALATED,
    CaseStatus.UPHELD,
    CaseStatus.PARTIALLY_REVERSED,
)

WINDOW_STATUSES = (CaseStatus.NOT_APPEALED, CaseStatus.DRAFT)

# Organization settings that count a stored deadline, with the words the timeline uses for them.
DEADLINE_SETTINGS = {
    "appeal_window_days": "appeal window days",
    "appeal_window_days_by_kind": "appeal window days by kind",
    "follow_up_window_days": "follow-up window days",
    "max_rounds": "appeal rounds",
    "review_business_days": "review business days",
    "ticket_first_response_hours": "ticket first response hours",
    "ticket_resolution_hours": "ticket resolution hours",
    "escalation_answer_business_days": "escalation answer business days",
    # The calendar: which days are business days, business hours (ticket SLAs), where days end.
    "timezone": "timezone",
    "holiday_country": "holiday country",
    "holiday_subdivision": "holiday subdivision",
    "working_days": "working days",
    "opens_at": "opening time",
    "closes_at": "closing time",
}

TICKET_LABELS = {"first_response_due_at": "Ticket first response due", "resolution_due_at": "Ticket resolution due"}


class Clocks:
    """Which rules and calendars count a case's deadlines, mirroring the services that store them:

    - rules: the case's rule version (core.rules; `apply` forces one version on every case, "Apply now");
    - the appeal window, decision due, follow-up window and ticket SLAs on the platform clock of the account's
      market (violations.appeal_by_for, appeals.appeal_submit, outcomes.follow_up_deadline,
      tickets.ticket_deadlines);
    - the escalation answer on the organization's calendar (outcomes.escalation_record: not a platform rule).
    """

    def __init__(self, organization: Organization, *, apply: RuleVersion | None = None) -> None:
        self.organization = organization
        self.apply = apply
        self.book = RuleBook(organization)
        self.team = organization.business_calendar()
        self._versions = {v.pk: v for v in RuleVersion.objects.filter(organization=organization)}
        self._rules: dict[int | None, PlatformRules] = {}
        self._windows: dict[tuple, datetime] = {}

    def rules_for(self, row: Mapping[str, Any]) -> PlatformRules:
        version_id = self.apply.pk if self.apply is not None else row.get("rule_version_id")
        rules = self._rules.get(version_id)
        if rules is None:
            version = self._versions.get(version_id) if version_id is not None else None
            rules = self._rules[version_id] = rules_for(self.organization, version)
        return rules

    def platform_clock(self, row: Mapping[str, Any]) -> BusinessCalendar:
        return self.book.clock(row["market"])

    def escalation_clock(self, row: Mapping[str, Any]) -> BusinessCalendar:
        return self.team

    def appeal_by(self, row: Mapping[str, Any], rules: PlatformRules) -> datetime:
        """violations.appeal_by_for, counted once per market, local day, kind and rules."""
        clock = self.platform_clock(row)
        key = (row["market"], id(rules), row["kind"], clock.local(row["enforced_at"]).date())
        value = self._windows.get(key)
        if value is None:
            value = self._windows[key] = appeal_by_for(
                clock=clock, rules=rules, kind=row["kind"], enforced_at=row["enforced_at"]
            )
        return value


# --- Counting (pure: rows in, new values out) --------------------------------------------------------------


@dataclass
class _Appeal:
    pk: int
    violation_id: int
    round: int
    status: str
    builder_step: int
    submitted_at: datetime | None
    due_at: datetime | None
    decided_at: datetime | None


@dataclass
class _Escalation:
    pk: int
    violation_id: int
    appeal_id: int | None
    escalated_at: datetime
    answer_due_at: datetime
    answered_at: datetime | None


@dataclass
class Move:
    label: str
    old: datetime | None
    new: datetime | None


@dataclass
class CaseResult:
    """What moved on one case (empty lists: nothing)."""

    violation_id: int
    violation: dict[str, datetime | None] = field(default_factory=dict)  # appeal_by / next_deadline_at
    appeals: dict[int, datetime] = field(default_factory=dict)  # appeal id -> due_at
    escalations: dict[int, datetime] = field(default_factory=dict)  # escalation id -> answer_due_at
    moves: list[Move] = field(default_factory=list)


def _still_ahead(stored: datetime | None, now: datetime) -> bool:
    return stored is not None and stored >= now


def case_recount(
    row: Mapping[str, Any],
    appeals: list[_Appeal],
    escalations: list[_Escalation],
    *,
    clocks: Clocks,
    now: datetime,
) -> CaseResult:
    """The deadlines of one case counted again with its rules and clocks: the ones that differ."""
    result = CaseResult(row["id"])
    rules = clocks.rules_for(row)
    calendar = clocks.platform_clock(row)
    appeal_by = row["appeal_by"]
    # The appeal window matters until the first round is submitted (case_plan, the window-closing reminder).
    if row["status"] in WINDOW_STATUSES and _still_ahead(appeal_by, now):
        counted = clocks.appeal_by(row, rules)
        if counted != appeal_by:
            result.violation["appeal_by"] = counted
            result.moves.append(Move(DEADLINE_LABELS["appeal_window"], appeal_by, counted))
            appeal_by = counted
    for appeal in appeals:
        if appeal.status == Appeal.Status.UNDER_REVIEW and appeal.submitted_at and _still_ahead(appeal.due_at, now):
            counted = calendar.add_business_days(appeal.submitted_at, rules.review_business_days)
            if counted != appeal.due_at:
                result.appeals[appeal.pk] = counted
                result.moves.append(Move(DEADLINE_LABELS["decision"], appeal.due_at, counted))
                appeal.due_at = counted
    for escalation in escalations:
        if escalation.answered_at is None and _still_ahead(escalation.answer_due_at, now):
            counted = clocks.escalation_clock(row).add_business_days(
                escalation.escalated_at, rules.escalation_answer_business_days
            )
            if counted != escalation.answer_due_at:
                result.escalations[escalation.pk] = counted
                result.moves.append(Move(DEADLINE_LABELS["escalation"], escalation.answer_due_at, counted))
                escalation.answer_due_at = counted
    # The next step's deadline, derived as violation_refresh_status does, from the (possibly moved) deadlines.
    facts = case_facts_counted(
        status=row["status"],
        appeal_by=appeal_by,
        appeals=appeals,  # type: ignore[arg-type]
        escalations=escalations,  # type: ignore[arg-type]
        rules=rules,
        clock=calendar,
    )
    plan = case_plan(facts, now=now)
    stored_next = row["next_deadline_at"]
    # A case not appealed yet reads appeal_by instead (Violation.next_deadline()): its column is left alone.
    counted_next = stored_next if row["status"] == CaseStatus.NOT_APPEALED else plan.deadline_at
    if counted_next != stored_next:
        result.violation["next_deadline_at"] = counted_next
        # Moves of the decision, the escalation or the appeal window already say so; a follow-up window does not.
        if not result.moves:
            label = plan.deadline_label or DEADLINE_LABELS["follow_up"]
            result.moves.append(Move(label, stored_next, counted_next))
    return result


def ticket_recount(row: Mapping[str, Any], *, clocks: Clocks, now: datetime) -> dict[str, datetime]:
    """A ticket's SLA due times counted again: the ones that differ (a met or past one stays)."""
    rules, calendar = clocks.rules_for(row), clocks.platform_clock(row)
    changed = {}
    if row["first_response_at"] is None and _still_ahead(row["first_response_due_at"], now):
        counted = calendar.add_business_hours(row["opened_at"], rules.ticket_first_response_hours)
        if counted != row["first_response_due_at"]:
            changed["first_response_due_at"] = counted
    if _still_ahead(row["resolution_due_at"], now):
        counted = calendar.add_business_hours(row["opened_at"], rules.ticket_resolution_hours)
        if counted != row["resolution_due_at"]:
            changed["resolution_due_at"] = counted
    return changed


# --- Batches -----------------------------------------------------------------------------------------------

CASE_COLUMNS = ("id", "kind", "enforced_at", "appeal_by", "status", "next_deadline_at", "rule_version_id")
CASE_VALUES = (*CASE_COLUMNS, "account__market")
TICKET_COLUMNS = (
    "id",
    "violation_id",
    "opened_at",
    "first_response_at",
    "first_response_due_at",
    "resolution_due_at",
    "rule_version_id",
)
TICKET_VALUES = (*TICKET_COLUMNS, "account__market")
KEYS = (*CASE_COLUMNS, "market")


def open_cases(organization_id: int, *, market: str = "") -> Any:
    qs = Violation.objects.filter(organization_id=organization_id, status__in=OPEN_STATUSES)
    return qs.filter(account__market=market) if market else qs


def open_tickets(organization_id: int, *, market: str = "") -> Any:
    qs = SupportTicket.objects.filter(organization_id=organization_id, resolved_at__isnull=True)
    return qs.filter(account__market=market) if market else qs


@dataclass
class BatchResult:
    last_id: int = 0
    processed: int = 0
    changed: int = 0  # cases (and tickets) with at least one deadline moved
    cases: list[CaseResult] = field(default_factory=list)


@lru_cache(maxsize=4096)
def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    """'Dec 6, 2026 17:00' in the organization's time (cached: a batch's deadlines share a few hundred moments)."""
    if moment is None:
        return "none"
    local = moment.astimezone(tz)
    return f"{local:%b} {local.day}, {local.year} {local:%H:%M}"


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _entry(violation_id: int, moves: list[Move], reason: str, tz: ZoneInfo) -> tuple:
    """One timeline row (violation_id, verb, data) for the entries writer."""
    parts = [f"{m.label} moved from {_when(m.old, tz)} to {_when(m.new, tz)}" for m in moves]
    data = {
        "summary": f"{'; '.join(parts)} ({reason})",
        "reason": reason,
        "moves": [{"deadline": m.label, "from": _iso(m.old), "to": _iso(m.new)} for m in moves],
    }
    return (violation_id, TimelineVerb.DEADLINE_MOVED.value, data)


def _entries_writer(organization: Organization, now: datetime) -> _Writer:
    # Binary COPY on PostgreSQL (bulk_create elsewhere), as the import writes its entries: a batch's 2,000
    # entries cost a tenth of what model instances and an INSERT cost.
    return _Writer(TimelineEvent, ["violation_id", "verb", "data"], organization_id=organization.pk, created_at=now)


def cases_batch(
    *,
    organization: Organization,
    clocks: Clocks,
    after_id: int = 0,
    limit: int = BATCH_SIZE,
    market: str = "",
    ids: Iterable[int] | None = None,
    reason: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> BatchResult:
    """Recount one keyset page of open cases (ids > after_id, or exactly `ids`) and write what moved.
    Call inside a transaction (the page stays locked until it ends). reason=None writes no timeline entry."""
    now = now or timezone.now()
    qs = open_cases(organization.pk, market=market)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    qs = qs.filter(id__gt=after_id).order_by("id")
    if not dry_run:
        qs = qs.select_for_update(no_key=True, of=("self",))
    rows = [dict(zip(KEYS, values, strict=True)) for values in qs.values_list(*CASE_VALUES)[:limit]]
    result = BatchResult(last_id=rows[-1]["id"] if rows else after_id, processed=len(rows))
    if not rows:
        return result
    case_ids = [r["id"] for r in rows]
    appeals: dict[int, list[_Appeal]] = {}
    for values in Appeal.objects.filter(violation_id__in=case_ids).values_list(
        "id", "violation_id", "round", "status", "builder_step", "submitted_at", "due_at", "decided_at"
    ):
        appeals.setdefault(values[1], []).append(_Appeal(*values))
    escalations: dict[int, list[_Escalation]] = {}
    for values in Escalation.objects.filter(violation_id__in=case_ids).values_list(
        "id", "violation_id", "appeal_id", "escalated_at", "answer_due_at", "answered_at"
    ):
        escalations.setdefault(values[1], []).append(_Escalation(*values))
    for row in rows:
        case = case_recount(
            row,
            appeals.get(row["id"], []),
            escalations.get(row["id"], []),
            clocks=clocks,
            now=now,
        )
        if case.moves or case.violation:
            result.cases.append(case)
    result.changed = len(result.cases)
    if dry_run:
        return result
    if clocks.apply is not None:
        # "Apply now": every open case of the market takes the version, moved or not.
        Violation.objects.filter(pk__in=case_ids).exclude(rule_version=clocks.apply).update(rule_version=clocks.apply)
    by_id = {r["id"]: r for r in rows}
    update_rows_by_pk(
        Violation,
        ["appeal_by", "next_deadline_at"],
        [
            (c.violation_id, *(c.violation.get(f, by_id[c.violation_id][f]) for f in ("appeal_by", "next_deadline_at")))
            for c in result.cases
            if c.violation
        ],
    )
    update_rows_by_pk(Appeal, ["due_at"], [(pk, due) for c in result.cases for pk, due in c.appeals.items()])
    update_rows_by_pk(
        Escalation, ["answer_due_at"], [(pk, due) for c in result.cases for pk, due in c.escalations.items()]
    )
    if reason is not None:
        tz = organization.zoneinfo
        _entries_writer(organization, now).insert(
            _entry(c.violation_id, c.moves, reason, tz) for c in result.cases if c.moves
        )
    return result


def tickets_batch(
    *,
    organization: Organization,
    clocks: Clocks,
    after_id: int = 0,
    limit: int = BATCH_SIZE,
    market: str = "",
    reason: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> BatchResult:
    """Recount one keyset page of open tickets; a ticket linked to a case gets its entry on that case."""
    now = now or timezone.now()
    qs = open_tickets(organization.pk, market=market).filter(id__gt=after_id).order_by("id")
    if not dry_run:
        qs = qs.select_for_update(no_key=True, of=("self",))
    rows = [
        dict(zip((*TICKET_COLUMNS, "market"), values, strict=True)) for values in qs.values_list(*TICKET_VALUES)[:limit]
    ]
    result = BatchResult(last_id=rows[-1]["id"] if rows else after_id, processed=len(rows))
    written, entries = [], []
    tz = organization.zoneinfo
    for row in rows:
        changed = ticket_recount(row, clocks=clocks, now=now)
        if not changed:
            continue
        result.changed += 1
        written.append((row["id"], *(changed.get(f, row[f]) for f in ("first_response_due_at", "resolution_due_at"))))
        if row["violation_id"] is not None and reason is not None:
            moves = [Move(TICKET_LABELS[f], row[f], new) for f, new in changed.items()]
            entries.append(_entry(row["violation_id"], moves, reason, tz))
    if not dry_run:
        if clocks.apply is not None and rows:
            SupportTicket.objects.filter(pk__in=[r["id"] for r in rows]).exclude(rule_version=clocks.apply).update(
                rule_version=clocks.apply
            )
        update_rows_by_pk(SupportTicket, ["first_response_due_at", "resolution_due_at"], written)
        _entries_writer(organization, now).insert(entries)
    return result


def deadlines_recompute_cases(
    *, organization: Organization, violation_ids: Iterable[int], reason: str | None = None
) -> int:
    """Recount the given cases now, in the caller's transaction (an import's changed cases). Returns cases moved."""
    ids = sorted(set(violation_ids))
    if not ids:
        return 0
    clocks = Clocks(organization)
    moved = 0
    with transaction.atomic():
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            moved += cases_batch(
                organization=organization, clocks=clocks, ids=chunk, limit=len(chunk), reason=reason
            ).changed
    return moved


def recompute_preview(*, organization: Organization, version: RuleVersion | None = None) -> int:
    """How many open cases and tickets (of the version's market) would have a deadline moved if `version` were
    applied now; without a version, with each case's own version and today's settings. Nothing is written."""
    clocks = Clocks(organization, apply=version)
    market = version.market if version is not None else ""
    count, after = 0, 0
    while True:
        batch = cases_batch(organization=organization, clocks=clocks, after_id=after, market=market, dry_run=True)
        count += batch.changed
        if batch.processed < BATCH_SIZE:
            break
        after = batch.last_id
    after = 0
    while True:
        batch = tickets_batch(organization=organization, clocks=clocks, after_id=after, market=market, dry_run=True)
        count += batch.changed
        if batch.processed < BATCH_SIZE:
            break
        after = batch.last_id
    return count


# --- The job -----------------------------------------------------------------------------------------------


def settings_change_reason(changes: Mapping[str, tuple[Any, Any]]) -> str:
    """'settings: review business days 3 → 5, ticket resolution hours 48 → 24'."""
    parts = []
    for name, (old, new) in changes.items():
        words = DEADLINE_SETTINGS.get(name, name.replace("_", " "))
        if isinstance(old, (int, str)) and isinstance(new, (int, str)):
            parts.append(f"{words} {old} → {new}")
        else:
            parts.append(f"{words} changed")
    return "settings: " + ", ".join(parts)


def recompute_job_start(
    *,
    organization: Organization,
    reason: str,
    by=None,
    version: RuleVersion | None = None,
    dry_run: bool = False,
    publish: bool = True,
) -> RecomputeJob:
    """Record a job and publish its task once the caller's transaction commits (the settings are saved then)."""
    market = version.market if version is not None else ""
    total = open_cases(organization.pk, market=market).count() + open_tickets(organization.pk, market=market).count()
    job = RecomputeJob.objects.create(
        organization=organization,
        reason=reason[:255],
        market=market,
        rule_version=version,
        dry_run=dry_run,
        total=total,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    if publish:
        transaction.on_commit(lambda: recompute_job_publish(job_id=job.pk))
    return job


def recompute_job_publish(*, job_id: int) -> bool:
    from appeals.services.reminders.sweep import enqueue_safely

    return enqueue_safely(RUN_TASK, job_id)


def recompute_job_run(
    *, job_id: int, batch_size: int | None = None, max_batches: int | None = None, on_batch: Callable | None = None
) -> RecomputeJob:
    """Run a job to the end (or `max_batches` batches), one transaction per batch.

    1. Each batch locks the job row, so two deliveries of the same task take turns instead of counting twice.
    2. The batch and the job's cursor and counts commit together: a killed worker's retry resumes after the last
       committed batch, and a batch that is recounted anyway finds nothing left to move (idempotent).
    3. Cases first, then tickets; then the job is done.
    """
    batch_size = batch_size or settings.RECOMPUTE_BATCH_SIZE
    job = RecomputeJob.objects.select_related("organization", "rule_version").get(pk=job_id)
    organization = job.organization
    clocks = Clocks(organization, apply=job.rule_version)
    RecomputeJob.objects.filter(pk=job_id, state=RecomputeJob.State.PENDING).update(
        state=RecomputeJob.State.RUNNING, started_at=timezone.now()
    )
    batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            job = RecomputeJob.objects.select_for_update().get(pk=job_id)
            if job.is_finished:
                return job
            kwargs = {
                "organization": organization,
                "clocks": clocks,
                "after_id": job.cursor,
                "limit": batch_size,
                "market": job.market,
                "reason": job.reason,
                "dry_run": job.dry_run,
            }
            if job.phase == RecomputeJob.Phase.CASES:
                batch = cases_batch(**kwargs)
                next_phase = RecomputeJob.Phase.TICKETS
            else:
                batch = tickets_batch(**kwargs)
                next_phase = RecomputeJob.Phase.FINISHED
            job.done += batch.processed
            job.changed += batch.changed
            job.cursor = batch.last_id
            if batch.processed < batch_size:
                job.phase, job.cursor = next_phase, 0
            if job.phase == RecomputeJob.Phase.FINISHED:
                job.state, job.finished_at = RecomputeJob.State.DONE, timezone.now()
            job.save(update_fields=["done", "changed", "cursor", "phase", "state", "finished_at"])
        batches += 1
        if on_batch is not None:
            on_batch(job)
    return job


# A job still pending this long after it was recorded lost its task (the broker was down when it was published).
RESUME_AFTER = timedelta(minutes=2)


def recompute_jobs_resume(*, now: datetime | None = None) -> int:
    """Publish again the jobs no worker took. A running job needs nothing: a killed worker's task is redelivered
    (acks late), and a duplicate would only take turns with it on the job row. Returns jobs published."""
    cutoff = (now or timezone.now()) - RESUME_AFTER
    ids = RecomputeJob.objects.filter(state=RecomputeJob.State.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )
    return sum(recompute_job_publish(job_id=pk) for pk in ids)


def recompute_job_fail(*, job_id: int, error: str) -> None:
    RecomputeJob.objects.filter(pk=job_id).exclude(state=RecomputeJob.State.DONE).update(
        state=RecomputeJob.State.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def deadline_settings_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (before[name], after[name]) for name in DEADLINE_SETTINGS if before.get(name) != after.get(name)}


def organization_deadlines_changed(*, organization: Organization, reason: str, by=None) -> RecomputeJob | None:
    """The organization's deadline settings or calendar changed: recount its open cases in a job (if it has any)."""
    if not (open_cases(organization.pk).exists() or open_tickets(organization.pk).exists()):
        return None
    return recompute_job_start(organization=organization, reason=reason, by=by)


@transaction.atomic
def rule_version_count(*, organization: Organization, version: RuleVersion, by=None) -> RecomputeJob:
    """Count, in a job that writes nothing, the market's open cases and tickets whose deadlines `version` would
    move now (100k open cases take seconds: not inside a web request)."""
    if version.organization_id != organization.pk:
        raise ValueError("A version of another organization.")
    return recompute_job_start(
        organization=organization,
        reason=f"count for rule version {version.number} of {version.market}",
        by=by,
        version=version,
        dry_run=True,
    )


@transaction.atomic
def rule_version_apply(*, organization: Organization, version: RuleVersion, by=None) -> RecomputeJob:
    """ "Apply now": the market's open cases and tickets take `version` and their deadlines are recounted with it
    in a job (each case whose deadline moved gets a timeline entry naming the version)."""
    if version.organization_id != organization.pk:
        raise ValueError("A version of another organization.")
    return recompute_job_start(
        organization=organization, reason=f"rule version {version.number} of {version.market}", by=by, version=version
    )
