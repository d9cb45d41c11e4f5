"""Page timings through Django's test client (server time: view, queries and template), each beside the same result
fetched by hand-written SQL (the lower bound) and the ratio.

To add a page: give `pages()` a (client, url, raw_sql) entry, raw_sql a function from the `sql_*` family below (or
None to replay the page's own queries on a raw cursor), and a row in report.PAGES.
"""

from __future__ import annotations

import statistics
from datetime import timedelta

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals.bench.timing import p95, timed, timed_cpu
from appeals.models import Account, Appeal, TimelineEvent, TimelineVerb, Violation
from appeals.selectors.violations import INBOX_DECISION_DUE_DAYS, INBOX_GROUP_LIMIT, INBOX_WINDOW_DAYS
from core.models import Membership, Role


def client_for(org_id: int) -> Client:
    membership = Membership.objects.filter(organization_id=org_id, role=Role.MANAGER).select_related("user").first()
    client = Client()
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def pages(analytics_org: int, list_org: int, runs: int, *, stdout) -> dict:
    list_client, analytics_client = client_for(list_org), client_for(analytics_org)
    # The two latest cases with a follow-up round: one with a short history, one with a long one (the case page
    # must cost the same whatever the length of its timeline).
    cases = list(
        Violation.objects.filter(organization_id=list_org, appeals__round=2).order_by("-enforced_at", "-pk")[:2]
    ) or list(Violation.objects.filter(organization_id=list_org).order_by("-enforced_at", "-pk")[:2])
    case, long_case = cases[0], cases[-1]
    with_timeline(case, SHORT_HISTORY)
    with_timeline(long_case, LONG_HISTORY)
    appeal = (
        Appeal.objects.filter(violation=case).order_by("-round").first()
        or Appeal.objects.filter(organization_id=list_org).first()
    )
    account = Account.objects.filter(organization_id=list_org).order_by("pk").first()
    today = timezone.localdate()
    two_years = (today - timedelta(days=731)).isoformat()
    wanted = {
        "inbox": (list_client, reverse("appeals:inbox"), sql_inbox(list_org)),
        "filtered list": (
            list_client,
            reverse("appeals:violations") + f"?kind=listing_removal&account={account.pk}&sort=-enforced_at",
            sql_list(list_org, account.pk),
        ),
        "case page": (list_client, reverse("appeals:case", args=[case.pk]), sql_case(case.pk)),
        "case page, 1,000 entries": (
            list_client,
            reverse("appeals:case", args=[long_case.pk]),
            sql_case(long_case.pk),
        ),
        "builder review step": (
            list_client,
            reverse("appeals:appeal_step", args=[appeal.pk, 5]),
            sql_review(appeal.pk),
        ),
        "analytics dashboard": (
            analytics_client,
            reverse("appeals:analytics") + f"?date_from={two_years}&date_to={today.isoformat()}",
            None,  # replayed: the page's own aggregate queries on a raw cursor (see replay)
        ),
    }
    measured = {}
    for name, (client, url, raw_sql) in wanted.items():
        measured[name] = measure(client, url, raw_sql, runs, name=name)
        stdout.write(f"  {name}: {measured[name]}")
    return measured


SHORT_HISTORY, LONG_HISTORY = 10, 1_000  # timeline entries of the two measured cases ("case page", "…, 1,000 entries")
_HISTORY = [
    (TimelineVerb.EDITED, {"changed": ["policy", "notice"]}),
    (TimelineVerb.ASSIGNED, {"assignee": "A teammate"}),
    (TimelineVerb.APPEAL_STEP_SAVED, {"step_name": "Evidence"}),
    (TimelineVerb.REMINDER_SENT, {"label": "Decision due tomorrow", "recipient": "owner@example.com"}),
    (TimelineVerb.COMMENTED, {"summary": "Checked Seller Center again"}),
]


def with_timeline(case: Violation, entries: int) -> None:
    """Give a case `entries` timeline entries (a mix of verbs, actors and appeals, a minute apart), adding only the
    ones missing, so --reuse keeps the count."""
    missing = entries - TimelineEvent.objects.filter(violation=case).count()
    if missing <= 0:
        return
    actors = list(Membership.objects.filter(organization_id=case.organization_id).values_list("user_id", flat=True))
    appeals = list(Appeal.objects.filter(violation=case).values_list("pk", flat=True)) or [None]
    start = timezone.now() - timedelta(minutes=missing + 1)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            organization_id=case.organization_id,
            violation=case,
            actor_id=actors[n % len(actors)] if actors and n % 4 else None,
            appeal_id=appeals[n % len(appeals)] if n % 3 == 0 else None,
            verb=_HISTORY[n % len(_HISTORY)][0],
            data=_HISTORY[n % len(_HISTORY)][1],
            created_at=start + timedelta(minutes=n),
        )
        for n in range(missing)
    )


def measure(
    client: Client, url: str, raw_sql, runs: int, *, name: str = "", using: str = DEFAULT_DB_ALIAS, headers=None
) -> dict:
    """Median, p95 and query count of GET url (after 3 warm-up requests), beside raw_sql's median and the ratio.
    raw_sql None replays the page's own queries; `using` is the database whose queries are counted and replayed
    (the replica's, for a page read from it)."""
    for _ in range(3):
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise CommandError(f"{name}: {url} answered {response.status_code}")
    with CaptureQueriesContext(connections[using]) as queries:
        client.get(url, headers=headers)
    count = len(queries)  # before reset_queries(), which empties what `queries` reads
    if raw_sql is None:
        raw_sql = replay([q["sql"] for q in queries.captured_queries], using=using)
    samples, cpu = timed_cpu(lambda: client.get(url, headers=headers), runs)
    raw = timed(raw_sql, runs)
    median, raw_median = statistics.median(samples), statistics.median(raw)
    reset_queries()
    return {
        "url": url,
        "median_ms": round(median, 1),
        "p95_ms": round(p95(samples), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "queries": count,
        "raw_sql_median_ms": round(raw_median, 2),
        "ratio": round(median / raw_median, 1) if raw_median else None,
    }


# -- hand-written SQL: the same results without the ORM, templates or middleware (the lower bound) -------------------


def _run(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()


def sql_inbox(org: int):
    """What the inbox shows (selectors.inbox_for_member): its five counts in one statement and the first rows of its
    groups, each a range of an index. (It once counted all the organization's open cases instead of those in the
    windows the page counts: ~9 ms at 1M, more than the page's own queries.)"""

    def run():
        now = timezone.now()
        closing_until, due_until = (
            now + timedelta(days=INBOX_WINDOW_DAYS),
            now + timedelta(days=INBOX_DECISION_DUE_DAYS),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM appeals_violation WHERE organization_id = %s AND status IN "
                "('not_appealed', 'draft') AND appeal_by >= %s AND appeal_by <= %s), (SELECT count(*) FROM "
                "appeals_violation WHERE organization_id = %s AND status = 'not_appealed' AND appeal_by > %s), "
                "(SELECT count(*) FROM appeals_appeal WHERE organization_id = %s AND status = 'under_review' AND "
                "due_at < %s), (SELECT count(*) FROM appeals_appeal WHERE organization_id = %s AND status = "
                "'under_review' AND due_at >= %s AND due_at <= %s), (SELECT count(*) FROM appeals_noticeintake WHERE "
                "organization_id = %s AND status = 'to_review')",
                [org, now, closing_until, org, closing_until, org, now, org, now, due_until, org],
            )
            closing, not_appealed, overdue, due, _ = cursor.fetchone()
        case = (
            "SELECT v.id, v.reference, v.kind, v.status, v.appeal_by, a.name, u.full_name, u.email FROM "
            "appeals_violation v JOIN appeals_account a ON a.id = v.account_id LEFT JOIN core_user u ON "
            "u.id = v.assignee_id WHERE v.organization_id = %s AND "
        )
        decision = (
            "SELECT ap.id, ap.round, ap.due_at, v.id, v.reference, v.kind, v.status, v.appeal_by, a.name, "
            "u.full_name, u.email FROM appeals_appeal ap JOIN appeals_violation v ON v.id = ap.violation_id JOIN "
            "appeals_account a ON a.id = v.account_id LEFT JOIN core_user u ON u.id = v.assignee_id "
            "WHERE ap.organization_id = %s AND ap.status = 'under_review' AND "
        )
        groups = [
            (closing, case + "v.status IN ('not_appealed', 'draft') AND v.appeal_by >= %s AND v.appeal_by <= %s "
             "ORDER BY v.appeal_by, v.id LIMIT %s", [org, now, closing_until]),
            (overdue, decision + "ap.due_at < %s ORDER BY ap.due_at, ap.id LIMIT %s", [org, now]),
            (due, decision + "ap.due_at >= %s AND ap.due_at <= %s ORDER BY ap.due_at, ap.id LIMIT %s",
             [org, now, due_until]),
            (not_appealed, case + "v.status = 'not_appealed' AND v.appeal_by > %s ORDER BY v.appeal_by, v.id "
             "LIMIT %s", [org, closing_until]),
        ]  # fmt: skip
        for count, sql, params in groups:
            if count:  # as the page: an empty group reads no rows
                _run(sql, [*params, INBOX_GROUP_LIMIT])

    return run


def sql_list(org: int, account: int):
    def run():
        _run(
            "SELECT v.*, a.name FROM appeals_violation v JOIN appeals_account a ON a.id = v.account_id "
            "WHERE v.organization_id = %s AND v.kind = 'listing_removal' AND v.account_id = %s "
            "ORDER BY v.enforced_at DESC, v.id DESC LIMIT 26",
            [org, account],
        )
        _run(
            "SELECT violation_id, kind, value FROM appeals_violationitem WHERE violation_id IN (SELECT id FROM "
            "appeals_violation WHERE organization_id = %s AND account_id = %s ORDER BY enforced_at DESC LIMIT 26)",
            [org, account],
        )

    return run


def sql_case(violation: int):
    """What the case page shows (case_detail): the case with its account and affected IDs, its appeals, comments and
    the latest 20 timeline entries with their actors."""

    def run():
        _run(
            "SELECT v.*, a.* FROM appeals_violation v JOIN appeals_account a ON a.id = v.account_id WHERE v.id = %s",
            [violation],
        )
        _run("SELECT * FROM appeals_violationitem WHERE violation_id = %s", [violation])
        _run("SELECT * FROM appeals_appeal WHERE violation_id = %s ORDER BY round", [violation])
        _run("SELECT * FROM appeals_comment WHERE violation_id = %s ORDER BY created_at, id", [violation])
        _run(
            "SELECT t.*, u.full_name, u.email FROM appeals_timelineevent t LEFT JOIN core_user u ON u.id = t.actor_id "
            "WHERE t.violation_id = %s ORDER BY t.created_at DESC, t.id DESC LIMIT 21",
            [violation],
        )

    return run


def sql_review(appeal: int):
    def run():
        _run(
            "SELECT ap.*, v.*, a.* FROM appeals_appeal ap JOIN appeals_violation v ON v.id = ap.violation_id "
            "JOIN appeals_account a ON a.id = v.account_id WHERE ap.id = %s",
            [appeal],
        )
        _run("SELECT * FROM appeals_evidence WHERE appeal_id = %s ORDER BY position", [appeal])

    return run


def replay(statements: list[str], *, using: str = DEFAULT_DB_ALIAS):
    """The page's own SQL without the ORM, Python and templates: the lower bound of its current queries."""
    wanted = [sql for sql in statements if sql.split(None, 1)[0].upper() not in {"SAVEPOINT", "RELEASE"}]

    def run():
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            for sql in wanted:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()

    return run
