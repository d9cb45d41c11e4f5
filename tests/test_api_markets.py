"""GET /api/v1/markets, and the clock and rule version on violations, appeals and tickets."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import time_machine

from core.rules import rule_version_add
from tests.factories import AccountFactory
from tests.test_api_cases import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, member, org):
    headers = bearer(member, org)

    class Api:
        def get(self, path):
            return client.get(f"/api/v1{path}", **headers)

        def post(self, path, data):
            return client.post(f"/api/v1{path}", json.dumps(data), content_type="application/json", **headers)

    return Api()


@time_machine.travel(datetime(2026, 12, 3, 15, tzinfo=UTC))
def test_markets_list_rules_in_force_and_upcoming(api, org):
    rule_version_add(organization=org, market="TH", effective_from=date(2027, 2, 1), review_business_days=5, note="x")
    org.market_clocks = {"TH": {"support_opens_at": "10:00"}}
    org.save()
    response = api.get("/markets")
    assert response.status_code == 200
    markets = {m["code"]: m for m in response.json()}
    assert len(markets) == 16
    th = markets["TH"]
    assert th["clock"]["timezone"] == "Asia/Bangkok" and th["clock"]["support_opens_at"] == "10:00"
    assert th["clock_overridden"] is True
    assert th["in_force"]["version"] == 1 and th["in_force"]["review_business_days"] == 3
    assert [(u["version"], u["effective_from"], u["review_business_days"]) for u in th["upcoming"]] == [
        (2, "2027-02-01", 5)
    ]
    assert markets["US"]["upcoming"] == [] and markets["US"]["in_force"]["effective_from"] is None


def test_markets_needs_a_token(client):
    assert client.get("/api/v1/markets").status_code == 401


@time_machine.travel(datetime(2026, 12, 3, 15, tzinfo=UTC))
def test_violation_appeal_and_ticket_carry_clock_and_rule_version(api, org):
    account = AccountFactory(organization=org, market="VN")
    response = api.post(
        "/violations",
        {
            "account_id": account.pk,
            "reference": "VR-VN-1",
            "kind": "listing_removal",
            "policy": "Counterfeit",
            "enforced_at": "2026-11-20T22:00:00+07:00",
        },
    )
    assert response.status_code == 201, response.content
    violation = response.json()
    assert violation["clock"]["timezone"] == "Asia/Ho_Chi_Minh"
    assert violation["rule_version"] == {"market": "VN", "number": 1, "effective_from": "2000-01-01"}
    assert violation["appeal_by"] == "2026-12-20T16:59:59Z"  # 23:59:59 in Hanoi (UTC+7)
    appeal = api.post("/appeals", {"violation_id": violation["id"]}).json()
    assert appeal["clock"]["market"] == "VN" and appeal["rule_version"]["number"] == 1
    ticket = api.post(
        "/tickets",
        {"account_id": account.pk, "violation_id": violation["id"], "channel": "seller_center_chat", "subject": "s"},
    )
    assert ticket.status_code == 201, ticket.content
    assert ticket.json()["clock"]["market"] == "VN" and ticket.json()["rule_version"]["number"] == 1
    listed = api.get("/tickets").json()
    assert listed[0]["rule_version"]["market"] == "VN"


def test_openapi_documents_markets_clock_and_rule_version(api):
    schema = api.get("/openapi.json").json()
    assert "/api/v1/markets" in schema["paths"]
    for name in ("ViolationOut", "AppealOut", "TicketOut"):
        properties = schema["components"]["schemas"][name]["properties"]
        assert {"clock", "rule_version"} <= set(properties), name
