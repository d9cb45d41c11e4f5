"""CSV import: parsing and validation (table tests), idempotent upsert, the UI flow and the command."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from appeals import imports
from appeals.imports import AccountRef, parse_violations_csv
from appeals.models import ImportBatch, TimelineEvent, TimelineVerb, Violation, ViolationDay, ViolationItem
from appeals.services import violations as services
from appeals.services.analytics_rollups import analytics_rollups_differences
from tests.factories import AccountFactory

HEADER = (
    "account,reference,kind,policy,action,enforced_at,sku_ids,product_ids,order_ids,video_ids,penalty_points,notice"
)
ACCOUNTS = {
    "7495001122": AccountRef(id=1, kind="seller_shop", name="Shop"),
    "@acme.creator": AccountRef(id=2, kind="creator", name="Creator"),
}


def parse(text: str | bytes, accounts=None):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_violations_csv(io.BytesIO(data), accounts=accounts or ACCOUNTS, timezone="America/New_York")


def good_line(**overrides) -> str:
    cells = {
        "account": "7495001122",
        "reference": "VR1",
        "kind": "listing_removal",
        "policy": "IP: trademark",
        "action": "Listing removed",
        "enforced_at": "2026-03-01",
        "sku_ids": "S1;S2",
        "product_ids": "P1,P2",
        "order_ids": "",
        "video_ids": "",
        "penalty_points": "2",
        "notice": "Removed",
    }
    cells.update(overrides)
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([cells[c] for c in HEADER.split(",")])
    return out.getvalue()


def test_parses_a_good_file():
    result = parse(f"{HEADER}\n{good_line()}\n")
    assert result.ok and len(result.rows) == 1
    row = result.rows[0]
    assert row["account_id"] == 1 and row["kind"] == "listing_removal" and row["line"] == 2
    assert row["items"] == {"sku": ["S1", "S2"], "product": ["P1", "P2"], "order": [], "video": []}
    assert datetime.fromisoformat(row["enforced_at"]).astimezone(UTC) == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)


def test_header_case_insensitive_any_order_and_bom():
    text = "\ufeffEnforced_At,Reference,ACCOUNT,Kind,Policy\n2026/03/01,VR1,7495001122,Listing / product removal,IP\n"
    result = parse(text)
    assert result.ok, result.errors
    assert result.rows[0]["kind"] == "listing_removal"


@pytest.mark.parametrize(
    ("value", "expected_local"),
    [
        ("2026-03-01", "2026-03-01T00:00:00-05:00"),
        ("2026-03-01 14:30", "2026-03-01T14:30:00-05:00"),
        ("2026-03-01T14:30:00Z", "2026-03-01T14:30:00+00:00"),
        ("2026/03/01", "2026-03-01T00:00:00-05:00"),
        ("03/01/2026", "2026-03-01T00:00:00-05:00"),
    ],
)
def test_accepted_dates(value, expected_local):
    result = parse(f"{HEADER}\n{good_line(enforced_at=value)}\n")
    assert result.ok, result.errors
    assert datetime.fromisoformat(result.rows[0]["enforced_at"]) == datetime.fromisoformat(expected_local)


@pytest.mark.parametrize(
    ("content", "line", "column", "fragment"),
    [
        (f"{HEADER}\n{good_line(enforced_at='2026-02-30')}\n", 2, "enforced_at", "not a real date"),
        (f"{HEADER}\n{good_line(enforced_at='13/45/2026')}\n", 2, "enforced_at", "not a real date"),
        (f"{HEADER}\n{good_line(enforced_at='yesterday')}\n", 2, "enforced_at", "use YYYY-MM-DD"),
        (f"{HEADER}\n{good_line(account='NOPE')}\n", 2, "account", "Unknown account “NOPE”"),
        (f"{HEADER}\n{good_line(kind='stolen goods')}\n", 2, "kind", "Unknown kind"),
        (f"{HEADER}\n{good_line(account='@acme.creator')}\n", 2, "kind", "does not apply to a creator"),
        (f"{HEADER}\n{good_line(reference='')}\n", 2, "reference", "reference is required"),
        (f"{HEADER}\n{good_line(policy='')}\n", 2, "policy", "policy is required"),
        (f"{HEADER}\n{good_line(penalty_points='lots')}\n", 2, "penalty_points", "whole number"),
        (f"{HEADER}\n{good_line(penalty_points='5000')}\n", 2, "penalty_points", "whole number"),
        (f"{HEADER}\n{good_line()}\n{good_line()}\n", 3, "reference", "appears twice"),
        (f"{HEADER}\n{good_line()},extra,values\n", 2, "", "quote values that contain commas"),
        (f"{HEADER}\n{good_line(reference='R' * 121)}\n", 2, "reference", "longer than 120"),
        ("account,reference,kind\n7495001122,VR1,other\n", 1, "policy, enforced_at", "Missing columns"),
        (HEADER.replace(",", ";") + "\n" + good_line().replace(",", ";") + "\n", 1, "", "separated by semicolons"),
        (HEADER.replace(",", "\t") + "\n", 1, "", "separated by tabs"),
        ("", 1, "", "The file is empty"),
        (f"{HEADER}\n", 1, "", "no rows"),
        ("account,account,reference,kind,policy,enforced_at\n", 1, "account", "named twice"),
        (f"{HEADER}\n" + good_line(notice="x") + ',"unterminated', 2, "", ""),
    ],
)
def test_error_cases(content, line, column, fragment):
    result = parse(content)
    assert not result.ok
    assert result.rows == []
    first = result.errors[0]
    if fragment:
        assert fragment in first["message"], result.errors
        assert (first["line"], first["column"]) == (line, column)


def test_wrong_encodings_are_reported_not_crashing():
    utf16 = f"{HEADER}\n{good_line()}\n".encode("utf-16")
    assert "not UTF-8 text" in parse(utf16).errors[0]["message"]
    latin1 = f"{HEADER}\n{good_line(notice='Café déjà vu')}\n".encode("latin-1")
    assert "not UTF-8 text" in parse(latin1).errors[0]["message"]
    binary = bytes(range(256)) * 10
    assert "not UTF-8 text" in parse(binary).errors[0]["message"]


def test_every_error_is_reported_with_line_and_column():
    text = "\n".join(
        [
            HEADER,
            good_line(account="X"),
            good_line(reference="VR2", enforced_at="2026-13-01"),
            good_line(reference="VR3"),
        ]
    )
    result = parse(text)
    assert [(e["line"], e["column"]) for e in result.errors] == [(2, "account"), (3, "enforced_at")]


def test_quoted_multiline_notice_and_lists():
    text = f'{HEADER}\n7495001122,VR1,other,"IP, trademark",,2026-03-01,"A; B ,C",,,,0,"line one\nline two"\n'
    result = parse(text)
    assert result.ok, result.errors
    assert result.rows[0]["items"]["sku"] == ["A", "B", "C"]
    assert result.rows[0]["notice"] == "line one\nline two"
    assert result.rows[0]["policy"] == "IP, trademark"


def test_creator_username_with_or_without_at_sign():
    for value in ("@acme.creator", "acme.creator", "@ACME.creator"):
        result = parse(f"{HEADER}\n{good_line(account=value, kind='content_restriction')}\n")
        assert result.ok, (value, result.errors)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_parser_never_crashes_on_garbage(data):
    result = parse(HEADER.encode() + b"\n" + data)
    assert isinstance(result.errors, list)


# --- Applying ----------------------------------------------------------------------------------------------------


def _csv_for(org_accounts_line: str) -> bytes:
    return f"{HEADER}\n{org_accounts_line}\n".encode()


def _import(org, member, content: bytes):
    accounts = imports.account_lookup(org.accounts.all())
    parsed = parse_violations_csv(io.BytesIO(content), accounts=accounts, timezone=org.timezone)
    assert parsed.ok, parsed.errors
    return services.violations_import(organization=org, rows=parsed.rows, by=member)


def test_import_creates_then_reimport_changes_nothing(org, shop, member):
    content = "\n".join([HEADER, good_line(), good_line(reference="VR2", sku_ids="Z9")]).encode()
    first = _import(org, member, content)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    v = Violation.objects.get(reference="VR1")
    assert v.appeal_by.astimezone(org.zoneinfo).date().isoformat() == "2026-03-31"
    assert sorted(v.items.values_list("kind", "value")) == [
        ("product", "P1"),
        ("product", "P2"),
        ("sku", "S1"),
        ("sku", "S2"),
    ]
    assert TimelineEvent.objects.filter(violation=v, verb=TimelineVerb.IMPORTED).count() == 1
    snapshot = list(Violation.objects.order_by("pk").values())
    items = list(ViolationItem.objects.order_by("pk").values())
    events = TimelineEvent.objects.count()

    second = _import(org, member, content)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert list(Violation.objects.order_by("pk").values()) == snapshot
    assert list(ViolationItem.objects.order_by("pk").values()) == items
    assert TimelineEvent.objects.count() == events


def test_import_updates_changed_rows(org, shop, member):
    _import(org, member, _csv_for(good_line()))
    result = _import(org, member, _csv_for(good_line(policy="New policy", sku_ids="S3", enforced_at="2026-04-01")))
    assert (result.created, result.updated) == (0, 1)
    v = Violation.objects.get(reference="VR1")
    assert v.policy == "New policy" and v.version == 2
    assert v.appeal_by.astimezone(org.zoneinfo).date().isoformat() == "2026-05-01"
    assert list(v.items.filter(kind="sku").values_list("value", flat=True)) == ["S3"]
    edit = TimelineEvent.objects.get(violation=v, verb=TimelineVerb.EDITED)
    assert edit.data["source"] == "import" and "policy" in edit.data["changed"]


def test_export_then_import_is_unchanged(org, shop, member, member_client):
    _import(
        org, member, "\n".join([HEADER, good_line(notice='multi\nline, "quoted"'), good_line(reference="B")]).encode()
    )
    exported = member_client.get("/violations/export.csv").getvalue()
    result = _import(org, member, exported)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_export_neutralises_formulas_and_import_reverses_it(org, shop, member, member_client):
    """Finding 3 of issue 18: cells a spreadsheet would run are exported as text and read back unchanged."""
    _import(
        org,
        member,
        "\n".join(
            [
                HEADER,
                good_line(reference="F1", policy='=HYPERLINK("http://x")', action="+1+1", sku_ids="=S1;@S2"),
                good_line(reference="F2", policy="-2+3", action="@SUM(A1)"),
                good_line(reference="F3", policy="'plain apostrophe", notice="-"),
            ]
        ).encode(),
    )
    # Text a form or the API saved with a leading tab or carriage return (the import strips whitespace).
    Violation.objects.filter(reference="F3").update(action="\tcmd", notice="\r=1")
    Violation.objects.filter(reference="F2").update(notice="'=already quoted")
    exported = member_client.get("/violations/export.csv").getvalue().decode()
    rows = {r[1]: r for r in csv.reader(io.StringIO(exported))}
    assert rows["F1"][3] == '\'=HYPERLINK("http://x")' and rows["F1"][4] == "'+1+1" and rows["F1"][6] == "'=S1;@S2"
    assert rows["F2"][3] == "'-2+3" and rows["F2"][4] == "'@SUM(A1)" and rows["F2"][11] == "''=already quoted"
    assert rows["F3"][3] == "''plain apostrophe" and rows["F3"][4] == "'\tcmd" and rows["F3"][11] == "'\r=1"
    assert not any(cell[:1] in "=+-@\t\r" for row in rows.values() for cell in row if cell)
    result = _import(org, member, exported.encode())
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert Violation.objects.get(reference="F2").notice == "'=already quoted"


def test_dry_run_writes_nothing(org, shop, member):
    accounts = imports.account_lookup(org.accounts.all())
    parsed = parse_violations_csv(io.BytesIO(_csv_for(good_line())), accounts=accounts, timezone=org.timezone)
    result = services.violations_import(organization=org, rows=parsed.rows, by=member, dry_run=True, keep_actions=True)
    assert result.created == 1 and result.actions == {2: "create"}
    assert not Violation.objects.exists()


# --- UI flow -----------------------------------------------------------------------------------------------------


def _upload(client, content: bytes, name="violations.csv"):
    return client.post("/violations/import/", {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def test_ui_upload_preview_confirm(org, shop, member_client):
    assert member_client.get("/violations/import/").status_code == 200
    response = _upload(member_client, _csv_for(good_line()))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/violations/import/{batch.pk}/"
    preview = member_client.get(response["Location"])
    body = preview.content.decode()
    assert "1</strong> to create" in body and "VR1" in body
    assert not Violation.objects.exists()
    confirmed = member_client.post(f"/violations/import/{batch.pk}/")
    assert confirmed.status_code == 302
    assert Violation.objects.filter(reference="VR1").exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.created_count == 1
    again = member_client.post(f"/violations/import/{batch.pk}/", follow=True)
    assert "already imported" in again.content.decode()
    assert Violation.objects.count() == 1


def test_ui_errors_shown_by_line_and_column_and_nothing_written(org, shop, member_client):
    content = "\n".join([HEADER, good_line(), good_line(reference="VR2", account="GHOST")]).encode()
    response = _upload(member_client, content)
    page = member_client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page and "GHOST" in page and '<td data-label="Line">3</td>' in page
    batch = ImportBatch.objects.get()
    assert member_client.post(f"/violations/import/{batch.pk}/").status_code == 302
    assert not Violation.objects.exists()


def test_ui_wrong_encoding(org, shop, member_client):
    response = _upload(member_client, _csv_for(good_line()).decode().encode("utf-16"))
    assert "not UTF-8 text" in member_client.get(response["Location"]).content.decode()


def test_import_access(org, shop, viewer_client, outsider_client, member_client):
    response = _upload(member_client, _csv_for(good_line()))
    url = response["Location"]
    assert viewer_client.get("/violations/import/").status_code == 403
    assert viewer_client.post(url).status_code == 403
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url).status_code == 404
    assert not Violation.objects.exists()


# --- Command -----------------------------------------------------------------------------------------------------


def test_command_imports_and_is_idempotent(org, shop, tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_bytes("\n".join([HEADER, good_line(), good_line(reference="VR2")]).encode())
    call_command("import_violations", str(path), "--org", "acme", "--dry-run")
    assert "Would import 2 rows: 2 created" in capsys.readouterr().out
    assert not Violation.objects.exists()
    call_command("import_violations", str(path), "--org", "acme")
    assert "2 created" in capsys.readouterr().out
    call_command("import_violations", str(path), "--org", "acme")
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out
    assert Violation.objects.count() == 2


def test_command_imports_accounts_of_several_markets(org, shop, tmp_path, capsys):
    """Each market's first rule version is created before the COPY of the cases: the second market's rows once
    asked for it in the middle of the COPY, and the import never ended."""
    from core.models import RuleVersion

    AccountFactory(organization=org, external_id="uk-shop", market="GB")
    path = tmp_path / "v.csv"
    path.write_bytes("\n".join([HEADER, good_line(), good_line(account="uk-shop", reference="VR2")]).encode())
    call_command("import_violations", str(path), "--org", "acme")
    assert "2 created" in capsys.readouterr().out
    assert set(Violation.objects.values_list("rule_version__market", flat=True)) == {"US", "GB"}
    assert RuleVersion.objects.filter(organization=org).count() == 2


def test_command_refuses_bad_file(org, shop, tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_bytes("\n".join([HEADER, good_line(), good_line(reference="VR2", enforced_at="2026-02-31")]).encode())
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_violations", str(path), "--org", "acme")
    assert "line 3, column enforced_at" in capsys.readouterr().err
    assert not Violation.objects.exists()
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_violations", str(path), "--org", "nope")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_violations", str(tmp_path / "missing.csv"), "--org", "acme")


def test_command_scoped_to_its_organization(org, shop, other_org, tmp_path):
    AccountFactory(organization=other_org, external_id="OTHER1")
    path = tmp_path / "v.csv"
    path.write_bytes(_csv_for(good_line(account="OTHER1")))
    with pytest.raises(CommandError):
        call_command("import_violations", str(path), "--org", "acme")


@pytest.mark.postgres
def test_postgres_copy_path_imports_thousands_once(org, shop, member, tmp_path, capsys):
    """The COPY path on PostgreSQL: ids reserved from the sequence, items and timeline written, idempotent."""
    AccountFactory(organization=org, external_id="SHOP2")
    lines = [HEADER] + [
        good_line(account="7495001122" if i % 2 else "SHOP2", reference=f"R{i:05}", sku_ids=f"S{i};T{i}")
        for i in range(5000)
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines))
    call_command("import_violations", str(path), "--org", "acme")
    assert "5000 created" in capsys.readouterr().out
    assert Violation.objects.filter(organization=org).count() == 5000
    assert ViolationItem.objects.filter(organization=org).count() == 20000  # 2 SKUs + 2 products each
    assert TimelineEvent.objects.filter(organization=org, verb=TimelineVerb.IMPORTED).count() == 5000
    v = Violation.objects.get(reference="R00042")
    assert sorted(v.items.filter(kind="sku").values_list("value", flat=True)) == ["S42", "T42"]
    call_command("import_violations", str(path), "--org", "acme")
    assert "5000 unchanged" in capsys.readouterr().out
    # A later ordinary insert still gets a fresh id from the same sequence.
    extra = services.violation_create(
        organization=org,
        account=shop,
        by=member,
        reference="NEW",
        kind="other",
        policy="P",
        enforced_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert extra.pk > v.pk


@pytest.mark.postgres
def test_postgres_import_counts_its_cases_into_the_rollups_once(org, shop, member):
    """The rollups' insert trigger skips the import's COPY statements; the import counts its new cases at its end,
    and a case inserted later in the same transaction is counted by the trigger again."""
    AccountFactory(organization=org, external_id="SHOP2")
    lines = [HEADER] + [
        good_line(
            account="7495001122" if i % 2 else "SHOP2",
            reference=f"R{i:05}",
            enforced_at=f"2026-0{1 + i % 3}-{1 + i % 27:02}",
            penalty_points=str(i % 4),
        )
        for i in range(services.IMPORT_BATCH_SIZE * 2 + 10)
    ]
    with transaction.atomic():
        result = _import(org, member, "\n".join(lines).encode())
        services.violation_create(
            organization=org,
            account=shop,
            by=member,
            reference="BY-HAND",
            kind="other",
            policy="P",
            enforced_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
            penalty_points=3,
        )
    assert result.created == len(lines) - 1
    assert ViolationDay.objects.filter(organization_id=org.pk).aggregate(n=Sum("n"))["n"] == len(lines)
    assert analytics_rollups_differences(organization_id=org.pk) == []


@pytest.mark.postgres
def test_postgres_case_account_must_be_its_organizations(org, other_org):
    """One composite key (account, organization) replaces the two single ones, and refuses a mismatched pair."""
    foreign = AccountFactory(organization=other_org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Violation.objects.create(
            organization=org,
            account=foreign,
            reference="X",
            kind="other",
            policy="P",
            enforced_at=datetime(2026, 3, 1, tzinfo=UTC),
            appeal_by=datetime(2026, 3, 20, tzinfo=UTC),
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_command_error_after_applied_batches_rolls_everything_back(org, shop, tmp_path, capsys):
    lines = [HEADER] + [good_line(reference=f"R{i:05}") for i in range(services.IMPORT_BATCH_SIZE + 50)]
    lines.append(good_line(reference="LAST", account="GHOST"))
    path = tmp_path / "v.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_violations", str(path), "--org", "acme")
    assert f"line {len(lines)}, column account" in capsys.readouterr().err
    assert not Violation.objects.exists()
    assert not ViolationItem.objects.exists()
    assert not TimelineEvent.objects.exists()


def test_command_header_only_and_bad_encoding(org, shop, tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text(HEADER + "\n")
    with pytest.raises(CommandError):
        call_command("import_violations", str(path), "--org", "acme")
    assert "no rows" in capsys.readouterr().err
    path.write_bytes(f"{HEADER}\n{good_line()}\n".encode("utf-16"))
    with pytest.raises(CommandError):
        call_command("import_violations", str(path), "--org", "acme")
    assert "not UTF-8 text" in capsys.readouterr().err


@pytest.mark.postgres
def test_postgres_copy_keeps_tricky_text_exactly(org, shop, member):
    notice = 'Tab\there, back\\slash \\N, "quotes", CR\r\nLF\nend, emoji 🚫, null-ish \\\\N'
    content = f"{HEADER}\n{good_line(notice=notice, policy='Policy\\twith tab')}\n".encode()
    result = _import(org, member, content)
    assert result.created == 1
    v = Violation.objects.get(reference="VR1")
    assert v.notice == notice and v.policy == "Policy\\twith tab"
    assert TimelineEvent.objects.get(violation=v).data == {"reference": "VR1"}
    again = _import(org, member, content)
    assert again.unchanged == 1


@pytest.mark.postgres
def test_postgres_update_keeps_tricky_text_exactly(org, shop, member):
    """Changed cases go to PostgreSQL as arrays: quotes, braces, backslashes and the word NULL stay text."""
    _import(org, member, _csv_for(good_line()))
    notice = 'NULL, Tab\there, back\\slash \\N, "quotes", {braces,commas}, CR\r\nLF, emoji 🚫'
    result = _import(org, member, _csv_for(good_line(notice=notice, policy="NULL", action="{a,b}")))
    assert (result.created, result.updated) == (0, 1)
    v = Violation.objects.get(reference="VR1")
    assert (v.notice, v.policy, v.action, v.version) == (notice, "NULL", "{a,b}", 2)
    assert _import(org, member, _csv_for(good_line(notice=notice, policy="NULL", action="{a,b}"))).unchanged == 1
