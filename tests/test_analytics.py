"""Analytics figures on known data sets: exact counts, ranges, partial reversals, timezone boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appeals.models import Appeal, Evidence
from appeals.selectors.analytics import (
    AnalyticsFilters,
    analytics_dashboard,
    analytics_summary,
    appeals_for_drilldown,
    local_range,
)
from tests.factories import AccountFactory, AppealFactory, UserFactory, ViolationFactory

NY = ZoneInfo("America/New_York")
S = Appeal.Status


def local(y, m, d, h=12, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=NY)


def make_appeal(org, *, status, decided_at=None, submitted_at=None, round=1, violation=None, evidence=(), **kw):
    violation = violation or ViolationFactory(
        account=kw.pop("account", None) or AccountFactory(organization=org),
        enforced_at=kw.pop("enforced_at", None)
        or (submitted_at or decided_at or local(2026, 3, 1)) - timedelta(days=1),
        **{k: kw.pop(k) for k in list(kw) if k in {"kind", "policy", "assignee", "penalty_points", "points_cleared"}},
    )
    submitted_at = submitted_at or (decided_at - timedelta(days=2) if decided_at else None)
    appeal = AppealFactory(
        violation=violation,
        round=round,
        status=status,
        submitted_at=submitted_at,
        decided_at=decided_at,
        due_at=submitted_at + timedelta(days=3) if submitted_at else None,
        **kw,
    )
    for i, category in enumerate(evidence):
        Evidence.objects.create(
            appeal=appeal,
            organization=org,
            file=f"evidence/{appeal.pk}-{i}",
            original_name=f"f{i}",
            content_type="application/octet-stream",
            category=category,
            size=1,
            sha256=f"{appeal.pk}-{i}",
        )
    return appeal


RANGE = (date(2026, 3, 1), date(2026, 3, 31))


def dash(org, filters=None, **kw):
    return analytics_dashboard(org, *RANGE, filters, now=kw.pop("now", local(2026, 4, 1)), **kw)


def test_empty_range_has_no_rates(org):
    data = dash(org)
    assert data["overall"].decided == 0
    assert data["overall"].rate is None
    assert data["overall"].interval is None
    assert data["overall"].too_few
    assert data["time_to_decision"]["median"] is None
    assert data["overdue_count"] == 0
    assert all(r["total"] == 0 for r in data["violations_volume"])
    summary = analytics_summary(org, *RANGE, now=local(2026, 4, 1))
    assert summary["success_rate"]["success_rate"] is None
    assert summary["time_to_decision"]["within_review_window_share"] is None


def test_success_rate_counts_partial_as_half_and_ignores_other_statuses(org):
    for status in [S.REVERSED, S.REVERSED, S.PARTIALLY_REVERSED, S.UPHELD, S.UPHELD, S.UPHELD]:
        make_appeal(org, status=status, decided_at=local(2026, 3, 10))
    # Not decided or withdrawn: never in the denominator.
    make_appeal(org, status=S.UNDER_REVIEW, submitted_at=local(2026, 3, 10))
    make_appeal(org, status=S.WITHDRAWN, submitted_at=local(2026, 3, 10), decided_at=local(2026, 3, 11))
    overall = dash(org)["overall"]
    assert (overall.decided, overall.reversed, overall.partial, overall.upheld) == (6, 2, 1, 3)
    assert overall.rate == pytest.approx(2.5 / 6)
    low, high = overall.interval
    assert low < 2.5 / 6 < high
    assert not overall.too_few


def test_appeals_decided_outside_the_range_are_excluded(org):
    make_appeal(org, status=S.REVERSED, decided_at=local(2026, 2, 28, 23, 59))
    make_appeal(org, status=S.REVERSED, decided_at=local(2026, 4, 1, 0, 1))
    make_appeal(org, status=S.UPHELD, decided_at=local(2026, 3, 1, 0, 0))
    overall = dash(org)["overall"]
    assert (overall.decided, overall.reversed) == (1, 0)


def test_timezone_boundary_of_the_last_day(org):
    # 23:30 New York on 31 March is 03:30 UTC on 1 April: inside the range.
    inside = make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, 31, 23, 30))
    # 00:30 New York on 1 April: outside, although it is still 31 March... nowhere; it is 04:30 UTC.
    make_appeal(org, status=S.UPHELD, decided_at=local(2026, 4, 1, 0, 30))
    # 23:30 UTC on 28 February is 18:30 New York on 28 February: outside (before the first local midnight).
    make_appeal(org, status=S.UPHELD, decided_at=datetime(2026, 3, 1, 4, 30, tzinfo=UTC))
    data = dash(org)
    assert (data["overall"].decided, data["overall"].reversed) == (1, 1)
    ids = list(appeals_for_drilldown(org, *RANGE, AnalyticsFilters()).values_list("id", flat=True))
    assert ids == [inside.pk]


def test_local_range_is_local_midnights(org):
    start, end = local_range(org, date(2026, 3, 1), date(2026, 3, 31))
    assert start == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # EST
    assert end == datetime(2026, 4, 1, 4, 0, tzinfo=UTC)  # EDT after the March change


def test_breakdowns_by_kind_account_assignee_round(org, shop, creator_account):
    alice = UserFactory(full_name="Alice")
    make_appeal(
        org, status=S.REVERSED, decided_at=local(2026, 3, 5), account=shop, kind="listing_removal", assignee=alice
    )
    make_appeal(org, status=S.UPHELD, decided_at=local(2026, 3, 5), account=shop, kind="listing_removal")
    make_appeal(
        org,
        status=S.PARTIALLY_REVERSED,
        decided_at=local(2026, 3, 6),
        account=creator_account,
        kind="content_restriction",
        round=2,
        policy="Community guidelines",
    )
    b = dash(org)["breakdowns"]
    kinds = {r["key"]: (r["rate"].decided, r["rate"].rate) for r in b["kind"]}
    assert kinds == {"listing_removal": (2, 0.5), "content_restriction": (1, 0.5)}
    accounts = {r["label"]: r["rate"].decided for r in b["account"]}
    assert accounts == {shop.name: 2, creator_account.name: 1}
    assignees = {r["label"]: r["rate"].reversed for r in b["assignee"]}
    assert assignees == {"Alice": 1, "Unassigned": 0}
    rounds = {r["key"]: r["rate"].decided for r in b["round"]}
    assert rounds == {"first": 2, "follow_up": 1}
    policies = {r["key"]: r["rate"].decided for r in b["policy"]}
    assert policies == {"Intellectual property: trademark": 2, "Community guidelines": 1}
    assert all(r["rate"].too_few for r in b["kind"])


def test_evidence_bands_and_types(org):
    make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, 5))
    make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, 5), evidence=["image"])
    make_appeal(org, status=S.UPHELD, decided_at=local(2026, 3, 5), evidence=["image", "image", "document"])
    make_appeal(
        org,
        status=S.PARTIALLY_REVERSED,
        decided_at=local(2026, 3, 5),
        evidence=["image", "document", "spreadsheet", "spreadsheet"],
    )
    b = dash(org)["breakdowns"]
    bands = {r["key"]: r["rate"].decided for r in b["ev_band"]}
    assert bands == {"0": 1, "1": 1, "2-3": 1, "4+": 1}
    types = {r["key"]: (r["rate"].decided, r["rate"].reversed, r["rate"].partial) for r in b["ev_type"]}
    # An appeal with two images counts once for images; one with all three types counts in each.
    assert types == {"image": (3, 1, 1), "document": (2, 0, 1), "spreadsheet": (1, 0, 1)}
    drill = appeals_for_drilldown(org, *RANGE, AnalyticsFilters(), dimensions={"ev_band": "2-3"})
    assert [a.evidence_files for a in drill] == [3]
    drill = appeals_for_drilldown(org, *RANGE, AnalyticsFilters(), dimensions={"ev_type": "document"})
    assert drill.count() == 2


def test_readiness_and_notice_bands(org):
    make_appeal(
        org,
        status=S.REVERSED,
        decided_at=local(2026, 3, 20),
        readiness_score=85,
        submitted_at=local(2026, 3, 10),
        enforced_at=local(2026, 3, 8),
    )  # 2 days
    make_appeal(
        org,
        status=S.UPHELD,
        decided_at=local(2026, 3, 20),
        readiness_score=50,
        submitted_at=local(2026, 3, 10),
        enforced_at=local(2026, 3, 7),
    )  # 3 days
    make_appeal(
        org,
        status=S.UPHELD,
        decided_at=local(2026, 3, 20),
        readiness_score=49,
        submitted_at=local(2026, 3, 10),
        enforced_at=local(2026, 2, 1),
    )  # 37 days
    make_appeal(
        org,
        status=S.UPHELD,
        decided_at=local(2026, 3, 20),
        readiness_score=None,
        submitted_at=local(2026, 3, 10),
        enforced_at=local(2026, 2, 8),
    )  # 30 days
    b = dash(org)["breakdowns"]
    assert {r["key"]: r["rate"].decided for r in b["readiness"]} == {
        "0-49": 1,
        "50-79": 1,
        "80-100": 1,
        "not_scored": 1,
    }
    assert {r["key"]: r["rate"].decided for r in b["notice"]} == {"0-2": 1, "3-7": 1, "8-30": 1, "31+": 1}
    assert {r["key"]: r["rate"].reversed for r in b["notice"]}["0-2"] == 1


def test_filters_narrow_every_figure(org, shop, creator_account):
    make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, 5), account=shop)
    make_appeal(org, status=S.UPHELD, decided_at=local(2026, 3, 5), account=creator_account, round=2)
    data = dash(org, {"account": shop.pk})
    assert (data["overall"].decided, data["overall"].reversed) == (1, 1)
    assert dash(org, {"round": "follow_up"})["overall"].decided == 1
    assert dash(org, {"kind": "other"})["overall"].decided == 0


def test_time_to_decision_in_business_days(org):
    # Submitted Monday 2 March; decided Tue (1), Thu (3), next Mon (5): weekends skipped.
    for decided in [local(2026, 3, 3), local(2026, 3, 5), local(2026, 3, 9)]:
        make_appeal(org, status=S.UPHELD, submitted_at=local(2026, 3, 2), decided_at=decided)
    ttd = dash(org)["time_to_decision"]
    assert ttd["count"] == 3
    assert ttd["median"] == 3
    assert ttd["p90"] == pytest.approx(4.6)
    assert ttd["within_window"] == 2  # review window is 3 business days


def test_overdue_now(org):
    late = make_appeal(org, status=S.UNDER_REVIEW, submitted_at=local(2026, 3, 20))
    make_appeal(org, status=S.UNDER_REVIEW, submitted_at=local(2026, 3, 31))
    data = dash(org, now=local(2026, 3, 30))
    assert data["overdue_count"] == 1
    assert [a.pk for a in data["overdue"]] == [late.pk]


def test_volume_per_week_and_month(org, shop):
    ViolationFactory(account=shop, enforced_at=local(2026, 3, 2), kind="listing_removal")
    ViolationFactory(account=shop, enforced_at=local(2026, 3, 3), kind="penalty_points")
    ViolationFactory(account=shop, enforced_at=local(2026, 3, 31, 23, 30), kind="listing_removal")
    ViolationFactory(account=shop, enforced_at=local(2026, 4, 1, 0, 30), kind="listing_removal")  # outside
    make_appeal(org, status=S.UNDER_REVIEW, submitted_at=local(2026, 3, 4), kind="penalty_points")
    data = dash(org)
    weeks = {r["period"]: r["total"] for r in data["violations_volume"]}
    # The appeal's own violation was enforced on 3 March too; 1 April 00:30 local is outside.
    assert weeks[date(2026, 3, 2)] == 3
    assert weeks[date(2026, 3, 30)] == 1
    assert sum(weeks.values()) == 4
    months = dash(org, granularity="month")
    assert [(r["period"], r["total"]) for r in months["violations_volume"]] == [(date(2026, 3, 1), 4)]
    assert [(r["period"], r["by_kind"]) for r in months["appeals_volume"]] == [
        (date(2026, 3, 1), {"penalty_points": 1})
    ]


def test_penalty_points_outstanding_per_shop(org, shop):
    now = local(2026, 4, 1)
    ViolationFactory(account=shop, enforced_at=now - timedelta(days=10), penalty_points=4)
    ViolationFactory(account=shop, enforced_at=now - timedelta(days=10), penalty_points=6, points_cleared=True)
    ViolationFactory(account=shop, enforced_at=now - timedelta(days=200), penalty_points=8)  # expired
    rows = dash(org, now=now)["penalty_points"]
    assert [(r["name"], r["points"], r["cases"]) for r in rows] == [(shop.name, 4, 1)]


def test_other_organizations_data_never_counts(org, other_org):
    make_appeal(other_org, status=S.REVERSED, decided_at=local(2026, 3, 5))
    assert dash(org)["overall"].decided == 0


def test_fixed_number_of_queries(org, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(**filters):
        with CaptureQueriesContext(connection) as ctx:
            analytics_dashboard(org, *RANGE, filters, now=local(2026, 4, 1))
        return len(ctx.captured_queries)

    empty = run(), run(kind="listing_removal", round="first")
    for i in range(12):
        make_appeal(
            org,
            status=[S.REVERSED, S.UPHELD, S.PARTIALLY_REVERSED][i % 3],
            decided_at=local(2026, 3, 1 + i),
            evidence=["image"] * (i % 5),
        )
        make_appeal(org, status=S.UNDER_REVIEW, submitted_at=local(2026, 3, 1 + i))
    assert (run(), run(kind="listing_removal", round="first")) == empty
    with django_assert_max_num_queries(10):
        run()


def test_success_rate_trend_per_week_in_local_time(org):
    # Sunday 8 March 23:30 New York belongs to the week of Monday 2 March (it is Monday 03:30 UTC).
    make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, 8, 23, 30))
    make_appeal(org, status=S.UPHELD, decided_at=local(2026, 3, 9, 0, 30))
    make_appeal(org, status=S.PARTIALLY_REVERSED, decided_at=local(2026, 3, 10))
    trend = {r["period"]: r["rate"] for r in dash(org)["success_trend"]}
    assert (trend[date(2026, 3, 2)].decided, trend[date(2026, 3, 2)].reversed) == (1, 1)
    assert (trend[date(2026, 3, 9)].decided, trend[date(2026, 3, 9)].partial) == (2, 1)
    assert trend[date(2026, 3, 9)].rate == 0.25
    assert trend[date(2026, 2, 23)].decided == 0  # the week holding 1 March is listed, empty


def test_summary_is_json_able(org):
    import json

    make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, 5), evidence=["image"])
    summary = analytics_summary(org, *RANGE, now=local(2026, 4, 1))
    text = json.dumps(summary)
    assert summary["success_rate"]["decided"] == 1
    assert summary["success_rate"]["too_few_to_judge"] is True
    assert '"image"' in text
    assert summary["breakdowns"]["ev_type"][0] == {
        "key": "image",
        "label": "Image",
        **summary["breakdowns"]["ev_type"][0],
    }


def test_filters_ignore_values_that_cannot_match():
    f = AnalyticsFilters.from_mapping({"account": "abc", "assignee": "x1", "round": "third", "kind": "other"})
    assert f == AnalyticsFilters(kind="other")
    assert AnalyticsFilters.from_mapping({"assignee": "none", "account": 7}).params() == {
        "assignee": "none",
        "account": "7",
    }


# The trend as the dashboard draws it (small data falls back to months).


def test_trend_shown_per_week_when_two_weeks_can_be_judged(org):
    for day in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13):
        make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, day))
    shown = dash(org)["success_trend_shown"]
    assert (shown["granularity"], shown["judged"], shown["fallback"]) == ("week", 2, False)


def test_trend_falls_back_to_months_when_weeks_have_too_few(org):
    # 6 decisions in March, at most 2 a week: no week can be judged, the month can.
    for day, status in zip((2, 3, 10, 11, 17, 24), [S.REVERSED, S.UPHELD] * 3, strict=True):
        make_appeal(org, status=status, decided_at=local(2026, 3, day))
    data = dash(org)
    assert sum(not r["rate"].too_few for r in data["success_trend"]) == 0
    shown = data["success_trend_shown"]
    assert (shown["granularity"], shown["judged"], shown["fallback"]) == ("month", 1, True)
    assert [(r["period"], r["rate"].decided, r["rate"].reversed) for r in shown["rows"]] == [(date(2026, 3, 1), 6, 3)]


def test_trend_with_too_few_decisions_even_per_month_has_no_point(org):
    make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, 2))
    shown = dash(org, granularity="month")["success_trend_shown"]
    assert (shown["granularity"], shown["judged"]) == ("month", 0)
