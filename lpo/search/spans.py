"""Proximity arithmetic on word spans, with Lucene's span semantics (Elasticsearch's span_near).

The FTS5 engine reads the positions of a proximity's words from its index (lpo.search.positions)
and joins them here, so both engines agree:
- pre/N: the right operand starts after the left one ends, with at most N - 1 words between;
- w/N: either order; the words the pair covers, less the operands' own words, are at most N - 1
  (operands may overlap, as Lucene's unordered spans allow).
"""

from __future__ import annotations

Span = tuple[int, int]  # [start, end) in word positions


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
