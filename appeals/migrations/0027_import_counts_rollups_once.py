"""An import counts its new cases into the volume and points rollups once, at its end.

0025's statement trigger counted each of an import's 2,000-row COPY statements on its own: every statement updated
the same day rows again, and each update had to step over the versions the earlier statements of the still-open
transaction left in the rollups' unique index (50 statements per 100k rows; ~2 s of the server's ~14 s of CPU).
While the transaction-local setting `appeals.cases_counted_later` is on, the insert trigger counts nothing, and
`appeals_volume_rollup_count_cases(ids)` counts the given cases in one upsert per key (services.violations
.violations_import sets it, calls this and sets it off again, in its transaction). Deletes and updates count as before.
"""

import importlib

from django.db import migrations

volume = importlib.import_module("appeals.migrations.0025_analytics_volume_rollups")
ROLLUPS = [volume.VIOLATION_DAY, volume.POINTS_DAY]
CASES = "SELECT c.*, 1 AS sign FROM appeals_violation c WHERE c.id BETWEEN lo AND hi AND c.id = ANY(ids)"

FORWARD = f"""
CREATE OR REPLACE FUNCTION appeals_volume_rollup_violations() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' AND current_setting('appeals.cases_counted_later', true) = 'on' THEN
        RETURN NULL;
    END IF;
    {volume._statement(ROLLUPS)}
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION appeals_volume_rollup_count_cases(ids bigint[]) RETURNS void AS $$
DECLARE
    lo bigint;
    hi bigint;
BEGIN
    -- The cases by their ids' range (an import's come from the sequence one after another): ANY(ids) alone is
    -- a scan of the whole table.
    SELECT min(i), max(i) INTO lo, hi FROM unnest(ids) AS i;
    {"".join(volume._upsert(r, CASES) for r in ROLLUPS)}
END
$$ LANGUAGE plpgsql;
"""

BACKWARD = f"""
DROP FUNCTION IF EXISTS appeals_volume_rollup_count_cases(bigint[]);
CREATE OR REPLACE FUNCTION appeals_volume_rollup_violations() RETURNS trigger AS $$
BEGIN
    {volume._statement(ROLLUPS)}
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0026_analytics_rollup_covering_keys"),
    ]

    operations = [migrations.RunPython(forward, backward)]
