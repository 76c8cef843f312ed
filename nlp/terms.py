"""``lpo_terms``: the matter's search terms, as ``TERM`` spans in ``doc.spans["terms"]``.

Terms are added with ``add_terms`` (data, not config: a term is free text).

A search term is one entry of ``protocol.search_terms``:

- a word or several (``merger``, ``Project Falcon``): those words in that order;
  quotes around a phrase (``"price fixing"``) are allowed and mean the same;
- a trailing ``*`` on a word is a prefix wildcard: ``antitrust*`` matches
  "antitrust", "antitrusts"; ``price fix*`` matches "price fixing", "price fixed".

Matching is case-insensitive and by token, so "merger" does not hit "mergers"
(write ``merger*``); between the words of a phrase a hyphen may stand for the
space (``price fixing`` also matches "price-fixing"); other punctuation must be
as written. Boolean connectors and proximity
(AND, OR, w/5) are not supported yet: such a term is matched as literal words.
A ``*`` anywhere but the end of a word is an error, not a guess.

Each hit's rule is ``terms:<the term as written>``; the score is 1.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from . import spans

QUOTES = "\"'“”‘’"
HYPHENS = ("-", "–", "—")


def parse_term(term: str) -> list[tuple[str, bool]]:
    """``term`` as a list of ``(word, is_prefix)``; ValueError for what it cannot mean."""
    text = " ".join(term.split())
    if len(text) >= 2 and text[0] in QUOTES and text[-1] in QUOTES:
        text = text[1:-1].strip()
    words = []
    for word in text.split():
        prefix = word.endswith("*")
        bare = word.rstrip("*")
        if not bare or "*" in bare:
            raise ValueError(f"search term {term!r}: '*' is only allowed at the end of a word "
                             "(a prefix wildcard, e.g. antitrust*)")
        words.append((bare, prefix))
    if not words:
        raise ValueError(f"search term {term!r} is empty")
    return words


class TermMatcher:
    def __init__(self, nlp: Language, name: str, spans_key: str):
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.terms: dict[str, str] = {}  # match key -> term as written
        self.exact = PhraseMatcher(nlp.vocab, attr="LOWER")  # single words
        self.wild = Matcher(nlp.vocab)  # phrases and wildcards
        self.wild_anchors: set[str] = set()  # first word of each: the Matcher runs around them only
        self.wild_radius = 1  # the longest wildcard pattern, in tokens
        self._anchor_re = None

    labels = ("TERM",)

    def add_terms(self, terms: Iterable[str]) -> None:
        """Add search terms (the matter's ``protocol.search_terms``; data, not config)."""
        nlp = self.nlp
        for term in dict.fromkeys(t for t in terms if t.strip()):
            if term in self.terms.values():
                continue
            key = f"{self.name}:{len(self.terms)}"
            self.terms[key] = term
            words = parse_term(term)
            if len(words) == 1 and not words[0][1]:
                self.exact.add(key, [nlp.make_doc(words[0][0])])
                continue
            pattern: list[dict] = []
            self.wild_anchors.add(words[0][0].lower())
            for i, (word, prefix) in enumerate(words):
                if i:
                    pattern.append({"ORTH": {"IN": list(HYPHENS)}, "OP": "?"})
                toks = [t.lower_ for t in nlp.make_doc(word)]
                pattern += [{"LOWER": t} for t in toks[:-1]]
                last = toks[-1]
                pattern.append({"LOWER": {"REGEX": "^" + re.escape(last)}} if prefix else {"LOWER": last})
            self.wild.add(key, [pattern])
            self.wild_radius = max(self.wild_radius, len(pattern))
            self._anchor_re = spans.anchor_regex(self.wild_anchors)

    def __call__(self, doc: Doc) -> Doc:
        group = spans.new_group(doc, self.spans_key)
        matches = list(self.exact(doc)) if len(self.exact) else []
        if self._anchor_re is not None:
            lowered = spans.doc_text(doc).lower()
            for window in spans.windows(doc, lowered, self._anchor_re, self.wild_radius):
                matches += [(m.label, m.start, m.end) for m in self.wild(window, as_spans=True)]
            matches = list(dict.fromkeys(matches))
        vocab = doc.vocab
        for match_id, start, end in sorted(matches, key=lambda m: (m[1], m[2], m[0])):
            span = doc[start:end]
            term = self.terms[vocab.strings[match_id]]
            spans.add(group, span.start_char, span.end_char, "TERM", f"terms:{term}", 1.0)
        return doc


@Language.factory("lpo_terms", default_config={"spans_key": "terms"}, assigns=["doc.spans"])
def make_terms(nlp: Language, name: str, spans_key: str) -> TermMatcher:
    return TermMatcher(nlp, name, spans_key)
