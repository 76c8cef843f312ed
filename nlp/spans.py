"""Scored span groups: every lpo component writes its hits the same way.

A component writes to one ``doc.spans[key]`` group. Like spaCy's own spancat,
which keeps per-span scores in ``SpanGroup.attrs["scores"]`` parallel to the
spans, the lpo components keep three parallel lists in the group's ``attrs``:

- ``scores``: the confidence of each hit, 0..1;
- ``rules``: the rule that fired, e.g. ``"pii:ssn"`` (``PreTag.source``);
- ``chars``: the exact ``(start, end)`` character offsets of the match. A regex
  match can begin or end inside a token ("SSN:123-45-6789" is tokenised
  ``SSN:123 - 45 - 6789``), so the span is widened to token boundaries while the
  exact offsets, the ones a reviewer sees highlighted, are kept here.

Read a group back with :func:`hits`, never by zipping the lists yourself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Doc, Span, SpanGroup


@dataclass(frozen=True, slots=True)
class Hit:
    start: int  # character offset into doc.text
    end: int
    label: str
    rule: str
    score: float


TEXT_KEY = "lpo.text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc and shared by the components.

    spaCy builds ``doc.text`` from the tokens on every access, which costs more
    than some rules; the text of a Doc never changes (retokenizing moves token
    boundaries, not characters), so it is kept in ``doc.user_data``.
    """
    cached = doc.user_data.get(TEXT_KEY)
    if cached is None:
        cached = doc.user_data[TEXT_KEY] = doc.text
    return cached


def anchor_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    """A regex finding any of ``words`` (lower case) as a substring; None for no words."""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def windows(doc: Doc, lowered: str, anchors: re.Pattern[str] | None, radius: int) -> list[Span]:
    """Token windows of ``radius`` tokens around each anchor hit in ``lowered`` (the lower-cased text).

    A Matcher run on these windows finds every match that contains an anchor
    and is at most ``radius`` tokens long, at a cost that grows with the
    number of anchors rather than with the length of the document.
    """
    if anchors is None:
        return []
    n = len(doc)
    out: list[list[int]] = []
    for m in anchors.finditer(lowered):
        tok = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if tok is None:
            continue
        lo, hi = max(0, tok.start - radius), min(n, tok.end + radius)
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [doc[lo:hi] for lo, hi in out]


def new_group(doc: Doc, key: str) -> SpanGroup:
    """Start (or restart) the group ``doc.spans[key]`` with empty parallel lists."""
    doc.spans[key] = []
    group = doc.spans[key]
    group.attrs["scores"] = []
    group.attrs["rules"] = []
    group.attrs["chars"] = []
    return group


def add(group: SpanGroup, start: int, end: int, label: str, rule: str, score: float) -> bool:
    """Add the match ``doc.text[start:end]``; False when it covers no token (whitespace only)."""
    span = group.doc.char_span(start, end, label=label, alignment_mode="expand")
    if span is None or len(span) == 0:
        return False
    group.append(span)
    group.attrs["scores"].append(float(score))
    group.attrs["rules"].append(rule)
    group.attrs["chars"].append((start, end))
    return True


def hits(doc: Doc, key: str) -> list[Hit]:
    """The hits of ``doc.spans[key]`` with exact offsets, rule and score ([] if absent).

    A group written by something other than :func:`add` (no parallel lists) is
    read with the span's own offsets, rule ``label.lower()`` and score 1.0; a
    group whose lists do not line up with its spans is an error, not a guess.
    """
    if key not in doc.spans:
        return []
    group = doc.spans[key]
    attrs = group.attrs
    if not {"scores", "rules", "chars"} <= attrs.keys():
        return [Hit(s.start_char, s.end_char, s.label_, s.label_.lower(), 1.0) for s in group]
    n = len(group)
    if not (len(attrs["scores"]) == len(attrs["rules"]) == len(attrs["chars"]) == n):
        raise ValueError(f"doc.spans[{key!r}]: {n} spans but attrs lists of other lengths; "
                         "add spans with nlp.spans.add()")
    return [Hit(int(c[0]), int(c[1]), s.label_, r, float(sc))
            for s, r, sc, c in zip(group, attrs["rules"], attrs["scores"], attrs["chars"])]
