"""The readiness check measured on a labelled corpus (tests/readiness_corpus.py): recall of labelled weaknesses
and false findings on strong appeals. Run with -s to see the figures (the README quotes them)."""

from __future__ import annotations

from appeals.readiness import assess
from tests.readiness_corpus import CORPUS, STRONG, WEAK

MIN_RECALL = 0.95
MAX_FALSE_RATE = 0.02


def _codes(draft) -> set[str]:
    report = assess(draft.content, draft.kind, draft.evidence)
    return {f.code for f in report.findings if f.points}


def test_corpus_size_and_balance():
    assert len(CORPUS) >= 60
    assert len(STRONG) >= 25 and len(WEAK) >= 25
    assert len({d.name for d in CORPUS}) == len(CORPUS)


def test_recall_of_labelled_weaknesses_and_false_findings_on_strong_appeals():
    labelled = found = 0
    missed = []
    for draft in WEAK:
        codes = _codes(draft)
        labelled += len(draft.weaknesses)
        found += len(draft.weaknesses & codes)
        missed += [(draft.name, code) for code in draft.weaknesses - codes]
    false = [(d.name, sorted(_codes(d))) for d in STRONG if _codes(d)]
    extra = sum(len(_codes(d) - d.weaknesses) for d in WEAK)
    recall = found / labelled
    false_rate = len(false) / len(STRONG)
    print(
        f"\nReadiness corpus: {len(CORPUS)} drafts ({len(STRONG)} strong, {len(WEAK)} weak). "
        f"Recall of labelled weaknesses {found}/{labelled} = {recall:.1%}; "
        f"strong appeals with a false finding {len(false)}/{len(STRONG)} = {false_rate:.1%}; "
        f"unlabelled findings on weak drafts: {extra}."
    )
    assert recall >= MIN_RECALL, missed
    assert false_rate <= MAX_FALSE_RATE, false


def test_strong_appeals_score_at_least_90_and_weak_ones_with_four_weaknesses_below_50():
    for draft in STRONG:
        assert assess(draft.content, draft.kind, draft.evidence).score >= 90, draft.name
    for draft in WEAK:
        if len(draft.weaknesses) >= 4:
            assert assess(draft.content, draft.kind, draft.evidence).score < 50, draft.name
