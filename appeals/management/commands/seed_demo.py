"""Fill PostgreSQL with a large, realistic, reproducible data set for the benchmark (COPY, fixed seed)."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from appeals.models import (
    KINDS_FOR_ACCOUNT,
    Account,
    Appeal,
    CaseStatus,
    Evidence,
    Violation,
    ViolationItem,
)
from core.models import Membership, Organization, Role, User

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
    """COPY rows into a model's table; fields not given take their model default."""

    def __init__(self, model: type[models.Model], given: list[str]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.name not in given)]
        self.given = given
        self.defaults = {
            f.attname: f.get_db_prep_save(f.get_default(), connection)
            for f in self.fields
            if f.attname not in given and f.name not in given
        }
        self.columns = [f.column for f in self.fields]

    def copy(self, rows: Iterator[dict]) -> int:
        """COPY in text format, written in chunks: several times faster than adapting each value."""
        table = self.model._meta.db_table
        names = ", ".join(f'"{c}"' for c in self.columns)
        keys = [(f.attname, f.name) for f in self.fields]
        defaults = [self.defaults.get(attname) for attname, _ in keys]
        count, chunk = 0, []
        with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for (attname, name), default in zip(keys, defaults, strict=True):
                    value = row[attname] if attname in row else row.get(name, default)
                    values.append(_copy_text(value))
                chunk.append("\t".join(values))
                count += 1
                if len(chunk) >= 20_000:
                    copy.write("\n".join(chunk) + "\n")
                    chunk = []
            if chunk:
                copy.write("\n".join(chunk) + "\n")
        return count


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return text


class secondary_indexes_dropped:
    """Drop a table's indexes that back no constraint during a bulk load, then build them once at the end."""

    def __init__(self, tables: list[str]) -> None:
        self.tables = tables
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
        return self

    def __exit__(self, *exc) -> None:
        with connection.cursor() as cursor:
            for definition in self.definitions:
                cursor.execute(definition)


def _json(value) -> str:
    import json

    return json.dumps(value)


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

        generation_started = time.perf_counter()
        violation_rows: list[dict] = []
        item_rows: list[dict] = []
        appeal_rows: list[dict] = []
        evidence_rows: list[dict] = []
        kinds_by_account = {k: sorted(v) for k, v in KINDS_FOR_ACCOUNT.items()}
        statuses, weights = zip(*LATEST_STATUS, strict=True)
        violation_id, appeal_id = next_violation, next_appeal

        for organization, size in zip(organizations, sizes, strict=True):
            tz = ZoneInfo(organization.timezone)
            window = timedelta(days=organization.appeal_window_days)
            org_accounts = accounts_of[organization.pk]
            members = members_of[organization.pk]
            calendar = organization.business_calendar()
            decision_days: dict[tuple, int] = {}  # per (submitted day, decided day): Appeal.decision_business_days
            for n in range(size):
                account = org_accounts[n % len(org_accounts)]
                kind = rng.choice(kinds_by_account[account.kind])
                policy = POLICIES[(n * 7 + account.pk) % len(POLICIES)]
                assignee_id = members[n % 3] if n % 4 else None
                enforced_at = now - timedelta(seconds=rng.randrange(two_years))
                local_day = enforced_at.astimezone(tz).date() + window
                appeal_by = datetime(local_day.year, local_day.month, local_day.day, 23, 59, 59, tzinfo=tz)
                status = CaseStatus.NOT_APPEALED
                points = rng.choice((0, 0, 0, 2, 4, 6, 12)) if kind == "penalty_points" else rng.choice((0, 0, 1, 2))
                cleared = False
                if rng.random() < ratio:
                    latest = rng.choices(statuses, weights)[0]
                    age = (now - enforced_at).days
                    if age > 45 and latest in (Appeal.Status.DRAFT, Appeal.Status.UNDER_REVIEW):
                        latest = Appeal.Status.UPHELD
                    rounds = 2 if latest != Appeal.Status.DRAFT and rng.random() < 0.2 else 1
                    submitted = enforced_at + timedelta(hours=rng.randint(2, 24 * 20))
                    parent = None
                    for round_number in range(1, rounds + 1):
                        appeal_status = latest if round_number == rounds else Appeal.Status.UPHELD
                        is_draft = appeal_status == Appeal.Status.DRAFT
                        decided = appeal_status in Appeal.DECIDED
                        due_at = None if is_draft else submitted + timedelta(days=rng.choice((3, 4, 5)))
                        if appeal_status == Appeal.Status.UNDER_REVIEW:
                            due_at = now + timedelta(days=rng.randint(5, 40))
                        decided_at = submitted + timedelta(hours=rng.randint(20, 24 * 9)) if decided else None
                        decided_at = min(decided_at, now) if decided_at else None
                        appeal_rows.append(
                            {
                                "id": appeal_id,
                                "violation_id": violation_id,
                                "organization_id": organization.pk,
                                "round": round_number,
                                "parent_id": parent,
                                "status": appeal_status,
                                "builder_step": 5,
                                "desired_outcome": "Reinstate the listing: the rule cited does not apply.",
                                "rule_cited": POLICIES[n % len(POLICIES)],
                                "ids": _json({"reference": f"VR{violation_id}"}),
                                "readiness_score": None if is_draft else rng.randint(20, 100),
                                "readiness_findings": _json([]),
                                "impacts_cleared": _json([]),
                                "submitted_at": None if is_draft else submitted,
                                "due_at": due_at,
                                "decided_at": decided_at,
                                "created_at": enforced_at,
                                "updated_at": decided_at or submitted,
                                "created_by_id": members[2],
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
                            violation_account_id=account.pk,
                            violation_assignee_id=assignee_id,
                            notice_days=None if is_draft else (submitted_day - enforced_at.astimezone(tz).date()).days,
                            decision_business_days=days,
                        )
                        appeal_row["evidence_count"] = appeal_row["evidence_categories"] = 0
                        for e in range(0 if is_draft else rng.choice((0, 1, 1, 2, 2, 3, 4, 5))):
                            category, content_type = CATEGORY_TYPES[(n + e) % 3]
                            appeal_row["evidence_count"] += 1
                            appeal_row["evidence_categories"] |= Evidence.CATEGORY_BITS[category]
                            evidence_rows.append(
                                {
                                    "appeal_id": appeal_id,
                                    "organization_id": organization.pk,
                                    "file": "bench/not-stored",
                                    "original_name": f"evidence-{e}.{content_type.rsplit('/', 1)[1]}",
                                    "content_type": content_type,
                                    "category": category,
                                    "size": rng.randint(10_000, 4_000_000),
                                    "sha256": hashlib.sha256(f"{appeal_id}-{e}".encode()).hexdigest(),
                                    "caption": f"Evidence {e + 1}",
                                    "position": e,
                                    "created_at": submitted,
                                }
                            )
                        parent = appeal_id
                        appeal_id += 1
                        submitted = (decided_at or submitted) + timedelta(days=rng.randint(1, 10))
                    status = CaseStatus(str(latest))
                    cleared = latest == Appeal.Status.REVERSED
                violation_rows.append(
                    {
                        "id": violation_id,
                        "organization_id": organization.pk,
                        "account_id": account.pk,
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
                        "created_by_id": members[2],
                    }
                )
                for item_n, item_kind in enumerate(ITEM_KINDS[kind][: rng.randint(1, 2)]):
                    item_rows.append(
                        {
                            "violation_id": violation_id,
                            "organization_id": organization.pk,
                            "kind": item_kind,
                            "value": f"{item_kind.upper()}{violation_id * 3 + item_n}",
                        }
                    )
                violation_id += 1

        self.stdout.write(f"generated rows in {time.perf_counter() - generation_started:.1f} s")
        with connection.cursor() as cursor:
            # Bench data is generated consistent; skipping per-row foreign-key triggers makes COPY several times faster.
            cursor.execute("SET LOCAL session_replication_role = replica")
        given_violation = list(violation_rows[0]) if violation_rows else []
        counts = {"organizations": len(organizations), "accounts": len(accounts)}
        tables = ["appeals_violation", "appeals_violationitem", "appeals_appeal", "appeals_evidence"]
        with secondary_indexes_dropped(tables):
            counts.update(self.copy_all(violation_rows, item_rows, appeal_rows, evidence_rows, given_violation))
        with connection.cursor() as cursor:
            for table in tables:
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                cursor.execute(f"SELECT setval({sequence}, (SELECT coalesce(max(id), 1) FROM {table}))")
        return counts

    def copy_all(self, violation_rows, item_rows, appeal_rows, evidence_rows, given_violation) -> dict[str, int]:
        counts = {}
        counts["violations"] = Copier(Violation, given_violation).copy(iter(violation_rows))
        counts["affected IDs"] = Copier(ViolationItem, ["violation_id", "organization_id", "kind", "value"]).copy(
            iter(item_rows)
        )
        appeal_fields = list(appeal_rows[0]) if appeal_rows else ["id"]
        counts["appeals"] = Copier(Appeal, appeal_fields).copy(iter(appeal_rows))
        evidence_fields = list(evidence_rows[0]) if evidence_rows else []
        counts["evidence files"] = Copier(Evidence, evidence_fields).copy(iter(evidence_rows))
        return counts
