"""NUL characters in the URL are refused before any view runs.

PostgreSQL cannot store or compare text with a NUL, so a NUL that reached a query was a 500. Forms refuse it
at the field (Django's CharField does; core.tokens and the API schemas check their own input); this catches
the rest of a request's text that views read without a form: the path and the query string.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string


class NulRefusedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            raise Http404("No such page.")
        # The API answers in JSON and checks its query strings by name itself (appeals.api.base.ApiQuery).
        if not request.path.startswith("/api/"):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    shown = name.replace("\x00", "")
                    message = f"The “{shown}” parameter contains a NUL character, which is not allowed."
                    return HttpResponse(render_to_string("400.html", {"message": message}), status=400)
        return self.get_response(request)
