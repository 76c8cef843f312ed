"""Proximity from the word positions FTS5 already stored, for what its NEAR cannot answer exactly
(pre/N, nested w/N, operands that may share a word).

fts5vocab's 'instance' table lists every (word, document, column, position) of the index, so a
proximity reads the positions of its few words instead of re-reading and re-tokenizing every
candidate's text: one index lookup per word, then span arithmetic per document that holds them all
(lpo.search.spans.near_spans, Elasticsearch's span_near semantics).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from lpo.search.query import Fuzzy, Near, Or, Phrase, Prefix, Term, Wildcard
from lpo.search.spans import Span, near_spans

DocSpans = dict[int, list[Span]]  # rowid -> [start, end) word spans, sorted


class Positions:
    def __init__(self, conn: sqlite3.Connection, column: str, expanded: dict, candidates: str):
        """`candidates`: an FTS5 MATCH for a superset of the answer (lpo.search.fts5._candidates); only
        those documents' positions come back to Python."""
        self.conn, self.column, self.expanded = conn, column, expanded  # expanded: Fuzzy/Wildcard -> words
        self._cache: dict[str, dict[int, list[int]]] = {}
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS near_candidates (doc INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.near_candidates")
        conn.execute("INSERT INTO temp.near_candidates SELECT rowid FROM fts WHERE fts MATCH ?", (candidates,))

    def docs(self, node) -> set[int]:  # noqa: ANN001
        """Rowids of the documents where `node` (a proximity) matches."""
        try:
            return set(self.spans(node))
        finally:
            self.conn.execute("DELETE FROM temp.near_candidates")

    def word(self, w: str) -> dict[int, list[int]]:
        if w not in self._cache:
            out: dict[int, list[int]] = defaultdict(list)
            for doc, off in self.conn.execute("SELECT doc, offset FROM temp.instances WHERE term = ? AND col = ? "
                                              "AND doc IN temp.near_candidates",
                                              (w, self.column)):
                out[doc].append(off)
            self._cache[w] = out
        return self._cache[w]

    def _one_of(self, words: list[str]) -> DocSpans:
        out: dict[int, set[Span]] = defaultdict(set)
        for w in words:
            for doc, offs in self.word(w).items():
                out[doc].update((o, o + 1) for o in offs)
        return {doc: sorted(s) for doc, s in out.items()}

    def spans(self, node) -> DocSpans:  # noqa: ANN001
        if isinstance(node, (Term, Phrase)):
            return self._phrase(node.words)
        if isinstance(node, Prefix):
            return self._one_of([t for (t,) in self.conn.execute(
                "SELECT term FROM words WHERE col = ? AND term GLOB ?", (self.column, node.stem + "*"))])
        if isinstance(node, (Wildcard, Fuzzy)):
            return self._one_of(sorted(self.expanded[node]))
        if isinstance(node, Or):
            out: dict[int, set[Span]] = defaultdict(set)
            for c in node.children:
                for doc, sp in self.spans(c).items():
                    out[doc].update(sp)
            return {doc: sorted(s) for doc, s in out.items()}
        if isinstance(node, Near):
            left, right = self.spans(node.left), self.spans(node.right)
            out2 = {}
            for doc in left.keys() & right.keys():
                sp = near_spans(left[doc], right[doc], node.distance, node.ordered)
                if sp:
                    out2[doc] = sp
            return out2
        raise TypeError(f"{type(node).__name__} has no word positions")

    def _phrase(self, words: tuple[str, ...]) -> DocSpans:
        first = self.word(words[0])
        if len(words) == 1:
            return {doc: [(o, o + 1) for o in offs] for doc, offs in first.items()}
        rest = [self.word(w) for w in words[1:]]
        out = {}
        for doc, offs in first.items():
            if not all(doc in r for r in rest):
                continue
            later = [set(r[doc]) for r in rest]
            sp = [(o, o + len(words)) for o in offs if all(o + i + 1 in s for i, s in enumerate(later))]
            if sp:
                out[doc] = sp
        return out
