"""Request bodies are capped per route before anything reads them (core/uploads.py), in-process and live."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from core.uploads import body_limit
from tests.live_servers import gunicorn

GB = 1024**3
MB = 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = "appealdeskboundary"
PREAMBLE = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="huge.png"\r\n'
    "Content-Type: image/png\r\n\r\n"
).encode()
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


class HugeBody:
    """A 1 GB multipart file upload made on demand, counting what the server reads of it.

    Reading far past any cap raises, so a missing cap fails the test in a second instead of spooling 1 GB.
    """

    def __init__(self, size: int = GB) -> None:
        self.size, self.read_bytes = size, 0

    def read(self, size: int = -1) -> bytes:
        if self.read_bytes > 200 * MB:
            raise AssertionError(f"read {self.read_bytes} bytes of the body: no cap stopped it")
        left = self.size - self.read_bytes
        size = left if size is None or size < 0 else min(size, left)
        size = min(size, CHUNK)
        start = self.read_bytes
        self.read_bytes += size
        head = PREAMBLE[start : start + size]
        return head + b"\0" * (size - len(head))

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def spooled_bytes(folder: Path) -> int:
    return max((f.stat().st_size for f in folder.rglob("*") if f.is_file()), default=0)


@pytest.fixture
def upload_temp(settings, tmp_path) -> Path:
    folder = tmp_path / "upload-temp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/login/", lambda s: s.REQUEST_MAX_BYTES),
        ("/api/v1/accounts", lambda s: s.REQUEST_MAX_BYTES),
        ("/no/such/page/", lambda s: s.REQUEST_MAX_BYTES),
        ("/appeals/7/evidence/", lambda s: s.EVIDENCE_MAX_APPEAL_BYTES + s.REQUEST_MAX_BYTES),
        ("/api/v1/appeals/7/evidence", lambda s: s.EVIDENCE_MAX_APPEAL_BYTES + s.REQUEST_MAX_BYTES),
        ("/violations/7/attachments/", lambda s: s.EVIDENCE_MAX_APPEAL_BYTES + s.REQUEST_MAX_BYTES),
        ("/violations/import/", lambda s: s.IMPORT_MAX_FILE_BYTES + s.REQUEST_MAX_BYTES),
        ("/api/v1/violations/import", lambda s: s.IMPORT_MAX_FILE_BYTES + s.REQUEST_MAX_BYTES),
    ],
)
def test_each_route_has_its_cap(path, limit):
    assert body_limit(path) == limit(settings)


def test_the_default_cap_is_one_megabyte():
    assert settings.REQUEST_MAX_BYTES <= MB


@pytest.mark.parametrize(
    ("path", "expect_json"),
    [
        ("/login/", False),
        ("/appeals/1/evidence/", False),
        ("/violations/import/", False),
        ("/api/v1/appeals/1/evidence", True),
        ("/api/v1/violations/import", True),
    ],
)
def test_a_1_gb_body_is_answered_413_without_reading_it(db, upload_temp, path, expect_json):
    body = HugeBody()
    response = Client(enforce_csrf_checks=True).generic(
        "POST", path, CONTENT_LENGTH=str(GB), CONTENT_TYPE=MULTIPART, **{"wsgi.input": body}
    )
    assert response.status_code == 413
    assert body.read_bytes <= body_limit(path) + CHUNK
    assert body.read_bytes == 0, "the declared length alone decides"
    assert spooled_bytes(upload_temp) == 0
    if expect_json:
        payload = json.loads(response.content)
        assert payload["code"] == "too_large" and payload["field"] == "body" and payload["errors"] == []
        assert f"{body_limit(path) // MB} MB" in payload["message"]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert b"Too large to upload" in response.content


def test_just_over_the_cap_is_refused_and_at_the_cap_goes_through(db, client):
    limit = settings.REQUEST_MAX_BYTES
    over = client.post("/login/", data=b"a" * (limit + 1), content_type="application/x-www-form-urlencoded")
    assert over.status_code == 413
    at_cap = client.post(
        "/login/",
        data=b"username=a%40b.example&password=x&pad=" + b"a" * (limit - 45),
        content_type="application/x-www-form-urlencoded",
    )
    assert at_cap.status_code != 413


def test_json_api_bodies_over_a_megabyte_get_the_api_error(db, client):
    response = client.post(
        "/api/v1/accounts", data=json.dumps({"name": "x" * (2 * MB)}), content_type="application/json"
    )
    assert response.status_code == 413
    assert set(response.json()) == {"code", "message", "field", "errors"}


# --- live: a real gunicorn as the image runs it --------------------------------------------------------------


def kernel_buffer_bytes() -> int:
    """What loopback sockets may hold between the client's send() and the server's read()."""
    receive = int(Path("/proc/sys/net/ipv4/tcp_rmem").read_text().split()[2])
    return receive + 2 * CHUNK


def stream_gigabyte(port: int, path: str, folder: Path, *, chunked: bool = False) -> dict:
    """Send 1 GB (with its Content-Length, or chunked), a chunk at a time, until the server answers; watch the
    temp folder meanwhile."""
    give_up_after = body_limit(path) + 64 * MB
    largest = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            largest[0] = max(largest[0], spooled_bytes(folder))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHUNK)
    started = time.monotonic()
    sent = 0
    answer = b""
    try:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {MULTIPART}\r\n"
            + ("Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {GB}\r\n")
            + "Authorization: Bearer not-checked-before-the-cap\r\n"
            # With a CSRF cookie (any visitor has one from GET /login/) Django would parse the body for the token.
            f"Cookie: csrftoken={'a' * 32}\r\n\r\n"
        ).encode()
        chunk = b"\0" * CHUNK
        if chunked:
            sock.sendall(head + f"{len(PREAMBLE):x}\r\n".encode() + PREAMBLE + b"\r\n")
            chunk = f"{CHUNK:x}\r\n".encode() + chunk + b"\r\n"
        else:
            sock.sendall(head + PREAMBLE)
        while sent < min(GB, give_up_after):
            readable, writable, _ = select.select([sock], [sock], [], 10)
            if readable:
                break
            if writable:
                try:
                    sent += sock.send(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
        sock.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    finally:
        elapsed = time.monotonic() - started
        sock.close()
        done.set()
        watcher.join()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None
    return {"status": status, "sent": sent, "seconds": elapsed, "largest_temp_file": largest[0]}


def warm_up(port: int, path: str) -> None:
    # A worker imports the URLconf and views on its first request; that second is not the cap's.
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {GB}\r\n\r\n".encode())
            sock.recv(1024)


def test_a_live_1_gb_upload_is_refused_at_once(tmp_path):
    # One worker, so that the warm-up surely reaches the process that is measured.
    with gunicorn(tmp_path / "var", WEB_WORKERS="1") as port:
        for path in ("/login/", "/api/v1/appeals/1/evidence"):
            warm_up(port, path)
            result = stream_gigabyte(port, path, tmp_path / "var" / "tmp")
            print(f"1 GB POST {path}: {result}")
            assert result["status"] == 413, result
            # The client may have pushed up to the sockets' buffers before the answer came back.
            assert result["sent"] <= body_limit(path) + CHUNK + kernel_buffer_bytes(), result
            assert result["largest_temp_file"] <= body_limit(path), result
            assert result["seconds"] < 1, result


def test_a_live_chunked_1_gb_upload_is_never_read(tmp_path):
    """Without a Content-Length Django reads no body at all: the request fails on its missing fields, at once."""
    with gunicorn(tmp_path / "var", WEB_WORKERS="1") as port:
        for path, refused in (("/login/", 403), ("/api/v1/appeals/1/evidence", 401)):
            warm_up(port, path)
            result = stream_gigabyte(port, path, tmp_path / "var" / "tmp", chunked=True)
            print(f"1 GB chunked POST {path}: {result}")
            assert result["status"] == refused, result
            assert result["sent"] <= CHUNK + kernel_buffer_bytes(), result
            assert result["largest_temp_file"] == 0, result
            assert result["seconds"] < 1, result
