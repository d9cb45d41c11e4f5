"""API: POST /violations/parse-notice reads a notice into the fields of POST /violations and saves nothing."""

from __future__ import annotations

import json

import pytest

from appeals.api.violations import ViolationIn
from appeals.models import Violation
from tests.test_api_cases import bearer

URL = "/api/v1/violations/parse-notice"
NOTICE = """Hello @ACME.creator,

Your video has been removed for violating our Music Copyright Policy.
Violation ID: CV7304333444
Video ID: 7401000222333444555
Violation time: 2026-11-07 18:30
Appeal deadline: 2026-12-07
Call +1 (310) 555-0177.
"""


def _post(client, user, org, body):
    return client.post(URL, json.dumps(body), content_type="application/json", **bearer(user, org))


def test_fields_named_as_the_create_api_and_found_listed(client, member, org, creator_account):
    response = _post(client, member, org, {"text": NOTICE})
    assert response.status_code == 200, response.content
    body = response.json()
    fields = body["fields"]
    create_names = set(ViolationIn.model_fields) - {"account_id", "notice", "assignee_id"}
    assert set(fields) == create_names | {"account_external_id", "appeal_by"}
    assert fields == {
        "reference": "CV7304333444",
        "kind": "content_restriction",
        "policy": "Music Copyright Policy",
        "action": "Your video has been removed",
        "record_status": "enforced",
        "enforced_at": "2026-11-07T18:30:00-05:00",
        "penalty_points": None,
        "sku_ids": [],
        "product_ids": [],
        "order_ids": [],
        "video_ids": ["7401000222333444555"],
        "account_external_id": "@acme.creator",
        "appeal_by": "2026-12-07",
    }
    assert body["found"] == [
        "reference", "kind", "policy", "action", "record_status", "enforced_at", "video_ids",
        "account_external_id", "appeal_by",
    ]  # fmt: skip
    assert Violation.objects.count() == 0


def test_a_viewer_may_parse(client, viewer, org):
    assert _post(client, viewer, org, {"text": "Violation ID: VR1234567"}).status_code == 200


def test_another_organizations_accounts_are_not_matched(client, outsider, other_org, creator_account):
    fields = _post(client, outsider, other_org, {"text": NOTICE}).json()["fields"]
    assert fields["account_external_id"] == "@ACME.creator"  # as written, not matched to another org's account


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"text": ""}, "empty", "text"),
        ({"text": " \n\t"}, "empty", "text"),
        ({"text": "x" * 20_001}, "too_long", "text"),
        ({}, "invalid", "text"),
        ({"text": 5}, "invalid", "text"),
        ({"text": "Violation ID: VR1234567", "tz": "UTC"}, "invalid", "tz"),
    ],
)
def test_bad_bodies_get_400_with_a_code(client, member, org, body, code, field):
    response = _post(client, member, org, body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == field


def test_text_of_exactly_the_limit_is_read(client, member, org):
    text = ("Violation ID: VR1234567\n" + "x" * 20_000)[:20_000]
    assert _post(client, member, org, {"text": text}).status_code == 200


def test_needs_a_token_and_post(client, member, org):
    assert client.post(URL, json.dumps({"text": "x"}), content_type="application/json").status_code == 401
    assert client.get(URL, **bearer(member, org)).status_code == 405
