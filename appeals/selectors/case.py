"""Reads for the case page: the case with everything it shows, in a fixed number of queries, and its timeline."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta

from django.db import router
from django.db.models import (
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.http import Http404

from appeals.models import (
    Appeal,
    Comment,
    Escalation,
    NoticeAttachment,
    SupportTicket,
    TimelineEvent,
    Violation,
    ViolationItem,
    Watch,
)
from appeals.selectors.tickets import CASE_TICKETS_ORDER
from core.models import Organization, User
from core.prepared import PLACEHOLDER, PreparedRows, as_prefetched

TIMELINE_PAGE = 20  # timeline entries on the case page; older ones come a page at a time ("Show older")
# One string of a case's affected IDs: "kind<US>value" pairs joined by <RS> (ASCII unit and record separators, which
# an ID never holds: split_ids splits on white space), so the case query brings them without a query of its own.
ITEM_SEPARATOR, ITEM_PAIR_SEPARATOR = "\x1e", "\x1f"


@dataclass
class TimelinePage:
    """Entries of a case's history, newest first, and whether older ones exist (the "Show older" link)."""

    events: list[TimelineEvent]
    has_older: bool

    @property
    def oldest(self) -> TimelineEvent | None:
        return self.events[-1] if self.events else None


def _timeline_rows(events: QuerySet[TimelineEvent], limit: int) -> QuerySet[TimelineEvent]:
    # An entry shows its appeal's round only: no appeal row (~40 columns) is read.
    return (
        events.select_related("actor")
        .annotate(appeal_round=F("appeal__round"))
        .order_by("-created_at", "-id")[: limit + 1]
    )


def _timeline_page(violation: Violation, rows: list[TimelineEvent], limit: int) -> TimelinePage:
    for event in rows:
        event.violation = violation
    return TimelinePage(events=rows[:limit], has_older=len(rows) > limit)


def timeline_page(violation: Violation, *, before: int | None = None, limit: int = TIMELINE_PAGE) -> TimelinePage:
    """Up to `limit` entries older than entry `before` (the newest when None): one query on index
    (violation, created_at), whatever the length of the history."""
    events = TimelineEvent.objects.filter(violation=violation)
    if before is not None:
        pivot = Subquery(TimelineEvent.objects.filter(pk=before, violation=violation).values("created_at")[:1])
        events = events.filter(Q(created_at__lt=pivot) | Q(created_at=pivot, pk__lt=before))
    return _timeline_page(violation, list(_timeline_rows(events, limit)), limit)


def _repeat_window_count(window_days: int) -> Subquery:
    """services.violations.repeat_count's COUNT (the organization's repeat_violation_days), as a subquery of the
    case's own row."""
    since = ExpressionWrapper(OuterRef("enforced_at") - timedelta(days=window_days), output_field=DateTimeField())
    same = Violation.objects.filter(
        account_id=OuterRef("account_id"),
        kind=OuterRef("kind"),
        enforced_at__gt=since,
        enforced_at__lte=OuterRef("enforced_at"),
    )
    return Subquery(same.order_by().values(n=Func(F("pk"), function="COUNT")))


def _item_pairs() -> Subquery:
    items = ViolationItem.objects.filter(violation=OuterRef("pk")).order_by().values("violation")
    pairs = StringAgg(
        Concat("kind", Value(ITEM_PAIR_SEPARATOR), "value"), Value(ITEM_SEPARATOR), order_by=("kind", "value")
    )
    return Subquery(items.annotate(pairs=pairs).values("pairs"))


def case_items(violation: Violation) -> list[ViolationItem]:
    """The case's affected IDs from case_detail's `item_pairs` (sorted by kind, then value)."""
    if not hasattr(violation, "item_pairs"):  # a case not read by case_detail
        return list(violation.items.all())
    if not violation.item_pairs:  # NULL: no affected IDs
        return []
    pairs = violation.item_pairs
    return [
        ViolationItem(violation=violation, organization_id=violation.organization_id, kind=kind, value=value)
        for kind, value in (pair.split(ITEM_PAIR_SEPARATOR, 1) for pair in pairs.split(ITEM_SEPARATOR))
    ]


@dataclass(frozen=True)
class _CaseReads:
    case: PreparedRows
    children: tuple[tuple[str, PreparedRows], ...]  # (relation name, its rows)
    timeline: PreparedRows


@functools.lru_cache(maxsize=256)
def _case_reads(organization_id: int, repeat_window_days: int, using: str) -> _CaseReads:
    """case_detail's queries, compiled once per organization, repeat window and database (see prepared.py): the ORM
    spent ~0.5 ms of Python building the SQL of each, every page. Each takes the case's id."""
    case = (
        Violation.objects.filter(organization_id=organization_id, pk=PLACEHOLDER)
        .select_related("account", "assignee", "created_by", "rule_version")
        .annotate(repeat_count=Coalesce(_repeat_window_count(repeat_window_days), 0), item_pairs=_item_pairs())
    )
    children = (
        ("attachments", NoticeAttachment.objects.filter(violation_id=PLACEHOLDER)),
        ("watches", Watch.objects.filter(violation_id=PLACEHOLDER).select_related("user").order_by("pk")),
        ("escalations", Escalation.objects.filter(violation_id=PLACEHOLDER)),
        # The appeals table shows each appeal's stored evidence_count: no evidence rows are read.
        ("appeals", Appeal.objects.filter(violation_id=PLACEHOLDER).order_by("round")),
        (
            "comments",
            Comment.objects.filter(violation_id=PLACEHOLDER).select_related("author").order_by("created_at", "id"),
        ),
        # The ticket card (tickets.tickets_for_violation) shows the tickets' own fields only.
        (
            "tickets",
            SupportTicket.objects.filter(organization_id=organization_id, violation_id=PLACEHOLDER).order_by(
                *CASE_TICKETS_ORDER
            ),
        ),
    )
    return _CaseReads(
        case=PreparedRows(case, using=using),
        children=tuple((name, PreparedRows(queryset, using=using)) for name, queryset in children),
        timeline=PreparedRows(
            _timeline_rows(TimelineEvent.objects.filter(violation_id=PLACEHOLDER), TIMELINE_PAGE), using=using
        ),
    )


def case_detail(organization: Organization, violation_pk: int) -> Violation:
    """A case with everything its page shows, in a fixed number of queries (404 outside the organization):
    the case row with its affected IDs and repeat count, then its screenshots, watchers, escalations, appeals,
    comments and support tickets (as if prefetched) and the latest TIMELINE_PAGE timeline entries
    (`violation.timeline_page`).

    The organization's business calendar is built once for the page (header, outcomes and tickets all ask for it),
    and every appeal shares the organization and case instances, so no helper reads them again."""
    reads = _case_reads(organization.pk, organization.repeat_violation_days, router.db_for_read(Violation))
    found = reads.case.run(violation_pk)
    if not found:
        raise Http404("No Violation matches the given query.")
    violation = found[0]
    for name, rows in reads.children:
        as_prefetched(violation, name, rows.run(violation.pk), back="violation")
    organization.pin_business_calendar()
    violation.organization = organization
    for appeal in violation.appeals.all():
        appeal.organization = organization
    violation.timeline_page = _timeline_page(violation, reads.timeline.run(violation.pk), TIMELINE_PAGE)
    return violation


@functools.lru_cache(maxsize=8)
def _members(using: str) -> PreparedRows:
    members = User.objects.filter(memberships__organization_id=PLACEHOLDER)
    return PreparedRows(members.only("id", "full_name", "email").order_by("full_name", "email"), using=using)


def assignee_choices(organization: Organization) -> list[tuple[str, str]]:
    """The case page's assignee picker: ("", "Nobody") and each member (pk, full name or email), in the order of
    violations.organization_members, from a query compiled once."""
    users = _members(router.db_for_read(User)).run(organization.pk)
    return [("", "Nobody"), *((str(user.pk), user.full_name or user.email) for user in users)]
