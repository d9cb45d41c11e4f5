"""Writes for people and organizations."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from core.models import Membership, Organization, Role, User


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, name: str, owner: User, slug: str | None = None, **settings) -> Organization:
    """Create an organization with `owner` as its owner; loads the default checklists and channel rules."""
    try:
        organization = Organization.objects.create(name=name, slug=slug or unique_slug(name), **settings)
    except IntegrityError as exc:
        from appeals.services import ServiceError

        raise ServiceError(f"The slug “{slug}” is taken.", field="slug") from exc
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    from appeals.defaults import defaults_install

    defaults_install(organization=organization)
    return organization


@transaction.atomic
def user_sign_up(*, email: str, password: str, full_name: str, organization_name: str, timezone: str) -> User:
    user = User.objects.create_user(email=email, password=password, full_name=full_name, timezone=timezone)
    organization_create(name=organization_name, owner=user, timezone=timezone)
    return user
