"""Appeal Desk JSON API, version 1. Every rule lives in the service functions the web app uses."""

from __future__ import annotations

from appeals.api import accounts, analytics, appeals, markets, notices, organization, tickets, violations
from appeals.api.base import BearerToken, install_error_handlers, throttles
from appeals.api.webhooks import WebhookDocumentedAPI

api = WebhookDocumentedAPI(
    title="Appeal Desk API",
    version="1",
    description=(
        "Push violations in and pull deadlines and outcomes out. Authenticate with a personal token "
        "(Profile → API tokens, or `manage.py create_api_token`) sent as `Authorization: Bearer <token>`. "
        "Errors are JSON with a stable `code`, a `message` and, for bad input, the `field`."
    ),
    urls_namespace="api",
    auth=BearerToken(),
    throttle=throttles(),
)
install_error_handlers(api)
api.add_router("/", organization.router)
api.add_router("/", markets.router)
api.add_router("/", accounts.router)
api.add_router("/", notices.router)
api.add_router("/", violations.router)
api.add_router("/", tickets.router)
api.add_router("/", appeals.router)
api.add_router("/", analytics.router)
