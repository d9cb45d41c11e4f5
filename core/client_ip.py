"""The client's address: REMOTE_ADDR, or what a trusted proxy says it is.

A proxy appends the address it received the request from to X-Forwarded-For, so the list is read from the
right: each entry added by a trusted proxy is skipped, and the first one that is not a trusted proxy is the
client. Entries further left came from the client itself and are never believed. With no trusted proxies
(TRUSTED_PROXY_CIDRS empty, the default) the header is ignored.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    return address.ipv4_mapped or address if isinstance(address, ipaddress.IPv6Address) else address


def is_trusted_proxy(address: str) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in _networks(tuple(settings.TRUSTED_PROXY_CIDRS)))


def client_ip(request: HttpRequest) -> str:
    """Used by django-axes (AXES_CLIENT_IP_CALLABLE) and anything else that counts per client."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not is_trusted_proxy(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if _parse(hop) is None:
            # Garbage where a proxy should have written an address: stop at the last address we trust.
            break
        if not is_trusted_proxy(hop):
            return str(_parse(hop))
        remote = hop
    return remote
