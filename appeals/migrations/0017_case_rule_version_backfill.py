"""Existing cases get version 1 of their market's rules; no stored deadline is touched.

Version 1 holds no values of its own (NULL = the organization's settings), so every case counts with exactly
what its organization's settings said before versions existed. Accounts need nothing: their market code picks
its clock (core.markets.MARKETS), and a code without defaults keeps the organization's timezone and holidays.
"""

from datetime import date

from django.db import migrations
from django.db.models.functions import Upper


def backfill(apps, schema_editor):
    Account = apps.get_model("appeals", "Account")
    Violation = apps.get_model("appeals", "Violation")
    SupportTicket = apps.get_model("appeals", "SupportTicket")
    RuleVersion = apps.get_model("core", "RuleVersion")
    pairs = Account.objects.annotate(code=Upper("market")).values_list("organization_id", "code").distinct()
    for organization_id, code in pairs:
        version, _ = RuleVersion.objects.get_or_create(
            organization_id=organization_id, market=code, number=1, defaults={"effective_from": date(2000, 1, 1)}
        )
        accounts = Account.objects.annotate(code=Upper("market")).filter(organization_id=organization_id, code=code)
        Violation.objects.filter(account__in=accounts, rule_version=None).update(rule_version=version)
        SupportTicket.objects.filter(account__in=accounts, rule_version=None).update(rule_version=version)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0016_case_rule_version"),
        ("core", "0006_market_clocks_rule_versions"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
