from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.models import Organization, User
from core.tokens import TokenError, api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME (the user's email) in an organization and print it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the user's email address")
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--name", default="command line", help="a name for the token")

    def handle(self, *args, username: str, org: str, name: str, **options) -> None:
        user = User.objects.filter(email__iexact=username).first()
        if user is None:
            raise CommandError(f"No user with the email {username}.")
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {org}.")
        try:
            _, raw = api_token_create(user=user, organization=organization, name=name)
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
