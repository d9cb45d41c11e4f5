"""`manage.py analytics_rollups`: recount the analytics rollups from the appeals (PostgreSQL).

The triggers keep them in step with every write; this is for data loaded with triggers off (COPY as a replica,
pg_restore --disable-triggers) and for checking: --check compares each organization's rollups with a recount.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from appeals.services.analytics_rollups import analytics_rollups_differences, analytics_rollups_rebuild
from core.models import Organization


class Command(BaseCommand):
    help = "Rebuild (or --check) the analytics rollups of one organization (--org slug) or all."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", help="organization slug (default: every organization)")
        parser.add_argument("--check", action="store_true", help="only report rollup rows that differ")

    def handle(self, *args, org: str | None, check: bool, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Analytics rollups exist on PostgreSQL only (SQLite counts from the appeals).")
        organization_id = None
        if org:
            organization = Organization.objects.filter(slug=org).first()
            if organization is None:
                raise CommandError(f"No organization with the slug {org!r}.")
            organization_id = organization.pk
        if check:
            differences = analytics_rollups_differences(organization_id=organization_id)
            for row in differences[:20]:
                self.stdout.write(str(row))
            if differences:
                raise CommandError(f"{len(differences)} rollup rows differ from a recount.")
            self.stdout.write("The analytics rollups match a recount.")
            return
        analytics_rollups_rebuild(organization_id=organization_id)
        self.stdout.write("Analytics rollups rebuilt.")
