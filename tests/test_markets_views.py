"""The markets screen (owners) and the case page's two clocks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from appeals.services.violations import violation_create
from core.market_models import RuleVersion
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

CLOCK = {
    "timezone": "Europe/London",
    "holiday_country": "GB",
    "holiday_subdivision": "SCT",
    "support_days": ["1", "2", "3", "4", "5"],
    "support_opens_at": "08:00",
    "support_closes_at": "18:00",
}


def test_owner_sees_every_market_with_its_clock_and_rules(owner_client):
    response = owner_client.get("/settings/markets/")
    assert response.status_code == 200
    text = response.content.decode()
    for city in ("America/New_York", "Europe/London", "Asia/Jakarta", "Asia/Ho_Chi_Minh", "America/Sao_Paulo"):
        assert city in text
    assert text.count('href="/settings/markets/') == 16
    assert "review 3 business d" in text


@pytest.mark.parametrize("path", ["/settings/markets/", "/settings/markets/GB/"])
def test_markets_are_for_owners(member_client, path):
    assert member_client.get(path).status_code == 403


def test_unknown_market_is_404(owner_client):
    assert owner_client.get("/settings/markets/XX/").status_code == 404


def test_clock_and_version_forms_take_post_only(owner_client):
    assert owner_client.get("/settings/markets/GB/clock/").status_code == 405
    assert owner_client.get("/settings/markets/GB/versions/").status_code == 405


def test_owner_overrides_a_market_clock(owner_client, org):
    response = owner_client.post("/settings/markets/GB/clock/", CLOCK)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.market_clocks == {
        "GB": {"holiday_subdivision": "SCT", "support_opens_at": "08:00", "support_closes_at": "18:00"}
    }
    page = owner_client.get("/settings/markets/").content.decode()
    assert "your override" in page and "support 08:00–18:00" in page


def test_back_to_the_defaults_stores_nothing(owner_client, org):
    owner_client.post("/settings/markets/GB/clock/", CLOCK)
    owner_client.post(
        "/settings/markets/GB/clock/",
        {**CLOCK, "holiday_subdivision": "ENG", "support_opens_at": "09:00", "support_closes_at": "17:00"},
    )
    org.refresh_from_db()
    assert org.market_clocks == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"holiday_subdivision": "XYZ"}, "holiday_subdivision", "is not a subdivision of GB"),
        ({"holiday_country": "ZZ"}, "holiday_country", "not a country the holiday calendar knows"),
        ({"support_opens_at": "19:00"}, "support_closes_at", "Support closes after it opens"),
        ({"support_days": []}, "support_days", "required"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
    ],
)
def test_bad_clock_input_is_a_field_error(owner_client, org, changes, field, words):
    response = owner_client.post("/settings/markets/GB/clock/", {**CLOCK, **changes})
    assert response.status_code == 400
    text = response.content.decode()
    assert f'id="field-{field}"' in text and words in text
    org.refresh_from_db()
    assert org.market_clocks == {}


@time_machine.travel(datetime(2026, 12, 3, 15, tzinfo=UTC))
def test_owner_adds_a_rule_version(owner_client, org, owner):
    response = owner_client.post(
        "/settings/markets/ID/versions/",
        {"effective_from": "2027-01-01", "appeal_window_days": "14", "window_penalty_points": "7", "note": "New rules"},
    )
    assert response.status_code == 302
    v = RuleVersion.objects.get(organization=org, market="ID", number=2)
    assert (v.appeal_window_days, v.appeal_window_days_by_kind, v.review_business_days) == (
        14,
        {"penalty_points": 7},
        None,
    )
    assert v.created_by == owner
    page = owner_client.get("/settings/markets/ID/").content.decode()
    assert "upcoming" in page and "version 2 (from Jan 1, 2027)" in page and "New rules" in page


@time_machine.travel(datetime(2026, 12, 3, 15, tzinfo=UTC))
@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"effective_from": "2026-12-01"}, "effective_from", "takes effect today"),
        ({"effective_from": ""}, "effective_from", "required"),
        ({"effective_from": "2027-01-01", "max_rounds": "0"}, "max_rounds", "greater than or equal to 1"),
        ({"effective_from": "2027-01-01", "review_business_days": "abc"}, "review_business_days", "whole number"),
    ],
)
def test_bad_version_input_is_a_field_error(owner_client, org, data, field, words):
    response = owner_client.post("/settings/markets/ID/versions/", data)
    assert response.status_code == 400
    text = response.content.decode()
    assert f'id="field-{field}"' in text and words in text
    assert not RuleVersion.objects.filter(organization=org, number__gt=1).exists()


def test_a_second_version_the_same_day_is_refused(owner_client, org):
    with time_machine.travel(datetime(2026, 12, 3, 15, tzinfo=UTC)):
        owner_client.post("/settings/markets/ID/versions/", {"effective_from": "2027-01-01"})
        response = owner_client.post("/settings/markets/ID/versions/", {"effective_from": "2027-01-01"})
    assert response.status_code == 400 and "already takes effect that day" in response.content.decode()


def test_case_page_shows_both_clocks_and_the_rule_version(owner_client, org, owner):
    owner.timezone = "America/New_York"
    owner.save()
    account = AccountFactory(organization=org, market="ID")
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC)):
        violation = violation_create(
            organization=org,
            account=account,
            by=owner,
            reference="VR-JKT",
            kind="listing_removal",
            policy="Prohibited item",
            enforced_at=datetime(2026, 11, 6, 10, tzinfo=UTC),
        )
        text = owner_client.get(f"/violations/{violation.pk}/").content.decode()
    # 23:59 in Jakarta on Dec 6 is 11:59 in New York the same day.
    assert "Dec 6, 23:59 Jakarta · 11:59 your time" in text
    assert "Platform rules" in text and "ID version 1" in text
    assert "Asia/Jakarta" in text


def test_account_page_shows_its_market_clock(owner_client, org):
    account = AccountFactory(organization=org, market="JP")
    text = owner_client.get(f"/accounts/{account.pk}/").content.decode()
    assert "Japan" in text and "Asia/Tokyo · holidays JP" in text


def test_settings_name_the_team_clock(owner_client):
    text = owner_client.get("/settings/").content.decode()
    assert "Team clock" in text and 'href="/settings/markets/"' in text


def test_a_clock_change_recounts_the_open_cases(owner_client, org, owner):
    from appeals.models import RecomputeJob

    account = AccountFactory(organization=org, market="GB")
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC)):
        violation_create(
            organization=org,
            account=account,
            by=owner,
            reference="VR-GB",
            kind="listing_removal",
            policy="p",
            enforced_at=datetime(2026, 11, 30, 10, tzinfo=UTC),
        )
    owner_client.post("/settings/markets/GB/clock/", {**CLOCK, "timezone": "Europe/Dublin"})
    job = RecomputeJob.objects.get(organization=org)
    assert job.reason == "platform clock of GB changed"
