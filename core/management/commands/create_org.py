"""Create an organization and its owner from the command line, so a deployment can start without the sign-up page."""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email, validate_slug
from django.db import transaction

from core.models import User, validate_timezone
from core.services import organization_create


class Command(BaseCommand):
    help = "Create an organization with an owner; an existing user with that email is made its owner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Organization name, e.g. 'Acme Shop'.")
        parser.add_argument("--slug", required=True, help="Short unique identifier: letters, digits, - and _.")
        parser.add_argument("--owner-email", required=True, help="Owner's email address (their login).")
        parser.add_argument(
            "--password",
            help="Password for a new owner. Prompted for when missing and a terminal is attached; "
            "ignored for an existing user.",
        )
        parser.add_argument("--agency", action="store_true", help="The organization acts for shops as a partner.")
        parser.add_argument("--timezone", default="America/New_York", help="IANA time zone of the business hours.")

    def handle(self, *args, name: str, slug: str, owner_email: str, password: str | None, agency: bool, **options):
        timezone = options["timezone"]
        name = name.strip()
        email = owner_email.strip().lower()
        if not name:
            raise CommandError("--name must not be empty.")
        for validator, value, flag in (
            (validate_slug, slug, "--slug"),
            (validate_email, email, "--owner-email"),
            (validate_timezone, timezone, "--timezone"),
        ):
            try:
                validator(value)
            except ValidationError as exc:
                raise CommandError(f"{flag}: {' '.join(exc.messages)}") from exc

        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            password = password if password is not None else self.ask_password()
            candidate = User(email=email)
            try:
                validate_password(password, user=candidate)
            except ValidationError as exc:
                raise CommandError(f"--password: {' '.join(exc.messages)}") from exc
        elif password is not None:
            self.stderr.write(f"{email} already has an account; its password is left unchanged.")

        from appeals.services import ServiceError

        try:
            with transaction.atomic():
                created_user = user is None
                if user is None:
                    user = User.objects.create_user(email=email, password=password, timezone=timezone)
                organization = organization_create(
                    name=name, owner=user, slug=slug, is_agency=agency, timezone=timezone
                )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

        who = "new user" if created_user else "existing user"
        self.stdout.write(
            self.style.SUCCESS(
                f"Created organization “{organization.name}” ({organization.slug}); owner: {email} ({who})."
            )
        )

    def ask_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError("--password is required for a new owner when no terminal is attached to prompt for it.")
        for _attempt in range(3):
            first = getpass.getpass("Password for the new owner: ")
            if first and first == getpass.getpass("Password (again): "):
                return first
            self.stderr.write("The passwords were empty or did not match; try again.")
        raise CommandError("No password given.")
