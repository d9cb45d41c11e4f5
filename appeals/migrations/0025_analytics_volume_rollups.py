"""Volume and penalty-point rollups (appeals.rollup_models), kept by PostgreSQL triggers, and their backfill.

The dashboard's three other scans of raw rows: violations received per local day and kind, appeals submitted per
local day and violation kind, and penalty points not cleared per UTC day and account. As for the decided rollups
(0021, 0022): inserts and deletes are counted per statement from transition tables (an import or a cascade is one
upsert per day and key); an update is counted per row, and only when a counted column changes (WHEN), so the bulk
updates of deadlines and statuses cost nothing. `appeals_decided_rollup_rebuild(org)`, the one backfill that
seed_demo, `manage.py analytics_rollups` and a timezone change call, now rebuilds these too.
"""

from django.db import migrations, models

# (table, key columns, the keys of a source row r, (counted column, what a row adds), which rows count)
VIOLATION_DAY = (
    "appeals_violationday",
    ["organization_id", "day", "kind"],
    "r.organization_id, (r.enforced_at AT TIME ZONE o.timezone)::date, r.kind",
    [("n", "1")],
    "TRUE",
)
POINTS_DAY = (
    "appeals_pointsday",
    ["organization_id", "day", "account_id"],
    "r.organization_id, (r.enforced_at AT TIME ZONE 'UTC')::date, r.account_id",
    [("points", "r.penalty_points"), ("cases", "1")],
    "NOT r.points_cleared AND r.penalty_points > 0",
)
SUBMITTED_DAY = (
    "appeals_submittedday",
    ["organization_id", "day", "violation_kind"],
    "r.organization_id, (r.submitted_at AT TIME ZONE o.timezone)::date, r.violation_kind",
    [("n", "1")],
    "r.submitted_at IS NOT NULL",
)
# The columns whose change moves a row between keys or in or out of the count (the row triggers' WHEN).
VIOLATION_COLUMNS = ["organization_id", "enforced_at", "kind", "account_id", "penalty_points", "points_cleared"]
APPEAL_COLUMNS = ["organization_id", "submitted_at", "violation_kind"]


def _upsert(rollup: tuple, source: str) -> str:
    """Add the signed counts of `source` (rows r with a `sign` column) to the rollup, one row per key; keys whose
    counts cancel out are skipped. The organization (o) gives the local day; a deleted one counts nothing."""
    table, keys, key_sql, counts, where = rollup
    sums = [f"sum(r.sign * {value})" for _, value in counts]
    columns = [column for column, _ in counts]
    return f"""
        INSERT INTO {table} AS t ({", ".join(keys)}, {", ".join(columns)})
        SELECT {key_sql}, {", ".join(sums)}
        FROM ({source}) AS r JOIN core_organization o ON o.id = r.organization_id
        WHERE {where}
        GROUP BY 1, 2, 3 HAVING {" OR ".join(f"{s} <> 0" for s in sums)}
        ON CONFLICT ({", ".join(keys)}) DO UPDATE SET {", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in columns)};"""


def _rebuild(rollup: tuple, source_table: str) -> str:
    table, keys, key_sql, counts, where = rollup
    return f"""
    DELETE FROM {table} WHERE org IS NULL OR organization_id = org;
    INSERT INTO {table} ({", ".join(keys)}, {", ".join(column for column, _ in counts)})
    SELECT {key_sql}, {", ".join(f"sum({value})" for _, value in counts)}
    FROM {source_table} r JOIN core_organization o ON o.id = r.organization_id
    WHERE {where} AND (org IS NULL OR r.organization_id = org)
    GROUP BY 1, 2, 3;"""


def _statement(rollups: list[tuple]) -> str:
    source = "SELECT c.*, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END AS sign FROM changed_rows c"
    return "".join(_upsert(rollup, source) for rollup in rollups)


def _row(rollups: list[tuple], columns: list[str]) -> str:
    """The old row taken back and the new one counted, as one source of two rows (a single upsert per key)."""
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    names = ", ".join(f"{c}" for c in columns)
    source = f"SELECT * FROM (VALUES ({old}, -1), ({new}, 1)) AS v({names}, sign)"
    return "".join(_upsert(rollup, source) for rollup in rollups)


def _changed(columns: list[str]) -> str:
    return f"({', '.join('OLD.' + c for c in columns)}) IS DISTINCT FROM ({', '.join('NEW.' + c for c in columns)})"


FORWARD = f"""
CREATE FUNCTION appeals_volume_rollup_violations() RETURNS trigger AS $$
BEGIN
    {_statement([VIOLATION_DAY, POINTS_DAY])}
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION appeals_volume_rollup_violation_row() RETURNS trigger AS $$
BEGIN
    {_row([VIOLATION_DAY, POINTS_DAY], VIOLATION_COLUMNS)}
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION appeals_volume_rollup_appeals() RETURNS trigger AS $$
BEGIN
    {_statement([SUBMITTED_DAY])}
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION appeals_volume_rollup_appeal_row() RETURNS trigger AS $$
BEGIN
    {_row([SUBMITTED_DAY], APPEAL_COLUMNS)}
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER appeals_volume_rollup_insert AFTER INSERT ON appeals_violation
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION appeals_volume_rollup_violations();
CREATE TRIGGER appeals_volume_rollup_delete AFTER DELETE ON appeals_violation
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION appeals_volume_rollup_violations();
CREATE TRIGGER appeals_volume_rollup_update AFTER UPDATE ON appeals_violation
    FOR EACH ROW WHEN ({_changed(VIOLATION_COLUMNS)}) EXECUTE FUNCTION appeals_volume_rollup_violation_row();
CREATE TRIGGER appeals_submitted_rollup_insert AFTER INSERT ON appeals_appeal
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION appeals_volume_rollup_appeals();
CREATE TRIGGER appeals_submitted_rollup_delete AFTER DELETE ON appeals_appeal
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION appeals_volume_rollup_appeals();
CREATE TRIGGER appeals_submitted_rollup_update AFTER UPDATE ON appeals_appeal
    FOR EACH ROW WHEN ({_changed(APPEAL_COLUMNS)}) EXECUTE FUNCTION appeals_volume_rollup_appeal_row();

-- The one backfill (seed_demo, manage.py analytics_rollups, a timezone change) rebuilds every rollup: the decided
-- counts under their old function, renamed, then these.
ALTER FUNCTION appeals_decided_rollup_rebuild(bigint) RENAME TO appeals_decided_rollup_recount;
CREATE FUNCTION appeals_decided_rollup_rebuild(org bigint) RETURNS void AS $$
BEGIN
    PERFORM appeals_decided_rollup_recount(org);
    {_rebuild(VIOLATION_DAY, "appeals_violation")}
    {_rebuild(POINTS_DAY, "appeals_violation")}
    {_rebuild(SUBMITTED_DAY, "appeals_appeal")}
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION appeals_volume_rollup_organization_delete() RETURNS trigger AS $$
BEGIN
    DELETE FROM appeals_violationday WHERE organization_id = OLD.id;
    DELETE FROM appeals_pointsday WHERE organization_id = OLD.id;
    DELETE FROM appeals_submittedday WHERE organization_id = OLD.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER appeals_volume_rollup_organization_delete AFTER DELETE ON core_organization
    FOR EACH ROW EXECUTE FUNCTION appeals_volume_rollup_organization_delete();

SELECT appeals_decided_rollup_rebuild(NULL);
"""

BACKWARD = """
DROP TRIGGER IF EXISTS appeals_volume_rollup_organization_delete ON core_organization;
DROP FUNCTION IF EXISTS appeals_volume_rollup_organization_delete();
DROP FUNCTION IF EXISTS appeals_decided_rollup_rebuild(bigint);
ALTER FUNCTION appeals_decided_rollup_recount(bigint) RENAME TO appeals_decided_rollup_rebuild;
DROP TRIGGER IF EXISTS appeals_submitted_rollup_update ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_submitted_rollup_delete ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_submitted_rollup_insert ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_volume_rollup_update ON appeals_violation;
DROP TRIGGER IF EXISTS appeals_volume_rollup_delete ON appeals_violation;
DROP TRIGGER IF EXISTS appeals_volume_rollup_insert ON appeals_violation;
DROP FUNCTION IF EXISTS appeals_volume_rollup_appeal_row();
DROP FUNCTION IF EXISTS appeals_volume_rollup_appeals();
DROP FUNCTION IF EXISTS appeals_volume_rollup_violation_row();
DROP FUNCTION IF EXISTS appeals_volume_rollup_violations();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0024_reminder_lighter_writes"),
    ]

    operations = [
        migrations.CreateModel(
            name="PointsDay",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "organization_id",
                        "day",
                        "account_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("organization_id", models.BigIntegerField()),
                ("day", models.DateField()),
                ("account_id", models.BigIntegerField()),
                ("points", models.IntegerField(default=0)),
                ("cases", models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="SubmittedDay",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "organization_id",
                        "day",
                        "violation_kind",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("organization_id", models.BigIntegerField()),
                ("day", models.DateField()),
                ("violation_kind", models.CharField(max_length=32)),
                ("n", models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="ViolationDay",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "organization_id", "day", "kind", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("organization_id", models.BigIntegerField()),
                ("day", models.DateField()),
                ("kind", models.CharField(max_length=32)),
                ("n", models.IntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
