"""`manage.py ingest_mail FILE|-`: a forwarded notice from a local MTA pipe (or a saved .eml) into "To review".

For a Postfix alias, e.g.: `notices: "|/srv/appeal-desk/manage.py ingest_mail -"`. The organization is the one
whose private address the mail was sent to (the recipient headers, or --recipient for the envelope's).
Exit status 0 when stored or dropped (unknown address: logged), 1 when refused (too large, unreadable).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from appeals.models import NoticeIntake
from appeals.services import ServiceError
from appeals.services.inbound import inbound_mail_receive


class Command(BaseCommand):
    help = "Read one mail (a file, or - for standard input) into the notices to review of its organization."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", help="Path of an .eml file, or - to read standard input.")
        parser.add_argument(
            "--recipient", action="append", default=[], help="Envelope recipient (as an MTA passes it)."
        )

    def handle(self, *args, source: str, recipient: list[str], **options) -> None:
        try:
            raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {source}: {exc.strerror}.") from None
        try:
            intakes = inbound_mail_receive(raw=raw, source=NoticeIntake.Source.COMMAND, recipients=recipient)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        if not intakes:
            self.stdout.write("Dropped: the mail was not sent to any organization's inbound address.")
        for intake in intakes:
            state = intake.get_status_display().lower()
            self.stdout.write(f"Notice {intake.pk} for {intake.organization.name}: {state}.")
