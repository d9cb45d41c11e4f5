"""The targets and the Markdown table written to bench/results/latest.md.

To add a measure's figure: a page measured by pages.measure() under result["pages"][name] gets its rows (median,
p95, queries, raw SQL, ratio, growth) by itself; put its name in PAGES to fix its place. Any other measure stored
under its own key shows as one generic row until it gets a `row(...)` in table(). A goal is a line in TARGETS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MILLION = 1_000_000
# A page whose median grows more than this from the smallest to the largest scale "grows with data" (a defect,
# issue 23: a page's time must not depend on how much data there is).
GROWTH_LIMIT = 1.5

# The pages in the table's order. Names others add (pages.pages() or their own module calling pages.measure()):
#   "case page, 1,000 entries"  the case page of a case seeded with 1,000 timeline entries
#   "search"                    free-text search over notice and policy in the 50k-case organization (pg_trgm)
# Pages read from the replica are named "<page> (replica)".
PAGES = [
    "inbox",
    "filtered list",
    "case page",
    "case page, 1,000 entries",
    "builder review step",
    "analytics dashboard",
    "search",
    "search, common word",
    "violations API list",
    "violations API list (replica)",
    "analytics dashboard (replica)",
]
# Result keys the table shows with their own rows; any other key gets a generic row.
KNOWN = {
    "violations",
    "organizations",
    "seed_seconds",
    "vacuum_seconds",
    "pages",
    "analytics_org",
    "list_org",
    "import",
    "xlsx_import",
    "sweep",
    "notice_parse",
    "inbound",
    "load",
    "replica",
    "search",
    "failed",
    "replica_catch_up_seconds",
}


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    met: Callable[[dict], bool]  # over one scale's results
    source: str  # the issue that set it
    at: int = MILLION
    # Judged on the first scale whose results hold what the target names, instead of at `at` (the full run's
    # recompute recounts 100k cases at 1M: its 10% organization; --recompute-only does at 100k).
    where: Callable[[dict], bool] | None = None


def _page(r: dict, name: str) -> dict:
    return r["pages"][name]


def _page_within(name: str, ms: float, queries: int | None = None) -> Callable[[dict], bool]:
    def met(r: dict) -> bool:
        page = _page(r, name)
        return page["median_ms"] <= ms and (queries is None or page["queries"] <= queries)

    return met


TARGETS = [
    Target("inbox median (50k-case org)", "≤ 15 ms", _page_within("inbox", 15), "#23"),
    Target("filtered list median (50k-case org)", "≤ 15 ms", _page_within("filtered list", 15), "#23"),
    Target("case page, 10 timeline entries", "≤ 25 ms, ≤ 12 queries", _page_within("case page", 25, 12), "#23"),
    Target(
        "case page, 1,000 timeline entries",
        "≤ 25 ms, ≤ 12 queries",
        _page_within("case page, 1,000 entries", 25, 12),
        "#23",
    ),
    Target(
        "inbox under load (gunicorn gthread, 2 processes, 20 connections, wrk)",
        "≥ 150 req/s, p95 < 150 ms, 0 errors",
        lambda r: r["load"]["rps"] >= 150 and r["load"]["p95_ms"] < 150 and r["load"]["errors"] == 0,
        "#23",
    ),
    Target(
        "analytics dashboard median (~100k decided appeals)",
        "≤ 150 ms",
        _page_within("analytics dashboard", 150),
        "#23",
    ),
    Target("search median (50k cases, pg_trgm)", "≤ 20 ms", _page_within("search", 20), "#23"),
    Target(
        "CSV import 100k rows",
        "≥ 10,000 rows/s, < 300 MB",
        lambda r: r["import"]["rows_per_second"] >= 10_000 and r["import"]["peak_mb"] < 300,
        "#23",
    ),
    Target("seed 1M violations", "≤ 90 s", lambda r: r["seed_seconds"] <= 90, "#23"),
    Target(
        "XLSX import 100k rows",
        "≥ 3,000 rows/s, < 300 MB",
        lambda r: r["xlsx_import"]["rows_per_second"] >= 3000 and r["xlsx_import"]["peak_mb"] < 300,
        "#19",
    ),
    Target(
        "reminder sweep with publishing, 1,500 due of 1M open appeals",
        "< 0.5 s",
        lambda r: r["sweep"]["total_seconds"] < 0.5,
        "#20",
    ),
    Target(
        "parsing a notice (labelled corpus)", "median < 5 ms", lambda r: r["notice_parse"]["median_ms"] < 5, "notices"
    ),
    Target(
        "inbound webhook to the notice in the inbox",
        "< 2 s",
        lambda r: r["inbound"]["shown"] and r["inbound"]["to_inbox_seconds"] < 2,
        "notices",
    ),
    Target(
        "deadline recompute job, 100k open cases",
        "< 60 s",
        lambda r: r["recompute"]["job_seconds"] < 60,
        "#22",
        where=lambda r: r.get("recompute", {}).get("checked", 0) >= 100_000,
    ),
]


def targets(results: list[dict]) -> list[dict]:
    rows = []
    for target in TARGETS:
        if target.where:
            at = next((r for r in results if target.where(r)), None)
        else:
            at = next((r for r in results if r["violations"] == target.at), None)
        try:
            verdict = None if at is None else bool(target.met(at))
        except (KeyError, TypeError):
            verdict = None
        rows.append(
            {
                "target": target.name,
                "goal": target.goal,
                "at": at["violations"] if at and target.where else target.at,
                "source": target.source,
                "met": verdict,
            }
        )
    return rows


def growth(results: list[dict]) -> list[dict]:
    """Each page's median from the smallest to the largest scale measured, flagged when it grows with the data."""
    if len(results) < 2:
        return []
    first, last = results[0], results[-1]
    rows = []
    for name in page_names(results):
        try:
            before, after = _page(first, name)["median_ms"], _page(last, name)["median_ms"]
        except (KeyError, TypeError):
            continue
        factor = after / before if before else None
        rows.append(
            {
                "page": name,
                "from": first["violations"],
                "to": last["violations"],
                "medians_ms": [r.get("pages", {}).get(name, {}).get("median_ms") for r in results],
                "factor": round(factor, 2) if factor else None,
                "grows_with_data": bool(factor and factor > GROWTH_LIMIT),
            }
        )
    return rows


def page_names(results: list[dict]) -> list[str]:
    seen = [name for r in results for name in r.get("pages", {})]
    return [p for p in PAGES if p in seen] + [p for p in dict.fromkeys(seen) if p not in PAGES]


def table(report: dict) -> str:
    scales = report["scales"]
    head = "| figure | " + " | ".join(f"{r['violations']:,} violations" for r in scales) + " |"
    lines = [head, "|---|" + "---|" * len(scales)]

    def row(label: str, fn) -> None:
        cells = []
        for r in scales:
            try:
                cells.append(fn(r))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("–")
        if any(cell != "–" for cell in cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("organizations", lambda r: f"{r['organizations']:,}")
    row(
        "recompute job (open cases, moved; inbox p95 alone → during)",
        lambda r: (
            f"{r['recompute']['job_seconds']} s for {r['recompute']['checked']:,} ({r['recompute']['moved']:,} moved); "
            f"inbox {r['recompute']['inbox_p95_ms_alone']} → {r['recompute']['inbox_p95_ms_during_job']} ms"
        ),
    )
    row("seed (COPY)", lambda r: f"{r['seed_seconds']} s (then VACUUM ANALYZE {r['vacuum_seconds']} s)")
    row(
        "list org / analytics org",
        lambda r: f"{r['list_org']['violations']:,} cases / {r['analytics_org']['decided_appeals']:,} decided",
    )
    for page in page_names(scales):
        row(
            f"{page}: median / p95 (Python CPU) / queries",
            lambda r, p=page: (
                f"{_page(r, p)['median_ms']} / {_page(r, p)['p95_ms']} ms ({_page(r, p).get('cpu_median_ms', '–')} ms)"
                f" / {_page(r, p)['queries']} q"
            ),
        )
        row(
            f"{page}: raw SQL lower bound (ratio)",
            lambda r, p=page: f"{_page(r, p)['raw_sql_median_ms']} ms ({_page(r, p)['ratio']}x)",
        )
    row("CSV import 100k rows", lambda r: f"{r['import']['rows_per_second']:,} rows/s, {r['import']['peak_mb']} MB")
    row(
        "CSV import 100k rows without the search indexes (their rebuild)",
        lambda r: (
            f"{r['search']['import_without_indexes']['rows_per_second']:,} rows/s "
            f"({r['search']['import_without_indexes']['index_build_seconds']} s)"
        ),
    )
    row(
        "XLSX import 100k rows",
        lambda r: f"{r['xlsx_import']['rows_per_second']:,} rows/s, {r['xlsx_import']['peak_mb']} MB",
    )
    row(
        "reminder sweep (1,500 due)",
        lambda r: (
            f"{r['sweep']['total_seconds']} s over {r['sweep']['open_appeals']:,} open "
            f"({r['sweep'].get('due_deadlines', 0):,} deadlines due, "
            f"{r['sweep']['reminder_rows']:,} rows in {r['sweep']['seconds']} s, "
            f"{r['sweep']['claims']:,} claimed in {r['sweep']['claim_seconds']} s, "
            f"{r['sweep'].get('tasks_published', 0):,} tasks published in {r['sweep'].get('publish_seconds')} s)"
        ),
    )
    row(
        "notice parsing, median / p95",
        lambda r: f"{r['notice_parse']['median_ms']} / {r['notice_parse']['p95_ms']} ms",
    )
    row(
        "Postmark webhook → inbox",
        lambda r: f"{r['inbound']['to_inbox_seconds']} s (webhook {r['inbound']['webhook_seconds']} s)",
    )
    row(
        "inbox under load",
        lambda r: (
            f"{r['load']['rps']} req/s, median {r['load']['median_ms']} ms, p95 {r['load']['p95_ms']} ms, "
            f"{r['load']['errors']} errors {r['load'].get('error_kinds') or ''} "
            f"({r['load']['tool']}; {r['load']['server']})"
        ),
    )
    row(
        "inbox under load: CPU per request (web / PostgreSQL / wrk) → req/s with all cores free",
        lambda r: (
            " / ".join(f"{ms} ms" for ms in r["load"]["cpu_ms_per_request"].values())
            + f" → {r['load']['cpu_bound_rps']} req/s"
        ),
    )
    row(
        "web worker memory after the load (RSS)",
        lambda r: " / ".join(f"{mb} MB" for mb in r["load"]["worker_rss_mb"]),
    )
    row("replica", lambda r: r["replica"]["note"])
    row("replica replayed the seed after", lambda r: f"{r['replica_catch_up_seconds']} s")
    row("FAILED measures", lambda r: "; ".join(f"{k}: {v}" for k, v in r["failed"].items()))
    for key in dict.fromkeys(k for r in scales for k in r if k not in KNOWN):
        row(key, lambda r, k=key: _generic(r[k]))

    if report.get("growth"):
        lines += ["", "Growth with the data (median; a page more than " + f"{GROWTH_LIMIT}x slower grows with data):"]
        lines += [
            "",
            "| page | " + " → ".join(f"{r['violations']:,}" for r in scales) + " | factor | |",
            "|---|---|---|---|",
        ]
        for g in report["growth"]:
            medians = " → ".join("–" if m is None else f"{m} ms" for m in g["medians_ms"])
            flag = "**grows with data**" if g["grows_with_data"] else "flat"
            lines.append(f"| {g['page']} | {medians} | {g['factor']}x | {flag} |")

    lines += ["", "| target | goal | at | issue | met |", "|---|---|---|---|---|"]
    for t in report["targets"]:
        verdict = {True: "met", False: "**NOT met**", None: "not measured"}[t["met"]]
        lines.append(f"| {t['target']} | {t['goal']} | {t['at']:,} | {t['source']} | {verdict} |")
    lines.append("")
    machine = report["machine"]
    lines.append(
        f"Machine: {machine['cores']} cores, Python {machine['python']}, PostgreSQL {machine['postgres']}; "
        f"load average {machine.get('load_before', '?')} before, {machine.get('load_after', '?')} after. "
        f"Generated {report['generated_at']}."
    )
    return "\n".join(lines) + "\n"


def _generic(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items() if not isinstance(v, dict | list))
    return str(value)
