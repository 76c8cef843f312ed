"""bench/tar_eval.py over a small synthetic collection, and the Reuters-21578 loader (skipped without the corpus)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from bench import reuters_jsonl, tar_eval

KEYS = {"reviewed_at_recall_80", "stopped_at", "recall_at_stop"}
COMMON = ("the a said market week report company year new also would price percent group official "
          "statement plans told reporters on monday friday expected last").split()
TOPICS = {  # name: (documents, vocabulary); "turbines" is the rare one (5% of 600)
    "turbines": (30, "turbine blade rotor nacelle gearbox wind megawatt yaw pitch tower".split()),
    "shipping": (170, "vessel port cargo tanker freight berth harbour crew container strike".split()),
    "banking": (200, "bank loan deposit rate lending credit reserve interest capital bond".split()),
    "farming": (200, "wheat crop harvest grain farmer acre corn soybean yield weather".split()),
}


def write_collection(path: Path, seed: int = 7) -> Path:
    """600 short documents: two-thirds common words, a third from their topic's vocabulary."""
    rng = random.Random(seed)
    docs = []
    for topic, (n, vocab) in TOPICS.items():
        for _ in range(n):
            words = [rng.choice(COMMON) for _ in range(40)] + [rng.choice(vocab) for _ in range(20)]
            rng.shuffle(words)
            docs.append((topic, " ".join(words)))
    rng.shuffle(docs)
    with open(path, "w", encoding="utf-8") as f:
        for i, (topic, text) in enumerate(docs, 1):
            f.write(json.dumps({"id": str(i), "text": text, "labels": [topic]}) + "\n")
    return path


def run(capsys, *args: str) -> list[str]:
    assert tar_eval.main(list(args)) == 0
    return capsys.readouterr().out.strip().splitlines()


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    return write_collection(tmp_path_factory.mktemp("tar") / "synthetic.jsonl")


def test_label_json_shape_and_ours_beats_random(collection, capsys):
    lines = run(capsys, "--jsonl", str(collection), "--label", "turbines", "--json", "--seed", "3")
    result = json.loads(lines[-1])
    assert set(result) == {"relevant", "total", "ours", "random", "baseline"}
    assert result["relevant"] == 30 and result["total"] == 600
    for m in ("ours", "random", "baseline"):
        assert set(result[m]) == KEYS
    assert result["random"]["stopped_at"] is None and result["random"]["recall_at_stop"] is None
    ours, rand = result["ours"]["reviewed_at_recall_80"], result["random"]["reviewed_at_recall_80"]
    assert 24 <= ours <= 2 * 30  # 80% of 30 needs 24; an easy topic is found almost in a row
    assert rand > 300 and ours * 5 < rand  # random order needs about 80% of the collection
    assert 24 <= result["baseline"]["reviewed_at_recall_80"] <= 600
    assert result["ours"]["stopped_at"] is not None and result["ours"]["recall_at_stop"] >= 0.8


def test_same_seed_same_result(collection, capsys):
    args = ("--jsonl", str(collection), "--label", "turbines", "--json", "--seed", "11")
    first = json.loads(run(capsys, *args)[-1])
    assert json.loads(run(capsys, *args)[-1]) == first


def test_topics_between_prints_each_topic_then_a_summary(collection, capsys):
    lines = run(capsys, "--jsonl", str(collection), "--topics-between", "0.01", "0.1", "--json")
    rows = [json.loads(x) for x in lines]
    assert [r["label"] for r in rows[:-1]] == ["turbines"]  # 5%; the others are 28-33%
    s = rows[-1]["summary"]
    assert s["topics"] == 1
    ours = rows[0]["ours"]["reviewed_at_recall_80"]
    assert s["median_ours_over_relevant"] == round(ours / 30, 3)
    assert s["fraction_recall_at_stop_ge_80"] == (1.0 if rows[0]["ours"]["recall_at_stop"] >= 0.8 else 0.0)
    assert set(s["goals"]) == {"median_ours_over_relevant_le_3", "ours_no_worse_than_baseline_median",
                               "recall_at_stop_ge_80_on_90pct"}


def test_table_and_png(collection, tmp_path, capsys):
    png = tmp_path / "curves.png"
    lines = run(capsys, "--jsonl", str(collection), "--label", "turbines", "--png", str(png),
                "--methods", "random,baseline")
    assert any("turbines" in x for x in lines)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_label_names_the_file(collection):
    with pytest.raises(SystemExit, match="no document has the label 'nope'"):
        tar_eval.main(["--jsonl", str(collection), "--label", "nope", "--json"])


REUTERS = reuters_jsonl.DEFAULT_DIR


def _count_by_lines(corpus: Path, label: str) -> tuple[int, int, int, int]:
    """Stories and stories with `label`, ModApte and all, counted line by line (the REUTERS and TOPICS
    tags each sit on one line), independently of the loader's regex over whole stories."""
    modapte = everything = modapte_label = all_label = 0
    attrs = ""
    for f in sorted(corpus.glob("reut2-*.sgm")):
        for line in f.read_text(encoding="latin-1").splitlines():
            if line.startswith("<REUTERS "):
                attrs = line
                everything += 1
                in_modapte = 'TOPICS="YES"' in attrs and 'LEWISSPLIT="NOT-USED"' not in attrs
                modapte += in_modapte
            elif line.startswith("<TOPICS>") and f"<D>{label}</D>" in line:
                all_label += 1
                modapte_label += in_modapte
    return modapte, everything, modapte_label, all_label


@pytest.fixture(scope="module")
def reuters():
    if not REUTERS.is_dir() or not list(REUTERS.glob("reut2-*.sgm")):
        pytest.skip(f"{REUTERS} is absent (Reuters-21578 Distribution 1.0, shared corpora)")
    return reuters_jsonl.load(REUTERS, "modapte"), reuters_jsonl.load(REUTERS, "all")


def test_reuters_counts(reuters):
    modapte, everything = reuters
    n_modapte, n_all, earn_modapte, earn_all = _count_by_lines(REUTERS, "earn")
    assert len(everything) == n_all == 21578
    assert len(modapte) == n_modapte == 9603 + 3299  # the README's ModApte training + test sets
    assert sum("earn" in d["labels"] for d in modapte) == earn_modapte
    assert sum("earn" in d["labels"] for d in everything) == earn_all
    assert len({d["id"] for d in everything}) == 21578


def test_reuters_text_is_clean(reuters):
    _, everything = reuters
    first = everything[0]
    assert first["id"] == "1" and first["labels"] == ["cocoa"]
    assert first["text"].startswith("BAHIA COCOA REVIEW\nShowers continued throughout the week")
    assert all(len(set(d["labels"])) == len(d["labels"]) for d in everything)  # "trade" twice in one story
    assert [d["id"] for d in everything if not d["text"]] == ["12793"]  # an empty UNPROC story, TOPICS="NO"
    assert not any(re.search(r"[\x00-\x08\x0b-\x1f\x7f]|&#\d+;|&lt;|<BODY>", d["text"]) for d in everything)
