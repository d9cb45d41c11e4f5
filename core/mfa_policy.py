"""The organization policy "every member uses two-factor authentication".

A member of an organization that requires it, without an authenticator app or passkey, reaches only the
two-factor set-up pages, logging out, and static files until they enrol. API tokens are not sessions and
are not affected.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from core.models import Organization

# Recovery codes alone are not a second factor one can log in with; they back up these.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
OPEN_PATHS = ("/auth/2fa/", "/auth/reauthenticate/", "/logout/", "/auth/logout/", "/static/", "/healthz", "/api/")


def organization_requiring_two_factor(request: HttpRequest) -> Organization | None:
    """The first of the user's organizations whose owners require two-factor (memberships are already loaded)."""
    for membership in getattr(request, "all_memberships", None) or []:
        if membership.organization.require_two_factor:
            return membership.organization
    return None


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(OPEN_PATHS):
            organization = organization_requiring_two_factor(request)
            if organization is not None and not is_mfa_enabled(user, types=SECOND_FACTORS):
                messages.warning(
                    request,
                    f"{organization.name} requires two-factor authentication. "
                    "Set up an authenticator app or a passkey to continue.",
                )
                target = reverse("mfa_index")
                if getattr(request, "htmx", False):
                    return HttpResponse(status=204, headers={"HX-Redirect": target})
                return redirect(target)
        return self.get_response(request)
