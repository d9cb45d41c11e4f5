"""A real HTTP receiver on 127.0.0.1 for destination tests: checks signatures, counts deliveries per event id.

Behaviour is scripted per request: `plan` is a list of answers used in turn ("200", "500", "hang", "302",
"big"), then `default` for the rest.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from appeals.services.destinations.webhook import SIGNATURE_HEADER, signature_valid


class Receiver:
    def __init__(self, secret: str = "", default: str = "200", hang_seconds: float = 30) -> None:
        self.secret = secret
        self.default = default
        self.plan: list[str] = []
        self.hang_seconds = hang_seconds
        self.lock = threading.Lock()
        self.requests: list[dict] = []  # every request: path, headers, body, signature_ok, answered
        self.accepted: Counter = Counter()  # event id -> 2xx answers written completely
        self.received: Counter = Counter()  # event id -> requests received (whatever the answer)
        self.release = threading.Event()  # set to end every "hang" at once
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver._handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/appeal-desk"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _event_id(self, handler, body: bytes) -> str:
        event_id = handler.headers.get("X-AppealDesk-Event-Id")
        if event_id:
            return event_id
        return json.loads(body or b"{}").get("id", "") or handler.path

    def _handle(self, handler, body: bytes) -> None:
        event_id = self._event_id(handler, body)
        header = handler.headers.get(SIGNATURE_HEADER, "")
        ok = bool(self.secret) and signature_valid(self.secret, header, body, now=int(time.time()))
        with self.lock:
            answer = self.plan.pop(0) if self.plan else self.default
            self.received[event_id] += 1
            record = {"path": handler.path, "headers": dict(handler.headers), "body": body, "signature_ok": ok}
            self.requests.append(record)
        if answer == "hang":
            self.release.wait(self.hang_seconds)
            return
        if answer == "302":
            handler.send_response(302)
            handler.send_header("Location", "/elsewhere")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        answer, _, retry_after = answer.partition(" retry-after ")  # e.g. "429 retry-after 120"
        status = 200 if answer == "big" else int(answer)
        payload = b"x" * (1024 * 1024) if answer == "big" else b'{"ok": true}'
        try:
            handler.send_response(status)
            if retry_after:
                handler.send_header("Retry-After", retry_after)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            handler.wfile.flush()
        except OSError:
            return
        if 200 <= status < 300:
            with self.lock:
                self.accepted[event_id] += 1

    def bodies(self) -> list[dict]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests]
