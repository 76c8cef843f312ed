"""``lpo_privilege``: privilege cues and a per-document privilege score.

Spans in ``doc.spans["privilege"]``:

Counsel come from the matter's protocol through ``add_counsel`` (data, not config).

- ``PRIV_COUNSEL``: a counsel name from the protocol in any usual written form
  (``name_variants``: "Richard B. Sanders" also matches "Richard Sanders",
  "R. Sanders", "R.B. Sanders", "Sanders, Richard B.", "Sanders, R. B." ...),
  by PhraseMatcher on lower case, then kept only when no word of it is
  written all in lower case: "belt sanders, r. kim" is a tool and a person,
  "Sanders, AZ" a town (no variant matches a surname alone). An e-mail
  address that is a counsel address, or at a counsel (law-firm) domain or one
  of its subdomains.
- ``PRIV_LEGEND``: a privilege legend ("Privileged & Confidential",
  "Attorney-Client Communication/Privilege", "Attorney Work Product",
  "Prepared at the direction of counsel"), case-insensitive, by Matcher with
  the token patterns in ``patterns/privilege_legends.jsonl``.
- ``PRIV_ADVICE``: language of legal advice ("legal advice", "advice of
  counsel", "our counsel advised", "please advise on liability", "litigation
  hold", "in anticipation of litigation"), patterns in
  ``patterns/legal_advice.jsonl``.

**Forwarded and quoted legends.** A legend inside a quoted or forwarded
message (after "-----Original Message-----", an Outlook "From:/Sent:" block,
"---------- Forwarded message ---------", "On ... wrote:", or on a line quoted
with ">") is a ``legend_quoted`` cue, weighted 0.45 instead of 0.60. The thread
carries privileged text, so the document needs a look, but the author may be
forwarding it to someone outside the privilege (a waiver question for an
attorney) or it may be old boilerplate at the bottom of a long chain. Alone it
stays under the default threshold of 0.5; with any counsel cue (the quoted
message's own "From: counsel" header nearly always comes with it) it is over:
0.45 with a counsel name gives 0.56, with a counsel address 0.67.

The score (``doc._.priv_score``, 0..1) combines the kinds of cue found, each
counted once however often it occurs (a signature repeated down a thread does
not add up), as a noisy-OR: ``score = 1 - prod(1 - weight[kind])``. Default
weights (``weights`` in config.cfg):

=============== ====== ================================================
kind            weight why
=============== ====== ================================================
legend          0.60   a legend alone puts a document in the priv queue
legal_advice    0.50   words of legal advice: a business document that
                       repeats counsel's advice is partially privileged,
                       so they reach the default threshold alone, but
                       less surely than a legend
legend_quoted   0.45   a legend in quoted/forwarded text (see above)
counsel_email   0.40   a counsel's own address: to/from/cc counsel
counsel_domain  0.30   an address at the law firm, not a listed lawyer
counsel_name    0.20   a name alone: a business e-mail may mention one
=============== ====== ================================================

So a legend alone scores 0.60; advice language alone 0.50; a counsel address
and name (an e-mail to or from counsel) 0.52, which the screen flags: a
lawyer copied on a business e-mail is flagged too, and an attorney clears it;
a business e-mail that names a lawyer 0.20. The weights were set on the
evaluation set (nlp/eval/, bench/nlp_eval.py), where flagging
counsel-address-and-name is what keeps recall at 0.9: most privileged e-mails
in it carry no legend. ``doc._.priv_reasons`` says which cues counted
and ``doc._.priv_flag`` is ``score >= threshold`` (the protocol's
``privilege_threshold``). The flag is a routing hint for reviewers, never a
privilege call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from . import spans
from .pii import EMAIL_RE

HERE = Path(__file__).parent
# Legend and advice patterns are at most this many tokens long: the Matchers run on
# windows this wide around the patterns' anchor words (nlp.spans.windows).
MATCH_RADIUS = 12
DEFAULT_WEIGHTS = {"legend": 0.6, "legal_advice": 0.5, "legend_quoted": 0.45, "counsel_email": 0.4,
                   "counsel_domain": 0.3, "counsel_name": 0.2}

for _attr, _default in (("priv_score", 0.0), ("priv_reasons", None), ("priv_flag", False), ("priv_cues", None)):
    if not Doc.has_extension(_attr):
        Doc.set_extension(_attr, default=_default)


@dataclass(frozen=True, slots=True)
class Cue:
    kind: str       # a key of DEFAULT_WEIGHTS
    weight: float
    evidence: str   # the first text that showed it
    count: int = 1

    @property
    def reason(self) -> str:
        times = f" ({self.count} hits)" if self.count > 1 else ""
        return f"{self.kind} +{self.weight:.2f}: {self.evidence!r}{times}"


def cues_to_doc(cues: Mapping[str, Cue]) -> dict[str, list]:
    """Cues as plain lists for ``doc._.priv_cues``: Doc.to_bytes (and so nlp.pipe with
    n_process > 1) serialises user data with msgpack, which knows no dataclasses."""
    return {k: [c.weight, c.evidence, c.count] for k, c in cues.items()}


def cues_from_doc(doc: Doc) -> dict[str, Cue]:
    """The cues a :class:`PrivilegeTagger` left on ``doc`` ({} if it did not run)."""
    return {k: Cue(k, float(w), str(e), int(n)) for k, (w, e, n) in (doc._.priv_cues or {}).items()}


def score_cues(cues: Mapping[str, Cue]) -> tuple[float, list[str]]:
    """Noisy-OR of one weight per kind of cue; reasons strongest first."""
    ordered = sorted(cues.values(), key=lambda c: (-c.weight, c.kind))
    score = 1.0 - math.prod(1.0 - c.weight for c in ordered)
    return round(score, 4), [c.reason for c in ordered]


def merge_cues(a: Mapping[str, Cue], b: Mapping[str, Cue]) -> dict[str, Cue]:
    """Cues of two parts of one document (see Pretagger's segments)."""
    out = dict(a)
    for kind, cue in b.items():
        out[kind] = (Cue(kind, cue.weight, out[kind].evidence, out[kind].count + cue.count)
                     if kind in out else cue)
    return out


# --- counsel names ---------------------------------------------------------------

_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "hon", "judge"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "esq", "esquire", "phd", "jd"}


def _bare(word: str) -> str:
    return word.strip(".,").lower()


def _initial(word: str) -> str:
    return word[0].upper()


def name_variants(name: str) -> list[str]:
    """The usual written forms of a person's name, for matching.

    "Richard B. Sanders" or "Sanders, Richard B." gives "Richard B. Sanders",
    "Richard B Sanders", "Richard Sanders", "R. Sanders", "R Sanders",
    "R. B. Sanders", "R.B. Sanders", "Sanders, Richard B.", "Sanders, Richard B",
    "Sanders, Richard", "Sanders, R." (and the full middle name where given).
    Titles (Mr., Dr.) and suffixes (Jr., Esq.) are dropped. A multi-word
    surname must be given as "Van Buren, Martin" (else "Van" is read as a
    middle name). A single word is matched as it is.
    """
    parts = [p.strip() for p in " ".join(name.split()).split(",")]
    while len(parts) > 1 and all(_bare(w) in _SUFFIXES for w in parts[-1].split()):
        parts.pop()  # "Richard B. Sanders, Esq." / "Sanders, Richard, Jr."
    name = ", ".join(p for p in parts if p)
    if not name:
        return []
    if "," in name:
        last, rest = (p.strip() for p in name.split(",", 1))
        given = [w for w in rest.split() if _bare(w) not in _SUFFIXES | _TITLES]
        last_words = last.split()
    else:
        words = [w for w in name.split() if _bare(w) not in _SUFFIXES | _TITLES]
        if len(words) <= 1:
            return words
        given, last_words = words[:-1], words[-1:]
    last = " ".join(last_words)
    if not given:
        return [last]
    first, middles = given[0].rstrip(","), given[1:]
    fi = _initial(first)
    out: list[str] = []
    mids_initials = " ".join(f"{_initial(m)}." for m in middles)
    mids_forms = {" ".join(middles), " ".join(m.rstrip(".") for m in middles), mids_initials,
                  mids_initials.replace(".", "")} if middles else set()
    for mid in sorted(mids_forms):
        out += [f"{first} {mid} {last}", f"{last}, {first} {mid}"]
    if middles:
        compact = "".join(f"{_initial(m)}." for m in middles)
        out += [f"{fi}. {mids_initials} {last}", f"{fi}.{compact} {last}",
                f"{last}, {fi}. {mids_initials}", f"{last}, {fi}.{compact}"]
    out += [f"{first} {last}", f"{fi}. {last}", f"{fi} {last}", f"{last}, {first}", f"{last}, {fi}."]
    seen: dict[str, None] = {}
    for v in out:
        seen.setdefault(" ".join(v.split()), None)
    return list(seen)


def anchor_words(pattern: list[dict]) -> set[str]:
    """Lower-case strings one of which is in the lower-cased text of any match of ``pattern``.

    Every required token (no "OP") matched on LOWER or ORTH by a string or an
    IN list is a candidate; the one whose shortest word is longest is taken
    (a rare word like "privileged" is a better anchor than "for"). The Matcher
    then runs only around these words (a substring test is a superset of token
    equality, so no match is lost).
    """
    best: set[str] = set()
    for token in pattern:
        if "OP" in token:
            continue
        for attr in ("LOWER", "ORTH", "TEXT"):
            value = token.get(attr)
            words = ({value.lower()} if isinstance(value, str) else
                     {v.lower() for v in value["IN"]} if isinstance(value, dict) and set(value) == {"IN"} else None)
            if words and (not best or min(map(len, words)) > min(map(len, best))):
                best = words
    if not best:
        raise ValueError(f"pattern {pattern!r} has no required LOWER/ORTH token to anchor on")
    return best


# --- quoted and forwarded text ---------------------------------------------------

# Where a reply or forward starts quoting an earlier message: Outlook's separator line or its
# "From: ... Sent:" block, Gmail's "On <date> <who> wrote:" (wrapped or not), forward banners.
QUOTE_START = re.compile(
    r"^[ \t]*(?:-{2,}[ \t]*Original Message[ \t]*-{2,}"
    r"|-{2,}[ \t]*Forwarded message[ \t]*-{2,}"
    r"|Begin forwarded message:"
    r"|_{10,}[ \t]*$"
    r"|From:[^\n]*\n(?:[^\n]*\n){0,2}?Sent:"
    r"|On [^\n]{1,200}(?:\n[^\n]{0,200})?\bwrote:[ \t]*$)",
    re.M | re.I)


def quoted_from(text: str) -> int:
    """Offset where quoted or forwarded text starts in ``text`` (``len(text)`` if nowhere)."""
    m = QUOTE_START.search(text)
    return m.start() if m else len(text)


def is_quoted(text: str, pos: int, quote_start: int) -> bool:
    """Is the character at ``pos`` in quoted text: after the first quote marker, or on a "> " line?"""
    if pos >= quote_start:
        return True
    line = text.rfind("\n", 0, pos) + 1
    return text.startswith(">", line) or text[line:pos].lstrip().startswith(">")


def _lowercase_word(span) -> bool:  # noqa: ANN001
    """A name written with an all-lower-case word ("sanders") is not taken for a name."""
    return any(t.is_alpha and len(t) > 1 and t.is_lower for t in span)


# --- the component ---------------------------------------------------------------

def _patterns(nlp: Language, file: str, default_label: str) -> tuple[Matcher, dict[str, str], set[str]]:
    """A Matcher over the token patterns of a JSONL file, its labels by id, and its anchor words."""
    path = Path(file)
    if not path.is_absolute():
        path = HERE / path
    if not path.is_file():
        raise FileNotFoundError(f"privilege patterns {path} not found; set the path in nlp/config.cfg")
    matcher = Matcher(nlp.vocab, validate=True)
    labels: dict[str, str] = {}
    anchors: set[str] = set()
    for row in srsly.read_jsonl(path):
        matcher.add(row["id"], [row["pattern"]])
        labels[row["id"]] = row.get("label", default_label)
        anchors |= anchor_words(row["pattern"])
    return matcher, labels, anchors


def _norm_domain(d: str) -> str:
    return d.strip().lower().lstrip("@").removeprefix("www.").rstrip(".")


class PrivilegeTagger:
    """Counsel, legend and legal-advice spans plus the document's privilege score (see module doc)."""

    def __init__(self, nlp: Language, name: str, legend_patterns: str, advice_patterns: str,
                 weights: dict[str, float], threshold: float, spans_key: str):
        missing = DEFAULT_WEIGHTS.keys() - weights.keys()
        if missing or not all(0.0 <= w < 1.0 for w in weights.values()):
            raise ValueError(f"{name}: weights need {sorted(DEFAULT_WEIGHTS)}, each in [0, 1)")
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"{name}: threshold must be in 0..1, got {threshold}")
        self.nlp = nlp
        self.name = name
        self.weights = dict(weights)
        self.threshold = threshold
        self.spans_key = spans_key
        self.emails: set[str] = set()
        self.domains: set[str] = set()
        self.names = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.legends, self.legend_labels, legend_anchors = _patterns(nlp, legend_patterns, "PRIV_LEGEND")
        self.advice, self.advice_labels, advice_anchors = _patterns(nlp, advice_patterns, "PRIV_ADVICE")
        self.legend_anchors = spans.anchor_regex(legend_anchors)
        self.advice_anchors = spans.anchor_regex(advice_anchors)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({"PRIV_COUNSEL", *self.legend_labels.values(), *self.advice_labels.values()}))

    def add_counsel(self, names: Iterable[str] = (), emails: Iterable[str] = (),
                    domains: Iterable[str] = ()) -> None:
        """Add counsel (the matter's ``protocol.counsel``): names, addresses, law-firm domains.

        Data, like an EntityRuler's patterns, so it is added after the component
        is built rather than written into the config.
        """
        for counsel in names:
            variants = name_variants(counsel)
            if variants:
                self.names.add(counsel, list(self.nlp.tokenizer.pipe(variants)))
        self.emails |= {e.strip().lower() for e in emails if e.strip()}
        self.domains |= {_norm_domain(d) for d in domains if d.strip()}

    def _emails(self, text: str) -> Iterable[tuple[int, int, str]]:
        if not (self.emails or self.domains) or "@" not in text:
            return
        for m in EMAIL_RE.finditer(text):
            address = m.group(0).lower()
            if address in self.emails:
                yield m.start(), m.end(), "counsel_email"
                continue
            domain = m.group(2).lower()
            if any(domain == d or domain.endswith("." + d) for d in self.domains):
                yield m.start(), m.end(), "counsel_domain"

    def __call__(self, doc: Doc) -> Doc:
        group = spans.new_group(doc, self.spans_key)
        cues: dict[str, Cue] = {}

        def cue(kind: str, text: str) -> None:
            old = cues.get(kind)
            cues[kind] = Cue(kind, self.weights[kind], old.evidence if old else text, old.count + 1 if old else 1)

        text = spans.doc_text(doc)
        found: list[tuple[int, int, str, str, str]] = []  # start, end, label, rule, kind
        for start, end, kind in self._emails(text):
            found.append((start, end, "PRIV_COUNSEL", f"privilege:{kind}", kind))
        if len(self.names):
            for span in filter_spans(self.names(doc, as_spans=True)):
                if not _lowercase_word(span):
                    found.append((span.start_char, span.end_char, "PRIV_COUNSEL", "privilege:counsel_name",
                                  "counsel_name"))
        lowered = text.lower()
        legends = [s for w in spans.windows(doc, lowered, self.legend_anchors, MATCH_RADIUS)
                   for s in self.legends(w, as_spans=True)]
        if legends:
            quote_start = quoted_from(text)
            for span in filter_spans(legends):
                legend_id = span.label_
                kind = "legend_quoted" if is_quoted(text, span.start_char, quote_start) else "legend"
                found.append((span.start_char, span.end_char, self.legend_labels[legend_id],
                              f"privilege:{kind}:{legend_id}", kind))
        advice = [s for w in spans.windows(doc, lowered, self.advice_anchors, MATCH_RADIUS)
                  for s in self.advice(w, as_spans=True)]
        if advice:
            legend_chars = [(f[0], f[1]) for f in found if f[4].startswith("legend")]
            for span in filter_spans(advice):
                # "prepared at the direction of counsel" is a legend, not also advice
                if any(s < span.end_char and span.start_char < e for s, e in legend_chars):
                    continue
                found.append((span.start_char, span.end_char, self.advice_labels[span.label_],
                              f"privilege:legal_advice:{span.label_}", "legal_advice"))
        for start, end, label, rule, kind in sorted(found):
            if spans.add(group, start, end, label, rule, self.weights[kind]):
                cue(kind, text[start:end])
        doc._.priv_cues = cues_to_doc(cues)
        doc._.priv_score, doc._.priv_reasons = score_cues(cues)
        doc._.priv_flag = doc._.priv_score >= self.threshold
        return doc


@Language.factory(
    "lpo_privilege",
    default_config={
        "legend_patterns": "patterns/privilege_legends.jsonl",
        "advice_patterns": "patterns/legal_advice.jsonl",
        "weights": DEFAULT_WEIGHTS,
        "threshold": 0.5,
        "spans_key": "privilege",
    },
    assigns=["doc.spans", "doc._.priv_score", "doc._.priv_reasons", "doc._.priv_flag", "doc._.priv_cues"],
)
def make_privilege(nlp: Language, name: str, legend_patterns: str, advice_patterns: str,
                   weights: dict[str, float], threshold: float, spans_key: str) -> PrivilegeTagger:
    return PrivilegeTagger(nlp, name, legend_patterns, advice_patterns, weights, threshold, spans_key)
