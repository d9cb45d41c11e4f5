"""CSV and XLSX import of 100,000 new rows by `manage.py import_violations` in a child process: rows/s and the
child's peak resident memory."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from appeals.models import Account
from core.models import Organization

IMPORT_ROWS = 100_000
# An import that has not finished by then is stopped and reported as failed (a hang must not stall the whole run;
# 100k rows take 10-40 s).
IMPORT_TIMEOUT_SECONDS = int(os.environ.get("BENCH_IMPORT_TIMEOUT", 240))


def import_file(org_id: int, *, spreadsheet: bool = False, prefix: str = "", stdout) -> dict:
    """`import_violations` of IMPORT_ROWS new rows from a CSV or (spreadsheet) an XLSX workbook with the same rows,
    its dates typed as dates. prefix: the references' prefix (IMP / XLS by default)."""
    org = Organization.objects.get(pk=org_id)
    path = _write_file(org, spreadsheet=spreadsheet, prefix=prefix)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_violations", path, "--org", org.slug],
        cwd=settings.BASE_DIR,
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
    try:
        output, _ = process.communicate(timeout=IMPORT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        output = f"no result after {IMPORT_TIMEOUT_SECONDS} s (stopped). {output}"
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
    stdout.write(f"  {'xlsx ' if spreadsheet else ''}import: {result}")
    return result


def _write_file(org: Organization, *, spreadsheet: bool, prefix: str = "") -> str:
    accounts = list(
        Account.objects.filter(organization=org, kind=Account.Kind.SELLER_SHOP).values_list("external_id", flat=True)[
            :50
        ]
    )
    header = ["account", "reference", "kind", "policy", "action", "enforced_at", "sku_ids", "order_ids"]
    header += ["penalty_points", "notice"]
    prefix = prefix or ("XLS" if spreadsheet else "IMP")

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
            return handle.name
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows():
            row[5] = row[5].isoformat()
            writer.writerow(row)
        return handle.name
