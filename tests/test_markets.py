"""The platform clock per market, checked against an independent computation.

The expected deadlines are computed here with numpy's `busday_offset` over the `holidays` package's dates, not with
core.calendar: the app steps day by day through a memoised holiday lookup, the test offsets a weekmask over a
holiday array. Where both agree on Thanksgiving, Hari Raya, Songkran, Tết, Golden Week, observed days and DST,
the app's review due dates, SLAs and windows are what the platform counts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest
import time_machine

from appeals.models import Account, Appeal, SupportChannel
from appeals.services.appeals import appeal_submit
from appeals.services.tickets import ticket_create
from appeals.services.violations import violation_create
from core.market_models import RuleVersion
from core.markets import MARKETS, platform_clock
from core.rules import RuleBook, rule_version_add, rule_version_for
from tests.factories import AccountFactory, AppealFactory

OPENS, CLOSES = time(9, 0), time(17, 0)


def _holidays(code: str) -> list[date]:
    m = MARKETS[code]
    return sorted(
        holidays.country_holidays(m.holiday_country, subdiv=m.holiday_subdivision or None, years=[2026, 2027])
    )


def expected_business_days(code: str, start: datetime, n: int) -> datetime:
    """numpy's answer: move into support hours, then n business days later at the same local time."""
    tz = ZoneInfo(MARKETS[code].timezone)
    local = start.astimezone(tz)
    day, at = np.datetime64(local.date()), local.time()
    hols = np.array(_holidays(code), dtype="datetime64[D]")
    is_busday = bool(np.is_busday(day, holidays=hols))
    if is_busday and at < OPENS:
        at = OPENS
    elif not is_busday or at >= CLOSES:
        day, at = np.busday_offset(day, 1 if is_busday else 0, roll="forward", holidays=hols), OPENS
    due = np.busday_offset(day, n, roll="forward", holidays=hols).astype(date)
    return datetime.combine(due, at, tzinfo=tz)


def expected_support_hours(code: str, start: datetime, full_days: int) -> datetime:
    """numpy's answer for full_days x 8 support hours: the same local time that many business days later, or the
    close of the day before when the count starts at an opening (the hours run out at 17:00, not 09:00)."""
    moved = expected_business_days(code, start, full_days)
    if moved.time() != OPENS:
        return moved
    return datetime.combine(expected_business_days(code, start, full_days - 1).date(), CLOSES, tzinfo=moved.tzinfo)


def local(code: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(MARKETS[code].timezone))


# (market, submitted at (market time), business days, what the case is about)
REVIEW_CASES = [
    ("US", (2026, 11, 25, 10, 0), 3, "Thanksgiving (Thu Nov 26)"),
    ("US", (2026, 12, 24, 16, 0), 1, "Christmas Day"),
    ("US", (2026, 7, 2, 12, 0), 1, "Independence Day observed on Friday Jul 3"),
    ("US", (2027, 7, 2, 12, 0), 1, "Independence Day observed on Monday Jul 5"),
    ("US", (2027, 3, 12, 10, 0), 1, "DST starts (Sun Mar 14): 10:00 stays 10:00"),
    ("US", (2026, 10, 30, 10, 0), 1, "DST ends (Sun Nov 1): 10:00 stays 10:00"),
    ("GB", (2026, 11, 25, 10, 0), 3, "US Thanksgiving is a working day in England"),
    ("GB", (2026, 12, 24, 10, 0), 2, "Christmas and Boxing Day observed on Mon Dec 28"),
    ("GB", (2027, 4, 30, 15, 0), 1, "Early May bank holiday"),
    ("GB", (2027, 8, 27, 11, 0), 1, "Summer bank holiday (England only)"),
    ("GB", (2027, 3, 26, 10, 0), 1, "Good Friday, Easter Monday, BST starts (Sun Mar 28)"),
    ("GB", (2026, 10, 23, 10, 0), 1, "BST ends (Sun Oct 25)"),
    ("IE", (2027, 3, 16, 10, 0), 1, "St Patrick's Day"),
    ("DE", (2026, 12, 23, 10, 0), 2, "Christmas, both days"),
    ("FR", (2027, 7, 13, 10, 0), 1, "Bastille Day"),
    ("ES", (2026, 12, 7, 10, 0), 1, "Constitution and Immaculate Conception"),
    ("MX", (2026, 11, 13, 10, 0), 1, "Revolution Day (third Monday of November)"),
    ("BR", (2027, 2, 5, 10, 0), 2, "Carnival"),
    ("JP", (2027, 4, 28, 10, 0), 3, "Golden Week"),
    ("ID", (2027, 3, 8, 10, 0), 3, "Hari Raya Idul Fitri"),
    ("MY", (2027, 3, 9, 10, 0), 2, "Hari Raya Aidilfitri"),
    ("SG", (2027, 3, 9, 10, 0), 2, "Hari Raya Puasa"),
    ("PH", (2026, 12, 29, 10, 0), 2, "Rizal Day and New Year"),
    ("TH", (2027, 4, 12, 10, 0), 2, "Songkran"),
    ("VN", (2027, 2, 4, 10, 0), 3, "Tết"),
    ("VN", (2027, 2, 4, 20, 0), 1, "After support hours, into Tết"),
    ("ID", (2027, 3, 13, 8, 0), 1, "A Saturday in Jakarta"),
]


@pytest.mark.parametrize(("code", "when", "days", "about"), REVIEW_CASES, ids=[c[3] for c in REVIEW_CASES])
def test_review_due_date_matches_numpy(code, when, days, about):
    start = local(code, *when)
    clock = platform_clock(_default_org(), code)
    assert clock.add_business_days(start, days) == expected_business_days(code, start, days)


@pytest.mark.parametrize(("code", "when", "days", "about"), REVIEW_CASES, ids=[c[3] for c in REVIEW_CASES])
def test_ticket_sla_matches_numpy(code, when, days, about):
    # 24 support hours at 8 a day are three business days at the same local time (once inside support hours).
    start = local(code, *when)
    clock = platform_clock(_default_org(), code)
    assert clock.add_business_hours(start, 24) == expected_support_hours(code, start, 3)


def test_the_table_crosses_the_holidays_it_names():
    """The cases above are about something: the holidays they name are in the market's calendar."""
    named = {
        ("US", date(2026, 11, 26)): "Thanksgiving",
        ("US", date(2026, 7, 3)): "Independence Day (observed)",
        ("US", date(2027, 7, 5)): "Independence Day (observed)",
        ("GB", date(2026, 12, 28)): "Boxing Day (observed)",
        ("GB", date(2027, 8, 30)): "Late Summer Bank Holiday",
        ("JP", date(2027, 5, 3)): "Constitution Day",
        ("TH", date(2027, 4, 13)): "Songkran Festival",
        ("ID", date(2027, 3, 10)): "Eid al-Fitr",
        ("MY", date(2027, 3, 10)): "Eid al-Fitr",
        ("SG", date(2027, 3, 10)): "Eid al-Fitr",
        ("VN", date(2027, 2, 6)): "Lunar New Year",
    }
    for (code, day), name in named.items():
        found = holidays.country_holidays(
            code, subdiv=MARKETS[code].holiday_subdivision or None, years=day.year, language="en_US"
        )
        assert name.lower() in found[day].lower(), (code, day, found.get(day))
        assert day in _holidays(code)


def _default_org():
    from core.models import Organization

    return Organization(name="x", slug="x")


@pytest.mark.parametrize(
    ("code", "enforced", "window", "last_day"),
    [
        ("US", (2026, 11, 25, 12, 0), 30, date(2026, 12, 25)),  # ends on Christmas: calendar days, not moved
        ("ID", (2026, 11, 6, 23, 30), 30, date(2026, 12, 6)),  # 23:30 Jakarta is still Nov 6 there
        ("GB", (2027, 2, 26, 9, 0), 30, date(2027, 3, 28)),  # ends on the day BST starts
        ("US", (2026, 10, 2, 9, 0), 30, date(2026, 11, 1)),  # ends on the day EST returns
    ],
)
def test_appeal_window_ends_at_the_end_of_the_market_day(code, enforced, window, last_day):
    from appeals.services.violations import appeal_by_for
    from core.markets import rules_for

    org = _default_org()
    clock = platform_clock(org, code)
    appeal_by = appeal_by_for(
        clock=clock, rules=rules_for(org, None), kind="listing_removal", enforced_at=local(code, *enforced)
    )
    tz = ZoneInfo(MARKETS[code].timezone)
    assert appeal_by == datetime.combine(last_day, time(23, 59, 59), tzinfo=tz)
    assert appeal_by.astimezone(tz).utcoffset() == tz.utcoffset(datetime.combine(last_day, time(23, 0)))


def test_an_indonesian_window_closes_at_midnight_jakarta_not_new_york(org, owner):
    account = AccountFactory(organization=org, market="ID")
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC)):
        violation = violation_create(
            organization=org,
            account=account,
            by=owner,
            reference="VR-ID-1",
            kind="listing_removal",
            policy="Prohibited item",
            enforced_at=local("ID", 2026, 11, 6, 23, 30),
        )
    assert violation.appeal_by == datetime(2026, 12, 6, 16, 59, 59, tzinfo=UTC)  # 23:59:59 WIB (UTC+7)
    assert violation.rule_version.number == 1 and violation.rule_version.market == "ID"


def _submit(org, owner, code: str, enforced: datetime, submitted: datetime) -> Appeal:
    account = AccountFactory(organization=org, market=code)
    violation = violation_create(
        organization=org,
        account=account,
        by=owner,
        reference=f"VR-{code}-{enforced:%m%d%H}",
        kind="listing_removal",
        policy="Prohibited item",
        enforced_at=enforced,
    )
    appeal = AppealFactory(violation=violation, desired_outcome="Reinstate the listing", explanation="We comply.")
    return appeal_submit(appeal_id=appeal.pk, by=owner, submitted_at=submitted)


@pytest.mark.parametrize(
    ("code", "submitted"),
    [
        ("GB", (2026, 11, 25, 10, 0)),
        ("TH", (2027, 4, 12, 10, 0)),
        ("VN", (2027, 2, 4, 10, 0)),
        ("US", (2026, 11, 25, 10, 0)),
    ],
)
def test_submitting_counts_review_days_on_the_market_clock(org, owner, code, submitted):
    """End to end: a UK shop's three-day review skips UK bank holidays, not US Thanksgiving (and so on)."""
    start = local(code, *submitted)
    with time_machine.travel(datetime(2027, 12, 31, tzinfo=UTC)):
        appeal = _submit(org, owner, code, start - timedelta(days=2), start)
    assert appeal.due_at == expected_business_days(code, start, 3)


def test_a_us_shop_of_a_default_organization_counts_as_before(org, owner):
    """America/New_York, US federal holidays, Monday to Friday 09:00-17:00: the organization's old calendar."""
    start = local("US", 2026, 11, 25, 10, 0)
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC)):
        appeal = _submit(org, owner, "US", start - timedelta(days=3), start)
    assert appeal.due_at == org.business_calendar().add_business_days(start, org.review_business_days)
    assert appeal.due_at == local("US", 2026, 12, 1, 10, 0)


def test_ticket_sla_counts_the_market_support_hours(org, owner):
    account = AccountFactory(organization=org, market="GB")
    opened = local("GB", 2026, 11, 25, 10, 0)
    ticket = ticket_create(
        organization=org, account=account, channel=SupportChannel.values[0], subject="Listing", opened_at=opened
    )
    assert ticket.first_response_due_at == expected_support_hours("GB", opened, 3)
    assert ticket.resolution_due_at == expected_support_hours("GB", opened, 6)
    assert ticket.rule_version.market == "GB"


def test_owner_clock_override_moves_the_support_hours(org):
    org.market_clocks = {"GB": {"support_opens_at": "08:00", "support_closes_at": "20:00"}}
    clock = platform_clock(org, "GB")
    assert (clock.opens_at, clock.closes_at, clock.timezone) == (time(8), time(20), "Europe/London")


# --- Rule versions ----------------------------------------------------------------------------------------------


def test_a_case_keeps_the_version_in_force_on_its_enforcement_date(org, owner):
    account = AccountFactory(organization=org, market="GB")
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        v2 = rule_version_add(
            organization=org, market="GB", effective_from=date(2026, 12, 10), by=owner, appeal_window_days=20
        )
    assert v2.number == 2
    with time_machine.travel(datetime(2026, 12, 20, 12, tzinfo=UTC)):
        before = violation_create(
            organization=org,
            account=account,
            by=owner,
            reference="OLD",
            kind="listing_removal",
            policy="p",
            enforced_at=local("GB", 2026, 12, 9, 23, 0),
        )
        after = violation_create(
            organization=org,
            account=account,
            by=owner,
            reference="NEW",
            kind="listing_removal",
            policy="p",
            enforced_at=local("GB", 2026, 12, 10, 0, 30),
        )
    assert (before.rule_version.number, after.rule_version.number) == (1, 2)
    assert before.appeal_by.astimezone(ZoneInfo("Europe/London")).date() == date(2027, 1, 8)  # org's 30 days
    assert after.appeal_by.astimezone(ZoneInfo("Europe/London")).date() == date(2026, 12, 30)
    assert after.rules.review_business_days == org.review_business_days  # not set in v2: the organization's


def test_rule_version_for_and_the_rule_book_agree(org):
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        rule_version_add(organization=org, market="JP", effective_from=date(2027, 1, 1), max_rounds=3)
        rule_version_add(organization=org, market="JP", effective_from=date(2027, 6, 1), max_rounds=1)
    book = RuleBook(org)
    for day in [date(2026, 12, 31), date(2027, 1, 1), date(2027, 5, 31), date(2027, 6, 1), date(2030, 1, 1)]:
        assert book.version_on("JP", day) == rule_version_for(organization=org, market="JP", on=day)
    assert [book.rules(book.version_on("JP", d)).max_rounds for d in (date(2026, 1, 1), date(2027, 2, 1))] == [2, 3]
    assert RuleVersion.objects.filter(organization=org, market="JP").count() == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"market": "XX", "effective_from": date(2027, 1, 1)}, "market"),
        ({"market": "GB", "effective_from": date(2026, 11, 30)}, "effective_from"),
        ({"market": "GB", "effective_from": date(2027, 1, 1), "max_rounds": 0}, "max_rounds"),
    ],
)
def test_rule_version_add_refuses_bad_input_at_the_field(org, changes, field):
    from appeals.services import ServiceError

    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC)), pytest.raises(ServiceError) as caught:
        rule_version_add(organization=org, **changes)
    assert caught.value.field == field


def test_an_unknown_market_code_keeps_the_organization_calendar(org):
    org.timezone, org.holiday_country = "Europe/Warsaw", "PL"
    clock = platform_clock(org, "PL")
    assert (clock.timezone, clock.country) == ("Europe/Warsaw", "PL")
    assert Account._meta.get_field("market").default == "US"
