"""The analytics rollups (PostgreSQL triggers) give the figures the raw count gives, across random edits."""

from __future__ import annotations

import importlib
import io
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals.models import Appeal, DecidedRollup, Evidence, PointsDay, SubmittedDay, Violation, ViolationDay
from appeals.selectors.analytics import (
    FACT_COLUMNS,
    AnalyticsFilters,
    PeriodOf,
    _appeals_submitted,
    _decided_facts,
    _decided_sources,
    _penalty_points,
    _periods,
    _violations_received,
    decided_appeals,
    local_range,
)
from appeals.selectors.analytics_rollups import ROLLUP_COLUMNS, ROLLUP_GROUPING_SETS, RollupSpan
from appeals.services.analytics_rollups import TABLES, analytics_rollups_differences, analytics_rollups_rebuild
from tests.factories import AccountFactory, AppealFactory, UserFactory, ViolationFactory

pytestmark = [pytest.mark.postgres]
S = Appeal.Status
STATUSES = [S.REVERSED, S.PARTIALLY_REVERSED, S.UPHELD, S.UNDER_REVIEW, S.WITHDRAWN]
START = datetime(2026, 1, 1, tzinfo=UTC)
SHAS = itertools.count()


def _facts(org, date_from, date_to, granularity, *, rollups: bool):
    filters = AnalyticsFilters()
    periods = _periods(date_from, date_to, granularity)
    decided = decided_appeals(org, *local_range(org, date_from, date_to), filters)
    if rollups:
        sources = _decided_sources(org, decided, date_from, date_to, filters, periods, granularity)
        assert sources[2] is not None  # the rollups are read
        return _decided_facts(*sources)
    return _decided_facts(decided, PeriodOf.of("decided_at", periods, org.zoneinfo, granularity))


def test_rollup_columns_follow_the_dashboard_columns():
    assert [c for d, c in FACT_COLUMNS.items() if d != "period"] == ROLLUP_COLUMNS
    # The edges are grouped by the rollups' sets to merge with their rows: the sets the migration keeps.
    kept = importlib.import_module("appeals.migrations.0021_analytics_rollups")
    assert kept.COLUMNS == ROLLUP_COLUMNS
    assert kept.SETS == ROLLUP_GROUPING_SETS


def test_span_takes_whole_months_only():
    assert RollupSpan.of(date(2026, 1, 15), date(2026, 2, 10)) is None
    span = RollupSpan.of(date(2026, 1, 15), date(2026, 4, 10))
    assert (span.month_from, span.month_to) == (date(2026, 2, 1), date(2026, 4, 1))
    assert span.edges(date(2026, 1, 15), date(2026, 4, 10)) == [
        (date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 4, 1), date(2026, 4, 10)),
    ]
    whole = RollupSpan.of(date(2026, 2, 1), date(2026, 3, 31))
    assert (whole.month_from, whole.month_to) == (date(2026, 2, 1), date(2026, 4, 1))
    assert whole.edges(date(2026, 2, 1), date(2026, 3, 31)) == []


def _volumes(org, date_from, date_to, granularity, expiry_start, filters, *, rollups: bool):
    """The two volumes (period, kind, count), summed per key, and the penalty points, as the dashboard reads them."""
    periods = _periods(date_from, date_to, granularity)
    start, end = local_range(org, date_from, date_to)
    out = []
    for read, field in ((_violations_received, "enforced_at"), (_appeals_submitted, "submitted_at")):
        period = PeriodOf.of(field, periods, org.zoneinfo, granularity)
        rows = read(org, start, end, filters, period, date_from, date_to, rollups=rollups)
        sums: dict = {}
        for value, kind, n in rows:
            sums[(period.start(value), kind)] = sums.get((period.start(value), kind), 0) + n
        out.append(sums)
    return out, _penalty_points(org, expiry_start, filters, rollups=rollups)


edits = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "status",
                "move",
                "assign",
                "evidence",
                "delete",
                "timezone",
                "kind",
                "enforce",
                "points",
                "submit",
                "delete_case",
                "bulk",
            ]
        ),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=edits, first=st.integers(0, 120), length=st.integers(0, 150), granularity=st.sampled_from(["week", "month"])
)
def test_rollups_match_the_raw_count_across_edits(org, edits, first, length, granularity):
    accounts = [AccountFactory(organization=org) for _ in range(2)]
    people = [UserFactory(), None]
    appeals: list[Appeal] = []
    for action, n in edits:
        if action == "create" or not appeals:
            status = STATUSES[n % len(STATUSES)]
            decided = status in Appeal.DECIDED
            moment = START + timedelta(hours=n * 7)
            violation = ViolationFactory(
                account=accounts[n % 2],
                assignee=people[n % 2],
                enforced_at=moment - timedelta(days=3),
                penalty_points=n % 4,
                points_cleared=n % 7 == 0,
            )
            appeals.append(
                AppealFactory(
                    violation=violation,
                    status=status,
                    submitted_at=moment - timedelta(days=2),
                    decided_at=moment if decided else None,
                    readiness_score=None if n % 5 == 0 else n % 101,
                )
            )
            continue
        appeal = appeals[n % len(appeals)]
        appeal.refresh_from_db()
        if action == "status":
            appeal.status = STATUSES[n % len(STATUSES)]
            appeal.decided_at = appeal.decided_at or START + timedelta(hours=n * 5)
            appeal.save()
        elif action == "move":
            appeal.decided_at = START + timedelta(hours=n * 11)
            appeal.save(update_fields=["decided_at"])
        elif action in {"assign", "kind"}:
            violation = appeal.violation
            if action == "assign":
                violation.assignee = people[(n + 1) % 2]
            else:
                violation.kind = "penalty_points" if violation.kind != "penalty_points" else "listing_removal"
            violation.save()
        elif action == "evidence":
            category = list(Evidence.CATEGORY_BITS)[n % 3]
            Evidence.objects.create(
                appeal=appeal,
                organization=org,
                file=f"e/{n}",
                original_name="f",
                content_type="x",
                category=category,
                size=1,
                sha256=f"{appeal.pk}-{next(SHAS)}",
            )
        elif action == "delete":
            appeals.remove(appeal)
            appeal.delete()
        elif action == "timezone":
            org.timezone = ["America/New_York", "Asia/Jakarta", "Europe/London"][n % 3]
            org.save(update_fields=["timezone"])
        elif action == "enforce":
            violation = appeal.violation
            violation.enforced_at = START + timedelta(hours=n * 3)
            violation.account = accounts[n % 2]
            violation.save()
        elif action == "points":
            Violation.objects.filter(pk=appeal.violation_id).update(penalty_points=n % 5, points_cleared=n % 3 == 0)
        elif action == "submit":
            appeal.submitted_at = START + timedelta(hours=n * 13)
            appeal.save(update_fields=["submitted_at"])
        elif action == "delete_case":
            appeals.remove(appeal)
            appeal.violation.delete()  # the cascade deletes its appeals in their own statement
        elif action == "bulk":  # one statement over every case and appeal of the organization
            Violation.objects.filter(organization=org).update(enforced_at=START + timedelta(hours=n), kind="other")
            Appeal.objects.filter(organization=org).update(submitted_at=START + timedelta(hours=n * 2))

    date_from = date(2026, 1, 1) + timedelta(days=first)
    date_to = date_from + timedelta(days=length)
    assert analytics_rollups_differences(organization_id=org.pk) == []
    expiry_start = START + timedelta(hours=first * 61 + length)
    for filters in (
        AnalyticsFilters(),
        AnalyticsFilters(kind="listing_removal"),
        AnalyticsFilters(account=str(accounts[0].pk)),
    ):
        assert _volumes(org, date_from, date_to, granularity, expiry_start, filters, rollups=True) == _volumes(
            org, date_from, date_to, granularity, expiry_start, filters, rollups=False
        )
    if RollupSpan.of(date_from, date_to) is not None:
        facts = _facts(org, date_from, date_to, granularity, rollups=True)
        assert facts == _facts(org, date_from, date_to, granularity, rollups=False)
        # Counts, not PostgreSQL's numeric sums (a Decimal breaks the percentiles' float arithmetic).
        counts = [*facts.decision_days.values(), *(v for sums in facts.sums.values() for t in sums.values() for v in t)]
        assert all(type(v) is int for v in counts)


def test_rebuild_restores_rows_lost_with_triggers_off(org):
    AppealFactory(
        violation=ViolationFactory(account=AccountFactory(organization=org)),
        status=S.REVERSED,
        submitted_at=START,
        decided_at=START + timedelta(days=2),
    )
    # One row per grouping set (the facts stored after the insert took back the first count: zero rows stay).
    counted = DecidedRollup.objects.filter(organization_id=org.pk).exclude(n=0).count()
    assert counted == 6
    DecidedRollup.objects.filter(organization_id=org.pk).delete()
    assert analytics_rollups_differences(organization_id=org.pk) != []
    analytics_rollups_rebuild(organization_id=org.pk)
    assert analytics_rollups_differences(organization_id=org.pk) == []
    assert DecidedRollup.objects.filter(organization_id=org.pk).count() == counted  # the recount keeps no zeros


def test_a_rollup_row_counted_for_the_wrong_organization_is_a_difference(org, other_org):
    # The volume and points tables have no id column: their first column is the organization, which the check kept.
    ViolationFactory(account=AccountFactory(organization=org))
    assert ViolationDay.objects.filter(organization_id=org.pk).exclude(n=0).count() == 1
    assert analytics_rollups_differences() == []
    ViolationDay.objects.filter(organization_id=org.pk).update(organization_id=other_org.pk)
    differences = analytics_rollups_differences()
    assert {(row[0], row[1]) for row in differences} == {
        ("appeals_violationday", org.pk),
        ("appeals_violationday", other_org.pk),
    }


def _rollup_indexes() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [list(TABLES)])
        return set(cursor.fetchall())


def test_every_rollup_key_carries_the_counts(db):
    # Migration 0026: the dashboard reads an organization's rollup rows by index-only scans of these keys, in key
    # order, not from heap pages shared with every other organization's rows (~16,000 pages at 1M violations).
    keys = {name: definition for name, definition in _rollup_indexes() if "UNIQUE" in definition}
    for table, counted in TABLES.items():
        (definition,) = [d for d in keys.values() if f".{table} USING" in d and "(organization_id" in d]
        assert definition.split(" INCLUDE ")[1].startswith(f"({', '.join(counted)})"), definition


def test_seed_demo_counts_the_rollups_its_copy_skipped(db):
    # COPY as a replica fires no trigger: without the recount the seeded dashboard would read empty months.
    indexes = _rollup_indexes()
    call_command("seed_demo", orgs=2, violations=60, stdout=io.StringIO())
    assert DecidedRollup.objects.exclude(n=0).exists()
    # The recount writes into the tables without their secondary indexes, then builds them again: the triggers'
    # upserts need the unique one.
    assert _rollup_indexes() == indexes and "decided_rollup_key" in {name for name, _ in indexes}
    assert analytics_rollups_differences() == []
    out = io.StringIO()
    call_command("analytics_rollups", "--check", stdout=out)
    assert "match a recount" in out.getvalue()


def test_command_reports_and_repairs_a_drifted_rollup(org):
    AppealFactory(
        violation=ViolationFactory(account=AccountFactory(organization=org)),
        status=S.UPHELD,
        submitted_at=START,
        decided_at=START + timedelta(days=1),
    )
    DecidedRollup.objects.filter(organization_id=org.pk).exclude(n=0).update(n=5)
    with pytest.raises(CommandError, match="differ from a recount"):
        call_command("analytics_rollups", "--check", "--org", org.slug, stdout=io.StringIO())
    call_command("analytics_rollups", "--org", org.slug, stdout=io.StringIO())
    call_command("analytics_rollups", "--check", "--org", org.slug, stdout=io.StringIO())
    with pytest.raises(CommandError, match="No organization"):
        call_command("analytics_rollups", "--org", "nope", stdout=io.StringIO())


def test_one_statement_over_many_appeals_is_counted_once_each(org):
    for n in range(6):
        AppealFactory(
            violation=ViolationFactory(account=AccountFactory(organization=org)),
            status=STATUSES[n % 3],
            submitted_at=START + timedelta(days=n),
            decided_at=START + timedelta(days=n * 9),
            readiness_score=n * 10,
        )
    decided = Appeal.objects.filter(organization=org)
    decided.update(readiness_score=70, decided_at=START + timedelta(days=40))
    assert analytics_rollups_differences(organization_id=org.pk) == []
    decided.filter(status=S.UPHELD).update(status=S.REVERSED)
    decided.filter(round=1).delete()
    assert analytics_rollups_differences(organization_id=org.pk) == []
    assert not DecidedRollup.objects.filter(organization_id=org.pk).exclude(n=0).exists()


def test_volume_and_points_rollups_follow_a_case(org):
    account = AccountFactory(organization=org)
    enforced = datetime(2026, 3, 2, 3, tzinfo=UTC)  # 2 March in UTC, 1 March in New York (the organization's)
    violation = ViolationFactory(account=account, enforced_at=enforced, penalty_points=3, kind="penalty_points")
    AppealFactory(violation=violation, status=S.UNDER_REVIEW, submitted_at=enforced + timedelta(days=1))
    assert org.timezone == "America/New_York"
    counted = {(r.day, r.kind, r.n) for r in ViolationDay.objects.filter(organization_id=org.pk).exclude(n=0)}
    assert counted == {(date(2026, 3, 1), "penalty_points", 1)}
    # The appeal was inserted before the signal copied the violation's kind on it: its first count was taken back.
    submitted = SubmittedDay.objects.filter(organization_id=org.pk).exclude(n=0)
    assert list(submitted.values_list("day", "violation_kind", "n")) == [(date(2026, 3, 2), "penalty_points", 1)]
    points = PointsDay.objects.filter(organization_id=org.pk).exclude(cases=0)
    assert list(points.values_list("day", "account_id", "points", "cases")) == [(date(2026, 3, 2), account.pk, 3, 1)]
    # The first, partial UTC day of the window comes from the violations, the next days from the rollup: a case at
    # either side of the midnight between them counts once.
    midnight = datetime(2026, 3, 3, tzinfo=UTC)
    ViolationFactory(account=account, enforced_at=midnight, penalty_points=2)
    ViolationFactory(account=account, enforced_at=midnight - timedelta(seconds=1), penalty_points=4)
    for expiry_start in (enforced, midnight - timedelta(hours=1), midnight - timedelta(seconds=1), midnight):
        raw = _penalty_points(org, expiry_start, AnalyticsFilters(), rollups=False)
        assert _penalty_points(org, expiry_start, AnalyticsFilters()) == raw
    assert raw[0]["points"] == 2
    Violation.objects.filter(enforced_at__gte=midnight - timedelta(seconds=1)).delete()
    violation.points_cleared = True  # an appeal reversed cleared them
    violation.save()
    assert not points.exists()
    violation.delete()
    assert not ViolationDay.objects.filter(organization_id=org.pk).exclude(n=0).exists()
    assert not SubmittedDay.objects.filter(organization_id=org.pk).exclude(n=0).exists()
    assert analytics_rollups_differences(organization_id=org.pk) == []


def _scans(plan: dict, table: str) -> list[dict]:
    """The scan nodes of `table` in an EXPLAIN (FORMAT JSON) plan."""
    found = [plan] if plan.get("Relation Name") == table else []
    for child in plan.get("Plans", []):
        found += _scans(child, table)
    return found


def _explained(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        return cursor.fetchone()[0][0]["Plan"]


@pytest.mark.parametrize("outside", ["none", "before", "after", "both"])
def test_an_edge_month_is_read_from_the_rollups_when_nothing_outside_the_range_was_decided(org, outside):
    # 10 January to 20 April: February and March are whole months; January and April are edges, read from their
    # month's rollup rows when no appeal of that month was decided outside the range, else from the appeals.
    account = AccountFactory(organization=org)
    days = [date(2026, 1, 10), date(2026, 1, 31), date(2026, 2, 14), date(2026, 4, 1), date(2026, 4, 20)]
    days += {"none": [], "before": [date(2026, 1, 9)], "after": [date(2026, 4, 21)]}.get(
        outside, [date(2026, 1, 1), date(2026, 4, 30)]
    )
    for n, day in enumerate(days):
        moment = datetime.combine(day, datetime.min.time(), tzinfo=org.zoneinfo) + timedelta(hours=n % 2 * 23)
        AppealFactory(
            violation=ViolationFactory(account=account, enforced_at=moment - timedelta(days=3)),
            status=STATUSES[n % 3],
            submitted_at=moment - timedelta(days=2),
            decided_at=moment,
            readiness_score=n * 9,
        )
    date_from, date_to = date(2026, 1, 10), date(2026, 4, 20)
    for granularity in ("week", "month"):
        facts = _facts(org, date_from, date_to, granularity, rollups=True)
        assert facts == _facts(org, date_from, date_to, granularity, rollups=False)
        assert facts.totals("round")["all"][0] == 5
    filters, periods = AnalyticsFilters(), _periods(date_from, date_to, "week")
    decided = decided_appeals(org, *local_range(org, date_from, date_to), filters)
    sources = _decided_sources(org, decided, date_from, date_to, filters, periods, "week")
    with CaptureQueriesContext(connection) as queries:
        _decided_facts(*sources)
    (query,) = queries.captured_queries
    plan = _explained(query["sql"])
    # Each edge from one side only: the appeals of an edge month with a decision outside the range.
    read = [scan for scan in _scans(plan, "appeals_appeal") if scan["Actual Loops"]]
    assert len(read) == {"none": 0, "before": 1, "after": 1, "both": 2}[outside]
    rollup_months = [scan for scan in _scans(plan, "appeals_decidedrollup") if scan["Actual Loops"]]
    # The whole months, and the rollup rows of each edge month not read from the appeals.
    assert len(rollup_months) == 3 - len(read)
