"""manage.py import_violations FILE --org SLUG [--profile NAME] [--dry-run] [--as EMAIL]: the UI's import, from a shell.

FILE is a CSV or an XLSX workbook. Its columns are ours by name, or those of the saved import profile for its
headers (or the one named by --profile).

The file is read once as a stream and applied in batches inside one transaction while it is checked; any
problem in any row rolls everything back and every problem is listed. Memory stays flat whatever the size.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import closing, suppress
from queue import Empty, Queue

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from appeals import imports
from appeals.models import Account
from appeals.services import ServiceError
from appeals.services.imports import import_layout
from appeals.services.violations import IMPORT_BATCH_SIZE, violations_import
from core.models import Organization, User


class _Refused(Exception):
    """Some row was wrong: leave the transaction so nothing stays written."""


_END = object()
# What the list's and inbox's plans estimate with (appeals.filters, appeals.selectors).
ANALYZED_COLUMNS = [
    "organization_id",
    "account_id",
    "status",
    "kind",
    "assignee_id",
    "enforced_at",
    "appeal_by",
    "next_deadline_at",
    "record_status",
    "penalty_points",
]


def _read_ahead(rows: Iterator[dict], *, depth: int = 4) -> Iterator[dict]:
    """The same rows, parsed in a thread while PostgreSQL writes the batches before them.

    The writes mostly wait on the server (COPY, index entries, key checks), which releases the GIL, so on
    a free core the parsing costs no wall time. At most `depth` batches wait in memory. Close the
    generator (contextlib.closing) before the file: that stops the thread.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def parse() -> None:
        try:
            for batch in itertools.batched(rows, IMPORT_BATCH_SIZE):
                if stop.is_set():
                    return
                queue.put(batch)
            queue.put(_END)
        except BaseException as exc:  # raised again in the reading thread
            queue.put(exc)

    thread = threading.Thread(target=parse, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        while thread.is_alive():  # make room, so a thread waiting to put a batch sees stop and ends
            with suppress(Empty):
                queue.get(timeout=0.05)
        thread.join()


class Command(BaseCommand):
    help = "Import violations from a CSV or XLSX file (columns as in the web import, or a saved profile); all or none."
    # The system checks import every URL, view and API module first (~1 s); an import needs none of them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="Organization slug")
        parser.add_argument(
            "--profile", help="Name of a saved import profile (default: the one for the file's headers)"
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing")
        parser.add_argument("--as", dest="as_email", help="Email of the member recorded as the importer")

    def handle(
        self, *args, file: str, org: str, dry_run: bool, as_email: str | None, profile: str | None = None, **options
    ) -> None:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug “{org}”.")
        by = None
        if as_email:
            by = User.objects.filter(email=as_email.lower(), memberships__organization=organization).first()
            if by is None:
                raise CommandError(f"{as_email} is not a member of {organization.name}.")
        try:
            with open(file, "rb") as handle:
                mapping, date_order = import_layout(organization=organization, binary=handle, profile_name=profile)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        except ServiceError as exc:
            self.stderr.write(exc.message)
            raise CommandError(f"Nothing was imported: {exc.message}") from None
        accounts = imports.account_lookup(Account.objects.filter(organization=organization))
        started = time.monotonic()
        errors: list[dict] = []
        try:
            with open(file, "rb") as handle, transaction.atomic():
                checked = imports.checked_rows(
                    handle,
                    accounts=accounts,
                    errors=errors,
                    timezone=organization.timezone,
                    mapping=mapping,
                    date_order=date_order,
                )
                with closing(_read_ahead(checked)) as rows:
                    result = violations_import(organization=organization, rows=rows, by=by, dry_run=dry_run)
                if errors:
                    raise _Refused
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        except _Refused:
            for error in errors:
                unit = "row" if file.lower().endswith(".xlsx") else "line"
                where = f"{unit} {error['line']}" + (f", column {error['column']}" if error["column"] else "")
                self.stderr.write(f"{where}: {error['message']}")
            raise CommandError(f"{len(errors)} problem(s) found; nothing was imported.") from None
        if not dry_run and result.created > 10000 and connection.vendor == "postgresql":
            # Fresh statistics, so the list and inbox plans know about the new rows at once: the row counts and the
            # columns they filter, sort and count on. Not the text columns and the search indexes' expressions
            # (sorting ~30,000 sampled texts each was ~40% of the time; their old figures still describe them) nor
            # the affected IDs, read by (organization, value) whatever their count: autovacuum refreshes those once a
            # table has grown by a tenth.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE appeals_violation ({', '.join(ANALYZED_COLUMNS)})")
        elapsed = time.monotonic() - started
        verb = "Would import" if dry_run else "Imported"
        rate = result.total / elapsed if elapsed else 0
        self.stdout.write(
            f"{verb} {result.total} rows: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged ({elapsed:.1f} s, {rate:,.0f} rows/s)."
        )
