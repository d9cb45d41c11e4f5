"""The part of the dashboard's decided-appeal counts read from the rollups (appeals.rollup_models) on PostgreSQL.

Whole local months of an unfiltered dashboard come from appeals_decidedrollup (one row per month and value of each
grouping set, where the raw count reads one index entry per appeal: ~20k rows for ~90k decided appeals over two
years), the success trend's periods of those months from appeals_decidedday; the days before the first whole month
and after the last are still counted from the appeals. The SQL returns rows shaped like the raw GROUPING SETS query
(selectors.analytics._decided_facts), so the same loop sums both and every figure is the one the raw count gives
(tests/test_analytics_rollups.py checks it across random edits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

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
# GROUPING() mask of the period alone (every other column aggregated), as the raw query would give it.
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


def rollup_sql(organization_id: int, span: RollupSpan, periods: list[date]) -> tuple[str, list]:
    """UNION ALL branches (to follow the raw GROUPING SETS query) giving the months' grouping-set rows and their
    days' period rows; the period is the width_bucket of the day over the period starts, as the raw query's."""
    listed = ", ".join(ROLLUP_COLUMNS)
    nulls = ", ".join("NULL" for _ in ROLLUP_COLUMNS)
    sql = (
        f" UNION ALL SELECT grouped::integer, {listed}, NULL::integer, sum(n), sum(reversed), sum(partial) "
        "FROM appeals_decidedrollup WHERE organization_id = %s AND month >= %s AND month < %s "
        f"GROUP BY grouped, {listed} HAVING sum(n) <> 0"
        f" UNION ALL SELECT {PERIOD_ONLY}, {nulls}, width_bucket(day, %s::date[]), sum(n), sum(reversed), "
        "sum(partial) FROM appeals_decidedday WHERE organization_id = %s AND day >= %s AND day < %s "
        "GROUP BY width_bucket(day, %s::date[]) HAVING sum(n) <> 0"
    )
    params = [organization_id, span.month_from, span.month_to]
    params += [periods, organization_id, span.month_from, span.month_to, periods]
    return sql, params
