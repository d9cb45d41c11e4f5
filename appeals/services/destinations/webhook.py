"""Generic webhook: the event as JSON, signed with the endpoint's secret.

Headers: `X-AppealDesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
`X-AppealDesk-Event-Id` (the idempotency key, also `id` in the body) and `X-AppealDesk-Event-Type`. The body is
the same bytes on every attempt and redelivery; `t` is the attempt's time (reject old ones to stop replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

SIGNATURE_HEADER = "X-AppealDesk-Signature"


def webhook_secret_new() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def webhook_body(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_valid(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """The receiver's check (the README shows the same in a few lines)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def webhook_request(event: dict, secret: str, timestamp: int) -> tuple[bytes, dict[str, str]]:
    body = webhook_body(event)
    return body, {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        "X-AppealDesk-Event-Id": event["id"],
        "X-AppealDesk-Event-Type": event["type"],
    }
