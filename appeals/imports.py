"""Violations from a CSV or XLSX file: map its columns, parse and validate (pure: no database), and export.

`parse_violations_csv(binary_file, accounts=..., timezone=...)` reads the file as a stream and returns the
clean rows and every error with its line (CSV) or row (spreadsheet) and column. A file whose headers are not
ours is read through a mapping {our column: the file's column position}, picked by a person once and kept
as an import profile. Writing is `services.violations.violations_import`.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from appeals.models import KINDS_FOR_ACCOUNT, Account, ViolationKind
from appeals.tables import FileProblem, Table, is_xlsx, open_table
from core.csv_writer import cell_restore, csv_lines

__all__ = ["FileProblem"]

COLUMNS = [
    "account",
    "reference",
    "kind",
    "policy",
    "action",
    "enforced_at",
    "sku_ids",
    "product_ids",
    "order_ids",
    "video_ids",
    "penalty_points",
    "notice",
]
REQUIRED = ["account", "reference", "kind", "policy", "enforced_at"]
ITEM_COLUMNS = {"sku_ids": "sku", "product_ids": "product", "order_ids": "order", "video_ids": "video"}
MAX_LENGTHS = {"reference": 120, "policy": 255, "action": 255}
MAX_ERRORS = 1000

# Headers other tools and teams use for our columns (lower case, words only), best first; they only
# pre-select the mapping step's choices, a person confirms them.
ALIASES: dict[str, list[str]] = {
    "account": [
        "shop id",
        "shop code",
        "seller id",
        "store id",
        "creator username",
        "creator",
        "username",
        "handle",
        "shop",
        "account id",
        "account name",
    ],
    "reference": [
        "violation id",
        "violation reference",
        "reference number",
        "reference no",
        "record id",
        "violation record id",
        "violation no",
        "case id",
        "ticket id",
        "ref",
        "id",
    ],
    "kind": ["violation type", "violation kind", "enforcement type", "type", "category"],
    "policy": ["violation reason", "reason", "policy violated", "policy name", "rule", "violation"],
    "action": ["enforcement action", "action taken", "enforcement", "penalty", "measure"],
    "enforced_at": [
        "enforced at",
        "enforcement date",
        "violation date",
        "violation time",
        "notice date",
        "date",
        "time",
        "created at",
        "created",
    ],
    "sku_ids": ["sku id", "sku ids", "skus", "sku"],
    "product_ids": ["product id", "product ids", "products", "listing id", "item id", "product"],
    "order_ids": ["order id", "order ids", "orders", "order number", "order"],
    "video_ids": ["video id", "video ids", "videos", "content id", "video"],
    "penalty_points": ["violation points", "penalty points", "points deducted", "points"],
    "notice": ["notice text", "details", "description", "message", "notes", "comment"],
}
LABELS = {
    "account": "Account (shop ID or creator username)",
    "reference": "Violation reference",
    "kind": "Kind",
    "policy": "Policy / reason",
    "action": "Action taken",
    "enforced_at": "Enforced date",
    "sku_ids": "SKU IDs",
    "product_ids": "Product IDs",
    "order_ids": "Order IDs",
    "video_ids": "Video IDs",
    "penalty_points": "Penalty points",
    "notice": "Notice text",
}
# How numeric dates such as 03/04/2026 are read: "auto" keeps the import's first rule (slashes are US
# month/day, dots are day.month); a mapping names the order when the file's dates leave it open.
DATE_ORDERS = {
    "auto": "As written (ISO YYYY-MM-DD, or typed as dates)",
    "mdy": "Month first: MM/DD/YYYY (US)",
    "dmy": "Day first: DD/MM/YYYY (UK, Europe)",
}

_LIST_SEPARATORS = re.compile(r"[;,]")
_WORDS = re.compile(r"[^a-z0-9]+")
_KIND_LOOKUP = {k.value: k.value for k in ViolationKind} | {k.label.lower(): k.value for k in ViolationKind}


@dataclass
class AccountRef:
    id: int
    kind: str
    name: str = ""


@dataclass
class ParseResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    row_count: int = 0
    unit: str = "line"  # what the numbers in rows and errors count: CSV lines or spreadsheet rows

    @property
    def ok(self) -> bool:
        return not self.errors


def _error(line: int, column: str, message: str) -> dict[str, Any]:
    return {"line": line, "column": column, "message": message}


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]")
_SLASH_YMD = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
# 03/04/2026, 3.4.2026, 03-04-2026, each optionally followed by a time (14:30 or 14:30:05).
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_WRITTEN_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y")


def parse_date(value: str, tz: ZoneInfo, *, latest: datetime | None = None, order: str = "auto") -> datetime:
    """ISO dates and datetimes, YYYY/MM/DD, numeric day/month dates and "Mar 1, 2026"; no zone means local time.

    `order` reads 03/04/2026: "mdy" (US), "dmy" (UK), or "auto" (slashes are month first, dots day first).
    `latest` is the last plausible moment (default: this time tomorrow); a file passes it once for all its rows.
    """
    value = value.strip()
    parsed: datetime | None = None
    try:
        if _ISO_DATE.fullmatch(value):
            parsed = datetime.combine(date.fromisoformat(value), time(0, 0), tzinfo=tz)
        elif _ISO_DATETIME.match(value):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif m := _SLASH_YMD.fullmatch(value):
            parsed = datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=tz)
        elif m := _NUMERIC_DATE.fullmatch(value):
            first, second = int(m[1]), int(m[3])
            day_first = order == "dmy" or (order == "auto" and m[2] == ".")
            month, day = (second, first) if day_first else (first, second)
            clock = (int(m[5]), int(m[6]), int(m[7] or 0)) if m[5] else (0, 0, 0)
            parsed = datetime(int(m[4]), month, day, *clock, tzinfo=tz)
        else:
            for pattern in _WRITTEN_FORMATS:
                try:
                    parsed = datetime.strptime(value.replace(".", ""), pattern).replace(tzinfo=tz)
                    break
                except ValueError:
                    continue
    except ValueError:
        raise ValueError(f"“{value}” is not a real date (check the day and month).") from None
    if parsed is None:
        raise ValueError(
            f"“{value}” is not a date; use YYYY-MM-DD (or YYYY-MM-DD HH:MM, YYYY/MM/DD, MM/DD/YYYY, Mar 1, 2026)."
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    if latest is None:
        latest = datetime.now(tz) + timedelta(days=1)
    if parsed.year < 2000 or parsed > latest:
        raise ValueError(f"“{value}” is not a plausible enforcement date (from 2000 to today).")
    return parsed


def split_list(value: str) -> list[str]:
    if "," not in value and ";" not in value:  # the usual single ID (or none): no regex, no dict
        value = value.strip()
        return [value] if value else []
    seen: dict[str, None] = {}
    for part in _LIST_SEPARATORS.split(value):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def _find_account(accounts: dict[str, AccountRef], value: str) -> AccountRef | None:
    if value in accounts:
        return accounts[value]
    lowered = value.lower()
    for candidate in (lowered, lowered.lstrip("@"), "@" + lowered.lstrip("@")):
        if candidate in accounts:
            return accounts[candidate]
    return None


def account_lookup(accounts: Iterable[Account]) -> dict[str, AccountRef]:
    """{external_id and its lower-case form: AccountRef} for parse_violations_csv."""
    lookup: dict[str, AccountRef] = {}
    for account in accounts:
        ref = AccountRef(id=account.pk, kind=account.kind, name=account.name)
        lookup.setdefault(account.external_id, ref)
        lookup.setdefault(account.external_id.lower(), ref)
    return lookup


def _words(header: str) -> str:
    return _WORDS.sub(" ", header.lower()).strip()


def header_key(header: list[str]) -> str:
    """Identifies a layout: the same headers in the same order give the same key (case and spacing aside)."""
    return hashlib.sha256("\x1f".join(_words(h) for h in header).encode()).hexdigest()


def exact_positions(header: list[str]) -> dict[str, int] | None:
    """Our columns by name (any order and case), or None when a required one is missing."""
    names = [h.strip().lower() for h in header]
    if any(c not in names for c in REQUIRED):
        return None
    return {column: names.index(column) for column in COLUMNS if column in names}


def suggest_positions(header: list[str]) -> dict[str, int]:
    """A first guess of the mapping: exact names, then known headers, then headers containing one; each once."""
    words = [_words(h) for h in header]
    taken: set[int] = set()
    found: dict[str, int] = {}
    for column in COLUMNS:
        for i, w in enumerate(words):
            if w == column.replace("_", " ") and i not in taken:
                found[column] = i
                taken.add(i)
                break
    for strict in (True, False):
        for column in COLUMNS:
            if column in found:
                continue
            for alias in ALIASES[column]:
                hit = next(
                    (
                        i
                        for i, w in enumerate(words)
                        if i not in taken and w and (w == alias if strict else f" {alias} " in f" {w} ")
                    ),
                    None,
                )
                if hit is not None:
                    found[column] = hit
                    taken.add(hit)
                    break
    return found


def date_order_of(values: Iterable[str]) -> str | None:
    """What numeric dates in a column say about their order: "mdy", "dmy", "auto" (no such date or no doubt),
    or None when every one could be read both ways (03/04/2026) and a person must say which."""
    ambiguous = False
    for value in values:
        m = _NUMERIC_DATE.fullmatch(value.strip())
        if m is None:
            continue
        first, second = int(m[1]), int(m[3])
        if first > 12 >= second:
            return "dmy"
        if second > 12 >= first:
            return "mdy"
        if first != second:
            ambiguous = True
    return None if ambiguous else "auto"


def _positions(table: Table, mapping: dict[str, int] | None) -> dict[str, int]:
    if mapping is None:
        names = [h.lower() for h in table.header]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise FileProblem(
                f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
                f"The first line must name the columns (any order): {', '.join(COLUMNS)}.",
                column=", ".join(missing),
            )
        duplicates = sorted({n for n in names if n and names.count(n) > 1})
        if duplicates:
            raise FileProblem(f"Column named twice: {', '.join(duplicates)}.", column=", ".join(duplicates))
        return {name: i for i, name in enumerate(names) if name}
    bad = [c for c, i in mapping.items() if c not in COLUMNS or not 0 <= int(i) < len(table.header)]
    if bad or any(c not in mapping for c in REQUIRED):
        raise FileProblem("The file's columns changed since they were matched; upload it again.")
    return {column: int(i) for column, i in mapping.items()}


def iter_violation_rows(
    binary: IO[bytes],
    *,
    accounts: dict[str, AccountRef],
    timezone: str | ZoneInfo = "UTC",
    mapping: dict[str, int] | None = None,
    date_order: str = "auto",
) -> Iterator[tuple[int, dict[str, Any] | None, list[dict[str, Any]]]]:
    """Yield (line or row, clean row or None, errors of that line); raises FileProblem for file-level problems.

    Without `mapping` the file's header names our columns; with it, `mapping` gives each of our columns'
    position in the file (from the mapping step or a saved import profile).
    """
    tz = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
    table = open_table(binary)
    where = _positions(table, mapping)
    width = len(table.header)
    # A spreadsheet row is as wide as its widest row; only a CSV line with more values than names is a mistake.
    strict_width = table.unit == "line"
    # Each row is read as a list padded to the header's width plus one "", so a column the file lacks reads
    # position -1: no dict per row (this loop runs once per row of files with hundreds of thousands).
    at = {column: where.get(column, -1) for column in COLUMNS}
    required = [(column, at[column]) for column in REQUIRED]
    limited = [(column, at[column], limit) for column, limit in MAX_LENGTHS.items()]
    item_columns = [(column, kind_name, at[column]) for column, kind_name in ITEM_COLUMNS.items()]
    i_account, i_reference, i_kind, i_policy, i_action, i_enforced, i_points, i_notice = (
        at[c] for c in ("account", "reference", "kind", "policy", "action", "enforced_at", "penalty_points", "notice")
    )
    kinds_for = {account_kind.value: kinds for account_kind, kinds in KINDS_FOR_ACCOUNT.items()}
    latest = datetime.now(tz) + timedelta(days=1)
    # Files repeat the same few dates: each distinct cell is parsed once (ISO text, or the error message).
    dates: dict[str, tuple[str, str]] = {}
    seen: set[tuple[int, str]] = set()
    for line, values in table.rows:
        # Text our export wrote with a leading apostrophe (core.csv_writer) reads back as it was.
        cells = [cell_restore(v.strip()) for v in values]
        if not any(cells):
            continue
        errors: list[dict[str, Any]] = []
        if len(cells) > width:
            if strict_width:
                errors.append(
                    _error(
                        line,
                        "",
                        f"This line has {len(values)} values but the header has {width} columns; "
                        "quote values that contain commas.",
                    )
                )
            else:
                del cells[width:]
        elif len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        cells.append("")
        for column, i in required:
            if not cells[i]:
                errors.append(_error(line, column, f"{column} is required."))
        for column, i, limit in limited:
            if len(cells[i]) > limit:
                errors.append(_error(line, column, f"{column} is longer than {limit} characters."))
        account_text, reference, kind_text = cells[i_account], cells[i_reference], cells[i_kind]
        account = None
        if account_text:
            account = _find_account(accounts, account_text)
            if account is None:
                errors.append(
                    _error(
                        line,
                        "account",
                        f"Unknown account “{account_text}”: add it on the Accounts page "
                        "first, or use its shop ID or creator username.",
                    )
                )
        kind = None
        if kind_text:
            kind = _KIND_LOOKUP.get(kind_text.lower())
            if kind is None:
                errors.append(
                    _error(
                        line,
                        "kind",
                        f"Unknown kind “{kind_text}”; use one of: " + ", ".join(ViolationKind.values) + ".",
                    )
                )
            elif account is not None and kind not in kinds_for[account.kind]:
                errors.append(
                    _error(
                        line,
                        "kind",
                        f"A {ViolationKind(kind).label.lower()} does not apply to a "
                        f"{Account.Kind(account.kind).label.lower()}.",
                    )
                )
        enforced_at = ""
        if enforced_text := cells[i_enforced]:
            if (parsed := dates.get(enforced_text)) is None:
                try:
                    parsed = (parse_date(enforced_text, tz, latest=latest, order=date_order).isoformat(), "")
                except ValueError as exc:
                    parsed = ("", str(exc))
                if len(dates) >= 10000:
                    dates.clear()
                dates[enforced_text] = parsed
            enforced_at, problem = parsed
            if problem:
                errors.append(_error(line, "enforced_at", problem))
        points = 0
        if points_text := cells[i_points]:
            try:
                points = int(points_text)
                if not 0 <= points <= 1000:
                    raise ValueError
            except ValueError:
                errors.append(_error(line, "penalty_points", "Penalty points are a whole number from 0 to 1000."))
        items: dict[str, list[str]] = {}
        for column, kind_name, i in item_columns:
            ids = split_list(cells[i])
            if ids and max(map(len, ids)) > 120:
                errors.append(_error(line, column, "An ID is longer than 120 characters."))
            items[kind_name] = ids
        if account is not None and reference:
            key = (account.id, reference)
            if key in seen:
                errors.append(
                    _error(line, "reference", f"Reference {reference} appears twice for this account in the file.")
                )
            seen.add(key)
        if errors:
            yield line, None, errors
            continue
        assert account is not None and enforced_at and kind is not None
        row: dict[str, Any] = {
            "line": line,
            "account_id": account.id,
            "reference": reference,
            "kind": kind,
            "policy": cells[i_policy],
            "action": cells[i_action],
            "enforced_at": enforced_at,
            "items": items,
            "penalty_points": points,
            "notice": cells[i_notice],
        }
        yield line, row, []


def parse_violations_csv(
    binary: IO[bytes],
    *,
    accounts: dict[str, AccountRef],
    timezone: str | ZoneInfo = "UTC",
    keep_rows: bool = True,
    mapping: dict[str, int] | None = None,
    date_order: str = "auto",
) -> ParseResult:
    """Read the whole file (CSV or XLSX); rows are kept only when asked."""
    result = ParseResult(unit="row" if is_xlsx(binary) else "line")
    try:
        for _line, row, errors in iter_violation_rows(
            binary, accounts=accounts, timezone=timezone, mapping=mapping, date_order=date_order
        ):
            result.row_count += 1
            if errors:
                if len(result.errors) < MAX_ERRORS:
                    result.errors.extend(errors)
            elif keep_rows and row is not None:
                result.rows.append(row)
    except FileProblem as exc:
        result.errors.append(exc.error)
        result.rows = []
    if not result.errors and result.row_count == 0:
        result.errors.append(_error(1, "", "The file has a header but no rows."))
    if result.errors:
        result.rows = []  # all rows or none: a file with any error is never half-applied
    return result


def checked_rows(
    binary: IO[bytes],
    *,
    accounts: dict[str, AccountRef],
    errors: list[dict[str, Any]],
    timezone: str | ZoneInfo = "UTC",
    mapping: dict[str, int] | None = None,
    date_order: str = "auto",
) -> Iterator[dict]:
    """Clean rows as a stream, for applying while reading (one pass, flat memory).

    Problems are appended to `errors`; once there is one, no more rows are yielded, but the file is read to
    the end so every problem is reported. The caller applies inside a transaction and rolls it back when
    `errors` is not empty: all rows or none.
    """
    seen_rows = 0
    try:
        for _line, row, row_errors in iter_violation_rows(
            binary, accounts=accounts, timezone=timezone, mapping=mapping, date_order=date_order
        ):
            seen_rows += 1
            if row_errors:
                if len(errors) < MAX_ERRORS:
                    errors.extend(row_errors)
            elif not errors and row is not None:
                yield row
    except FileProblem as exc:
        errors.append(exc.error)
        return
    if seen_rows == 0 and not errors:
        errors.append(_error(1, "", "The file has a header but no rows."))


# --- Export ------------------------------------------------------------------------------------------------


def export_lines(violations: Iterable[Any], *, timezone: str | ZoneInfo) -> Iterator[str]:
    """CSV lines (header first) for violations with prefetched items, in the import's columns."""
    tz = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)

    def rows() -> Iterator[list[Any]]:
        for v in violations:
            items: dict[str, list[str]] = {"sku": [], "product": [], "order": [], "video": []}
            for item in v.items.all():
                items[item.kind].append(item.value)
            yield [
                v.account.external_id,
                v.reference,
                v.kind,
                v.policy,
                v.action,
                v.enforced_at.astimezone(tz).isoformat(),
                ";".join(items["sku"]),
                ";".join(items["product"]),
                ";".join(items["order"]),
                ";".join(items["video"]),
                v.penalty_points,
                v.notice,
            ]

    return csv_lines(COLUMNS, rows())


def as_binary(text: str) -> IO[bytes]:
    """Helper for tests and the admin: a CSV string as the binary file the parser reads."""
    return io.BytesIO(text.encode("utf-8"))
