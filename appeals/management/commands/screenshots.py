"""Save screenshots of the main screens with demo data (for the README): `make screenshots`.

Starts its own server on a free port with a throwaway SQLite database and the demo data, logs in as the
demo user in headless Chromium (Debian's `chromium`, driven by Playwright) and saves small PNGs.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from appeals.management.commands.load_demo import DEMO_EMAIL, DEMO_PASSWORD

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    viewport: dict
    max_height: int
    wait_for: str = "main h1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _optimise(png: bytes, max_height: int) -> bytes:
    """Crop to at most `max_height` CSS pixels and store as a palette PNG (screens have few colours)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.height > max_height:
        image = image.crop((0, 0, image.width, max_height))
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, "PNG", optimize=True
    )
    return out.getvalue()


class Command(BaseCommand):
    help = "Save screenshots of the inbox, a case, the appeal builder's review step and analytics (demo data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "screenshots"))
        parser.add_argument("--port", type=int, default=0, help="Port for the throwaway server (default: a free one).")

    def handle(self, *args, out: str, port: int, **options) -> None:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            raise CommandError("Needs Chromium: apt-get install chromium")
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        port = port or _free_port()
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory(prefix="appeal-desk-shots-") as var_dir:
            env = {
                key: value
                for key, value in os.environ.items()
                if key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "MEDIA_ROOT", "ALLOWED_HOSTS"}
            }
            env.update(APPEAL_DESK_VAR_DIR=var_dir, DEBUG="true", SITE_URL=base, PYTHONUNBUFFERED="1")
            manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
            for step in (["migrate", "--noinput"], ["load_demo"]):
                self.stdout.write(f"manage.py {' '.join(step)}")
                subprocess.run([*manage, *step], env=env, check=True, stdout=subprocess.DEVNULL)
            server = subprocess.Popen(
                [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                self._wait(base)
                shots = self._shots(Path(var_dir) / "appeal_desk.sqlite3")
                self._take(chromium, base, shots, out_dir)
            finally:
                server.terminate()
                server.wait(timeout=15)

    def _wait(self, base: str) -> None:
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise CommandError("The server did not answer /healthz within 30 s")

    def _shots(self, database: Path) -> list[Shot]:
        """Pick a rich demo case (a decided appeal, affected IDs, a long timeline) and a draft appeal."""
        db = sqlite3.connect(database)
        try:
            case = db.execute(
                "SELECT v.id FROM appeals_violation v "
                "JOIN appeals_appeal a ON a.violation_id = v.id AND a.decided_at IS NOT NULL "
                "ORDER BY (SELECT COUNT(*) FROM appeals_violationitem i WHERE i.violation_id = v.id) > 0 DESC, "
                "(SELECT COUNT(*) FROM appeals_timelineevent t WHERE t.violation_id = v.id) DESC, v.id LIMIT 1"
            ).fetchone()
            draft = db.execute(
                "SELECT a.id FROM appeals_appeal a LEFT JOIN appeals_evidence e ON e.appeal_id = a.id "
                "WHERE a.status = 'draft' GROUP BY a.id ORDER BY COUNT(e.id) DESC, a.id LIMIT 1"
            ).fetchone()
        finally:
            db.close()
        if not case or not draft:
            raise CommandError("The demo data has no case under review or no draft appeal")
        return [
            Shot("inbox", "/inbox/", LAPTOP, 1000),
            Shot("case", f"/violations/{case[0]}/", LAPTOP, 1400),
            Shot("appeal-review", f"/appeals/{draft[0]}/step/5/", LAPTOP, 1200, "#final-text"),
            Shot("analytics", "/analytics/", LAPTOP, 1400, ".stat-grid"),
            Shot("phone-inbox", "/inbox/", PHONE, 1400),
            Shot("phone-case", f"/violations/{case[0]}/", PHONE, 1600),
        ]

    def _take(self, chromium: str, base: str, shots: list[Shot], out_dir: Path) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            try:
                for viewport in (LAPTOP, PHONE):
                    context = browser.new_context(
                        viewport=viewport,
                        base_url=base,
                        color_scheme="light",
                        reduced_motion="reduce",
                        is_mobile=viewport is PHONE,
                        has_touch=viewport is PHONE,
                        device_scale_factor=1,
                    )
                    page = context.new_page()
                    page.goto("/login/")
                    page.get_by_label("Email").fill(DEMO_EMAIL)
                    page.get_by_label("Password").fill(DEMO_PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_url("**/inbox/")
                    for shot in (s for s in shots if s.viewport is viewport):
                        page.goto(shot.path)
                        page.locator(shot.wait_for).first.wait_for()
                        page.wait_for_load_state("networkidle")
                        png = _optimise(page.screenshot(full_page=True, animations="disabled"), shot.max_height)
                        target = out_dir / f"{shot.name}.png"
                        target.write_bytes(png)
                        self.stdout.write(f"{target} ({len(png) // 1024} KB)")
                    context.close()
            finally:
                browser.close()
