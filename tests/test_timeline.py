"""The case timeline: append-only in code and admin, and complete across the whole life of a case."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from appeals.models import Appeal, CaseStatus, Reminder, TimelineEvent, TimelineVerb
from appeals.services.timeline import timeline_record
from tests.factories import UserFactory, ViolationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(shop, member):
    violation = ViolationFactory(account=shop)
    return timeline_record(violation=violation, verb=TimelineVerb.EDITED, actor=member, data={"changed": ["policy"]})


def test_saving_an_existing_entry_is_refused(entry):
    entry.data = {"changed": ["nothing"]}
    with pytest.raises(PermissionError):
        entry.save()
    entry.refresh_from_db()
    assert entry.data == {"changed": ["policy"]}


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(PermissionError):
        entry.delete()
    assert TimelineEvent.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(PermissionError):
        TimelineEvent.objects.filter(pk=entry.pk).update(verb=TimelineVerb.CORRECTION)
    with pytest.raises(PermissionError):
        TimelineEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        TimelineEvent.objects.filter(violation=entry.violation).delete()
    entry.data = {"x": 1}
    with pytest.raises(PermissionError), transaction.atomic():
        TimelineEvent.objects.bulk_update([entry], ["data"])
    assert TimelineEvent.objects.get(pk=entry.pk).verb == TimelineVerb.EDITED


def test_a_new_entry_with_an_explicit_pk_of_an_existing_one_cannot_overwrite(entry):
    clone = TimelineEvent(
        pk=entry.pk, organization=entry.organization, violation=entry.violation, verb=TimelineVerb.CORRECTION
    )
    with pytest.raises(PermissionError):
        clone.save()
    assert TimelineEvent.objects.get(pk=entry.pk).verb == TimelineVerb.EDITED


# --- admin --------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client_for):
    return client_for(UserFactory(email="staff@appealdesk.test", is_staff=True, is_superuser=True))


def test_admin_shows_entries_read_only(admin_client, entry):
    change = reverse("admin:appeals_timelineevent_change", args=[entry.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="_save"' not in body  # no save button: view only
    assert "Delete" not in body or "deletelink" not in body
    # Posting a change anyway does nothing.
    admin_client.post(change, {"verb": "correction"})
    entry.refresh_from_db()
    assert entry.verb == TimelineVerb.EDITED


def test_admin_cannot_delete_entries(admin_client, entry):
    delete = reverse("admin:appeals_timelineevent_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:appeals_timelineevent_changelist")
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert TimelineEvent.objects.filter(pk=entry.pk).exists()
    assert "delete_selected" not in admin_client.get(changelist).content.decode()


def test_admin_correction_is_a_new_entry(admin_client, entry):
    add = reverse("admin:appeals_timelineevent_add")
    form = admin_client.get(add).content.decode()
    assert 'name="note"' in form and 'name="verb"' not in form
    response = admin_client.post(
        add, {"violation": entry.violation_id, "note": "The policy edit was made by the owner.", "corrects": entry.pk}
    )
    assert response.status_code == 302
    correction = TimelineEvent.objects.filter(violation=entry.violation, verb=TimelineVerb.CORRECTION).get()
    assert correction.data["note"] == "The policy edit was made by the owner."
    assert correction.data["corrects"] == entry.pk
    assert correction.actor.email == "staff@appealdesk.test"
    entry.refresh_from_db()
    assert entry.verb == TimelineVerb.EDITED  # the original stays as it was


def test_admin_correction_for_another_cases_entry_is_refused(admin_client, entry, shop):
    other = ViolationFactory(account=shop)
    response = admin_client.post(
        reverse("admin:appeals_timelineevent_add"), {"violation": other.pk, "note": "x", "corrects": entry.pk}
    )
    assert response.status_code == 200
    assert not TimelineEvent.objects.filter(verb=TimelineVerb.CORRECTION).exists()


# --- completeness across features -----------------------------------------------------------------


def _png(color: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, "PNG")
    return SimpleUploadedFile(f"{color}.png", buffer.getvalue(), content_type="image/png")


def test_whole_life_of_a_case_is_on_the_timeline(
    org, shop, member, owner, mailoutbox, django_capture_on_commit_callbacks
):
    from appeals.services.appeals import appeal_save_step, appeal_start, appeal_submit
    from appeals.services.evidence import evidence_add, evidence_remove
    from appeals.services.outcomes import (
        appeal_follow_up_start,
        comment_add,
        escalation_answer,
        escalation_create,
        outcome_record,
    )
    from appeals.services.reminders import reminder_deliver, reminders_sweep
    from appeals.services.violations import notice_attachment_add, violation_create, violation_update

    monday = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 New York
    with time_machine.travel(monday, tick=False):
        violation = violation_create(
            organization=org,
            account=shop,
            by=member,
            reference="VR-LIFE-1",
            kind="listing_removal",
            policy="Intellectual property: trademark",
            enforced_at=monday - timedelta(days=1),
            action="Listing removed",
            penalty_points=6,
            items={"sku": ["SKU-1"]},
            assignee=member,
        )
        violation = violation_update(violation=violation, by=member, version=violation.version, notice="Notice text")
        notice_attachment_add(violation=violation, upload=_png("red"), by=member)
        appeal = appeal_start(violation=violation, by=member)
        appeal = appeal_save_step(
            appeal_id=appeal.pk, step=1, data={"desired_outcome": "Reinstate SKU-1"}, by=member, version=appeal.version
        )
        removed = evidence_add(appeal_id=appeal.pk, upload=_png("blue"), by=member)
        evidence_add(appeal_id=appeal.pk, upload=_png("green"), by=member)
        evidence_remove(evidence_id=removed.pk, by=member)
        appeal = appeal_submit(appeal_id=appeal.pk, by=member)

    # The decision is overdue: the sweep sends a reminder.
    later = appeal.due_at + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        reminders_sweep(now=later, enqueue=False)
        reminders = list(Reminder.objects.filter(appeal=appeal))
        assert reminders, "the reminder sweep created no reminder for an overdue decision"
        for reminder in reminders:
            reminder_deliver(reminder_id=reminder.pk, now=max(later, reminder.send_after))
        appeal.refresh_from_db()
        appeal = outcome_record(appeal_id=appeal.pk, by=owner, outcome="upheld", version=appeal.version)
        follow_up = appeal_follow_up_start(appeal_id=appeal.pk, by=member)
        escalation = escalation_create(violation_id=violation.pk, by=member, to_team="program_team", reference="T-9")
        escalation_answer(escalation_id=escalation.pk, by=owner, result="upheld")
        with django_capture_on_commit_callbacks(execute=True):
            comment_add(violation_id=violation.pk, by=owner, body="@member please add the lab report")

    verbs = list(TimelineEvent.objects.filter(violation=violation).values_list("verb", flat=True))
    expected = [
        TimelineVerb.CREATED,
        TimelineVerb.EDITED,
        TimelineVerb.ATTACHMENT_ADDED,
        TimelineVerb.APPEAL_STARTED,
        TimelineVerb.APPEAL_STEP_SAVED,
        TimelineVerb.EVIDENCE_ADDED,
        TimelineVerb.EVIDENCE_REMOVED,
        TimelineVerb.APPEAL_SUBMITTED,
        TimelineVerb.REMINDER_SENT,
        TimelineVerb.OUTCOME_RECORDED,
        TimelineVerb.FOLLOW_UP_STARTED,
        TimelineVerb.ESCALATED,
        TimelineVerb.ESCALATION_ANSWERED,
        TimelineVerb.COMMENTED,
    ]
    missing = [v for v in expected if v not in verbs]
    assert not missing, f"timeline gaps: {missing}"
    # In the order things happened (entries appended, never reordered).
    firsts = [verbs.index(v) for v in expected]
    assert firsts == sorted(firsts)
    people = set(
        TimelineEvent.objects.filter(violation=violation)
        .exclude(verb=TimelineVerb.REMINDER_SENT)
        .values_list("actor__email", flat=True)
    )
    assert people == {member.email, owner.email}  # who, for every human action
    assert Appeal.objects.get(pk=follow_up.pk).status == Appeal.Status.DRAFT
    violation.refresh_from_db()
    assert violation.status == CaseStatus.DRAFT
    assert any("mentioned you" in m.subject for m in mailoutbox)


def test_every_domain_admin_page_opens(admin_client, entry, shop, member):
    from django.contrib import admin

    from tests.outcomes_helpers import make_evidence, submitted_appeal

    appeal = submitted_appeal(shop)
    make_evidence(appeal, b"admin evidence")
    for model, _model_admin in admin.site._registry.items():
        if model._meta.app_label != "appeals":
            continue
        name = f"admin:appeals_{model._meta.model_name}"
        assert admin_client.get(reverse(f"{name}_changelist")).status_code == 200, name
        row = model._default_manager.first()
        if row is not None:
            assert admin_client.get(reverse(f"{name}_change", args=[row.pk])).status_code == 200, name
