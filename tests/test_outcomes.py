"""Recording outcomes and starting follow-up appeals (services)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from appeals.models import Appeal, CaseStatus, Evidence, TimelineEvent, TimelineVerb, Violation
from appeals.services import InvalidTransition, PermissionRefused, ServiceError, StaleVersion
from appeals.services.outcomes import (
    appeal_follow_up_start,
    evidence_file_shared,
    follow_up_deadline,
    follow_up_problems,
    follow_up_refusal,
    outcome_record,
    review_summary,
)
from tests.factories import AppealFactory, ViolationFactory
from tests.outcomes_helpers import make_evidence, submitted_appeal

pytestmark = pytest.mark.django_db


def _upheld(shop, member, **kwargs) -> Appeal:
    appeal = submitted_appeal(shop, **kwargs)
    return outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=appeal.version)


# --- outcome_record ---------------------------------------------------------------------------


def test_reversal_records_decision_clears_points_and_refreshes_status(shop, member):
    appeal = submitted_appeal(shop, penalty_points=6)
    appeal = outcome_record(
        appeal_id=appeal.pk, by=member, outcome="reversed", message="Listing reinstated.", version=appeal.version
    )
    appeal.refresh_from_db()
    violation = appeal.violation
    violation.refresh_from_db()
    assert appeal.status == Appeal.Status.REVERSED
    assert appeal.decided_at is not None
    assert appeal.decision_message == "Listing reinstated."
    # Defaults for a listing removal with points: the listing and the points.
    assert set(appeal.impacts_cleared) == {"listing_reinstated", "points_removed"}
    assert appeal.version == 2
    assert violation.points_cleared is True
    assert violation.status == CaseStatus.REVERSED
    event = TimelineEvent.objects.get(violation=violation, verb=TimelineVerb.OUTCOME_RECORDED)
    assert event.actor == member and event.data["outcome"] == "reversed"


def test_partial_reversal_keeps_only_listed_impacts(shop, member):
    appeal = submitted_appeal(shop, penalty_points=4)
    appeal = outcome_record(
        appeal_id=appeal.pk,
        by=member,
        outcome="partially_reversed",
        impacts_cleared=["listing_reinstated"],
        version=appeal.version,
    )
    appeal.violation.refresh_from_db()
    assert appeal.impacts_cleared == ["listing_reinstated"]
    assert appeal.violation.points_cleared is False
    assert appeal.violation.status == CaseStatus.PARTIALLY_REVERSED


def test_partial_reversal_needs_impacts_and_unknown_impacts_refused(shop, member):
    appeal = submitted_appeal(shop)
    with pytest.raises(ServiceError) as exc:
        outcome_record(appeal_id=appeal.pk, by=member, outcome="partially_reversed", version=1)
    assert exc.value.field == "impacts_cleared"
    with pytest.raises(ServiceError) as exc:
        outcome_record(appeal_id=appeal.pk, by=member, outcome="reversed", impacts_cleared=["goodwill"], version=1)
    assert "Unknown impact" in exc.value.message
    with pytest.raises(ServiceError):
        outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", impacts_cleared=["points_removed"], version=1)


def test_decision_before_submission_is_a_field_error(shop, member):
    appeal = submitted_appeal(shop)
    with pytest.raises(ServiceError) as exc:
        outcome_record(
            appeal_id=appeal.pk,
            by=member,
            outcome="upheld",
            decided_at=appeal.submitted_at - timedelta(hours=1),
            version=appeal.version,
        )
    assert exc.value.field == "decided_at"
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UNDER_REVIEW


@pytest.mark.parametrize(
    ("start", "outcome", "allowed"),
    [
        ("draft", "withdrawn", True),
        ("draft", "upheld", False),
        ("under_review", "upheld", True),
        ("under_review", "withdrawn", True),
        ("upheld", "reversed", False),
        ("reversed", "upheld", False),
        ("withdrawn", "reversed", False),
        ("under_review", "draft", False),
    ],
)
def test_transitions_follow_the_state_machine(shop, member, start, outcome, allowed):
    now = timezone.now()
    appeal = AppealFactory(
        violation=ViolationFactory(account=shop),
        status=start,
        submitted_at=None if start == "draft" else now - timedelta(days=1),
        decided_at=now if start in {"upheld", "reversed"} else None,
    )
    if allowed:
        appeal = outcome_record(appeal_id=appeal.pk, by=member, outcome=outcome, version=appeal.version)
        assert appeal.status == outcome
    else:
        with pytest.raises(InvalidTransition):
            outcome_record(appeal_id=appeal.pk, by=member, outcome=outcome, version=appeal.version)


def test_conflicting_outcome_saves_second_refused_and_first_kept(shop, member, owner):
    appeal = submitted_appeal(shop)
    seen_version = appeal.version  # both people opened the form at this version
    outcome_record(appeal_id=appeal.pk, by=owner, outcome="upheld", message="No change.", version=seen_version)
    with pytest.raises(StaleVersion) as exc:
        outcome_record(appeal_id=appeal.pk, by=member, outcome="reversed", version=seen_version)
    assert "upheld" in exc.value.message
    assert str(owner) in exc.value.message
    assert "Nothing was overwritten" in exc.value.message
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assert appeal.decision_message == "No change."


def test_viewer_and_outsider_cannot_record(shop, viewer, outsider):
    appeal = submitted_appeal(shop)
    for person in (viewer, outsider):
        with pytest.raises(PermissionRefused):
            outcome_record(appeal_id=appeal.pk, by=person, outcome="upheld", version=appeal.version)


def test_review_summary_counts_business_days(shop, member):
    # Monday 10:00 New York → Thursday 11:00: three business days, inside a 3-day window.
    submitted = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    appeal = submitted_appeal(shop, submitted_at=submitted)
    appeal.decided_at = datetime(2026, 3, 5, 16, 0, tzinfo=UTC)
    summary = review_summary(appeal)
    assert summary is not None and summary.business_days == 3 and summary.within
    appeal.decided_at = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # next Tuesday
    summary = review_summary(appeal)
    assert summary.business_days == 6 and not summary.within


def test_point_totals_after_reversals(shop, member):
    appeals = [submitted_appeal(shop, penalty_points=p) for p in (6, 4, 12)]

    def outstanding() -> int:
        return Violation.objects.filter(account=shop, points_cleared=False).aggregate(t=Sum("penalty_points"))["t"] or 0

    assert outstanding() == 22
    outcome_record(appeal_id=appeals[0].pk, by=member, outcome="reversed", version=1)
    assert outstanding() == 16
    outcome_record(appeal_id=appeals[1].pk, by=member, outcome="upheld", version=1)
    assert outstanding() == 16
    outcome_record(
        appeal_id=appeals[2].pk, by=member, outcome="partially_reversed", impacts_cleared=["points_removed"], version=1
    )
    assert outstanding() == 4


# --- follow-ups -------------------------------------------------------------------------------


def test_follow_up_copies_text_and_evidence_and_needs_new_evidence(shop, member):
    first = submitted_appeal(shop)
    original = make_evidence(first, b"invoice-one", "invoice.pdf")
    first = outcome_record(appeal_id=first.pk, by=member, outcome="upheld", version=first.version)

    follow_up = appeal_follow_up_start(appeal_id=first.pk, by=member)
    assert follow_up.round == 2 and follow_up.parent == first and follow_up.status == Appeal.Status.DRAFT
    assert follow_up.explanation == first.explanation
    assert follow_up.desired_outcome == first.desired_outcome
    copy = follow_up.evidence.get()
    assert copy.sha256 == original.sha256 and copy.file.name == original.file.name
    assert evidence_file_shared(copy) and evidence_file_shared(original)
    assert TimelineEvent.objects.filter(verb=TimelineVerb.FOLLOW_UP_STARTED, appeal=follow_up).exists()
    assert follow_up.violation.status == CaseStatus.DRAFT

    # Only the copied file: refused, plainly.
    problems = follow_up_problems(follow_up)
    assert any("new evidence" in p for p in problems)
    # The same bytes under a new name still do not count.
    copy.delete()
    make_evidence(follow_up, b"invoice-one", "renamed.pdf")
    assert any("new evidence" in p for p in follow_up_problems(follow_up))
    # A genuinely new file: accepted.
    make_evidence(follow_up, b"certificate-of-authenticity", "certificate.pdf")
    assert follow_up_problems(follow_up) == []


def test_first_round_has_no_follow_up_problems(shop):
    appeal = AppealFactory(violation=ViolationFactory(account=shop))
    assert follow_up_problems(appeal) == []


def test_follow_up_refused_after_reversal_and_before_decision(shop, member):
    under_review = submitted_appeal(shop)
    with pytest.raises(ServiceError, match="upheld or partially reversed"):
        appeal_follow_up_start(appeal_id=under_review.pk, by=member)
    reversed_ = outcome_record(appeal_id=under_review.pk, by=member, outcome="reversed", version=1)
    with pytest.raises(ServiceError, match="reversed"):
        appeal_follow_up_start(appeal_id=reversed_.pk, by=member)


def test_follow_up_allowed_after_partial_reversal(shop, member):
    appeal = submitted_appeal(shop)
    appeal = outcome_record(
        appeal_id=appeal.pk, by=member, outcome="partially_reversed", impacts_cleared=["points_removed"], version=1
    )
    assert appeal_follow_up_start(appeal_id=appeal.pk, by=member).round == 2


def test_round_limit_makes_the_decision_final(org, shop, member):
    first = _upheld(shop, member)
    second = submitted_appeal(shop, violation=first.violation, round=2, parent=first)
    second = outcome_record(appeal_id=second.pk, by=member, outcome="upheld", version=second.version)
    refusal = follow_up_refusal(second)
    assert "final" in refusal and "escalate" in refusal
    with pytest.raises(ServiceError, match="final"):
        appeal_follow_up_start(appeal_id=second.pk, by=member)
    # A third round becomes possible when the organization allows it.
    org.max_rounds = 3
    org.save()
    second.organization.refresh_from_db()
    assert appeal_follow_up_start(appeal_id=second.pk, by=member).round == 3


def test_window_limit_end_of_local_day(org, shop, member):
    # Decided Wednesday 4 March 2026 at 15:00 New York: the window closes at 23:59:59 on 19 March, New York time.
    decided = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
    appeal = submitted_appeal(shop, submitted_at=decided - timedelta(days=3))
    appeal = outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", decided_at=decided, version=1)
    deadline = follow_up_deadline(appeal)
    assert deadline.astimezone(org.zoneinfo).replace(tzinfo=None) == datetime(2026, 3, 19, 23, 59, 59)
    assert follow_up_refusal(appeal, now=deadline) is None
    late = deadline + timedelta(seconds=1)
    assert "15 calendar days" in follow_up_refusal(appeal, now=late)
    with pytest.raises(ServiceError, match="escalate"):
        appeal_follow_up_start(appeal_id=appeal.pk, by=member, now=late)


def test_follow_up_submitted_after_window_is_flagged(shop, member):
    decided = timezone.now() - timedelta(days=2)
    first = submitted_appeal(shop, submitted_at=decided - timedelta(days=1))
    make_evidence(first, b"old")
    first = outcome_record(appeal_id=first.pk, by=member, outcome="upheld", decided_at=decided, version=1)
    follow_up = appeal_follow_up_start(appeal_id=first.pk, by=member)
    make_evidence(follow_up, b"new")
    assert follow_up_problems(follow_up) == []
    with time_machine.travel(decided + timedelta(days=17)):
        problems = follow_up_problems(follow_up)
    assert len(problems) == 1 and "final" in problems[0]


def test_second_follow_up_of_same_decision_refused(shop, member):
    first = _upheld(shop, member)
    appeal_follow_up_start(appeal_id=first.pk, by=member)
    with pytest.raises(ServiceError, match="already exists"):
        appeal_follow_up_start(appeal_id=first.pk, by=member)
    assert Appeal.objects.filter(violation=first.violation).count() == 2


def test_deleting_a_copied_evidence_row_keeps_the_shared_file(shop, member):
    first = submitted_appeal(shop)
    original = make_evidence(first, b"photo-bytes", "photo.jpg")
    first = outcome_record(appeal_id=first.pk, by=member, outcome="upheld", version=1)
    follow_up = appeal_follow_up_start(appeal_id=first.pk, by=member)
    copy = follow_up.evidence.get()
    copy.delete()  # a row delete never touches storage
    assert original.file.storage.exists(original.file.name)
    assert not evidence_file_shared(original)
    assert Evidence.objects.filter(pk=original.pk).exists()


# --- status derivation across rounds ------------------------------------------------------------


class _A:
    def __init__(self, round, status, pk=None):
        self.round, self.status, self.pk = round, status, pk or round


class _E:
    def __init__(self, answered_at=None, result="", appeal_id=None):
        self.answered_at, self.result, self.appeal_id = answered_at, result, appeal_id


NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("appeals", "escalations", "expected"),
    [
        ([], [], CaseStatus.NOT_APPEALED),
        ([_A(1, "draft")], [], CaseStatus.DRAFT),
        ([_A(1, "under_review")], [], CaseStatus.UNDER_REVIEW),
        ([_A(1, "upheld")], [], CaseStatus.UPHELD),
        ([_A(1, "reversed")], [], CaseStatus.REVERSED),
        ([_A(1, "withdrawn")], [], CaseStatus.WITHDRAWN),
        ([_A(1, "upheld"), _A(2, "draft")], [], CaseStatus.DRAFT),
        ([_A(2, "under_review"), _A(1, "upheld")], [], CaseStatus.UNDER_REVIEW),
        ([_A(1, "upheld"), _A(2, "reversed")], [], CaseStatus.REVERSED),
        ([_A(1, "partially_reversed"), _A(2, "upheld")], [], CaseStatus.UPHELD),
        ([_A(1, "upheld"), _A(2, "upheld")], [_E()], CaseStatus.ESCALATED),
        ([_A(1, "under_review")], [_E()], CaseStatus.ESCALATED),
        ([_A(1, "partially_reversed")], [_E()], CaseStatus.ESCALATED),
        ([_A(1, "upheld")], [_E(NOW, "upheld", 1)], CaseStatus.UPHELD),
        ([_A(1, "upheld")], [_E(NOW, "reversed", 1)], CaseStatus.REVERSED),
        ([_A(1, "upheld")], [_E(NOW, "partially_reversed", 1)], CaseStatus.PARTIALLY_REVERSED),
        # An answer about round 1 does not decide round 2.
        ([_A(1, "upheld"), _A(2, "upheld")], [_E(NOW, "reversed", 1)], CaseStatus.UPHELD),
        ([_A(1, "reversed")], [_E()], CaseStatus.REVERSED),
        ([_A(1, "upheld"), _A(2, "draft")], [_E()], CaseStatus.DRAFT),
    ],
)
def test_derive_status_table(appeals, escalations, expected):
    assert Violation.derive_status(appeals, escalations) == expected


def test_status_follows_rounds_end_to_end(shop, member):
    first = submitted_appeal(shop)
    violation = first.violation
    outcome_record(appeal_id=first.pk, by=member, outcome="upheld", version=1)
    violation.refresh_from_db()
    assert violation.status == CaseStatus.UPHELD
    follow_up = appeal_follow_up_start(appeal_id=first.pk, by=member)
    violation.refresh_from_db()
    assert violation.status == CaseStatus.DRAFT
    Appeal.objects.filter(pk=follow_up.pk).update(status="under_review", submitted_at=timezone.now())
    outcome_record(appeal_id=follow_up.pk, by=member, outcome="reversed", version=follow_up.version)
    violation.refresh_from_db()
    assert violation.status == CaseStatus.REVERSED and violation.points_cleared
