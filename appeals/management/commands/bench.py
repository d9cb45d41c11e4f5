"""`make bench`: how Appeal Desk grows with its data. The measures live in appeals/bench/ (one module each)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from appeals.bench.run import RESULTS, run


class Command(BaseCommand):
    help = "Run the scale benchmark against PostgreSQL (the database is flushed: use a database named *bench*)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scales", default="10000,100000,1000000")
        parser.add_argument("--orgs-per-million", type=int, default=1000)
        parser.add_argument("--runs", type=int, default=30, help="requests per page and scale")
        parser.add_argument("--load-seconds", type=int, default=15)
        parser.add_argument("--skip-load", action="store_true")
        parser.add_argument("--sweep-only", action="store_true", help="seed, then only the reminder sweep")
        parser.add_argument(
            "--recompute-only", action="store_true", help="seed one organization, then only the deadline recompute job"
        )
        parser.add_argument("--reuse", action="store_true", help="keep the data of the last run (no seed)")
        parser.add_argument("--output", default=str(RESULTS / "latest.json"))

    def handle(self, *args, scales: str, output: str, **options) -> None:
        run(
            scales=[int(s) for s in scales.split(",") if s.strip()],
            orgs_per_million=options["orgs_per_million"],
            runs=options["runs"],
            load_seconds=options["load_seconds"],
            skip_load=options["skip_load"],
            sweep_only=options["sweep_only"],
            reuse=options["reuse"],
            recompute_only=options["recompute_only"],
            output=Path(output),
            stdout=self.stdout,
        )
