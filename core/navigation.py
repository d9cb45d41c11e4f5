"""The main menu: its entries for the current member, and which one the page belongs to.

Decided here once per request rather than in base.html, where eight {% url %} tags and a dozen
`url_name|slice` comparisons ran on every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    current: bool


# (label, URL name, URL-name prefixes or exact names of the pages that belong to it, who sees it)
_ENTRIES = (
    ("Inbox", "appeals:inbox", ("=inbox",), None),
    ("Violations", "appeals:violations", ("=violations", "=case", "violation_", "import_"), None),
    ("Accounts", "appeals:account_list", ("account_",), None),
    ("Tickets", "appeals:ticket_list", ("ticket_", "authorization_"), None),
    ("Channel guide", "appeals:channel_guide", ("channel_",), None),
    ("Templates", "appeals:appeal_templates", ("=appeal_templates", "=checklists"), None),
    ("Analytics", "appeals:analytics", ("analytics",), "can_manage"),
    ("Destinations", "appeals:destination_list", ("destination_", "=notify_overview"), "can_manage"),
    (
        "Settings",
        "core:organization_settings",
        ("=organization_settings", "=members", "=security", "market", "rule_version"),
        "is_owner",
    ),
)


def _belongs(url_name: str, patterns: tuple[str, ...]) -> bool:
    return any(url_name == p[1:] if p.startswith("=") else url_name.startswith(p) for p in patterns)


def nav_items(request: HttpRequest) -> list[NavItem]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    match = getattr(request, "resolver_match", None)
    # Only our namespaced pages belong to an entry: allauth's (account_email, …) have no namespace.
    url_name = (match.url_name or "") if match and match.namespace else ""
    return [
        NavItem(label, reverse(name), _belongs(url_name, patterns))
        for label, name, patterns, permission in _ENTRIES
        if permission is None or getattr(membership, permission)
    ]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `nav_items` for base.html."""
    return {"nav_items": nav_items(request)}
