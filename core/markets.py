"""The two clocks: the platform clock of an account's market and the team clock of the organization.

- The **platform clock** (`platform_clock(organization, market)`) counts what the platform counts: the appeal
  window (to the end of the last calendar day, market time), the follow-up window, the review due date (the
  market's business days) and ticket SLAs (the market's support hours). It is built from the market's defaults
  below, overridden per organization by owners (`Organization.market_clocks`).
- The **team clock** (`Organization.business_calendar()`): the organization's working days, hours, closed dates
  and each person's timezone. It decides when reminders go out, never when something is due.

The rules the platform clock counts with (window lengths, rounds, review days, SLA hours, text limit) are
versioned per organization and market: `core.market_models.RuleVersion`, looked up with `rule_version_for`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from core.calendar import BusinessCalendar

if TYPE_CHECKING:
    from core.market_models import RuleVersion
    from core.models import Organization


@dataclass(frozen=True)
class Market:
    """Where a shop sells: the platform's timezone, public holidays and support hours there."""

    code: str
    name: str
    timezone: str
    holiday_country: str
    holiday_subdivision: str = ""
    support_days: tuple[int, ...] = (1, 2, 3, 4, 5)
    support_opens_at: time = time(9, 0)
    support_closes_at: time = time(17, 0)

    @property
    def city(self) -> str:
        """The place the market's timezone is named after ("Jakarta"), for "17:00 Jakarta"."""
        return self.timezone.rsplit("/", 1)[-1].replace("_", " ")


# Every market the account form lists. Subdivisions where the public holidays differ inside the country and the
# platform's local team sits in one region: England (Scotland and Northern Ireland have other bank holidays),
# Berlin, Madrid, São Paulo state, Kuala Lumpur (state 14). Support hours: the platform publishes business-hour
# SLAs without hours, so 09:00-17:00 Monday to Friday, market time, everywhere (owners override per organization).
MARKETS: dict[str, Market] = {
    m.code: m
    for m in (
        Market("US", "United States", "America/New_York", "US"),
        Market("GB", "United Kingdom", "Europe/London", "GB", "ENG"),
        Market("IE", "Ireland", "Europe/Dublin", "IE"),
        Market("DE", "Germany", "Europe/Berlin", "DE", "BE"),
        Market("FR", "France", "Europe/Paris", "FR"),
        Market("IT", "Italy", "Europe/Rome", "IT"),
        Market("ES", "Spain", "Europe/Madrid", "ES", "MD"),
        Market("MX", "Mexico", "America/Mexico_City", "MX"),
        Market("BR", "Brazil", "America/Sao_Paulo", "BR", "SP"),
        Market("JP", "Japan", "Asia/Tokyo", "JP"),
        Market("ID", "Indonesia", "Asia/Jakarta", "ID"),
        Market("MY", "Malaysia", "Asia/Kuala_Lumpur", "MY", "14"),
        Market("PH", "Philippines", "Asia/Manila", "PH"),
        Market("SG", "Singapore", "Asia/Singapore", "SG"),
        Market("TH", "Thailand", "Asia/Bangkok", "TH"),
        Market("VN", "Vietnam", "Asia/Ho_Chi_Minh", "VN"),
    )
}

MARKET_CHOICES = [(m.code, m.name) for m in MARKETS.values()]

# What an owner may override per market (Organization.market_clocks[code][field]).
CLOCK_FIELDS = ("timezone", "holiday_country", "holiday_subdivision", "support_days", "support_opens_at",
                "support_closes_at")  # fmt: skip


def market_for(organization: Organization, code: str) -> Market:
    """The market's clock for this organization: the defaults with the owner's overrides.

    A market the product has no defaults for (an old free-text code) counts on the organization's own
    timezone and holidays, which is what every market did before markets had clocks.
    """
    code = (code or "US").upper()
    base = MARKETS.get(code) or Market(
        code, code, organization.timezone, organization.holiday_country, organization.holiday_subdivision
    )
    override = (organization.market_clocks or {}).get(code)
    if not override:
        return base
    values = {f: getattr(base, f) for f in CLOCK_FIELDS}
    for name, value in override.items():
        if name not in values or value in (None, ""):
            continue
        if name == "support_days":
            value = tuple(value)
        elif name in ("support_opens_at", "support_closes_at"):
            value = time.fromisoformat(value)
        values[name] = value
    if "holiday_subdivision" in override and override["holiday_subdivision"] == "":
        values["holiday_subdivision"] = ""
    return Market(code, base.name, **values)


def platform_clock(organization: Organization, market: str) -> BusinessCalendar:
    """The platform clock of a market: its timezone, public holidays and support hours (no team closed dates)."""
    m = market_for(organization, market)
    return BusinessCalendar(
        timezone=m.timezone,
        country=m.holiday_country,
        subdivision=m.holiday_subdivision or None,
        working_days=m.support_days,
        opens_at=m.support_opens_at,
        closes_at=m.support_closes_at,
    )


@dataclass(frozen=True)
class PlatformRules:
    """The platform's rules for one case: a rule version's values, the organization's settings where it has none.

    Attribute names are the Organization fields' names, so code that read them from the organization reads them
    from here unchanged.
    """

    version: int
    appeal_window_days: int
    follow_up_window_days: int
    max_rounds: int
    review_business_days: int
    ticket_first_response_hours: int
    ticket_resolution_hours: int
    appeal_char_limit: int
    escalation_answer_business_days: int
    appeal_window_days_by_kind: dict[str, int] = field(default_factory=dict)

    def appeal_window_for(self, kind: str) -> int:
        return int(self.appeal_window_days_by_kind.get(kind, self.appeal_window_days))


RULE_FIELDS = (
    "appeal_window_days",
    "appeal_window_days_by_kind",
    "follow_up_window_days",
    "max_rounds",
    "review_business_days",
    "ticket_first_response_hours",
    "ticket_resolution_hours",
    "appeal_char_limit",
)


def rules_for(organization: Organization, version: RuleVersion | None) -> PlatformRules:
    """The rules of a case on `version` (None: a case recorded before versions, on the organization's settings)."""
    values = {f: getattr(organization, f) for f in RULE_FIELDS}
    if version is not None:
        for f in RULE_FIELDS:
            value = getattr(version, f)
            if value is not None:
                values[f] = value
    return PlatformRules(
        version=version.number if version is not None else 1,
        escalation_answer_business_days=organization.escalation_answer_business_days,
        **values,
    )


def market_today(organization: Organization, market: str, moment: datetime) -> date:
    """The market's calendar date of a moment (a case's enforcement date picks its rule version by it)."""
    return platform_clock(organization, market).local(moment).date()
