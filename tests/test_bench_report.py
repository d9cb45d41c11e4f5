"""make bench's report: growth flags, target verdicts and the table (pure functions over result dicts)."""

from __future__ import annotations

from appeals.bench import report


def _page(median_ms: float, queries: int = 5) -> dict:
    return {
        "median_ms": median_ms,
        "p95_ms": median_ms * 1.2,
        "queries": queries,
        "raw_sql_median_ms": 1.0,
        "ratio": 2.0,
    }


def _scale(violations: int, pages: dict, **extra) -> dict:
    return {"violations": violations, "organizations": violations // 1000, "pages": pages, **extra}


def _report(results: list[dict]) -> dict:
    return {
        "generated_at": "2026-12-03T14:00:00+00:00",
        "machine": {"cores": 2, "python": "3.13", "postgres": 150020, "load_before": "1.00", "load_after": "2.00"},
        "scales": results,
        "growth": report.growth(results),
        "targets": report.targets(results),
    }


def test_a_page_slower_past_the_limit_from_the_smallest_to_the_largest_scale_grows_with_data():
    results = [
        _scale(10_000, {"inbox": _page(10), "analytics dashboard": _page(50)}),
        _scale(100_000, {"inbox": _page(11), "analytics dashboard": _page(90)}),
        _scale(1_000_000, {"inbox": _page(14), "analytics dashboard": _page(200)}),
    ]

    growth = {g["page"]: g for g in report.growth(results)}

    assert growth["inbox"]["factor"] == 1.4
    assert growth["inbox"]["grows_with_data"] is False
    assert growth["analytics dashboard"]["medians_ms"] == [50, 90, 200]
    assert growth["analytics dashboard"]["grows_with_data"] is True
    assert "| analytics dashboard | 50 ms → 90 ms → 200 ms | 4.0x | **grows with data** |" in report.table(
        _report(results)
    )


def test_targets_are_judged_at_their_scale_and_a_missing_measure_is_not_measured():
    at_1m = _scale(
        1_000_000,
        {"inbox": _page(14), "filtered list": _page(16), "case page": _page(20, queries=13)},
        seed_seconds=85.0,
    )

    verdicts = {t["target"]: t["met"] for t in report.targets([_scale(10_000, {"inbox": _page(1)}), at_1m])}

    assert verdicts["inbox median (50k-case org)"] is True
    assert verdicts["filtered list median (50k-case org)"] is False
    assert verdicts["case page, 10 timeline entries"] is False  # 13 queries > 12
    assert verdicts["seed 1M violations"] is True
    assert verdicts["search median (50k cases, pg_trgm)"] is None
    assert verdicts["CSV import 100k rows"] is None


def test_the_table_shows_a_measure_it_does_not_know_and_the_failed_ones():
    results = [
        _scale(
            10_000,
            {"inbox": _page(10)},
            something_new={"seconds": 1.5, "rows": 10},
            failed={"import": "CommandError: import_violations failed"},
        )
    ]

    table = report.table(_report(results))

    assert "| something_new | seconds 1.5, rows 10 |" in table
    assert "| FAILED measures | import: CommandError: import_violations failed |" in table
    assert "| inbox median (50k-case org) | ≤ 15 ms | 1,000,000 | #23 | not measured |" in table
    assert "load average 1.00 before, 2.00 after" in table


def test_the_recompute_target_is_judged_where_100k_cases_were_recounted():
    """The full run recounts 100k cases at 1M (its 10% organization) and 10k at 100k; it was judged at 100k, so a
    31.6 s recount of 100k cases read "NOT met"."""
    results = [
        _scale(100_000, {}, recompute={"checked": 10_000, "job_seconds": 3.0}),
        _scale(1_000_000, {}, recompute={"checked": 100_000, "job_seconds": 31.6}),
    ]

    (target,) = [t for t in report.targets(results) if t["target"].startswith("deadline recompute")]

    assert (target["met"], target["at"]) == (True, 1_000_000)
    slow = [_scale(100_000, {}, recompute={"checked": 100_000, "job_seconds": 75.0})]
    assert [t["met"] for t in report.targets(slow) if t["target"].startswith("deadline recompute")] == [False]
