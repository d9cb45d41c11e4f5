"""Reactions to account events: which new users count as verified, what allauth and axes report."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.account.signals import password_changed, password_reset, password_set, user_logged_in
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.models import SecurityEvent, User
from core.security import is_new_device, security_event_record
from core.usersessions import sessions_end_others


@receiver(post_save, sender=User, dispatch_uid="core.receivers.email_address_trusted")
def email_address_trusted(sender, instance: User, created: bool, raw: bool = False, **kwargs) -> None:
    """A user made by a trusted path (an invitation link, the admin, the CLI, demo data) has a verified address.

    Only allauth's self-service sign-up (which marks the instance) leaves the address to be verified by email.
    """
    if not created or raw or getattr(instance, "signing_up", False) or not instance.email:
        return
    EmailAddress.objects.get_or_create(
        user=instance, email=instance.email.lower(), defaults={"verified": True, "primary": True}
    )


@receiver(password_changed, dispatch_uid="core.receivers.password_changed_end_others")
@receiver(password_reset, dispatch_uid="core.receivers.password_reset_end_others")
@receiver(authenticator_added, dispatch_uid="core.receivers.authenticator_added_end_others")
def other_sessions_end(sender, request, user, **kwargs) -> None:
    """A new password or a new second factor signs out every other browser (an intruder's too)."""
    session = getattr(request, "session", None)
    sessions_end_others(user=user, current_key=session.session_key if session is not None else None)


# --- The security record (core.models.SecurityEvent) and security emails -------------------------------------

Kind = SecurityEvent.Kind


def _user_for(identifier: str | None) -> User | None:
    if not identifier:
        return None
    return User.objects.filter(email__iexact=identifier.strip()).first()


@receiver(user_logged_in, dispatch_uid="core.receivers.signed_in")
def signed_in(sender, request, user, **kwargs) -> None:
    agent = request.META.get("HTTP_USER_AGENT", "")
    new_device = is_new_device(user=user, user_agent=agent)
    security_event_record(user=user, kind=Kind.SIGNED_IN, request=request)
    if new_device:
        get_adapter(request).send_notification_mail("account/email/new_sign_in", user)


@receiver(user_login_failed, dispatch_uid="core.receivers.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    """Recorded for existing accounts only: guesses at unknown addresses belong to nobody."""
    user = _user_for(credentials.get("email") or credentials.get("username") or credentials.get("login"))
    if user is not None:
        security_event_record(user=user, kind=Kind.SIGN_IN_FAILED, request=request)


@receiver(user_locked_out, dispatch_uid="core.receivers.locked_out")
def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    user = _user_for(username)
    if user is not None:
        security_event_record(user=user, kind=Kind.LOCKED_OUT, request=request)


@receiver(password_changed, dispatch_uid="core.receivers.password_changed_recorded")
@receiver(password_set, dispatch_uid="core.receivers.password_set_recorded")
def password_changed_recorded(sender, request, user, **kwargs) -> None:
    security_event_record(user=user, kind=Kind.PASSWORD_CHANGED, request=request)


@receiver(password_reset, dispatch_uid="core.receivers.password_reset_recorded")
def password_reset_recorded(sender, request, user, **kwargs) -> None:
    security_event_record(user=user, kind=Kind.PASSWORD_RESET, request=request)


FACTOR_NAMES = {
    Authenticator.Type.TOTP: "authenticator app",
    Authenticator.Type.WEBAUTHN: "passkey",
    Authenticator.Type.RECOVERY_CODES: "recovery codes",
}


@receiver(authenticator_added, dispatch_uid="core.receivers.factor_added")
@receiver(authenticator_removed, dispatch_uid="core.receivers.factor_removed")
@receiver(authenticator_reset, dispatch_uid="core.receivers.factor_reset")
def factor_changed(sender, request, user, authenticator, signal, **kwargs) -> None:
    kind = {
        authenticator_added: Kind.TWO_FACTOR_ADDED,
        authenticator_removed: Kind.TWO_FACTOR_REMOVED,
        authenticator_reset: Kind.RECOVERY_CODES_RENEWED,
    }[signal]
    security_event_record(user=user, kind=kind, detail=FACTOR_NAMES.get(authenticator.type, ""), request=request)
