"""The front proxy (deploy/nginx/, docker-compose.yml's `proxy`): valid config, same caps as the app, and slow
clients cannot starve gunicorn. Live tests run Debian's nginx in front of a real gunicorn on 127.0.0.1."""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request

import pytest
import yaml
from django.conf import settings

from core.uploads import body_limit
from tests.live_servers import BASE_DIR, NGINX, gunicorn, nginx, nginx_render, nginx_test

pytestmark = pytest.mark.skipif(NGINX is None, reason="needs Debian's nginx: apt-get install nginx")

MB = 1024 * 1024
TEMPLATE = (BASE_DIR / "deploy" / "nginx" / "appeal-desk.conf.template").read_text()


def nginx_bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()
    return int(number) * {"": 1, "k": 1024, "m": MB, "g": 1024 * MB}[unit.lower()]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_nginx_accepts_the_rendered_config(tmp_path):
    result = nginx_test(tmp_path / "nginx")
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_compose_runs_the_official_nginx_with_the_template(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx/appeal-desk.conf.template:/etc/nginx/templates/default.conf.template:ro" in proxy["volumes"]
    assert "static:/srv/static:ro" in proxy["volumes"]
    assert proxy["environment"]["WEB_UPSTREAM"] == "web:8000"
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert any(port.endswith(":80") for port in proxy["ports"])
    assert "static:/app/var/static" in compose["services"]["static"]["volumes"]
    assert "collectstatic" in compose["services"]["static"]["command"]
    # Django believes X-Forwarded-For only from the stack's own networks; web is reachable only from them.
    assert compose["services"]["web"]["environment"]["TRUSTED_PROXY_CIDRS"]
    assert "ports" not in compose["services"]["web"]
    # Every ${NAME} of the template has a value in the service's environment.
    assert set(re.findall(r"\$\{([A-Z_]+)\}", TEMPLATE)) <= set(proxy["environment"])


def test_the_proxy_caps_match_the_apps(compose):
    values = nginx_render.compose_environment()
    assert nginx_bytes(values["BODY_LIMIT"]) == settings.REQUEST_MAX_BYTES == body_limit("/login/")
    assert nginx_bytes(values["EVIDENCE_BODY_LIMIT"]) == body_limit("/api/v1/appeals/1/evidence")
    assert nginx_bytes(values["IMPORT_BODY_LIMIT"]) == body_limit("/violations/import/")
    # The upload locations of the template are exactly the app's upload routes.
    for path in ("/appeals/12/evidence/", "/violations/12/attachments/", "/api/v1/appeals/12/evidence"):
        assert body_limit(path) == nginx_bytes(values["EVIDENCE_BODY_LIMIT"])
    for path in ("/violations/import/", "/api/v1/violations/import"):
        assert body_limit(path) == nginx_bytes(values["IMPORT_BODY_LIMIT"])


def nginx_cap_for(path: str, values: dict[str, str]) -> int:
    """The client_max_body_size nginx applies to `path`: an `=` location, else the first matching `~` one, else
    the server's (the prefix locations of the template set none)."""
    blocks = re.findall(r"location (=|~) (\S+) \{(.*?)\n    \}", TEMPLATE, flags=re.S)
    exact = [(arg, body) for kind, arg, body in blocks if kind == "=" and arg == path]
    regex = [(arg, body) for kind, arg, body in blocks if kind == "~" and re.search(arg, path)]
    for _, body in exact or regex[:1]:
        size = re.search(r"client_max_body_size \$\{([A-Z_]+)\};", body)
        if size:
            return nginx_bytes(values[size.group(1)])
    return nginx_bytes(values["BODY_LIMIT"])


def sample_paths() -> list[str]:
    """One path for every route of the app, with sample values for its parameters."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix: str):
        for entry in patterns:
            text = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, text)
            elif isinstance(entry, URLPattern) and not text.startswith(("^", "admin/")):
                yield "/" + re.sub(r"<(?:int:)?\w+>", "12", re.sub(r"<(?:str|slug|path):\w+>", "x1", text))

    return sorted(set(walk(get_resolver().url_patterns, "")))


def test_every_route_gets_the_same_cap_from_nginx_as_from_the_app():
    values = nginx_render.compose_environment()
    paths = sample_paths()
    assert "/api/v1/appeals/12/evidence" in paths and "/violations/import/" in paths
    mismatches = [
        f"{path}: app {body_limit(path)}, nginx {nginx_cap_for(path, values)}"
        for path in paths
        if body_limit(path) != nginx_cap_for(path, values)
    ]
    assert not mismatches, "Add a location to deploy/nginx/appeal-desk.conf.template:\n" + "\n".join(mismatches)


def test_the_template_buffers_times_out_and_passes_the_client_address():
    for directive in (
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "client_header_timeout 10s;",
        "client_body_timeout 20s;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "client_max_body_size ${BODY_LIMIT};",
    ):
        assert directive in TEMPLATE


def post(port: int, path: str, size: int) -> tuple[int, bytes, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=b"a" * size,
        headers={"Content-Type": "application/octet-stream"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn as the image runs it (gthread), down to ONE worker of 4 threads, with nginx in front.

    One worker makes the test stricter (50 sockets against 4 threads) and sure to be warm: a worker's first
    request imports the URLconf, which is start-up time, not the proxy's."""
    root = tmp_path_factory.mktemp("stack")
    static = root / "static-root"
    (static / "static").mkdir(parents=True)
    (static / "static" / "probe.css").write_text("body { color: black; }")
    with (
        gunicorn(root / "var", WEB_WORKERS="1", WEB_THREADS="4") as app_port,
        nginx(root / "nginx", app_port, static_root=static) as proxy_port,
    ):
        yield {"app": app_port, "proxy": proxy_port}


def test_bodies_are_capped_per_route_at_the_proxy(stack):
    port = stack["proxy"]
    status, _, _ = post(port, "/login/", 2 * MB)
    assert status == 413
    status, body, content_type = post(port, "/api/v1/accounts", 2 * MB)
    assert status == 413 and content_type == "application/json"
    assert b'"code": "too_large"' in body
    # An evidence upload of 2 MB passes the proxy and reaches the app (which wants a token).
    status, body, _ = post(port, "/api/v1/appeals/1/evidence", 2 * MB)
    assert status == 401, body[:300]


def test_static_files_come_from_the_proxy(stack):
    with urllib.request.urlopen(f"http://127.0.0.1:{stack['proxy']}/static/probe.css", timeout=5) as response:
        assert response.status == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.read() == b"body { color: black; }"


def healthz_seconds(port: int) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        assert response.status == 200
    return time.monotonic() - started


def open_idle_sockets(port: int, count: int) -> list[socket.socket]:
    """Sockets that start a request and never finish its headers."""
    sockets = []
    for n in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(f"GET /healthz?slow={n} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode())
        sockets.append(sock)
    return sockets


def test_fifty_idle_sockets_do_not_stall_healthz_behind_the_proxy(stack):
    sockets = open_idle_sockets(stack["proxy"], 50)
    try:
        time.sleep(0.5)
        timings = [healthz_seconds(stack["proxy"]) for _ in range(5)]
    finally:
        for sock in sockets:
            sock.close()
    print(f"/healthz through nginx with 50 idle sockets open: {[round(t, 3) for t in timings]} s")
    assert max(timings) < 1, timings
