"""Fewer writes per reminder row (issue 20: the morning sweep inserts and claims thousands at once).

1. The organization link keeps no database constraint: every row but a weekly summary also links its subject
   (violation, appeal, ticket, escalation or account) under a constraint, and the subject's own constraint keeps
   it from outliving its organization. Django still deletes an organization's reminders with it (on_delete).
2. reminder_org_status (organization, status) becomes reminder_org_failed (organization WHERE status = failed):
   the failed-reminders list and count are its only readers; pending and sent rows get no entry.
3. Fillfactor 50 on PostgreSQL (70 since 0007): each row is claimed (claimed_at, claim_key: no indexed column)
   soon after it is inserted, all of a sweep's rows at once; with half of each page free every claimed version
   fits beside its row, so the claim is a HOT update (no new entry in any index), not only for the first ~40%.
"""

import django.db.models.deletion
from django.db import migrations, models


def _fillfactor(value: int):
    def apply(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE appeals_reminder SET (fillfactor = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0023_fewer_import_checks"),
        ("core", "0006_market_clocks_rule_versions"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="reminder",
            name="reminder_org_status",
        ),
        migrations.AlterField(
            model_name="reminder",
            name="organization",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reminders",
                to="core.organization",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("status", "failed")), fields=["organization"], name="reminder_org_failed"
            ),
        ),
        migrations.RunPython(_fillfactor(50), _fillfactor(70), elidable=True),
    ]
