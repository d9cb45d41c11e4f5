"""Manager analytics: success rates, time to decision, volume and backlog for one organization.

Every figure is counted in the database with a fixed number of queries whatever the data size. The decided
appeals are read once, from the (organization, decided_at) covering index: the facts they are grouped by
(copies of the violation's kind, policy, account and assignee; evidence summary; days from notice to
submission; business days to decision) are stored on the appeal when they become known (appeals.signals), so
no join, timezone conversion or calendar is needed here; Python only sums the grouped counts into bands.

Date ranges are whole local days in the organization's timezone: `date_from` 00:00 local up to
(not including) the day after `date_to` 00:00 local. The range applies to `decided_at` for
success rates and time to decision, to `enforced_at` for violations received and to
`submitted_at` for appeals submitted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db import connection, connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import timezone

from appeals import stats
from appeals.models import Account, Appeal, Evidence, Violation, ViolationKind
from appeals.selectors.analytics_rollups import (
    ROLLUP_COLUMNS,
    ROLLUP_GROUPING_SETS,
    RollupSpan,
    edge_month,
    outside_decided_params,
    outside_decided_sql,
    points_sql,
    rollup_sql,
    volume_sql,
)
from core.db_router import read_alias
from core.models import Membership, Organization, User

DEFAULT_DAYS = 90
OVERDUE_LIST_LIMIT = 20
ROUND_CHOICES = [("first", "First appeal"), ("follow_up", "Follow-up")]
DECIDED = [Appeal.Status.REVERSED, Appeal.Status.PARTIALLY_REVERSED, Appeal.Status.UPHELD]
KIND_LABELS = dict(ViolationKind.choices)
EVIDENCE_TYPE_LABELS = dict(Evidence.Category.choices)


@dataclass(frozen=True)
class AnalyticsFilters:
    """Dashboard filters; empty strings mean "all". assignee may be "none" (unassigned)."""

    account: str = ""
    kind: str = ""
    policy: str = ""
    assignee: str = ""
    round: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> AnalyticsFilters:
        data = data or {}
        values = {}
        for f in fields(cls):
            raw = data.get(f.name)
            values[f.name] = "" if raw in (None, "") else str(getattr(raw, "pk", raw)).strip()
        # Values that cannot match anything are ignored rather than turned into a database error.
        if not values["account"].isdigit():
            values["account"] = ""
        if values["assignee"] != "none" and not values["assignee"].isdigit():
            values["assignee"] = ""
        if values["round"] not in {"first", "follow_up"}:
            values["round"] = ""
        return cls(**values)

    def params(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


# Drill-down dimensions understood by appeals_for_drilldown (query parameter → meaning).
DRILL_DIMENSIONS = ("ev_band", "ev_type", "readiness", "notice")


def local_range(organization: Organization, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[local midnight of date_from, local midnight of the day after date_to) as aware datetimes."""
    tz = organization.zoneinfo
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def default_range(organization: Organization, today: date | None = None) -> tuple[date, date]:
    """The last 90 days, ending today in the organization's timezone."""
    today = today or timezone.now().astimezone(organization.zoneinfo).date()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _filter_appeals(qs: QuerySet, filters: AnalyticsFilters) -> QuerySet:
    """Apply the filters to appeals, through the copies of the violation's attributes (no join)."""
    if filters.account:
        qs = qs.filter(violation_account_id=filters.account)
    if filters.kind:
        qs = qs.filter(violation_kind=filters.kind)
    if filters.policy:
        qs = qs.filter(violation_policy=filters.policy)
    if filters.assignee == "none":
        qs = qs.filter(violation_assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(violation_assignee_id=filters.assignee)
    if filters.round == "first":
        qs = qs.filter(round=1)
    elif filters.round == "follow_up":
        qs = qs.filter(round__gte=2)
    return qs


def _filter_violations(qs: QuerySet[Violation], filters: AnalyticsFilters) -> QuerySet[Violation]:
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.policy:
        qs = qs.filter(policy=filters.policy)
    if filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee_id=filters.assignee)
    return qs


def decided_appeals(
    organization: Organization, start: datetime, end: datetime, filters: AnalyticsFilters
) -> QuerySet[Appeal]:
    """Appeals decided (reversed, partially reversed, upheld) in [start, end); uses (organization, decided_at)."""
    qs = Appeal.objects.filter(
        organization=organization, decided_at__gte=start, decided_at__lt=end, status__in=DECIDED
    ).order_by()
    return _filter_appeals(qs, filters)


# --- Expressions shared by the aggregates and the drill-down list -------------------------------------------


def _evidence_count() -> Coalesce:
    count = (
        Evidence.objects.filter(appeal=OuterRef("pk")).order_by().values("appeal").annotate(c=Count("id")).values("c")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def _band_q(field: str, low: int, high: int | None) -> Q:
    q = Q(**{f"{field}__gte": low})
    if high is not None:
        q &= Q(**{f"{field}__lte": high})
    return q


def _notice_q(low: int, high: int | None) -> Q:
    """Whole days from notice to submission within [low, high] (the first band also takes negative days)."""
    q = Q(notice_days__gte=low) if low > 0 else Q(notice_days__isnull=False)
    if high is not None:
        q &= Q(notice_days__lte=high)
    return q


def _dimension_q(dimension: str, key: str, *, grouped: bool = False) -> Q | None:
    """The Q for one band of one fixed dimension (needs the ev_count annotation for ev_band).

    grouped: the queryset carries per-appeal evidence counts by type (ev_image, ...) from a GROUP BY.
    """
    if dimension == "round":
        return {"first": Q(round=1), "follow_up": Q(round__gte=2)}.get(key)
    if dimension == "ev_band":
        for k, _label, low, high in stats.EVIDENCE_BANDS:
            if k == key:
                return _band_q("ev_count", low, high)
    if dimension == "readiness":
        if key == stats.READINESS_NOT_SCORED[0]:
            return Q(readiness_score__isnull=True)
        for k, _label, low, high in stats.READINESS_BANDS:
            if k == key:
                return _band_q("readiness_score", low, high)
    if dimension == "notice":
        for k, _label, low, high in stats.NOTICE_BANDS:
            if k == key:
                return _notice_q(low, high)
    if dimension == "ev_type" and key in EVIDENCE_TYPE_LABELS:
        if grouped:
            return Q(**{f"ev_{key}__gt": 0})
        return Q(Exists(Evidence.objects.filter(appeal=OuterRef("pk"), category=key)))
    return None


FIXED_DIMENSIONS: dict[str, list[tuple[str, str]]] = {
    "round": ROUND_CHOICES,
    "ev_band": [(k, label) for k, label, _, _ in stats.EVIDENCE_BANDS],
    "readiness": [(k, label) for k, label, _, _ in stats.READINESS_BANDS] + [stats.READINESS_NOT_SCORED],
    "notice": [(k, label) for k, label, _, _ in stats.NOTICE_BANDS],
    # An appeal counts once in each evidence type it has.
    "ev_type": list(Evidence.Category.choices),
}


def _local_date(value: date | datetime, tz: ZoneInfo) -> date:
    # TruncDate returns a date on both backends; be tolerant of a datetime anyway.
    if isinstance(value, datetime):
        return (value.astimezone(tz) if value.tzinfo else value).date()
    return value


# --- Decided appeals: one scan for every rate ------------------------------------------------------------------

# Columns of the (organization, decided_at) covering index the decided appeals are counted by, per dashboard
# dimension; "period" is the decided week or month and "days" the business days to decision.
FACT_COLUMNS = {
    "round": "round",
    "readiness": "readiness_score",
    "notice": "notice_days",
    "ev_band": "evidence_count",
    "ev_type": "evidence_categories",
    "kind": "violation_kind",
    "policy": "violation_policy",
    "account": "violation_account_id",
    "assignee": "violation_assignee_id",
    "days": "decision_business_days",
    "period": "period",
}
# The PostgreSQL grouping sets: dimensions with few values share a set, as each hash per row costs about as much
# as the scan itself (5 sets of ~4k groups in all: ~40% faster than one per dimension, each with the status).
FACT_GROUPING_SETS = [
    ("round", "evidence_count", "evidence_categories"),
    ("readiness_score", "notice_days"),
    ("violation_kind", "violation_policy", "violation_assignee_id"),
    ("violation_account_id",),
    ("decision_business_days", "period"),
]


def _band_keys(dimension: str, value: Any) -> list[Any]:
    """The dashboard keys a stored value counts under in one dimension (none, one, or one per evidence type)."""
    if dimension == "round":
        return ["all", "first" if value == 1 else "follow_up"]
    if dimension == "readiness":
        key = stats.READINESS_NOT_SCORED[0] if value is None else stats.band_for(value, stats.READINESS_BANDS)
        return [key] if key else []
    if dimension == "notice":
        key = stats.notice_band(value)
        return [key] if key else []
    if dimension == "ev_band":
        return [stats.evidence_band(value)]
    if dimension == "ev_type":
        return [key for key in EVIDENCE_TYPE_LABELS if value & Evidence.CATEGORY_BITS[key]]
    if dimension == "assignee":
        return [value or "none"]
    return [value]


@dataclass
class DecidedFacts:
    """Decided appeals counted by dimension: (decided, reversed, partially reversed) per key."""

    sums: dict[str, dict[Any, list[int]]]
    decision_days: dict[int, int]
    account_names: dict[int, str]
    assignee_names: dict[Any, str]

    def totals(self, dimension: str) -> dict[Any, list[int]]:
        return self.sums.get(dimension, {})


def _decided_facts(
    decided: QuerySet[Appeal] | list[QuerySet[Appeal]], period: PeriodOf, rollup: tuple[str, list] | None = None
) -> DecidedFacts:
    """Count the decided appeals (and the reversed and partially reversed) per FACT_COLUMNS dimension, in one query.

    PostgreSQL: GROUP BY GROUPING SETS (FACT_GROUPING_SETS), a few small hashes over one index-only scan, with
    the account and assignee names looked up per group. Other databases: one GROUP BY over every column;
    each group then counts once in each dimension, which sums to the same figures.
    """
    columns = list(FACT_COLUMNS.values())
    # Several querysets (the days around the rollups' months on PostgreSQL): each its own index range, UNION ALL.
    parts = [qs.annotate(period=period.expression) for qs in (decided if isinstance(decided, list) else [decided])]
    base = parts[0]
    outcomes = [Appeal.Status.REVERSED, Appeal.Status.PARTIALLY_REVERSED]
    rows: list[tuple]
    if connection.vendor == "postgresql":
        # With the rollups, the appeals of an edge are grouped by the rollups' own sets (their GROUPING() mask as the
        # rollups store it: the period's bit set), so that the outer GROUP BY merges each of their groups with the
        # rollups' rows of the same set and value (Python sums ~560 rows, not ~11,000); their periods come from
        # appeals_decidedday, as every day of the range.
        counted_columns = ROLLUP_COLUMNS if rollup else columns
        compiled = [part.values("status", *counted_columns).query.sql_with_params() for part in parts]
        inner_sql = " UNION ALL ".join(f"({sql})" for sql, _ in compiled)
        params = tuple(p for _, part_params in compiled for p in part_params)
        rollup_sql, rollup_params = rollup or ("", [])
        listed = ", ".join(columns)
        grouping = ROLLUP_GROUPING_SETS if rollup else FACT_GROUPING_SETS
        sets = ", ".join(f"({', '.join(group)})" for group in grouping)
        mask = f"GROUPING({', '.join(counted_columns)}) * 2 + 1" if rollup else f"GROUPING({listed})"
        selected = f"{', '.join(counted_columns)}, NULL::integer AS period" if rollup else listed
        counted = (
            f"SELECT {mask} AS grouped, {selected}, COUNT(*) AS n, "
            f"COUNT(*) FILTER (WHERE status = %s) AS rev, COUNT(*) FILTER (WHERE status = %s) AS part "
            f"FROM ({inner_sql}) AS d GROUP BY GROUPING SETS ({sets}){rollup_sql}"
        )
        if rollup:
            counted = (
                f"SELECT grouped, {listed}, sum(n)::bigint AS n, sum(rev)::bigint AS rev, sum(part)::bigint AS part "
                f"FROM ({counted}) AS u "
                f"GROUP BY grouped, {listed} HAVING sum(n) <> 0"
            )
        account, user = Account._meta.db_table, User._meta.db_table
        # Names by primary key per group (~4k lookups): the planner expects ~50x more groups and would hash
        # every account and user of the database for a join.
        sql = (
            f"SELECT f.*, (SELECT a.name FROM {account} a WHERE a.id = f.violation_account_id), "
            f"(SELECT u.full_name FROM {user} u WHERE u.id = f.violation_assignee_id), "
            f"(SELECT u.email FROM {user} u WHERE u.id = f.violation_assignee_id) FROM ({counted}) AS f"
        )
        # The same database the ORM reads from here (the replica when the dashboard may use it).
        with connections[read_alias()].cursor() as cursor:
            cursor.execute(sql, [*outcomes, *params, *rollup_params])
            rows = cursor.fetchall()
    else:
        rows = [
            (0, *row)
            for row in base.values(*columns)
            .annotate(
                n=Count("*"),
                rev=Count("status", filter=Q(status=outcomes[0])),
                part=Count("status", filter=Q(status=outcomes[1])),
            )
            .values_list(
                *columns,
                "n",
                "rev",
                "part",
                "violation_account__name",
                "violation_assignee__full_name",
                "violation_assignee__email",
            )
            .order_by()
        ]
    dimensions = list(FACT_COLUMNS)
    last = len(dimensions) - 1
    sums: dict[str, dict[Any, list[int]]] = {d: {} for d in dimensions}
    decision_days: dict[int, int] = defaultdict(int)
    account_names: dict[int, str] = {}
    assignee_names: dict[Any, str] = {}
    # The dimensions each grouping set fills, and the keys of each value, worked out once (~4k rows).
    dimensions_of: dict[int, list[tuple[int, str]]] = {}
    keys_of: dict[tuple[str, Any], list[Any]] = {}
    for grouped, *values, n, rev, part, account_name, full_name, email in rows:
        if grouped not in dimensions_of:
            dimensions_of[grouped] = [(i, d) for i, d in enumerate(dimensions) if not grouped >> (last - i) & 1]
        for i, dimension in dimensions_of[grouped]:
            value = values[i]
            if dimension == "days":
                if value is not None:
                    decision_days[value] += n
                continue
            keys = keys_of.get((dimension, value))
            if keys is None:
                keys = [period.start(value)] if dimension == "period" else _band_keys(dimension, value)
                keys_of[(dimension, value)] = keys
            for key in keys:
                total = sums[dimension].setdefault(key, [0, 0, 0])
                total[0] += n
                total[1] += rev
                total[2] += part
            if dimension == "account" and value is not None:
                account_names[value] = account_name
            elif dimension == "assignee" and value is not None:
                assignee_names[value] = full_name or email
    return DecidedFacts(sums, decision_days, account_names, assignee_names)


def _decided_sources(
    organization: Organization,
    decided: QuerySet[Appeal],
    date_from: date,
    date_to: date,
    filters: AnalyticsFilters,
    periods: list[date],
    granularity: str,
) -> tuple[QuerySet[Appeal] | list[QuerySet[Appeal]], PeriodOf, tuple[str, list] | None]:
    """What _decided_facts counts: every decided appeal of the range, or on PostgreSQL without filters the rollups
    (appeals.selectors.analytics_rollups): the whole months, each edge's month when its days outside the range have
    no decision, and the days of the range for the trend; the appeals only of an edge whose month has decisions
    outside the range (the check is in the query, so each edge is read from one side only)."""
    period = PeriodOf.of("decided_at", periods, organization.zoneinfo, granularity)
    span = RollupSpan.of(date_from, date_to)
    if connection.vendor != "postgresql" or filters.params() or span is None:
        return decided, period, None
    outside = []
    for first, last in span.edges(date_from, date_to):
        month, next_month = edge_month(first, last)
        params = outside_decided_params(organization.pk, month, next_month, first, last)
        # One queryset per edge, so each reads its own slice of the (organization, decided_at) index, or nothing.
        outside.append(
            decided_appeals(organization, *local_range(organization, first, last), filters).filter(
                RawSQL(outside_decided_sql(), params, output_field=BooleanField())
            )
        )
    if not outside:  # the whole range is in the rollups: an empty range keeps the query's shape
        start = local_range(organization, date_from, date_from)[0]
        outside = [decided_appeals(organization, start, start, filters)]
    return outside, period, rollup_sql(organization.pk, span, periods, date_from, date_to)


def _time_to_decision(organization: Organization, decision_days: Mapping[int, int]) -> dict[str, Any]:
    """Median, p90 and share within the review window of the stored business days to decision."""
    window = organization.review_business_days
    result: dict[str, Any] = {"count": 0, "median": None, "p90": None, "within_window": None, "window": window}
    weighted = {days: n for days, n in decision_days.items() if n}
    if not weighted:
        return result
    total = sum(weighted.values())
    within = sum(n for days, n in weighted.items() if days <= window)
    result.update(
        count=total,
        median=stats.weighted_percentile(weighted.items(), 0.5),
        p90=stats.weighted_percentile(weighted.items(), 0.9),
        within_window=within,
        within_window_share=within / total,
        distribution=sorted(weighted.items()),
    )
    return result


# --- Volume ---------------------------------------------------------------------------------------------------


def _periods(start_day: date, end_day: date, granularity: str) -> list[date]:
    """Every week (Monday) or month start from the one holding start_day to the one holding end_day."""
    if granularity == "month":
        current = start_day.replace(day=1)
        out = []
        while current <= end_day:
            out.append(current)
            current = (current + timedelta(days=32)).replace(day=1)
        return out
    current = start_day - timedelta(days=start_day.weekday())
    out = []
    while current <= end_day:
        out.append(current)
        current += timedelta(days=7)
    return out


def _period_start(day: date, granularity: str) -> date:
    return day.replace(day=1) if granularity == "month" else day - timedelta(days=day.weekday())


def _period_end(period: date, granularity: str) -> date:
    if granularity == "month":
        return (period + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return period + timedelta(days=6)


@dataclass(frozen=True)
class PeriodOf:
    """The week or month (its first day) of a timestamp column, as a database expression and back.

    PostgreSQL: width_bucket over the periods' local midnights (a binary search per row instead of a timezone
    conversion); the bucket number is turned into the period here. Other databases: Trunc in the timezone.
    """

    expression: Any
    periods: list[date]
    tz: ZoneInfo

    @classmethod
    def of(cls, field: str, periods: list[date], tz: ZoneInfo, granularity: str) -> PeriodOf:
        if connection.vendor == "postgresql":
            starts = [datetime.combine(p, time.min, tzinfo=tz) for p in periods]
            expression = Func(F(field), Value(starts), function="width_bucket", output_field=IntegerField())
        else:
            expression = (TruncMonth if granularity == "month" else TruncWeek)(field, tzinfo=tz)
        return cls(expression, periods, tz)

    def start(self, value: Any) -> date:
        if isinstance(value, int):
            return self.periods[value - 1]
        return _local_date(value, self.tz)


def _volume(rows: list[tuple[Any, str, int]], period: PeriodOf) -> tuple[list[dict[str, Any]], list[str]]:
    counts: dict[tuple[date, str], int] = defaultdict(int)
    kinds: set[str] = set()
    for value, kind, n in rows:
        counts[(period.start(value), kind)] += n
        kinds.add(kind)
    ordered = [k for k in KIND_LABELS if k in kinds] + sorted(kinds - set(KIND_LABELS))
    table = []
    for start in period.periods:
        by_kind = {k: counts.get((start, k), 0) for k in ordered}
        table.append({"period": start, "by_kind": by_kind, "total": sum(by_kind.values())})
    return table, ordered


# --- Volume and penalty points: from the rollups on PostgreSQL when the filters are ones they keep -----------------


def _rollup_rows(sql_params: tuple[str, list]) -> list[tuple]:
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(*sql_params)
        return cursor.fetchall()


def _rollups_readable(rollups: bool) -> bool:
    """rollups=False counts from the raw rows (what tests/test_analytics_rollups.py compares the rollups with)."""
    return rollups and connections[read_alias()].vendor == "postgresql"


def _violations_received(
    organization: Organization,
    start: datetime,
    end: datetime,
    filters: AnalyticsFilters,
    period: PeriodOf,
    date_from: date,
    date_to: date,
    *,
    rollups: bool = True,
) -> list[tuple[Any, str, int]]:
    """(period, kind, count) of the violations enforced in the range: appeals_violationday keeps every local day
    and kind (so the kind filter too), the other filters count from the violations."""
    if _rollups_readable(rollups) and not (filters.account or filters.policy or filters.assignee):
        sql = volume_sql("violations", organization.pk, date_from, date_to, period.periods, filters.kind)
        return _rollup_rows(sql)
    return list(
        _filter_violations(
            Violation.objects.filter(organization=organization, enforced_at__gte=start, enforced_at__lt=end), filters
        )
        .annotate(period=period.expression)
        .values("period", "kind")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("period", "kind", "n")
    )


def _appeals_submitted(
    organization: Organization,
    start: datetime,
    end: datetime,
    filters: AnalyticsFilters,
    period: PeriodOf,
    date_from: date,
    date_to: date,
    *,
    rollups: bool = True,
) -> list[tuple[Any, str, int]]:
    """(period, violation kind, count) of the appeals submitted in the range (appeals_submittedday, as above)."""
    if _rollups_readable(rollups) and not (filters.account or filters.policy or filters.assignee or filters.round):
        sql = volume_sql("submitted", organization.pk, date_from, date_to, period.periods, filters.kind)
        return _rollup_rows(sql)
    return list(
        _filter_appeals(
            Appeal.objects.filter(organization=organization, submitted_at__gte=start, submitted_at__lt=end), filters
        )
        .annotate(period=period.expression)
        .values("period", "violation_kind")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("period", "violation_kind", "n")
    )


def _penalty_points(
    organization: Organization, expiry_start: datetime, filters: AnalyticsFilters, *, rollups: bool = True
) -> list[dict[str, Any]]:
    """Points not cleared of violations enforced since expiry_start, per account, most first (appeals_pointsday
    keeps accounts, not kinds or policies)."""
    keys = ("id", "name", "external_id", "kind", "points", "cases")
    if _rollups_readable(rollups) and not (filters.kind or filters.policy):
        return [
            dict(zip(keys, row, strict=True))
            for row in _rollup_rows(points_sql(organization.pk, expiry_start, filters.account))
        ]
    # From the violation side, so the (organization, enforced_at) index bounds the scan to the expiry window.
    points_qs = _filter_violations(
        Violation.objects.filter(
            organization=organization, enforced_at__gte=expiry_start, points_cleared=False, penalty_points__gt=0
        ),
        AnalyticsFilters(account=filters.account, kind=filters.kind, policy=filters.policy),
    )
    rows = (
        points_qs.values("account_id", "account__name", "account__external_id", "account__kind")
        .annotate(points=Sum("penalty_points"), cases=Count("id"))
        .order_by("-points", "account__name")
        .values_list("account_id", "account__name", "account__external_id", "account__kind", "points", "cases")
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _judged(rows: list[dict[str, Any]]) -> int:
    return sum(1 for r in rows if not r["rate"].too_few)


def _success_trend_shown(
    decided: QuerySet[Appeal], trend: list[dict[str, Any]], date_from: date, date_to: date, granularity: str, tz
) -> dict[str, Any]:
    """The success trend as the dashboard draws it: per week while at least two weeks have enough decisions
    to judge, otherwise per month (one small extra query, only then: a trend of weeks with fewer than
    stats.MIN_SAMPLE decisions each would be bare axes). `judged` counts the periods that get a point."""
    if granularity == "month" or _judged(trend) >= 2:
        return {"granularity": granularity, "rows": trend, "judged": _judged(trend), "fallback": False}
    months = _periods(date_from, date_to, "month")
    period = PeriodOf.of("decided_at", months, tz, "month")
    counts: dict[date, list[int]] = {}
    grouped = decided.annotate(period=period.expression).values("period", "status").annotate(n=Count("*"))
    for value, status, n in grouped.order_by().values_list("period", "status", "n"):
        total = counts.setdefault(period.start(value), [0, 0, 0])
        total[0] += n
        total[1] += n if status == Appeal.Status.REVERSED else 0
        total[2] += n if status == Appeal.Status.PARTIALLY_REVERSED else 0
    rows = [{"period": p, "rate": stats.Rate(*counts.get(p, (0, 0, 0)))} for p in months]
    return {"granularity": "month", "rows": rows, "judged": _judged(rows), "fallback": True}


# --- The summary ------------------------------------------------------------------------------------------------


def _query(base: Mapping[str, str], **extra: Any) -> str:
    return urlencode({**base, **{k: v for k, v in extra.items() if v not in (None, "")}})


# PostgreSQL planner settings for the dashboard's aggregates. The planner guesses each grouping set of
# _decided_facts far larger than it is (~165k groups for ~1k), so at the default work_mem it sorts and spills
# instead of hashing (3x slower); the hashes really take a few MB. JIT compilation costs more than it saves on
# these one-pass aggregates, and so do parallel workers (the facts over the rollups, ~15k rows, planned parallel:
# starting the workers cost more than the work).
DASHBOARD_PG_SETTINGS = {"jit": "off", "enable_sort": "off", "work_mem": "64MB", "max_parallel_workers_per_gather": "0"}


@contextmanager
def _planner_settings() -> Iterator[None]:
    """SET LOCAL the DASHBOARD_PG_SETTINGS for the queries inside (one query; none on other databases).

    Runs in its own transaction when there is none; inside a caller's transaction the previous values are put
    back on the way out (one more query), so nothing leaks into the rest of the caller's work.
    """
    alias = read_alias()
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    names = list(DASHBOARD_PG_SETTINGS)
    nested = connection.in_atomic_block
    with transaction.atomic(using=alias, savepoint=False):  # read-only: nothing to roll back to
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT "
                + ", ".join("current_setting(%s)" for _ in names)
                + ", "
                + ", ".join("set_config(%s, %s, true)" for _ in names),
                [*names, *[v for name in names for v in (name, DASHBOARD_PG_SETTINGS[name])]],
            )
            previous = cursor.fetchone()[: len(names)]
        try:
            yield
        finally:
            if nested and connection.is_usable():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
                        [v for name, old in zip(names, previous, strict=True) for v in (name, old)],
                    )


def analytics_dashboard(
    organization: Organization,
    date_from: date,
    date_to: date,
    filters: AnalyticsFilters | Mapping[str, Any] | None = None,
    *,
    granularity: str = "week",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the dashboard shows, as Python objects (Rate, date). Fixed number of queries."""
    with _planner_settings():
        return _analytics_dashboard(organization, date_from, date_to, filters, granularity=granularity, now=now)


def _analytics_dashboard(
    organization: Organization,
    date_from: date,
    date_to: date,
    filters: AnalyticsFilters | Mapping[str, Any] | None,
    *,
    granularity: str,
    now: datetime | None,
) -> dict[str, Any]:
    if not isinstance(filters, AnalyticsFilters):
        filters = AnalyticsFilters.from_mapping(filters)
    granularity = "month" if granularity == "month" else "week"
    now = now or timezone.now()
    tz = organization.zoneinfo
    start, end = local_range(organization, date_from, date_to)
    base = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), **filters.params()}
    decided = decided_appeals(organization, start, end, filters)

    # 1-3. Every rate, time to decision and the success trend: one scan of the (organization, decided_at) covering
    #      index, counted per status and each dimension (see _decided_facts), rolled up here.
    periods = _periods(date_from, date_to, granularity)
    facts = _decided_facts(*_decided_sources(organization, decided, date_from, date_to, filters, periods, granularity))
    overall = stats.Rate(*facts.totals("round").get("all", (0, 0, 0)))
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for dimension, choices in FIXED_DIMENSIONS.items():
        sums = facts.totals(dimension)
        breakdowns[dimension] = [
            {
                "key": key,
                "label": label,
                "rate": stats.Rate(*sums.get(key, (0, 0, 0))),
                "drill": _query(base, **{dimension: key}),
            }
            for key, label in choices
        ]

    def rollup(dimension: str, label_of, param: str) -> list[dict[str, Any]]:
        rows = [
            {
                "key": key,
                "label": label_of(key),
                "rate": stats.Rate(*sums),
                "drill": _query(base, **{param: key}),
            }
            for key, sums in facts.totals(dimension).items()
        ]
        rows.sort(key=lambda r: (-r["rate"].decided, str(r["label"]).lower()))
        return rows

    breakdowns["kind"] = rollup("kind", lambda k: KIND_LABELS.get(k, k), "kind")
    breakdowns["policy"] = rollup("policy", lambda k: k or "(none)", "policy")
    breakdowns["account"] = rollup("account", lambda k: facts.account_names.get(k), "account")
    breakdowns["assignee"] = rollup("assignee", lambda k: facts.assignee_names.get(k) or "Unassigned", "assignee")
    time_to_decision = _time_to_decision(organization, facts.decision_days)
    trend = facts.totals("period")
    success_trend = [{"period": p, "rate": stats.Rate(*trend.get(p, (0, 0, 0)))} for p in periods]
    success_trend_shown = _success_trend_shown(decided, success_trend, date_from, date_to, granularity, tz)

    # 4. Overdue now (not limited by the date range: it is about today).
    overdue_qs = _filter_appeals(
        Appeal.objects.filter(organization=organization, status=Appeal.Status.UNDER_REVIEW, due_at__lt=now), filters
    )
    # The total rides along as a window count over every overdue appeal (computed before the LIMIT): one query.
    overdue_list = list(
        overdue_qs.select_related("violation__account", "violation__assignee")
        .annotate(overdue_total=Window(Count("id")))
        .order_by("due_at", "id")[:OVERDUE_LIST_LIMIT]
    )
    overdue_count = overdue_list[0].overdue_total if overdue_list else 0

    # 5. Volume per week or month by kind, and 6. penalty points outstanding per shop (not cleared, not expired).
    enforced_period = PeriodOf.of("enforced_at", periods, tz, granularity)
    submitted_period = PeriodOf.of("submitted_at", periods, tz, granularity)
    violation_rows = _violations_received(organization, start, end, filters, enforced_period, date_from, date_to)
    appeal_rows = _appeals_submitted(organization, start, end, filters, submitted_period, date_from, date_to)
    violations_volume, violation_kinds = _volume(violation_rows, enforced_period)
    appeals_volume, appeal_kinds = _volume(appeal_rows, submitted_period)
    for table in (violations_volume, appeals_volume):
        for row in table:
            row["from"] = max(row["period"], date_from)
            row["to"] = min(_period_end(row["period"], granularity), date_to)
    penalty_points = _penalty_points(
        organization, now - timedelta(days=organization.penalty_point_expiry_days), filters
    )

    return {
        "date_from": date_from,
        "date_to": date_to,
        "filters": filters,
        "granularity": granularity,
        "base_query": _query(base),
        "overall": overall,
        "breakdowns": breakdowns,
        "success_trend": success_trend,
        "success_trend_shown": success_trend_shown,
        "time_to_decision": time_to_decision,
        "overdue_count": overdue_count,
        "overdue": overdue_list,
        "violations_volume": violations_volume,
        "violation_kinds": violation_kinds,
        "appeals_volume": appeals_volume,
        "appeal_kinds": appeal_kinds,
        "penalty_points": penalty_points,
        "penalty_point_expiry_days": organization.penalty_point_expiry_days,
    }


def filter_choices(organization: Organization) -> dict[str, list[tuple[str, str]]]:
    """Options for the filter form: accounts and people of the organization (two queries)."""
    accounts = [
        (str(pk), name) for pk, name in Account.objects.filter(organization=organization).values_list("id", "name")
    ]
    people = [
        (str(m.user_id), m.user.display_name)
        for m in Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")
    ]
    return {"accounts": accounts, "assignees": [("none", "Unassigned"), *people]}


BREAKDOWN_TITLES = {
    "kind": "Violation kind",
    "policy": "Policy cited",
    "account": "Account",
    "assignee": "Assignee",
    "round": "Round",
    "ev_band": "Evidence files",
    "ev_type": "Evidence type",
    "readiness": "Readiness score",
    "notice": "Days from notice to submission",
}


def analytics_summary(
    organization: Organization,
    date_from: date | None = None,
    date_to: date | None = None,
    filters: AnalyticsFilters | Mapping[str, Any] | None = None,
    *,
    granularity: str = "week",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The dashboard as a JSON-able dict (for GET /api/v1/analytics/summary)."""
    if date_from is None or date_to is None:
        default_from, default_to = default_range(organization)
        date_from, date_to = date_from or default_from, date_to or default_to
    data = analytics_dashboard(organization, date_from, date_to, filters, granularity=granularity, now=now)
    ttd = data["time_to_decision"]
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "timezone": organization.timezone,
        "filters": data["filters"].params(),
        "granularity": data["granularity"],
        "success_rate": data["overall"].as_dict(),
        "breakdowns": {
            name: [{"key": str(r["key"]), "label": r["label"], **r["rate"].as_dict()} for r in rows]
            for name, rows in data["breakdowns"].items()
        },
        "success_trend": [{"period": r["period"].isoformat(), **r["rate"].as_dict()} for r in data["success_trend"]],
        "time_to_decision": {
            "decided": ttd["count"],
            "median_business_days": ttd["median"],
            "p90_business_days": ttd["p90"],
            "review_business_days": ttd["window"],
            "within_review_window": ttd["within_window"] or 0,
            "within_review_window_share": None if not ttd["count"] else round(ttd["within_window"] / ttd["count"], 4),
        },
        "overdue_now": {
            "count": data["overdue_count"],
            "appeals": [
                {
                    "appeal_id": a.pk,
                    "violation_id": a.violation_id,
                    "reference": a.violation.reference,
                    "account": a.violation.account.name,
                    "round": a.round,
                    "due_at": a.due_at.isoformat(),
                }
                for a in data["overdue"]
            ],
        },
        "volume": {
            "violations_received": [
                {"period": r["period"].isoformat(), "total": r["total"], "by_kind": r["by_kind"]}
                for r in data["violations_volume"]
            ],
            "appeals_submitted": [
                {"period": r["period"].isoformat(), "total": r["total"], "by_kind": r["by_kind"]}
                for r in data["appeals_volume"]
            ],
        },
        "penalty_points_outstanding": [
            {"account_id": r["id"], "account": r["name"], "points": r["points"], "cases": r["cases"]}
            for r in data["penalty_points"]
        ],
    }


def appeals_for_drilldown(
    organization: Organization,
    date_from: date,
    date_to: date,
    filters: AnalyticsFilters,
    *,
    basis: str = "decided",
    dimensions: Mapping[str, str] | None = None,
    outcome: str = "",
    now: datetime | None = None,
) -> QuerySet[Appeal]:
    """The appeals behind one dashboard number, newest first.

    basis: "decided" (decided in the range), "submitted" (submitted in the range) or "overdue" (now).
    dimensions: ev_band / ev_type / readiness / notice / round band keys, as in the dashboard links.
    """
    start, end = local_range(organization, date_from, date_to)
    base = Appeal.objects.filter(organization=organization)
    if basis == "overdue":
        qs = base.filter(status=Appeal.Status.UNDER_REVIEW, due_at__lt=now or timezone.now()).order_by("due_at")
    elif basis == "submitted":
        qs = base.filter(submitted_at__gte=start, submitted_at__lt=end).order_by("-submitted_at")
    else:
        qs = base.filter(decided_at__gte=start, decided_at__lt=end, status__in=DECIDED).order_by("-decided_at")
    qs = _filter_appeals(qs, filters)
    if outcome in {s.value for s in Appeal.Status}:
        qs = qs.filter(status=outcome)
    dimensions = dimensions or {}
    if dimensions.get("ev_band"):
        qs = qs.annotate(ev_count=_evidence_count())
    for dimension in ("round", *DRILL_DIMENSIONS):
        key = dimensions.get(dimension)
        if key:
            q = _dimension_q(dimension, key)
            qs = qs.filter(q) if q is not None else qs.none()
    return qs.select_related("violation__account", "violation__assignee").annotate(
        evidence_files=Coalesce(_evidence_count(), Value(0)),
        outcome_label=Case(
            *[When(status=s.value, then=Value(s.label)) for s in Appeal.Status],
            default=Value(""),
            output_field=CharField(),
        ),
    )
