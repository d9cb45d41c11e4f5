"""The targets and the Markdown table written to bench/results/latest.md.

To add a measure's figure: a `row(...)` in table() reading the result key your module stores, and when it has a
goal, a line in TARGETS (name, goal text, predicate over one scale's results, the scale it is judged at).
"""

from __future__ import annotations

# name, target text, predicate over (scale, value dict) → met?
TARGETS = [
    ("seed 1M violations", "< 120 s", lambda r: r.get("seed_seconds", 1e9) < 120, 1_000_000),
    (
        "inbox median (50k-case org)",
        "< 25 ms, ≤ 10 queries",
        lambda r: r["pages"]["inbox"]["median_ms"] < 25 and r["pages"]["inbox"]["queries"] <= 10,
        1_000_000,
    ),
    (
        "filtered list median (50k-case org)",
        "< 25 ms, ≤ 10 queries",
        lambda r: r["pages"]["filtered list"]["median_ms"] < 25 and r["pages"]["filtered list"]["queries"] <= 10,
        1_000_000,
    ),
    (
        "analytics median (100k decided appeals)",
        "< 300 ms",
        lambda r: r["pages"]["analytics dashboard"]["median_ms"] < 300,
        1_000_000,
    ),
    ("analytics ratio to raw SQL", "< 1.5x", lambda r: r["pages"]["analytics dashboard"]["ratio"] < 1.5, 1_000_000),
    (
        "CSV import 100k rows",
        "≥ 5,000 rows/s, < 300 MB",
        lambda r: r["import"]["rows_per_second"] >= 5000 and r["import"]["peak_mb"] < 300,
        1_000_000,
    ),
    (
        "XLSX import 100k rows",
        "≥ 3,000 rows/s, < 300 MB",
        lambda r: r["xlsx_import"]["rows_per_second"] >= 3000 and r["xlsx_import"]["peak_mb"] < 300,
        1_000_000,
    ),
    (
        "reminder sweep with publishing, 1,500 of all appeals due",
        "< 0.5 s",
        lambda r: r["sweep"]["total_seconds"] < 0.5,
        1_000_000,
    ),
    ("parsing a notice (labelled corpus)", "median < 5 ms", lambda r: r["notice_parse"]["median_ms"] < 5, 1_000_000),
    (
        "inbound webhook to the notice in the inbox",
        "< 2 s",
        lambda r: r["inbound"]["shown"] and r["inbound"]["to_inbox_seconds"] < 2,
        1_000_000,
    ),
    (
        "inbox under load (gunicorn 2 workers, 20 users)",
        "≥ 100 req/s, p95 < 250 ms, 0 errors",
        lambda r: r["load"]["rps"] >= 100 and r["load"]["p95_ms"] < 250 and r["load"]["errors"] == 0,
        1_000_000,
    ),
]


def targets(results: list[dict]) -> list[dict]:
    rows = []
    for name, target, met, scale in TARGETS:
        at = next((r for r in results if r["violations"] == scale), None)
        try:
            verdict = None if at is None else bool(met(at))
        except (KeyError, TypeError):
            verdict = None
        rows.append({"target": name, "goal": target, "at": scale, "met": verdict})
    return rows


def table(report: dict) -> str:
    scales = report["scales"]
    head = "| figure | " + " | ".join(f"{r['violations']:,} violations" for r in scales) + " |"
    lines = [head, "|---|" + "---|" * len(scales)]

    def row(label: str, fn) -> None:
        cells = []
        for r in scales:
            try:
                cells.append(fn(r))
            except (KeyError, TypeError):
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("organizations", lambda r: f"{r['organizations']:,}")
    row("seed (COPY)", lambda r: f"{r['seed_seconds']} s")
    for page in ("inbox", "filtered list", "case page", "builder review step", "analytics dashboard"):
        row(
            f"{page}: median / p95 / queries",
            lambda r, p=page: (
                f"{r['pages'][p]['median_ms']} / {r['pages'][p]['p95_ms']} ms / {r['pages'][p]['queries']} q"
            ),
        )
        row(
            f"{page}: raw SQL median (ratio)",
            lambda r, p=page: f"{r['pages'][p]['raw_sql_median_ms']} ms ({r['pages'][p]['ratio']}x)",
        )
    row(
        "list org / analytics org",
        lambda r: f"{r['list_org']['violations']:,} cases / {r['analytics_org']['decided_appeals']:,} decided",
    )
    row("CSV import 100k rows", lambda r: f"{r['import']['rows_per_second']:,} rows/s, {r['import']['peak_mb']} MB")
    row(
        "XLSX import 100k rows",
        lambda r: f"{r['xlsx_import']['rows_per_second']:,} rows/s, {r['xlsx_import']['peak_mb']} MB",
    )
    row(
        "reminder sweep (1,500 due)",
        lambda r: (
            f"{r['sweep']['total_seconds']} s over {r['sweep']['open_appeals']:,} open "
            f"({r['sweep']['reminder_rows']:,} rows in {r['sweep']['seconds']} s, "
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
            f"{r['load']['rps']} req/s, p95 {r['load']['p95_ms']} ms, "
            f"{r['load']['errors']} errors ({r['load']['tool']})"
        ),
    )
    lines += ["", "| target | goal | at | met |", "|---|---|---|---|"]
    for t in report["targets"]:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        lines.append(f"| {t['target']} | {t['goal']} | {t['at']:,} | {verdict} |")
    lines.append("")
    lines.append(
        f"Machine: {report['machine']['cores']} cores, Python {report['machine']['python']}, "
        f"PostgreSQL {report['machine']['postgres']}. Generated {report['generated_at']}."
    )
    return "\n".join(lines) + "\n"
