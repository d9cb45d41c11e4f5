"""The analytics rollups' keys carry their counts (INCLUDE), so the dashboard reads an organization's rows by
index-only scans (PostgreSQL).

An organization's rollup rows lie one or two to a heap page among every other organization's (the recount writes
them in hash order, the triggers append each day's rows of all organizations together): at 1M violations the
dashboard read ~16,000 heap pages (~128 MB, the size of shared_buffers) for ~24,000 rows, so its rollup queries
cost 4-10x more than at 100k. A key in index order with the counts is ~250 pages. The price: a count update is no
longer a HOT update (one more index entry per changed row; btree deletes the old versions bottom-up).

Django cannot say INCLUDE on a primary key; the model state keeps the plain keys (same columns, same names).
"""

from django.db import migrations

COLUMNS = (
    "organization_id, month, grouped, round, readiness_score, notice_days, evidence_count, evidence_categories, "
    "violation_kind, violation_policy, violation_account_id, violation_assignee_id, decision_business_days"
)


def _keys(include: bool) -> str:
    counts = {
        "decided": " INCLUDE (n, reversed, partial)" if include else "",
        "n": " INCLUDE (n)" if include else "",
        "points": " INCLUDE (points, cases)" if include else "",
    }
    return f"""
DROP INDEX decided_rollup_key;
CREATE UNIQUE INDEX decided_rollup_key ON appeals_decidedrollup ({COLUMNS}){counts["decided"]} NULLS NOT DISTINCT;
ALTER TABLE appeals_decidedday DROP CONSTRAINT decided_day_unique,
    ADD CONSTRAINT decided_day_unique UNIQUE (organization_id, day){counts["decided"]};
ALTER TABLE appeals_violationday DROP CONSTRAINT appeals_violationday_pkey,
    ADD CONSTRAINT appeals_violationday_pkey PRIMARY KEY (organization_id, day, kind){counts["n"]};
ALTER TABLE appeals_submittedday DROP CONSTRAINT appeals_submittedday_pkey,
    ADD CONSTRAINT appeals_submittedday_pkey PRIMARY KEY (organization_id, day, violation_kind){counts["n"]};
ALTER TABLE appeals_pointsday DROP CONSTRAINT appeals_pointsday_pkey,
    ADD CONSTRAINT appeals_pointsday_pkey PRIMARY KEY (organization_id, day, account_id){counts["points"]};
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_keys(include=True))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_keys(include=False))


class Migration(migrations.Migration):
    dependencies = [("appeals", "0025_analytics_volume_rollups")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
