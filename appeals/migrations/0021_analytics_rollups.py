"""Analytics rollups (appeals.rollup_models): the tables, and on PostgreSQL the triggers that keep them and the
backfill of every organization."""

from django.db import migrations, models


# The dashboard's columns in selectors.analytics.FACT_COLUMNS order (the 11th, the period, is never stored here) and
# the grouping sets the monthly rollup keeps; GROUPING() of a set over the 10 columns, times 2 plus 1 (the period
# bit), is the mask the dashboard's raw query gives the same set.
COLUMNS = [
    "round",
    "readiness_score",
    "notice_days",
    "evidence_count",
    "evidence_categories",
    "violation_kind",
    "violation_policy",
    "violation_account_id",
    "violation_assignee_id",
    "decision_business_days",
]
SETS = [
    ("round", "evidence_count", "evidence_categories"),
    ("readiness_score",),
    ("notice_days",),
    ("violation_kind", "violation_policy", "violation_assignee_id"),
    ("violation_account_id",),
    ("decision_business_days",),
]
DECIDED = "('reversed', 'partially_reversed', 'upheld')"


def _mask(columns: tuple[str, ...]) -> int:
    mask = 0
    for i, column in enumerate(COLUMNS):
        if column not in columns:
            mask |= 1 << (len(COLUMNS) - 1 - i)
    return mask * 2 + 1


def _values(row: str, sign: str) -> str:
    rows = []
    for columns in SETS:
        cells = [f"{row}.{c}" if c in columns else "NULL" for c in COLUMNS]
        rows.append(f"(r.organization_id, v_month, {_mask(columns)}, {', '.join(cells)}, {sign}, rev, part)")
    return ",\n        ".join(rows)


LISTED = ", ".join(COLUMNS)
UPDATE_COLUMNS = ["organization_id", "status", "decided_at", *COLUMNS]
FORWARD = f"""
CREATE UNIQUE INDEX decided_rollup_key ON appeals_decidedrollup
    (organization_id, month, grouped, {LISTED}) NULLS NOT DISTINCT;

-- One appeal row counted (sign 1) or taken back (sign -1) in its organization's month and day.
CREATE FUNCTION appeals_decided_rollup_apply(r appeals_appeal, sign integer) RETURNS void AS $$
DECLARE
    tz text;
    local_day date;
    v_month date;
    rev integer;
    part integer;
BEGIN
    IF r.decided_at IS NULL OR r.status NOT IN {DECIDED} THEN
        RETURN;
    END IF;
    SELECT o.timezone INTO tz FROM core_organization o WHERE o.id = r.organization_id;
    IF tz IS NULL THEN
        RETURN;  -- the organization is being deleted
    END IF;
    local_day := (r.decided_at AT TIME ZONE tz)::date;
    v_month := date_trunc('month', local_day)::date;
    rev := CASE WHEN r.status = 'reversed' THEN sign ELSE 0 END;
    part := CASE WHEN r.status = 'partially_reversed' THEN sign ELSE 0 END;
    INSERT INTO appeals_decidedrollup AS t (organization_id, month, grouped, {LISTED}, n, reversed, partial)
    VALUES
        {_values("r", "sign")}
    ON CONFLICT (organization_id, month, grouped, {LISTED})
    DO UPDATE SET n = t.n + EXCLUDED.n, reversed = t.reversed + EXCLUDED.reversed, partial = t.partial + EXCLUDED.partial;
    INSERT INTO appeals_decidedday AS t (organization_id, day, n, reversed, partial)
    VALUES (r.organization_id, local_day, sign, rev, part)
    ON CONFLICT (organization_id, day)
    DO UPDATE SET n = t.n + EXCLUDED.n, reversed = t.reversed + EXCLUDED.reversed, partial = t.partial + EXCLUDED.partial;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION appeals_decided_rollup_trigger() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM appeals_decided_rollup_apply(OLD, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM appeals_decided_rollup_apply(NEW, 1);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER appeals_decided_rollup_insert AFTER INSERT ON appeals_appeal
    FOR EACH ROW WHEN (NEW.decided_at IS NOT NULL) EXECUTE FUNCTION appeals_decided_rollup_trigger();
CREATE TRIGGER appeals_decided_rollup_delete AFTER DELETE ON appeals_appeal
    FOR EACH ROW WHEN (OLD.decided_at IS NOT NULL) EXECUTE FUNCTION appeals_decided_rollup_trigger();
-- Only when a counted column changes: saving a draft or a reminder's bookkeeping costs nothing.
CREATE TRIGGER appeals_decided_rollup_update AFTER UPDATE ON appeals_appeal
    FOR EACH ROW WHEN ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in UPDATE_COLUMNS)})
    EXECUTE FUNCTION appeals_decided_rollup_trigger();

-- Recount one organization (or all, org NULL) from its appeals: the backfill, and after a timezone change.
CREATE FUNCTION appeals_decided_rollup_rebuild(org bigint) RETURNS void AS $$
BEGIN
    DELETE FROM appeals_decidedrollup WHERE org IS NULL OR organization_id = org;
    DELETE FROM appeals_decidedday WHERE org IS NULL OR organization_id = org;
    INSERT INTO appeals_decidedrollup (organization_id, month, grouped, {LISTED}, n, reversed, partial)
    SELECT a.organization_id, date_trunc('month', (a.decided_at AT TIME ZONE o.timezone))::date,
           GROUPING({", ".join("a." + c for c in COLUMNS)}) * 2 + 1, {", ".join("a." + c for c in COLUMNS)},
           count(*), count(*) FILTER (WHERE a.status = 'reversed'),
           count(*) FILTER (WHERE a.status = 'partially_reversed')
    FROM appeals_appeal a JOIN core_organization o ON o.id = a.organization_id
    WHERE a.decided_at IS NOT NULL AND a.status IN {DECIDED} AND (org IS NULL OR a.organization_id = org)
    GROUP BY a.organization_id, date_trunc('month', (a.decided_at AT TIME ZONE o.timezone))::date,
        GROUPING SETS ({", ".join("(" + ", ".join("a." + c for c in s) + ")" for s in SETS)});
    INSERT INTO appeals_decidedday (organization_id, day, n, reversed, partial)
    SELECT a.organization_id, (a.decided_at AT TIME ZONE o.timezone)::date, count(*),
           count(*) FILTER (WHERE a.status = 'reversed'), count(*) FILTER (WHERE a.status = 'partially_reversed')
    FROM appeals_appeal a JOIN core_organization o ON o.id = a.organization_id
    WHERE a.decided_at IS NOT NULL AND a.status IN {DECIDED} AND (org IS NULL OR a.organization_id = org)
    GROUP BY 1, 2;
END
$$ LANGUAGE plpgsql;

-- The months and days are local: a new timezone recounts the organization; a deleted one leaves no rows.
CREATE FUNCTION appeals_decided_rollup_organization() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM appeals_decidedrollup WHERE organization_id = OLD.id;
        DELETE FROM appeals_decidedday WHERE organization_id = OLD.id;
    ELSE
        PERFORM appeals_decided_rollup_rebuild(NEW.id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER appeals_decided_rollup_timezone AFTER UPDATE OF timezone ON core_organization
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone)
    EXECUTE FUNCTION appeals_decided_rollup_organization();
CREATE TRIGGER appeals_decided_rollup_organization_delete AFTER DELETE ON core_organization
    FOR EACH ROW EXECUTE FUNCTION appeals_decided_rollup_organization();

SELECT appeals_decided_rollup_rebuild(NULL);
"""

BACKWARD = """
DROP TRIGGER IF EXISTS appeals_decided_rollup_organization_delete ON core_organization;
DROP TRIGGER IF EXISTS appeals_decided_rollup_timezone ON core_organization;
DROP TRIGGER IF EXISTS appeals_decided_rollup_update ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_decided_rollup_delete ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_decided_rollup_insert ON appeals_appeal;
DROP FUNCTION IF EXISTS appeals_decided_rollup_organization();
DROP FUNCTION IF EXISTS appeals_decided_rollup_rebuild(bigint);
DROP FUNCTION IF EXISTS appeals_decided_rollup_trigger();
DROP FUNCTION IF EXISTS appeals_decided_rollup_apply(appeals_appeal, integer);
DROP INDEX IF EXISTS decided_rollup_key;
"""


def rollups_forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def rollups_backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0020_recompute_dry_run"),
    ]

    operations = [
        migrations.CreateModel(
            name="DecidedRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("organization_id", models.BigIntegerField()),
                ("month", models.DateField()),
                ("grouped", models.PositiveSmallIntegerField()),
                ("round", models.PositiveSmallIntegerField(null=True)),
                ("readiness_score", models.PositiveSmallIntegerField(null=True)),
                ("notice_days", models.SmallIntegerField(null=True)),
                ("evidence_count", models.PositiveSmallIntegerField(null=True)),
                ("evidence_categories", models.PositiveSmallIntegerField(null=True)),
                ("violation_kind", models.CharField(max_length=32, null=True)),
                ("violation_policy", models.CharField(max_length=255, null=True)),
                ("violation_account_id", models.BigIntegerField(null=True)),
                ("violation_assignee_id", models.BigIntegerField(null=True)),
                ("decision_business_days", models.PositiveSmallIntegerField(null=True)),
                ("n", models.IntegerField(default=0)),
                ("reversed", models.IntegerField(default=0)),
                ("partial", models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="DecidedDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("organization_id", models.BigIntegerField()),
                ("day", models.DateField()),
                ("n", models.IntegerField(default=0)),
                ("reversed", models.IntegerField(default=0)),
                ("partial", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("organization_id", "day"), name="decided_day_unique")],
            },
        ),
        migrations.RunPython(rollups_forward, rollups_backward, elidable=False),
    ]
