"""Services for versioned platform rules: which version a case keeps, and owners adding a new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.calendar import BusinessCalendar
from core.market_models import FIRST_EFFECTIVE, RuleVersion
from core.markets import (
    CLOCK_FIELDS,
    MARKETS,
    RULE_FIELDS,
    Market,
    PlatformRules,
    market_for,
    market_today,
    platform_clock,
    rules_for,
)
from core.models import Organization, User


def _first_version(organization: Organization, market: str) -> RuleVersion:
    try:
        with transaction.atomic():
            return RuleVersion.objects.get_or_create(
                organization=organization, market=market, number=1, defaults={"effective_from": FIRST_EFFECTIVE}
            )[0]
    except IntegrityError:  # another request created it between our read and our insert
        return RuleVersion.objects.get(organization=organization, market=market, number=1)


def rule_version_for(*, organization: Organization, market: str, on: date | datetime) -> RuleVersion:
    """The organization's rule version for `market` in force on `on` (a market-local date, or a moment).

    Version 1 (the organization's settings) is created the first time a market is used, so every case has one.
    """
    market = (market or "US").upper()
    day = market_today(organization, market, on) if isinstance(on, datetime) else on
    version = (
        RuleVersion.objects.filter(organization=organization, market=market, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )
    return version or _first_version(organization, market)


def case_rules(violation) -> PlatformRules:
    """The rules a case counts with: its stored version (the organization's settings for a case without one)."""
    organization = violation.organization
    version = violation.rule_version if violation.rule_version_id else None
    return rules_for(organization, version)


def ticket_rules(ticket) -> PlatformRules:
    version = ticket.rule_version if ticket.rule_version_id else None
    return rules_for(ticket.organization, version)


def _error(message: str, field: str) -> Exception:
    from core.services import _service_error  # the field-tagged error views and the API show at the field

    return _service_error(message, field=field)


@transaction.atomic
def rule_version_add(
    *, organization: Organization, market: str, effective_from: date, by: User | None = None, note: str = "", **values
) -> RuleVersion:
    """A new version of a market's rules, effective today or later (the past keeps the versions it had).

    Values left None keep the organization's setting. The new version applies to cases enforced on or after
    `effective_from`; cases already recorded keep theirs until a recompute applies it (appeals.services.recompute).
    """
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"Not rule fields: {sorted(unknown)}")
    market = market.upper()
    if market not in MARKETS:
        raise _error(f"“{market}” is not a market Appeal Desk knows.", "market")
    Organization.objects.select_for_update().get(pk=organization.pk)  # one new number at a time per organization
    today = market_today(organization, market, timezone.now())
    if effective_from < today:
        raise _error(f"A new version takes effect today ({today:%b} {today.day}) or later.", "effective_from")
    if values.get("max_rounds") is not None and values["max_rounds"] < 1:
        raise _error("Allow at least one appeal round.", "max_rounds")
    _first_version(organization, market)
    versions = RuleVersion.objects.filter(organization=organization, market=market)
    if versions.filter(effective_from=effective_from).exists():
        raise _error("A version of this market already takes effect that day.", "effective_from")
    number = (versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return RuleVersion.objects.create(
        organization=organization,
        market=market,
        number=number,
        effective_from=effective_from,
        note=note.strip(),
        created_by=by,
        **values,
    )


def rule_versions_of(organization: Organization) -> dict[str, list[RuleVersion]]:
    """Every market's versions of an organization, oldest first (the markets screen and GET /markets)."""
    out: dict[str, list[RuleVersion]] = {}
    for version in RuleVersion.objects.filter(organization=organization).order_by("market", "number"):
        out.setdefault(version.market, []).append(version)
    return out


class RuleBook:
    """An organization's market clocks and rule versions, loaded once: imports and recomputes over many cases.

    `version_at(market, moment)` answers what rule_version_for answers, without a query per case.
    """

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self._versions: dict[str, list[RuleVersion]] = {
            market: sorted(versions, key=lambda v: v.effective_from)
            for market, versions in rule_versions_of(organization).items()
        }
        self._clocks: dict[str, BusinessCalendar] = {}
        self._rules: dict[int, PlatformRules] = {}

    def clock(self, market: str) -> BusinessCalendar:
        market = (market or "US").upper()
        clock = self._clocks.get(market)
        if clock is None:
            clock = self._clocks[market] = platform_clock(self.organization, market)
        return clock

    def version_on(self, market: str, day: date) -> RuleVersion:
        market = (market or "US").upper()
        versions = self._versions.get(market)
        if not versions:
            versions = self._versions[market] = [_first_version(self.organization, market)]
        found = versions[0]
        for version in versions:
            if version.effective_from > day:
                break
            found = version
        return found

    def version_at(self, market: str, moment: datetime) -> RuleVersion:
        return self.version_on(market, self.clock(market).local(moment).date())

    def rules(self, version: RuleVersion) -> PlatformRules:
        rules = self._rules.get(version.pk)
        if rules is None:
            rules = self._rules[version.pk] = rules_for(self.organization, version)
        return rules


def case_clock(violation) -> BusinessCalendar:
    """The platform clock a case counts on: its account market's (select_related("account") saves a query)."""
    return platform_clock(violation.organization, violation.account.market)


# --- Owners' clock overrides -----------------------------------------------------------------------------------


@transaction.atomic
def market_clock_update(*, organization: Organization, market: str, **values) -> Organization:
    """Override a market's platform clock for this organization; a value equal to the default is not stored.

    values: core.markets.CLOCK_FIELDS (support_days a list of ISO weekdays, times as datetime.time). Sends
    core.signals.market_clock_changed so stored deadlines can be recounted.
    """
    from zoneinfo import available_timezones

    from core.services import holiday_calendar_check
    from core.signals import market_clock_changed

    market = market.upper()
    if market not in MARKETS:
        raise _error(f"“{market}” is not a market Appeal Desk knows.", "market")
    unknown = set(values) - set(CLOCK_FIELDS)
    if unknown:
        raise ValueError(f"Not clock fields: {sorted(unknown)}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    base = MARKETS[market]
    merged = {f: getattr(market_for(organization, market), f) for f in CLOCK_FIELDS}
    merged.update({k: v for k, v in values.items() if v is not None})
    merged["holiday_country"] = (merged["holiday_country"] or "").upper()
    merged["holiday_subdivision"] = (merged["holiday_subdivision"] or "").upper()
    if merged["timezone"] not in available_timezones():
        raise _error(f"“{merged['timezone']}” is not a known time zone (use a name such as Asia/Jakarta).", "timezone")
    holiday_calendar_check(merged["holiday_country"], merged["holiday_subdivision"])
    days = sorted(set(merged["support_days"]))
    if not days or any(d not in range(1, 8) for d in days):
        raise _error("Choose at least one support day.", "support_days")
    if merged["support_opens_at"] >= merged["support_closes_at"]:
        raise _error("Support closes after it opens.", "support_closes_at")
    merged["support_days"] = tuple(days)
    override = {}
    for name, value in merged.items():
        if value == getattr(base, name):
            continue
        if isinstance(value, time):
            value = value.strftime("%H:%M")
        elif isinstance(value, tuple):
            value = list(value)
        override[name] = value
    clocks = dict(organization.market_clocks or {})
    if override:
        clocks[market] = override
    else:
        clocks.pop(market, None)
    if clocks != organization.market_clocks:
        organization.market_clocks = clocks
        organization.save(update_fields=["market_clocks"])
        market_clock_changed.send(sender=Organization, organization=organization, market=market)
    return organization


# --- Reads for the markets screen and GET /api/v1/markets ------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    version: RuleVersion | None  # None: a market without a version yet (version 1 is made on first use)
    rules: PlatformRules
    state: str  # "past", "in force" or "upcoming"


@dataclass(frozen=True)
class MarketRow:
    market: Market
    overridden: bool
    in_force: VersionRow
    upcoming: list[VersionRow]


def _rows(organization: Organization, code: str, versions: list[RuleVersion], now: datetime) -> list[VersionRow]:
    today = market_today(organization, code, now)
    ordered = sorted(versions, key=lambda v: v.effective_from)
    current = None
    for v in ordered:
        if v.effective_from <= today:
            current = v
    if not ordered:
        return [VersionRow(None, rules_for(organization, None), "in force")]
    rows = []
    for v in ordered:
        state = "in force" if v == current else ("upcoming" if v.effective_from > today else "past")
        rows.append(VersionRow(v, rules_for(organization, v), state))
    return rows


def market_versions(organization: Organization, code: str, *, now: datetime) -> list[VersionRow]:
    versions = list(RuleVersion.objects.filter(organization=organization, market=code).select_related("created_by"))
    return _rows(organization, code, versions, now)


def market_overview(organization: Organization, *, now: datetime) -> list[MarketRow]:
    """Every market: its clock for this organization, the rules in force today and the upcoming versions (one
    query)."""
    versions = rule_versions_of(organization)
    out = []
    for code in MARKETS:
        rows = _rows(organization, code, versions.get(code, []), now)
        in_force = next((r for r in rows if r.state == "in force"), rows[0])
        out.append(
            MarketRow(
                market=market_for(organization, code),
                overridden=bool((organization.market_clocks or {}).get(code)),
                in_force=in_force,
                upcoming=[r for r in rows if r.state == "upcoming"],
            )
        )
    return out
