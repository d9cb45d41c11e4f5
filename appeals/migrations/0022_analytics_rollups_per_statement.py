"""The analytics rollups counted once per statement instead of once per row (PostgreSQL).

Row triggers (0021) cost seven upserts per changed appeal: a bulk UPDATE of decided appeals (the facts recounted
after a calendar change, ~95k appeals in the largest bench organization; the bench reopening every appeal) took
minutes. Statement triggers with transition tables sum the old rows (-1) and the new rows (+1) of the whole
statement per month and grouping set in one INSERT ... ON CONFLICT, skipping groups whose counts cancel out (an
update that changed nothing counted).
"""

from django.db import migrations

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
LISTED = ", ".join(COLUMNS)
PREFIXED = ", ".join("d." + c for c in COLUMNS)
GROUPING_SETS = ", ".join("(" + ", ".join("d." + c for c in s) + ")" for s in SETS)


def _rows(source: str, sign: int) -> str:
    return (
        f"SELECT r.organization_id, (r.decided_at AT TIME ZONE o.timezone)::date AS local_day, r.status, "
        f"{', '.join('r.' + c for c in COLUMNS)}, {sign} AS sign FROM {source} r "
        f"JOIN core_organization o ON o.id = r.organization_id "
        f"WHERE r.decided_at IS NOT NULL AND r.status IN {DECIDED}"
    )


def _apply(sources: list[tuple[str, int]]) -> str:
    rows = " UNION ALL ".join(_rows(source, sign) for source, sign in sources)
    counts = (
        "sum(d.sign), coalesce(sum(d.sign) FILTER (WHERE d.status = 'reversed'), 0), "
        "coalesce(sum(d.sign) FILTER (WHERE d.status = 'partially_reversed'), 0)"
    )
    nonzero = (
        "HAVING sum(d.sign) <> 0 OR coalesce(sum(d.sign) FILTER (WHERE d.status = 'reversed'), 0) <> 0 "
        "OR coalesce(sum(d.sign) FILTER (WHERE d.status = 'partially_reversed'), 0) <> 0"
    )
    update = "n = t.n + EXCLUDED.n, reversed = t.reversed + EXCLUDED.reversed, partial = t.partial + EXCLUDED.partial"
    return f"""
        INSERT INTO appeals_decidedrollup AS t (organization_id, month, grouped, {LISTED}, n, reversed, partial)
        SELECT d.organization_id, date_trunc('month', d.local_day)::date, GROUPING({PREFIXED}) * 2 + 1, {PREFIXED},
               {counts}
        FROM ({rows}) AS d
        GROUP BY d.organization_id, date_trunc('month', d.local_day)::date, GROUPING SETS ({GROUPING_SETS})
        {nonzero}
        ON CONFLICT (organization_id, month, grouped, {LISTED}) DO UPDATE SET {update};
        INSERT INTO appeals_decidedday AS t (organization_id, day, n, reversed, partial)
        SELECT d.organization_id, d.local_day, {counts} FROM ({rows}) AS d
        GROUP BY d.organization_id, d.local_day {nonzero}
        ON CONFLICT (organization_id, day) DO UPDATE SET {update};"""


FORWARD = f"""
DROP TRIGGER IF EXISTS appeals_decided_rollup_insert ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_decided_rollup_delete ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_decided_rollup_update ON appeals_appeal;

CREATE FUNCTION appeals_decided_rollup_statement() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply([("new_rows", 1)])}
    ELSIF TG_OP = 'DELETE' THEN
        {_apply([("old_rows", -1)])}
    ELSE
        {_apply([("old_rows", -1), ("new_rows", 1)])}
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER appeals_decided_rollup_insert AFTER INSERT ON appeals_appeal
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION appeals_decided_rollup_statement();
CREATE TRIGGER appeals_decided_rollup_delete AFTER DELETE ON appeals_appeal
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION appeals_decided_rollup_statement();
CREATE TRIGGER appeals_decided_rollup_update AFTER UPDATE ON appeals_appeal
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_decided_rollup_statement();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS appeals_decided_rollup_insert ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_decided_rollup_delete ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_decided_rollup_update ON appeals_appeal;
DROP FUNCTION IF EXISTS appeals_decided_rollup_statement();
CREATE TRIGGER appeals_decided_rollup_insert AFTER INSERT ON appeals_appeal
    FOR EACH ROW WHEN (NEW.decided_at IS NOT NULL) EXECUTE FUNCTION appeals_decided_rollup_trigger();
CREATE TRIGGER appeals_decided_rollup_delete AFTER DELETE ON appeals_appeal
    FOR EACH ROW WHEN (OLD.decided_at IS NOT NULL) EXECUTE FUNCTION appeals_decided_rollup_trigger();
CREATE TRIGGER appeals_decided_rollup_update AFTER UPDATE ON appeals_appeal
    FOR EACH ROW EXECUTE FUNCTION appeals_decided_rollup_trigger();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0021_analytics_rollups")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
