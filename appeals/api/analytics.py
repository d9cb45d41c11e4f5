from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from appeals.api.base import ERRORS, ApiDate, ApiProblem, ApiQuery, require_role
from appeals.selectors.analytics import AnalyticsFilters, analytics_summary
from core.models import Role

router = Router(tags=["analytics"])


class Rate(Schema):
    decided: int
    reversed: int
    partially_reversed: int
    upheld: int
    success_rate: float | None = Field(..., description="(reversed + ½ partially reversed) / decided")
    interval_low: float | None = Field(..., description="95% Wilson interval, low end")
    interval_high: float | None
    too_few_to_judge: bool


class BreakdownRow(Rate):
    key: str
    label: str


class TrendRow(Rate):
    period: date


class TimeToDecision(Schema):
    decided: int
    median_business_days: float | None
    p90_business_days: float | None
    review_business_days: int
    within_review_window: int
    within_review_window_share: float | None


class OverdueAppeal(Schema):
    appeal_id: int
    violation_id: int
    reference: str
    account: str
    round: int
    due_at: str


class Overdue(Schema):
    count: int
    appeals: list[OverdueAppeal]


class VolumeRow(Schema):
    period: date
    total: int
    by_kind: dict[str, int]


class Volume(Schema):
    violations_received: list[VolumeRow]
    appeals_submitted: list[VolumeRow]


class Points(Schema):
    account_id: int
    account: str
    points: int
    cases: int


class Summary(Schema):
    date_from: date
    date_to: date
    timezone: str
    filters: dict[str, str]
    granularity: str
    success_rate: Rate
    breakdowns: dict[str, list[BreakdownRow]]
    success_trend: list[TrendRow]
    time_to_decision: TimeToDecision
    overdue_now: Overdue
    volume: Volume
    penalty_points_outstanding: list[Points]


class SummaryQuery(ApiQuery):
    date_from: ApiDate | None = Field(None, alias="from", description="First local day (default: 90 days ago)")
    date_to: ApiDate | None = Field(None, alias="to", description="Last local day, inclusive (default: today)")
    account: int | None = None
    kind: str | None = Field(None, max_length=32)
    policy: str | None = Field(None, max_length=255)
    assignee: int | None = None
    round: str | None = Field(None, pattern="^(first|follow_up)$")
    granularity: str = Field("week", pattern="^(week|month)$")


@router.get("/analytics/summary", response={200: Summary, **ERRORS}, summary="Success rates and time to decision")
def analytics(request: HttpRequest, query: Query[SummaryQuery]):
    require_role(request, Role.MANAGER)
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ApiProblem(400, "invalid", "`from` must not be after `to`.", "from")
    if query.date_from and query.date_to and (query.date_to - query.date_from).days > 3660:
        raise ApiProblem(400, "invalid", "Ask for ten years or less at a time.", "from")
    filters = AnalyticsFilters.from_mapping(
        {name: getattr(query, name) for name in ("account", "kind", "policy", "assignee", "round")}
    )
    return analytics_summary(
        request.organization,  # type: ignore[attr-defined]
        query.date_from,
        query.date_to,
        filters,
        granularity=query.granularity,
    )
