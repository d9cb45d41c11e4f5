"""The case header: the state → action table, the deadline words, the stored next deadline, and the page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from appeals.case_state import Action, CaseFacts, DeadlineKind, case_plan, countdown, rounds_left
from appeals.models import CaseStatus, Violation
from appeals.services.appeals import appeal_save_step, appeal_start, appeal_submit
from appeals.services.outcomes import appeal_follow_up_start, escalation_answer, escalation_create, outcome_record
from core.calendar import BusinessCalendar
from tests.factories import ViolationFactory
from tests.outcomes_helpers import submitted_appeal

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday
BY = NOW + timedelta(days=20)
DUE = NOW + timedelta(days=3)
FOLLOW = NOW + timedelta(days=10)
ANSWER = NOW + timedelta(days=5)
PAST = NOW - timedelta(days=1)


def facts(status, **kw) -> CaseFacts:
    return CaseFacts(status=status, appeal_by=BY, **kw)


# (facts, action, label, deadline kind, deadline, rounds left): every case status, and each branch within one.
PLAN_TABLE = [
    (facts(CaseStatus.NOT_APPEALED), Action.START_APPEAL, "Start appeal", DeadlineKind.APPEAL_WINDOW, BY, 2),
    (
        facts(CaseStatus.DRAFT, latest_round=1, builder_step=3),
        Action.CONTINUE_DRAFT,
        "Continue draft (step 3)",
        DeadlineKind.APPEAL_WINDOW,
        BY,
        2,
    ),
    (
        facts(CaseStatus.DRAFT, latest_round=2, builder_step=1, follow_up_by=FOLLOW),
        Action.CONTINUE_DRAFT,
        "Continue draft (step 1)",
        DeadlineKind.FOLLOW_UP,
        FOLLOW,
        1,
    ),
    (
        facts(CaseStatus.UNDER_REVIEW, latest_round=1, decision_due_at=DUE),
        Action.RECORD_DECISION,
        "Record decision",
        DeadlineKind.DECISION,
        DUE,
        1,
    ),
    (
        facts(CaseStatus.ESCALATED, latest_round=1, escalation_due_at=ANSWER),
        Action.RECORD_ANSWER,
        "Record escalation answer",
        DeadlineKind.ESCALATION,
        ANSWER,
        1,
    ),
    (
        facts(CaseStatus.UPHELD, latest_round=1, follow_up_by=FOLLOW),
        Action.START_FOLLOW_UP,
        "Start follow-up",
        DeadlineKind.FOLLOW_UP,
        FOLLOW,
        1,
    ),
    (
        facts(CaseStatus.PARTIALLY_REVERSED, latest_round=1, follow_up_by=FOLLOW),
        Action.START_FOLLOW_UP,
        "Start follow-up",
        DeadlineKind.FOLLOW_UP,
        FOLLOW,
        1,
    ),
    # The follow-up window passed: escalate.
    (facts(CaseStatus.UPHELD, latest_round=1, follow_up_by=PAST), Action.ESCALATE, "Escalate", None, None, 1),
    # No round left: escalate.
    (facts(CaseStatus.UPHELD, latest_round=2, follow_up_by=FOLLOW), Action.ESCALATE, "Escalate", None, None, 0),
    # A one-round organization.
    (
        facts(CaseStatus.UPHELD, latest_round=1, max_rounds=1, follow_up_by=FOLLOW),
        Action.ESCALATE,
        "Escalate",
        None,
        None,
        0,
    ),
    # Escalated and answered without a reversal: nothing is left.
    (
        facts(CaseStatus.UPHELD, latest_round=2, escalation_answered=True),
        Action.FINAL,
        "Final: nothing left to do",
        None,
        None,
        0,
    ),
    (facts(CaseStatus.REVERSED, latest_round=1), Action.FINAL, "Final: nothing left to do", None, None, 1),
    (facts(CaseStatus.WITHDRAWN, latest_round=1), Action.FINAL, "Final: nothing left to do", None, None, 1),
]


@pytest.mark.parametrize(("case", "action", "label", "kind", "deadline", "left"), PLAN_TABLE)
def test_case_plan_table(case, action, label, kind, deadline, left):
    plan = case_plan(case, now=NOW)
    assert (plan.action, plan.label, plan.deadline_kind, plan.deadline_at, plan.rounds_left) == (
        action,
        label,
        kind,
        deadline,
        left,
    )


def test_every_case_status_is_in_the_table():
    assert {row[0].status for row in PLAN_TABLE} == set(CaseStatus.values)


@pytest.mark.parametrize(
    ("status", "latest_round", "max_rounds", "left"),
    [
        (CaseStatus.NOT_APPEALED, 0, 2, 2),
        (CaseStatus.DRAFT, 1, 2, 2),
        (CaseStatus.UNDER_REVIEW, 1, 2, 1),
        (CaseStatus.DRAFT, 2, 2, 1),
        (CaseStatus.UPHELD, 2, 2, 0),
        (CaseStatus.UPHELD, 3, 2, 0),  # never negative
        (CaseStatus.UPHELD, 1, 3, 2),
    ],
)
def test_rounds_left(status, latest_round, max_rounds, left):
    assert rounds_left(facts(status, latest_round=latest_round, max_rounds=max_rounds)) == left


CAL = BusinessCalendar(timezone="UTC", country="US", closed_dates=frozenset({date(2026, 12, 7)}))


@pytest.mark.parametrize(
    ("at", "text", "tone"),
    [
        (datetime(2026, 12, 2, 23, 59, tzinfo=UTC), "today", "overdue"),
        (datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "in 1 business day", "soon"),
        (datetime(2026, 12, 4, 9, 0, tzinfo=UTC), "in 2 business days", "soon"),
        # The weekend and a closed Monday are not business days.
        (datetime(2026, 12, 8, 9, 0, tzinfo=UTC), "in 3 business days", "ok"),
        (datetime(2026, 12, 2, 10, 0, tzinfo=UTC), "overdue since today", "overdue"),
        (datetime(2026, 12, 1, 10, 0, tzinfo=UTC), "overdue by 1 business day", "overdue"),
        (datetime(2026, 11, 27, 10, 0, tzinfo=UTC), "overdue by 3 business days", "overdue"),
    ],
)
def test_countdown_in_business_days(at, text, tone):
    result = countdown(at, calendar=CAL, now=NOW)
    assert (result.text, result.tone) == (text, tone)


def test_countdown_before_the_next_business_day():
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert countdown(datetime(2026, 12, 6, 23, 0, tzinfo=UTC), calendar=CAL, now=saturday).text == (
        "before the next business day"
    )


# --- The stored next deadline (services keep it) ----------------------------------------------------------------


@pytest.mark.django_db
def test_services_keep_the_next_deadline(org, shop, member):
    violation = ViolationFactory(account=shop)
    assert violation.next_deadline_at is None  # not appealed: appeal_by is its deadline
    appeal = appeal_start(violation=violation, by=member)
    violation.refresh_from_db()
    assert violation.next_deadline_at == violation.appeal_by
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": "Reinstate SKU 12345"}, by=member, version=1)
    appeal = appeal_submit(appeal_id=appeal.pk, by=member)
    violation.refresh_from_db()
    assert violation.next_deadline_at == appeal.due_at
    outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=appeal.version)
    violation.refresh_from_db()
    appeal.refresh_from_db()
    follow_up_by = org.business_calendar().end_of_day(
        timezone.localtime(appeal.decided_at, org.zoneinfo).date() + timedelta(days=org.follow_up_window_days)
    )
    assert violation.status == CaseStatus.UPHELD and violation.next_deadline_at == follow_up_by
    follow_up = appeal_follow_up_start(appeal_id=appeal.pk, by=member)
    violation.refresh_from_db()
    assert follow_up.round == 2 and violation.next_deadline_at == follow_up_by


@pytest.mark.django_db
def test_escalation_answer_due_is_the_next_deadline_then_final(org, shop, member):
    appeal = submitted_appeal(shop)
    outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=appeal.version)
    escalation = escalation_create(violation_id=appeal.violation_id, by=member, to_team="account_manager")
    violation = Violation.objects.get(pk=appeal.violation_id)
    assert violation.status == CaseStatus.ESCALATED and violation.next_deadline_at == escalation.answer_due_at
    escalation_answer(escalation_id=escalation.pk, by=member, result="reversed")
    violation.refresh_from_db()
    assert violation.status == CaseStatus.REVERSED and violation.next_deadline_at is None


# --- The header on the page -------------------------------------------------------------------------------------


def _case(client, violation):
    return client.get(reverse("appeals:case", kwargs={"violation_pk": violation.pk})).content.decode()


def _header(body: str) -> str:
    start = body.index('id="case-header"')
    return body[start : body.index("</section>", start)]


@pytest.mark.django_db
def test_header_of_a_new_case(org, shop, member, member_client, viewer_client):
    violation = ViolationFactory(account=shop, appeal_by=timezone.now() + timedelta(days=14), assignee=member)
    header = _header(_case(member_client, violation))
    assert "Appeal window closes" in header and "business days" in header
    assert str(member) in header and "2 of 2" in header
    assert 'data-action="start_appeal"' in header and ">Start appeal</button>" in header
    # A viewer sees the next step without a button.
    header = _header(_case(viewer_client, violation))
    assert "Next step, for a member: start appeal" in header and "<button" not in header


@pytest.mark.django_db
def test_header_after_submission_says_when_the_decision_is_due(org, shop, member, member_client):
    violation = ViolationFactory(account=shop)
    appeal = appeal_start(violation=violation, by=member)
    header = _header(_case(member_client, violation))
    assert "Continue draft (step 1)" in header
    assert reverse("appeals:appeal_step", kwargs={"appeal_pk": appeal.pk, "step": 1}) in header
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": "Reinstate SKU 12345"}, by=member, version=1)
    appeal = appeal_submit(appeal_id=appeal.pk, by=member)
    header = _header(_case(member_client, violation))
    assert "Decision due" in header and f'datetime="{timezone.localtime(appeal.due_at).isoformat()}"' in header
    assert reverse("appeals:outcome_record", kwargs={"appeal_pk": appeal.pk}) in header
    assert "1 of 2" in header


@pytest.mark.django_db
def test_header_after_an_upheld_decision_and_when_final(org, shop, member, member_client):
    appeal = submitted_appeal(shop)
    outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=appeal.version)
    header = _header(_case(member_client, appeal.violation))
    assert "Follow-up window closes" in header and ">Start follow-up</button>" in header
    assert reverse("appeals:appeal_follow_up", kwargs={"appeal_pk": appeal.pk}) in header
    org.max_rounds = 1
    org.save()
    header = _header(_case(member_client, appeal.violation))
    assert ">Escalate</a>" in header and "0 of 1" in header
    escalation = escalation_create(violation_id=appeal.violation_id, by=member, to_team="account_manager")
    header = _header(_case(member_client, appeal.violation))
    assert "Escalation answer due" in header
    assert reverse("appeals:escalation_answer", kwargs={"escalation_pk": escalation.pk}) in header
    escalation_answer(escalation_id=escalation.pk, by=member, result="upheld")
    header = _header(_case(member_client, appeal.violation))
    assert "Final: nothing left to do" in header and "<button" not in header and "None" in header


@pytest.mark.django_db
def test_header_on_the_builder(org, shop, member, member_client):
    violation = ViolationFactory(account=shop)
    appeal = appeal_start(violation=violation, by=member)
    body = member_client.get(reverse("appeals:appeal_step", kwargs={"appeal_pk": appeal.pk, "step": 2})).content
    header = _header(body.decode())
    assert "Continue draft (step 1)" in header and "Appeal window closes" in header


@pytest.mark.django_db
def test_case_sections_fold_without_javascript(shop, member_client):
    body = _case(member_client, ViolationFactory(account=shop))
    for heading in ("facts-title", "people-title", "notice-title", "appeals-title", "escalations-heading"):
        assert f'<summary><h2 id="{heading}"' in body
    assert body.index('id="case-header"') < body.index('id="notice"')


@pytest.mark.django_db
def test_header_of_another_organizations_case_is_404(shop, outsider_client):
    violation = ViolationFactory(account=shop)
    assert outsider_client.get(reverse("appeals:case", kwargs={"violation_pk": violation.pk})).status_code == 404


@pytest.mark.django_db
def test_htmx_assign_refreshes_the_headers_assignee(org, shop, member, member_client):
    violation = ViolationFactory(account=shop)
    url = reverse("appeals:violation_assign", kwargs={"violation_pk": violation.pk})
    body = member_client.post(url, {"assignee": member.pk}, headers={"HX-Request": "true"}).content.decode()
    assert 'id="case-people"' in body
    header = _header(body)
    assert 'hx-swap-oob="true"' in body[body.index('id="case-header"') - 80 :] and str(member) in header
    # The full page has one header, not swapped out of band.
    page = _case(member_client, violation)
    assert page.count('id="case-header"') == 1 and 'hx-swap-oob="true"' not in page


@pytest.mark.django_db
def test_editing_the_enforced_date_moves_a_drafts_next_deadline(org, shop, member):
    from appeals.services.violations import violation_update

    violation = ViolationFactory(account=shop)
    appeal_start(violation=violation, by=member)
    violation.refresh_from_db()
    before = violation.next_deadline_at
    violation = violation_update(
        violation=violation, by=member, version=violation.version, enforced_at=violation.enforced_at - timedelta(days=3)
    )
    violation.refresh_from_db()
    assert violation.next_deadline_at == violation.appeal_by and violation.next_deadline_at < before


moments = st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)))


@given(
    status=st.sampled_from(CaseStatus.values),
    max_rounds=st.integers(1, 4),
    latest_round=st.integers(0, 5),
    builder_step=st.integers(1, 5),
    decision_due_at=moments,
    follow_up_by=moments,
    escalation_due_at=moments,
    escalation_answered=st.booleans(),
)
def test_case_plan_invariants(status, max_rounds, **rest):
    plan = case_plan(facts(status, max_rounds=max_rounds, **rest), now=NOW)
    assert 0 <= plan.rounds_left <= max_rounds
    assert plan.label  # always one action (or the final word) to show
    if plan.deadline_at is not None:
        assert plan.deadline_label
    if plan.action in {Action.ESCALATE, Action.FINAL}:
        assert plan.deadline_at is None
    if plan.action == Action.START_FOLLOW_UP:
        assert plan.rounds_left >= 1 and plan.deadline_at >= NOW


@pytest.mark.django_db
def test_header_of_a_status_its_appeals_do_not_match_is_no_500(shop, member_client):
    # A stored status ahead of the rows (data written around the services): the step is named, nothing linked.
    for status in (CaseStatus.DRAFT, CaseStatus.UNDER_REVIEW, CaseStatus.ESCALATED, CaseStatus.UPHELD):
        violation = ViolationFactory(account=shop, status=status)
        response = member_client.get(reverse("appeals:case", kwargs={"violation_pk": violation.pk}))
        assert response.status_code == 200
        assert 'class="button primary-action"' not in _header(response.content.decode()) or status == "upheld"
