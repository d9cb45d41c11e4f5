"""Import of any layout: the column guess, date orders, XLSX rows, the mapping step, import profiles, the
command and the API with a profile."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from appeals import imports
from appeals.imports import AccountRef, parse_violations_csv
from appeals.models import ImportBatch, ImportProfile, Violation
from appeals.services import ServiceError
from appeals.services import imports as services
from appeals.tables import cell_text, open_table
from core.models import Role
from tests.factories import MembershipFactory

NY = ZoneInfo("America/New_York")
ACCOUNTS = {"7495001122": AccountRef(id=1, kind="seller_shop", name="Shop")}

# A Seller Center style export: other names, other order, extra columns, day-first dates.
FOREIGN_HEADER = "Violation ID,Shop ID,Violation Type,Violation Reason,Violation Date,SKU ID,Points,Status,Remark"
FOREIGN_ROWS = [
    "VR-F-1,7495001122,listing_removal,Counterfeit goods,13/03/2026,A1;A2,2,Enforced,first",
    "VR-F-2,7495001122,Listing / product removal,IP: trademark,01/03/2026,B1,0,Enforced,",
]


def foreign_csv(rows=FOREIGN_ROWS, header=FOREIGN_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def xlsx_bytes(rows: list[list], *, blank_rows_before: int = 0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for _ in range(blank_rows_before):
        sheet.append([])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Pure rules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            FOREIGN_HEADER.split(","),
            {"reference": 0, "account": 1, "kind": 2, "policy": 3, "enforced_at": 4, "sku_ids": 5, "penalty_points": 6},
        ),
        (
            ["account", "reference", "kind", "policy", "enforced_at"],
            {"account": 0, "reference": 1, "kind": 2, "policy": 3, "enforced_at": 4},
        ),
        (
            ["Order Number", "Creator Username", "Reason", "Enforcement Date", "Record ID (platform)"],
            {"order_ids": 0, "account": 1, "policy": 2, "enforced_at": 3, "reference": 4},
        ),
        (["Shop", "Shop ID"], {"account": 1}),  # the exact alias wins over a header containing a word
        (["Foo", "Bar"], {}),
    ],
)
def test_suggested_columns(header, expected):
    assert imports.suggest_positions(header) == expected


@given(st.lists(st.text(max_size=12), max_size=15))
def test_suggestion_uses_each_column_once(header):
    found = imports.suggest_positions(header)
    assert len(set(found.values())) == len(found)
    assert all(0 <= i < len(header) for i in found.values())


@pytest.mark.parametrize(
    ("values", "order"),
    [
        (["13/03/2026", "01/03/2026"], "dmy"),
        (["03/13/2026", "03/01/2026"], "mdy"),
        (["03/04/2026", "05/06/2026"], None),
        (["01/01/2026", "2026-03-04"], "auto"),
        (["2026-03-04", "Mar 4, 2026"], "auto"),
        ([], "auto"),
        (["4.3.2026", "25.3.2026"], "dmy"),
    ],
)
def test_date_order_of_a_column(values, order):
    assert imports.date_order_of(values) == order


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("03/04/2026", "mdy", datetime(2026, 3, 4, tzinfo=NY)),
        ("03/04/2026", "dmy", datetime(2026, 4, 3, tzinfo=NY)),
        ("03/04/2026", "auto", datetime(2026, 3, 4, tzinfo=NY)),
        ("03.04.2026", "auto", datetime(2026, 4, 3, tzinfo=NY)),
        ("13-03-2026 14:30", "dmy", datetime(2026, 3, 13, 14, 30, tzinfo=NY)),
        ("Mar 4, 2026", "auto", datetime(2026, 3, 4, tzinfo=NY)),
        ("4 March 2026", "auto", datetime(2026, 3, 4, tzinfo=NY)),
        ("2026-03-04", "dmy", datetime(2026, 3, 4, tzinfo=NY)),
    ],
)
def test_parse_date_orders(text, order, expected):
    assert imports.parse_date(text, NY, order=order, latest=datetime(2027, 1, 1, tzinfo=NY)) == expected


@pytest.mark.parametrize("text", ["13/13/2026", "31/02/2026", "Smarch 4, 2026"])
def test_parse_date_refuses_impossible_dates(text):
    with pytest.raises(ValueError, match="date"):
        imports.parse_date(text, NY, order="dmy", latest=datetime(2027, 1, 1, tzinfo=NY))


def test_header_key_ignores_case_and_spacing_not_order():
    assert imports.header_key(["Shop ID", "Violation  ID"]) == imports.header_key(["shop id", "violation id "])
    assert imports.header_key(["Shop ID", "Violation ID"]) != imports.header_key(["Violation ID", "Shop ID"])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (1729000001, "1729000001"),
        (1729000001.0, "1729000001"),
        (2.5, "2.5"),
        (datetime(2026, 3, 4), "2026-03-04"),
        (datetime(2026, 3, 4, 14, 30), "2026-03-04 14:30"),
        (date(2026, 3, 4), "2026-03-04"),
        (True, "TRUE"),
        ("  x ", "  x "),
    ],
)
def test_spreadsheet_cells_as_text(value, text):
    assert cell_text(value) == text


# --- XLSX ---------------------------------------------------------------------------------------------------


def test_xlsx_rows_are_numbered_as_in_the_spreadsheet():
    data = xlsx_bytes(
        [
            ["account", "reference", "kind", "policy", "enforced_at", "sku_ids", "penalty_points"],
            [7495001122, "VR-X-1", "listing_removal", "Counterfeit", datetime(2026, 3, 1, 9, 15), 1729000001, 2],
            [],
            [7495001122, "VR-X-2", "listing_removal", "Counterfeit", "not a date", "", ""],
        ],
        blank_rows_before=2,
    )
    result = parse_violations_csv(io.BytesIO(data), accounts=ACCOUNTS, timezone="America/New_York")
    assert result.unit == "row"
    # The header is on row 3, so the bad date is on row 6, as the spreadsheet shows it.
    assert [(e["line"], e["column"]) for e in result.errors] == [(6, "enforced_at")]

    good = xlsx_bytes(
        [
            ["account", "reference", "kind", "policy", "enforced_at", "sku_ids", "penalty_points"],
            [7495001122, "VR-X-1", "listing_removal", "Counterfeit", datetime(2026, 3, 1, 9, 15), 1729000001, 2],
        ]
    )
    result = parse_violations_csv(io.BytesIO(good), accounts=ACCOUNTS, timezone="America/New_York")
    assert result.ok, result.errors
    (row,) = result.rows
    assert row["line"] == 2 and row["items"]["sku"] == ["1729000001"] and row["penalty_points"] == 2
    assert row["enforced_at"] == datetime(2026, 3, 1, 9, 15, tzinfo=NY).isoformat()


def test_a_broken_workbook_is_a_clear_file_problem():
    broken = b"PK\x03\x04" + b"not really a zip" * 10
    result = parse_violations_csv(io.BytesIO(broken), accounts=ACCOUNTS, timezone="UTC")
    assert result.errors and "cannot be opened" in result.errors[0]["message"]


def test_open_table_reads_the_first_non_empty_csv_line_as_header():
    table = open_table(io.BytesIO(b"\n\nShop ID,Violation ID\n1,2\n"))
    assert table.header == ["Shop ID", "Violation ID"] and table.header_line == 3
    assert list(table.rows) == [(4, ["1", "2"])]


# --- Mapping step and profiles (services) ------------------------------------------------------------------


def upload(data: bytes, name: str = "seller-center.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def mapping_for(header: str = FOREIGN_HEADER) -> dict[str, int]:
    return imports.suggest_positions(header.split(","))


@pytest.mark.django_db
def test_foreign_layout_waits_for_mapping_then_saves_a_profile_reused_next_time(org, member, shop):
    batch = services.import_batch_preview(organization=org, upload=upload(foreign_csv()), by=member)
    assert batch.status == ImportBatch.Status.NEEDS_MAPPING
    assert batch.headers == FOREIGN_HEADER.split(",") and batch.samples[0][0] == "VR-F-1"
    assert batch.mapping == mapping_for()

    batch = services.import_batch_map(
        batch=batch, mapping=mapping_for(), date_order="dmy", save_as="Seller Center export", by=member
    )
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors
    assert [r["enforced_at"][:10] for r in batch.rows] == ["2026-03-13", "2026-03-01"]
    batch = services.import_batch_apply(batch=batch, by=member)
    assert batch.created_count == 2 and not batch.source
    assert Violation.objects.get(reference="VR-F-1").items.count() == 2

    again = services.import_batch_preview(organization=org, upload=upload(foreign_csv()), by=member)
    assert again.status == ImportBatch.Status.PREVIEWED and again.profile.name == "Seller Center export"
    assert services.import_batch_apply(batch=again, by=member).unchanged_count == 2


@pytest.mark.django_db
def test_ambiguous_day_month_dates_must_be_said(org, member, shop):
    rows = [r.replace("13/03/2026", "04/03/2026") for r in FOREIGN_ROWS]
    batch = services.import_batch_preview(organization=org, upload=upload(foreign_csv(rows)), by=member)
    with pytest.raises(ServiceError) as refused:
        services.import_batch_map(batch=batch, mapping=mapping_for(), date_order="auto", by=member)
    assert refused.value.field == "date_order" and "04/03/2026" in refused.value.message
    batch = services.import_batch_map(batch=batch, mapping=mapping_for(), date_order="mdy", by=member)
    assert batch.rows[0]["enforced_at"][:10] == "2026-04-03"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda m: m.pop("reference"), "reference", "violation reference"),
        (lambda m: m.update(notice=m["policy"]), "notice", "already matched"),
        (lambda m: m.update(notice=99), "notice", "one of the file's columns"),
    ],
)
def test_bad_mappings_are_refused_at_the_field(org, member, shop, change, field, message):
    batch = services.import_batch_preview(organization=org, upload=upload(foreign_csv()), by=member)
    mapping = mapping_for()
    change(mapping)
    with pytest.raises(ServiceError) as refused:
        services.import_batch_map(batch=batch, mapping=mapping, date_order="dmy", by=member)
    assert refused.value.field == field and message in refused.value.message
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.NEEDS_MAPPING and not Violation.objects.exists()


@pytest.mark.django_db
def test_mapping_errors_in_rows_are_reported_by_line_and_nothing_is_imported(org, member, shop):
    rows = [*FOREIGN_ROWS, "VR-F-3,unknown-shop,listing_removal,Counterfeit,13/03/2026,,,,"]
    batch = services.import_batch_preview(organization=org, upload=upload(foreign_csv(rows)), by=member)
    batch = services.import_batch_map(batch=batch, mapping=mapping_for(), date_order="dmy", by=member)
    assert batch.status == ImportBatch.Status.FAILED
    assert [(e["line"], e["column"]) for e in batch.errors] == [(4, "account")]
    with pytest.raises(ServiceError):
        services.import_batch_apply(batch=batch, by=member)
    assert not Violation.objects.exists()


@pytest.mark.django_db
def test_an_xlsx_in_a_foreign_layout_goes_through_the_same_steps(org, member, shop):
    data = xlsx_bytes(
        [
            ["Violation ID", "Shop ID", "Violation Type", "Violation Reason", "Violation Date"],
            ["VR-XF-1", 7495001122, "listing_removal", "Counterfeit", datetime(2026, 3, 2, 8, 0)],
        ]
    )
    batch = services.import_batch_preview(organization=org, upload=upload(data, "export.xlsx"), by=member)
    assert batch.status == ImportBatch.Status.NEEDS_MAPPING and batch.unit == "row"
    batch = services.import_batch_map(batch=batch, mapping=batch.mapping, date_order="auto", by=member)
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.rows[0]["line"] == 2


@pytest.mark.django_db
def test_profile_names_are_per_organization(org, other_org, member, shop):
    ImportProfile.objects.create(organization=other_org, name="Seller Center export", header_key="x")
    batch = services.import_batch_preview(organization=org, upload=upload(foreign_csv()), by=member)
    services.import_batch_map(
        batch=batch, mapping=mapping_for(), date_order="dmy", save_as="Seller Center export", by=member
    )
    assert ImportProfile.objects.filter(name="Seller Center export").count() == 2
    # Another organization's profile for the same headers is never used.
    other = services.import_batch_preview(organization=other_org, upload=upload(foreign_csv()), by=member)
    assert other.status == ImportBatch.Status.NEEDS_MAPPING


# --- Views ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_map_preview_apply_through_the_pages(member_client, org, shop):
    response = member_client.post("/violations/import/", {"file": upload(foreign_csv())})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/violations/import/{batch.pk}/columns/"
    page = member_client.get(response.url)
    assert page.status_code == 200 and b"Violation Reason (e.g. Counterfeit goods" in page.content

    # Missing a required column: the form says which, at the field, and nothing is parsed.
    form = {column: str(i) for column, i in mapping_for().items() if column != "reference"}
    page = member_client.post(response.url, form | {"date_order": "auto", "save_as": "SC"})
    assert page.status_code == 200 and b"Pick the column that holds the violation reference" in page.content
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.NEEDS_MAPPING

    # "As written" with 13/03/2026 in the column reads day first; the matching is saved as "SC".
    form = {column: str(i) for column, i in mapping_for().items()} | {"date_order": "auto", "save_as": "SC"}
    response = member_client.post(f"/violations/import/{batch.pk}/columns/", form)
    assert response.status_code == 302 and response.url == f"/violations/import/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.date_order == "dmy" and batch.rows[0]["enforced_at"][:10] == "2026-03-13"
    preview = member_client.get(response.url)
    assert b"saved profile <strong>SC</strong>" in preview.content and b"Import 2 violations" in preview.content
    assert member_client.post(response.url).status_code == 302
    assert Violation.objects.filter(reference__startswith="VR-F-").count() == 2

    listing = member_client.get("/violations/import/")
    assert b"Saved import profiles" in listing.content and b"SC" in listing.content


@pytest.mark.django_db
def test_import_pages_are_scoped_and_need_a_member(org, other_org, member, shop, client_for):
    batch = services.import_batch_preview(organization=org, upload=upload(foreign_csv()), by=member)
    profile = ImportProfile.objects.create(organization=org, name="SC", header_key="k")
    outsider = MembershipFactory(organization=other_org, role=Role.OWNER).user
    outside = client_for(outsider)
    assert outside.get(f"/violations/import/{batch.pk}/columns/").status_code == 404
    assert outside.get(f"/violations/import/{batch.pk}/").status_code == 404
    assert outside.post(f"/violations/import/profiles/{profile.pk}/delete/").status_code == 404
    viewer = client_for(MembershipFactory(organization=org, role=Role.VIEWER).user)
    assert viewer.get(f"/violations/import/{batch.pk}/columns/").status_code == 403
    assert ImportProfile.objects.filter(pk=profile.pk).exists()


@pytest.mark.django_db
def test_profile_delete(member_client, org):
    profile = ImportProfile.objects.create(organization=org, name="Old layout", header_key="k")
    assert member_client.get(f"/violations/import/profiles/{profile.pk}/delete/").status_code == 405
    response = member_client.post(f"/violations/import/profiles/{profile.pk}/delete/")
    assert response.status_code == 302 and not ImportProfile.objects.exists()


@pytest.mark.django_db
def test_upload_over_the_limit_is_refused_at_the_field(member_client, settings):
    settings.IMPORT_MAX_FILE_BYTES = 100
    response = member_client.post("/violations/import/", {"file": upload(foreign_csv() * 5)})
    assert response.status_code == 200 and b"the import takes files up to 100" in response.content
    assert not ImportBatch.objects.exists()


# --- Command and API ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_uses_the_profile_for_the_headers(org, member, shop, tmp_path, capsys):
    path = tmp_path / "sc.csv"
    path.write_bytes(foreign_csv())
    with pytest.raises(CommandError, match="no import profile matches"):
        call_command("import_violations", str(path), "--org", "acme")
    batch = services.import_batch_preview(organization=org, upload=upload(foreign_csv()), by=member)
    services.import_batch_map(batch=batch, mapping=mapping_for(), date_order="dmy", save_as="SC", by=member)
    call_command("import_violations", str(path), "--org", "acme")
    assert Violation.objects.filter(reference__startswith="VR-F-").count() == 2
    with pytest.raises(CommandError, match="No import profile named"):
        call_command("import_violations", str(path), "--org", "acme", "--profile", "nope")


@pytest.mark.django_db
def test_command_reads_xlsx_and_names_rows(org, shop, tmp_path):
    path = tmp_path / "v.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["account", "reference", "kind", "policy", "enforced_at"],
                [7495001122, "VR-C-1", "listing_removal", "Counterfeit", datetime(2026, 3, 2)],
                [7495001122, "VR-C-2", "listing_removal", "", datetime(2026, 3, 2)],
            ]
        )
    )
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_violations", str(path), "--org", "acme")
    assert not Violation.objects.exists()


@pytest.mark.django_db
def test_api_import_of_xlsx_and_of_an_unknown_layout(org, member, shop, client):
    from core.tokens import api_token_create

    _, key = api_token_create(user=member, organization=org, name="t")
    headers = {"Authorization": f"Bearer {key}"}
    unknown = client.post("/api/v1/violations/import", {"file": upload(foreign_csv())}, headers=headers)
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "file"
    data = xlsx_bytes(
        [
            ["account", "reference", "kind", "policy", "enforced_at"],
            [7495001122, "VR-A-1", "listing_removal", "Counterfeit", datetime(2026, 3, 2)],
            [7495001122, "VR-A-2", "bogus", "Counterfeit", datetime(2026, 3, 2)],
        ]
    )
    bad = client.post("/api/v1/violations/import", {"file": upload(data, "v.xlsx")}, headers=headers)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "row 3, kind"
