"""Follow-ups in the appeal builder: the new-evidence rule at submission, and conflicting draft saves."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from appeals.models import Appeal
from appeals.services import ServiceError, StaleVersion
from appeals.services.appeals import appeal_save_step, appeal_submit
from appeals.services.evidence import evidence_add, evidence_remove
from appeals.services.outcomes import appeal_follow_up_start, outcome_record
from tests.outcomes_helpers import make_evidence, submitted_appeal

pytestmark = pytest.mark.django_db


def _png(color: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), color).save(buffer, "PNG")
    return SimpleUploadedFile(f"{color}.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def follow_up(shop, member):
    first = submitted_appeal(shop)
    make_evidence(first, b"round one invoice", "invoice.pdf")
    first = outcome_record(appeal_id=first.pk, by=member, outcome="upheld", version=first.version)
    return appeal_follow_up_start(appeal_id=first.pk, by=member)


def test_submit_refused_without_new_evidence_and_accepted_with_it(follow_up, member):
    with pytest.raises(ServiceError) as exc:
        appeal_submit(appeal_id=follow_up.pk, by=member)
    assert exc.value.message.count("needs new evidence") == 1
    follow_up.refresh_from_db()
    assert follow_up.status == Appeal.Status.DRAFT
    evidence_add(appeal_id=follow_up.pk, upload=_png("teal"), by=member)
    submitted = appeal_submit(appeal_id=follow_up.pk, by=member)
    assert submitted.status == Appeal.Status.UNDER_REVIEW and submitted.round == 2


def test_builder_submit_screen_says_so_plainly(member_client, follow_up):
    url = reverse("appeals:appeal_submit", kwargs={"appeal_pk": follow_up.pk})
    now = timezone.localtime(timezone.now(), ZoneInfo("America/New_York"))  # the member's time zone
    response = member_client.post(url, {"submitted_at": now.strftime("%Y-%m-%dT%H:%M"), "platform_reference": ""})
    assert response.status_code == 422
    assert "needs new evidence" in response.content.decode()


def test_removing_copied_evidence_in_the_builder_keeps_the_first_rounds_file(follow_up, member):
    copy = follow_up.evidence.get()
    original = follow_up.parent.evidence.get()
    evidence_remove(evidence_id=copy.pk, by=member)
    assert original.file.storage.exists(original.file.name)
    with original.file.open("rb") as handle:
        assert handle.read() == b"round one invoice"


def test_conflicting_builder_draft_saves(follow_up, member, owner):
    seen = follow_up.version
    appeal_save_step(
        appeal_id=follow_up.pk, step=1, data={"desired_outcome": "Owner's wording"}, by=owner, version=seen
    )
    with pytest.raises(StaleVersion):
        appeal_save_step(
            appeal_id=follow_up.pk, step=1, data={"desired_outcome": "Member's wording"}, by=member, version=seen
        )
    follow_up.refresh_from_db()
    assert follow_up.desired_outcome == "Owner's wording"
