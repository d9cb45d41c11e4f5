"""Real servers on 127.0.0.1 for the ops tests: gunicorn as the image runs it, and nginx with deploy/nginx's config."""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_renderer():
    # deploy/nginx/render.py: the same renderer CI uses for `nginx -t`.
    spec = importlib.util.spec_from_file_location("nginx_render", BASE_DIR / "deploy" / "nginx" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nginx_render = _load_renderer()
render = nginx_render.render

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not healthy within {seconds} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def app_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """Production settings on an embedded SQLite and filesystem broker: /healthz works without migrations."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        DJANGO_SETTINGS_MODULE="core.settings",
        APPEAL_DESK_VAR_DIR=str(var_dir),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        # Temp files of uploads land here (Django's default FILE_UPLOAD_TEMP_DIR is the system's temp folder).
        TMPDIR=str(var_dir / "tmp"),
    )
    env.update(extra)
    (var_dir / "tmp").mkdir(parents=True, exist_ok=True)
    return env


@contextmanager
def gunicorn(var_dir: Path, *args: str, **env: str) -> Iterator[int]:
    """gunicorn with deploy/gunicorn.conf.py (gthread, sized from the cores) unless `args` override it."""
    port = free_port()
    log = var_dir / "gunicorn.log"
    var_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "gunicorn", "core.wsgi", "-c", "deploy/gunicorn.conf.py"]
    # No control socket: parallel test runs would share $HOME/.gunicorn/gunicorn.ctl.
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "--no-control-socket", *args]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=app_env(var_dir, **env), stdout=out, stderr=out)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process, log)
        yield port
    finally:
        stop(process)


@contextmanager
def nginx(prefix: Path, upstream_port: int, static_root: Path | None = None) -> Iterator[int]:
    port = free_port()
    main = render(prefix, upstream=f"127.0.0.1:{upstream_port}", listen=f"127.0.0.1:{port}", static_root=static_root)
    log = prefix / "error.log"
    process = subprocess.Popen(
        [NGINX, "-e", str(log), "-p", str(prefix), "-c", str(main), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process, log)
        yield port
    finally:
        stop(process)


def nginx_test(prefix: Path) -> subprocess.CompletedProcess[str]:
    main = render(prefix, upstream="127.0.0.1:8000", listen="127.0.0.1:8080")
    return subprocess.run(
        [NGINX, "-t", "-e", "stderr", "-p", str(prefix), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
