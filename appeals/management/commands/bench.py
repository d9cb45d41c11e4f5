"""`make bench`: how Appeal Desk grows with its data, in one table (printed, and written as JSON and Markdown).

For each scale (10k, 100k, 1M violations by default):
1. Flush and seed with `seed_demo` (COPY, fixed seed): time it.
2. Pages through Django's test client (server time: view, queries and template), median and 95th percentile,
   query count; beside each, the same result as hand-written SQL (the lower bound) and the ratio.
3. CSV and XLSX import of 100,000 rows each by `manage.py import_violations` in a child process: rows/s and peak
   memory.
4. The reminder sweep over every appeal made open (under review), 1,500 of them due: time to find, claim and publish.
5. The inbox under gunicorn (2 workers) with 20 concurrent connections from a loopback load generator (wrk, or a
   threaded Python client when wrk is missing): requests/s, 95th percentile, errors.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals.models import Account, Appeal, Reminder, Violation
from appeals.notices import bench as notice_bench
from core.models import Membership, Organization, Role

ROOT = Path(settings.BASE_DIR)
RESULTS = ROOT / "bench" / "results"
IMPORT_ROWS = 100_000
SWEEP_DUE = 1_500
SWEEP_DUE_IN = timedelta(hours=20)  # how far ahead the due deadlines are

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


def _timed(fn, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Command(BaseCommand):
    help = "Run the scale benchmark against PostgreSQL (the database is flushed: use a database named *bench*)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scales", default="10000,100000,1000000")
        parser.add_argument("--orgs-per-million", type=int, default=1000)
        parser.add_argument("--runs", type=int, default=30, help="requests per page and scale")
        parser.add_argument("--load-seconds", type=int, default=15)
        parser.add_argument("--skip-load", action="store_true")
        parser.add_argument("--sweep-only", action="store_true", help="seed, then only the reminder sweep")
        parser.add_argument("--reuse", action="store_true", help="keep the data of the last run (no seed)")
        parser.add_argument("--output", default=str(RESULTS / "latest.json"))

    def handle(
        self,
        *args,
        scales: str,
        orgs_per_million: int,
        runs: int,
        load_seconds: int,
        skip_load: bool,
        sweep_only: bool = False,
        reuse: bool = False,
        output: str,
        **options,
    ) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL (make bench does).")
        if "bench" not in connection.settings_dict["NAME"]:
            raise CommandError("The benchmark flushes its database: use one whose name contains 'bench'.")
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        self.reuse = reuse
        results = []
        for scale in [int(s) for s in scales.split(",") if s.strip()]:
            self.stdout.write(f"\n== {scale:,} violations ==")
            results.append(
                self.run_scale(
                    scale, max(3, scale * orgs_per_million // 1_000_000), runs, load_seconds, skip_load, sweep_only
                )
            )
        report = {
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "machine": {
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "postgres": connection.cursor().connection.info.server_version,
            },
            "scales": results,
            "targets": self.targets(results),
        }
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2))
        table = self.table(report)
        path.with_suffix(".md").write_text(table)
        self.stdout.write("\n" + table)
        self.stdout.write(f"\nWritten to {path} and {path.with_suffix('.md')}")

    # -- one scale --------------------------------------------------------------------------------------------------

    def run_scale(
        self, scale: int, orgs: int, runs: int, load_seconds: int, skip_load: bool, sweep_only: bool = False
    ) -> dict:
        started = time.perf_counter()
        if not getattr(self, "reuse", False):
            call_command("seed_demo", orgs=orgs, violations=scale, appeals_ratio=0.8, flush=True, stdout=self.stdout)
        result: dict = {
            "violations": scale,
            "organizations": orgs,
            "seed_seconds": round(time.perf_counter() - started, 1),
        }
        # What autovacuum does to a live database soon after a bulk load: the visibility map lets the dashboard's
        # covering indexes be read without the table. Timed apart from the seed.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) appeals_violation, appeals_violationitem, appeals_appeal, appeals_evidence"
            )
        result["vacuum_seconds"] = round(time.perf_counter() - started, 1)
        if sweep_only:
            result["sweep"] = self.sweep()
            return result
        biggest, second = self.largest_orgs()
        result["analytics_org"] = {"violations": biggest[1], "decided_appeals": self.decided(biggest[0])}
        result["list_org"] = {"violations": second[1]}
        result["pages"] = self.pages(biggest[0], second[0], runs)
        result["notice_parse"] = notice_bench.parse_timing()
        result["inbound"] = notice_bench.inbound_timing(second[0])
        result["sweep"] = self.sweep()
        result["import"] = self.csv_import(second[0])
        result["xlsx_import"] = self.csv_import(second[0], spreadsheet=True)
        if not skip_load:
            result["load"] = self.load(second[0], load_seconds)
        return result

    def largest_orgs(self) -> tuple[tuple[int, int], tuple[int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT organization_id, count(*) FROM appeals_violation GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2"
            )
            rows = cursor.fetchall()
        return rows[0], rows[1] if len(rows) > 1 else rows[0]

    def decided(self, org_id: int) -> int:
        return Appeal.objects.filter(organization_id=org_id, status__in=Appeal.DECIDED).count()

    def _client_for(self, org_id: int) -> Client:
        membership = Membership.objects.filter(organization_id=org_id, role=Role.MANAGER).select_related("user").first()
        client = Client()
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    def pages(self, analytics_org: int, list_org: int, runs: int) -> dict:
        list_client, analytics_client = self._client_for(list_org), self._client_for(analytics_org)
        case = (
            Violation.objects.filter(organization_id=list_org, appeals__round=2).order_by("-enforced_at").first()
            or Violation.objects.filter(organization_id=list_org).order_by("-enforced_at").first()
        )
        appeal = (
            Appeal.objects.filter(violation=case).order_by("-round").first()
            or Appeal.objects.filter(organization_id=list_org).first()
        )
        account = Account.objects.filter(organization_id=list_org).order_by("pk").first()
        today = timezone.localdate()
        two_years = (today - timedelta(days=731)).isoformat()
        pages = {
            "inbox": (list_client, reverse("appeals:inbox"), self.sql_inbox(list_org)),
            "filtered list": (
                list_client,
                reverse("appeals:violations") + f"?kind=listing_removal&account={account.pk}&sort=-enforced_at",
                self.sql_list(list_org, account.pk),
            ),
            "case page": (list_client, reverse("appeals:case", args=[case.pk]), self.sql_case(case.pk)),
            "builder review step": (
                list_client,
                reverse("appeals:appeal_step", args=[appeal.pk, 5]),
                self.sql_review(appeal.pk),
            ),
            "analytics dashboard": (
                analytics_client,
                reverse("appeals:analytics") + f"?date_from={two_years}&date_to={today.isoformat()}",
                None,  # replayed: the page's own aggregate queries on a raw cursor (see below)
            ),
        }
        measured = {}
        for name, (client, url, raw_sql) in pages.items():
            for _ in range(3):
                response = client.get(url)
                if response.status_code != 200:
                    raise CommandError(f"{name}: {url} answered {response.status_code}")
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            if raw_sql is None:
                raw_sql = self.replay([q["sql"] for q in queries.captured_queries])
            samples = _timed(lambda c=client, u=url: c.get(u), runs)
            raw = _timed(raw_sql, runs)
            median, raw_median = statistics.median(samples), statistics.median(raw)
            measured[name] = {
                "url": url,
                "median_ms": round(median, 1),
                "p95_ms": round(_p95(samples), 1),
                "queries": len(queries),
                "raw_sql_median_ms": round(raw_median, 2),
                "ratio": round(median / raw_median, 1) if raw_median else None,
            }
            self.stdout.write(f"  {name}: {measured[name]}")
            reset_queries()
        return measured

    # -- hand-written SQL: the same results without the ORM, templates or middleware (the lower bound) ---------------

    def _run(self, sql: str, params: list) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    def sql_inbox(self, org: int):
        def run():
            now = timezone.now()
            self._run(
                "SELECT v.id, v.reference, v.appeal_by, a.name FROM appeals_violation v JOIN appeals_account a ON "
                "a.id = v.account_id WHERE v.organization_id = %s AND v.status IN ('not_appealed', 'draft') AND "
                "v.appeal_by >= %s ORDER BY v.appeal_by LIMIT 10",
                [org, now],
            )
            self._run(
                "SELECT ap.id, ap.due_at, v.reference FROM appeals_appeal ap JOIN appeals_violation v ON "
                "v.id = ap.violation_id WHERE ap.organization_id = %s AND ap.status = 'under_review' "
                "ORDER BY ap.due_at LIMIT 10",
                [org],
            )
            self._run(
                "SELECT count(*) FILTER (WHERE status IN ('not_appealed','draft')), count(*) FILTER "
                "(WHERE status = 'under_review') FROM appeals_violation WHERE organization_id = %s",
                [org],
            )

        return run

    def sql_list(self, org: int, account: int):
        def run():
            self._run(
                "SELECT v.*, a.name FROM appeals_violation v JOIN appeals_account a ON a.id = v.account_id "
                "WHERE v.organization_id = %s AND v.kind = 'listing_removal' AND v.account_id = %s "
                "ORDER BY v.enforced_at DESC, v.id DESC LIMIT 26",
                [org, account],
            )
            self._run(
                "SELECT violation_id, kind, value FROM appeals_violationitem WHERE violation_id IN (SELECT id FROM "
                "appeals_violation WHERE organization_id = %s AND account_id = %s ORDER BY enforced_at DESC LIMIT 26)",
                [org, account],
            )

        return run

    def sql_case(self, violation: int):
        def run():
            self._run(
                "SELECT v.*, a.* FROM appeals_violation v JOIN appeals_account a ON a.id = v.account_id "
                "WHERE v.id = %s",
                [violation],
            )
            self._run("SELECT * FROM appeals_violationitem WHERE violation_id = %s", [violation])
            self._run("SELECT * FROM appeals_appeal WHERE violation_id = %s ORDER BY round", [violation])
            self._run(
                "SELECT e.* FROM appeals_evidence e JOIN appeals_appeal a ON a.id = e.appeal_id "
                "WHERE a.violation_id = %s",
                [violation],
            )
            self._run("SELECT * FROM appeals_timelineevent WHERE violation_id = %s ORDER BY created_at", [violation])

        return run

    def sql_review(self, appeal: int):
        def run():
            self._run(
                "SELECT ap.*, v.*, a.* FROM appeals_appeal ap JOIN appeals_violation v ON v.id = ap.violation_id "
                "JOIN appeals_account a ON a.id = v.account_id WHERE ap.id = %s",
                [appeal],
            )
            self._run("SELECT * FROM appeals_evidence WHERE appeal_id = %s ORDER BY position", [appeal])

        return run

    def replay(self, statements: list[str]):
        """The page's own SQL without the ORM, Python and templates: the lower bound of its current queries."""
        wanted = [sql for sql in statements if sql.split(None, 1)[0].upper() not in {"SAVEPOINT", "RELEASE"}]

        def run():
            with transaction.atomic(), connection.cursor() as cursor:
                for sql in wanted:
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()

        return run

    # -- import, sweep, load ------------------------------------------------------------------------------------------

    def csv_import(self, org_id: int, *, spreadsheet: bool = False) -> dict:
        """`import_violations` of 100,000 new rows in a child process, from a CSV or (spreadsheet) an XLSX
        workbook with the same rows, its dates typed as dates."""
        org = Organization.objects.get(pk=org_id)
        accounts = list(
            Account.objects.filter(organization=org, kind=Account.Kind.SELLER_SHOP).values_list(
                "external_id", flat=True
            )[:50]
        )
        header = ["account", "reference", "kind", "policy", "action", "enforced_at", "sku_ids", "order_ids"]
        header += ["penalty_points", "notice"]
        prefix = "XLS" if spreadsheet else "IMP"

        def rows():
            for n in range(IMPORT_ROWS):
                yield [
                    accounts[n % len(accounts)],
                    f"{prefix}{n:07d}",
                    "listing_removal",
                    "Counterfeit goods",
                    "Listing removed",
                    date(2026, 1 + n % 9, 1 + n % 27),
                    f"SKU{n};SKU{n + 1}",
                    f"ORD{n}",
                    n % 5,
                    f"Imported notice {n}",
                ]

        if spreadsheet:
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet()
            sheet.append(header)
            for row in rows():
                sheet.append(row)
            with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
                workbook.save(handle)
                path = handle.name
        else:
            with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                for row in rows():
                    row[5] = row[5].isoformat()
                    writer.writerow(row)
                path = handle.name
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_violations", path, "--org", org.slug],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        peak_kb = [0]

        def watch_peak() -> None:
            # VmHWM is the child's own peak resident memory; it only grows, so the last reading is the peak.
            while process.poll() is None:
                try:
                    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            peak_kb[0] = max(peak_kb[0], int(line.split()[1]))
                except OSError:
                    break
                time.sleep(0.05)

        watcher = threading.Thread(target=watch_peak)
        watcher.start()
        output, _ = process.communicate()
        seconds = time.perf_counter() - started
        watcher.join()
        os.unlink(path)
        if process.returncode != 0:
            raise CommandError(f"import_violations failed: {output[-2000:]}")
        result = {
            "rows": IMPORT_ROWS,
            "seconds": round(seconds, 1),
            "rows_per_second": round(IMPORT_ROWS / seconds),
            "peak_mb": round(peak_kb[0] / 1024, 1),
        }
        self.stdout.write(f"  import: {result}")
        return result

    def sweep(self) -> dict:
        from appeals.services.reminders import reminders_claim_due, reminders_publish, reminders_sweep

        now = timezone.now()
        # The beat's sweep runs in a worker that has swept before: modules (the holidays package, ~0.4 s to
        # import) and calendars loaded. One sweep a year back, where nothing is due, does that here.
        reminders_sweep(now=now - timedelta(days=365), enqueue=False)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM appeals_reminder")
            cursor.execute(
                "UPDATE appeals_appeal SET status = 'under_review', submitted_at = coalesce(submitted_at, created_at), "
                "due_at = %s + (id %% 40 + 20) * interval '1 day', decided_at = NULL",
                [now],
            )
            cursor.execute(
                "UPDATE appeals_appeal SET due_at = %s WHERE id IN "
                "(SELECT id FROM appeals_appeal ORDER BY random() LIMIT %s)",
                [now + SWEEP_DUE_IN, SWEEP_DUE],
            )
            cursor.execute("SELECT count(*) FROM appeals_appeal WHERE status = 'under_review'")
            open_appeals = cursor.fetchone()[0]
            cursor.execute("ANALYZE appeals_appeal")
        # What the beat sweep does before publishing: find the due deadlines, insert their reminder rows,
        # claim the rows to send (publishing and sending are parallel across workers).
        started = time.perf_counter()
        counts = reminders_sweep(now=now, enqueue=False)
        found = time.perf_counter() - started
        # Claimed at the deadlines: a reminder waits for its recipient's working hours but never past the
        # deadline, so then every row is due whatever time of day the bench runs.
        claimed_at = now + SWEEP_DUE_IN
        claim_started = time.perf_counter()
        singles, digest_users = reminders_claim_due(claimed_at)
        claim_seconds = time.perf_counter() - claim_started
        # Publishing to the real broker (REDIS_URL), in batches of REMINDER_BATCH_SIZE; then the queue is emptied,
        # as no worker of this database should send them. The beat's sweep runs in a worker whose broker
        # connection is open, so the connection is opened first (one no-op task), outside the timing.
        self._warm_broker()
        publish_started = time.perf_counter()
        published = reminders_publish(singles, digest_users, claimed_at)
        publish_seconds = time.perf_counter() - publish_started
        self._purge_queue()
        result = {
            "open_appeals": open_appeals,
            "due": SWEEP_DUE,
            "reminder_rows": counts["new_rows"],
            "seconds": round(found, 3),
            "claims": Reminder.objects.filter(claimed_at=claimed_at).count(),
            "emails_to_publish": len(singles) + len(digest_users),
            "claim_seconds": round(claim_seconds, 3),
            "tasks_published": published,
            "publish_seconds": round(publish_seconds, 3),
            "total_seconds": round(found + claim_seconds + publish_seconds, 3),
        }
        self.stdout.write(f"  sweep: {result}")
        return result

    @staticmethod
    def _warm_broker() -> None:
        from appeals.services.reminders.sweep import BATCH_TASK, enqueue_safely

        enqueue_safely(BATCH_TASK, [], [], None)

    @staticmethod
    def _purge_queue() -> None:
        from core.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(app.conf.task_default_queue)

    def load(self, org_id: int, seconds: int) -> dict:
        from appeals.management.commands.seed_demo import BENCH_PASSWORD

        membership = Membership.objects.filter(organization_id=org_id, role=Role.MANAGER).select_related("user").first()
        port = _free_port()
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 60),
            "SITE_URL": f"http://127.0.0.1:{port}",
            "AXES_ENABLED": "false",
            "SECURE_COOKIES": "false",
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "core.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        url = base + reverse("appeals:inbox")
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=5)
                    break
                except OSError:
                    time.sleep(0.2)
            cookie = self.log_in(base, membership.user.email, BENCH_PASSWORD)
            result = self.wrk(url, cookie, seconds) if shutil.which("wrk") else self.threaded(url, cookie, seconds)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        self.stdout.write(f"  load: {result}")
        return result

    def log_in(self, base: str, email: str, password: str) -> str:
        """Log in through the real login form, as a browser would; returns the Cookie header for the session."""
        import http.cookiejar
        import re
        from urllib.parse import urlencode

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + reverse("core:login"), timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password}).encode()
        request = urllib.request.Request(base + reverse("core:login"), data=form, headers={"Referer": base + "/"})
        opener.open(request, timeout=10).read()
        cookies = {c.name: c.value for c in jar}
        if settings.SESSION_COOKIE_NAME not in cookies:
            raise CommandError("Could not log in to the benchmark server.")
        return f"{settings.SESSION_COOKIE_NAME}={cookies[settings.SESSION_COOKIE_NAME]}"

    def wrk(self, url: str, cookie: str, seconds: int) -> dict:
        script = Path(tempfile.mkdtemp()) / "report.lua"
        script.write_text(
            "done = function(summary, latency, requests)\n"
            "  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + "
            "summary.errors.status + summary.errors.timeout\n"
            '  io.write(string.format("JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"p95_ms\\": %f, '
            '\\"median_ms\\": %f, \\"errors\\": %d}\\n", summary.requests, summary.duration / 1e6, '
            "latency:percentile(95) / 1000, latency:percentile(50) / 1000, errors))\nend\n"
        )
        out = subprocess.run(
            ["wrk", "-t2", "-c20", f"-d{seconds}s", "-s", str(script), "-H", f"Cookie: {cookie}", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        data = json.loads(next(line[5:] for line in out.splitlines() if line.startswith("JSON ")))
        return {
            "tool": "wrk -t2 -c20",
            "requests": data["requests"],
            "rps": round(data["requests"] / data["seconds"]),
            "median_ms": round(data["median_ms"], 1),
            "p95_ms": round(data["p95_ms"], 1),
            "errors": data["errors"],
        }

    def threaded(self, url: str, cookie: str, seconds: int) -> dict:
        import http.client
        from urllib.parse import urlparse

        parsed = urlparse(url)
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def user() -> None:
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    conn.request("GET", parsed.path, headers={"Cookie": cookie})
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 200
                except OSError:
                    ok = False
                    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
                    errors[0] += 0 if ok else 1

        threads = [threading.Thread(target=user) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {
            "tool": "python threads x20",
            "requests": len(latencies),
            "rps": round(len(latencies) / seconds),
            "median_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(_p95(latencies), 1),
            "errors": errors[0],
        }

    # -- report -------------------------------------------------------------------------------------------------------

    def targets(self, results: list[dict]) -> list[dict]:
        rows = []
        for name, target, met, scale in TARGETS:
            at = next((r for r in results if r["violations"] == scale), None)
            try:
                verdict = None if at is None else bool(met(at))
            except (KeyError, TypeError):
                verdict = None
            rows.append({"target": name, "goal": target, "at": scale, "met": verdict})
        return rows

    def table(self, report: dict) -> str:
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
