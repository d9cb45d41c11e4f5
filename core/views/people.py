"""Sign-up, log-in, organization switch and the personal profile."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.views.decorators.http import require_POST

from core import services
from core.forms import LoginForm, OrganizationCreateForm, ProfileForm, SignUpForm
from core.tenancy import switch_organization


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("appeals:inbox")
    return render(request, "core/home.html")


def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_sign_up(**form.cleaned_data)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Add the shops and creator accounts you manage to get started.")
        return redirect("appeals:inbox")
    return render(request, "core/sign_up.html", {"form": form})


@login_required
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.organization_create(
            name=form.cleaned_data["name"], owner=request.user, timezone=request.user.timezone
        )
        switch_organization(request, organization.pk)
        messages.success(request, f"{organization.name} is ready.")
        return redirect("appeals:inbox")
    return render(request, "core/organization_create.html", {"form": form})


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


class PasswordResetView(auth_views.PasswordResetView):
    """Links in the email use SITE_URL, never the request's Host header."""

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


urlpatterns = [
    path("", home, name="home"),
    path("signup/", sign_up, name="sign_up"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("organizations/new/", organization_create, name="organization_create"),
    path("organizations/switch/", organization_switch, name="organization_switch"),
    path("profile/", profile, name="profile"),
    # Password reset by email (Django's views; routes and templates adapted to the `core` namespace).
    path(
        "password/reset/",
        PasswordResetView.as_view(
            template_name="registration/password_reset_form.html",
            subject_template_name="emails/password_reset-subject.txt",
            email_template_name="emails/password_reset-body.txt",
            html_email_template_name="emails/password_reset-body.html",
            success_url=reverse_lazy("core:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_confirm.html",
            success_url=reverse_lazy("core:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
