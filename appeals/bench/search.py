"""The list's free-text search in the list organization (~50k cases) with the pg_trgm indexes of migration 0019,
each beside hand-written SQL (the lower bound), and what the indexes cost the CSV import.

1. "search": a rare word (a fragment of one case's notice: the trigram indexes' case), then "search, common word"
   (a word in about one policy in six: the list order with the page's rows; its count stops at
   SEARCH_EXACT_COUNT_LIMIT and then says "about N" from the planner's estimate).
2. The import without the indexes: drop them, import IMPORT_ROWS new rows (references NOIDX…), delete those rows,
   build the indexes again (timed). run.py's "import" is the same import with the indexes.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.db import connection, transaction
from django.urls import reverse

from appeals.bench.imports import import_file
from appeals.bench.pages import _run, client_for, measure
from appeals.models import Violation
from appeals.selectors.violations import SEARCH_EXACT_COUNT_LIMIT

SEARCH_INDEXES = ("violation_notice_trgm", "violation_policy_trgm", "violation_org_reference_upper")
NO_INDEX_PREFIX = "NOIDX"


def search(org_id: int, runs: int, *, stdout) -> dict:
    client = client_for(org_id)
    ids = Violation.objects.filter(organization_id=org_id).order_by("pk").values_list("pk", flat=True)
    middle = Violation.objects.get(pk=ids[ids.count() // 2])
    # The seeded notice ends with the reference: its last 7 characters are in few notices and no reference start.
    rare = middle.notice.rstrip(".")[-7:]
    pages = {}
    for name, text in (("search", rare), ("search, common word", "intellectual")):
        url = reverse("appeals:violations") + "?" + urlencode({"q": text})
        pages[name] = measure(client, url, sql_search(org_id, text), runs, name=name)
        pages[name]["text"] = text
        stdout.write(f"  {name}: {pages[name]}")
    return {"pages": pages, "import_without_indexes": import_without_indexes(org_id, stdout=stdout)}


def sql_search(org: int, text: str):
    """The page's rows and its count by hand, with the same predicates the indexes serve: the count stops at
    SEARCH_EXACT_COUNT_LIMIT + 1 and, past it, asks the planner's estimate (selectors.result_count)."""
    where = (
        "v.organization_id = %(org)s AND (UPPER(v.reference) LIKE UPPER(%(prefix)s) OR UPPER(v.policy) LIKE "
        "UPPER(%(inner)s) OR UPPER(v.notice) LIKE UPPER(%(inner)s) OR v.id = ANY(ARRAY(SELECT i.violation_id FROM "
        "appeals_violationitem i WHERE i.organization_id = %(org)s AND i.value >= %(text)s AND i.value < %(end)s "
        "AND i.value LIKE %(prefix)s)))"
    )
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params = {"org": org, "text": text, "end": text + "\U0010ffff", "prefix": escaped + "%", "inner": f"%{escaped}%"}

    limit = SEARCH_EXACT_COUNT_LIMIT + 1

    def run():
        _run(
            f"SELECT v.*, a.name FROM appeals_violation v JOIN appeals_account a ON a.id = v.account_id WHERE {where} "
            "ORDER BY v.enforced_at DESC, v.id DESC LIMIT 26",
            params,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT v.id FROM appeals_violation v WHERE {where} LIMIT {limit}) s", params
            )
            if cursor.fetchone()[0] >= limit:
                _run(f"EXPLAIN (FORMAT JSON) SELECT v.id FROM appeals_violation v WHERE {where}", params)

    return run


def import_without_indexes(org_id: int, *, stdout) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'appeals_violation' AND indexname = ANY(%s)",
            [list(SEARCH_INDEXES)],
        )
        definitions = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f"DROP INDEX {name}")
    try:
        result = import_file(org_id, prefix=NO_INDEX_PREFIX, stdout=stdout)
    finally:
        _delete_imported(org_id)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for _name, definition in definitions:
                cursor.execute(definition)
        rebuild = round(time.perf_counter() - started, 1)
    result["indexes_dropped"] = [name for name, _ in definitions]
    result["index_build_seconds"] = rebuild
    stdout.write(f"  import without the search indexes: {result}")
    return result


def _delete_imported(org_id: int) -> None:
    """The rows import_without_indexes added (and what the import wrote beside them), so the later measures see the
    seeded organization."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_gone ON COMMIT DROP AS SELECT id FROM appeals_violation "
            "WHERE organization_id = %s AND reference LIKE %s",
            [org_id, NO_INDEX_PREFIX + "%"],
        )
        cursor.execute(
            "SELECT conrelid::regclass::text, a.attname FROM pg_constraint c JOIN pg_attribute a ON "
            "a.attrelid = c.conrelid AND a.attnum = c.conkey[1] WHERE c.confrelid = 'appeals_violation'::regclass"
        )
        for table, column in cursor.fetchall():
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM bench_gone)")
        cursor.execute("DELETE FROM appeals_violation WHERE id IN (SELECT id FROM bench_gone)")
