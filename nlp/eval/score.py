"""Precision and recall of PII spans and of the privilege flag over the evaluation set.

A predicted span is ``(type, start, end)`` with Python string offsets. Two ways
to match it to the gold:

- ``exact``: same type, same start and end: what a redaction needs;
- ``overlap``: same type and at least one character in common, each gold span
  matched at most once: credit for finding the value with other boundaries
  (another detector may include a "+1" or leave out an extension).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import EvalDoc

Span = tuple[str, int, int]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


def _match(gold: list[Span], pred: list[Span], mode: str) -> tuple[int, list[Span], list[Span]]:
    """True positives, unmatched predictions, unmatched gold."""
    if mode == "exact":
        g, p = set(gold), set(pred)
        return len(g & p), sorted(p - g), sorted(g - p)
    if mode != "overlap":
        raise ValueError(f"mode must be 'exact' or 'overlap', not {mode!r}")
    left = sorted(set(gold))
    tp, fps = 0, []
    for t, s, e in sorted(set(pred)):
        hit = next((gs for gs in left if gs[0] == t and gs[1] < e and s < gs[2]), None)
        if hit is None:
            fps.append((t, s, e))
        else:
            left.remove(hit)
            tp += 1
    return tp, fps, left


def score_pii(docs: Iterable[EvalDoc], predictions: dict[str, list[Span]], mode: str = "exact",
              errors: list | None = None) -> dict[str, Counts]:
    """Counts per PII type; ``predictions`` maps a document id to its predicted spans.

    Only the types a document annotates count for it. ``errors``, when given,
    collects ``(doc id, "fp" | "fn", type, text)`` for a look at the misses.
    """
    out: dict[str, Counts] = defaultdict(Counts)
    for doc in docs:
        types = set(doc.types)
        gold = [(g.type, g.start, g.end) for g in doc.pii if g.type in types]
        pred = [p for p in predictions.get(doc.id, []) if p[0] in types]
        for t in types:
            g_t = [x for x in gold if x[0] == t]
            p_t = [x for x in pred if x[0] == t]
            if not g_t and not p_t:
                continue
            tp, fps, fns = _match(g_t, p_t, mode)
            out[t].add(Counts(tp, len(fps), len(fns)))
            if errors is not None:
                errors += [(doc.id, "fp", t, doc.text[s:e]) for _, s, e in fps]
                errors += [(doc.id, "fn", t, doc.text[s:e]) for _, s, e in fns]
    return dict(out)


def score_flag(docs: Iterable[EvalDoc], flagged: Callable[[str], bool], errors: list | None = None) -> Counts:
    """Counts of the privilege flag against the gold coding (documents coded None are left out)."""
    c = Counts()
    for doc in docs:
        if doc.privileged is None:
            continue
        f = flagged(doc.id)
        if f and doc.privileged:
            c.tp += 1
        elif f:
            c.fp += 1
            if errors is not None:
                errors.append((doc.id, "fp", "privilege", doc.note))
        elif doc.privileged:
            c.fn += 1
            if errors is not None:
                errors.append((doc.id, "fn", "privilege", doc.note))
    return c
