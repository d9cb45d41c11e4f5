"""Ending one of your own sessions (allauth's page ends all others at once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from core.usersessions import session_end


@require_POST
@login_required
def session_end_view(request: HttpRequest, session_pk: int) -> HttpResponse:
    if not session_end(user=request.user, session_id=session_pk, current_key=request.session.session_key):
        raise Http404("No such session.")
    messages.success(request, "That session was signed out.")
    return redirect("usersessions_list")


urlpatterns = [
    path("auth/sessions/<int:session_pk>/end/", session_end_view, name="session_end"),
]
