"""Fewer checks and index entries per imported case (a 100k-row import checked ~700k keys at commit).

1. One composite key (account_id, organization_id) -> the account's (id, organization_id) replaces the case's two
   single keys (PostgreSQL): one check per new case instead of two, and it also proves that the case's account is
   its organization's, which the two single keys never did. Django still deletes cases with either (on_delete).
2. The single-column indexes of nullable user and appeal links index only the rows that have one: they serve the
   SET NULL of a deleted user or appeal, and an import's cases and timeline entries (no assignee, no appeal;
   no importer from the shell) then cost no index entry.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


COMPOSITE = """
ALTER TABLE appeals_violation ADD CONSTRAINT violation_account_in_org FOREIGN KEY (account_id, organization_id)
    REFERENCES appeals_account (id, organization_id) DEFERRABLE INITIALLY DEFERRED NOT VALID;
ALTER TABLE appeals_violation VALIDATE CONSTRAINT violation_account_in_org;
"""


def composite_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COMPOSITE)


def no_composite_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE appeals_violation DROP CONSTRAINT IF EXISTS violation_account_in_org")


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0027_import_counts_rollups_once"),
        ("core", "0006_market_clocks_rule_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="timelineevent",
            name="actor",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="timelineevent",
            name="appeal",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="appeals.appeal",
            ),
        ),
        migrations.AlterField(
            model_name="violation",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="violations",
                to="appeals.account",
            ),
        ),
        migrations.AlterField(
            model_name="violation",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="assigned_violations",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="violation",
            name="created_by",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="violation",
            name="organization",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="violations",
                to="core.organization",
            ),
        ),
        migrations.AddIndex(
            model_name="timelineevent",
            index=models.Index(
                condition=models.Q(("appeal__isnull", False)), fields=["appeal"], name="timeline_appeal_set"
            ),
        ),
        migrations.AddIndex(
            model_name="timelineevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)), fields=["actor"], name="timeline_actor_set"
            ),
        ),
        migrations.AddIndex(
            model_name="violation",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)), fields=["assignee"], name="violation_assignee_set"
            ),
        ),
        migrations.AddIndex(
            model_name="violation",
            index=models.Index(
                condition=models.Q(("created_by__isnull", False)),
                fields=["created_by"],
                name="violation_created_by_set",
            ),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.UniqueConstraint(fields=("id", "organization"), name="account_id_organization"),
        ),
        migrations.RunPython(composite_key, no_composite_key),
    ]
