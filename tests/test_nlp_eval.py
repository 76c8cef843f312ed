"""The evaluation set (nlp/eval/): it is what its builder makes, and the rules meet the goals on it.

The figures beside Presidio come from bench/nlp_eval.py; here the rules-only
pipeline is held to the quality goals of the [Pre-tagging] issue, so a change
that loses recall or precision fails a test.
"""

from __future__ import annotations

import json

import pytest

from nlp.eval import CHECKSUM_TYPES, HERE, eval_protocol, load
from nlp.eval.build import Synth, hard_cases
from nlp.eval.score import Counts, score_flag, score_pii
from nlp.pipeline import Pretagger


@pytest.fixture(scope="module")
def docs():
    return load()


def _rows(name: str, source: str | None = None) -> list[dict]:
    with (HERE / name).open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r for r in rows if source is None or r["source"] == source]


def test_checked_in_files_are_what_the_builder_makes():
    assert _rows("hard_cases.jsonl") == [d.to_json() for d in hard_cases()]
    synthetic = _rows("generated.jsonl", "synthetic")
    synth = Synth(7)
    assert synthetic == [synth.document(i).to_json() for i in range(len(synthetic))]


def test_set_covers_every_type_and_both_codings(docs):
    sources = {d.source for d in docs}
    assert sources == {"sample", "synthetic", "hard"}
    types = {g.type for d in docs for g in d.pii}
    assert set(CHECKSUM_TYPES) <= types and {"phone", "dob", "passport", "drivers_license", "address"} <= types
    coded = [d.privileged for d in docs if d.privileged is not None]
    assert coded.count(True) >= 20 and coded.count(False) >= 200


def test_scoring_counts():
    from nlp.eval import EvalDoc, Gold

    d = EvalDoc("x", "hard", "SSN 123-45-6789 and 123-45-6780", ["ssn"],
                [Gold("ssn", 4, 15, "123-45-6789"), Gold("ssn", 20, 31, "123-45-6780")], True)
    exact = score_pii([d], {"x": [("ssn", 4, 15), ("ssn", 20, 30), ("phone", 0, 3)]})["ssn"]
    assert (exact.tp, exact.fp, exact.fn) == (1, 1, 1)  # phone is not annotated in this document: ignored
    overlap = score_pii([d], {"x": [("ssn", 4, 15), ("ssn", 20, 30)]}, "overlap")["ssn"]
    assert (overlap.tp, overlap.fp, overlap.fn) == (2, 0, 0)
    assert (score_flag([d], lambda _: False).fn, Counts().precision) == (1, None)


def test_rules_meet_the_quality_goals(docs):
    tagger = Pretagger(eval_protocol(), model_package="lpo_no_such_package", n_process=1)
    pred, flags = {}, {}
    for cn, tags, score, _ in tagger.tag((d.id, d.text) for d in docs):
        pred[cn] = [(t.source[4:], t.start, t.end) for t in tags if t.source.startswith("pii:")]
        flags[cn] = tagger.flagged(score)
    errors: list = []
    table = score_pii(docs, pred, "exact", errors)
    for t in CHECKSUM_TYPES:
        assert table[t].precision >= 0.95 and table[t].recall >= 0.95, (t, table[t], errors[:10])
    for t, c in table.items():
        assert c.precision >= 0.9 and c.recall >= 0.85, (t, c)
    flag = score_flag(docs, flags.__getitem__)
    assert flag.recall >= 0.9 and flag.precision >= 0.6, flag
