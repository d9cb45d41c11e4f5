"""The builder in the browser's terms: start, steps (plain and htmx), stale saves, review, ZIP, submit, pages."""

from __future__ import annotations

import html
import io
import zipfile
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals.models import Appeal, AppealTemplate, ChecklistItem, ViolationItem
from appeals.services.appeals import appeal_save_step, appeal_start, appeal_submit
from appeals.services.checklists import checklist_install_defaults
from appeals.services.evidence import evidence_add
from tests.factories import ViolationFactory

OUTCOME = "Reinstate the listing for SKU 12345: the trademark rule does not apply."


@pytest.fixture
def violation(shop):
    v = ViolationFactory(account=shop, reference="VR-900", enforced_at=datetime(2026, 1, 5, tzinfo=UTC))
    ViolationItem.objects.create(violation=v, organization=v.organization, kind="sku", value="12345")
    return v


@pytest.fixture
def appeal(violation, member):
    return appeal_start(violation=violation, by=member)


def step_url(appeal, step):
    return reverse("appeals:appeal_step", kwargs={"appeal_pk": appeal.pk, "step": step})


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_start_from_case_page(violation, member_client):
    url = reverse("appeals:appeal_start", kwargs={"violation_pk": violation.pk})
    response = member_client.post(url)
    appeal = Appeal.objects.get(violation=violation)
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:appeal_open", kwargs={"appeal_pk": appeal.pk})
    # Resumes at the first step.
    response = member_client.get(response["Location"])
    assert response["Location"] == step_url(appeal, 1)


def test_start_with_template_and_htmx(violation, member_client, org):
    template = AppealTemplate.objects.create(
        organization=org, violation_kind=violation.kind, name="TM", desired_outcome=OUTCOME
    )
    url = reverse("appeals:appeal_start", kwargs={"violation_pk": violation.pk})
    response = member_client.post(url, {"template": template.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and "HX-Redirect" in response
    assert Appeal.objects.get(violation=violation).desired_outcome == OUTCOME


def test_start_access(violation, viewer_client, outsider_client, member_client):
    url = reverse("appeals:appeal_start", kwargs={"violation_pk": violation.pk})
    assert viewer_client.post(url).status_code == 403
    assert outsider_client.post(url).status_code == 404
    assert member_client.get(url).status_code == 405
    assert not Appeal.objects.exists()


def test_start_refused_shows_message(violation, member, member_client):
    appeal = appeal_start(violation=violation, by=member)
    Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.UNDER_REVIEW, submitted_at=datetime.now(UTC))
    url = reverse("appeals:appeal_start", kwargs={"violation_pk": violation.pk})
    response = member_client.post(url, follow=True)
    assert "already under review" in text_of(response)


@pytest.mark.parametrize("step", [1, 2, 3, 4, 5])
def test_every_step_renders_plain_and_htmx(appeal, member_client, step):
    response = member_client.get(step_url(appeal, step))
    assert response.status_code == 200
    assert "<h1>" in response.content.decode()
    response = member_client.get(step_url(appeal, step), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="builder"')
    assert response["HX-Push-Url"] == step_url(appeal, step)


def test_step_prefilled_and_unknown_step(appeal, member_client):
    response = member_client.get(step_url(appeal, 3))
    text = text_of(response)
    assert 'value="VR-900"' in text and "12345" in text
    assert (
        member_client.get(reverse("appeals:appeal_step", kwargs={"appeal_pk": appeal.pk, "step": 9})).status_code == 404
    )


def test_save_and_continue_then_back_keeps_text(appeal, member_client):
    response = member_client.post(step_url(appeal, 1), {"version": 1, "desired_outcome": OUTCOME, "go": "2"})
    assert response.status_code == 302 and response["Location"] == step_url(appeal, 2)
    response = member_client.post(
        step_url(appeal, 2),
        {
            "version": 2,
            "rule_cited": "IP: trademark",
            "rule_explanation": "Genuine goods.",
            "explanation": "",
            "go": "1",
        },
    )
    assert response["Location"] == step_url(appeal, 1)
    assert OUTCOME in text_of(member_client.get(step_url(appeal, 1)))
    appeal.refresh_from_db()
    assert appeal.rule_explanation == "Genuine goods." and appeal.builder_step == 3


def test_save_step_htmx_renders_next_step(appeal, member_client):
    response = member_client.post(
        step_url(appeal, 1), {"version": 1, "desired_outcome": OUTCOME, "go": "2"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == step_url(appeal, 2)
    assert "Which rule was misapplied" in text_of(response)


def test_ids_step_saves_lists(appeal, member_client):
    data = {
        "version": 1,
        "reference": "VR-900",
        "account": "S1",
        "sku": "1\n2",
        "product": "",
        "order": "9, 8",
        "video": "",
    }
    member_client.post(step_url(appeal, 3), data)
    appeal.refresh_from_db()
    assert appeal.ids["sku"] == ["1", "2"] and appeal.ids["order"] == ["9", "8"]


def test_stale_save_shows_theirs_and_keeps_mine(appeal, member, manager, member_client):
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": "Their outcome text"}, by=manager, version=1)
    response = member_client.post(step_url(appeal, 1), {"version": 1, "desired_outcome": "My outcome text"})
    assert response.status_code == 409
    text = text_of(response)
    assert "Someone else saved this" in text
    assert "Their outcome text" in text and "My outcome text" in text
    assert 'name="version" value="2"' in text  # saving again deliberately keeps mine
    # With htmx the comparison is swapped in place (htmx does not swap 4xx answers).
    response = member_client.post(
        step_url(appeal, 1), {"version": 1, "desired_outcome": "My outcome text"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Their outcome text" in text_of(response) and "My outcome text" in text_of(response)
    response = member_client.post(step_url(appeal, 1), {"version": 2, "desired_outcome": "My outcome text"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.desired_outcome == "My outcome text"


def test_step_access(appeal, viewer_client, outsider_client):
    assert viewer_client.get(step_url(appeal, 1)).status_code == 200
    assert viewer_client.post(step_url(appeal, 1), {"version": 1, "desired_outcome": "x"}).status_code == 403
    assert outsider_client.get(step_url(appeal, 1)).status_code == 404
    assert outsider_client.post(step_url(appeal, 1), {"version": 1}).status_code == 404
    assert outsider_client.get(reverse("appeals:appeal_open", kwargs={"appeal_pk": appeal.pk})).status_code == 404
    assert viewer_client.put(step_url(appeal, 1)).status_code == 405


def test_review_shows_final_text_counter_and_readiness(appeal, member, member_client, org):
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": OUTCOME}, by=member, version=1)
    evidence_add(appeal_id=appeal.pk, upload=SimpleUploadedFile("inv.txt", b"invoice"), by=member, caption="Invoice")
    text = text_of(member_client.get(step_url(appeal, 5)))
    assert "1. Invoice (inv.txt)" in text
    assert f"/ {org.appeal_char_limit} characters" in text
    assert 'data-copy-target="final-text"' in text
    assert "/ 100" in text and "Fix:" in text  # score and at least one finding with its fix
    assert "Mark as submitted" in text and "Save as template" in text


def test_zip_contains_text_and_numbered_evidence(appeal, member, member_client, outsider_client):
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": OUTCOME}, by=member, version=1)
    evidence_add(appeal_id=appeal.pk, upload=SimpleUploadedFile("a.txt", b"first"), by=member, caption="A")
    evidence_add(appeal_id=appeal.pk, upload=SimpleUploadedFile("b.csv", b"x,y\n1,2\n"), by=member, caption="B")
    url = reverse("appeals:appeal_download", kwargs={"appeal_pk": appeal.pk})
    response = member_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["appeal.txt", "evidence/01-a.txt", "evidence/02-b.csv"]
    body = archive.read("appeal.txt").decode()
    assert body.startswith(OUTCOME) and body.endswith("2. B (b.csv)\n")
    assert archive.read("evidence/01-a.txt") == b"first"
    assert outsider_client.get(url).status_code == 404


def test_submit_view_freezes_and_redirects_to_case(appeal, member, member_client):
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": OUTCOME}, by=member, version=1)
    url = reverse("appeals:appeal_submit", kwargs={"appeal_pk": appeal.pk})
    response = member_client.post(url, {"submitted_at": "2026-01-06T10:30", "platform_reference": "AP-9"})
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:case", kwargs={"violation_pk": appeal.violation_id})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UNDER_REVIEW
    # Entered in the viewer's time zone (New York, UTC-5 in January).
    assert appeal.submitted_at == datetime(2026, 1, 6, 15, 30, tzinfo=UTC)
    assert appeal.final_text.startswith(OUTCOME)
    # Read-only afterwards: the builder shows the frozen text; edits are refused with a message.
    text = text_of(member_client.get(step_url(appeal, 1)))
    assert "text is frozen" in text and "<textarea" not in text.split("<main")[1].split("Final text")[0]
    response = member_client.post(step_url(appeal, 1), {"version": appeal.version, "desired_outcome": "changed"})
    assert response.status_code == 409 and "follow-up" in text_of(response)
    assert member_client.get(reverse("appeals:appeal_open", kwargs={"appeal_pk": appeal.pk}))["Location"] == step_url(
        appeal, 5
    )


def test_submit_view_errors_at_field(appeal, member, member_client):
    url = reverse("appeals:appeal_submit", kwargs={"appeal_pk": appeal.pk})
    response = member_client.post(url, {"submitted_at": "2026-01-06T10:30"})
    assert response.status_code == 422 and "State the outcome" in text_of(response)
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": OUTCOME}, by=member, version=1)
    response = member_client.post(url, {"submitted_at": "2099-01-06T10:30"})
    assert response.status_code == 422 and "cannot be in the future" in text_of(response)
    response = member_client.post(url, {"submitted_at": "2026-01-06T10:30"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"]


def test_submit_view_access(appeal, viewer_client, outsider_client, member_client):
    url = reverse("appeals:appeal_submit", kwargs={"appeal_pk": appeal.pk})
    assert viewer_client.post(url, {"submitted_at": "2026-01-06T10:30"}).status_code == 403
    assert outsider_client.post(url, {"submitted_at": "2026-01-06T10:30"}).status_code == 404
    assert member_client.get(url).status_code == 405


def test_save_as_template_and_templates_page(
    appeal, member, member_client, manager_client, viewer_client, outsider_client
):
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": OUTCOME}, by=member, version=1)
    url = reverse("appeals:appeal_template_save", kwargs={"appeal_pk": appeal.pk})
    assert viewer_client.post(url, {"name": "T", "violation_kind": "listing_removal"}).status_code == 403
    assert outsider_client.post(url, {"name": "T", "violation_kind": "listing_removal"}).status_code == 404
    response = member_client.post(url, {"name": "Trademark", "violation_kind": "listing_removal"})
    assert response.status_code == 302
    response = member_client.post(url, {"name": "trademark", "violation_kind": "listing_removal"})
    assert response.status_code == 422 and "A template with this name exists" in text_of(response)
    template = AppealTemplate.objects.get()
    listing = viewer_client.get(reverse("appeals:appeal_templates"))
    assert listing.status_code == 200 and "Trademark" in text_of(listing)
    assert outsider_client.get(reverse("appeals:appeal_templates")).content.decode().count("Trademark") == 0
    delete = reverse("appeals:appeal_template_delete", kwargs={"template_pk": template.pk})
    assert member_client.post(delete).status_code == 403
    assert outsider_client.post(delete).status_code == 404
    assert manager_client.get(delete).status_code == 405
    assert manager_client.post(delete).status_code == 302
    assert not AppealTemplate.objects.exists()


def test_checklist_shown_in_evidence_step(appeal, member_client, org):
    checklist_install_defaults(org)
    text = text_of(member_client.get(step_url(appeal, 4)))
    assert "Trademark registration certificate" in text
    assert 'type="file"' in text and "multiple" in text


def test_checklist_management(org, manager_client, member_client, viewer_client, outsider_client, other_org):
    checklist_install_defaults(org)
    checklist_install_defaults(other_org)
    page = manager_client.get(reverse("appeals:checklists"))
    assert page.status_code == 200 and "Carrier tracking" in text_of(page)
    add = reverse("appeals:checklist_add")
    assert member_client.post(add, {"violation_kind": "order_action", "text": "x"}).status_code == 403
    response = manager_client.post(add, {"violation_kind": "order_action", "text": "Proof of delivery photo"})
    assert response.status_code == 302
    item = ChecklistItem.objects.get(organization=org, text="Proof of delivery photo")
    assert manager_client.post(add, {"violation_kind": "nope", "text": "x"}).status_code == 422
    edit = reverse("appeals:checklist_edit", kwargs={"checklist_pk": item.pk})
    manager_client.post(edit, {"text": "Proof of delivery photo with date"})
    item.refresh_from_db()
    assert item.text == "Proof of delivery photo with date"
    delete = reverse("appeals:checklist_delete", kwargs={"checklist_pk": item.pk})
    foreign = ChecklistItem.objects.filter(organization=other_org).first()
    assert (
        manager_client.post(reverse("appeals:checklist_delete", kwargs={"checklist_pk": foreign.pk})).status_code == 404
    )
    assert viewer_client.post(delete).status_code == 403
    assert outsider_client.post(delete).status_code == 404
    assert outsider_client.post(edit, {"text": "x"}).status_code == 404
    assert manager_client.get(delete).status_code == 405
    assert manager_client.post(delete).status_code == 302
    assert not ChecklistItem.objects.filter(pk=item.pk).exists()


def test_case_page_appeals_section(violation, member, member_client, viewer_client):
    page = text_of(member_client.get(reverse("appeals:case", kwargs={"violation_pk": violation.pk})))
    assert "Start appeal" in page and "No appeal yet" in page
    assert "Start appeal" not in text_of(
        viewer_client.get(reverse("appeals:case", kwargs={"violation_pk": violation.pk}))
    )
    appeal = appeal_start(violation=violation, by=member)
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": OUTCOME}, by=member, version=1)
    appeal_submit(appeal_id=appeal.pk, by=member)
    page = text_of(member_client.get(reverse("appeals:case", kwargs={"violation_pk": violation.pk})))
    assert "Under review" in page and "/100" in page
    assert reverse("appeals:appeal_open", kwargs={"appeal_pk": appeal.pk}) in page
    assert "Start appeal" not in page


@pytest.mark.parametrize("step", [4, 5])
def test_step_queries_do_not_grow_with_evidence(appeal, member, member_client, step):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert member_client.get(step_url(appeal, step)).status_code == 200
        return len(ctx)

    evidence_add(appeal_id=appeal.pk, upload=SimpleUploadedFile("0.txt", b"0"), by=member, caption="c")
    count()  # the client's first request also records its login session
    few = count()
    for n in range(1, 6):
        evidence_add(appeal_id=appeal.pk, upload=SimpleUploadedFile(f"{n}.txt", str(n).encode()), by=member)
    assert count() == few
