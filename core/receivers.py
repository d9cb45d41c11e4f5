"""Reactions to account events: which new users count as verified, what allauth and axes report."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.models import User


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
