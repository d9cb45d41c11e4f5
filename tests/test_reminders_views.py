"""Deadline pages: calendar feed, unsubscribe link, failed reminders; the deadline template filters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone
from icalendar import Calendar

from appeals.models import Appeal, CaseStatus, Reminder
from appeals.services import reminders
from appeals.templatetags.deadlines import due_phrase
from core.models import User
from tests.factories import AppealFactory, ViolationFactory

NY = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.fixture
def due_appeal(org, shop, member):
    v = ViolationFactory(account=shop, reference="VR-FEED-1", assignee=member, status=CaseStatus.UNDER_REVIEW)
    return AppealFactory(
        violation=v,
        status=Appeal.Status.UNDER_REVIEW,
        submitted_at=timezone.now(),
        due_at=timezone.now() + timedelta(days=2),
    )


@pytest.fixture
def failed(org, member, due_appeal):
    return Reminder.objects.create(
        organization=org,
        kind=Reminder.Kind.DECISION_DUE_TODAY,
        subject_key=f"appeal:{due_appeal.pk}",
        violation=due_appeal.violation,
        appeal=due_appeal,
        recipient=member,
        deadline=due_appeal.due_at,
        send_after=timezone.now(),
        status=Reminder.Status.FAILED,
        attempts=12,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )


# --- calendar feed ------------------------------------------------------------------------------------------------


def test_feed_lists_upcoming_deadlines_of_all_my_organizations_without_login(
    client, member, due_appeal, shop, other_org
):
    from tests.factories import AccountFactory, MembershipFactory

    MembershipFactory(user=member, organization=other_org)
    elsewhere = ViolationFactory(account=AccountFactory(organization=other_org), reference="VR-OTHER-ORG")
    stranger = ViolationFactory(account=AccountFactory(), reference="VR-NOT-MINE")
    response = client.get(f"/calendar/{member.calendar_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert "Decision due: VR-FEED-1 (Acme US Shop)" in summaries
    assert any(elsewhere.reference in s for s in summaries)
    assert not any(stranger.reference in s for s in summaries)
    event = next(e for e in cal.walk("VEVENT") if "VR-FEED-1" in str(e["summary"]) and "Decision" in str(e["summary"]))
    assert event.decoded("dtstart") == due_appeal.due_at.replace(microsecond=0)
    assert f"/violations/{due_appeal.violation_id}/" in str(event["url"])


def test_feed_with_a_wrong_or_rotated_token_is_404(client, member_client, member):
    old = member.calendar_token
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.post(f"/calendar/{old}.ics").status_code == 405
    response = member_client.post("/calendar/rotate/")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.calendar_token != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{member.calendar_token}.ics").status_code == 200


def test_calendar_settings_page_shows_the_feed_url(member_client, member, client):
    response = member_client.get("/calendar/")
    assert response.status_code == 200
    assert f"/calendar/{member.calendar_token}.ics" in response.content.decode()
    assert member_client.post("/calendar/").status_code == 405
    assert client.get("/calendar/").status_code == 302  # login first


def test_calendar_rotate_htmx_returns_the_partial(member_client, member):
    response = member_client.post("/calendar/rotate/", HTTP_HX_REQUEST="true")
    member.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f"/calendar/{member.calendar_token}.ics" in body and "New address made" in body
    assert member_client.get("/calendar/rotate/").status_code == 405


def test_profile_links_to_the_calendar_feed(member_client):
    assert "/calendar/" in member_client.get("/profile/").content.decode()


# --- unsubscribe --------------------------------------------------------------------------------------------------


def test_unsubscribe_link_works_without_login(client, member):
    url = reminders.unsubscribe_url(member).removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200 and "Stop reminder emails" in page.content.decode()
    member.refresh_from_db()
    assert member.reminder_emails is True  # a link scanner's GET changes nothing
    done = client.post(url)  # one click on the button, or the mail client's RFC 8058 POST
    assert done.status_code == 200 and "no more reminder emails" in done.content.decode()
    member.refresh_from_db()
    assert member.reminder_emails is False


def test_tampered_unsubscribe_link_is_refused(client, member):
    url = reminders.unsubscribe_url(member).removeprefix("http://127.0.0.1:8000")
    response = client.post(url[:-3] + "xyz")
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.reminder_emails is True
    assert client.put(url).status_code == 405


def test_unsubscribed_people_get_no_new_reminder_rows(member, due_appeal):
    reminders.reminders_unsubscribe(user=member)
    assert User.objects.get(pk=member.pk).reminder_emails is False
    with time_machine.travel(due_appeal.due_at - timedelta(hours=1), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert not Reminder.objects.filter(recipient=member).exists()


# --- failed reminders ---------------------------------------------------------------------------------------------


def test_failed_reminders_page_for_managers_only(manager_client, member_client, outsider_client, failed):
    page = manager_client.get("/reminders/failed/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "VR-FEED-1" in body and "SMTPServerDisconnected" in body and "member@acme.test" in body
    assert member_client.get("/reminders/failed/").status_code == 403
    assert "VR-FEED-1" not in outsider_client.get("/reminders/failed/").content.decode()
    assert manager_client.post("/reminders/failed/").status_code == 405


def test_failed_reminders_empty_state(manager_client):
    assert "No failed reminders" in manager_client.get("/reminders/failed/").content.decode()


def test_retry_button(manager_client, member_client, outsider_client, failed, django_capture_on_commit_callbacks):
    url = f"/reminders/{failed.pk}/retry/"
    assert outsider_client.post(url).status_code == 404
    assert member_client.post(url).status_code == 403
    assert manager_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = manager_client.post(url)
    assert response.status_code == 302 and len(callbacks) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Reminder.Status.PENDING, 0)
    again = manager_client.post(url, HTTP_HX_REQUEST="true")  # no longer failed
    assert again.status_code == 409


def test_retry_button_htmx(manager_client, failed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = manager_client.post(f"/reminders/{failed.pk}/retry/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and f'id="reminder-{failed.pk}"' in body and "queued again" in body


# --- template filters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "due", "phrase"),
    [
        (ny(2026, 11, 23, 10, 0), ny(2026, 11, 25, 14, 0), "in 2 business days"),
        (ny(2026, 11, 25, 16, 0), ny(2026, 11, 27, 10, 0), "in 1 business day"),  # over Thanksgiving
        (ny(2026, 11, 25, 9, 0), ny(2026, 11, 25, 14, 0), "today"),
        (ny(2026, 11, 25, 15, 0), ny(2026, 11, 25, 14, 0), "overdue"),
        (ny(2026, 11, 27, 9, 0), ny(2026, 11, 25, 14, 0), "overdue by 1 business day"),
        (ny(2026, 12, 1, 9, 0), ny(2026, 11, 25, 14, 0), "overdue by 3 business days"),
        (ny(2026, 11, 27, 12, 0), ny(2026, 11, 28, 23, 59), "tomorrow"),  # a window ending on Saturday
        (ny(2026, 11, 27, 12, 0), ny(2026, 11, 29, 23, 59), "in 2 days"),
    ],
)
def test_due_phrase(org, now, due, phrase):
    with time_machine.travel(now, tick=False):
        assert due_phrase(due, org) == phrase


def test_due_phrase_without_deadline_is_empty(org):
    assert due_phrase(None, org) == ""


def test_deadline_tag_renders_time_in_the_viewers_timezone(org):
    template = Template("{% load deadlines %}{% deadline due org %}")
    with time_machine.travel(ny(2026, 11, 24, 10, 0), tick=False), timezone.override(ZoneInfo("Europe/Berlin")):
        html = template.render(Context({"due": ny(2026, 11, 25, 14, 0), "org": org}))
    assert '<time datetime="2026-11-25T19:00:00+00:00">Wed 25 Nov 2026, 20:00</time>' in html
    assert "(in 1 business day)" in html and "deadline-soon" in html
    assert "No deadline" in Template("{% load deadlines %}{% deadline None org %}").render(Context({"org": org}))


def test_business_days_count_uses_closed_dates(org):
    from core.models import ClosedDate

    ClosedDate.objects.create(organization=org, date=date(2026, 11, 24))
    with time_machine.travel(ny(2026, 11, 23, 10, 0), tick=False):
        assert due_phrase(ny(2026, 11, 25, 14, 0), org) == "in 1 business day"


def test_reminder_emails_can_be_turned_back_on_in_the_profile(member_client, member):
    reminders.reminders_unsubscribe(user=member)
    response = member_client.post(
        "/profile/",
        {
            "full_name": "Mem Ber",
            "timezone": "America/New_York",
            "reminder_emails": "on",
            "email_mode": "digest",
            "digest_hour": 7,
        },
    )
    assert response.status_code in (200, 302)
    member.refresh_from_db()
    assert (member.reminder_emails, member.email_mode, member.digest_hour) == (True, "digest", 7)
