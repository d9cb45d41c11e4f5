"""API: the appeal's whole life — draft, evidence, submit, outcome, follow-up — through the web app's services."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from appeals.models import Appeal
from core.tokens import api_token_create
from tests.factories import AccountFactory, ViolationFactory


def png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def api(client, member, org):
    headers = {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=member, organization=org, name="t")[1]}

    class Api:
        def get(self, path):
            return client.get(f"/api/v1{path}", **headers)

        def post(self, path, data=None):
            return client.post(f"/api/v1{path}", json.dumps(data or {}), content_type="application/json", **headers)

        def patch(self, path, data):
            return client.patch(f"/api/v1{path}", json.dumps(data), content_type="application/json", **headers)

        def upload(self, path, name, content, caption=""):
            return client.post(
                f"/api/v1{path}", {"file": SimpleUploadedFile(name, content), "caption": caption}, **headers
            )

    return Api()


@pytest.fixture
def case(shop):
    return ViolationFactory(
        account=shop, enforced_at=timezone.now() - timedelta(days=3), policy="Trademark: counterfeit claim"
    )


def test_full_appeal_life_through_the_api(api, case):
    draft = api.post("/appeals", {"violation_id": case.pk})
    assert draft.status_code == 201, draft.content
    appeal = draft.json()
    assert appeal["status"] == "draft" and appeal["round"] == 1
    assert appeal["rule_cited"] == "Trademark: counterfeit claim"
    assert appeal["ids"]["reference"] == case.reference
    before = appeal["readiness"]["score"]
    assert {f["code"] for f in appeal["readiness"]["findings"]}

    patched = api.patch(
        f"/appeals/{appeal['id']}",
        {
            "version": appeal["version"],
            "desired_outcome": "Reinstate the listing for SKU 12345: the trademark rule cited does not apply.",
            "explanation": "We are the authorized distributor; the invoice and the brand's letter are attached.",
            "ids": {"sku": ["12345"]},
        },
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["ids"]["sku"] == ["12345"]
    assert patched.json()["readiness"]["score"] > before

    uploaded = api.upload(f"/appeals/{appeal['id']}/evidence", "invoice.png", png("white"), "Invoice from the brand")
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["content_type"] == "image/png" and len(uploaded.json()["sha256"]) == 64
    duplicate = api.upload(f"/appeals/{appeal['id']}/evidence", "again.png", png("white"), "Same")
    assert duplicate.status_code == 409

    submitted = api.post(f"/appeals/{appeal['id']}/submit", {"platform_reference": "AP-77"})
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "under_review" and body["due_at"] and body["final_text"].startswith("Reinstate")
    frozen = api.patch(f"/appeals/{appeal['id']}", {"version": body["version"], "explanation": "changed"})
    assert frozen.status_code == 409

    decided = api.post(f"/appeals/{appeal['id']}/outcome", {"outcome": "upheld", "message": "Policy applies."})
    assert decided.status_code == 200, decided.content
    assert decided.json()["outcome"] == "upheld"

    follow_up = api.post(f"/appeals/{appeal['id']}/follow-up")
    assert follow_up.status_code == 201, follow_up.content
    second = follow_up.json()
    assert second["round"] == 2 and second["parent_id"] == appeal["id"]
    refused = api.post(f"/appeals/{second['id']}/submit")
    assert refused.status_code == 400
    assert "new" in refused.json()["message"].lower()
    assert api.upload(f"/appeals/{second['id']}/evidence", "letter.png", png("blue"), "Brand letter").status_code == 201
    accepted = api.post(f"/appeals/{second['id']}/submit")
    assert accepted.status_code == 200, accepted.content
    assert Appeal.objects.get(pk=second["id"]).status == "under_review"


def test_refused_files_get_415_and_413(api, case, settings):
    appeal = api.post("/appeals", {"violation_id": case.pk}).json()
    exe = api.upload(f"/appeals/{appeal['id']}/evidence", "photo.png", b"MZ\x90\x00" + b"\x00" * 200)
    assert exe.status_code == 415
    assert exe.json()["code"] == "unsupported_type"
    settings.EVIDENCE_MAX_FILE_BYTES = 10
    big = api.upload(f"/appeals/{appeal['id']}/evidence", "big.png", png("red"))
    assert big.status_code == 413


def test_outcome_on_a_draft_is_a_conflict(api, case):
    appeal = api.post("/appeals", {"violation_id": case.pk}).json()
    response = api.post(f"/appeals/{appeal['id']}/outcome", {"outcome": "reversed"})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_appeals_of_other_organizations_are_404(api, other_org):
    foreign = ViolationFactory(account=AccountFactory(organization=other_org))
    response = api.post("/appeals", {"violation_id": foreign.pk})
    assert response.status_code == 400 and response.json()["field"] == "violation_id"
    from tests.factories import AppealFactory

    foreign_appeal = AppealFactory(violation=foreign)
    assert api.get(f"/appeals/{foreign_appeal.pk}").status_code == 404
    for path, body in [("/submit", {}), ("/outcome", {"outcome": "reversed"}), ("/follow-up", {})]:
        assert api.post(f"/appeals/{foreign_appeal.pk}{path}", body).status_code == 404, path
    assert api.upload(f"/appeals/{foreign_appeal.pk}/evidence", "a.png", png("red")).status_code == 404
    assert api.get("/appeals").json()["items"] == []
