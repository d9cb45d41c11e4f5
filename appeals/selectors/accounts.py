"""Reads for accounts: the list with case counts, and the penalty points / health milestone summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from appeals.models import Account, CaseStatus, Violation
from core.models import Organization

# Creator Health Rating levels with extra enforcement (DOMAIN.md); used when no point milestones are set.
CREATOR_HEALTH_MILESTONES = (150, 100, 50, 0)


@dataclass(frozen=True)
class Milestone:
    kind: str  # "points": the total climbs towards it; "health": the rating falls towards it
    value: int
    distance: int  # points still to go (points) / rating above it (health)

    @property
    def label(self) -> str:
        if self.kind == "points":
            return f"{self.value} points ({self.distance} to go)"
        return f"health rating {self.value} ({self.distance} above it)"


@dataclass(frozen=True)
class PointsSummary:
    outstanding_points: int
    counts_by_status: dict[str, int] = field(default_factory=dict)
    next_milestone: Milestone | None = None

    @property
    def total_violations(self) -> int:
        return sum(self.counts_by_status.values())

    def status_rows(self) -> list[tuple[str, str, int]]:
        """(status value, label, count) in CaseStatus order, only statuses that occur."""
        return [
            (s.value, s.label, self.counts_by_status[s.value]) for s in CaseStatus if s.value in self.counts_by_status
        ]


def accounts_for_list(organization: Organization, *, kind: str | None = None) -> QuerySet[Account]:
    accounts = Account.objects.filter(organization=organization).annotate(
        violation_count=Count("violations"),
        open_count=Count(
            "violations",
            filter=Q(violations__status__in=[CaseStatus.NOT_APPEALED, CaseStatus.DRAFT, CaseStatus.UNDER_REVIEW]),
        ),
    )
    if kind:
        accounts = accounts.filter(kind=kind)
    return accounts.order_by("kind", "name", "pk")


def _milestone_values(raw: list) -> list[int]:
    values = []
    for item in raw or []:
        value = item.get("points") if isinstance(item, dict) else item
        try:
            values.append(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(set(values))


def next_milestone(organization: Organization, account: Account, points: int) -> Milestone | None:
    """Next point milestone above `points` if the organization set any; else, for creators with a
    health rating, the next enforcement level below the rating."""
    milestones = _milestone_values(organization.penalty_point_milestones)
    if milestones:
        ahead = [m for m in milestones if m > points]
        return Milestone("points", ahead[0], ahead[0] - points) if ahead else None
    if account.kind == Account.Kind.CREATOR and account.health_rating is not None:
        below = [m for m in CREATOR_HEALTH_MILESTONES if m < account.health_rating]
        return Milestone("health", below[0], account.health_rating - below[0]) if below else None
    return None


def account_points_summary(
    organization: Organization, account: Account, *, at: datetime | None = None
) -> PointsSummary:
    """Violation counts by status, outstanding penalty points and the next milestone; two queries."""
    at = at or timezone.now()
    violations = Violation.objects.filter(organization=organization, account=account)
    counts = dict(violations.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    since = at - timedelta(days=organization.penalty_point_expiry_days)
    points = (
        violations.filter(
            record_status=Violation.RecordStatus.ENFORCED,
            points_cleared=False,
            enforced_at__gt=since,
            enforced_at__lte=at,
        ).aggregate(total=Sum("penalty_points"))["total"]
        or 0
    )
    return PointsSummary(
        outstanding_points=points,
        counts_by_status=counts,
        next_milestone=next_milestone(organization, account, points),
    )
