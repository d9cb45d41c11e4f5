"""Business calendar: pure functions over an organization's working days, hours and holidays.

All arithmetic is done on local wall-clock time and converted back to an aware
datetime at the end, so a daylight-saving change never shifts a deadline's local
time (a deadline set for 09:00 stays at 09:00).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays


class CalendarError(ValueError):
    pass


def _aware(local: datetime, tz: ZoneInfo) -> datetime:
    """Attach tz to a naive local time; a time inside a DST gap moves forward past the gap."""
    candidate = local.replace(tzinfo=tz)
    roundtrip = candidate.astimezone(UTC).astimezone(tz)
    if roundtrip.replace(tzinfo=None) != local:
        return roundtrip  # the wall time did not exist; zoneinfo already resolved it forward
    return candidate


@lru_cache(maxsize=512)
def _country_holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    # Shared by every calendar of the same place: a sweep over a thousand organizations builds each year's
    # holidays once per country, not once per organization.
    return holidays.country_holidays(country, subdiv=subdivision)


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "America/New_York"
    country: str = "US"
    subdivision: str | None = None
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5)
    opens_at: time = time(9, 0)
    closes_at: time = time(17, 0)
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.working_days or any(d not in range(1, 8) for d in self.working_days):
            raise CalendarError("Working days must be ISO weekday numbers 1-7, at least one.")
        if self.opens_at >= self.closes_at:
            raise CalendarError("Opening time must be before closing time.")

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        try:
            return _country_holidays(self.country, self.subdivision)
        except NotImplementedError as exc:
            raise CalendarError(str(exc)) from exc

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)

    @cached_property
    def _memo(self) -> dict[tuple, object]:
        # The calendar is immutable, so day-by-day answers can be kept: a holiday lookup costs ~10 µs, and a
        # reminder sweep asks about the same few days thousands of times (an analytics recount, the same pairs).
        return {}

    def is_business_day(self, day: date) -> bool:
        key = ("business", day)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = (
                day.isoweekday() in self.working_days and day not in self._holidays and day not in self.closed_dates
            )
        return known  # type: ignore[return-value]

    def next_business_day(self, day: date) -> date:
        key = ("next", day)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._step(day, timedelta(days=1))
        return known  # type: ignore[return-value]

    def previous_business_day(self, day: date) -> date:
        key = ("previous", day)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._step(day, timedelta(days=-1))
        return known  # type: ignore[return-value]

    def _step(self, day: date, step: timedelta) -> date:
        day += step
        for _ in range(3700):
            if self.is_business_day(day):
                return day
            day += step
        raise CalendarError("No business day within ten years: check working days and closed dates.")

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise CalendarError("Business calendar needs timezone-aware datetimes.")
        return moment.astimezone(self.tz)

    def is_open(self, moment: datetime) -> bool:
        local = self.local(moment)
        return self.is_business_day(local.date()) and self.opens_at <= local.time() < self.closes_at

    def _normalized_local(self, moment: datetime) -> datetime:
        """Naive local wall time, moved to the next opening when outside working hours."""
        local = self.local(moment).replace(tzinfo=None)
        day = local.date()
        if self.is_business_day(day):
            if local.time() < self.opens_at:
                return datetime.combine(day, self.opens_at)
            if local.time() < self.closes_at:
                return local
        return datetime.combine(self.next_business_day(day), self.opens_at)

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when inside working hours, else the start of the next working period."""
        return _aware(self._normalized_local(moment), self.tz)

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """The same local wall-clock time n business days later (after moving into working hours)."""
        if n < 0:
            raise CalendarError("n must not be negative.")
        local = self._normalized_local(start)
        day = local.date()
        for _ in range(n):
            day = self.next_business_day(day)
        return _aware(datetime.combine(day, local.time()), self.tz)

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """Count only time inside working hours on business days."""
        if hours < 0:
            raise CalendarError("hours must not be negative.")
        remaining = timedelta(hours=hours)
        local = self._normalized_local(start)
        while True:
            period_end = datetime.combine(local.date(), self.closes_at)
            available = period_end - local
            if remaining <= available:
                return _aware(local + remaining, self.tz)
            remaining -= available
            local = datetime.combine(self.next_business_day(local.date()), self.opens_at)

    def business_days_between(self, a: datetime, b: datetime) -> int:
        """Whole business days from a to b: the largest k with add_business_days(a, k) <= b.

        Negative when b is before a (b is "overdue by" that many days from a's point of view).
        """
        if b < a:
            return -self.business_days_between(b, a)
        start = self._normalized_local(a)
        end_day = self.local(b).date()
        count = 0
        day = start.date()
        while day < end_day:
            day += timedelta(days=1)
            if self.is_business_day(day):
                count += 1
        if count and self.add_business_days(a, count) > b:
            count -= 1
        return count

    def business_days_from_dates(self, a: date, b: date) -> int:
        """Business days d with a < d <= b (negative, counted the other way, when b is before a).

        Date-based, for phrases such as "in 2 business days": a deadline tomorrow
        morning is "in 1 business day" even when it is less than 24 hours away.
        """
        if b < a:
            return -self.business_days_from_dates(b, a)
        key = ("between", a, b)
        known = self._memo.get(key)
        if known is None:
            count = 0
            day = a
            while day < b:
                day += timedelta(days=1)
                if self.is_business_day(day):
                    count += 1
            known = self._memo[key] = count
        return known  # type: ignore[return-value]

    def with_timezone(self, timezone: str) -> BusinessCalendar:
        """The same days, hours and holidays seen from another timezone (a recipient's working hours)."""
        return replace(self, timezone=timezone)

    def opening_of(self, day: date) -> datetime:
        """The opening time of a local calendar day (whether or not it is a business day)."""
        key = ("opens", day)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = _aware(datetime.combine(day, self.opens_at), self.tz)
        return known  # type: ignore[return-value]

    def end_of_day(self, day: date) -> datetime:
        """The last moment of a local calendar day (platform windows close then)."""
        return _aware(datetime.combine(day, time(23, 59, 59)), self.tz)
