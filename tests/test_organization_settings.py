"""Organization settings: owners edit the calendar and limits; holiday calendars are validated."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.forms import settings_initial
from core.models import ClosedDate, Role
from core.views.organization import next_business_days
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _data(org, **changes):
    data = settings_initial(org)
    data["opens_at"] = org.opens_at.strftime("%H:%M")
    data["closes_at"] = org.closes_at.strftime("%H:%M")
    data["is_agency"] = "on" if org.is_agency else ""
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_owner_saves_settings(owner_client, org):
    response = owner_client.post(
        "/settings/",
        _data(
            org,
            name="Acme Global",
            timezone="Europe/Berlin",
            holiday_country="de",
            holiday_subdivision="by",
            working_days=["1", "2", "3", "4", "5", "6"],
            opens_at="08:30",
            closes_at="18:00",
            review_business_days="4",
            max_rounds="3",
            penalty_point_milestones="48, 12 ,24",
            is_agency="on",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org.refresh_from_db()
    assert org.name == "Acme Global"
    assert org.timezone == "Europe/Berlin"
    assert (org.holiday_country, org.holiday_subdivision) == ("DE", "BY")
    assert org.working_days == [1, 2, 3, 4, 5, 6]
    assert (org.opens_at, org.closes_at) == (time(8, 30), time(18, 0))
    assert org.review_business_days == 4
    assert org.max_rounds == 3
    assert org.penalty_point_milestones == [12, 24, 48]
    assert org.is_agency is True


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"holiday_country": "XX"}, "holiday_country", "not a country"),
        ({"holiday_subdivision": "ZZ"}, "holiday_subdivision", "not a subdivision of US"),
        ({"opens_at": "17:00", "closes_at": "09:00"}, "closes_at", "after opening"),
        ({"working_days": []}, "working_days", "required"),
        ({"penalty_point_milestones": "12, lots"}, "penalty_point_milestones", "whole numbers"),
        ({"max_rounds": "0"}, "max_rounds", "at least one"),
        ({"timezone": "Mars/Olympus"}, "timezone", "valid choice"),
    ],
)
def test_bad_settings_show_field_errors_and_keep_input(owner_client, org, changes, field, text):
    response = owner_client.post("/settings/", _data(org, name="Typed Name", **changes))
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert text in body
    assert 'value="Typed Name"' in body
    org.refresh_from_db()
    assert org.name == "Acme Shop"


def test_settings_page_previews_next_business_days(owner_client, org):
    ClosedDate.objects.create(organization=org, date=date(2026, 7, 6), note="Retreat")
    with time_machine.travel(datetime(2026, 7, 2, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        response = owner_client.get("/settings/")
    body = response.content.decode()
    assert response.status_code == 200
    # Thu 2 Jul 2026: Fri 3 Jul is the observed Independence Day, 6 Jul is closed.
    for day in ("2026-07-07", "2026-07-08", "2026-07-09", "2026-07-10", "2026-07-13"):
        assert f'datetime="{day}"' in body
    assert "Independence Day" in body
    assert "Closed date" in body


def test_next_business_days_follows_working_days(org):
    org.working_days = [6, 7]
    org.save()
    days = next_business_days(org, count=3, today=date(2026, 3, 4))
    assert days == [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 14)]


def test_closed_dates_add_and_remove(owner_client, org):
    response = owner_client.post("/settings/closed-dates/", {"date": "2030-12-24", "note": "Holiday party"})
    assert response.status_code == 302
    closed = ClosedDate.objects.get(organization=org)
    assert (closed.date, closed.note) == (date(2030, 12, 24), "Holiday party")
    duplicate = owner_client.post("/settings/closed-dates/", {"date": "2030-12-24"})
    assert duplicate.status_code == 400
    assert b'id="id_date_error"' in duplicate.content
    assert b"already a closed date" in duplicate.content
    assert owner_client.get(f"/settings/closed-dates/{closed.pk}/remove/").status_code == 405
    assert owner_client.post(f"/settings/closed-dates/{closed.pk}/remove/").status_code == 302
    assert not ClosedDate.objects.filter(organization=org).exists()


def test_closed_date_of_other_org_is_404(owner_client, other_org):
    closed = ClosedDate.objects.create(organization=other_org, date=date(2030, 1, 2))
    assert owner_client.post(f"/settings/closed-dates/{closed.pk}/remove/").status_code == 404
    assert ClosedDate.objects.filter(pk=closed.pk).exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.MANAGER])
def test_only_owners_edit_settings(client_for, org, role):
    client = client_for(MembershipFactory(organization=org, role=role).user)
    closed = ClosedDate.objects.create(organization=org, date=date(2030, 1, 2))
    assert client.get("/settings/").status_code == 403
    assert client.post("/settings/", _data(org, name="Hijacked")).status_code == 403
    assert client.post("/settings/closed-dates/", {"date": "2030-12-24"}).status_code == 403
    assert client.post(f"/settings/closed-dates/{closed.pk}/remove/").status_code == 403
    org.refresh_from_db()
    assert org.name == "Acme Shop"
    assert ClosedDate.objects.filter(organization=org).count() == 1


def test_settings_nav_only_for_owners(owner_client, manager_client):
    assert b'href="/settings/"' in owner_client.get("/accounts/").content
    assert b'href="/settings/"' not in manager_client.get("/accounts/").content
