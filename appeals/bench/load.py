"""The inbox under load: gunicorn serving the app, 20 concurrent connections from a loopback load generator (wrk, or
a threaded Python client when wrk is missing); requests/s, median, 95th percentile and errors."""

from __future__ import annotations

import json
import os
import resource
import runpy
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
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from appeals.bench.timing import p95
from core.models import Membership, Role


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The production server's settings (Dockerfile, docker-compose.yml): gthread workers, WEB_THREADS threads each.
GUNICORN_CONF = "deploy/gunicorn.conf.py"
WORKERS = 2
CONNECTIONS = 20
ERROR_KINDS = ("connect", "read", "write", "status", "timeout")


def load(org_id: int, seconds: int, *, stdout, server_args: tuple[str, ...] = (), path: str | None = None) -> dict:
    """1. Start gunicorn as production does (deploy/gunicorn.conf.py), with WORKERS processes, DEBUG off.
    2. Log in through the login form; CONNECTIONS connections ask for the inbox for `seconds` (wrk when installed).
    3. Read each worker's resident memory from /proc before stopping the server."""
    from appeals.management.commands.seed_demo import BENCH_PASSWORD

    membership = Membership.objects.filter(organization_id=org_id, role=Role.MANAGER).select_related("user").first()
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 60),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "AXES_ENABLED": "false",
        "SECURE_COOKIES": "false",
        "WEB_WORKERS": str(WORKERS),
        "WEB_BIND": f"127.0.0.1:{port}",
    }
    root = settings.BASE_DIR
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root, env=env, check=True)
    with _environ(env):  # what the server will read, with this environment
        conf = runpy.run_path(str(Path(root) / GUNICORN_CONF))
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "core.wsgi",
            "-c",
            GUNICORN_CONF,
            "--log-level",
            "warning",
            *server_args,
        ],
        cwd=root,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,  # the access log (one line a request)
    )
    base = f"http://127.0.0.1:{port}"
    url = base + (path or reverse("appeals:inbox"))
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        end_sessions(membership.user)
        cookie = log_in(base, membership.user.email, BENCH_PASSWORD)
        generate = wrk if shutil.which("wrk") else threaded
        generate(url, cookie, 2)  # warm-up: every thread's first request (URLconf, templates, DB connection)
        before = _cpu_snapshot(server.pid)
        result = generate(url, cookie, seconds)
        result["cpu_ms_per_request"] = _cpu_per_request(before, _cpu_snapshot(server.pid), result["requests"])
        # What the same work would serve with every core free for it (the machine is shared: see load average).
        result["cpu_bound_rps"] = round((os.cpu_count() or 1) * 1000 / sum(result["cpu_ms_per_request"].values()))
        result["server"] = f"gunicorn {conf['worker_class']} {conf['workers']} processes x {conf['threads']} threads"
        result["server"] += f" {' '.join(server_args)}" if server_args else ""
        result["worker_rss_mb"] = worker_rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    stdout.write(f"  load: {result}")
    return result


@contextmanager
def _environ(env: dict):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _cpu_snapshot(master: int) -> dict[str, float]:
    """CPU seconds so far of the web workers, of this database's PostgreSQL backends (the workers' connections,
    kept open by CONN_MAX_AGE), and of this process's finished children (the load generator)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "web": web_cpu_seconds(master),
        "postgres": sum(_cpu_seconds(pid) for pid in backends),
        "load generator": children.ru_utime + children.ru_stime,
    }


def _cpu_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    return {key: round((after[key] - before[key]) * 1000 / max(requests, 1), 2) for key in after}


def _cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime: children it has waited for
    return ticks / os.sysconf("SC_CLK_TCK")


def web_cpu_seconds(master: int) -> float:
    """CPU seconds of the gunicorn master and every worker it has had: the live workers' own, plus what the workers
    it recycled (max_requests) or replaced spent before they exited (the master's reaped-children time)."""
    return _cpu_seconds(master, reaped_children=True) + sum(_cpu_seconds(pid) for pid in _children(master))


def _children(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if stat[1] == str(master):
                pids.append(int(entry.name))
    return pids


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory (VmRSS) of each child of the gunicorn master, in MB."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if status.get("PPid", "").strip() == str(master) and "VmRSS" in status:
            sizes.append(round(int(status["VmRSS"].split()[0]) / 1024, 1))
    return sorted(sizes)


def end_sessions(user) -> int:
    """End the sessions this process's test clients opened for `user` (the page measures before this one). They are
    signed with this process's SECRET_KEY, not the server's: at the server's login, allauth checks each session of
    the user (to drop the dead ones) and Django logged every one as "Session data corrupted"."""
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


def log_in(base: str, email: str, password: str) -> str:
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


def wrk(url: str, cookie: str, seconds: int) -> dict:
    script = Path(tempfile.mkdtemp()) / "report.lua"
    script.write_text(
        "done = function(summary, latency, requests)\n"
        "  local e = summary.errors\n"
        '  io.write(string.format("JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"p95_ms\\": %f, '
        '\\"median_ms\\": %f, \\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, \\"status\\": %d, '
        '\\"timeout\\": %d}\\n", summary.requests, summary.duration / 1e6, latency:percentile(95) / 1000, '
        "latency:percentile(50) / 1000, e.connect, e.read, e.write, e.status, e.timeout))\nend\n"
    )
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, CONNECTIONS)}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "-s",
            str(script),
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(next(line[5:] for line in out.splitlines() if line.startswith("JSON ")))
    return {
        "tool": f"wrk -t{min(2, CONNECTIONS)} -c{CONNECTIONS}",
        "requests": data["requests"],
        "rps": round(data["requests"] / data["seconds"]),
        "median_ms": round(data["median_ms"], 1),
        "p95_ms": round(data["p95_ms"], 1),
        "errors": sum(data[kind] for kind in ERROR_KINDS),
        # wrk counts a response slower than its timeout (2 s) as an error too; non-2xx/3xx answers are "status".
        "error_kinds": {kind: data[kind] for kind in ERROR_KINDS if data[kind]},
    }


def threaded(url: str, cookie: str, seconds: int) -> dict:
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

    threads = [threading.Thread(target=user) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "tool": f"python threads x{CONNECTIONS}",
        "requests": len(latencies),
        "rps": round(len(latencies) / seconds),
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(p95(latencies), 1),
        "errors": errors[0],
    }
