"""The public entrance, creating and switching organizations, and the personal profile.

Log in, sign up, log out and password reset are django-allauth's views (mounted under /auth/); the
short public URLs below point at the same views so links, bookmarks and scripts keep working.
"""

from __future__ import annotations

from allauth.account import views as account_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from core import services
from core.demo import demo_login
from core.forms import OrganizationCreateForm, ProfileForm
from core.tenancy import switch_organization


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("appeals:inbox")
    return render(request, "core/home.html", {"demo_login": demo_login()})


@login_required
def organization_create(request: HttpRequest) -> HttpResponse:
    """Reached after the sign-up's email address is verified (allauth lets no unverified sign-up log in)."""
    form = OrganizationCreateForm(request.POST or None, initial={"timezone": request.user.timezone})
    if request.method == "POST" and form.is_valid():
        organization = services.organization_create(
            name=form.cleaned_data["name"], owner=request.user, timezone=form.cleaned_data["timezone"]
        )
        switch_organization(request, organization.pk)
        messages.success(request, "Welcome! Add the shops and creator accounts you manage to get started.")
        return redirect("appeals:inbox")
    return render(request, "core/organization_create.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@login_required
def organization_switch(request: HttpRequest) -> HttpResponse:
    try:
        membership = switch_organization(request, int(request.POST.get("organization", "")))
    except ValueError:
        messages.error(request, "Choose an organization.")
        return redirect("appeals:inbox")
    messages.info(request, f"Now working in {membership.organization.name}.")
    return redirect("appeals:inbox")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("core:profile")
    return render(request, "core/profile.html", {"form": form})


urlpatterns = [
    path("", home, name="home"),
    path("login/", account_views.login, name="login"),
    path("logout/", account_views.logout, name="logout"),
    path("signup/", account_views.signup, name="sign_up"),
    path("password/reset/", account_views.password_reset, name="password_reset"),
    path("organizations/new/", organization_create, name="organization_create"),
    path("organizations/switch/", organization_switch, name="organization_switch"),
    path("profile/", profile, name="profile"),
]
