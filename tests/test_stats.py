"""Pure statistics: success rate, Wilson interval, bands, percentiles."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeals import stats


@pytest.mark.parametrize(
    ("reversed_", "partial", "decided", "expected"),
    [(0, 0, 0, None), (1, 0, 1, 1.0), (0, 1, 1, 0.5), (2, 1, 6, 2.5 / 6), (0, 0, 4, 0.0)],
)
def test_success_rate(reversed_, partial, decided, expected):
    assert stats.success_rate(reversed_, partial, decided) == expected


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Reference values from the Wilson formula (z = 1.96).
        (5, 10, 0.2366, 0.7634),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_wilson_interval_reference_values(successes, n, low, high):
    got_low, got_high = stats.wilson_interval(successes, n)
    assert got_low == pytest.approx(low, abs=1e-4)
    assert got_high == pytest.approx(high, abs=1e-4)


def test_wilson_interval_of_nothing_is_none():
    assert stats.wilson_interval(0, 0) is None


@given(n=st.integers(min_value=1, max_value=100_000), data=st.data())
def test_wilson_interval_is_within_0_1_and_contains_the_rate(n, data):
    reversed_ = data.draw(st.integers(min_value=0, max_value=n))
    partial = data.draw(st.integers(min_value=0, max_value=n - reversed_))
    successes = stats.success_score(reversed_, partial)
    low, high = stats.wilson_interval(successes, n)
    rate = successes / n
    assert 0.0 <= low <= rate <= high <= 1.0


@given(n=st.integers(min_value=1, max_value=10_000), data=st.data())
def test_wilson_interval_narrows_with_more_data(n, data):
    k = data.draw(st.integers(min_value=0, max_value=n))
    low1, high1 = stats.wilson_interval(k, n)
    low4, high4 = stats.wilson_interval(4 * k, 4 * n)
    assert high4 - low4 <= high1 - low1 + 1e-12


def test_rate_flags_small_samples():
    assert stats.Rate(decided=4, reversed=4, partial=0).too_few
    rate = stats.Rate(
        decided=5,
        reversed=1,
        partial=2,
    )
    assert not rate.too_few
    assert rate.upheld == 2
    d = rate.as_dict()
    assert d["success_rate"] == 0.4
    assert d["interval_low"] < 0.4 < d["interval_high"]


@pytest.mark.parametrize(("count", "band"), [(0, "0"), (1, "1"), (2, "2-3"), (3, "2-3"), (4, "4+"), (57, "4+")])
def test_evidence_band(count, band):
    assert stats.evidence_band(count) == band


@pytest.mark.parametrize(
    ("score", "band"),
    [(None, "not_scored"), (0, "0-49"), (49, "0-49"), (50, "50-79"), (79, "50-79"), (80, "80-100"), (100, "80-100")],
)
def test_readiness_band(score, band):
    assert stats.readiness_band(score) == band


@pytest.mark.parametrize(
    ("days", "band"),
    [(None, None), (-1, None), (0, "0-2"), (2, "0-2"), (3, "3-7"), (7, "3-7"), (8, "8-30"), (30, "8-30"), (31, "31+")],
)
def test_notice_band(days, band):
    assert stats.notice_band(days) == band


@pytest.mark.parametrize(
    ("pairs", "q", "expected"),
    [
        ([], 0.5, None),
        ([(3, 1)], 0.9, 3.0),
        ([(1, 1), (3, 1), (5, 1)], 0.5, 3.0),
        ([(1, 1), (3, 1), (5, 1)], 0.9, 4.6),
        ([(1, 1), (2, 1), (3, 1), (4, 1)], 0.5, 2.5),
        ([(0, 9), (10, 1)], 0.9, 1.0),
    ],
)
def test_weighted_percentile(pairs, q, expected):
    got = stats.weighted_percentile(pairs, q)
    assert got == (pytest.approx(expected) if expected is not None else None)


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=60), st.floats(min_value=0, max_value=1))
def test_weighted_percentile_matches_the_expanded_list(values, q):
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    lo = math.floor(position)
    hi = min(lo + 1, len(ordered) - 1)
    expected = ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo)
    assert stats.weighted_percentile(counts.items(), q) == pytest.approx(expected)
