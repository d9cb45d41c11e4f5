"""CSV of violations: parse and validate (pure: no database), and write the same columns for export.

`parse_violations_csv(binary_file, accounts=..., timezone=...)` reads the file as a stream and returns the
clean rows and every error with its line and column. Writing is `services.violations.violations_import`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from appeals.models import KINDS_FOR_ACCOUNT, Account, ViolationKind

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

_LIST_SEPARATORS = re.compile(r"[;,]")
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

    @property
    def ok(self) -> bool:
        return not self.errors


def _error(line: int, column: str, message: str) -> dict[str, Any]:
    return {"line": line, "column": column, "message": message}


class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, header, delimiter)."""

    def __init__(self, message: str, line: int = 1, column: str = "") -> None:
        super().__init__(message)
        self.error = _error(line, column, message)


def _text_lines(binary: IO[bytes]) -> Iterator[str]:
    """Decode UTF-8 (with or without a BOM) line by line, so a huge file never sits in memory."""
    head = binary.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (len(head) > 1 and b"\x00" in head[:200]):
        raise FileProblem("The file is not UTF-8 text (it looks like UTF-16 or a binary file). Save it as “CSV UTF-8”.")
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    pending = ""
    line_no = 1
    chunk = head
    while True:
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise FileProblem(
                "The file is not UTF-8 text (near line "
                f"{line_no + pending.count(chr(10))}). Save it as “CSV UTF-8” from your spreadsheet.",
                line=line_no,
            ) from None
        pending += text
        if "\n" in pending:
            *complete, pending = pending.split("\n")
            for piece in complete:
                line_no += 1
                yield piece + "\n"
        if not chunk:
            break
        chunk = binary.read(65536)
    if pending:
        yield pending


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]")
_SLASH_YMD = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_SLASH_MDY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(value: str, tz: ZoneInfo, *, latest: datetime | None = None) -> datetime:
    """ISO dates and datetimes, YYYY/MM/DD and MM/DD/YYYY; a time without zone is the organization's local time.

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
        elif m := _SLASH_MDY.fullmatch(value):
            parsed = datetime(int(m[3]), int(m[1]), int(m[2]), tzinfo=tz)
    except ValueError:
        raise ValueError(f"“{value}” is not a real date (check the day and month).") from None
    if parsed is None:
        raise ValueError(f"“{value}” is not a date; use YYYY-MM-DD (or YYYY-MM-DD HH:MM, YYYY/MM/DD, MM/DD/YYYY).")
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


def _read_header(lines: Iterator[str]) -> list[str]:
    for raw in lines:
        if raw.strip():
            break
    else:
        raise FileProblem("The file is empty. The first line must name the columns: " + ", ".join(COLUMNS) + ".")
    header = next(csv.reader([raw]))
    names = [h.strip().lower() for h in header]
    if len(names) == 1:
        for delimiter, word in ((";", "semicolons (;)"), ("\t", "tabs")):
            if delimiter in raw:
                raise FileProblem(
                    f"The columns are separated by {word}, not commas. Save the file as “CSV UTF-8 (comma delimited)”."
                )
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
    return names


def iter_violation_rows(
    binary: IO[bytes], *, accounts: dict[str, AccountRef], timezone: str | ZoneInfo = "UTC"
) -> Iterator[tuple[int, dict[str, Any] | None, list[dict[str, Any]]]]:
    """Yield (line, clean row or None, errors of that line); raises FileProblem for file-level problems."""
    tz = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
    lines = _text_lines(binary)
    names = _read_header(lines)
    width = len(names)
    # Each row is read as a list padded to the header's width plus one "", so a column the file lacks reads
    # position -1: no dict per row (this loop runs once per row of files with hundreds of thousands).
    where = {name: i for i, name in enumerate(names) if name}
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
    reader = csv.reader(lines)
    line = 1
    try:
        for values in reader:
            line = reader.line_num + 1
            cells = [v.strip() for v in values]
            if not any(cells):
                continue
            errors: list[dict[str, Any]] = []
            if len(cells) > width:
                errors.append(
                    _error(
                        line,
                        "",
                        f"This line has {len(values)} values but the header has {width} columns; "
                        "quote values that contain commas.",
                    )
                )
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
                        parsed = (parse_date(enforced_text, tz, latest=latest).isoformat(), "")
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
    except csv.Error as exc:
        raise FileProblem(f"Line {line + 1} cannot be read as CSV ({exc}).", line=line + 1) from None


def parse_violations_csv(
    binary: IO[bytes], *, accounts: dict[str, AccountRef], timezone: str | ZoneInfo = "UTC", keep_rows: bool = True
) -> ParseResult:
    """Read the whole file; rows are kept only when asked (the command validates first, then re-reads)."""
    result = ParseResult()
    try:
        for _line, row, errors in iter_violation_rows(binary, accounts=accounts, timezone=timezone):
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
) -> Iterator[dict]:
    """Clean rows as a stream, for applying while reading (one pass, flat memory).

    Problems are appended to `errors`; once there is one, no more rows are yielded, but the file is read to
    the end so every problem is reported. The caller applies inside a transaction and rolls it back when
    `errors` is not empty: all rows or none.
    """
    seen_rows = 0
    try:
        for _line, row, row_errors in iter_violation_rows(binary, accounts=accounts, timezone=timezone):
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


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_lines(violations: Iterable[Any], *, timezone: str | ZoneInfo) -> Iterator[str]:
    """CSV lines (header first) for violations with prefetched items, in the import's columns."""
    tz = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for v in violations:
        items: dict[str, list[str]] = {"sku": [], "product": [], "order": [], "video": []}
        for item in v.items.all():
            items[item.kind].append(item.value)
        local = v.enforced_at.astimezone(tz)
        yield writer.writerow(
            [
                v.account.external_id,
                v.reference,
                v.kind,
                v.policy,
                v.action,
                local.isoformat(),
                ";".join(items["sku"]),
                ";".join(items["product"]),
                ";".join(items["order"]),
                ";".join(items["video"]),
                v.penalty_points,
                v.notice,
            ]
        )


def as_binary(text: str) -> IO[bytes]:
    """Helper for tests and the admin: a CSV string as the binary file the parser reads."""
    return io.BytesIO(text.encode("utf-8"))
