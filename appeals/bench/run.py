"""Runs every measure at each scale and writes the report (JSON, and the Markdown table beside it).

To add a measure: a module with one function returning a dict of figures, called from run_scale() under its own
key; then its row (and target) in report.py.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from appeals.bench import report as bench_report
from appeals.bench.imports import import_file
from appeals.bench.load import load
from appeals.bench.pages import pages
from appeals.bench.recompute import recompute_bench
from appeals.bench.replica import replay_paused, replica_pages, wait_for_replay
from appeals.bench.search import search
from appeals.bench.seed import decided, largest_orgs, seed, vacuum
from appeals.bench.sweep import sweep
from appeals.notices import bench as notice_bench
from core.db_router import REPLICA

RESULTS = Path(settings.BASE_DIR) / "bench" / "results"


def run(
    *,
    scales: list[int],
    orgs_per_million: int,
    runs: int,
    load_seconds: int,
    skip_load: bool,
    sweep_only: bool,
    reuse: bool,
    output: Path,
    stdout,
    recompute_only: bool = False,
) -> dict:
    if connection.vendor != "postgresql":
        raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL (make bench does).")
    if "bench" not in connection.settings_dict["NAME"]:
        raise CommandError("The benchmark flushes its database: use one whose name contains 'bench'.")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    load_before = _load_average()
    results = []
    for scale in scales:
        stdout.write(f"\n== {scale:,} violations ==")
        orgs = max(3, scale * orgs_per_million // 1_000_000)
        if recompute_only:  # one organization holding every case: the job recounts `scale` open cases
            result = {"violations": scale, "organizations": 1}
            result |= {"seed_seconds": 0.0, "vacuum_seconds": vacuum()} if reuse else seed(scale, 1, stdout=stdout)
            result["recompute"] = recompute_bench(largest_orgs()[0][0], stdout=stdout)
            results.append(result)
            continue
        results.append(
            run_scale(
                scale,
                orgs,
                runs=runs,
                load_seconds=load_seconds,
                skip_load=skip_load,
                sweep_only=sweep_only,
                reuse=reuse,
                stdout=stdout,
            )
        )
    report = {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "postgres": connection.cursor().connection.info.server_version,
            "load_before": load_before,
            "load_after": _load_average(),
        },
        "scales": results,
        "growth": bench_report.growth(results),
        "targets": bench_report.targets(results),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    table = bench_report.table(report)
    output.with_suffix(".md").write_text(table)
    stdout.write("\n" + table)
    stdout.write(f"\nWritten to {output} and {output.with_suffix('.md')}")
    return report


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages: the machine is shared, so every report says how busy it was."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def run_scale(
    scale: int, orgs: int, *, runs: int, load_seconds: int, skip_load: bool, sweep_only: bool, reuse: bool, stdout
) -> dict:
    result: dict = {"violations": scale, "organizations": orgs}
    if reuse:
        result |= {"seed_seconds": 0.0, "vacuum_seconds": vacuum()}
    else:
        result |= seed(scale, orgs, stdout=stdout)
    if sweep_only:
        result["sweep"] = sweep(stdout=stdout)
        return result
    if REPLICA in connections.settings:
        # The replica replays the VACUUM on the same machine: wait, so that no page is timed beside the replay.
        wait_for_replay()
    biggest, second = largest_orgs()
    result["analytics_org"] = {"violations": biggest[1], "decided_appeals": decided(biggest[0])}
    result["list_org"] = {"violations": second[1]}

    def measured(key: str, fn, *args, **kwargs) -> None:
        # A measure that fails is reported as failed (its targets "not measured"); the others still run.
        try:
            result[key] = fn(*args, **kwargs)
        except Exception as exc:
            stdout.write(f"  {key}: FAILED {type(exc).__name__}: {str(exc)[-500:]}")
            result.setdefault("failed", {})[key] = f"{type(exc).__name__}: {str(exc)[-300:]}"

    with override_settings(DATABASE_REPLICA_ENABLED=False):  # the primary's figures; replica.py reads the replica
        measured("pages", pages, biggest[0], second[0], runs, stdout=stdout)
    # Other measures on the seeded data go here, before the sweep and the imports below change it (the sweep opens
    # every appeal; the imports add 200,000 violations to the list organization): the case page with 1,000
    # timeline entries and search add pages (report.PAGES), the replica reads the same pages again.
    measured("search", search, second[0], runs, stdout=stdout)
    result.setdefault("pages", {}).update(result.get("search", {}).pop("pages", {}))
    measured("replica", replica_pages, biggest[0], second[0], runs, stdout=stdout)
    result.setdefault("pages", {}).update(result.get("replica", {}).pop("pages", {}))
    # The replica has been read: it replays what follows once they are taken, not beside them.
    with replay_paused():
        if not skip_load:
            measured("load", load, second[0], load_seconds, stdout=stdout)
        measured("notice_parse", notice_bench.parse_timing)
        measured("inbound", notice_bench.inbound_timing, second[0])
        measured("sweep", sweep, stdout=stdout)
        measured("import", import_file, second[0], stdout=stdout)
        measured("xlsx_import", import_file, second[0], spreadsheet=True, stdout=stdout)
    if REPLICA in connections.settings:
        # Its VACUUM needs the replica caught up (see seed.py).
        wait_for_replay()
    # Last: it reopens every case of the analytics organization (10% of the scale: 100,000 open cases at 1M, the
    # figure issue 22 set), which the imports did not grow (they went to the list organization).
    measured("recompute", recompute_bench, biggest[0], stdout=stdout)
    return result
