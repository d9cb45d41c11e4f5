"""`make run` as a newcomer uses it: it comes up with the demo data, serves the app's own error pages and shows
the demo login, and TERM to its process group (what Ctrl-C in a terminal amounts to) leaves no process behind,
Celery beat included."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists() or subprocess.run(["which", "make"], capture_output=True).returncode,
    reason="needs make and Linux /proc (to find every process the run started)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local URL of the test
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _started_by(marker: str) -> list[tuple[int, str]]:
    """Every live process whose environment holds the run's own var dir: all it started, whatever their session."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            if marker.encode() not in environ.split(b"\0"):
                continue
            state = next(line for line in (entry / "status").read_text().splitlines() if line.startswith("State:"))
            if "zombie" in state:
                continue
            found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except (OSError, StopIteration):
            continue
    return found


@pytest.fixture
def make_run(tmp_path):
    var_dir = tmp_path / "var"
    marker = f"APPEAL_DESK_VAR_DIR={var_dir}"
    port = _free_port()
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(APPEAL_DESK_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
    log = (tmp_path / "make-run.log").open("w")
    # The venv running the tests is the one `make run` uses; -o: never reinstall from here.
    venv = Path(sys.prefix)
    process = subprocess.Popen(
        ["make", "-o", f"{venv}/.installed-run", "run", f"VENV={venv}", f"PORT={port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None:
                break
            time.sleep(1)
        else:
            pytest.fail("make run did not answer /healthz in 240 s:\n" + (tmp_path / "make-run.log").read_text())
        assert process.poll() is None, (tmp_path / "make-run.log").read_text()
        yield base, process, marker, tmp_path / "make-run.log"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid, _ in _started_by(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)
        log.close()


def test_make_run_serves_the_app_and_term_stops_every_process(make_run):
    base, process, marker, log = make_run
    names = " ".join(cmd for _, cmd in _started_by(marker))
    assert "runserver" in names and "celery" in names and "--beat" in names

    # The app's own pages, not Django's debug pages.
    status, html = _get(base + "/no-such-page/")
    assert status == 404 and "There is nothing here" in html and "URLconf" not in html
    status, html = _get(base + "/")
    assert status == 200 and "demo@appealdesk.local" in html and "appeal-desk-demo" in html

    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)
    deadline = time.monotonic() + 20
    left = _started_by(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _started_by(marker)
    assert left == [], f"still running after TERM: {left}\n{log.read_text()[-3000:]}"
