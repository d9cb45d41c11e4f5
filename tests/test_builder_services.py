"""Appeal builder services: start, save steps with optimistic locking, submit, templates, checklists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from appeals.models import Appeal, AppealTemplate, CaseStatus, ChecklistItem, TimelineEvent, TimelineVerb, ViolationItem
from appeals.services import InvalidTransition, ServiceError, StaleVersion
from appeals.services.appeals import (
    _check_submittable,
    appeal_compose_text,
    appeal_save_step,
    appeal_start,
    appeal_submit,
    appeal_template_save,
)
from appeals.services.checklists import DEFAULT_CHECKLISTS, checklist_install_defaults
from appeals.services.evidence import evidence_add
from tests.factories import AppealFactory, ViolationFactory

GOOD_OUTCOME = "Reinstate the listing for SKU 12345: the trademark rule does not apply."


@pytest.fixture
def violation(shop):
    v = ViolationFactory(
        account=shop,
        reference="VR-777",
        policy="Intellectual property: trademark",
        enforced_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )
    ViolationItem.objects.create(violation=v, organization=v.organization, kind="sku", value="12345")
    ViolationItem.objects.create(violation=v, organization=v.organization, kind="product", value="P-9")
    return v


def test_start_prefills_rule_and_ids_and_records_timeline(violation, member):
    appeal = appeal_start(violation=violation, by=member)
    assert appeal.round == 1 and appeal.status == Appeal.Status.DRAFT
    assert appeal.rule_cited == "Intellectual property: trademark"
    assert appeal.ids["reference"] == "VR-777"
    assert appeal.ids["account"] == "7495001122"
    assert appeal.ids["account_label"] == "Shop ID"
    assert appeal.ids["sku"] == ["12345"] and appeal.ids["product"] == ["P-9"]
    violation.refresh_from_db()
    assert violation.status == CaseStatus.DRAFT
    assert TimelineEvent.objects.filter(violation=violation, verb=TimelineVerb.APPEAL_STARTED).count() == 1


def test_start_twice_returns_the_same_draft(violation, member, manager):
    first = appeal_start(violation=violation, by=member)
    assert appeal_start(violation=violation, by=manager).pk == first.pk
    assert Appeal.objects.filter(violation=violation).count() == 1


def test_start_refused_while_under_review(violation, member):
    AppealFactory(violation=violation, status=Appeal.Status.UNDER_REVIEW, submitted_at=datetime.now(UTC))
    with pytest.raises(InvalidTransition, match="under review"):
        appeal_start(violation=violation, by=member)


def test_start_from_template(violation, member, org):
    template = AppealTemplate.objects.create(
        organization=org,
        violation_kind=violation.kind,
        name="Genuine goods",
        desired_outcome=GOOD_OUTCOME,
        rule_explanation="Bought from the authorized distributor.",
    )
    appeal = appeal_start(violation=violation, by=member, template=template)
    assert appeal.desired_outcome == GOOD_OUTCOME
    assert appeal.rule_explanation == "Bought from the authorized distributor."
    assert appeal.rule_cited == violation.policy  # the template had none: the notice's rule stays


def test_start_refuses_another_organizations_template(violation, member, other_org):
    template = AppealTemplate.objects.create(organization=other_org, violation_kind=violation.kind, name="X")
    with pytest.raises(ServiceError):
        appeal_start(violation=violation, by=member, template=template)


def test_save_step_bumps_version_and_resume_step(violation, member):
    appeal = appeal_start(violation=violation, by=member)
    saved = appeal_save_step(
        appeal_id=appeal.pk, step=1, data={"desired_outcome": f"  {GOOD_OUTCOME} "}, by=member, version=1
    )
    assert saved.desired_outcome == GOOD_OUTCOME
    assert saved.version == 2
    assert saved.builder_step == 2
    event = TimelineEvent.objects.get(violation=violation, verb=TimelineVerb.APPEAL_STEP_SAVED)
    assert event.data["fields"] == ["desired_outcome"]


def test_unchanged_save_is_no_op_even_with_old_version(violation, member):
    appeal = appeal_start(violation=violation, by=member)
    appeal_save_step(
        appeal_id=appeal.pk, step=2, data={"rule_cited": "R", "rule_explanation": "E"}, by=member, version=1
    )
    same = appeal_save_step(
        appeal_id=appeal.pk, step=2, data={"rule_cited": "R", "rule_explanation": "E"}, by=member, version=1
    )
    assert same.version == 2


def test_stale_save_raises_and_keeps_the_other_change(violation, member, manager):
    appeal = appeal_start(violation=violation, by=member)
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": "Theirs"}, by=manager, version=1)
    with pytest.raises(StaleVersion):
        appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": "Mine"}, by=member, version=1)
    appeal.refresh_from_db()
    assert appeal.desired_outcome == "Theirs"


def test_ids_step_cleans_lists(violation, member):
    appeal = appeal_start(violation=violation, by=member)
    saved = appeal_save_step(
        appeal_id=appeal.pk,
        step=3,
        data={"ids": {"reference": " VR-777 ", "account": "S1", "sku": ["a", " ", "a", "b"], "order": "1, 2\n3"}},
        by=member,
        version=1,
    )
    assert saved.ids["sku"] == ["a", "b"]
    assert saved.ids["order"] == ["1", "2", "3"]
    assert saved.ids["reference"] == "VR-777"
    assert saved.ids["account_label"] == "Shop ID"


def _ready(appeal, member):
    appeal_save_step(
        appeal_id=appeal.pk, step=1, data={"desired_outcome": GOOD_OUTCOME}, by=member, version=appeal.version
    )
    appeal.refresh_from_db()
    return appeal


@time_machine.travel(datetime(2026, 3, 6, 15, 0, tzinfo=UTC), tick=False)  # a Friday
def test_submit_freezes_text_and_score_and_sets_due_at(violation, member, org):
    appeal = _ready(appeal_start(violation=violation, by=member), member)
    evidence_add(
        appeal_id=appeal.pk, upload=SimpleUploadedFile("note.txt", b"invoice 42"), by=member, caption="Invoice"
    )
    submitted = appeal_submit(appeal_id=appeal.pk, by=member, platform_reference=" AP-1 ")
    assert submitted.status == Appeal.Status.UNDER_REVIEW
    assert submitted.final_text.startswith(GOOD_OUTCOME)
    assert "1. Invoice (note.txt)" in submitted.final_text
    assert submitted.readiness_score is not None and submitted.readiness_findings is not None
    assert submitted.platform_reference == "AP-1"
    # 3 business days after Friday 10:00 New York = Wednesday 10:00 (EDT from March 8: 14:00 UTC).
    assert submitted.due_at == datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
    violation.refresh_from_db()
    assert violation.status == CaseStatus.UNDER_REVIEW
    assert TimelineEvent.objects.filter(verb=TimelineVerb.APPEAL_SUBMITTED, appeal=submitted).exists()
    # Later edits to the draft fields cannot happen, and the frozen text does not follow the rows.
    with pytest.raises(InvalidTransition, match="frozen"):
        appeal_save_step(
            appeal_id=appeal.pk, step=1, data={"desired_outcome": "x"}, by=member, version=submitted.version
        )
    submitted.evidence.update(caption="changed")
    assert appeal_compose_text(submitted) == submitted.final_text


def test_submit_twice_is_invalid(violation, member):
    appeal = _ready(appeal_start(violation=violation, by=member), member)
    appeal_submit(appeal_id=appeal.pk, by=member)
    with pytest.raises(InvalidTransition):
        appeal_submit(appeal_id=appeal.pk, by=member)


def test_submit_blocked_without_outcome(violation, member):
    appeal = appeal_start(violation=violation, by=member)
    assert _check_submittable(appeal)
    with pytest.raises(ServiceError, match="outcome"):
        appeal_submit(appeal_id=appeal.pk, by=member)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DRAFT


def test_submit_blocked_over_char_limit(violation, member, org):
    org.appeal_char_limit = 50
    org.save()
    appeal = _ready(appeal_start(violation=violation, by=member), member)
    with pytest.raises(ServiceError, match="characters"):
        appeal_submit(appeal_id=appeal.pk, by=member)


def test_submit_refuses_future_time(violation, member):
    appeal = _ready(appeal_start(violation=violation, by=member), member)
    with pytest.raises(ServiceError) as exc:
        appeal_submit(appeal_id=appeal.pk, by=member, submitted_at=datetime.now(UTC) + timedelta(days=1))
    assert exc.value.field == "submitted_at"


def test_template_save_and_unique_name(violation, member, org):
    appeal = _ready(appeal_start(violation=violation, by=member), member)
    template = appeal_template_save(appeal_id=appeal.pk, by=member, name="Trademark", violation_kind=violation.kind)
    assert template.organization == org and template.desired_outcome == GOOD_OUTCOME
    with pytest.raises(ServiceError) as exc:
        appeal_template_save(appeal_id=appeal.pk, by=member, name="trademark", violation_kind=violation.kind)
    assert exc.value.field == "name"


def test_checklist_defaults_are_idempotent(org):
    checklist_install_defaults(org)
    count = ChecklistItem.objects.filter(organization=org).count()
    checklist_install_defaults(org)
    assert ChecklistItem.objects.filter(organization=org).count() == count == sum(map(len, DEFAULT_CHECKLISTS.values()))
    texts = list(
        ChecklistItem.objects.filter(organization=org, violation_kind="order_action").values_list("text", flat=True)
    )
    assert any("tracking" in t for t in texts)


def test_checklist_defaults_installed_for_new_organizations(member):
    from appeals.defaults import DEFAULT_INSTALLERS

    assert checklist_install_defaults in DEFAULT_INSTALLERS


def test_follow_up_rules_block_submission(violation, member, org):
    first = AppealFactory(
        violation=violation,
        round=1,
        status=Appeal.Status.UPHELD,
        submitted_at=datetime.now(UTC),
        decided_at=datetime.now(UTC),
    )
    second = AppealFactory(
        violation=violation,
        round=2,
        parent=first,
        status=Appeal.Status.UPHELD,
        submitted_at=datetime.now(UTC),
        decided_at=datetime.now(UTC),
    )
    third = AppealFactory(violation=violation, round=3, parent=second, desired_outcome=GOOD_OUTCOME)
    problems = _check_submittable(third)
    assert any("appeals per violation" in p for p in problems)
    with pytest.raises(ServiceError, match="Escalate"):
        appeal_submit(appeal_id=third.pk, by=member)


def test_builder_pages_work_for_a_follow_up(violation, member, member_client):
    first = AppealFactory(
        violation=violation,
        round=1,
        status=Appeal.Status.UPHELD,
        submitted_at=datetime.now(UTC),
        decided_at=datetime.now(UTC),
    )
    follow_up = AppealFactory(violation=violation, round=2, parent=first, ids={"reference": violation.reference})
    response = member_client.get(f"/appeals/{follow_up.pk}/step/1/")
    assert response.status_code == 200
    assert "Follow-up appeal (round 2)" in response.content.decode()
