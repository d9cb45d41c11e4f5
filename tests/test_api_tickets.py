from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.tokens import api_token_create
from tests.factories import AccountFactory, ViolationFactory

NY = ZoneInfo("America/New_York")


@pytest.fixture
def headers(member, org):
    return {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=member, organization=org, name="t")[1]}


def post(client, headers, data):
    return client.post("/api/v1/tickets", json.dumps(data), content_type="application/json", **headers)


@time_machine.travel(datetime(2026, 11, 23, 12, 0, tzinfo=NY), tick=False)
def test_ticket_gets_business_hour_deadlines_across_the_weekend_and_thanksgiving(client, headers, shop):
    # Fri 15:00 New York: 2 business hours that day, 8 each Mon-Wed, none on Thanksgiving (Thu 26), 8 on Fri 27, ...
    response = post(
        client,
        headers,
        {
            "account_id": shop.pk,
            "channel": "seller_center_ticket",
            "subject": "Why was SKU 12345 removed?",
            "opened_at": "2026-11-20T15:00:00-05:00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    first_due = datetime.fromisoformat(body["first_response_due_at"]).astimezone(NY)
    resolution_due = datetime.fromisoformat(body["resolution_due_at"]).astimezone(NY)
    assert first_due == datetime(2026, 11, 25, 15, 0, tzinfo=NY)
    assert resolution_due == datetime(2026, 12, 1, 15, 0, tzinfo=NY)
    assert body["sla"] == "on_time"


def test_ticket_update_is_version_checked_and_validated(client, headers, shop):
    created = post(client, headers, {"account_id": shop.pk, "channel": "creator_chat", "subject": "Sample"}).json()
    early = client.patch(
        f"/api/v1/tickets/{created['id']}",
        json.dumps({"version": created["version"], "resolved_at": "2000-01-01T00:00:00Z"}),
        content_type="application/json",
        **headers,
    )
    assert early.status_code == 400 and early.json()["field"] == "resolved_at"
    done = client.patch(
        f"/api/v1/tickets/{created['id']}",
        json.dumps({"version": created["version"], "notes": "chased"}),
        content_type="application/json",
        **headers,
    )
    assert done.status_code == 200 and done.json()["notes"] == "chased"
    stale = client.patch(
        f"/api/v1/tickets/{created['id']}",
        json.dumps({"version": created["version"], "notes": "again"}),
        content_type="application/json",
        **headers,
    )
    assert stale.status_code == 409


def test_tickets_of_other_organizations_are_invisible(client, headers, other_org, shop):
    foreign_account = AccountFactory(organization=other_org)
    foreign_case = ViolationFactory(account=foreign_account)
    response = post(
        client,
        headers,
        {"account_id": shop.pk, "violation_id": foreign_case.pk, "channel": "creator_chat", "subject": "x"},
    )
    assert response.status_code == 400 and response.json()["field"] == "violation_id"
    response = post(client, headers, {"account_id": foreign_account.pk, "channel": "creator_chat", "subject": "x"})
    assert response.status_code == 400 and response.json()["field"] == "account_id"
    assert client.get("/api/v1/tickets/999999", **headers).status_code == 404
    assert client.get("/api/v1/tickets", **headers).json() == []
