"""The one way a destination is called: an HTTPS POST that cannot be turned against our own network.

- https only; http only to a loopback address, and only with DEBUG or in tests (DESTINATIONS_ALLOW_LOOPBACK).
- The host is resolved once and the connection made to that address (no second lookup to rebind); in
  production an address that is private, loopback, link-local (cloud metadata at 169.254.169.254), multicast,
  reserved or unspecified is refused.
- Connect and read timeouts of DESTINATION_TIMEOUT_SECONDS (5 s); at most 64 KB of the answer is read; redirects
  are not followed (a 3xx is an answer like any other, and not a success).
"""

from __future__ import annotations

import http.client
import ipaddress
import math
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.conf import settings

MAX_RESPONSE_BYTES = 64 * 1024
METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class UrlRefused(Exception):
    """The URL may never be called (scheme, address): a setting to fix, not a failure to retry."""


class TransportError(Exception):
    """No HTTP answer: connection refused or reset, timeout, TLS failure. Worth retrying."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    elapsed_ms: int
    retry_after: int | None = None  # seconds the endpoint asked us to wait (Retry-After), when it said


def retry_after_seconds(value: str | None, now: datetime) -> int | None:
    """Retry-After as seconds from now: delay-seconds or an HTTP-date (RFC 9110 10.2.3); None when absent or
    unreadable, 0 for a date already past."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT, even where the sender left the zone out
        when = when.replace(tzinfo=UTC)
    return max(0, math.ceil((when - now).total_seconds()))


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "DESTINATIONS_ALLOW_LOOPBACK", settings.DEBUG))


def address_refusal(address: str) -> str:
    """Why this resolved address may not be called ("" when it may)."""
    ip = ipaddress.ip_address(address)
    if ip in METADATA_ADDRESSES or ip.is_link_local:
        return "a link-local or cloud metadata address"
    if ip.is_loopback:
        return "" if _loopback_allowed() else "a loopback address"
    if ip.is_private or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return "a private or reserved address"
    return ""


def url_refusal(url: str) -> str:
    """Why this URL may not be used as a destination, without resolving it ("" when it may)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "This is not a valid URL."
    if not parts.hostname:
        return "The URL needs a host."
    if parts.username or parts.password:
        return "The URL must not contain a user name or password."
    if parts.scheme == "https":
        return ""
    if parts.scheme == "http" and _loopback_allowed() and _is_loopback_name(parts.hostname):
        return ""
    return "The URL must start with https://."


def _is_loopback_name(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resolve(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TransportError(f"Cannot resolve {host}: {exc}") from exc
    addresses = [info[4][0] for info in infos]
    refused = [(a, address_refusal(a)) for a in addresses]
    bad = [(a, why) for a, why in refused if why]
    if bad:
        # Any bad answer refuses the host: a name that resolves partly inside our network is not trusted.
        raise UrlRefused(f"{host} resolves to {bad[0][0]}, {bad[0][1]}.")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), timeout=self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), timeout=self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST body to url; the answer whatever its status. Raises UrlRefused or TransportError."""
    why = url_refusal(url)
    if why:
        raise UrlRefused(why)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _resolve(host, port)
    timeout = float(getattr(settings, "DESTINATION_TIMEOUT_SECONDS", 5))
    cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = cls(host, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        data = response.read(MAX_RESPONSE_BYTES)
        return Answer(
            status=response.status,
            body=data,
            elapsed_ms=int((time.monotonic() - started) * 1000),
            retry_after=retry_after_seconds(response.getheader("Retry-After"), datetime.now(UTC)),
        )
    except (OSError, http.client.HTTPException) as exc:  # timeout, refused, reset, TLS, malformed answer
        raise TransportError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from exc
    finally:
        connection.close()
