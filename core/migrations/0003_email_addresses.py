"""Existing users keep logging in under django-allauth: each gets its address as a verified, primary EmailAddress.

allauth's mandatory email verification refuses a login whose address is not verified; the people who signed up
or accepted an invitation before allauth came are trusted as they were.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("core", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=pk, email=email.lower(), verified=True, primary=True)
            for pk, email in User.objects.exclude(email="").values_list("pk", "email").iterator()
            if pk not in known
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_deadlines_reminder_emails"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
