from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appeals", "0012_case_header_saved_views")]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="claim_key",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
    ]
