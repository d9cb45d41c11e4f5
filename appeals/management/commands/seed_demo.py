"""Fill PostgreSQL with a large, realistic, reproducible data set for the benchmark (COPY, fixed seed)."""

from __future__ import annotations

import gc
import hashlib
import itertools
import random
import time
from bisect import bisect
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from appeals.models import (
    KINDS_FOR_ACCOUNT,
    Account,
    Appeal,
    CaseStatus,
    Evidence,
    Violation,
    ViolationItem,
)
from appeals.rollup_models import DecidedDay, DecidedRollup, PointsDay, SubmittedDay, ViolationDay
from core.models import Membership, Organization, Role, User

# Violations per COPY chunk: big enough that each COPY is long, small enough to keep memory low.
COPY_CHUNK = 50_000
ROLLUP_WORK_MEM = "512MB"  # for the one recount of the analytics rollups after the COPY
BENCH_PASSWORD = "bench-password-123"
POLICIES = [
    "Intellectual property: trademark",
    "Intellectual property: copyright",
    "Counterfeit goods",
    "Prohibited products",
    "Product safety: missing qualifications",
    "Misleading product information",
    "Late dispatch",
    "Order cancellation rate",
    "Community guidelines: minor safety",
    "Unoriginal content",
    "Affiliate: misleading claims",
    "Shop performance: negative reviews",
]
ITEM_KINDS = {
    "listing_removal": ("sku", "product"),
    "penalty_points": ("sku", "order"),
    "shop_restriction": ("product",),
    "order_action": ("order",),
    "content_restriction": ("video",),
    "affiliate_restriction": ("video", "product"),
    "other": ("product",),
}
MARKETS = ["US", "US", "US", "GB", "ID", "MY", "TH", "VN", "PH", "SG"]
TIMEZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Asia/Jakarta"]
# The latest appeal's status, weighted: most are decided, some wait, a few are drafts.
LATEST_STATUS = [
    (Appeal.Status.REVERSED, 34),
    (Appeal.Status.PARTIALLY_REVERSED, 10),
    (Appeal.Status.UPHELD, 34),
    (Appeal.Status.UNDER_REVIEW, 12),
    (Appeal.Status.DRAFT, 5),
    (Appeal.Status.WITHDRAWN, 5),
]
POINTS_PENALTY = (0, 0, 0, 2, 4, 6, 12)
POINTS_OTHER = (0, 0, 1, 2)
EVIDENCE_COUNTS = (0, 1, 1, 2, 2, 3, 4, 5)
# What appeals_decided_rollup_rebuild fills (migrations 0021 and 0025).
ROLLUP_TABLES = [m._meta.db_table for m in (DecidedRollup, DecidedDay, ViolationDay, SubmittedDay, PointsDay)]
CATEGORY_TYPES = [("image", "image/png"), ("document", "application/pdf"), ("spreadsheet", "text/csv")]


def organization_sizes(orgs: int, violations: int) -> list[int]:
    """The first organization holds 10%, the second 5% (the benchmark's large agencies); the rest share evenly."""
    if orgs == 1:
        return [violations]
    if orgs == 2:
        return [violations - violations // 3, violations // 3]
    big, second = violations // 10, violations // 20
    rest = violations - big - second
    base, extra = divmod(rest, orgs - 2)
    return [big, second] + [base + (1 if i < extra else 0) for i in range(orgs - 2)]


class Copier:
    """COPY rows (dicts with the same keys as `first`) into a model's table; fields not given take their default."""

    def __init__(self, model: type[models.Model], first: dict) -> None:
        fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.name not in first)]
        given = [f for f in fields if f.attname in first or f.name in first]
        keys = [f.attname if f.attname in first else f.name for f in given]
        defaulted = [f for f in fields if f not in given]
        self.defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in defaulted)
        self.pick = itemgetter(*keys) if len(keys) > 1 else (lambda row: (row[keys[0]],))
        names = ", ".join(f'"{f.column}"' for f in given + defaulted)
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT {names} FROM "{table}" LIMIT 0')
            self.types = [column.type_code for column in cursor.description]
        self.statement = f'COPY "{table}" ({names}) FROM STDIN (FORMAT BINARY)'

    def copy(self, rows: list[dict], raw) -> int:
        """Binary COPY on the psycopg connection `raw`: each row's values are taken by one itemgetter and dumped
        by psycopg's C code, so no Python runs per value (text COPY spent most of the seed's time formatting)."""
        pick, defaults = self.pick, self.defaults
        with raw.cursor() as cursor, cursor.copy(self.statement) as copy:
            copy.set_types(self.types)
            write_row = copy.write_row
            for row in rows:
                write_row(pick(row) + defaults)
        return len(rows)


class CopyBehind:
    """COPY each chunk of generated rows in a thread, inside the seed's transaction (the same connection), while
    the next chunk is generated: the server stores one chunk while Python builds the next.

    The main thread must not use the connection between `submit` and `finish`.
    """

    LABELS = {Violation: "violations", ViolationItem: "affected IDs", Appeal: "appeals", Evidence: "evidence files"}

    def __init__(self) -> None:
        self.raw = connection.connection
        self.copiers: dict[type[models.Model], Copier] = {}
        self.counts = dict.fromkeys(self.LABELS.values(), 0)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-copy")
        self.pending: Future | None = None

    def submit(self, chunk: dict[type[models.Model], list[dict]]) -> None:
        self.wait()  # one chunk in flight: memory stays at two chunks
        for model, rows in chunk.items():
            if rows and model not in self.copiers:
                self.copiers[model] = Copier(model, rows[0])
        self.pending = self.pool.submit(self._copy, chunk)

    def _copy(self, chunk: dict[type[models.Model], list[dict]]) -> None:
        for model, rows in chunk.items():
            if rows:
                self.counts[self.LABELS[model]] += self.copiers[model].copy(rows, self.raw)

    def wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def finish(self) -> dict[str, int]:
        try:
            self.wait()
        finally:
            self.pool.shutdown()
        return self.counts


def raw_json(text: str) -> Jsonb:
    """JSON already written as text, for Copier (psycopg would encode a plain str as a JSON string)."""
    return Jsonb(text, dumps=_as_is)


def _as_is(text: str) -> str:
    return text


EMPTY_LIST = raw_json("[]")


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector off while the rows are made: they form no cycle (reference counting frees
    each), yet every ~2,000 new dicts and tuples started a collection, and the older generations' ones walked the
    chunks still held (1M seed at load 8-14: 74.7 -> 51.2 s of Python CPU)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class secondary_indexes_dropped:
    """Drop a table's indexes during a bulk load, then build them once at the end: those that back no constraint, and
    the unique constraints no foreign key leans on (added again, so a duplicate still fails the load). Each row then
    costs no index entry; each index is built from sorted rows instead. Primary keys stay (foreign keys need them),
    but for those of `primary_keys_too`, tables written in no order of their key that no foreign key references."""

    def __init__(self, tables: list[str], *, primary_keys_too: Iterable[str] = ()) -> None:
        self.tables = tables
        self.primary_keys_too = list(primary_keys_too)
        self.definitions: list[str] = []

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || "
                "quote_ident(i.indexname))::regclass)",
                [self.tables],
            )
            for name, definition in cursor.fetchall():
                self.definitions.append(definition)
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE (c.contype = 'u' OR c.contype = 'p' AND c.conrelid::regclass::text = ANY(%s)) "
                "AND c.conrelid::regclass::text = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
                [self.primary_keys_too, self.tables],
            )
            for table, name, definition in cursor.fetchall():
                self.definitions.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        return self

    def __exit__(self, *exc) -> None:
        with connection.cursor() as cursor:
            for definition in self.definitions:
                cursor.execute(definition)


class Command(BaseCommand):
    help = "Seed PostgreSQL with N organizations and N violations (COPY; reproducible with --seed). Bench data only."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--orgs", type=int, default=100)
        parser.add_argument("--violations", type=int, default=100_000)
        parser.add_argument("--appeals-ratio", type=float, default=0.8, help="share of violations with an appeal")
        parser.add_argument("--seed", type=int, default=20261122)
        parser.add_argument("--flush", action="store_true", help="TRUNCATE every Appeal Desk table first")

    def handle(self, *args, orgs: int, violations: int, appeals_ratio: float, seed: int, flush: bool, **opts) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("seed_demo uses COPY: point DATABASE_URL at PostgreSQL.")
        if orgs < 1 or violations < orgs:
            raise CommandError("Need at least one organization and one violation per organization.")
        started = time.perf_counter()
        if flush:
            self.flush()
        with collector_paused():
            counts = self.seed(orgs=orgs, violations=violations, ratio=appeals_ratio, rng=random.Random(seed))
        with connection.cursor() as cursor:
            for table in ("appeals_violation", "appeals_violationitem", "appeals_appeal", "appeals_evidence"):
                cursor.execute(f'ANALYZE "{table}"')
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{v:,} {k}" for k, v in counts.items())
        self.stdout.write(f"Seeded {summary} in {elapsed:.1f} s")

    def flush(self) -> None:
        tables = [m._meta.db_table for m in (Organization, User)]
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")

    @transaction.atomic
    def seed(self, *, orgs: int, violations: int, ratio: float, rng: random.Random) -> dict[str, int]:
        now = timezone.now().replace(microsecond=0)
        two_years = 730 * 86400
        password = make_password(BENCH_PASSWORD)
        first_org = Organization.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        organizations = Organization.objects.bulk_create(
            [
                Organization(
                    name=f"Bench Org {first_org + i + 1}",
                    slug=f"bench-{first_org + i + 1}",
                    timezone=TIMEZONES[i % len(TIMEZONES)],
                    is_agency=i % 3 == 0,
                )
                for i in range(orgs)
            ]
        )
        users = User.objects.bulk_create(
            [
                User(email=f"bench{o.pk}-{n}@example.com", full_name=f"Bench {o.pk}-{n}", password=password)
                for o in organizations
                for n in range(3)
            ]
        )
        # bulk_create skips the post_save that gives other new users a verified address; allauth needs one to log in.
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
        )
        roles = [Role.OWNER, Role.MANAGER, Role.MEMBER]
        Membership.objects.bulk_create(
            [Membership(user=u, organization=organizations[i // 3], role=roles[i % 3]) for i, u in enumerate(users)]
        )
        members_of = {o.pk: [u.pk for u in users[i * 3 : i * 3 + 3]] for i, o in enumerate(organizations)}
        sizes = organization_sizes(orgs, violations)
        accounts: list[Account] = []
        for organization, size in zip(organizations, sizes, strict=True):
            for n in range(max(1, min(200, size // 50, rng.randint(1, 200)))):
                kind = Account.Kind.CREATOR if n % 4 == 3 else Account.Kind.SELLER_SHOP
                accounts.append(
                    Account(
                        organization=organization,
                        kind=kind,
                        external_id=f"{'creator' if kind == 'creator' else 'shop'}{organization.pk}x{n}",
                        name=f"{'Creator' if kind == 'creator' else 'Shop'} {organization.pk}-{n}",
                        market=MARKETS[n % len(MARKETS)],
                    )
                )
        accounts = Account.objects.bulk_create(accounts, batch_size=5000)
        accounts_of: dict[int, list[Account]] = {}
        for account in accounts:
            accounts_of.setdefault(account.organization_id, []).append(account)

        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM appeals_violation")
            next_violation = cursor.fetchone()[0] + 1
            cursor.execute("SELECT coalesce(max(id), 0) FROM appeals_appeal")
            next_appeal = cursor.fetchone()[0] + 1

        # Every query before the rows are generated: the connection then belongs to the COPY thread.
        calendars = {o.pk: o.business_calendar() for o in organizations}
        tables = ["appeals_violation", "appeals_violationitem", "appeals_appeal", "appeals_evidence"]
        with connection.cursor() as cursor:
            # Bench data is generated consistent; skipping per-row foreign-key triggers makes COPY several times faster.
            cursor.execute("SET LOCAL session_replication_role = replica")
            # Room to sort each index in memory when it is built again at the end (the default spills to disk).
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # The volume and points rollups' primary keys go too: the recount writes their ~1.9M rows at 1M in the
        # order of its hash aggregates, a random insert each into a key index larger than shared_buffers.
        volume_rollups = [m._meta.db_table for m in (ViolationDay, SubmittedDay, PointsDay)]
        with secondary_indexes_dropped(tables + ROLLUP_TABLES, primary_keys_too=volume_rollups):
            behind = CopyBehind()
            generation_started = time.perf_counter()
            violation_rows: list[dict] = []
            item_rows: list[dict] = []
            appeal_rows: list[dict] = []
            evidence_rows: list[dict] = []

            def chunk() -> dict[type[models.Model], list[dict]]:
                rows = (violation_rows, item_rows, appeal_rows, evidence_rows)
                return dict(zip((Violation, ViolationItem, Appeal, Evidence), rows, strict=True))

            kinds_by_account = {k: sorted(v) for k, v in KINDS_FOR_ACCOUNT.items()}
            statuses, weights = zip(*LATEST_STATUS, strict=True)
            cumulative = list(itertools.accumulate(weights))
            total_weight = cumulative[-1] + 0.0
            violation_id, appeal_id = next_violation, next_appeal
            # random's public methods check their arguments in Python on every call (a third of the generation time);
            # these draw the very same numbers: randrange(n) and choice() are _randbelow, randint(a, b) is
            # a + _randbelow(b - a + 1), choices() bisects the cumulative weights. The seed gives the same data.
            below, uniform = rng._randbelow, rng.random
            # Business days between two dates depend on the calendar's days, not its timezone: orgs share the counts.
            decision_days_by_calendar: dict[tuple, dict[tuple, int]] = {}

            for organization, size in zip(organizations, sizes, strict=True):
                organization_id = organization.pk
                tz = ZoneInfo(organization.timezone)
                window = timedelta(days=organization.appeal_window_days)
                org_accounts = [(a.pk, kinds_by_account[a.kind]) for a in accounts_of[organization.pk]]
                accounts_count = len(org_accounts)
                members = members_of[organization.pk]
                created_by_id = members[2]
                calendar = calendars[organization_id]
                # per (submitted day, decided day): Appeal.decision_business_days
                decision_days = decision_days_by_calendar.setdefault(
                    (calendar.country, calendar.subdivision, calendar.working_days, calendar.closed_dates), {}
                )
                for n in range(size):
                    account_id, account_kinds = org_accounts[n % accounts_count]
                    kind = account_kinds[below(len(account_kinds))]
                    policy = POLICIES[(n * 7 + account_id) % len(POLICIES)]
                    assignee_id = members[n % 3] if n % 4 else None
                    enforced_at = now - timedelta(seconds=below(two_years))
                    enforced_day = enforced_at.astimezone(tz).date()
                    local_day = enforced_day + window
                    appeal_by = datetime(local_day.year, local_day.month, local_day.day, 23, 59, 59, tzinfo=tz)
                    status = CaseStatus.NOT_APPEALED
                    points = POINTS_PENALTY[below(7)] if kind == "penalty_points" else POINTS_OTHER[below(4)]
                    cleared = False
                    if uniform() < ratio:
                        latest = statuses[bisect(cumulative, uniform() * total_weight, 0, len(statuses) - 1)]
                        age = (now - enforced_at).days
                        if age > 45 and latest in (Appeal.Status.DRAFT, Appeal.Status.UNDER_REVIEW):
                            latest = Appeal.Status.UPHELD
                        rounds = 2 if latest != Appeal.Status.DRAFT and uniform() < 0.2 else 1
                        submitted = enforced_at + timedelta(hours=2 + below(24 * 20 - 1))
                        parent = None
                        for round_number in range(1, rounds + 1):
                            appeal_status = latest if round_number == rounds else Appeal.Status.UPHELD
                            is_draft = appeal_status == Appeal.Status.DRAFT
                            decided = appeal_status in Appeal.DECIDED
                            due_at = None if is_draft else submitted + timedelta(days=3 + below(3))
                            if appeal_status == Appeal.Status.UNDER_REVIEW:
                                due_at = now + timedelta(days=5 + below(36))
                            decided_at = submitted + timedelta(hours=20 + below(24 * 9 - 19)) if decided else None
                            decided_at = min(decided_at, now) if decided_at else None
                            appeal_rows.append(
                                {
                                    "id": appeal_id,
                                    "violation_id": violation_id,
                                    "organization_id": organization_id,
                                    "round": round_number,
                                    "parent_id": parent,
                                    "status": appeal_status,
                                    "builder_step": 5,
                                    "desired_outcome": "Reinstate the listing: the rule cited does not apply.",
                                    "rule_cited": POLICIES[n % len(POLICIES)],
                                    "ids": raw_json(f'{{"reference": "VR{violation_id}"}}'),
                                    "readiness_score": None if is_draft else 20 + below(81),
                                    "readiness_findings": EMPTY_LIST,
                                    "impacts_cleared": EMPTY_LIST,
                                    "submitted_at": None if is_draft else submitted,
                                    "due_at": due_at,
                                    "decided_at": decided_at,
                                    "created_at": enforced_at,
                                    "updated_at": decided_at or submitted,
                                    "created_by_id": created_by_id,
                                }
                            )
                            appeal_row = appeal_rows[-1]
                            # The analytics facts the services store (appeals.services.appeals.appeal_analytics_facts).
                            submitted_day = submitted.astimezone(tz).date()
                            days = None
                            if decided_at is not None:
                                pair = (submitted_day, decided_at.astimezone(tz).date())
                                if pair not in decision_days:
                                    decision_days[pair] = max(calendar.business_days_from_dates(*pair), 0)
                                days = decision_days[pair]
                            appeal_row.update(
                                violation_kind=kind,
                                violation_policy=policy,
                                violation_account_id=account_id,
                                violation_assignee_id=assignee_id,
                                notice_days=None if is_draft else (submitted_day - enforced_day).days,
                                decision_business_days=days,
                            )
                            appeal_row["evidence_count"] = appeal_row["evidence_categories"] = 0
                            for e in range(0 if is_draft else EVIDENCE_COUNTS[below(8)]):
                                category, content_type = CATEGORY_TYPES[(n + e) % 3]
                                appeal_row["evidence_count"] += 1
                                appeal_row["evidence_categories"] |= Evidence.CATEGORY_BITS[category]
                                evidence_rows.append(
                                    {
                                        "appeal_id": appeal_id,
                                        "organization_id": organization_id,
                                        "file": "bench/not-stored",
                                        "original_name": f"evidence-{e}.{content_type.rsplit('/', 1)[1]}",
                                        "content_type": content_type,
                                        "category": category,
                                        "size": 10_000 + below(3_990_001),
                                        "sha256": hashlib.sha256(f"{appeal_id}-{e}".encode()).hexdigest(),
                                        "caption": f"Evidence {e + 1}",
                                        "position": e,
                                        "created_at": submitted,
                                    }
                                )
                            parent = appeal_id
                            appeal_id += 1
                            submitted = (decided_at or submitted) + timedelta(days=1 + below(10))
                        status = CaseStatus(str(latest))
                        cleared = latest == Appeal.Status.REVERSED
                    violation_rows.append(
                        {
                            "id": violation_id,
                            "organization_id": organization_id,
                            "account_id": account_id,
                            "reference": f"VR{violation_id:09d}",
                            "kind": kind,
                            "policy": policy,
                            "action": "Listing removed" if kind == "listing_removal" else "Enforcement applied",
                            "record_status": "pending" if n % 9 == 0 else "enforced",
                            "enforced_at": enforced_at,
                            "notice": f"Your {kind.replace('_', ' ')} notice for case VR{violation_id:09d}.",
                            "penalty_points": points,
                            "points_cleared": cleared,
                            "appeal_by": appeal_by.astimezone(UTC),
                            "assignee_id": assignee_id,
                            "status": status,
                            "created_at": enforced_at,
                            "updated_at": enforced_at,
                            "created_by_id": created_by_id,
                        }
                    )
                    for item_n, item_kind in enumerate(ITEM_KINDS[kind][: 1 + below(2)]):
                        item_rows.append(
                            {
                                "violation_id": violation_id,
                                "organization_id": organization_id,
                                "kind": item_kind,
                                "value": f"{item_kind.upper()}{violation_id * 3 + item_n}",
                            }
                        )
                    violation_id += 1
                if len(violation_rows) >= COPY_CHUNK:
                    behind.submit(chunk())
                    violation_rows, item_rows, appeal_rows, evidence_rows = [], [], [], []

            behind.submit(chunk())
            counts = {"organizations": len(organizations), "accounts": len(accounts)} | behind.finish()
            self.stdout.write(f"generated and copied rows in {time.perf_counter() - generation_started:.1f} s")
            # COPY under session_replication_role = replica fired no trigger: count the analytics rollups now, while
            # the indexes are still away. The recount then reads the appeals in one sequential scan (after the index
            # build, through the covering index on a table never vacuumed: 77 s at 1M, load 7) and writes its ~2.6M
            # rows at 1M without a random insert each into decided_rollup_key (13 columns, far larger than
            # shared_buffers) or the volume rollups' keys; those are built with the others, and still refuse
            # duplicates.
            counted = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # The grouping sets' hash tables (~2.6M groups at 1M) in memory, not spilled in batches; and
                    # statistics of the rows just copied, so the recount is planned for their real size.
                    cursor.execute(f"SET LOCAL work_mem = '{ROLLUP_WORK_MEM}'")
                    cursor.execute("ANALYZE appeals_appeal, appeals_violation, core_organization")
                cursor.execute("SELECT appeals_decided_rollup_rebuild(NULL)")
            self.stdout.write(f"counted the analytics rollups in {time.perf_counter() - counted:.1f} s")
            indexed = time.perf_counter()
        self.stdout.write(f"built the indexes in {time.perf_counter() - indexed:.1f} s")
        with connection.cursor() as cursor:
            for table in tables:
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                cursor.execute(f"SELECT setval({sequence}, (SELECT coalesce(max(id), 1) FROM {table}))")
        return counts
