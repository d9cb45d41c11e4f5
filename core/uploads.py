"""Request body caps per route, checked before anything reads the body.

Django reads at most CONTENT_LENGTH bytes of a body (a body without one is not read at all), so refusing a
declared length over the route's cap means nothing of it is read, buffered or spooled to a temp file. The
proxy (deploy/nginx/) enforces the same caps in front; this guard covers the app when it is reached directly.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

EVIDENCE_ROUTES = {"appeals:evidence_upload", "appeals:attachment_add", "api:appeals_evidence"}
IMPORT_ROUTES = {"appeals:import_upload", "api:violations_import"}
INBOUND_ROUTES = {"appeals:inbound_postmark", "appeals:inbound_mailgun", "appeals:notice_upload"}


def body_limit(path: str) -> int:
    """Bytes a request to `path` may carry: the upload's own limit plus room for the form around it."""
    try:
        view_name = resolve(path).view_name
    except Resolver404:
        view_name = ""
    if view_name in EVIDENCE_ROUTES:
        # The builder's form sends several files at once: up to what one appeal may hold.
        return settings.EVIDENCE_MAX_APPEAL_BYTES + settings.REQUEST_MAX_BYTES
    if view_name in IMPORT_ROUTES:
        return settings.IMPORT_MAX_FILE_BYTES + settings.REQUEST_MAX_BYTES
    if view_name in INBOUND_ROUTES:
        # A forwarded notice mail; Postmark posts it as JSON with its attachments in base64 (a third larger).
        return settings.INBOUND_MAIL_MAX_BYTES * 4 // 3 + settings.REQUEST_MAX_BYTES
    return settings.REQUEST_MAX_BYTES


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


class RequestSizeLimitMiddleware:
    """First middleware: a body over its route's cap gets 413 before a byte of it is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)
        if length > settings.REQUEST_MAX_BYTES:
            limit = body_limit(request.path_info)
            if length > limit:
                return too_large(request, limit)
        return self.get_response(request)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    megabytes = f"{limit / (1024 * 1024):.0f} MB"
    if request.path_info.startswith("/api/"):
        body = {
            "code": "too_large",
            "message": f"The request body is too large: this operation takes up to {megabytes}.",
            "field": "body",
            "errors": [],
        }
        return JsonResponse(body, status=413)
    # Without the request: this answers before the session and user are loaded.
    return HttpResponse(render_to_string("413.html", {"limit": megabytes}), status=413)
