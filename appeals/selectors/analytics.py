"""Manager analytics: success rates, time to decision, volume and backlog for one organization.

Every figure is aggregated in the database (conditional Count / Sum with filter=Q, Case/When),
with a fixed number of queries whatever the data size. The only per-appeal work in Python is
turning (submitted day, decided day) pairs into business days, and those pairs come grouped
and counted from the database, so the Python side grows with the number of distinct day
pairs, not with the number of appeals.

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

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
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
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from appeals import stats
from appeals.models import Account, Appeal, Evidence, Violation, ViolationKind
from core.calendar import BusinessCalendar
from core.models import Membership, Organization

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


def _filter_appeals(qs: QuerySet, filters: AnalyticsFilters, prefix: str = "") -> QuerySet:
    """Apply the filters to appeals (or, with prefix "appeal__", to rows that belong to an appeal)."""
    p = prefix
    if filters.account:
        qs = qs.filter(**{f"{p}violation__account_id": filters.account})
    if filters.kind:
        qs = qs.filter(**{f"{p}violation__kind": filters.kind})
    if filters.policy:
        qs = qs.filter(**{f"{p}violation__policy": filters.policy})
    if filters.assignee == "none":
        qs = qs.filter(**{f"{p}violation__assignee__isnull": True})
    elif filters.assignee:
        qs = qs.filter(**{f"{p}violation__assignee_id": filters.assignee})
    if filters.round == "first":
        qs = qs.filter(**{f"{p}round": 1})
    elif filters.round == "follow_up":
        qs = qs.filter(**{f"{p}round__gte": 2})
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
    # violation__organization is always the appeal's organization; saying so lets PostgreSQL read only this
    # organization's violations through (organization, enforced_at) for the joins instead of every violation.
    qs = Appeal.objects.filter(
        organization=organization,
        violation__organization=organization,
        decided_at__gte=start,
        decided_at__lt=end,
        status__in=DECIDED,
    ).order_by()
    return _filter_appeals(qs, filters)


# --- Expressions shared by the aggregates and the drill-down list -------------------------------------------


def _evidence_count() -> Coalesce:
    count = (
        Evidence.objects.filter(appeal=OuterRef("pk")).order_by().values("appeal").annotate(c=Count("id")).values("c")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def _notice_delta(tz: ZoneInfo) -> ExpressionWrapper:
    """Calendar days from the notice's local date to the submission's local date."""
    return ExpressionWrapper(
        TruncDate("submitted_at", tzinfo=tz) - TruncDate("violation__enforced_at", tzinfo=tz),
        output_field=DurationField(),
    )


def _days(delta: timedelta | int | float) -> int:
    """Whole days of a DurationField value (a timedelta; microseconds on backends without intervals)."""
    if isinstance(delta, timedelta):
        return delta.days
    return int(delta // 86_400_000_000)


def _band_q(field: str, low: int, high: int | None) -> Q:
    q = Q(**{f"{field}__gte": low})
    if high is not None:
        q &= Q(**{f"{field}__lte": high})
    return q


def _notice_q(low: int, high: int | None) -> Q:
    """Whole days from notice to submission within [low, high]: delta in [low days, (high + 1) days)."""
    q = Q(notice_delta__gte=timedelta(days=low)) if low > 0 else Q(notice_delta__isnull=False)
    if high is not None:
        q &= Q(notice_delta__lt=timedelta(days=high + 1))
    return q


def _dimension_q(dimension: str, key: str, *, grouped: bool = False) -> Q | None:
    """The Q for one band of one fixed dimension (needs ev_count / notice_delta annotations).

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


def _rate_aggregates(
    prefix: str, condition: Q | None, *, status: str = "status", count: str = "id"
) -> dict[str, Count]:
    def c(extra: Q | None) -> Count:
        parts = [q for q in (condition, extra) if q is not None]
        if not parts:
            return Count(count)
        combined = parts[0]
        for part in parts[1:]:
            combined &= part
        return Count(count, filter=combined)

    return {
        f"{prefix}__n": c(None),
        f"{prefix}__rev": c(Q(**{status: Appeal.Status.REVERSED})),
        f"{prefix}__part": c(Q(**{status: Appeal.Status.PARTIALLY_REVERSED})),
    }


def _rate_from(row: Mapping[str, Any], prefix: str = "") -> stats.Rate:
    p = f"{prefix}__" if prefix else ""
    return stats.Rate(decided=row[f"{p}n"] or 0, reversed=row[f"{p}rev"] or 0, partial=row[f"{p}part"] or 0)


# --- Business days --------------------------------------------------------------------------------------------


class BusinessDayIndex:
    """Cumulative business-day counts over a date span: business days between two dates in O(1)."""

    def __init__(self, calendar: BusinessCalendar, first: date, last: date) -> None:
        self.first = first
        self.cumulative = [0]
        day = first
        while day < last:
            day += timedelta(days=1)
            self.cumulative.append(self.cumulative[-1] + (1 if calendar.is_business_day(day) else 0))

    def between(self, a: date, b: date) -> int:
        """Business days d with a < d <= b (a decision on the next business day counts 1)."""
        return self.cumulative[(b - self.first).days] - self.cumulative[(a - self.first).days]


def _local_date(value: date | datetime, tz: ZoneInfo) -> date:
    # TruncDate returns a date on both backends; be tolerant of a datetime anyway.
    if isinstance(value, datetime):
        return (value.astimezone(tz) if value.tzinfo else value).date()
    return value


def _time_to_decision(
    organization: Organization, decided: QuerySet[Appeal], calendar: BusinessCalendar
) -> tuple[dict[str, Any], dict[date, tuple[int, int, int]]]:
    """Median, p90 and share within the review window (business days), and (n, reversed, partial) per decided day."""
    tz = organization.zoneinfo
    pairs = list(
        decided.annotate(sub_day=TruncDate("submitted_at", tzinfo=tz), dec_day=TruncDate("decided_at", tzinfo=tz))
        .values("sub_day", "dec_day")
        .annotate(
            n=Count("*"),
            # status, not id: every column read is in the covering (organization, decided_at) index.
            rev=Count("status", filter=Q(status=Appeal.Status.REVERSED)),
            part=Count("status", filter=Q(status=Appeal.Status.PARTIALLY_REVERSED)),
        )
        .order_by()
        .values_list("sub_day", "dec_day", "n", "rev", "part")
    )
    by_decided_day: dict[date, tuple[int, int, int]] = {}
    durations: list[tuple[date, date, int]] = []
    for sub_day, dec_day, n, rev, part in pairs:
        day = _local_date(dec_day, tz)
        old = by_decided_day.get(day, (0, 0, 0))
        by_decided_day[day] = (old[0] + n, old[1] + rev, old[2] + part)
        if sub_day is not None:
            durations.append((_local_date(sub_day, tz), day, n))
    window = organization.review_business_days
    result: dict[str, Any] = {"count": 0, "median": None, "p90": None, "within_window": None, "window": window}
    if not durations:
        return result, by_decided_day
    first = min(min(a, b) for a, b, _ in durations)
    last = max(max(a, b) for a, b, _ in durations)
    index = BusinessDayIndex(calendar, first, last)
    weighted: dict[int, int] = defaultdict(int)
    for a, b, n in durations:
        weighted[max(index.between(a, b), 0) if b >= a else 0] += n
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
    return result, by_decided_day


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


def _volume(
    rows: list[tuple[Any, str, int]], periods: list[date], tz: ZoneInfo
) -> tuple[list[dict[str, Any]], list[str]]:
    counts: dict[tuple[date, str], int] = defaultdict(int)
    kinds: set[str] = set()
    for period, kind, n in rows:
        counts[(_local_date(period, tz), kind)] += n
        kinds.add(kind)
    ordered = [k for k in KIND_LABELS if k in kinds] + sorted(kinds - set(KIND_LABELS))
    table = []
    for period in periods:
        by_kind = {k: counts.get((period, k), 0) for k in ordered}
        table.append({"period": period, "by_kind": by_kind, "total": sum(by_kind.values())})
    return table, ordered


# --- The summary ------------------------------------------------------------------------------------------------


def _query(base: Mapping[str, str], **extra: Any) -> str:
    return urlencode({**base, **{k: v for k, v in extra.items() if v not in (None, "")}})


# PostgreSQL planner settings for the dashboard's aggregates. Bounding the joins to the organization's violations
# makes the planner guess ~100x too few rows (it multiplies the two organization filters), so it sorts 100k rows
# on text keys (spilling at the default work_mem) where hashing is 2-3x faster; JIT compilation costs more
# than it saves on these one-pass aggregates. Measured on 100k decided appeals: see README "Analytics speed".
DASHBOARD_PG_SETTINGS = {"jit": "off", "enable_sort": "off"}


@contextmanager
def _planner_settings() -> Iterator[None]:
    """SET LOCAL the DASHBOARD_PG_SETTINGS for the queries inside (one query; none on other databases).

    Runs in its own transaction when there is none; inside a caller's transaction the previous values are put
    back on the way out (one more query), so nothing leaks into the rest of the caller's work.
    """
    if connection.vendor != "postgresql":
        yield
        return
    names = list(DASHBOARD_PG_SETTINGS)
    nested = connection.in_atomic_block
    with transaction.atomic(savepoint=False):  # read-only: nothing to roll back to
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

    # 1. The overall figure and every fixed band (round, readiness, notice to submission, evidence count and
    #    type): one GROUP BY over the band expressions and the status (each expression computed once per row),
    #    summed per band here. The evidence count and type bit mask are stored on the appeal (kept by
    #    appeals.signals), so they are plain columns of the same GROUP BY: no evidence rows are read.
    band_cases = {
        dimension: Case(
            *[When(_dimension_q(dimension, key), then=Value(key)) for key, _label in FIXED_DIMENSIONS[dimension]],
            default=Value(""),
            output_field=CharField(),
        )
        for dimension in ("round", "readiness")
    }
    # Days from notice to submission are grouped as they are (a few dozen values) and banded here:
    # a CASE would repeat the two timezone conversions in every WHEN.
    cube = list(
        decided.annotate(notice_delta=_notice_delta(tz), **{f"band_{d}": case for d, case in band_cases.items()})
        .values("status", "notice_delta", "evidence_count", "evidence_categories", *[f"band_{d}" for d in band_cases])
        .annotate(n=Count("*"))  # COUNT(*), not COUNT(id): the covering index serves it without the table
        .order_by()
    )
    type_bits = [(key, Evidence.CATEGORY_BITS[key]) for key in EVIDENCE_TYPE_LABELS]
    totals: dict[str, int] = defaultdict(int)
    for group in cube:
        part = {Appeal.Status.REVERSED: "rev", Appeal.Status.PARTIALLY_REVERSED: "part"}.get(group["status"])
        delta = group["notice_delta"]
        notice = stats.notice_band(None if delta is None else _days(delta))
        prefixes = ["all", *[f"{d}_{group[f'band_{d}']}" for d in band_cases if group[f"band_{d}"]]]
        if notice:
            prefixes.append(f"notice_{notice}")
        prefixes.append(f"ev_band_{stats.evidence_band(group['evidence_count'])}")
        prefixes.extend(f"ev_type_{key}" for key, bit in type_bits if group["evidence_categories"] & bit)
        for prefix in prefixes:
            totals[f"{prefix}__n"] += group["n"]
            if part:
                totals[f"{prefix}__{part}"] += group["n"]
    overall = _rate_from(totals, "all")
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for dimension, choices in FIXED_DIMENSIONS.items():
        rows = []
        for key, label in choices:
            rate = _rate_from(totals, f"{dimension}_{key}")
            rows.append({"key": key, "label": label, "rate": rate, "drill": _query(base, **{dimension: key})})
        breakdowns[dimension] = rows

    rate_aggs = {
        "n": Count("*"),
        **{k.split("__")[1]: v for k, v in _rate_aggregates("x", None, count="status").items()},
    }

    # 2. Kind, policy, account and assignee: one GROUP BY over the four columns (one join instead of four),
    #    summed per column here. Each group is a distinct (kind, policy, account, assignee) of the range.
    cells = list(
        decided.values(
            "violation__kind",
            "violation__policy",
            "violation__account_id",
            "violation__account__name",
            "violation__assignee_id",
            "violation__assignee__full_name",
            "violation__assignee__email",
        ).annotate(**rate_aggs)
    )

    def rollup(key_of, label_of, drill_of) -> list[dict[str, Any]]:
        sums: dict[Any, list[int]] = {}
        labels: dict[Any, str] = {}
        for cell in cells:
            key = key_of(cell)
            total = sums.setdefault(key, [0, 0, 0])
            total[0] += cell["n"]
            total[1] += cell["rev"]
            total[2] += cell["part"]
            labels[key] = label_of(cell)
        rows = [
            {
                "key": key,
                "label": labels[key],
                "rate": stats.Rate(decided=n, reversed=rev, partial=part),
                "drill": _query(base, **drill_of(key)),
            }
            for key, (n, rev, part) in sums.items()
        ]
        rows.sort(key=lambda r: (-r["rate"].decided, str(r["label"]).lower()))
        return rows

    breakdowns["kind"] = rollup(
        lambda c: c["violation__kind"],
        lambda c: KIND_LABELS.get(c["violation__kind"], c["violation__kind"]),
        lambda k: {"kind": k},
    )
    breakdowns["policy"] = rollup(
        lambda c: c["violation__policy"], lambda c: c["violation__policy"] or "(none)", lambda k: {"policy": k}
    )
    breakdowns["account"] = rollup(
        lambda c: c["violation__account_id"], lambda c: c["violation__account__name"], lambda k: {"account": k}
    )
    breakdowns["assignee"] = rollup(
        lambda c: c["violation__assignee_id"] or "none",
        lambda c: c["violation__assignee__full_name"] or c["violation__assignee__email"] or "Unassigned",
        lambda k: {"assignee": k},
    )

    # 3. Time to decision and the success rate per period: one query grouped by (submitted day, decided day)
    #    with outcome counts, plus the calendar's closed dates.
    time_to_decision, by_decided_day = _time_to_decision(organization, decided, organization.business_calendar())
    trend_sums: dict[date, list[int]] = {}
    for day, (n, rev, part) in by_decided_day.items():
        period = _period_start(day, granularity)
        sums = trend_sums.setdefault(period, [0, 0, 0])
        sums[0] += n
        sums[1] += rev
        sums[2] += part
    success_trend = [
        {"period": p, "rate": stats.Rate(*trend_sums.get(p, (0, 0, 0)))}
        for p in _periods(date_from, date_to, granularity)
    ]

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

    # 5. Volume per week or month by kind.
    trunc = TruncMonth if granularity == "month" else TruncWeek
    periods = _periods(date_from, date_to, granularity)
    violation_rows = list(
        _filter_violations(
            Violation.objects.filter(organization=organization, enforced_at__gte=start, enforced_at__lt=end),
            filters,
        )
        .annotate(period=trunc("enforced_at", tzinfo=tz))
        .values("period", "kind")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("period", "kind", "n")
    )
    appeal_rows = list(
        _filter_appeals(
            Appeal.objects.filter(
                organization=organization,
                violation__organization=organization,
                submitted_at__gte=start,
                submitted_at__lt=end,
            ),
            filters,
        )
        .annotate(period=trunc("submitted_at", tzinfo=tz))
        .values("period", "violation__kind")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("period", "violation__kind", "n")
    )
    violations_volume, violation_kinds = _volume(violation_rows, periods, tz)
    appeals_volume, appeal_kinds = _volume(appeal_rows, periods, tz)
    for table in (violations_volume, appeals_volume):
        for row in table:
            row["from"] = max(row["period"], date_from)
            row["to"] = min(_period_end(row["period"], granularity), date_to)

    # 6. Penalty points outstanding per shop: not cleared and not yet expired.
    expiry_start = now - timedelta(days=organization.penalty_point_expiry_days)
    # From the violation side, so the (organization, enforced_at) index bounds the scan to the expiry window.
    points_qs = _filter_violations(
        Violation.objects.filter(
            organization=organization, enforced_at__gte=expiry_start, points_cleared=False, penalty_points__gt=0
        ),
        AnalyticsFilters(account=filters.account, kind=filters.kind, policy=filters.policy),
    )
    penalty_points = [
        {
            "id": r["account_id"],
            "name": r["account__name"],
            "external_id": r["account__external_id"],
            "kind": r["account__kind"],
            "points": r["points"],
            "cases": r["cases"],
        }
        for r in points_qs.values("account_id", "account__name", "account__external_id", "account__kind")
        .annotate(points=Sum("penalty_points"), cases=Count("id"))
        .order_by("-points", "account__name")
    ]

    return {
        "date_from": date_from,
        "date_to": date_to,
        "filters": filters,
        "granularity": granularity,
        "base_query": _query(base),
        "overall": overall,
        "breakdowns": breakdowns,
        "success_trend": success_trend,
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
            "within_review_window": ttd["within_window"],
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
    if dimensions.get("notice"):
        qs = qs.annotate(notice_delta=_notice_delta(organization.zoneinfo))
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
