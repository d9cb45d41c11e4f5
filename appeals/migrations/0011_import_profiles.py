# Import of foreign spreadsheet layouts: import profiles, and what an import batch keeps for its mapping step.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import appeals.models


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0010_appeal_org_due_index"),
        ("core", "0002_deadlines_reminder_emails"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportProfile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=80)),
                ("header_key", models.CharField(max_length=64)),
                ("headers", models.JSONField(default=list)),
                ("mapping", models.JSONField(default=dict)),
                ("date_order", models.CharField(default="auto", max_length=8)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="import_profiles",
                        to="core.organization",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["organization", "header_key"], name="import_profile_headers")],
                "constraints": [
                    models.UniqueConstraint(fields=("organization", "name"), name="import_profile_name_unique")
                ],
            },
        ),
        migrations.AddField(
            model_name="importbatch",
            name="unit",
            field=models.CharField(default="line", max_length=4),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="source",
            field=models.FileField(blank=True, max_length=255, upload_to=appeals.models.private_upload_to),
        ),
        migrations.AddField(model_name="importbatch", name="headers", field=models.JSONField(default=list)),
        migrations.AddField(model_name="importbatch", name="samples", field=models.JSONField(default=list)),
        migrations.AddField(model_name="importbatch", name="mapping", field=models.JSONField(default=dict)),
        migrations.AddField(
            model_name="importbatch",
            name="date_order",
            field=models.CharField(default="auto", max_length=8),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="profile",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="appeals.importprofile",
            ),
        ),
        migrations.AlterField(
            model_name="importbatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("mapping", "Columns to match"),
                    ("previewed", "Previewed"),
                    ("applied", "Applied"),
                    ("failed", "Failed"),
                ],
                default="previewed",
                max_length=16,
            ),
        ),
    ]
