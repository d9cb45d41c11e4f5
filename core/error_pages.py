"""The app's own 404 / 403 / 400 / 500 pages while DEBUG is on (`make run`), instead of Django's debug pages.

`make run` keeps DEBUG on so runserver serves static files, reloads on change and keeps development cookies on
plain http; a newcomer clicking a wrong link should still see the product's pages, not a URLconf dump. The
traceback of a 500 still goes to the console through the "django.request" logger, as Django would log it.
Added to MIDDLEWARE only when DEBUG and OWN_ERROR_PAGES are both on (core.settings).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults

logger = logging.getLogger("django.request")


class OwnErrorPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No URL matched: Django answered with its debug 404 before any view (process_exception never ran).
        if (
            response.status_code == 404
            and request.resolver_match is None
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return defaults.bad_request(request, exception)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return defaults.server_error(request)
