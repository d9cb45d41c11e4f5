"""Pure statistics for analytics: success rates, Wilson intervals, bands and percentiles.

No database, no Django: everything here is a function of numbers, so it is table-tested
and property-tested (tests/test_stats.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# A breakdown with fewer decided appeals than this is shown as "too few to judge".
MIN_SAMPLE = 5
Z_95 = 1.959963984540054


def success_score(reversed_: float, partial: float) -> float:
    """Reversed appeals count 1, partially reversed count 0.5."""
    return reversed_ + 0.5 * partial


def success_rate(reversed_: int, partial: int, decided: int) -> float | None:
    """(reversed + 0.5 * partially reversed) / decided; None when nothing was decided."""
    if decided <= 0:
        return None
    return success_score(reversed_, partial) / decided


def wilson_interval(successes: float, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion; successes may be fractional (half wins).

    None when n is 0. Always within [0, 1] and always contains successes / n.
    """
    if n <= 0:
        return None
    p = min(max(successes / n, 0.0), 1.0)
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(max(p * (1 - p) / n + z2 / (4 * n * n), 0.0)) / denominator
    low = max(0.0, centre - half)
    high = min(1.0, centre + half)
    # Floating point can leave the rate a hair outside at the extremes.
    return min(low, p), max(high, p)


@dataclass(frozen=True)
class Rate:
    """A success rate with its sample size and 95% interval, ready for a table row or JSON."""

    decided: int
    reversed: int
    partial: int

    @property
    def upheld(self) -> int:
        return self.decided - self.reversed - self.partial

    @property
    def rate(self) -> float | None:
        return success_rate(self.reversed, self.partial, self.decided)

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(success_score(self.reversed, self.partial), self.decided)

    @property
    def too_few(self) -> bool:
        return self.decided < MIN_SAMPLE

    @property
    def percent(self) -> str:
        return format_percent(self.rate)

    @property
    def interval_percent(self) -> str:
        interval = self.interval
        if interval is None:
            return "–"
        return f"{format_percent(interval[0])}–{format_percent(interval[1])}"

    def as_dict(self) -> dict:
        interval = self.interval
        return {
            "decided": self.decided,
            "reversed": self.reversed,
            "partially_reversed": self.partial,
            "upheld": self.upheld,
            "success_rate": None if self.rate is None else round(self.rate, 4),
            "interval_low": None if interval is None else round(interval[0], 4),
            "interval_high": None if interval is None else round(interval[1], 4),
            "too_few_to_judge": self.too_few,
        }


def format_percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


# Bands: (key, label, low inclusive, high inclusive or None for open-ended).
EVIDENCE_BANDS = [
    ("0", "0 files", 0, 0),
    ("1", "1 file", 1, 1),
    ("2-3", "2–3 files", 2, 3),
    ("4+", "4+ files", 4, None),
]
READINESS_BANDS = [("0-49", "0–49", 0, 49), ("50-79", "50–79", 50, 79), ("80-100", "80–100", 80, 100)]
READINESS_NOT_SCORED = ("not_scored", "Not scored")
NOTICE_BANDS = [
    ("0-2", "0–2 days", 0, 2),
    ("3-7", "3–7 days", 3, 7),
    ("8-30", "8–30 days", 8, 30),
    ("31+", "31+ days", 31, None),
]


def band_for(value: int | None, bands: list[tuple[str, str, int, int | None]]) -> str | None:
    """The key of the band holding value (None for None or below the first band)."""
    if value is None:
        return None
    for key, _label, low, high in bands:
        if value >= low and (high is None or value <= high):
            return key
    return None


def evidence_band(count: int) -> str | None:
    return band_for(count, EVIDENCE_BANDS)


def readiness_band(score: int | None) -> str:
    return band_for(score, READINESS_BANDS) or READINESS_NOT_SCORED[0]


def notice_band(days: int | None) -> str | None:
    return band_for(days, NOTICE_BANDS)


def weighted_percentile(pairs: Iterable[tuple[int, int]], q: float) -> float | None:
    """The q-th percentile (0..1) of values given as (value, weight) pairs, linear interpolation.

    Same definition as numpy's default ("linear"): position q * (n - 1) in the sorted list.
    """
    items = sorted((v, w) for v, w in pairs if w > 0)
    n = sum(w for _, w in items)
    if n == 0:
        return None
    position = q * (n - 1)
    lower_index = math.floor(position)
    fraction = position - lower_index

    def value_at(index: int) -> int:
        seen = 0
        for value, weight in items:
            seen += weight
            if index < seen:
                return value
        return items[-1][0]

    low = value_at(lower_index)
    if fraction == 0:
        return float(low)
    high = value_at(lower_index + 1)
    return low + (high - low) * fraction
