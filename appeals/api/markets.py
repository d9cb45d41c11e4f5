"""Markets: each market's platform clock for the organization and its rules (in force and upcoming versions)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from appeals.api.base import ERRORS
from core.market_models import RuleVersion
from core.markets import Market, market_for
from core.models import Organization
from core.rules import VersionRow, market_overview

router = Router(tags=["markets"])


class ClockOut(Schema):
    """The platform clock that counts a case's deadlines: its market's time zone, holidays and support hours."""

    market: str
    timezone: str
    holiday_country: str
    holiday_subdivision: str
    support_days: list[int] = Field(..., description="ISO weekdays, 1 = Monday")
    support_opens_at: str = Field(..., pattern=r"^\d{2}:\d{2}$", description="Market time, HH:MM")
    support_closes_at: str = Field(..., pattern=r"^\d{2}:\d{2}$", description="Market time, HH:MM")


class RuleVersionRef(Schema):
    """The platform rule version a case (or ticket) keeps: the one in force on its enforcement date."""

    market: str
    number: int
    effective_from: date


class RulesOut(Schema):
    version: int
    effective_from: date | None = Field(None, description="Null for a market whose version 1 is not stored yet")
    appeal_window_days: int
    appeal_window_days_by_kind: dict[str, int]
    follow_up_window_days: int
    max_rounds: int
    review_business_days: int
    ticket_first_response_hours: int
    ticket_resolution_hours: int
    appeal_char_limit: int
    note: str


class MarketOut(Schema):
    code: str
    name: str
    clock: ClockOut
    clock_overridden: bool = Field(..., description="The organization's owners changed this market's clock")
    in_force: RulesOut
    upcoming: list[RulesOut]


def clock_out(market: Market) -> dict:
    return {
        "market": market.code,
        "timezone": market.timezone,
        "holiday_country": market.holiday_country,
        "holiday_subdivision": market.holiday_subdivision,
        "support_days": list(market.support_days),
        "support_opens_at": market.support_opens_at.strftime("%H:%M"),
        "support_closes_at": market.support_closes_at.strftime("%H:%M"),
    }


def case_clock_out(organization: Organization, market: str) -> dict:
    return clock_out(market_for(organization, market))


def rule_version_ref(version: RuleVersion | None) -> dict | None:
    if version is None:
        return None
    return {"market": version.market, "number": version.number, "effective_from": version.effective_from}


def _rules_out(row: VersionRow) -> dict:
    rules = row.rules
    return {
        "version": rules.version,
        "effective_from": row.version.effective_from if row.version else None,
        "appeal_window_days": rules.appeal_window_days,
        "appeal_window_days_by_kind": dict(rules.appeal_window_days_by_kind),
        "follow_up_window_days": rules.follow_up_window_days,
        "max_rounds": rules.max_rounds,
        "review_business_days": rules.review_business_days,
        "ticket_first_response_hours": rules.ticket_first_response_hours,
        "ticket_resolution_hours": rules.ticket_resolution_hours,
        "appeal_char_limit": rules.appeal_char_limit,
        "note": row.version.note if row.version else "",
    }


@router.get("/markets", response={200: list[MarketOut], **ERRORS}, summary="Markets: clocks and rules")
def markets_list(request: HttpRequest):
    """Every market: the platform clock it counts deadlines on for your organization, the rules in force today
    and the versions that take effect later."""
    return [
        {
            "code": row.market.code,
            "name": row.market.name,
            "clock": clock_out(row.market),
            "clock_overridden": row.overridden,
            "in_force": _rules_out(row.in_force),
            "upcoming": [_rules_out(r) for r in row.upcoming],
        }
        for row in market_overview(request.organization, now=timezone.now())  # type: ignore[attr-defined]
    ]
