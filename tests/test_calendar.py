"""Business calendar: a table of awkward dates, then hypothesis properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.calendar import BusinessCalendar, CalendarError

NY = ZoneInfo("America/New_York")
CAL = BusinessCalendar()


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 11, 26), False),  # Thanksgiving (Thursday)
        (date(2026, 11, 27), True),  # the Friday after is a working day for federal calendars
        (date(2027, 12, 24), False),  # Christmas 2027 is a Saturday: observed Friday Dec 24
        (date(2027, 12, 25), False),  # Saturday
        (date(2027, 12, 27), True),  # Monday after: open (observed day was Friday)
        (date(2027, 12, 31), False),  # New Year 2028 is a Saturday: observed Friday Dec 31 2027
        (date(2028, 1, 3), True),
        (date(2022, 12, 26), False),  # Christmas 2022 on Sunday: observed Monday
        (date(2023, 1, 2), False),  # New Year 2023 on Sunday: observed Monday
        (date(2026, 7, 3), False),  # Independence Day 2026 on Saturday: observed Friday
        (date(2026, 12, 25), False),
        (date(2026, 12, 28), True),
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 9), True),
    ],
)
def test_business_day_table(day, open_):
    assert CAL.is_business_day(day) is open_


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Inside hours: same wall-clock time n business days later.
        (ny(2026, 11, 23, 10, 0), 3, ny(2026, 11, 27, 10, 0)),  # skips Thanksgiving
        (ny(2026, 11, 25, 16, 59), 1, ny(2026, 11, 27, 16, 59)),  # 16:59 stays 16:59
        (ny(2027, 12, 23, 11, 0), 1, ny(2027, 12, 27, 11, 0)),  # observed Christmas Friday + weekend
        (ny(2027, 12, 30, 15, 0), 1, ny(2028, 1, 3, 15, 0)),  # observed New Year in the old year
        (ny(2026, 12, 31, 12, 0), 1, ny(2027, 1, 4, 12, 0)),  # year end: Jan 1 holiday, then weekend
        (ny(2026, 12, 24, 9, 0), 1, ny(2026, 12, 28, 9, 0)),
        # DST: local time unchanged across the switch (UTC offset changes instead).
        (ny(2026, 3, 6, 10, 0), 1, ny(2026, 3, 9, 10, 0)),
        (ny(2026, 10, 30, 14, 30), 1, ny(2026, 11, 2, 14, 30)),
        # Start at 17:00 or later: next opening first.
        (ny(2026, 11, 24, 17, 0), 1, ny(2026, 11, 27, 9, 0)),
        (ny(2026, 11, 24, 23, 30), 0, ny(2026, 11, 25, 9, 0)),
        # Start before opening.
        (ny(2026, 11, 24, 6, 0), 1, ny(2026, 11, 25, 9, 0)),
        # Start on a closed date (Thanksgiving) or a weekend night.
        (ny(2026, 11, 26, 12, 0), 1, ny(2026, 11, 30, 9, 0)),
        (ny(2026, 3, 7, 22, 0), 2, ny(2026, 3, 11, 9, 0)),
        (ny(2026, 3, 8, 2, 30), 0, ny(2026, 3, 9, 9, 0)),  # inside the DST gap itself
        (ny(2026, 11, 1, 1, 30), 0, ny(2026, 11, 2, 9, 0)),  # inside the repeated hour
    ],
)
def test_add_business_days_table(start, n, expected):
    result = CAL.add_business_days(start, n)
    assert result == expected
    assert result.astimezone(NY).time() == expected.time()


def test_dst_keeps_local_time_but_changes_utc():
    before = ny(2026, 3, 6, 10, 0)
    after = CAL.add_business_days(before, 1)
    assert before.astimezone(UTC).hour == 15
    assert after.astimezone(UTC).hour == 14
    fall = CAL.add_business_days(ny(2026, 10, 30, 10, 0), 1)
    assert fall.astimezone(UTC).hour == 15 and fall.astimezone(NY).hour == 10


def test_start_given_in_utc_is_read_in_the_calendar_timezone():
    # 21:30 UTC on Tuesday is 16:30 in New York (inside hours).
    start = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)
    assert CAL.add_business_days(start, 1) == ny(2026, 11, 25, 16, 30)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (ny(2026, 11, 24, 16, 59), 1, ny(2026, 11, 25, 9, 59)),
        (ny(2026, 11, 25, 16, 0), 2, ny(2026, 11, 27, 10, 0)),  # skips Thanksgiving
        (ny(2026, 11, 23, 9, 0), 8, ny(2026, 11, 23, 17, 0)),  # a full day ends at closing
        (ny(2026, 11, 23, 9, 0), 24, ny(2026, 11, 25, 17, 0)),  # ticket first response SLA
        (ny(2026, 11, 23, 9, 0), 48, ny(2026, 12, 1, 17, 0)),  # resolution SLA, across Thanksgiving
        (ny(2026, 3, 6, 15, 0), 4, ny(2026, 3, 9, 11, 0)),  # over the DST weekend
        (ny(2027, 12, 23, 16, 0), 2, ny(2027, 12, 27, 10, 0)),
        (ny(2026, 11, 28, 3, 0), 0.5, ny(2026, 11, 30, 9, 30)),  # Saturday night
    ],
)
def test_add_business_hours_table(start, hours, expected):
    assert CAL.add_business_hours(start, hours) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (ny(2026, 11, 25, 10, 0), ny(2026, 11, 27, 10, 0), 1),
        (ny(2026, 11, 25, 10, 0), ny(2026, 11, 27, 9, 59), 0),
        (ny(2026, 11, 27, 10, 0), ny(2026, 11, 25, 10, 0), -1),  # negative when b is earlier
        (ny(2026, 12, 30, 10, 0), ny(2027, 1, 5, 10, 0), 3),  # year end
        (ny(2026, 11, 27, 18, 0), ny(2026, 11, 30, 10, 0), 0),  # after hours Friday to Monday morning
        (ny(2026, 3, 6, 10, 0), ny(2026, 3, 9, 10, 0), 1),  # DST weekend
    ],
)
def test_business_days_between_table(a, b, expected):
    assert CAL.business_days_between(a, b) == expected


def test_business_days_from_dates_counts_calendar_dates():
    assert CAL.business_days_from_dates(date(2026, 11, 25), date(2026, 11, 30)) == 2  # Fri, Mon
    assert CAL.business_days_from_dates(date(2026, 11, 30), date(2026, 11, 25)) == -2
    assert CAL.business_days_from_dates(date(2026, 11, 25), date(2026, 11, 25)) == 0


def test_next_opening_and_end_of_day():
    assert CAL.next_opening(ny(2026, 11, 24, 12, 0)) == ny(2026, 11, 24, 12, 0)
    assert CAL.next_opening(ny(2027, 12, 23, 17, 0)) == ny(2027, 12, 27, 9, 0)
    assert CAL.end_of_day(date(2026, 3, 8)) == ny(2026, 3, 8, 23, 59, 59)
    assert CAL.end_of_day(date(2026, 3, 8)).utcoffset() == timedelta(hours=-4)


def test_closed_dates_and_custom_week():
    cal = BusinessCalendar(
        working_days=(1, 2, 3, 4, 5, 6), closed_dates=frozenset({date(2026, 11, 28)}), opens_at=time(8, 0)
    )
    # Saturday works in this organization, but Nov 28 is closed.
    assert cal.add_business_days(ny(2026, 11, 27, 8, 0), 1) == ny(2026, 11, 30, 8, 0)
    assert cal.add_business_days(ny(2026, 12, 4, 8, 0), 1) == ny(2026, 12, 5, 8, 0)


def test_other_country_and_timezone():
    cal = BusinessCalendar(timezone="Europe/London", country="GB", subdivision="ENG")
    london = ZoneInfo("Europe/London")
    # Boxing Day 2026 is a Saturday: substitute day Monday Dec 28.
    assert cal.add_business_days(datetime(2026, 12, 24, 10, tzinfo=london), 1) == datetime(
        2026, 12, 29, 10, tzinfo=london
    )


def test_recipient_timezone_keeps_days_and_holidays():
    tokyo = CAL.with_timezone("Asia/Tokyo")
    assert tokyo.tz == ZoneInfo("Asia/Tokyo") and tokyo.closed_dates == CAL.closed_dates
    # 10:00 Tuesday in Tokyo is Monday night in New York: open in Tokyo.
    assert tokyo.is_open(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    assert not tokyo.is_business_day(date(2026, 11, 26))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"working_days": ()},
        {"working_days": (0, 1)},
        {"opens_at": time(17, 0), "closes_at": time(9, 0)},
    ],
)
def test_invalid_calendars_are_refused(kwargs):
    with pytest.raises(CalendarError):
        BusinessCalendar(**kwargs)


def test_naive_datetimes_and_negative_counts_are_refused():
    with pytest.raises(CalendarError):
        CAL.add_business_days(datetime(2026, 11, 24, 10, 0), 1)
    with pytest.raises(CalendarError):
        CAL.add_business_days(ny(2026, 11, 24, 10, 0), -1)
    with pytest.raises(CalendarError):
        CAL.add_business_hours(ny(2026, 11, 24, 10, 0), -1)


def test_unknown_country_is_a_calendar_error():
    with pytest.raises(CalendarError):
        BusinessCalendar(country="ZZ").is_business_day(date(2026, 1, 1))


# --- properties -------------------------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=0)
)

calendars = st.builds(
    BusinessCalendar,
    timezone=st.sampled_from(["America/New_York", "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo", "UTC"]),
    country=st.just("US"),
    working_days=st.sampled_from([(1, 2, 3, 4, 5), (1, 2, 3, 4, 5, 6), (2, 4), (7,), (1, 2, 3, 4, 5, 6, 7)]),
    opens_at=st.sampled_from([time(9, 0), time(8, 30), time(0, 0), time(10, 0)]),
    closes_at=st.sampled_from([time(17, 0), time(18, 0), time(23, 0)]),
    closed_dates=st.frozensets(st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31)), max_size=20),
)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _inside_hours(cal: BusinessCalendar, moment: datetime, *, closing_included: bool = False) -> bool:
    local = moment.astimezone(cal.tz)
    t = local.time()
    upper = t <= cal.closes_at if closing_included else t < cal.closes_at
    return cal.is_business_day(local.date()) and cal.opens_at <= t and upper


@PROPS
@given(cal=calendars, start=moments, n=st.integers(0, 40), extra=st.integers(0, 10))
def test_add_business_days_is_monotone(cal, start, n, extra):
    assert cal.add_business_days(start, n) <= cal.add_business_days(start, n + extra)
    if extra:
        assert cal.add_business_days(start, n) < cal.add_business_days(start, n + extra)


@PROPS
@given(cal=calendars, start=moments, later=st.integers(0, 10_000_000), n=st.integers(0, 10))
def test_add_business_days_is_monotone_in_start(cal, start, later, n):
    assert cal.add_business_days(start, n) <= cal.add_business_days(start + timedelta(seconds=later), n)


@PROPS
@given(cal=calendars, start=moments, n=st.integers(0, 40))
def test_add_business_days_never_lands_on_a_closed_day_or_outside_hours(cal, start, n):
    result = cal.add_business_days(start, n)
    assert result >= start
    assert _inside_hours(cal, result)


@PROPS
@given(cal=calendars, start=moments, n=st.integers(0, 40))
def test_business_days_between_inverts_add_business_days(cal, start, n):
    assert cal.business_days_between(start, cal.add_business_days(start, n)) == n


@PROPS
@given(cal=calendars, a=moments, b=moments)
def test_business_days_between_is_antisymmetric_and_bounded(cal, a, b):
    k = cal.business_days_between(a, b)
    assert cal.business_days_between(b, a) == -k
    if k >= 0:
        # The largest k with add_business_days(a, k) <= b (0 at least, even when a is outside hours).
        assert k == 0 or cal.add_business_days(a, k) <= b
        assert cal.add_business_days(a, k + 1) > b


@PROPS
@given(cal=calendars, start=moments, m1=st.integers(0, 60 * 60), m2=st.integers(1, 60 * 60))
def test_add_business_hours_sums(cal, start, m1, m2):
    h1, h2 = m1 / 60, m2 / 60
    assert cal.add_business_hours(cal.add_business_hours(start, h1), h2) == cal.add_business_hours(start, h1 + h2)


@PROPS
@given(cal=calendars, start=moments, minutes=st.integers(0, 60 * 100))
def test_add_business_hours_lands_inside_hours_and_is_monotone(cal, start, minutes):
    result = cal.add_business_hours(start, minutes / 60)
    assert result >= start
    assert _inside_hours(cal, result, closing_included=True)
    assert cal.add_business_hours(start, (minutes + 1) / 60) > result


@PROPS
@given(cal=calendars, start=moments)
def test_next_opening_is_open_and_not_before_start(cal, start):
    opening = cal.next_opening(start)
    assert opening >= start
    assert cal.is_open(opening)
    assert cal.add_business_days(start, 0) == opening


days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@PROPS
@given(cal=calendars, a=days, b=days, c=days)
def test_day_counts_add_up_and_stay_the_same_when_asked_again(cal, a, b, c):
    fresh = replace(cal)  # a new calendar: nothing kept yet
    first = [cal.business_days_from_dates(a, b), cal.business_days_from_dates(b, c), cal.business_days_from_dates(a, c)]
    # Asked again (answers kept by the calendar) and by a calendar that has kept nothing: the same counts.
    assert [cal.business_days_from_dates(a, b), cal.business_days_from_dates(b, c)] == first[:2]
    assert fresh.business_days_from_dates(a, c) == first[2]
    assert first[0] + first[1] == first[2]
    assert cal.business_days_from_dates(b, a) == -first[0]
