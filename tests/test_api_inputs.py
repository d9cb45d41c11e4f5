"""What the API accepts (issue 18, findings 5 and 12): no NUL in any text, JSON objects only, no unknown
fields, the draft's fields on POST /appeals, and one meaning of `null` in PATCH bodies."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Appeal, SupportTicket, TimelineEvent
from core.models import ClosedDate
from core.tokens import api_token_create
from tests.factories import AccountFactory, AppealFactory, ViolationFactory

NUL = "a\x00b"
WRITES = ("post", "put", "patch")


@pytest.fixture
def api(client, owner, org):
    raw = api_token_create(user=owner, organization=org, name="inputs")[1]

    def call(method: str, path: str, body=None, *, raw_body: str | None = None, **params):
        data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
        url = "/api/v1" + path
        if method == "get":
            return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {raw}")
        return getattr(client, method)(url, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")

    return call


def _resolve(schema: dict, spec: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "allOf"):
        if key in schema:
            options = [_resolve(s, spec) for s in schema[key] if s.get("type") != "null"]
            if options:
                return options[0]
    return schema


def _text_fields(schema: dict, spec: dict, prefix: str = "") -> list[tuple[str, object]]:
    """(dotted field, a JSON value for it that carries a NUL) for every text in the schema."""
    schema = _resolve(schema, spec)
    out: list[tuple[str, object]] = []
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(prop, spec)
        path = f"{prefix}{name}"
        if prop.get("type") == "string" and "format" not in prop and "enum" not in prop:
            out.append((path, NUL))
        elif prop.get("type") == "array" and _resolve(prop.get("items", {}), spec).get("type") == "string":
            out.append((path, [NUL]))
        elif prop.get("type") == "object" and "properties" in prop:
            out += [(f"{name}.{sub}", {sub.split(".")[-1]: value}) for sub, value in _text_fields(prop, spec)]
    return out


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path.removeprefix("/api/v1").replace("{", "").replace("}", ""), method, operation


def _concrete(path: str) -> str:
    return "/".join("999999" if part.endswith("_id") else part for part in path.split("/"))


def test_every_text_of_every_write_operation_refuses_nul_by_name(api, client, db):
    """Parametrised over the OpenAPI description, so a new operation or field is covered at once."""
    spec = client.get("/api/v1/openapi.json").json()
    checked, failures = 0, []
    for path, method, operation in _operations(spec):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if method not in WRITES or body is None:
            continue
        for field, value in _text_fields(body["schema"], spec):
            checked += 1
            # A nested field's value is already the inner object: {"ids": {"sku": [NUL]}}.
            response = api(method, _concrete(path), {field.split(".")[0]: value})
            fields = [e["field"] for e in response.json().get("errors", [])] if response.status_code == 400 else []
            if not any(f == field or f.startswith(field + ".") for f in fields):
                failures.append(f"{method.upper()} {path} {field}: {response.status_code} {fields}")
    assert checked >= 30
    assert failures == [], "\n".join(failures)


def test_every_text_query_parameter_refuses_nul(api, client, db):
    spec = client.get("/api/v1/openapi.json").json()
    checked, failures = 0, []
    for path, method, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            schema = _resolve(parameter.get("schema", {}), spec)
            if parameter["in"] != "query" or schema.get("type") != "string" or "format" in schema:
                continue
            checked += 1
            response = api(method, _concrete(path), **{parameter["name"]: NUL})
            if response.status_code != 400:
                failures.append(f"{method.upper()} {path}?{parameter['name']}: {response.status_code}")
    assert checked >= 5
    assert failures == [], "\n".join(failures)


def test_nul_in_a_full_valid_body_is_a_400_naming_the_field(api, org):
    response = api("post", "/accounts", {"kind": "seller_shop", "external_id": NUL, "name": "Shop", "market": "US"})
    assert response.status_code == 400 and response.json()["field"] == "external_id"
    assert "NUL" in response.json()["message"]
    assert not org.accounts.exists()


def test_nul_in_an_evidence_caption_is_a_400(api, client, owner, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    appeal = AppealFactory(violation=ViolationFactory(account=AccountFactory(organization=org)))
    raw = api_token_create(user=owner, organization=org, name="upload")[1]
    response = client.post(
        f"/api/v1/appeals/{appeal.pk}/evidence",
        {"file": SimpleUploadedFile("a.txt", b"hello", content_type="text/plain"), "caption": NUL},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 400 and response.json()["field"] == "caption"


@pytest.mark.parametrize("body", ["[]", '"x"', "1", "null", "true"])
def test_a_body_that_is_not_an_object_is_a_400(api, org, body):
    before = org.name
    for method, path in (("patch", "/organization"), ("post", "/accounts"), ("post", "/appeals")):
        response = api(method, path, raw_body=body)
        assert response.status_code == 400, (method, path, body, response.content)
        assert response.json()["field"] == "body" and "JSON object" in response.json()["message"]
    org.refresh_from_db()
    assert org.name == before


def test_unknown_fields_are_a_400_naming_them(api, org, shop):
    response = api("patch", "/organization", {"name": "New", "nmae": "typo"})
    assert response.status_code == 400 and response.json()["field"] == "nmae"
    assert "Unknown field" in response.json()["message"]
    org.refresh_from_db()
    assert org.name != "New"
    case = ViolationFactory(account=shop)
    response = api("post", "/appeals", {"violation_id": case.pk, "text": "dropped before"})
    assert response.status_code == 400 and response.json()["field"] == "text"
    response = api("post", "/appeals", {"violation_id": case.pk, "ids": {"sku": ["S1"], "skus": ["S2"]}})
    assert response.status_code == 400 and response.json()["field"] == "ids.skus"
    assert not Appeal.objects.exists()


def test_post_appeals_saves_the_drafts_fields_through_the_builder_steps(api, shop):
    case = ViolationFactory(account=shop, reference="VR-API")
    response = api(
        "post",
        "/appeals",
        {
            "violation_id": case.pk,
            "desired_outcome": "  Reinstate the listing for SKU 12345. ",
            "rule_cited": "Trademark policy",
            "rule_explanation": "The logo is ours: registration 6123456.",
            "explanation": "Invoice attached.",
            "ids": {"sku": ["12345", "12345", " "], "reference": "VR-API"},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    appeal = Appeal.objects.get(pk=body["id"])
    # The builder's rules: text trimmed, duplicate and empty IDs dropped.
    assert appeal.desired_outcome == "Reinstate the listing for SKU 12345."
    assert (appeal.rule_cited, appeal.explanation) == ("Trademark policy", "Invoice attached.")
    assert appeal.ids["sku"] == ["12345"] and body["ids"]["reference"] == "VR-API"
    steps = TimelineEvent.objects.filter(violation=case, verb="appeal_step_saved").values_list("data", flat=True)
    assert sorted(d["step"] for d in steps) == [1, 2, 3]


def test_post_appeals_with_a_bad_draft_field_starts_nothing(api, shop):
    case = ViolationFactory(account=shop)
    response = api("post", "/appeals", {"violation_id": case.pk, "ids": {"sku": ["x" * 121]}})
    assert response.status_code == 400
    assert not Appeal.objects.exists()


def test_null_clears_a_field_that_can_be_empty_and_is_refused_elsewhere(api, org, shop):
    case = ViolationFactory(account=shop, action="Listing removed", notice="Text")
    response = api("patch", f"/violations/{case.pk}", {"version": case.version, "notice": None, "sku_ids": None})
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.notice == "" and case.action == "Listing removed"
    for field in ("policy", "reference", "enforced_at", "kind", "penalty_points", "account_id"):
        response = api("patch", f"/violations/{case.pk}", {"version": case.version, field: None})
        assert response.status_code == 400 and response.json()["field"] == field, field

    shop.health_rating = 300
    shop.save()
    assert api("patch", f"/accounts/{shop.pk}", {"health_rating": None}).status_code == 200
    shop.refresh_from_db()
    assert shop.health_rating is None
    assert api("patch", f"/accounts/{shop.pk}", {"name": None}).json()["field"] == "name"

    ClosedDate.objects.create(organization=org, date=timezone.localdate() + timedelta(days=3))
    response = api("patch", "/organization", {"closed_dates": None, "holiday_subdivision": None})
    assert response.status_code == 200 and response.json()["closed_dates"] == []
    assert api("patch", "/organization", {"timezone": None}).json()["field"] == "timezone"

    appeal = AppealFactory(violation=case, explanation="Old", ids={"sku": ["S1"], "reference": "R"})
    response = api("patch", f"/appeals/{appeal.pk}", {"version": appeal.version, "explanation": None, "ids": None})
    assert response.status_code == 200, response.content
    appeal.refresh_from_db()
    assert appeal.explanation == "" and appeal.ids["sku"] == [] and appeal.ids["reference"] == ""
    assert api("patch", f"/appeals/{appeal.pk}", {"version": None}).json()["field"] == "version"

    ticket = api("post", "/tickets", {"account_id": shop.pk, "channel": "seller_center_chat", "subject": "S"}).json()
    response = api("patch", f"/tickets/{ticket['id']}", {"version": ticket["version"], "notes": None})
    assert response.status_code == 200, response.content
    assert api("patch", f"/tickets/{ticket['id']}", {"version": 2, "subject": None}).json()["field"] == "subject"
    assert SupportTicket.objects.get().notes == ""


def test_openapi_says_what_null_means_in_each_patch_body(client, db):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "`notice`" in schemas["ViolationPatch"]["description"]
    assert "`health_rating`" in schemas["AccountPatch"]["description"]
    assert "Unknown fields are a 400" in schemas["OrganizationPatch"]["description"]
