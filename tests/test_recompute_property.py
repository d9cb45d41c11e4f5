"""Property: an appeal's deadlines never move unless a rule version is applied or the case's dates change.

Random sequences of everything else a team does (settings saved with the same values or with unrelated ones,
reminder sweeps, comments, assignment, edits of the case's text, recomputes with nothing new) leave the stored
deadlines of the case (appeal window, decision due, next deadline) as they were.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals.models import Appeal, RecomputeJob, Violation
from appeals.services import recompute
from appeals.services import violations as violation_services
from appeals.services.outcomes import comment_add
from appeals.services.reminders.sweep import reminders_sweep
from appeals.services.status import violation_refresh_status
from core import services as core_services
from core.forms import settings_initial
from core.markets import rules_for
from tests.factories import AccountFactory, AppealFactory, ViolationFactory

pytestmark = pytest.mark.django_db

UNRELATED = {
    "name": st.text("abcdefgh ", min_size=1, max_size=20).map(lambda s: s.strip() or "Org"),
    "appeal_char_limit": st.integers(100, 5000),
    "repeat_violation_count": st.integers(1, 20),
    "authorization_notice_days": st.integers(1, 60),
    "is_agency": st.booleans(),
}

OPERATIONS = st.one_of(
    st.tuples(st.just("same_settings"), st.none()),
    st.tuples(
        st.just("unrelated_setting"),
        st.sampled_from(sorted(UNRELATED)).flatmap(lambda name: st.tuples(st.just(name), UNRELATED[name])),
    ),
    st.tuples(st.just("sweep"), st.integers(0, 96)),  # hours from now
    st.tuples(
        st.just("comment"),
        st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip),
    ),
    st.tuples(st.just("assign"), st.booleans()),
    st.tuples(st.just("edit_text"), st.text("abcdef ", min_size=1, max_size=30).filter(str.strip)),
    st.tuples(st.just("recompute"), st.none()),
)


def _case(org, status: str) -> Violation:
    account = AccountFactory(organization=org)
    violation = ViolationFactory(account=account)
    clock, violation.rule_version = violation_services.case_clock_and_version(
        organization=org, account=account, enforced_at=violation.enforced_at
    )
    violation.appeal_by = violation_services.appeal_by_for(
        clock=clock,
        rules=rules_for(org, violation.rule_version),
        kind=violation.kind,
        enforced_at=violation.enforced_at,
    )
    violation.save()
    now = timezone.now()
    if status == "under_review":
        AppealFactory(
            violation=violation,
            status=Appeal.Status.UNDER_REVIEW,
            submitted_at=now - timedelta(hours=3),
            due_at=clock.add_business_days(now - timedelta(hours=3), org.review_business_days),
        )
    elif status == "upheld":
        AppealFactory(
            violation=violation,
            status=Appeal.Status.UPHELD,
            submitted_at=now - timedelta(days=4),
            due_at=now - timedelta(days=1),
            decided_at=now - timedelta(days=1),
        )
    elif status == "draft":
        AppealFactory(violation=violation, status=Appeal.Status.DRAFT)
    violation_refresh_status(violation=violation)
    violation.refresh_from_db()
    return violation


def _deadlines(violation: Violation) -> tuple:
    violation.refresh_from_db()
    return (
        violation.appeal_by,
        violation.next_deadline_at,
        tuple(violation.appeals.order_by("round").values_list("due_at", flat=True)),
    )


def _apply(op: str, arg, *, org, violation, member) -> None:
    if op == "same_settings":
        form = settings_initial(org)
        form.pop("name", None)
        core_services.organization_update(organization=org, **{k: v for k, v in form.items() if k != "is_agency"})
    elif op == "unrelated_setting":
        name, value = arg
        core_services.organization_update(organization=org, **{name: value})
    elif op == "sweep":
        reminders_sweep(now=timezone.now() + timedelta(hours=arg), enqueue=False)
    elif op == "comment":
        comment_add(violation_id=violation.pk, by=member, body=arg)
    elif op == "assign":
        violation_services.violation_assign(violation=violation, assignee=member if arg else None, by=member)
    elif op == "edit_text":
        violation.refresh_from_db()
        violation_services.violation_update(violation=violation, by=member, version=violation.version, policy=arg)
    elif op == "recompute":
        job = recompute.recompute_job_start(organization=org, reason="property", publish=False)
        assert recompute.recompute_job_run(job_id=job.pk).changed == 0


@pytest.mark.parametrize("status", ["not_appealed", "draft", "under_review", "upheld"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=6))
def test_deadlines_never_move_without_a_rule_change(
    org, member, status, operations, django_capture_on_commit_callbacks
):
    violation = _case(org, status)
    before = _deadlines(violation)
    last = RecomputeJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=False):
        for op, arg in operations:
            _apply(op, arg, org=org, violation=violation, member=member)
            assert _deadlines(violation) == before, (op, arg)
    # None of these started a recompute of its own (the settings did not change what counts deadlines).
    assert not RecomputeJob.objects.filter(pk__gt=last).exclude(reason="property").exists()
