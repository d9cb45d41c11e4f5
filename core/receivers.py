"""Reactions to account events: which new users count as verified, what allauth and axes report."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authenticator_added
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.models import User
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
