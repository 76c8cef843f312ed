"""Reuters-21578 as labeled JSONL for the prioritised-review bench (bench/tar_eval.py).

    .venv/bin/python -m bench.reuters_jsonl --out /tmp/reuters.jsonl            # ModApte documents
    .venv/bin/python -m bench.reuters_jsonl --out /tmp/reuters.jsonl --docs all # all 21,578

One object a line: {"id": "<NEWID>", "text": "<title>\\n<body>", "labels": ["earn", ...]} (TOPICS
categories). Which documents: by default the ModApte training and test sets together (TOPICS="YES"
and LEWISSPLIT TRAIN or TEST, 12,902 stories), the set nearly all published Reuters-21578 results
use. The collection's README explains why: an indexer considered every TOPICS category for the
TOPICS="YES" stories, so a story without a category is a true negative, while TOPICS="NO" stories
include stretches that were never indexed (a missed category would count as non-responsive and
corrupt recall) and BYPASS stories were not indexed at all. `--docs all` keeps every story anyway.

The .sgm files are SGML, not XML (bare `&#2;` control characters, one stray 0xFC byte), so they
are split with regular expressions, read as Latin-1 (every byte decodes; cp1252 would agree on
the one non-ASCII byte) and entities decoded with html.unescape, control characters dropped.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "labeled" / "reuters21578"

_STORY = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _field(tag: str, story: str) -> str | None:
    m = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", story, re.DOTALL)
    return m.group(1) if m else None


def _clean(sgml: str) -> str:
    return _CONTROL.sub("", html.unescape(re.sub(r"<[^>]+>", "", sgml))).strip()


def parse_sgm(path: Path) -> Iterator[dict]:
    """Every story of one reut2-NNN.sgm file: id, text, TOPICS labels and the split attributes."""
    raw = path.read_text(encoding="latin-1")
    for attrs, story in _STORY.findall(raw):
        a = dict(_ATTR.findall(attrs))
        # a few stories list a category twice (<D>trade</D><D>trade</D>): once is enough
        topics = list(dict.fromkeys(re.findall(r"<D>(.*?)</D>", _field("TOPICS", story) or "")))
        title, body = _field("TITLE", story), _field("BODY", story)
        if title is None and body is None:  # TYPE="UNPROC": the text has no TITLE/BODY structure
            text = _clean(_field("TEXT", story) or "")
        else:
            text = "\n".join(x for x in (_clean(title or ""), _clean(body or "")) if x)
        yield {"id": a["NEWID"], "text": text, "labels": topics,
               "topics_attr": a.get("TOPICS"), "lewissplit": a.get("LEWISSPLIT")}


def load(corpus_dir: Path = DEFAULT_DIR, docs: str = "modapte") -> list[dict]:
    """The stories as {"id", "text", "labels"}, in NEWID order; docs is "modapte" or "all"."""
    files = sorted(Path(corpus_dir).glob("reut2-*.sgm"))
    if not files:
        raise FileNotFoundError(f"{corpus_dir}: no reut2-*.sgm files; point --corpus at the unpacked "
                                "Reuters-21578 Distribution 1.0 folder")
    if docs not in ("modapte", "all"):
        raise ValueError(f"docs must be 'modapte' or 'all', not {docs!r}")
    out = []
    for f in files:
        for s in parse_sgm(f):
            if docs == "modapte" and not (s["topics_attr"] == "YES" and s["lewissplit"] in ("TRAIN", "TEST")):
                continue
            out.append({"id": s["id"], "text": s["text"], "labels": s["labels"]})
    out.sort(key=lambda d: int(d["id"]))
    return out


def write_jsonl(stories: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(s, ensure_ascii=False) + "\n" for s in stories)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_DIR, help="folder holding reut2-*.sgm")
    ap.add_argument("--docs", choices=("modapte", "all"), default="modapte",
                    help="modapte: TOPICS=YES and LEWISSPLIT TRAIN/TEST (default); all: the 21,578 stories")
    args = ap.parse_args(argv)
    try:
        stories = load(args.corpus, args.docs)
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        return 2
    write_jsonl(stories, args.out)
    per = Counter(label for s in stories for label in s["labels"])
    print(f"{len(stories)} documents ({args.docs}) written to {args.out}; "
          f"{sum(1 for s in stories if s['labels'])} with a TOPICS category, {len(per)} categories")
    for label, n in per.most_common(12):
        print(f"  {label:<12} {n:>5}  ({n / len(stories):.2%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
