from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from appeals.models import Appeal
from core.tokens import api_token_create
from tests.factories import AppealFactory, ViolationFactory

NY = ZoneInfo("America/New_York")


def headers(user, org):
    return {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=user, organization=org, name="t")[1]}


@time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=NY), tick=False)
def test_summary_gives_the_dashboard_figures(client, manager, org, shop):
    submitted = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
    outcomes = ["reversed", "reversed", "partially_reversed", "upheld"]
    for n, outcome in enumerate(outcomes):
        case = ViolationFactory(account=shop, enforced_at=submitted - timedelta(days=1))
        AppealFactory(
            violation=case,
            status=outcome,
            submitted_at=submitted,
            due_at=submitted + timedelta(days=3),
            decided_at=submitted + timedelta(days=2 + n % 2),
        )
    response = client.get(
        "/api/v1/analytics/summary", {"from": "2026-11-01", "to": "2026-11-20"}, **headers(manager, org)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    rate = body["success_rate"]
    assert (rate["decided"], rate["reversed"], rate["partially_reversed"], rate["upheld"]) == (4, 2, 1, 1)
    assert rate["success_rate"] == 0.625
    assert rate["too_few_to_judge"] is True
    assert 0 <= rate["interval_low"] < 0.625 < rate["interval_high"] <= 1
    assert body["time_to_decision"]["decided"] == 4
    assert Appeal.objects.count() == 4


def test_summary_needs_a_manager_and_valid_dates(client, member, manager, org):
    assert client.get("/api/v1/analytics/summary", **headers(member, org)).status_code == 403
    bad = client.get("/api/v1/analytics/summary", {"from": "2026-11-20", "to": "2026-11-01"}, **headers(manager, org))
    assert bad.status_code == 400 and bad.json()["field"] == "from"
    assert client.get("/api/v1/analytics/summary", {"round": "third"}, **headers(manager, org)).status_code == 400


def test_summary_of_a_kind_with_no_decided_appeal_is_zero_not_an_error(client, manager, org, shop):
    """Issue 18, finding 6: within_review_window is an int; with nothing decided it is 0, not a 500."""
    ViolationFactory(account=shop)
    response = client.get("/api/v1/analytics/summary", {"kind": "other"}, **headers(manager, org))
    assert response.status_code == 200, response.content
    assert response.json()["time_to_decision"]["within_review_window"] == 0


def test_summary_dates_outside_2000_to_2100_are_a_field_error(client, manager, org):
    for params, field in (
        ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ):
        response = client.get("/api/v1/analytics/summary", params, **headers(manager, org))
        assert response.status_code == 400, (params, response.content)
        assert response.json()["field"] == field
