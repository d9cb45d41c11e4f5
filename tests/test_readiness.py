"""Readiness rules: a table of cases, and invariants over any content."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals import readiness
from appeals.readiness import WEIGHTS, AppealContent, EvidenceLine, assess, compose

GOOD = AppealContent(
    desired_outcome="Reinstate the listing for SKU 12345: the trademark rule cited does not apply.",
    rule_cited="Intellectual property: trademark",
    rule_explanation="We sell genuine goods bought from the brand's authorized US distributor.",
    explanation="The invoice and the distributor's authorization letter are attached.",
    ids={"reference": "VR100", "account": "7495001122", "sku": ["12345"], "product": [], "order": [], "video": []},
)
EVIDENCE = [EvidenceLine("Invoice from the authorized distributor", "invoice.pdf")]


def with_(**changes) -> AppealContent:
    fields = {**GOOD.__dict__, **changes}
    return AppealContent(**fields)


def test_weights_sum_to_100():
    groups = [
        WEIGHTS["no_outcome"],
        WEIGHTS["no_rule"] + WEIGHTS["no_rule_reason"],
        WEIGHTS["generic_statement"],
        WEIGHTS["no_reference"] + WEIGHTS["missing_ids"],
        WEIGHTS["no_evidence"],
        WEIGHTS["too_long"],
        WEIGHTS["shouting"] + WEIGHTS["hostile_tone"],
    ]
    assert sum(groups) == 100


def test_clean_appeal_scores_100():
    report = assess(GOOD, "listing_removal", EVIDENCE)
    assert report.findings == []
    assert report.score == 100


@pytest.mark.parametrize(
    ("content", "kind", "evidence", "expected"),
    [
        (with_(desired_outcome=""), "listing_removal", EVIDENCE, "no_outcome"),
        (with_(desired_outcome="Fix my listing"), "listing_removal", EVIDENCE, "vague_outcome"),
        (with_(desired_outcome="My listing is down"), "listing_removal", EVIDENCE, "vague_outcome"),
        (with_(desired_outcome="Please help us with this right now"), "listing_removal", EVIDENCE, "vague_outcome"),
        (with_(desired_outcome="Reinstate it"), "listing_removal", EVIDENCE, "vague_outcome"),
        (with_(rule_cited=""), "listing_removal", EVIDENCE, "no_rule"),
        (with_(rule_explanation=""), "listing_removal", EVIDENCE, "no_rule_reason"),
        (with_(explanation="This was wrong."), "listing_removal", EVIDENCE, "generic_statement"),
        (with_(explanation="We comply with all policies."), "listing_removal", EVIDENCE, "generic_statement"),
        (with_(explanation="The takedown is unfair."), "listing_removal", EVIDENCE, "generic_statement"),
        (with_(explanation="We did nothing wrong."), "listing_removal", EVIDENCE, "generic_statement"),
        (with_(ids={**GOOD.ids, "reference": ""}), "listing_removal", EVIDENCE, "no_reference"),
        (with_(ids={**GOOD.ids, "sku": []}), "listing_removal", EVIDENCE, "missing_ids"),
        (GOOD, "order_action", EVIDENCE, "missing_ids"),
        (GOOD, "content_restriction", EVIDENCE, "missing_ids"),
        (with_(ids={**GOOD.ids, "account": ""}), "shop_restriction", EVIDENCE, "missing_ids"),
        (GOOD, "listing_removal", [], "no_evidence"),
        (GOOD, "listing_removal", [EvidenceLine("", "photo.jpg")], "evidence_without_caption"),
        (GOOD, "listing_removal", [*EVIDENCE, EvidenceLine("  ", "label.png")], "evidence_without_caption"),
        (with_(explanation="word " * 220), "listing_removal", EVIDENCE, "too_long"),
        (with_(explanation="THIS IS TOTALLY WRONG AND YOU KNOW IT"), "listing_removal", EVIDENCE, "shouting"),
        (with_(explanation="Please reinstate it now!!"), "listing_removal", EVIDENCE, "shouting"),
        (with_(explanation="Your team is incompetent."), "listing_removal", EVIDENCE, "hostile_tone"),
    ],
)  # fmt: skip
def test_finding_table(content, kind, evidence, expected):
    report = assess(content, kind, evidence)
    assert expected in report.codes
    assert report.score == 100 - sum(f.points for f in report.findings)
    finding = next(f for f in report.findings if f.code == expected)
    assert finding.message and finding.fix


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (GOOD, "listing_removal"),
        (with_(ids={**GOOD.ids, "sku": [], "product": ["P-1"]}), "listing_removal"),
        (with_(ids={**GOOD.ids, "order": ["5770001"]}), "order_action"),
        (with_(ids={**GOOD.ids, "video": ["7301"]}), "content_restriction"),
        (GOOD, "shop_restriction"),
        (with_(explanation="The UPS tracking and the FDA registration PDF are attached."), "listing_removal"),
        (with_(desired_outcome="Remove the 2 penalty points from violation VR100 issued on May 3."), "listing_removal"),
    ],
)
def test_no_false_alarms(content, kind):
    assert assess(content, kind, EVIDENCE).findings == []


def test_over_char_limit_is_reported_but_not_scored():
    report = assess(GOOD, "listing_removal", EVIDENCE, char_limit=100)
    assert "over_char_limit" in report.codes
    assert "too_long" in report.codes  # the written part alone is over 100 characters too
    assert report.score == 100 - WEIGHTS["too_long"]


def test_compose_puts_outcome_first_and_numbers_evidence():
    text = compose(GOOD, [*EVIDENCE, EvidenceLine("Label photo", "label.png")])
    assert text.startswith("Reinstate the listing for SKU 12345")
    assert "Rule cited: Intellectual property: trademark" in text
    assert "Violation reference: VR100" in text
    assert "SKU IDs: 12345" in text
    assert "1. Invoice from the authorized distributor (invoice.pdf)" in text
    assert text.endswith("2. Label photo (label.png)")
    assert text.index("Rule cited") < text.index("Violation reference") < text.index("Evidence attached")


texts = st.text(max_size=400)
id_lists = st.lists(st.text(min_size=1, max_size=12), max_size=3)
contents = st.builds(
    AppealContent,
    desired_outcome=texts,
    rule_cited=st.text(max_size=60),
    rule_explanation=texts,
    explanation=texts,
    ids=st.fixed_dictionaries(
        {"reference": st.text(max_size=10), "account": st.text(max_size=10), "sku": id_lists, "order": id_lists}
    ),
)
evidence_lists = st.lists(st.builds(EvidenceLine, caption=st.text(max_size=40), name=st.text(max_size=20)), max_size=4)
# The machine may be busy with other suites: judge the rules, not the generator's speed.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
kinds = st.sampled_from(["listing_removal", "order_action", "content_restriction", "shop_restriction", "other"])


@relaxed
@given(contents, kinds, evidence_lists, st.integers(min_value=0, max_value=3000))
def test_score_is_always_between_0_and_100(content, kind, evidence, limit):
    report = assess(content, kind, evidence, limit)
    assert 0 <= report.score <= 100
    assert all(f.code in readiness.WEIGHTS for f in report.findings)


@relaxed
@given(contents, kinds, evidence_lists, st.text(min_size=1, max_size=40).filter(str.strip), st.text(max_size=20))
def test_adding_captioned_evidence_never_lowers_the_score(content, kind, evidence, caption, name):
    before = assess(content, kind, evidence).score
    after = assess(content, kind, [*evidence, EvidenceLine(caption, name)]).score
    assert after >= before
