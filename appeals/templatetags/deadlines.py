"""Deadline display used on every page: `{{ dt|due_phrase:organization }}` and `{% deadline dt organization %}`."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils import timezone

from core.calendar import BusinessCalendar

register = template.Library()
_DEFAULT = BusinessCalendar()


def calendar_for(organization) -> BusinessCalendar:
    """The organization's calendar, built once per organization object (pages list many deadlines)."""
    if organization is None:
        return _DEFAULT
    cached = getattr(organization, "_deadline_calendar", None)
    if cached is None:
        cached = organization.business_calendar()
        organization._deadline_calendar = cached
    return cached


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def due_state(dt: datetime, organization=None, now: datetime | None = None) -> tuple[str, str]:
    """(phrase, state) with state one of overdue / today / soon / later.

    Counted in business days by calendar date in the organization's calendar: a deadline tomorrow morning
    is "in 1 business day" even when less than 24 hours away.
    """
    now = now or timezone.now()
    cal = calendar_for(organization)
    today = cal.local(now).date()
    due_day = cal.local(dt).date()
    if dt <= now:
        late = cal.business_days_from_dates(due_day, today)
        return ("overdue" if late <= 0 else f"overdue by {_plural(late, 'business day')}"), "overdue"
    if due_day == today:
        return "today", "today"
    ahead = cal.business_days_from_dates(today, due_day)
    if ahead <= 0:  # a window closing on a weekend or holiday, before the next business day
        days = (due_day - today).days
        return ("tomorrow" if days == 1 else f"in {days} days"), "soon"
    return f"in {_plural(ahead, 'business day')}", ("soon" if ahead <= 2 else "later")


@register.filter
def due_phrase(dt: datetime | None, organization=None) -> str:
    """ "in 2 business days" / "today" / "overdue by 1 business day"; empty for no deadline."""
    if not dt:
        return ""
    return due_state(dt, organization)[0]


@register.inclusion_tag("appeals/_deadline.html", takes_context=True)
def deadline(context, dt: datetime | None, organization=None) -> dict:
    """The local date and time in the viewer's timezone, then the business-day phrase (appeals/_deadline.html)."""
    if not dt:
        return {"dt": None}
    organization = organization or context.get("current_organization")
    phrase, state = due_state(dt, organization)
    local = f"{timezone.localtime(dt):%a %-d %b %Y, %H:%M}"
    return {"dt": dt.astimezone(UTC).isoformat(), "state": state, "local": local, "phrase": phrase}
