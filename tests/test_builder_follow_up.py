"""A follow-up round in the builder: the platform's rejection beside every step, what changed since the previous
round, the blocking "no new evidence" finding with its banner on Copy and Download, and the live readiness badge
(an htmx out-of-band swap after every save, upload, caption and removal)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from appeals.models import Appeal
from appeals.selectors.follow_ups import follow_up_changes, text_diff
from appeals.services import ServiceError
from appeals.services.appeals import appeal_readiness, appeal_save_step, appeal_start, appeal_submit
from appeals.services.evidence import evidence_add
from appeals.services.outcomes import appeal_follow_up_start, outcome_record
from tests.factories import ViolationFactory

OUTCOME = "Reinstate the listing for SKU 12345."
REJECTION = "The listing still shows a trademarked logo without authorization."
REASON = "The logo is ours: registration 6123456."
OOB_BADGE = re.compile(r'<p id="readiness-badge"[^>]*hx-swap-oob="true"')


@pytest.fixture
def follow_up(shop, member):
    """Round 1 upheld with the platform's message, and the round-2 draft started from it (same text, same file)."""
    violation = ViolationFactory(account=shop, reference="VR-FU", kind="listing_removal", policy="Trademark")
    first = appeal_start(violation=violation, by=member)
    first = appeal_save_step(
        appeal_id=first.pk,
        step=1,
        data={"desired_outcome": OUTCOME},
        by=member,
        version=first.version,
    )
    evidence_add(appeal_id=first.pk, upload=SimpleUploadedFile("invoice.txt", b"round one invoice"), by=member)
    first = appeal_submit(appeal_id=first.pk, by=member)
    first = outcome_record(
        appeal_id=first.pk, by=member, outcome=Appeal.Status.UPHELD, message=REJECTION, version=first.version
    )
    return appeal_follow_up_start(appeal_id=first.pk, by=member)


def step_url(appeal, step):
    return reverse("appeals:appeal_step", kwargs={"appeal_pk": appeal.pk, "step": step})


def add_new_file(appeal, member, content: bytes = b"letter from the brand owner"):
    return evidence_add(
        appeal_id=appeal.pk, upload=SimpleUploadedFile("brand-letter.txt", content), by=member, caption="Brand letter"
    )


# --- Readiness inputs and the follow-up facts (services, selectors) ---------------------------------------------


def test_a_follow_up_without_a_new_file_has_the_blocking_finding(follow_up):
    report = appeal_readiness(follow_up)
    assert report.findings[0].code == "no_new_evidence"
    assert report.findings[0].message.startswith("No new evidence since round 1")
    assert report.score < 80 and not report.ready


def test_the_same_file_again_is_not_new_evidence(follow_up, member):
    follow_up.evidence.all().delete()
    evidence_add(appeal_id=follow_up.pk, upload=SimpleUploadedFile("copy.txt", b"round one invoice"), by=member)
    assert "no_new_evidence" in appeal_readiness(follow_up).codes


def test_a_new_file_lifts_the_finding(follow_up, member):
    add_new_file(follow_up, member)
    report = appeal_readiness(follow_up)
    assert "no_new_evidence" not in report.codes
    assert not report.blocking


def test_submit_is_still_refused_without_new_evidence(follow_up, member):
    with pytest.raises(ServiceError, match="needs new evidence"):
        appeal_submit(appeal_id=follow_up.pk, by=member)


def test_follow_up_changes_name_the_rejection_rounds_window_files_and_text(follow_up, member, org):
    changes = follow_up_changes(follow_up, list(follow_up.evidence.all()))
    assert changes.previous.decision_message == REJECTION
    assert (changes.previous_round, changes.round, changes.max_rounds) == (1, 2, org.max_rounds)
    assert changes.rounds_left_after == org.max_rounds - 2
    assert changes.new_files == [] and not changes.text_changed
    assert changes.deadline is not None and changes.business_days_left >= 0 and not changes.overdue

    appeal_save_step(
        appeal_id=follow_up.pk,
        step=2,
        data={"rule_cited": "Trademark", "rule_explanation": REASON, "explanation": ""},
        by=member,
        version=follow_up.version,
    )
    new = add_new_file(follow_up, member)
    follow_up.refresh_from_db()
    changes = follow_up_changes(follow_up, list(follow_up.evidence.all()))
    assert changes.new_files == [new]
    added = [line.text for line in changes.diff if line.op == "added"]
    assert f"Why it does not apply: {REASON}" in added
    assert any("Brand letter (brand-letter.txt)" in line for line in added)


def test_the_window_counts_business_days_and_closes(follow_up):
    changes = follow_up_changes(follow_up, [], now=follow_up.parent.decided_at + timedelta(days=40))
    assert changes.business_days_left < 0
    assert follow_up_changes(follow_up, [], now=timezone.now()).business_days_left > 0


def test_a_first_round_has_no_follow_up_changes(shop, member):
    appeal = appeal_start(violation=ViolationFactory(account=shop), by=member)
    assert follow_up_changes(appeal, []) is None


@pytest.mark.parametrize(
    ("before", "after", "ops"),
    [
        ("a\nb", "a\nb", ["same", "same"]),
        ("a\nb", "a\nc", ["same", "removed", "added"]),
        ("a", "a\n\nb", ["same", "added"]),
        ("", "a", ["added"]),
        ("a\nb", "", ["removed", "removed"]),
    ],
)
def test_text_diff(before, after, ops):
    assert [line.op for line in text_diff(before, after)] == ops


lines = st.lists(st.sampled_from(["Reinstate SKU 1", "Rule cited: X", "", "Evidence attached:", "1. a (a.pdf)"]))


@settings(deadline=None)
@given(lines, lines)
def test_text_diff_keeps_every_line_of_both_texts(before, after):
    diff = text_diff("\n".join(before), "\n".join(after))
    assert [d.text for d in diff if d.op != "added"] == [line for line in before if line.strip()]
    assert [d.text for d in diff if d.op != "removed"] == [line for line in after if line.strip()]


# --- Pages ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [1, 2, 3, 4, 5])
def test_every_step_shows_the_rejection_rounds_left_and_the_window(follow_up, member_client, step):
    page = member_client.get(step_url(follow_up, step)).content.decode()
    assert REJECTION in page
    assert "Rounds left" in page and "Follow-up window" in page
    assert re.search(r"in \d+ business days?", page)
    assert "No new evidence since round 1" in page  # the badge, above every step


def test_review_shows_the_not_ready_banner_and_the_text_diff(follow_up, member_client, member):
    page = member_client.get(step_url(follow_up, 5)).content.decode()
    assert "Not ready: the platform needs new evidence." in page
    assert "The text is the same as round 1" in page
    add_new_file(follow_up, member)
    page = member_client.get(step_url(follow_up, 5)).content.decode()
    assert "Not ready: the platform needs new evidence." not in page
    assert "brand-letter.txt" in page and "<ins" in page


def test_downloads_carry_the_banner_until_a_new_file_is_added(follow_up, member_client, member):
    text_url = reverse("appeals:appeal_download_text", kwargs={"appeal_pk": follow_up.pk})
    zip_url = reverse("appeals:appeal_download", kwargs={"appeal_pk": follow_up.pk})
    response = member_client.get(text_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("NOT READY: the platform needs new evidence.\nNo new evidence since round 1")
    assert OUTCOME in text
    archive = zipfile.ZipFile(io.BytesIO(b"".join(member_client.get(zip_url).streaming_content)))
    assert archive.read("appeal.txt").decode().startswith("NOT READY")

    add_new_file(follow_up, member)
    assert member_client.get(text_url).content.decode().startswith(OUTCOME)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(member_client.get(zip_url).streaming_content)))
    assert archive.read("appeal.txt").decode().startswith(OUTCOME)


def test_text_download_is_scoped_and_get_only(follow_up, outsider_client, member_client, viewer_client):
    url = reverse("appeals:appeal_download_text", kwargs={"appeal_pk": follow_up.pk})
    assert outsider_client.get(url).status_code == 404
    assert member_client.post(url).status_code == 405
    assert viewer_client.get(url).status_code == 200


def test_a_first_round_download_has_no_banner(shop, member, member_client):
    appeal = appeal_start(violation=ViolationFactory(account=shop), by=member)
    text = member_client.get(reverse("appeals:appeal_download_text", kwargs={"appeal_pk": appeal.pk}))
    assert "NOT READY" not in text.content.decode()


# --- The live badge -----------------------------------------------------------------------------------------------


def test_full_pages_render_the_badge_in_place_not_out_of_band(follow_up, member_client):
    page = member_client.get(step_url(follow_up, 4)).content.decode()
    assert 'id="readiness-badge"' in page and not OOB_BADGE.search(page)


@pytest.mark.parametrize("step", [1, 2, 3, 4, 5])
def test_every_htmx_step_save_sends_the_badge_out_of_band(follow_up, member_client, step):
    data = {"version": follow_up.version, "go": step}
    if step == 1:
        data["desired_outcome"] = OUTCOME
    response = member_client.post(step_url(follow_up, step), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert OOB_BADGE.search(response.content.decode())


def test_htmx_upload_caption_and_removal_update_the_badge(follow_up, member_client, member):
    upload = member_client.post(
        reverse("appeals:evidence_upload", kwargs={"appeal_pk": follow_up.pk}),
        {"files": [SimpleUploadedFile("new.txt", b"new evidence")]},
        HTTP_HX_REQUEST="true",
    )
    body = upload.content.decode()
    badge = OOB_BADGE.search(body)
    assert badge and "No new evidence" not in body[badge.start() : body.index("</p>", badge.start())]
    assert 'id="follow-up-changes"' in body and "new.txt" in body  # the new-files list follows too
    new = follow_up.evidence.get(original_name="new.txt")

    caption = member_client.post(
        reverse("appeals:evidence_caption", kwargs={"evidence_pk": new.pk}),
        {"caption": "Letter from the brand owner"},
        HTTP_HX_REQUEST="true",
    )
    assert caption.status_code == 200 and OOB_BADGE.search(caption.content.decode())
    assert 'id="evidence-' in caption.content.decode()

    removal = member_client.post(
        reverse("appeals:evidence_remove", kwargs={"evidence_pk": new.pk}), HTTP_HX_REQUEST="true"
    )
    body = removal.content.decode()
    assert OOB_BADGE.search(body) and "No new evidence since round 1" in body


def test_plain_caption_and_upload_still_redirect(follow_up, member_client):
    response = member_client.post(
        reverse("appeals:evidence_upload", kwargs={"appeal_pk": follow_up.pk}),
        {"files": [SimpleUploadedFile("plain.txt", b"plain new evidence")]},
    )
    assert response.status_code == 302
    page = member_client.get(response["Location"]).content.decode()
    assert "No new evidence since round 1" not in page


@pytest.mark.parametrize("step", [1, 4, 5])
def test_follow_up_step_queries_do_not_grow_with_evidence(follow_up, member, member_client, step):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert member_client.get(step_url(follow_up, step)).status_code == 200
        return len(ctx)

    count()  # the client's first request also records its login session
    few = count()
    for n in range(4):
        evidence_add(appeal_id=follow_up.pk, upload=SimpleUploadedFile(f"{n}.txt", f"file {n}".encode()), by=member)
    assert count() == few
