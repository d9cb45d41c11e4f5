"""One way to write dates: templates (FORMAT_MODULE_PATH), and text built in Python (flash messages, service
errors) through core.dates, in the organization's timezone, never ISO."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.urls import reverse
from django.utils import dateformat

from appeals.services.appeals import appeal_save_step, appeal_start
from core.dates import RowDates, day, moment, weekday
from tests.factories import ViolationFactory

NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
ISO_DATE = r"\d{4}-\d{2}-\d{2}"


@pytest.mark.parametrize(
    ("func", "value", "tz", "expected"),
    [
        (day, date(2026, 12, 3), None, "Dec 3, 2026"),
        (day, date(2027, 1, 31), None, "Jan 31, 2027"),
        # 03:00 UTC on Dec 4 is still Dec 3 in New York, already Dec 4 midday in Tokyo.
        (day, datetime(2026, 12, 4, 3, 0, tzinfo=UTC), NY, "Dec 3, 2026"),
        (day, datetime(2026, 12, 4, 3, 0, tzinfo=UTC), TOKYO, "Dec 4, 2026"),
        (moment, datetime(2026, 12, 4, 3, 5, tzinfo=UTC), NY, "Dec 3, 2026 22:05"),
        (weekday, date(2026, 12, 3), None, "Thu Dec 3, 2026"),
    ],
)
def test_python_text_formats(func, value, tz, expected):
    assert func(value, tz) == expected


def test_templates_default_to_the_same_formats():
    rendered = Template("{{ d|date }} · {{ m|date:'DATETIME_FORMAT' }} · {{ d }}").render(
        Context({"d": date(2026, 12, 3), "m": datetime(2026, 12, 3, 9, 5)})
    )
    assert rendered == "Dec 3, 2026 · Dec 3, 2026 09:05 · Dec 3, 2026"


def _messages(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def test_closed_date_messages_read_like_the_page(owner_client):
    response = owner_client.post("/settings/closed-dates/", {"date": "2030-12-24"})
    assert _messages(response) == ["Tue Dec 24, 2030 is now a closed date."]
    duplicate = owner_client.post("/settings/closed-dates/", {"date": "2030-12-24"}).content.decode()
    assert "Tue Dec 24, 2030 is already a closed date." in duplicate and "2030-12-24 is" not in duplicate


def test_submit_message_gives_the_due_date_in_the_organizations_timezone(org, shop, member, member_client):
    violation = ViolationFactory(account=shop, enforced_at=datetime(2026, 1, 5, 15, 0, tzinfo=UTC))
    appeal = appeal_start(violation=violation, by=member)
    outcome = f"Reinstate the listing for SKU 1729000001 and clear violation {violation.reference}."
    appeal_save_step(appeal_id=appeal.pk, step=1, data={"desired_outcome": outcome}, by=member, version=1)
    url = reverse("appeals:appeal_submit", kwargs={"appeal_pk": appeal.pk})
    response = member_client.post(url, {"submitted_at": "2026-01-06T10:30", "platform_reference": "AP-9"})
    assert response.status_code == 302
    # Tuesday Jan 6 + 3 business days in New York: Friday Jan 9 (was "2026-01-09", in UTC).
    [message] = _messages(response)
    assert "A decision is due by Jan 9, 2026;" in message and not re.search(ISO_DATE, message)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, month, day_, hour, minute, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
        for month, day_, hour, minute in [
            (1, 1, 0, 0),
            (2, 9, 9, 5),
            (3, 10, 23, 59),
            (5, 31, 12, 30),
            (9, 3, 7, 0),
            (12, 25, 18, 45),
        ]
    ]
    + [datetime(987, 6, 7, 1, 2, tzinfo=UTC)],
)
def test_row_dates_write_what_django_dateformat_writes(value):
    dates = RowDates()
    assert dates.day(value) == dateformat.format(value, "M j, Y")
    assert dates.day_time(value) == dateformat.format(value, "M j, H:i")
