"""The personal API tokens page."""

from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from core.models import ApiToken
from core.tenancy import member_required
from core.tokens import TokenError, api_token_create, api_token_revoke


@member_required()
def token_list(request: HttpRequest) -> HttpResponse:
    raw_key = None
    error = None
    status = 200
    if request.method == "POST" and not ratelimit.consume(request, action="api_token_create", user=request.user):
        error, status = "You created many tokens in a short time. Try again in an hour.", 429
    elif request.method == "POST":
        try:
            _, raw_key = api_token_create(
                user=request.user, organization=request.organization, name=request.POST.get("name", "")
            )
        except TokenError as exc:
            error, status = str(exc), 400
    tokens = ApiToken.objects.filter(user=request.user, organization=request.organization).order_by("-created_at")
    return render(
        request,
        "core/tokens.html",
        {"tokens": tokens, "raw_key": raw_key, "error": error, "name": request.POST.get("name", "")},
        status=status,
    )


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=token_pk, user=request.user).first()
    if token is None:
        raise Http404("No such token.")
    api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked. Scripts using it now get 401.")
    return redirect("core:tokens")


urlpatterns = [
    path("profile/tokens/", token_list, name="tokens"),
    path("profile/tokens/<int:token_pk>/revoke/", token_revoke, name="token_revoke"),
]
