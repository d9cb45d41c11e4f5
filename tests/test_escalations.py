"""Escalations: when they are allowed, the answer deadline, status, the packet (text and ZIP) and the screens."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from appeals.escalation_packet import packet_text, packet_zip
from appeals.models import CaseStatus, Escalation, NoticeAttachment, TimelineEvent, TimelineVerb, ViolationItem
from appeals.services import PermissionRefused, ServiceError
from appeals.services.outcomes import escalation_answer, escalation_create, outcome_record
from tests.factories import ViolationFactory
from tests.outcomes_helpers import make_evidence, submitted_appeal

pytestmark = pytest.mark.django_db


def _upheld(shop, member, **kwargs):
    appeal = submitted_appeal(shop, **kwargs)
    return outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", message="Policy applies.", version=1)


def test_escalation_after_upheld_decision_sets_due_date_and_status(shop, member, org):
    appeal = _upheld(shop, member)
    # Friday 2026-03-06 10:00 New York + 5 business days = Friday 2026-03-13 10:00.
    at = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    escalation = escalation_create(
        violation_id=appeal.violation_id,
        by=member,
        to_team="program_team",
        channel="Email",
        reference="THR-42",
        escalated_at=at,
    )
    assert escalation.answer_due_at == datetime(2026, 3, 13, 14, 0, tzinfo=UTC)  # 10:00 EDT after the DST change
    assert escalation.appeal == appeal
    violation = appeal.violation
    violation.refresh_from_db()
    assert violation.status == CaseStatus.ESCALATED
    event = TimelineEvent.objects.get(violation=violation, verb=TimelineVerb.ESCALATED)
    assert event.data["reference"] == "THR-42" and event.actor == member


def test_escalation_refused_while_review_is_within_window(shop, member):
    appeal = submitted_appeal(shop, submitted_at=timezone.now())
    with pytest.raises(ServiceError, match="within its review window"):
        escalation_create(violation_id=appeal.violation_id, by=member, to_team="account_manager")


def test_escalation_allowed_when_decision_overdue(shop, member):
    appeal = submitted_appeal(shop, submitted_at=timezone.now() - timedelta(days=10))
    appeal.due_at = timezone.now() - timedelta(days=1)
    appeal.save()
    escalation = escalation_create(violation_id=appeal.violation_id, by=member, to_team="account_manager")
    assert escalation.pk
    appeal.violation.refresh_from_db()
    assert appeal.violation.status == CaseStatus.ESCALATED


def test_escalation_refused_without_appeal_or_after_reversal(shop, member):
    violation = ViolationFactory(account=shop)
    with pytest.raises(ServiceError, match="first submit an appeal"):
        escalation_create(violation_id=violation.pk, by=member, to_team="program_team")
    appeal = submitted_appeal(shop)
    outcome_record(appeal_id=appeal.pk, by=member, outcome="reversed", version=1)
    with pytest.raises(ServiceError, match="reversed"):
        escalation_create(violation_id=appeal.violation_id, by=member, to_team="program_team")


def test_escalation_needs_a_team_and_editor(shop, member, viewer):
    appeal = _upheld(shop, member)
    with pytest.raises(ServiceError) as exc:
        escalation_create(violation_id=appeal.violation_id, by=member, to_team="")
    assert exc.value.field == "to_team"
    with pytest.raises(PermissionRefused):
        escalation_create(violation_id=appeal.violation_id, by=viewer, to_team="program_team")


def test_answer_closes_escalation_and_a_reversal_clears_points(shop, member):
    appeal = _upheld(shop, member, penalty_points=8)
    escalation = escalation_create(violation_id=appeal.violation_id, by=member, to_team="program_team")
    escalation = escalation_answer(escalation_id=escalation.pk, by=member, result="reversed", notes="Overturned")
    violation = escalation.violation
    violation.refresh_from_db()
    assert escalation.answered_at is not None and escalation.result == "reversed"
    assert violation.status == CaseStatus.REVERSED and violation.points_cleared
    assert TimelineEvent.objects.filter(violation=violation, verb=TimelineVerb.ESCALATION_ANSWERED).exists()
    with pytest.raises(ServiceError, match="already recorded"):
        escalation_answer(escalation_id=escalation.pk, by=member, result="upheld")


def test_answer_upheld_returns_case_to_upheld(shop, member):
    appeal = _upheld(shop, member)
    escalation = escalation_create(violation_id=appeal.violation_id, by=member, to_team="program_team")
    escalation_answer(escalation_id=escalation.pk, by=member, result="upheld")
    appeal.violation.refresh_from_db()
    assert appeal.violation.status == CaseStatus.UPHELD


def test_answer_needs_result_and_not_before_escalation(shop, member):
    appeal = _upheld(shop, member)
    escalation = escalation_create(violation_id=appeal.violation_id, by=member, to_team="program_team")
    with pytest.raises(ServiceError) as exc:
        escalation_answer(escalation_id=escalation.pk, by=member, result="")
    assert exc.value.field == "result"
    with pytest.raises(ServiceError) as exc:
        escalation_answer(
            escalation_id=escalation.pk,
            by=member,
            result="upheld",
            answered_at=escalation.escalated_at - timedelta(hours=1),
        )
    assert exc.value.field == "answered_at"


# --- packet -----------------------------------------------------------------------------------


def _case_with_files(shop, member):
    appeal = submitted_appeal(shop, platform_reference="APL-778")
    make_evidence(appeal, b"%PDF trademark certificate", "certificate.pdf")
    make_evidence(appeal, b"invoice", "invoice.pdf")
    violation = appeal.violation
    ViolationItem.objects.create(
        violation=violation, organization=violation.organization, kind="sku", value="SKU-12345"
    )
    shot = NoticeAttachment(
        violation=violation,
        organization=violation.organization,
        original_name="notice screenshot.png",
        content_type="image/png",
        size=4,
        sha256=hashlib.sha256(b"png!").hexdigest(),
    )
    shot.file.save("x.png", ContentFile(b"png!"), save=False)
    shot.save()
    appeal = outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", message="Policy applies.", version=1)
    return appeal


def test_packet_text_has_what_escalation_teams_ask_for(shop, member):
    appeal = _case_with_files(shop, member)
    violation = appeal.violation
    text = packet_text(violation)
    for expected in (
        violation.reference,
        violation.policy,
        violation.get_kind_display(),
        "Enforcement action taken",
        "Listing removed",
        "SKU-12345",
        "APL-778",
        "Date of notice",
        "Submitted",
        "Decision",
        "Upheld",
        "Policy applies.",
        appeal.final_text,
        "certificate.pdf",
        "invoice.pdf",
        "notice screenshot.png",
    ):
        assert expected in text, expected


def test_packet_zip_contains_text_evidence_and_screenshots(shop, member):
    appeal = _case_with_files(shop, member)
    archive = zipfile.ZipFile(io.BytesIO(packet_zip(appeal.violation)))
    names = archive.namelist()
    assert "packet.txt" in names
    assert "evidence/01-certificate.pdf" in names and "evidence/02-invoice.pdf" in names
    assert "notice-screenshots/01-notice_screenshot.png" in names
    assert archive.read("evidence/02-invoice.pdf") == b"invoice"
    assert archive.read("packet.txt").decode() == packet_text(appeal.violation)


def test_packet_lists_shared_evidence_once_across_rounds(shop, member):
    from appeals.services.outcomes import appeal_follow_up_start

    appeal = _case_with_files(shop, member)
    follow_up = appeal_follow_up_start(appeal_id=appeal.pk, by=member)
    make_evidence(follow_up, b"new lab report", "lab.pdf")
    text = packet_text(appeal.violation)
    assert text.count("certificate.pdf") == 1 and "lab.pdf" in text
    names = zipfile.ZipFile(io.BytesIO(packet_zip(appeal.violation))).namelist()
    assert len([n for n in names if n.startswith("evidence/")]) == 3


# --- views ------------------------------------------------------------------------------------


def test_packet_page_has_copy_button_and_zip_link(viewer_client, shop, member):
    appeal = _case_with_files(shop, member)
    url = reverse("appeals:escalation_packet", kwargs={"violation_pk": appeal.violation_id})
    response = viewer_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-copy-target="packet-text"' in body and 'id="packet-text"' in body
    assert reverse("appeals:escalation_packet_zip", kwargs={"violation_pk": appeal.violation_id}) in body
    assert "Policy applies." in body


def test_packet_zip_download(viewer_client, shop, member):
    appeal = _case_with_files(shop, member)
    url = reverse("appeals:escalation_packet_zip", kwargs={"violation_pk": appeal.violation_id})
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "packet.txt" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_packet_views_outsider_404_and_wrong_method(outsider_client, member_client, shop, member):
    appeal = _upheld(shop, member)
    for name in ("escalation_packet", "escalation_packet_zip"):
        url = reverse(f"appeals:{name}", kwargs={"violation_pk": appeal.violation_id})
        assert outsider_client.get(url).status_code == 404
        assert member_client.post(url).status_code == 405


def test_escalation_create_view(member_client, shop, member):
    appeal = _upheld(shop, member)
    url = reverse("appeals:escalation_create", kwargs={"violation_pk": appeal.violation_id})
    page = member_client.get(url)
    assert page.status_code == 200 and 'data-copy-target="packet-text"' in page.content.decode()
    response = member_client.post(url, {"to_team": "partnership_team", "channel": "Email", "reference": "T-1"})
    assert response.status_code == 302
    escalation = Escalation.objects.get(violation=appeal.violation)
    assert escalation.to_team == "partnership_team" and escalation.created_by == member


def test_escalation_create_view_shows_refusal_and_field_errors(member_client, shop):
    appeal = submitted_appeal(shop, submitted_at=timezone.now())
    url = reverse("appeals:escalation_create", kwargs={"violation_pk": appeal.violation_id})
    body = member_client.get(url).content.decode()
    assert "within its review window" in body
    response = member_client.post(url, {"to_team": "program_team", "reference": "kept-ref"})
    assert response.status_code == 200
    assert "kept-ref" in response.content.decode()
    assert not Escalation.objects.exists()


def test_escalation_views_access(viewer_client, outsider_client, shop, member):
    appeal = _upheld(shop, member)
    escalation = escalation_create(violation_id=appeal.violation_id, by=member, to_team="program_team")
    create = reverse("appeals:escalation_create", kwargs={"violation_pk": appeal.violation_id})
    answer = reverse("appeals:escalation_answer", kwargs={"escalation_pk": escalation.pk})
    for url in (create, answer):
        assert viewer_client.get(url).status_code == 403
        assert viewer_client.post(url, {"to_team": "program_team", "result": "upheld"}).status_code == 403
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, {"to_team": "program_team", "result": "upheld"}).status_code == 404
    assert Escalation.objects.count() == 1
    escalation.refresh_from_db()
    assert escalation.answered_at is None


def test_escalation_answer_view(member_client, shop, member):
    appeal = _upheld(shop, member)
    escalation = escalation_create(violation_id=appeal.violation_id, by=member, to_team="program_team")
    url = reverse("appeals:escalation_answer", kwargs={"escalation_pk": escalation.pk})
    assert member_client.get(url).status_code == 200
    assert member_client.post(url, {"result": ""}).status_code == 200  # field error, nothing saved
    response = member_client.post(url, {"result": "no_action", "notes": "Program team declined"})
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.result == "no_action" and "declined" in escalation.notes
    assert member_client.delete(url).status_code == 405
