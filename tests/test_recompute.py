"""Recomputing stored deadlines when the rules that count them change (services.recompute)."""

from __future__ import annotations

import io
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from appeals import imports
from appeals.imports import parse_violations_csv
from appeals.models import (
    Appeal,
    CaseStatus,
    RecomputeJob,
    SupportTicket,
    TimelineEvent,
    TimelineVerb,
    Violation,
)
from appeals.services import recompute
from appeals.services import violations as violation_services
from appeals.services.status import violation_refresh_status
from core import services as core_services
from core.markets import market_today, rules_for
from core.rules import rule_version_add
from tests.factories import AccountFactory, AppealFactory, ViolationFactory

pytestmark = pytest.mark.django_db


def _case(org, **kw) -> Violation:
    """A case whose appeal window was counted as violation_create counts it."""
    kw.setdefault("account", AccountFactory(organization=org))
    violation = ViolationFactory(**kw)
    clock, violation.rule_version = violation_services.case_clock_and_version(
        organization=org, account=violation.account, enforced_at=violation.enforced_at
    )
    violation.appeal_by = violation_services.appeal_by_for(
        clock=clock,
        rules=rules_for(org, violation.rule_version),
        kind=violation.kind,
        enforced_at=violation.enforced_at,
    )
    violation.save()
    return violation


def _under_review(org, *, submitted_days_ago: float = 0.5, **kw) -> Appeal:
    calendar = org.business_calendar()
    submitted = timezone.now() - timedelta(days=submitted_days_ago)
    violation = _case(org, **kw)
    appeal = AppealFactory(
        violation=violation,
        status=Appeal.Status.UNDER_REVIEW,
        submitted_at=submitted,
        due_at=calendar.add_business_days(submitted, org.review_business_days),
    )
    violation_refresh_status(violation=violation)
    return appeal


def _upheld(org, *, decided_days_ago: float = 1) -> Violation:
    decided = timezone.now() - timedelta(days=decided_days_ago)
    violation = _case(org)
    AppealFactory(
        violation=violation,
        status=Appeal.Status.UPHELD,
        submitted_at=decided - timedelta(days=3),
        due_at=decided,
        decided_at=decided,
    )
    violation_refresh_status(violation=violation)
    violation.refresh_from_db()
    assert violation.status == CaseStatus.UPHELD and violation.next_deadline_at is not None
    return violation


def _ticket(org, **kw) -> SupportTicket:
    calendar = org.business_calendar()
    opened = kw.pop("opened_at", timezone.now() - timedelta(hours=2))
    return SupportTicket.objects.create(
        organization=org,
        account=kw.pop("account", None) or AccountFactory(organization=org),
        channel="seller_center_chat",
        subject="Payout hold",
        opened_at=opened,
        first_response_due_at=calendar.add_business_hours(opened, org.ticket_first_response_hours),
        resolution_due_at=calendar.add_business_hours(opened, org.ticket_resolution_hours),
        **kw,
    )


def _save_settings(org, django_capture_on_commit_callbacks, **changes) -> RecomputeJob | None:
    """Save settings as the settings page does and run the job it started (the task's service, no broker)."""
    before = set(RecomputeJob.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        core_services.organization_update(organization=org, **changes)
    jobs = list(RecomputeJob.objects.exclude(pk__in=before))
    assert len(jobs) <= 1
    if not jobs:
        assert callbacks == []
        return None
    assert len(callbacks) == 1  # the task is published once the settings are committed
    return recompute.recompute_job_run(job_id=jobs[0].pk)


def _utc(moment) -> str:
    return moment.astimezone(UTC).isoformat()


def _moved_entries(violation) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(violation=violation, verb=TimelineVerb.DEADLINE_MOVED))


def test_review_days_change_moves_open_decision_due_with_a_timeline_entry(org, django_capture_on_commit_callbacks):
    appeal = _under_review(org)
    old_due = appeal.due_at
    job = _save_settings(org, django_capture_on_commit_callbacks, review_business_days=5)
    appeal.refresh_from_db()
    expected = org.business_calendar().add_business_days(appeal.submitted_at, 5)
    assert appeal.due_at == expected != old_due
    appeal.violation.refresh_from_db()
    assert appeal.violation.next_deadline_at == expected
    (entry,) = _moved_entries(appeal.violation)
    summary = entry.data["summary"]
    assert summary.startswith("Decision due moved from ")
    assert summary.endswith("(settings: review business days 3 → 5)")
    assert entry.data["moves"] == [{"deadline": "Decision due", "from": _utc(old_due), "to": _utc(expected)}]
    assert (job.state, job.total, job.done, job.changed) == ("done", 1, 1, 1)
    assert job.started_at and job.finished_at


def test_follow_up_window_change_moves_next_deadline(org, django_capture_on_commit_callbacks):
    """Known gap: next_deadline_at kept the old follow-up window after the organization changed it."""
    violation = _upheld(org)
    decided = violation.appeals.get().decided_at
    _save_settings(org, django_capture_on_commit_callbacks, follow_up_window_days=20)
    violation.refresh_from_db()
    calendar = org.business_calendar()
    assert violation.next_deadline_at == calendar.end_of_day(calendar.local(decided).date() + timedelta(days=20))
    (entry,) = _moved_entries(violation)
    assert "Follow-up window closes moved from" in entry.data["summary"]
    assert "follow-up window days 15 → 20" in entry.data["summary"]


def test_fewer_rounds_close_the_follow_up(org, django_capture_on_commit_callbacks):
    """Known gap: with one round allowed, an upheld first round has no follow-up window left (escalate)."""
    violation = _upheld(org)
    _save_settings(org, django_capture_on_commit_callbacks, max_rounds=1)
    violation.refresh_from_db()
    assert violation.next_deadline_at is None
    (entry,) = _moved_entries(violation)
    assert entry.data["summary"].endswith("to none (settings: appeal rounds 2 → 1)")


def test_past_deadlines_and_closed_cases_stay(org, django_capture_on_commit_callbacks):
    overdue = _under_review(org, submitted_days_ago=20)
    reversed_case = _case(org, status=CaseStatus.REVERSED)
    old_window = _case(org, enforced_at=timezone.now() - timedelta(days=40))
    before = (overdue.due_at, reversed_case.appeal_by, old_window.appeal_by)
    _save_settings(org, django_capture_on_commit_callbacks, review_business_days=7, appeal_window_days=60)
    overdue.refresh_from_db()
    reversed_case.refresh_from_db()
    old_window.refresh_from_db()
    assert (overdue.due_at, reversed_case.appeal_by, old_window.appeal_by) == before
    assert not TimelineEvent.objects.filter(verb=TimelineVerb.DEADLINE_MOVED).exists()


def test_appeal_window_change_moves_windows_not_yet_used(org, django_capture_on_commit_callbacks):
    waiting = _case(org)
    appealed = _under_review(org).violation
    appealed_by = appealed.appeal_by
    _save_settings(org, django_capture_on_commit_callbacks, appeal_window_days=10)
    calendar = org.business_calendar()
    waiting.refresh_from_db()
    appealed.refresh_from_db()
    assert waiting.appeal_by == calendar.end_of_day(calendar.local(waiting.enforced_at).date() + timedelta(days=10))
    (entry,) = _moved_entries(waiting)
    assert entry.data["summary"].startswith("Appeal window closes moved from")
    # Submitted already: its window no longer counts, so it is not moved (and no entry says so).
    assert appealed.appeal_by == appealed_by and _moved_entries(appealed) == []


def test_ticket_sla_change_moves_open_tickets_only(org, django_capture_on_commit_callbacks):
    violation = _case(org)
    linked = _ticket(org, account=violation.account, violation=violation)
    resolved = _ticket(org, resolved_at=timezone.now())
    answered = _ticket(org, first_response_at=timezone.now())
    resolved_before = (resolved.first_response_due_at, resolved.resolution_due_at)
    answered_first = answered.first_response_due_at
    job = _save_settings(org, django_capture_on_commit_callbacks, ticket_first_response_hours=8)
    calendar = org.business_calendar()
    linked.refresh_from_db()
    resolved.refresh_from_db()
    answered.refresh_from_db()
    assert linked.first_response_due_at == calendar.add_business_hours(linked.opened_at, 8)
    assert (resolved.first_response_due_at, resolved.resolution_due_at) == resolved_before
    assert answered.first_response_due_at == answered_first  # met already: nothing to count
    (entry,) = _moved_entries(violation)
    assert entry.data["summary"].startswith("Ticket first response due moved from")
    assert job.changed == 1 and job.total == 1 + 2  # one open case, two open tickets


def test_same_values_or_unrelated_settings_start_no_job(org, django_capture_on_commit_callbacks):
    _under_review(org)
    assert _save_settings(org, django_capture_on_commit_callbacks, review_business_days=3, max_rounds=2) is None
    assert _save_settings(org, django_capture_on_commit_callbacks, name="Renamed", appeal_char_limit=900) is None


def test_settings_change_without_open_cases_starts_no_job(org, django_capture_on_commit_callbacks):
    assert _save_settings(org, django_capture_on_commit_callbacks, review_business_days=5) is None


def test_a_second_run_changes_nothing(org, django_capture_on_commit_callbacks):
    appeals = [_under_review(org) for _ in range(3)]
    _save_settings(org, django_capture_on_commit_callbacks, review_business_days=6)
    dues = {a.pk: Appeal.objects.get(pk=a.pk).due_at for a in appeals}
    again = recompute.recompute_job_start(organization=org, reason="again", publish=False)
    again = recompute.recompute_job_run(job_id=again.pk)
    assert again.changed == 0 and again.done == 3
    assert {a.pk: Appeal.objects.get(pk=a.pk).due_at for a in appeals} == dues
    assert TimelineEvent.objects.filter(verb=TimelineVerb.DEADLINE_MOVED).count() == 3


def test_an_interrupted_job_resumes_after_its_last_batch(org):
    appeals = [_under_review(org) for _ in range(5)]
    org.review_business_days = 8
    org.save()
    job = recompute.recompute_job_start(organization=org, reason="rule version 2", publish=False)
    job = recompute.recompute_job_run(job_id=job.pk, batch_size=2, max_batches=1)
    assert (job.state, job.phase, job.done, job.cursor) == ("running", "cases", 2, appeals[1].violation_id)
    assert job.percent == 40
    # The worker died; the retry takes the job from its cursor.
    job = recompute.recompute_job_run(job_id=job.pk, batch_size=2)
    assert (job.state, job.done, job.changed, job.percent) == ("done", 5, 5, 100)
    for appeal in appeals:
        assert Appeal.objects.get(pk=appeal.pk).due_at == org.business_calendar().add_business_days(
            appeal.submitted_at, 8
        )
        assert len(_moved_entries(appeal.violation)) == 1
    # A duplicate delivery of the finished job does nothing.
    assert recompute.recompute_job_run(job_id=job.pk).done == 5


def test_closed_date_moves_escalation_answers_not_platform_deadlines(org, django_capture_on_commit_callbacks):
    """Closed dates are the team's: an escalation's answer (team calendar) moves, the platform's review does not."""
    appeal = _under_review(org, submitted_days_ago=0)
    escalated = timezone.now()
    escalation = appeal.violation.escalations.create(
        organization=org,
        appeal=appeal,
        to_team="program_team",
        escalated_at=escalated,
        answer_due_at=org.business_calendar().add_business_days(escalated, org.escalation_answer_business_days),
    )
    calendar = org.business_calendar()
    day = calendar.next_business_day(calendar.local(escalated).date())
    with django_capture_on_commit_callbacks(execute=False):
        core_services.closed_date_add(organization=org, date=day)
    job = RecomputeJob.objects.get()
    assert job.reason.startswith("closed dates changed: ")
    recompute.recompute_job_run(job_id=job.pk)
    escalation.refresh_from_db()
    due = appeal.due_at
    appeal.refresh_from_db()
    assert appeal.due_at == due
    assert escalation.answer_due_at == org.business_calendar().add_business_days(escalated, 5)
    assert escalation.answer_due_at > calendar.add_business_days(escalated, 5)
    (entry,) = _moved_entries(appeal.violation)
    assert entry.data["summary"].startswith("Escalation answer due moved from")


def test_preview_counts_what_would_move_then_apply_gives_the_cases_the_version(org, django_capture_on_commit_callbacks):
    appeals = [_under_review(org) for _ in range(3)]
    upheld = _upheld(org)
    gb_case = _case(org, account=AccountFactory(organization=org, market="GB"))
    assert recompute.recompute_preview(organization=org) == 0
    today = market_today(org, "US", timezone.now())
    version = rule_version_add(organization=org, market="US", effective_from=today, review_business_days=9)
    assert recompute.recompute_preview(organization=org, version=version) == 3
    assert [Appeal.objects.get(pk=a.pk).due_at for a in appeals] == [a.due_at for a in appeals]  # nothing written

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = recompute.rule_version_apply(organization=org, version=version)
    assert len(callbacks) == 1 and job.total == 4 and job.market == "US"
    job = recompute.recompute_job_run(job_id=job.pk)
    assert (job.state, job.done, job.changed) == ("done", 4, 3)
    calendar = org.business_calendar()
    for appeal in appeals:
        appeal.refresh_from_db()
        assert appeal.due_at == calendar.add_business_days(appeal.submitted_at, 9)
        assert appeal.violation.rule_version_id == version.pk
        (entry,) = _moved_entries(appeal.violation)
        assert entry.data["summary"].endswith(f"(rule version {version.number} of US)")
    upheld.refresh_from_db()
    assert upheld.rule_version_id == version.pk and _moved_entries(upheld) == []  # the version, no move
    gb_case.refresh_from_db()
    assert gb_case.rule_version.market == "GB"  # another market keeps its own
    assert recompute.recompute_preview(organization=org, version=version) == 0


def test_import_moving_the_window_keeps_a_drafts_next_deadline(org, shop, member):
    """Known gap: an import that changed a case's date left a first-round draft's next deadline on the old window."""
    header = "account,reference,kind,policy,action,enforced_at,penalty_points"

    def run(day: str):
        content = f"{header}\n{shop.external_id},VR-IMP,listing_removal,IP,removed,{day}T10:00:00,0\n".encode()
        parsed = parse_violations_csv(
            io.BytesIO(content), accounts=imports.account_lookup(org.accounts.all()), timezone=org.timezone
        )
        assert parsed.ok, parsed.errors
        return violation_services.violations_import(organization=org, rows=parsed.rows, by=member)

    today = timezone.localdate(timezone.now(), org.zoneinfo)
    run((today - timedelta(days=2)).isoformat())
    violation = Violation.objects.get(reference="VR-IMP")
    AppealFactory(violation=violation, status=Appeal.Status.DRAFT)
    violation_refresh_status(violation=violation)
    violation.refresh_from_db()
    assert violation.status == CaseStatus.DRAFT and violation.next_deadline_at == violation.appeal_by
    run((today - timedelta(days=1)).isoformat())
    violation.refresh_from_db()
    assert violation.next_deadline_at == violation.appeal_by


def test_a_job_whose_task_was_lost_is_published_again(org):
    import redis
    from django.conf import settings as django_settings

    from core.celery import app
    from tests.broker import broker_switch

    if not django_settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL)")
    _under_review(org)
    job = recompute.recompute_job_start(organization=org, reason="lost", publish=False)
    assert recompute.recompute_jobs_resume() == 0  # too recent: its task may still be on its way
    later = timezone.now() + recompute.RESUME_AFTER + timedelta(seconds=1)
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    broker_switch(app, django_settings.REDIS_URL)
    before = client.llen("celery")
    assert recompute.recompute_jobs_resume(now=later) == 1
    assert client.llen("celery") == before + 1
    client.delete("celery")
    recompute.recompute_job_run(job_id=job.pk)
    assert recompute.recompute_jobs_resume(now=later) == 0  # done
