"""People of an organization: members, invitations (owners), and accepting an invitation (anyone with the link)."""

from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from appeals.services import ServiceError
from core import services
from core.forms import InvitationAcceptForm, InvitationForm, MemberRoleForm
from core.models import Invitation, Membership, Role, User
from core.tenancy import get_scoped_or_404, member_required, switch_organization


def _members_context(request: HttpRequest, invite_form: InvitationForm | None = None) -> dict:
    organization = request.organization  # type: ignore[attr-defined]
    members = Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")
    pending = (
        Invitation.objects.filter(organization=organization, accepted_at=None, revoked_at=None)
        .select_related("invited_by")
        .order_by("-created_at")
    )
    return {
        "members": members,
        "invitations": pending,
        "invite_form": invite_form or InvitationForm(),
        "role_choices": Role.choices,
        "owner_count": sum(1 for m in members if m.role == Role.OWNER),
    }


@member_required(Role.OWNER)
def members(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # ACCOUNT_RATE_LIMITS["invite"]: each invitation is an email to an address the inviter chose.
        if not ratelimit.consume(request, action="invite", user=request.user):
            form.add_error("email", "You sent many invitations in a short time. Try again in an hour.")
            return render(request, "core/members.html", _members_context(request, form), status=429)
        try:
            invitation = services.invitation_create(
                organization=request.organization,  # type: ignore[attr-defined]
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}. The link works for 7 days.")
            return redirect("core:members")
    status = 400 if form.errors else 200
    return render(request, "core/members.html", _members_context(request, form), status=status)


@require_POST
@member_required(Role.OWNER)
def member_role(request: HttpRequest, member_pk: int) -> HttpResponse:
    membership = get_scoped_or_404(request, Membership.objects.select_related("user"), pk=member_pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect("core:members")
    try:
        services.membership_change_role(
            organization=request.organization,  # type: ignore[attr-defined]
            membership_id=membership.pk,
            role=form.cleaned_data["role"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.display_name} is now {Role(form.cleaned_data['role']).label}.")
    return redirect("core:members")


@require_POST
@member_required(Role.OWNER)
def member_remove(request: HttpRequest, member_pk: int) -> HttpResponse:
    membership = get_scoped_or_404(request, Membership.objects.select_related("user"), pk=member_pk)
    try:
        services.membership_remove(
            organization=request.organization,  # type: ignore[attr-defined]
            membership_id=membership.pk,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("core:members")
    messages.success(request, f"{membership.user.display_name} no longer has access.")
    if membership.user_id == request.user.pk:
        return redirect("appeals:inbox")
    return redirect("core:members")


@require_POST
@member_required(Role.OWNER)
def invitation_revoke(request: HttpRequest, invitation_pk: int) -> HttpResponse:
    invitation = get_scoped_or_404(request, Invitation.objects.all(), pk=invitation_pk)
    services.invitation_revoke(organization=request.organization, invitation_id=invitation.pk)  # type: ignore[attr-defined]
    messages.success(request, f"The invitation to {invitation.email} was withdrawn; its link no longer works.")
    return redirect("core:members")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """One link for everyone: a matching logged-in user joins; a new person sets a name and password."""
    invitation = services.invitation_for_token(token)
    problem = services.invitation_problem(invitation)
    if problem:
        return render(request, "core/invitation_invalid.html", {"problem": problem}, status=410 if invitation else 404)
    assert invitation is not None
    context: dict = {"invitation": invitation, "role_label": Role(invitation.role).label}
    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            context["wrong_user"] = True
            return render(request, "core/invitation_accept.html", context, status=403)
        if request.method == "POST":
            try:
                membership = services.invitation_accept(raw_token=token, user=user)
            except ServiceError as exc:
                return render(request, "core/invitation_invalid.html", {"problem": exc.message}, status=410)
            return _joined(request, membership)
        return render(request, "core/invitation_accept.html", context)
    if User.objects.filter(email__iexact=invitation.email).exists():
        context["needs_login"] = True
        return render(request, "core/invitation_accept.html", context)
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            new_user = services.invitation_accept_new_user(raw_token=token, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
            return _joined(request, Membership.objects.get(user=new_user, organization=invitation.organization))
    context["form"] = form
    return render(request, "core/invitation_accept.html", context, status=400 if form.errors else 200)


def _joined(request: HttpRequest, membership: Membership) -> HttpResponse:
    switch_organization(request, membership.organization_id)
    messages.success(request, f"Welcome to {membership.organization.name}.")
    return redirect("appeals:inbox")


urlpatterns = [
    path("settings/members/", members, name="members"),
    path("settings/members/<int:member_pk>/role/", member_role, name="member_role"),
    path("settings/members/<int:member_pk>/remove/", member_remove, name="member_remove"),
    path("settings/invitations/<int:invitation_pk>/revoke/", invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", invitation_accept, name="invitation_accept"),
]
