"""Dates as notices write them: ISO, US, UK and written-out, with or without a time and a zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
_ORD = r"(?:st|nd|rd|th)?"
_TIME = (
    r"(?:(?:\s*,\s*|\s+at\s+|\s+|T)(?P<h>\d{1,2})(?::(?P<mi>\d{2}))?(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?(?!\d)"
    r"(?:\s*\(?(?P<zone>(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|Z|UTC|GMT"
    r"|PST|PDT|MST|MDT|CST|CDT|EST|EDT|BST|CET|CEST|SGT|WIB|ICT)\)?(?![A-Za-z]))?)?"
)
_ISO = re.compile(r"(?<![\d/.-])(?P<y>20\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?![\d/])" + _TIME, re.I)
_NUMERIC = re.compile(r"(?<![\d/.-])(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>20\d{2})(?![\d/])" + _TIME, re.I)
_MONTH_FIRST = re.compile(
    r"(?<![A-Za-z])" + _WEEKDAY + _MONTH + r"\s+(?P<d>\d{1,2})" + _ORD + r",?\s+(?P<y>20\d{2})(?!\d)" + _TIME, re.I
)
_DAY_FIRST = re.compile(
    r"(?<![\dA-Za-z])"
    + _WEEKDAY
    + r"(?P<d>\d{1,2})"
    + _ORD
    + r"(?:\s+of)?\s+"
    + _MONTH
    + r",?\s+(?P<y>20\d{2})(?!\d)"
    + _TIME,
    re.I,
)
_PATTERNS = (_ISO, _MONTH_FIRST, _DAY_FIRST, _NUMERIC)
ZONES = {
    "Z": 0, "UTC": 0, "GMT": 0, "PST": -8, "PDT": -7, "MST": -7, "MDT": -6, "CST": -6, "CDT": -5, "EST": -5,
    "EDT": -4, "BST": 1, "CET": 1, "CEST": 2, "SGT": 8, "WIB": 7, "ICT": 7,
}  # fmt: skip


def _zone(text: str | None, default: tzinfo) -> tzinfo:
    if not text:
        return default
    text = text.upper().replace(" ", "")
    if text in ZONES:
        return timezone(timedelta(hours=ZONES[text])) if ZONES[text] else UTC
    found = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", text)
    if not found:
        return default
    sign = -1 if found.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(found.group(2)), minutes=int(found.group(3) or 0)))


def day_first_hint(text: str) -> bool | None:
    """True when the text's numeric dates are day/month (one has a day above 12), False when month/day, else None."""
    for found in _NUMERIC.finditer(text):
        a, b = int(found.group("a")), int(found.group("b"))
        if a > 12 >= b:
            return True
        if b > 12 >= a:
            return False
    return None


def find_dates(text: str, *, tz: tzinfo, day_first: bool = False) -> list[tuple[int, int, datetime, bool]]:
    """Every date in the text as (start, end, aware datetime, has_time), in order; a naive one is read in `tz`."""
    found: list[tuple[int, int, datetime, bool]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            value = _to_datetime(match, tz=tz, day_first=day_first)
            if value is None:
                continue
            has_time = match.group("h") is not None and (match.group("mi") is not None or match.group("ampm"))
            if match.group("h") is not None and not has_time:
                # A bare number after the date is not a time ("June 3, 2026 2 points").
                end = match.start("h")
                value = value.replace(hour=0)
            taken.append((start, end))
            found.append((start, end, value, bool(has_time)))
    found.sort(key=lambda f: f[0])
    return found


def _to_datetime(match: re.Match, *, tz: tzinfo, day_first: bool) -> datetime | None:
    groups = match.groupdict()
    year = int(groups["y"])
    if groups.get("mon"):
        month, day = MONTHS[groups["mon"].lower()], int(groups["d"])
    elif groups.get("a"):
        a, b = int(groups["a"]), int(groups["b"])
        if a > 12:
            day_first = True
        elif b > 12:
            day_first = False
        day, month = (a, b) if day_first else (b, a)
    else:
        month, day = int(groups["m"]), int(groups["d"])
    hour = minute = second = 0
    if groups.get("h") is not None and (groups.get("mi") is not None or groups.get("ampm")):
        hour, minute, second = int(groups["h"]), int(groups["mi"] or 0), int(groups["s"] or 0)
        ampm = (groups.get("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
    try:
        local = datetime.combine(date(year, month, day), time(hour, minute, second))
    except ValueError:
        return None
    zone = _zone(groups.get("zone"), tz)
    if hasattr(zone, "localize"):  # pragma: no cover - pytz zones are not used, but be safe
        return zone.localize(local)
    return local.replace(tzinfo=zone)
