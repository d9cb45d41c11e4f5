"""The reminder table's schema (migration 0025): every read has an index, and deletes cascade as before.

The organization link keeps no database constraint (the subject link's constraint, and the subject's own, keep
a reminder from outliving its organization); Django still deletes an organization's reminders with it.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appeals.models import Appeal, Reminder
from appeals.selectors.deadlines import failed_reminders
from appeals.services import reminders
from appeals.services.reminders.preferences import case_mute
from core.models import Organization
from tests.factories import AppealFactory, ViolationFactory

K = Reminder.Kind


def _reminder(org, user, *, kind=K.DECISION_DUE_TODAY, appeal=None, violation=None, **fields) -> Reminder:
    now = timezone.now()
    subject = (
        f"appeal:{appeal.pk}" if appeal else f"violation:{violation.pk}" if violation else f"organization:{org.pk}"
    )
    return Reminder.objects.create(
        organization=org,
        kind=kind,
        subject_key=subject,
        appeal=appeal,
        violation=violation or (appeal.violation if appeal else None),
        recipient=user,
        deadline=now + timedelta(hours=5),
        send_after=now,
        **fields,
    )


@pytest.fixture
def due(org, shop, member):
    """An appeal due in 5 hours, assigned to a member: the sweep makes its reminder rows."""
    case = ViolationFactory(account=shop, assignee=member)
    return AppealFactory(
        violation=case,
        status=Appeal.Status.UNDER_REVIEW,
        submitted_at=timezone.now() - timedelta(days=3),
        due_at=timezone.now() + timedelta(hours=5),
    )


def _unindexed_reminder_scans(queries: list[dict]) -> list[str]:
    """Reads, updates and deletes of appeals_reminder whose plan scans it without an index condition (a partial
    index read whole is bounded by its predicate: the pending rows, the failed rows)."""

    def walk(node: dict) -> list[str]:
        problems = []
        if node.get("Relation Name") == "appeals_reminder":
            kind = node["Node Type"]
            whole = kind in {"Index Scan", "Index Only Scan"} and "Index Cond" not in node
            if kind == "Seq Scan" or (whole and node.get("Index Name") not in partial):
                problems.append(f"{kind} {node.get('Index Name', '')}")
        for child in node.get("Plans", []):
            problems += walk(child)
        return problems

    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'appeals_reminder' AND indexdef LIKE '%% WHERE %%'"
        )
        partial = {name for (name,) in cursor.fetchall()}
        cursor.execute("SET enable_seqscan = off")
        try:
            for query in queries:
                sql = query["sql"]
                if '"appeals_reminder"' not in sql or sql.lstrip().split()[0].upper() not in {
                    "SELECT",
                    "UPDATE",
                    "DELETE",
                }:
                    continue
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                plan = plan[0]["Plan"] if isinstance(plan, list) else json.loads(plan)[0]["Plan"]
                if problems := walk(plan):
                    found.append(f"{sql[-400:]} -> {problems}")
        finally:
            cursor.execute("RESET enable_seqscan")
    return found


@pytest.mark.postgres
def test_every_read_of_the_reminder_table_uses_an_index(org, owner, member, due):
    now = timezone.now()
    with CaptureQueriesContext(connection) as captured:
        reminders.reminders_sweep(now=now, enqueue=False)
        reminders.reminders_sweep(now=now, enqueue=False)  # the second finds the rows already made
        reminders.reminders_due_for_sending(now)
        singles, _ = reminders.reminders_claim_due(now)
        reminders.reminder_claim(reminder_id=singles[0], now=now + timedelta(hours=1))
        list(failed_reminders(org))
        Reminder.objects.filter(status=Reminder.Status.FAILED).count()  # run_reminders' failed count
        case_mute(user=member, violation_id=due.violation_id, muted=True)
        list(Reminder.objects.filter(recipient=member, digest=True, status="pending", send_after__lte=now))
        due.delete()  # Django's cascade reads the reminders of the appeal
    assert singles
    assert _unindexed_reminder_scans(captured.captured_queries) == []


@pytest.mark.postgres
def test_the_scan_check_catches_an_unindexed_read(org, member, due):
    assert _unindexed_reminder_scans([{"sql": "SELECT id FROM \"appeals_reminder\" WHERE last_error = 'x'"}]) != []


def test_deleting_an_organization_deletes_its_reminders(org, shop, member, due, other_org, outsider):
    _reminder(org, member, appeal=due)
    _reminder(org, member, kind=K.WEEKLY_SUMMARY)  # linked to nothing but its organization
    kept = _reminder(other_org, outsider, kind=K.WEEKLY_SUMMARY)
    org.delete()
    assert list(Reminder.objects.values_list("pk", flat=True)) == [kept.pk]


def test_deleting_a_case_or_an_appeal_deletes_only_their_reminders(org, shop, member, due):
    other_case = ViolationFactory(account=shop)
    of_appeal = _reminder(org, member, appeal=due)
    of_case = _reminder(org, member, kind=K.WINDOW_CLOSING, violation=due.violation)
    of_other = _reminder(org, member, kind=K.WINDOW_CLOSING, violation=other_case)
    weekly = _reminder(org, member, kind=K.WEEKLY_SUMMARY)
    due.delete()
    assert set(Reminder.objects.values_list("pk", flat=True)) == {of_case.pk, of_other.pk, weekly.pk}
    of_case.violation.delete()
    assert set(Reminder.objects.values_list("pk", flat=True)) == {of_other.pk, weekly.pk}
    assert of_appeal.pk not in set(Reminder.objects.values_list("pk", flat=True))


@pytest.mark.postgres
def test_an_organization_with_cases_cannot_be_removed_under_its_reminders(org, member, due):
    # What keeps a reminder's organization link true without a constraint of its own: its subject is
    # constrained, and the subject's organization is too, so the database refuses the organization's removal.
    _reminder(org, member, appeal=due)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DELETE FROM {Organization._meta.db_table} WHERE id = %s", [org.pk])
