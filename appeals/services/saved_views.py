"""Saved views: a person's named filters of the violation list."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from appeals.models import SavedView
from appeals.services import ServiceError
from core.models import Organization, User

NAME_MAX = SavedView._meta.get_field("name").max_length
QUERY_MAX = SavedView._meta.get_field("query").max_length


def saved_view_create(*, user: User, organization: Organization, name: str, query: str) -> SavedView:
    name = " ".join(name.split())
    if not name:
        raise ServiceError("Give the view a name.", field="name")
    if len(name) > NAME_MAX:
        raise ServiceError(f"Keep the name to {NAME_MAX} characters (this one has {len(name)}).", field="name")
    if len(query) > QUERY_MAX:
        raise ServiceError("This filter is too long to save: remove a filter or shorten the search.", field="name")
    taken = f"You already have a view named “{name}”: choose another name, or delete that view first."
    if SavedView.objects.filter(user=user, organization=organization, name=name).exists():
        raise ServiceError(taken, field="name")
    try:
        with transaction.atomic():
            return SavedView.objects.create(user=user, organization=organization, name=name, query=query)
    except IntegrityError:
        raise ServiceError(taken, field="name") from None


def saved_view_delete(*, saved_view: SavedView) -> None:
    saved_view.delete()
