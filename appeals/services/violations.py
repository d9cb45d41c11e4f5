"""Writes for the case log: record, edit, assign, watch, attach notices, import."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from appeals.models import (
    KINDS_FOR_ACCOUNT,
    Account,
    CaseStatus,
    NoticeAttachment,
    TimelineEvent,
    TimelineVerb,
    Violation,
    ViolationItem,
    ViolationKind,
    Watch,
)
from appeals.services import ServiceError, StaleVersion, evidence
from appeals.services.appeals import FACT_VIOLATION_INPUTS, appeal_analytics_facts_refresh
from appeals.services.status import violation_refresh_status
from appeals.services.timeline import timeline_record
from core.bulk import update_by_pk
from core.calendar import BusinessCalendar
from core.market_models import RuleVersion
from core.markets import PlatformRules, platform_clock, rules_for
from core.models import Membership, Organization
from core.rules import RuleBook, rule_version_for

ITEM_KINDS = [k.value for k in ViolationItem.Kind]
ITEM_MAX_LENGTH = 120
# Notice screenshots: images only, recognised by their content (not the name or the browser's claim).
ATTACHMENT_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
EDITABLE_FIELDS = ["account", "reference", "kind", "policy", "action", "record_status", "enforced_at", "notice"]

_ID_SEPARATORS = re.compile(r"[;,\s]+")


def split_ids(text: str | Iterable[str] | None) -> list[str]:
    """IDs typed or pasted as a list separated by `;`, `,`, spaces or new lines; order kept, duplicates dropped."""
    if text is None:
        return []
    parts = _ID_SEPARATORS.split(text) if isinstance(text, str) else [str(p).strip() for p in text]
    seen: dict[str, None] = {}
    for part in parts:
        if part:
            seen.setdefault(part, None)
    return list(seen)


def appeal_by_for(*, clock: BusinessCalendar, rules: PlatformRules, kind: str, enforced_at: datetime) -> datetime:
    """End of the last calendar day of the appeal window, on the platform clock (the account market's time)."""
    local_day: date = enforced_at.astimezone(clock.tz).date()
    return clock.end_of_day(local_day + timedelta(days=rules.appeal_window_for(kind)))


def case_clock_and_version(
    *, organization: Organization, account: Account, enforced_at: datetime
) -> tuple[BusinessCalendar, RuleVersion]:
    """The platform clock of the account's market and the rule version in force on the enforcement date."""
    clock = platform_clock(organization, account.market)
    version = rule_version_for(organization=organization, market=account.market, on=clock.local(enforced_at).date())
    return clock, version


def _check_kind(account: Account, kind: str) -> None:
    if kind not in ViolationKind.values:
        raise ServiceError("Choose a kind of violation from the list.", field="kind")
    if kind not in KINDS_FOR_ACCOUNT[Account.Kind(account.kind)]:
        allowed = ", ".join(
            ViolationKind(k).label.lower() for k in ViolationKind.values if k in KINDS_FOR_ACCOUNT[account.kind]
        )
        raise ServiceError(
            f"A {ViolationKind(kind).label.lower()} does not apply to a {account.get_kind_display().lower()}; "
            f"choose one of: {allowed}.",
            field="kind",
        )


def _check_reference_free(account: Account, reference: str, exclude_pk: int | None = None) -> None:
    clash = Violation.objects.filter(account=account, reference=reference)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ServiceError(
            f"{account.name} already has a violation with reference {reference}; open that case instead.",
            field="reference",
        )


def _clean_items(items: dict[str, Iterable[str] | str] | None) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for kind in ITEM_KINDS:
        values = split_ids((items or {}).get(kind))
        too_long = [v for v in values if len(v) > ITEM_MAX_LENGTH]
        if too_long:
            raise ServiceError(
                f"An ID is longer than {ITEM_MAX_LENGTH} characters: {too_long[0][:40]}…", field=f"{kind}_ids"
            )
        cleaned[kind] = values
    return cleaned


def _items_of(violation: Violation) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {k: [] for k in ITEM_KINDS}
    for item in violation.items.all():
        found[item.kind].append(item.value)
    return found


def _replace_items(violation: Violation, items: dict[str, list[str]]) -> None:
    violation.items.all().delete()
    ViolationItem.objects.bulk_create(
        [
            ViolationItem(violation=violation, organization_id=violation.organization_id, kind=kind, value=value)
            for kind, values in items.items()
            for value in values
        ]
    )


def _check_enforced_at(enforced_at: datetime) -> datetime:
    if enforced_at is None or enforced_at.tzinfo is None:
        raise ServiceError("Enter the date the action was enforced.", field="enforced_at")
    if enforced_at.year < 2000 or enforced_at > timezone.now() + timedelta(days=1):
        raise ServiceError("The enforcement date must be a real past date (from 2000 to today).", field="enforced_at")
    return enforced_at


def _check_points(points: int | None) -> int:
    points = int(points or 0)
    if not 0 <= points <= 1000:
        raise ServiceError("Penalty points are a whole number from 0 to 1000.", field="penalty_points")
    return points


@transaction.atomic
def violation_create(
    *,
    organization: Organization,
    account: Account,
    by,
    reference: str,
    kind: str,
    policy: str,
    enforced_at: datetime,
    action: str = "",
    record_status: str = Violation.RecordStatus.ENFORCED,
    notice: str = "",
    penalty_points: int | None = 0,
    items: dict[str, Iterable[str] | str] | None = None,
    assignee=None,
) -> Violation:
    """Record a violation, its affected IDs, its appeal-by date and a timeline entry."""
    if account.organization_id != organization.pk:
        raise ServiceError("Choose one of your organization's accounts.", field="account")
    reference = (reference or "").strip()
    if not reference:
        raise ServiceError("Enter the platform's violation reference number.", field="reference")
    _check_kind(account, kind)
    _check_enforced_at(enforced_at)
    _check_reference_free(account, reference)
    cleaned_items = _clean_items(items)
    clock, rule_version = case_clock_and_version(organization=organization, account=account, enforced_at=enforced_at)
    violation = Violation(
        organization=organization,
        account=account,
        reference=reference,
        kind=kind,
        policy=policy.strip(),
        action=(action or "").strip(),
        record_status=record_status or Violation.RecordStatus.ENFORCED,
        enforced_at=enforced_at,
        notice=notice or "",
        penalty_points=_check_points(penalty_points),
        appeal_by=appeal_by_for(
            clock=clock, rules=rules_for(organization, rule_version), kind=kind, enforced_at=enforced_at
        ),
        rule_version=rule_version,
        assignee=assignee,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            violation.save()
    except IntegrityError:
        # Someone recorded the same reference between our check and the insert.
        raise ServiceError(
            f"{account.name} already has a violation with reference {reference}.", field="reference"
        ) from None
    _replace_items(violation, cleaned_items)
    timeline_record(violation=violation, verb=TimelineVerb.CREATED, actor=by, data={"reference": reference})
    return violation


@transaction.atomic
def violation_update(*, violation: Violation, by, version: int, **changes: Any) -> Violation:
    """Edit a case; `version` is the one the editor saw, so a concurrent save is refused, not overwritten."""
    locked = Violation.objects.select_for_update().select_related("account", "organization").get(pk=violation.pk)
    if int(version) != locked.version:
        raise StaleVersion()
    items = changes.pop("items", None)
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"penalty_points"}
    if unknown:
        raise ServiceError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    account = changes.get("account", locked.account)
    if account.organization_id != locked.organization_id:
        raise ServiceError("Choose one of your organization's accounts.", field="account")
    kind = changes.get("kind", locked.kind)
    _check_kind(account, kind)
    if "reference" in changes:
        changes["reference"] = (changes["reference"] or "").strip()
        if not changes["reference"]:
            raise ServiceError("Enter the platform's violation reference number.", field="reference")
    reference = changes.get("reference", locked.reference)
    if account.pk != locked.account_id or reference != locked.reference:
        _check_reference_free(account, reference, exclude_pk=locked.pk)
    if "penalty_points" in changes:
        changes["penalty_points"] = _check_points(changes["penalty_points"])
    if "enforced_at" in changes:
        _check_enforced_at(changes["enforced_at"])

    changed: list[str] = []
    for name, value in changes.items():
        current = getattr(locked, name)
        if name == "account":
            if value.pk != locked.account_id:
                locked.account = value
                changed.append(name)
        elif current != value:
            setattr(locked, name, value)
            changed.append(name)
    if items is not None:
        cleaned_items = _clean_items(items)
        if {k: sorted(v) for k, v in cleaned_items.items()} != {k: sorted(v) for k, v in _items_of(locked).items()}:
            _replace_items(locked, cleaned_items)
            changed.append("affected IDs")
    if not changed:
        return locked
    if {"kind", "enforced_at", "account"} & set(changed):
        # The case's dates or market changed: the version in force on its enforcement date, and its window.
        clock, locked.rule_version = case_clock_and_version(
            organization=locked.organization, account=locked.account, enforced_at=locked.enforced_at
        )
        locked.appeal_by = appeal_by_for(
            clock=clock,
            rules=rules_for(locked.organization, locked.rule_version),
            kind=locked.kind,
            enforced_at=locked.enforced_at,
        )
    locked.version += 1
    locked.save()
    if {"kind", "enforced_at", "account"} & set(changed) and locked.status == CaseStatus.DRAFT:
        # A first-round draft's next deadline is the appeal window just moved (the header and the list's sort).
        violation_refresh_status(violation=locked)
    timeline_record(violation=locked, verb=TimelineVerb.EDITED, actor=by, data={"changed": changed})
    return locked


def _member_of(organization_id: int, user) -> bool:
    return Membership.objects.filter(organization_id=organization_id, user=user).exists()


@transaction.atomic
def violation_assign(*, violation: Violation, assignee, by) -> Violation:
    """Give the case to a member (or to nobody); the assignee starts watching it."""
    locked = Violation.objects.select_for_update().get(pk=violation.pk)
    if assignee is not None and not _member_of(locked.organization_id, assignee):
        raise ServiceError("Assign the case to a member of this organization.", field="assignee")
    if locked.assignee_id == (assignee.pk if assignee else None):
        return locked
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    if assignee is not None:
        Watch.objects.get_or_create(user=assignee, violation=locked)
    timeline_record(
        violation=locked,
        verb=TimelineVerb.ASSIGNED,
        actor=by,
        data={"assignee": str(assignee) if assignee else None, "assignee_id": assignee.pk if assignee else None},
    )
    return locked


@transaction.atomic
def violation_watch(*, violation: Violation, user, watching: bool = True) -> bool:
    """Start or stop watching a case; returns whether the user now watches it."""
    if watching:
        if not _member_of(violation.organization_id, user):
            raise ServiceError("Only members of this organization can watch its cases.", field="user")
        _, created = Watch.objects.get_or_create(user=user, violation=violation)
        if created:
            timeline_record(violation=violation, verb=TimelineVerb.WATCHED, actor=user)
        return True
    Watch.objects.filter(user=user, violation=violation).delete()
    return False


def violations_assign(*, organization: Organization, violation_ids: Iterable[int], assignee, by) -> int:
    """Bulk assign (list checkboxes); every case gets its own timeline entry."""
    count = 0
    for violation in Violation.objects.filter(organization=organization, pk__in=list(violation_ids)):
        violation_assign(violation=violation, assignee=assignee, by=by)
        count += 1
    return count


def violations_watch(*, organization: Organization, violation_ids: Iterable[int], user) -> int:
    count = 0
    for violation in Violation.objects.filter(organization=organization, pk__in=list(violation_ids)):
        violation_watch(violation=violation, user=user)
        count += 1
    return count


@transaction.atomic
def notice_attachment_add(*, violation: Violation, upload, by) -> NoticeAttachment:
    """Store a screenshot of the notice under a random name, after checking it really is an image."""
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ServiceError(f"The screenshot is larger than {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB.", field="file")
    content = upload.read()
    original_name = (getattr(upload, "name", "") or "notice").rsplit("/", 1)[-1][:255]
    # The evidence checks: the type from the bytes, then Pillow opens it within the pixel limit.
    try:
        sniffed = evidence.sniff(content, original_name)
    except ServiceError:
        sniffed = None
    if sniffed is None or sniffed.content_type not in ATTACHMENT_TYPES:
        raise ServiceError("Attach a screenshot as a PNG, JPEG, GIF or WebP image.", field="file")
    try:
        evidence.check_image(content, original_name)
    except ServiceError as exc:
        raise ServiceError(exc.message, field="file") from None
    sha256 = hashlib.sha256(content).hexdigest()
    if NoticeAttachment.objects.filter(violation=violation, sha256=sha256).exists():
        raise ServiceError("This screenshot is already attached to the case.", field="file")
    attachment = NoticeAttachment(
        violation=violation,
        organization_id=violation.organization_id,
        original_name=original_name,
        content_type=sniffed.content_type,
        size=len(content),
        sha256=sha256,
        uploaded_by=by,
    )
    attachment.file.save(evidence.download_name("notice", sniffed.content_type), ContentFile(content), save=False)
    attachment.save()
    timeline_record(
        violation=violation,
        verb=TimelineVerb.ATTACHMENT_ADDED,
        actor=by,
        data={"name": original_name, "size": len(content)},
    )
    return attachment


# --- Repeat violations ---------------------------------------------------------------------------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass
class RepeatInfo:
    count: int
    days: int
    threshold: int
    kind_label: str
    account_kind: str = ""
    warn: bool = field(init=False)

    def __post_init__(self) -> None:
        self.warn = self.count >= self.threshold

    @property
    def message(self) -> str:
        who = "creators" if self.account_kind == Account.Kind.CREATOR else "accounts"
        return (
            f"{_ordinal(self.count)} {self.kind_label.lower()} in {self.days} days: {who} lose e-commerce permissions "
            f"at {self.threshold} — fix the cause across the account before appealing, and appeal with strong evidence."
        )


def repeat_count(*, violation: Violation, count: int | None = None) -> RepeatInfo:
    """How many violations of the same kind the account received in the window ending with this one (`count`:
    already counted by the caller's query, as the case page's selector does)."""
    organization = violation.organization
    if count is None:
        since = violation.enforced_at - timedelta(days=organization.repeat_violation_days)
        count = Violation.objects.filter(
            account_id=violation.account_id,
            kind=violation.kind,
            enforced_at__gt=since,
            enforced_at__lte=violation.enforced_at,
        ).count()
    return RepeatInfo(
        count=count,
        days=organization.repeat_violation_days,
        threshold=organization.repeat_violation_count,
        kind_label=violation.get_kind_display(),
        account_kind=violation.account.kind,
    )


# --- CSV import ----------------------------------------------------------------------------------------------

IMPORT_BATCH_SIZE = 2000
_COMPARED = ["kind", "policy", "action", "enforced_at", "penalty_points", "notice"]
# What each new case brings (in _import_batch's tuples); the other columns are the same for the whole import.
_NEW_CASE_COLUMNS = [
    "id",
    "account_id",
    "reference",
    "kind",
    "policy",
    "action",
    "enforced_at",
    "notice",
    "penalty_points",
    "appeal_by",
    "rule_version_id",
]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # line number → "create" / "update" / "unchanged" (kept only when asked, for the preview)
    actions: dict[int, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _batched(rows: Iterable[dict], size: int) -> Iterable[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Writer:
    """Inserts rows of one model: binary COPY on PostgreSQL, bulk_create elsewhere.

    A row is a tuple of the values of `columns`, in that order. Every other column gets the value in `fixed`
    or the model's default, both taken once, so a field added later with a default keeps working here.
    """

    def __init__(self, model, columns: list[str], **fixed: Any) -> None:
        self.model = model
        self.columns = columns
        template = model()
        self.fixed_names = [
            f.attname for f in model._meta.concrete_fields if not f.primary_key and f.attname not in columns
        ]
        self.fixed = tuple(fixed[name] if name in fixed else getattr(template, name) for name in self.fixed_names)
        self.postgres = connection.vendor == "postgresql"
        self.types: list[int] | None = None
        self.sequence: str | None = None

    def insert(self, rows: Iterable[tuple]) -> None:
        """Write the rows; given lazily, they are built while the server stores the ones already sent."""
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return
        rows = itertools.chain([first], rows)
        names = self.columns + self.fixed_names
        if not self.postgres:
            fixed = self.fixed
            self.model.objects.bulk_create(
                [self.model(**dict(zip(names, row + fixed, strict=True))) for row in rows], batch_size=IMPORT_BATCH_SIZE
            )
            return
        by_name = {f.attname: f for f in self.model._meta.concrete_fields}
        columns = ", ".join(connection.ops.quote_name(by_name[name].column) for name in names)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            if self.types is None:
                # The columns' own types, so psycopg's C dumpers write each value in binary without guessing.
                cursor.execute(f"SELECT {columns} FROM {table} LIMIT 0")
                self.types = [column.type_code for column in cursor.description]
            # Binary COPY: no text escaping here and no text parsing of dates and JSON on the server.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(self.types)
                fixed, write_row = self.fixed, copy.write_row
                for row in rows:
                    write_row(row + fixed)

    def new_pks(self, count: int) -> list[int] | None:
        """Ids reserved from the table's sequence (PostgreSQL), so children can be written by COPY too."""
        if not self.postgres or not count:
            return None
        with connection.cursor() as cursor:
            if self.sequence is None:
                # Looked up once: pg_get_serial_sequence() inside the query would run again for every id.
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)", [self.model._meta.db_table, self.model._meta.pk.column]
                )
                self.sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [self.sequence, count])
            return [r[0] for r in cursor.fetchall()]


def _values_by_ids(model, columns: list[str], key: str, ids: list[int]) -> Iterable[tuple]:
    """Rows whose `key` is in ids; on PostgreSQL one array parameter (`= ANY(%s)`), not thousands of them."""
    if connection.vendor != "postgresql":
        yield from model.objects.filter(**{f"{key}__in": ids}).values_list(*columns)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {table} WHERE {connection.ops.quote_name(key)} = ANY(%s)", [ids])
        yield from cursor.fetchall()


@dataclass
class _ImportState:
    """What the batches of one import share: writers, caches and every key of the organization."""

    organization: Organization
    now: datetime
    known: dict[tuple[int, str], int]
    writers: dict[str, _Writer]
    book: RuleBook
    markets: dict[int, str]  # account id → market code
    appeal_by_day: dict[tuple[date, str, str], tuple[datetime, int]] = field(default_factory=dict)
    appeal_by_cache: dict[tuple[datetime, str, int], tuple[datetime, int]] = field(default_factory=dict)
    moments: dict[str, datetime] = field(default_factory=dict)
    created_ids: list[int] = field(default_factory=list)  # for the violation.created events after the batches

    def moment(self, text: str) -> datetime:
        """The row's ISO enforced_at as a datetime; files repeat the same few dates, so each is parsed once."""
        value = self.moments.get(text)
        if value is None:
            if len(self.moments) >= 10000:
                self.moments.clear()
            value = self.moments[text] = datetime.fromisoformat(text)
        return value

    def appeal_by(self, kind: str, enforced_at: datetime, account_id: int) -> tuple[datetime, int]:
        """(appeal_by, rule version id) of a case: computed once per market, local day and kind (and looked up
        once per distinct moment and account)."""
        value = self.appeal_by_cache.get((enforced_at, kind, account_id))
        if value is None:
            market = self.markets[account_id]
            clock = self.book.clock(market)
            local_day = enforced_at.astimezone(clock.tz).date()
            value = self.appeal_by_day.get((local_day, kind, market))
            if value is None:
                version = self.book.version_on(market, local_day)
                rules = self.book.rules(version)
                value = self.appeal_by_day[(local_day, kind, market)] = (
                    appeal_by_for(clock=clock, rules=rules, kind=kind, enforced_at=enforced_at),
                    version.pk,
                )
            if len(self.appeal_by_cache) >= 10000:
                self.appeal_by_cache.clear()
            self.appeal_by_cache[(enforced_at, kind, account_id)] = value
        return value


def _import_batch(*, state: _ImportState, batch: list[dict], dry_run: bool, result: ImportResult, keep_actions: bool):
    organization, known, now, writers = state.organization, state.known, state.now, state.writers

    # 1. Full rows only for the cases of this batch that exist (primary-key lookups), as plain tuples.
    existing: dict[tuple[int, str], tuple] = {}
    wanted_pks = [pk for r in batch if (pk := known.get((r["account_id"], r["reference"]))) is not None]
    if wanted_pks:
        for values in _values_by_ids(
            Violation, ["account_id", "reference", "id", "version", *_COMPARED], "id", wanted_pks
        ):
            existing[(values[0], values[1])] = values
    existing_items: dict[int, set[tuple[str, str]]] = {v[2]: set() for v in existing.values()}
    if existing:
        for vid, kind, value in _values_by_ids(
            ViolationItem, ["violation_id", "kind", "value"], "violation_id", list(existing_items)
        ):
            existing_items[vid].add((kind, value))

    # 2. Compare each row with what is stored.
    to_create: list[tuple[dict, datetime]] = []
    to_update: list[tuple[Violation, list[str]]] = []
    items_replaced: list[tuple[int, dict]] = []
    for row in batch:
        enforced_at = state.moment(row["enforced_at"])
        current = existing.get((row["account_id"], row["reference"])) if existing else None
        if current is None:
            action = "create"
            result.created += 1
            to_create.append((row, enforced_at))
        else:
            wanted = (row["kind"], row["policy"], row["action"], enforced_at, row["penalty_points"], row["notice"])
            wanted_items = {(kind, value) for kind, values in row["items"].items() for value in values}
            fields_changed = [name for name, old, new in zip(_COMPARED, current[4:], wanted, strict=True) if old != new]
            items_changed = wanted_items != existing_items[current[2]]
            if not fields_changed and not items_changed:
                action = "unchanged"
                result.unchanged += 1
            else:
                action = "update"
                result.updated += 1
                appeal_by, version_id = state.appeal_by(row["kind"], enforced_at, row["account_id"])
                violation = Violation(
                    pk=current[2],
                    organization_id=organization.pk,
                    account_id=row["account_id"],
                    reference=row["reference"],
                    version=current[3] + 1,
                    updated_at=now,
                    appeal_by=appeal_by,
                    rule_version_id=version_id,
                    **dict(zip(_COMPARED, wanted, strict=True)),
                )
                to_update.append((violation, fields_changed + (["affected IDs"] if items_changed else [])))
                if items_changed:
                    items_replaced.append((current[2], row))
        if keep_actions:
            result.actions[row["line"]] = action
    if dry_run:
        return

    # 3. Write: new cases (ids reserved first on PostgreSQL), changed cases, their IDs, timeline entries.
    created_ids: list[int] = []
    if to_create:
        # Each deadline (and a market's first rule version, a query) before the COPY starts: a query while the
        # COPY streams its rows cannot run on the connection the COPY holds.
        deadlines = [state.appeal_by(row["kind"], enforced_at, row["account_id"]) for row, enforced_at in to_create]
        pks = writers["violation"].new_pks(len(to_create))
        writers["violation"].insert(
            (
                (
                    pks[i] if pks is not None else None,
                    row["account_id"],
                    row["reference"],
                    row["kind"],
                    row["policy"],
                    row["action"],
                    enforced_at,
                    row["notice"],
                    row["penalty_points"],
                    appeal_by,
                    version_id,
                )
                for i, ((row, enforced_at), (appeal_by, version_id)) in enumerate(
                    zip(to_create, deadlines, strict=True)
                )
            )
        )
        if pks is None:
            lookup = {
                (account_id, reference): pk
                for account_id, reference, pk in Violation.objects.filter(
                    organization=organization, reference__in=[r["reference"] for r, _ in to_create]
                ).values_list("account_id", "reference", "pk")
            }
            pks = [lookup[(r["account_id"], r["reference"])] for r, _ in to_create]
        created_ids = pks
        state.created_ids.extend(pks)
        known.update(((r["account_id"], r["reference"]), pk) for (r, _), pk in zip(to_create, pks, strict=True))
    if to_update:
        update_by_pk(
            Violation,
            [v for v, _ in to_update],
            [*_COMPARED, "appeal_by", "rule_version", "version", "updated_at"],
            batch_size=IMPORT_BATCH_SIZE,
        )
        # bulk_update skips the signal that keeps the appeals' copies of these fields.
        appeal_analytics_facts_refresh(
            violation_ids=[v.pk for v, changed in to_update if FACT_VIOLATION_INPUTS.intersection(changed)]
        )
        # A new appeal window moves the next deadline of a first-round draft (and nothing else of a case that
        # left "not appealed"): count it again as violation_update does (it went stale before).
        from appeals.services.recompute import deadlines_recompute_cases  # it counts windows with appeal_by_for

        deadlines_recompute_cases(
            organization=organization,
            violation_ids=[v.pk for v, changed in to_update if {"kind", "enforced_at"}.intersection(changed)],
        )
    if items_replaced:
        ViolationItem.objects.filter(violation_id__in=[vid for vid, _ in items_replaced]).delete()
    writers["item"].insert(
        (vid, kind, value)
        for vid, row in itertools.chain(zip(created_ids, (r for r, _ in to_create), strict=True), items_replaced)
        for kind, values in row["items"].items()
        for value in values
    )
    imported = TimelineVerb.IMPORTED.value
    writers["event"].insert(
        itertools.chain(
            (
                (vid, imported, {"reference": row["reference"]})
                for vid, (row, _) in zip(created_ids, to_create, strict=True)
            ),
            ((v.pk, TimelineVerb.EDITED.value, {"changed": changed, "source": "import"}) for v, changed in to_update),
        )
    )


def _cases_counted_later(on: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('appeals.cases_counted_later', %s, true)", ["on" if on else "off"])


def violations_import(
    *, organization: Organization, rows: Iterable[dict], by, dry_run: bool = False, keep_actions: bool = False
) -> ImportResult:
    """Upsert validated rows (from appeals.imports) by account and reference, in one transaction.

    1. The organization's existing keys are loaded once; each batch loads the cases it names by id.
    2. Unchanged rows are skipped, so importing the same file twice changes nothing.
    3. New cases, their IDs and timeline entries are inserted with binary COPY (PostgreSQL) or bulk_create;
       changed ones with bulk_update.
    With dry_run nothing is written: the result says what would happen (the preview).
    """
    result = ImportResult()
    now = timezone.now()
    actor_id = by.pk if getattr(by, "is_authenticated", False) else None
    org_id = organization.pk
    writers = {
        "violation": _Writer(
            Violation,
            _NEW_CASE_COLUMNS,
            organization_id=org_id,
            created_by_id=actor_id,
            created_at=now,
            updated_at=now,
        ),
        "item": _Writer(ViolationItem, ["violation_id", "kind", "value"], organization_id=org_id),
        "event": _Writer(
            TimelineEvent,
            ["violation_id", "verb", "data"],
            organization_id=org_id,
            actor_id=actor_id,
            created_at=now,
        ),
    }
    with transaction.atomic():
        # 1. Every case of the organization by (account, reference) → id, in one query; the batches then only
        #    read the rows they will compare, by primary key (no plan depends on fresh table statistics).
        known = {
            (account_id, reference): pk
            for account_id, reference, pk in Violation.objects.filter(organization=organization)
            .values_list("account_id", "reference", "pk")
            .iterator(chunk_size=10000)
        }
        markets = dict(Account.objects.filter(organization=organization).values_list("pk", "market"))
        account_ids = set(markets)
        state = _ImportState(
            organization=organization,
            now=now,
            known=known,
            writers=writers,
            book=RuleBook(organization),
            markets=markets,
        )
        counted_later = not dry_run and connection.vendor == "postgresql"
        if counted_later:
            # The rollups' insert trigger would count each 2,000-row COPY on its own, updating the same day rows
            # once per statement; the new cases are counted once below instead (migration 0027). Transaction-local:
            # no session state is left on a pooled connection.
            _cases_counted_later(True)
        for batch in _batched(rows, IMPORT_BATCH_SIZE):
            if any(r["account_id"] not in account_ids for r in batch):
                raise ServiceError("A row names an account of another organization; nothing was imported.")
            _import_batch(state=state, batch=batch, dry_run=dry_run, result=result, keep_actions=keep_actions)
        if counted_later:
            with connection.cursor() as cursor:
                cursor.execute("SELECT appeals_volume_rollup_count_cases(%s::bigint[])", [state.created_ids])
            _cases_counted_later(False)
        if not dry_run:
            # Lazily, as timeline_record does: the destinations package imports the reminder services.
            from appeals.services.destinations.events import events_for_imported_cases

            events_for_imported_cases(organization, state.created_ids, by=by)
    return result


def violations_start_appeals(
    *,
    organization: Organization,
    violation_ids: Iterable[int],
    by,
    desired_outcome: str = "",
    rule_cited: str = "",
    explanation: str = "",
) -> tuple[int, list[str]]:
    """Bulk appeal for cases that share a cause: a round-1 draft for each case without an appeal.

    The shared text is passed to the builder's `appeal_start` as an unsaved template, so the appeal
    rules stay in one place. Returns (drafts started, references skipped because they have an appeal).
    """
    from appeals.models import AppealTemplate
    from appeals.services.appeals import appeal_start

    shared = None
    if desired_outcome or rule_cited or explanation:
        shared = AppealTemplate(
            organization=organization,
            name="Bulk appeal (shared cause)",
            desired_outcome=desired_outcome,
            rule_cited=rule_cited[:255],
            explanation=explanation,
        )
    started, skipped = 0, []
    cases = Violation.objects.filter(organization=organization, pk__in=list(violation_ids)).annotate(
        appeal_count=Count("appeals")
    )
    with transaction.atomic():
        for violation in cases.order_by("pk"):
            if violation.appeal_count:
                skipped.append(violation.reference)
                continue
            appeal_start(violation=violation, by=by, template=shared)
            started += 1
    return started, skipped
