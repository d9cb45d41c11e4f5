"""Reads for the case log: the inbox and the full list (the case page's: selectors/case.py). Query counts do not grow
with rows."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, router
from django.db.models import (
    BooleanField,
    F,
    Func,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from appeals.models import (
    Account,
    Appeal,
    CaseStatus,
    NoticeIntake,
    Violation,
    ViolationItem,
)
from core.models import Organization, User
from core.prepared import PreparedValues, slot_datetime, slot_id

INBOX_WINDOW_DAYS = 7  # "window closing": appeal_by within this many days
INBOX_DECISION_DUE_DAYS = 2  # "decision due": under review, decision expected within this many days
INBOX_GROUP_LIMIT = 10
INBOX_NOTICES_SHOWN = 10  # forwarded notices listed in the inbox's "To review" group
EXACT_COUNT_LIMIT = 10_000  # results counted exactly up to this many; above it the planner's estimate
# The same with a free-text filter (the search, "Policy contains"): a word in one case in six of a 50k-case
# organization matches ~8,300 cases, and counting them reads the text of all 50k (80-120 ms at 1M, load 4);
# counting to 200 stops after ~1,200 of them in the list's order.
SEARCH_EXACT_COUNT_LIMIT = 200
OPEN_STATUSES = [CaseStatus.NOT_APPEALED, CaseStatus.DRAFT]


def violations_base(organization: Organization) -> QuerySet[Violation]:
    return Violation.objects.filter(organization=organization).select_related("account", "assignee")


def violation_rows(organization: Organization) -> QuerySet[Violation]:
    """The organization's cases for the list, whose page_of reads only the columns a row shows (as values)."""
    return Violation.objects.filter(organization=organization)


@dataclass
class InboxCase:
    """A case row of the inbox: the columns it shows, read as values (no model instances: their construction cost
    more than the rows' query). The inbox view adds the link, dates and window label (views.violations)."""

    pk: int
    reference: str
    kind: str
    status: str
    appeal_by: datetime
    account_name: str
    assignee_name: str  # str(user): full name, else email; "" when nobody is assigned

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass
class InboxDecision:
    """An appeal row of the inbox's decision groups, with its case."""

    pk: int
    round: int
    due_at: datetime
    violation: InboxCase


@dataclass
class InboxGroup:
    key: str
    title: str
    help: str
    count: int
    rows: list = field(default_factory=list)  # InboxCase rows, or InboxDecision rows for decision groups
    of_appeals: bool = False

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.rows))


@dataclass
class Inbox:
    groups: list[InboxGroup]
    has_accounts: bool = True
    has_violations: bool = True
    mine: bool = False  # only the cases assigned to the viewer
    notices_to_review: int = 0  # forwarded notices waiting for a member
    notices: list = field(default_factory=list)  # the latest INBOX_NOTICES_SHOWN of them (NoticeIntake)
    more_notices: bool = False

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


def _inbox_counts(
    organization: Organization, *, assignee_id: int | None, now: datetime, closing_until: datetime, due_until: datetime
) -> dict[str, int]:
    """The four group sizes and the notices to review in one round trip, each a range of index (organization,
    status, appeal_by) or (due_at WHERE under review): on this machine a round trip costs more than any of these
    counts. Written as SQL: the same statement built with the ORM (five COUNT subqueries) cost ~2 ms of Python a
    page, more than the counts themselves."""
    violation, appeal, intake = (m._meta.db_table for m in (Violation, Appeal, NoticeIntake))
    at = connection.ops.adapt_datetimefield_value
    mine_v = " AND v.assignee_id = %s" if assignee_id else ""
    appeals = (
        f"SELECT COUNT(*) FROM {appeal} a"
        + (f" JOIN {violation} v ON v.id = a.violation_id" if assignee_id else "")
        + f" WHERE a.organization_id = %s AND a.status = %s{mine_v} AND "
    )
    open_statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {violation} v WHERE v.organization_id = %s{mine_v}"
        f" AND v.status IN ({open_statuses}) AND v.appeal_by >= %s AND v.appeal_by <= %s),"
        f" (SELECT COUNT(*) FROM {violation} v WHERE v.organization_id = %s{mine_v}"
        f" AND v.status = %s AND v.appeal_by > %s),"
        f" ({appeals}a.due_at < %s),"
        f" ({appeals}a.due_at >= %s AND a.due_at <= %s),"
        f" (SELECT COUNT(*) FROM {intake} n WHERE n.organization_id = %s AND n.status = %s)"
    )
    org, mine = [organization.pk], [assignee_id] if assignee_id else []
    under_review = [*org, Appeal.Status.UNDER_REVIEW, *mine]
    params = [
        *org, *mine, *OPEN_STATUSES, at(now), at(closing_until),
        *org, *mine, CaseStatus.NOT_APPEALED, at(closing_until),
        *under_review, at(now),
        *under_review, at(now), at(due_until),
        *org, NoticeIntake.Status.TO_REVIEW,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(("closing", "not_appealed", "overdue", "due", "to_review"), row, strict=True))


# What an inbox row shows, read as values: a case's, and (prefixed with "violation__") an appeal's case.
_INBOX_CASE_VALUES = (
    "id",
    "reference",
    "kind",
    "status",
    "appeal_by",
    "account__name",
    "assignee__full_name",
    "assignee__email",
)


def _inbox_case(values: dict, prefix: str = "") -> InboxCase:
    full_name, email = values[f"{prefix}assignee__full_name"], values[f"{prefix}assignee__email"]
    return InboxCase(
        pk=values[f"{prefix}id"],
        reference=values[f"{prefix}reference"],
        kind=values[f"{prefix}kind"],
        status=values[f"{prefix}status"],
        appeal_by=values[f"{prefix}appeal_by"],
        account_name=values[f"{prefix}account__name"],
        assignee_name=full_name or email or "",
    )


# Stand-ins of the inbox rows' compiled queries (core/prepared.py).
_ORG, _ASSIGNEE, _FROM, _UNTIL = slot_id(0), slot_id(1), slot_datetime(0), slot_datetime(1)
_INBOX_SLOTS = {"organization": _ORG, "assignee": _ASSIGNEE, "start": _FROM, "until": _UNTIL}
# The ends of each group's window.
_INBOX_WINDOW_SLOTS = {
    "closing": ("start", "until"),
    "overdue": ("start",),
    "due": ("start", "until"),
    "not_appealed": ("until",),
}


@functools.lru_cache(maxsize=32)
def _inbox_group_rows(group: str, mine: bool, using: str) -> PreparedValues:
    """The first INBOX_GROUP_LIMIT rows of an inbox group, compiled once per group, "mine" and database: the ORM
    spent ~1.5 ms of Python building the SQL of the page's three or four lists, more than running them."""
    if group in ("overdue", "due"):
        rows = Appeal.objects.filter(organization_id=_ORG, status=Appeal.Status.UNDER_REVIEW)
        rows = rows.filter(violation__assignee_id=_ASSIGNEE) if mine else rows
        window = Q(due_at__lt=_FROM) if group == "overdue" else Q(due_at__gte=_FROM, due_at__lte=_UNTIL)
        columns = ("id", "round", "due_at", *(f"violation__{c}" for c in _INBOX_CASE_VALUES))
        rows = rows.filter(window).order_by("due_at", "pk").values(*columns)
    else:
        rows = Violation.objects.filter(organization_id=_ORG)
        rows = rows.filter(assignee_id=_ASSIGNEE) if mine else rows
        if group == "closing":
            window = Q(status__in=OPEN_STATUSES, appeal_by__gte=_FROM, appeal_by__lte=_UNTIL)
        else:
            window = Q(status=CaseStatus.NOT_APPEALED, appeal_by__gt=_UNTIL)
        rows = rows.filter(window).order_by("appeal_by", "pk").values(*_INBOX_CASE_VALUES)
    used = {"organization", *_INBOX_WINDOW_SLOTS[group], *(["assignee"] if mine else [])}
    slots = {name: stand_in for name, stand_in in _INBOX_SLOTS.items() if name in used}
    return PreparedValues(rows[:INBOX_GROUP_LIMIT], using=using, slots=slots)


def inbox_for_member(
    organization: Organization, *, user: User | None = None, mine: bool = False, now: datetime | None = None
) -> Inbox:
    """What needs action, most urgent first: 1 query of counts (with the notices to review) + up to 4 short lists
    (+1 when notices wait for review, +2 when all groups are empty).
    `mine`: only the cases assigned to `user`."""
    now = now or timezone.now()
    closing_until = now + timedelta(days=INBOX_WINDOW_DAYS)
    due_until = now + timedelta(days=INBOX_DECISION_DUE_DAYS)
    mine = mine and user is not None
    counts = _inbox_counts(
        organization,
        assignee_id=user.pk if mine else None,
        now=now,
        closing_until=closing_until,
        due_until=due_until,
    )
    using = router.db_for_read(Violation)
    parameters = {"organization": organization.pk, "assignee": user.pk if mine else None}

    def rows(group: str, start: datetime, until: datetime) -> list[dict]:
        if not counts[group]:
            return []
        return _inbox_group_rows(group, mine, using).run(**parameters, start=start, until=until)

    def violation_rows(group: str) -> list[InboxCase]:
        return [_inbox_case(values) for values in rows(group, now, closing_until)]

    def appeal_rows(group: str) -> list[InboxDecision]:
        return [
            InboxDecision(
                pk=values["id"],
                round=values["round"],
                due_at=values["due_at"],
                violation=_inbox_case(values, "violation__"),
            )
            for values in rows(group, now, due_until)
        ]

    groups = [
        InboxGroup(
            "closing",
            "Appeal window closing",
            f"Not appealed yet, and the platform's window closes within {INBOX_WINDOW_DAYS} days.",
            counts["closing"],
            violation_rows("closing"),
        ),
        InboxGroup(
            "overdue",
            "Decision overdue",
            "Under review past the expected decision date: check Seller Center, then consider escalating.",
            counts["overdue"],
            appeal_rows("overdue"),
            of_appeals=True,
        ),
        InboxGroup(
            "due",
            "Decision due",
            f"Under review, decision expected within {INBOX_DECISION_DUE_DAYS} days.",
            counts["due"],
            appeal_rows("due"),
            of_appeals=True,
        ),
        InboxGroup(
            "not_appealed",
            "Not yet appealed",
            "Recorded cases with time left to appeal.",
            counts["not_appealed"],
            violation_rows("not_appealed"),
        ),
    ]
    inbox = Inbox(groups=groups, mine=mine, notices_to_review=counts["to_review"])
    if inbox.notices_to_review:
        notices = list(
            NoticeIntake.objects.filter(organization=organization, status=NoticeIntake.Status.TO_REVIEW)
            .select_related("account")
            .order_by("-received_at")[: INBOX_NOTICES_SHOWN + 1]
        )
        inbox.notices, inbox.more_notices = notices[:INBOX_NOTICES_SHOWN], len(notices) > INBOX_NOTICES_SHOWN
    if inbox.total == 0 and not mine:
        inbox.has_violations = Violation.objects.filter(organization=organization).exists()
        inbox.has_accounts = inbox.has_violations or Account.objects.filter(organization=organization).exists()
    return inbox


# --- Full list ------------------------------------------------------------------------------------------------


def item_search_subquery(organization: Organization, text: str) -> QuerySet[ViolationItem]:
    """Violation ids with an affected ID equal to or starting with `text` (index (organization, value))."""
    # A range on the indexed column instead of LIKE 'x%', which PostgreSQL can only index under the C collation.
    # No ORDER BY (the model's default ordering): the ids only feed `= ANY(ARRAY(...))`, and sorting them cost a
    # Sort of every matching ID (18,000 for "ORDER" in the 50k-case organization of the 1M bench).
    return (
        ViolationItem.objects.filter(
            organization=organization, value__gte=text, value__lt=text + "\U0010ffff", value__startswith=text
        )
        .order_by()
        .values("violation_id")
    )


class _AmongIds(Func):
    """`pk = ANY(ARRAY(subquery))`: PostgreSQL runs the subquery once (an InitPlan) and can use the primary key index
    for it as one arm of a BitmapOr, where `pk IN (subquery)` inside an OR can only be tested row by row."""

    arg_joiner = " = ANY(ARRAY("
    template = "%(expressions)s))"
    output_field = BooleanField()


def search_q(organization: Organization, text: str) -> Q:
    """Cases whose reference starts with `text`, whose policy or notice contains it, or with an affected ID starting
    with it (case-insensitive).

    On PostgreSQL every arm of the OR can use an index (the trigram indexes on UPPER(notice) and UPPER(policy) and
    the reference index of migration 0019, the primary key for the affected IDs), so the planner picks per search:
    a rare word is a BitmapOr of those indexes, a common one reads the organization's cases in list order and stops
    at the page's last row.
    """
    text = text.strip()
    items = item_search_subquery(organization, text)
    by_items = _AmongIds(F("pk"), Subquery(items)) if connection.vendor == "postgresql" else Q(pk__in=items)
    return Q(reference__istartswith=text) | Q(policy__icontains=text) | Q(notice__icontains=text) | Q(by_items)


@dataclass
class ListRow:
    """A case row of the list: the columns it shows, read as values (no model instances: building them with their
    account and assignee cost more than the page's query). The list view adds the link and dates."""

    pk: int
    reference: str
    kind: str
    policy: str
    record_status: str
    status: str
    enforced_at: datetime
    appeal_by: datetime
    next_deadline_at: datetime | None
    penalty_points: int
    account_name: str
    assignee_name: str  # str(user): full name, else email; "" when nobody is assigned
    item_values: list[str] = field(default_factory=list)  # affected IDs, sorted by kind, then value

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


_LIST_VALUES = (
    "id",
    "reference",
    "kind",
    "policy",
    "record_status",
    "status",
    "enforced_at",
    "appeal_by",
    "next_deadline_at",
    "penalty_points",
    "account__name",
    "assignee__full_name",
    "assignee__email",
)


def _list_row(values: dict) -> ListRow:
    return ListRow(
        pk=values["id"],
        reference=values["reference"],
        kind=values["kind"],
        policy=values["policy"],
        record_status=values["record_status"],
        status=values["status"],
        enforced_at=values["enforced_at"],
        appeal_by=values["appeal_by"],
        next_deadline_at=values["next_deadline_at"],
        penalty_points=values["penalty_points"],
        account_name=values["account__name"],
        assignee_name=values["assignee__full_name"] or values["assignee__email"] or "",
    )


@dataclass
class Page:
    rows: list[ListRow]
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.rows) - 1 if self.rows else 0


MAX_PAGE = 1_000_000


def page_of(queryset: QuerySet[Violation], *, number: int, per_page: int = 25) -> Page:
    """Two queries: the page's rows as values (ListRow), one more than the page (so no COUNT(*) to know whether a
    next page exists), and the rows' affected IDs as plain values on `item_values` (sorted by kind, then value):
    ItemViolation objects and prefetch machinery cost more than the query."""
    # A page past MAX_PAGE would be empty anyway; capping it keeps the OFFSET inside the database's bigint.
    number = min(max(1, number), MAX_PAGE)
    offset = (number - 1) * per_page
    rows = [_list_row(values) for values in queryset.values(*_LIST_VALUES)[offset : offset + per_page + 1]]
    shown = rows[:per_page]
    by_id = {row.pk: row for row in shown}
    if shown:
        for violation_id, value in (
            ViolationItem.objects.filter(violation_id__in=list(by_id))
            .order_by("violation_id", "kind", "value")
            .values_list("violation_id", "value")
        ):
            by_id[violation_id].item_values.append(value)
    return Page(rows=shown, number=number, per_page=per_page, has_next=len(rows) > per_page)


@dataclass(frozen=True)
class ResultCount:
    value: int
    exact: bool
    at_least: bool = False  # more than `value`, and the planner's estimate said no more than that

    @property
    def label(self) -> str:
        if self.exact:
            return f"{self.value:,}"
        if self.at_least:
            return f"more than {self.value:,}"
        return f"about {about(self.value):,}"


def about(n: int) -> int:
    """n to three significant digits (12,345 -> 12,300)."""
    factor = 10 ** max(0, len(str(n)) - 3)
    return round(n / factor) * factor


def result_count(queryset: QuerySet, *, free_text: bool = False) -> ResultCount:
    """How many rows match: exact up to EXACT_COUNT_LIMIT (SEARCH_EXACT_COUNT_LIMIT for a queryset filtered by
    free text; a COUNT that stops there), above it the planner's estimate on PostgreSQL, so a broad filter over 50k+
    cases never counts every row. SQLite counts exactly."""
    limit = SEARCH_EXACT_COUNT_LIMIT if free_text else EXACT_COUNT_LIMIT
    ids = queryset.order_by().values("pk")
    if connection.vendor != "postgresql":
        return ResultCount(ids.count(), exact=True)
    n = ids[: limit + 1].count()
    if n <= limit:
        return ResultCount(n, exact=True)
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    if estimate <= limit:
        # The estimate is off (a filter the statistics do not know, such as a substring): say what is known.
        return ResultCount(limit, exact=False, at_least=True)
    return ResultCount(estimate, exact=False)


def page_result_count(page: Page, queryset: QuerySet, *, free_text: bool = False) -> ResultCount:
    """The result count of a list page; a first page that holds every row needs no query."""
    if page.number == 1 and not page.has_next:
        return ResultCount(len(page.rows), exact=True)
    return result_count(queryset, free_text=free_text)


# --- Pickers ---------------------------------------------------------------------------------------------------


def organization_members(organization: Organization) -> QuerySet[User]:
    """Members for pickers: only the columns their labels use (str(user) is full_name or email)."""
    return (
        User.objects.filter(memberships__organization=organization)
        .only("id", "full_name", "email")
        .order_by("full_name", "email")
    )
