"""A case's market clock; a deadline on both clocks ("Dec 6, 17:00 Jakarta · 05:00 your time")."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from core.markets import Market, market_for

register = template.Library()


def case_market(violation) -> Market:
    """The case's market clock, built once per violation object (a page shows several of its deadlines)."""
    cached = getattr(violation, "_market", None)
    if cached is None:
        cached = violation._market = market_for(violation.organization, violation.account.market)
    return cached


def two_clocks(dt: datetime | None, violation) -> dict | None:
    """A deadline in the market's time, then the viewer's (the two_clocks macro of
    templates/jinja2/appeals/case/_macros.html); None without a deadline."""
    if not dt:
        return None
    market = case_market(violation)
    market_local = timezone.localtime(dt, timezone=_zone(market.timezone))
    viewer_local = timezone.localtime(dt)
    return {
        "market": market_local,
        "viewer": viewer_local,
        "city": market.city,
        "same_clock": market_local.utcoffset() == viewer_local.utcoffset(),
        "other_day": market_local.date() != viewer_local.date(),
    }


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@register.simple_tag
def account_market(account) -> Market:
    """An account's market clock for its organization (the account page)."""
    return market_for(account.organization, account.market)
