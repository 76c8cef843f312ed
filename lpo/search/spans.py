"""Word positions of proximity operands in a text, with Lucene's span semantics.

FTS5's NEAR cannot say "in this order" nor take wildcards inside it, so the FTS5 engine finds
candidates with MATCH and confirms w/N and pre/N here, on the words as its tokenizer cut them.
The rules are those of Elasticsearch's span_near (slop = N - 1), so both engines agree:
- pre/N: the right operand starts after the left one ends, with at most N - 1 words between;
- w/N: either order; the words the pair covers, less the operands' own words, are at most N - 1
  (operands may overlap, as Lucene's unordered spans allow).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lpo.search.query import Fuzzy, Near, Or, Phrase, Prefix, Term, Wildcard

Span = tuple[int, int]  # [start, end) in word positions


@lru_cache(maxsize=256)
def wildcard_regex(pattern: str) -> re.Pattern:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z",
                      re.DOTALL)


def spans(node, words: list[str], expanded: dict) -> list[Span]:  # noqa: ANN001
    """Where `node` matches in `words`; `expanded` maps Fuzzy nodes to the words they stand for."""
    if isinstance(node, (Term, Phrase)):
        w = list(node.words)
        n = len(w)
        return [(i, i + n) for i in range(len(words) - n + 1) if words[i:i + n] == w]
    if isinstance(node, Prefix):
        return [(i, i + 1) for i, t in enumerate(words) if t.startswith(node.stem)]
    if isinstance(node, Wildcard):
        rx = wildcard_regex(node.pattern)
        return [(i, i + 1) for i, t in enumerate(words) if rx.match(t)]
    if isinstance(node, Fuzzy):
        allowed = expanded[node]
        return [(i, i + 1) for i, t in enumerate(words) if t in allowed]
    if isinstance(node, Or):
        return sorted({s for c in node.children for s in spans(c, words, expanded)})
    if isinstance(node, Near):
        return near_spans(spans(node.left, words, expanded), spans(node.right, words, expanded),
                          node.distance, node.ordered)
    raise TypeError(f"{type(node).__name__} has no word positions")


def near_spans(left: list[Span], right: list[Span], distance: int, ordered: bool) -> list[Span]:
    slop = distance - 1
    out = set()
    for a in left:
        for b in right:
            if ordered:
                if b[0] >= a[1] and b[0] - a[1] <= slop:
                    out.add((a[0], b[1]))
            else:
                width = max(a[1], b[1]) - min(a[0], b[0])
                if width - (a[1] - a[0]) - (b[1] - b[0]) <= slop:
                    out.add((min(a[0], b[0]), max(a[1], b[1])))
    return sorted(out)
