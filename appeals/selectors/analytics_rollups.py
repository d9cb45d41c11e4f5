"""The part of the dashboard's decided-appeal counts read from the rollups (appeals.rollup_models) on PostgreSQL.

Whole local months of an unfiltered dashboard come from appeals_decidedrollup (one row per month and value of each
grouping set, where the raw count reads one index entry per appeal: ~11k rows for ~90k decided appeals over two
years), the success trend's periods of every day of the range from appeals_decidedday. The days before the first
whole month and after the last (the edges) come from their month's rollup rows too when no appeal of that month was
decided outside the range (a range ending today, or starting before the first decision), and otherwise from the
appeals; the query checks which against appeals_decidedday, so each edge is read from one side. The SQL returns rows
shaped like the raw GROUPING SETS query (selectors.analytics._decided_facts), so the same loop sums both and every
figure is the one the raw count gives (tests/test_analytics_rollups.py checks it across random edits).

Every rollup is read by an index-only scan of its key, which carries the counts (migration 0026).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

# selectors.analytics.FACT_COLUMNS without the period, in its order (a test checks they agree).
ROLLUP_COLUMNS = [
    "round",
    "readiness_score",
    "notice_days",
    "evidence_count",
    "evidence_categories",
    "violation_kind",
    "violation_policy",
    "violation_account_id",
    "violation_assignee_id",
    "decision_business_days",
]
# The grouping sets appeals_decidedrollup keeps (migration 0021's SETS; a test checks they agree).
ROLLUP_GROUPING_SETS = [
    ("round", "evidence_count", "evidence_categories"),
    ("readiness_score",),
    ("notice_days",),
    ("violation_kind", "violation_policy", "violation_assignee_id"),
    ("violation_account_id",),
    ("decision_business_days",),
]
# GROUPING() mask of the period alone (every other column aggregated), as the raw query would give it.
ROLLUP_TABLE = "appeals_decidedrollup"
PERIOD_ONLY = ((1 << len(ROLLUP_COLUMNS)) - 1) << 1


@dataclass(frozen=True)
class RollupSpan:
    """Whole local months [month_from, month_to) read from the rollups, and the day ranges around them counted
    from the appeals ([date_from, month_from) and [month_to, date_to], either possibly empty)."""

    month_from: date
    month_to: date

    @classmethod
    def of(cls, date_from: date, date_to: date) -> RollupSpan | None:
        month_from = date_from if date_from.day == 1 else _next_month(date_from)
        month_to = (
            _next_month(date_to) if _next_month(date_to) - timedelta(days=1) == date_to else date_to.replace(day=1)
        )
        return cls(month_from, month_to) if month_from < month_to else None

    def edges(self, date_from: date, date_to: date) -> list[tuple[date, date]]:
        """The day ranges (first, last day, inclusive) counted from the appeals."""
        edges = []
        if date_from < self.month_from:
            edges.append((date_from, self.month_from - timedelta(days=1)))
        if self.month_to <= date_to:
            edges.append((self.month_to, date_to))
        return edges


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def edge_month(first: date, last: date) -> tuple[date, date]:
    """The month (first day, first day of the next) holding the day range [first, last] of one edge."""
    month = first.replace(day=1)
    return month, _next_month(month)


def rollup_sql(
    organization_id: int, span: RollupSpan, periods: list[date], date_from: date, date_to: date
) -> tuple[str, list]:
    """UNION ALL branches (to follow the raw GROUPING SETS query) giving the rollups' grouping-set rows of the whole
    months, and of each edge's month whose days outside the range have no decided appeal (so the month's rows are
    the edge's: the range ending today, say), and the period rows of every day of the range from
    appeals_decidedday; the period is the width_bucket of the day over the period starts, as the raw query's.

    Raw rows: the outer GROUP BY of _decided_facts sums them (with the appeals' groups) and drops groups of zero."""
    listed = ", ".join(ROLLUP_COLUMNS)
    nulls = ", ".join("NULL" for _ in ROLLUP_COLUMNS)
    rows = f" UNION ALL SELECT grouped::integer, {listed}, NULL::integer, n, reversed, partial FROM {ROLLUP_TABLE} "
    sql = rows + "WHERE organization_id = %s AND month >= %s AND month < %s"
    params: list = [organization_id, span.month_from, span.month_to]
    for first, last in span.edges(date_from, date_to):
        month, next_month = edge_month(first, last)
        sql += rows + f"WHERE organization_id = %s AND month = %s AND NOT {outside_decided_sql()}"
        params += [organization_id, month, *outside_decided_params(organization_id, month, next_month, first, last)]
    sql += (
        f" UNION ALL SELECT {PERIOD_ONLY}, {nulls}, width_bucket(day, %s::date[]), n, reversed, partial "
        "FROM appeals_decidedday WHERE organization_id = %s AND day >= %s AND day <= %s"
    )
    params += [periods, organization_id, date_from, date_to]
    return sql, params


def outside_decided_sql() -> str:
    """EXISTS: a decided appeal on a day of [month, next month) outside [first, last] (appeals_decidedday)."""
    return (
        "EXISTS (SELECT 1 FROM appeals_decidedday WHERE organization_id = %s AND day >= %s AND day < %s "
        "AND (day < %s OR day > %s) AND n <> 0)"
    )


def outside_decided_params(organization_id: int, month: date, next_month: date, first: date, last: date) -> list:
    return [organization_id, month, next_month, first, last]


# --- Volume and penalty points (migration 0025) -----------------------------------------------------------------
# Whole local days, so a volume is read from its rollup alone; the points' window starts at a moment (now less the
# expiry days), so its first, partial UTC day is counted from the violations.

VOLUME_TABLES = {
    "violations": ("appeals_violationday", "kind"),
    "submitted": ("appeals_submittedday", "violation_kind"),
}


def volume_sql(
    table: str, organization_id: int, date_from: date, date_to: date, periods: list[date], kind: str = ""
) -> tuple[str, list]:
    """(period bucket, kind, count) of one volume in [date_from, date_to], as the raw volume query gives them."""
    name, kind_column = VOLUME_TABLES[table]
    sql = (
        f"SELECT width_bucket(day, %s::date[]), {kind_column}, sum(n) FROM {name} "  # noqa: S608
        "WHERE organization_id = %s AND day >= %s AND day <= %s AND n <> 0"
        + (f" AND {kind_column} = %s" if kind else "")
        + f" GROUP BY 1, {kind_column}"
    )
    params = [periods, organization_id, date_from, date_to, *([kind] if kind else [])]
    return sql, params


def points_sql(organization_id: int, expiry_start: datetime, account_id: str = "") -> tuple[str, list]:
    """Per account with outstanding points: id, name, external id, kind, points and cases, most points first;
    the UTC days from the day after expiry_start from appeals_pointsday, the rest of its day from the violations."""
    boundary = datetime.combine(expiry_start.astimezone(UTC).date() + timedelta(days=1), time.min, tzinfo=UTC)
    account = " AND account_id = %s" if account_id else ""
    sql = (
        "SELECT s.account_id, a.name, a.external_id, a.kind, s.points, s.cases FROM ("
        "SELECT account_id, sum(points) AS points, sum(cases) AS cases FROM ("
        "SELECT account_id, points, cases FROM appeals_pointsday WHERE organization_id = %s AND day >= %s "
        f"AND cases <> 0{account} UNION ALL "
        "SELECT account_id, penalty_points, 1 FROM appeals_violation WHERE organization_id = %s AND enforced_at >= %s "
        f"AND enforced_at < %s AND NOT points_cleared AND penalty_points > 0{account}"
        ") AS u GROUP BY account_id) AS s JOIN appeals_account a ON a.id = s.account_id "
        "WHERE s.cases > 0 ORDER BY s.points DESC, a.name"
    )
    extra = [int(account_id)] if account_id else []
    params = [organization_id, boundary.date(), *extra, organization_id, expiry_start, boundary, *extra]
    return sql, params
