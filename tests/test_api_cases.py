"""API: accounts and violations, with roles, cross-organization isolation and errors."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from appeals.models import Account, TimelineEvent, Violation
from core.models import Role
from core.tokens import api_token_create
from tests.factories import AccountFactory, MembershipFactory, ViolationFactory


def bearer(user, org) -> dict:
    return {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=user, organization=org, name="t")[1]}


@pytest.fixture
def api(client, member, org):
    headers = bearer(member, org)

    class Api:
        def get(self, path, **params):
            return client.get(f"/api/v1{path}", params, **headers)

        def post(self, path, data):
            return client.post(f"/api/v1{path}", json.dumps(data), content_type="application/json", **headers)

        def patch(self, path, data):
            return client.patch(f"/api/v1{path}", json.dumps(data), content_type="application/json", **headers)

        def upload(self, path, name, content: bytes):
            return client.post(f"/api/v1{path}", {"file": SimpleUploadedFile(name, content)}, **headers)

    return Api()


def violation_payload(shop, **overrides):
    return {
        "account_id": shop.pk,
        "reference": "VR-API-1",
        "kind": "listing_removal",
        "policy": "Counterfeit goods",
        "enforced_at": "2026-11-02T10:00:00-05:00",
        "sku_ids": ["SKU1", "SKU2"],
        "order_ids": ["O-9"],
        "penalty_points": 4,
        **overrides,
    }


def test_member_records_and_reads_a_violation(api, shop):
    response = api.post("/violations", violation_payload(shop))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sku_ids"] == ["SKU1", "SKU2"] and body["order_ids"] == ["O-9"]
    assert body["status"] == "not_appealed"
    # 30 calendar days from the notice, closing at the end of the local day (New York).
    assert body["appeal_by"].startswith("2026-12-03T04:59:59") or body["appeal_by"].startswith("2026-12-02T23:59:59")
    assert api.get(f"/violations/{body['id']}").json()["reference"] == "VR-API-1"
    assert TimelineEvent.objects.filter(violation_id=body["id"], verb="created").exists()


def test_duplicate_reference_is_a_field_error(api, shop):
    assert api.post("/violations", violation_payload(shop)).status_code == 201
    response = api.post("/violations", violation_payload(shop))
    assert response.status_code in (400, 409)
    assert response.json()["field"] == "reference"
    assert Violation.objects.count() == 1


def test_validation_errors_name_the_field(api, shop):
    response = api.post("/violations", violation_payload(shop, kind="nonsense", enforced_at="yesterday"))
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"kind", "enforced_at"} <= fields


def test_creator_kind_refused_for_a_shop(api, shop):
    response = api.post("/violations", violation_payload(shop, kind="content_restriction"))
    assert response.status_code == 400
    assert response.json()["field"] == "kind"


def test_stale_update_is_409_and_fresh_update_applies(api, shop):
    created = api.post("/violations", violation_payload(shop)).json()
    ok = api.patch(
        f"/violations/{created['id']}", {"version": created["version"], "policy": "Trademark", "video_ids": []}
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["policy"] == "Trademark" and ok.json()["version"] == created["version"] + 1
    assert ok.json()["sku_ids"] == ["SKU1", "SKU2"]
    stale = api.patch(f"/violations/{created['id']}", {"version": created["version"], "policy": "Other"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert Violation.objects.get().policy == "Trademark"


def test_list_filters_and_cursor_pagination(api, org, shop):
    for n in range(7):
        ViolationFactory(account=shop, reference=f"R{n}")
    ViolationFactory(account=shop, reference="PTS", kind="penalty_points")
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/violations", **params).json()
        seen += [v["reference"] for v in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([f"R{n}" for n in range(7)] + ["PTS"])
    assert len(seen) == len(set(seen))
    only = api.get("/violations", kind="penalty_points").json()["items"]
    assert [v["reference"] for v in only] == ["PTS"]
    assert api.get("/violations", cursor="%%%").status_code == 400


def test_other_organizations_cases_are_404(api, other_org):
    foreign_account = AccountFactory(organization=other_org)
    foreign = ViolationFactory(account=foreign_account)
    assert api.get(f"/violations/{foreign.pk}").status_code == 404
    assert api.patch(f"/violations/{foreign.pk}", {"version": 1, "policy": "x"}).status_code == 404
    assert api.get(f"/accounts/{foreign_account.pk}").status_code == 404
    assert api.get("/violations").json()["items"] == []
    response = api.post("/violations", violation_payload(foreign_account))
    assert response.status_code == 400 and response.json()["field"] == "account_id"


def test_viewer_reads_but_cannot_write(client, org, shop):
    viewer = MembershipFactory(organization=org, role=Role.VIEWER).user
    headers = bearer(viewer, org)
    assert client.get("/api/v1/violations", **headers).status_code == 200
    response = client.post(
        "/api/v1/violations", json.dumps(violation_payload(shop)), content_type="application/json", **headers
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_accounts_need_a_manager_to_change(api, client, org, manager):
    assert api.post("/accounts", {"kind": "seller_shop", "external_id": "1", "name": "S"}).status_code == 403
    headers = bearer(manager, org)
    created = client.post(
        "/api/v1/accounts",
        json.dumps({"kind": "creator", "external_id": "@maya", "name": "Maya"}),
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    assert created.json()["external_id"] == "maya"
    updated = client.patch(
        f"/api/v1/accounts/{created.json()['id']}",
        json.dumps({"name": "Maya K"}),
        content_type="application/json",
        **headers,
    )
    assert updated.json()["name"] == "Maya K"
    duplicate = client.post(
        "/api/v1/accounts",
        json.dumps({"kind": "creator", "external_id": "maya", "name": "Again"}),
        content_type="application/json",
        **headers,
    )
    assert duplicate.status_code == 400 and duplicate.json()["field"] == "external_id"
    assert Account.objects.filter(organization=org).count() == 1


def test_malformed_json_is_400_not_500(client, member, org):
    response = client.post("/api/v1/violations", "{not json", content_type="application/json", **bearer(member, org))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


CSV_OK = b"account,reference,kind,policy,enforced_at,sku_ids\n7495001122,CSV-1,listing_removal,IP,2026-11-01,A;B\n"
CSV_BAD = b"account,reference,kind,policy,enforced_at\n7495001122,CSV-1,listing_removal,IP,2026-02-30\n"


def test_import_reports_errors_by_line_and_writes_nothing(api, shop):
    response = api.upload("/violations/import", "v.csv", CSV_BAD)
    assert response.status_code == 400
    body = response.json()
    assert body["applied"] is False
    assert body["errors"][0]["field"].startswith("line 2")
    assert Violation.objects.count() == 0


def test_import_applies_then_is_idempotent(api, shop):
    first = api.upload("/violations/import", "v.csv", CSV_OK).json()
    assert (first["applied"], first["created"]) == (True, 1)
    second = api.upload("/violations/import", "v.csv", CSV_OK).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 1)


def test_multipart_without_boundary_is_400(client, member, org):
    headers = {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=member, organization=org, name="x")[1]}
    response = client.generic("POST", "/api/v1/violations/import", b"", content_type="multipart/form-data", **headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    "enforced_at",
    ["0178-10-20T03:11:25.9+22:34", "2026-11-02T10:00:00", "1999-12-31T23:00:00Z", "2301-01-01T00:00:00Z"],
)
def test_implausible_or_naive_datetimes_are_400_at_the_field(api, shop, enforced_at):
    response = api.post("/violations", violation_payload(shop, enforced_at=enforced_at))
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "enforced_at"


def test_a_future_enforcement_date_is_refused(api, shop):
    response = api.post("/violations", violation_payload(shop, enforced_at="2099-01-01T00:00:00Z"))
    assert response.status_code == 400
    assert response.json()["field"] == "enforced_at"
    assert Violation.objects.count() == 0


def test_far_offsets_are_normalised_to_utc(api, shop):
    response = api.post("/violations", violation_payload(shop, enforced_at="2026-11-02T10:00:00+13:45"))
    assert response.status_code == 201, response.content
    assert Violation.objects.get().enforced_at.isoformat() == "2026-11-01T20:15:00+00:00"
