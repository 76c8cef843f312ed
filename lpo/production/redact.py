"""Redaction of text: the redacted words are removed before anything is written.

A reviewer's `RedactionSpan` marks characters of the extracted text. Production
turns the text into *segments*: plain runs, and redaction markers that carry only
the reason. Everything produced (the TEXT file, the rendered page images, the DAT
metadata) is made from the segments, so the redacted characters never reach a
produced file.

Safety nets, because a leak cannot be taken back:
- a span whose offsets fall outside the text, or whose recorded `text` differs
  from the characters at its offsets, is refused (the text changed under the
  coding; re-review rather than guess);
- every other occurrence of a redacted string (at least `MIN_REPEAT_CHARS`
  characters; whitespace may differ, a line break where a space was) in the same
  document is redacted too, with the same reason ("redact all instances");
- `scrub` applies the same replacements (strings of at least `MIN_SCRUB_CHARS`)
  to metadata (subject, file name, email header...), which would otherwise carry,
  say, a redacted subject line into the DAT or onto the rendered email header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lpo.models import RedactionSpan

MIN_REPEAT_CHARS = 4
MIN_SCRUB_CHARS = 3


class RedactionError(ValueError):
    pass


# Reason codes the review configs record (lpo.review.config.REDACTION_REASONS), as printed on a box.
REASON_LABELS = {"privileged": "Privileged", "pii": "PII", "third_party_confidential": "Confidential Third Party"}


def reason_label(reason: str) -> str:
    return "; ".join(REASON_LABELS.get(r.strip(), r.strip()) for r in reason.split(";") if r.strip())


def redaction_label(reason: str) -> str:
    return f"[REDACTED - {reason_label(reason) or 'Privileged'}]"


@dataclass(frozen=True)
class Segment:
    text: str                  # plain text, or the label shown for a redaction
    reason: str | None = None  # None: plain text; else a redaction of that reason

    @property
    def redacted(self) -> bool:
        return self.reason is not None


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    return reason or "Privileged"


def resolve_spans(text: str, spans: list[RedactionSpan], control_number: str = "") -> list[tuple[int, int, str]]:
    """Validated, repeated-instance-extended, merged (start, end, reason) spans."""
    who = f"{control_number}: " if control_number else ""
    found: list[tuple[int, int, str]] = []
    for s in spans:
        if not (0 <= s.start < s.end <= len(text)):
            raise RedactionError(f"{who}redaction {s.start}-{s.end} ({s.reason}) is outside the text "
                                 f"(length {len(text)}); re-review the document")
        if s.text is not None and text[s.start:s.end] != s.text:
            raise RedactionError(f"{who}redaction {s.start}-{s.end} ({s.reason}) no longer matches the text "
                                 f"(expected {s.text!r}); the text changed after coding, re-review the document")
        found.append((s.start, s.end, _reason(s.reason)))
    # Redact every other instance of each redacted string, however its lines break.
    for start, end, reason in list(found):
        needle = text[start:end].strip()
        if len(needle) < MIN_REPEAT_CHARS:
            continue
        for m in pattern(needle).finditer(text):
            found.append((m.start(), m.end(), reason))
    found.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, reason in found:
        if merged and start <= merged[-1][1]:
            pstart, pend, preason = merged[-1]
            reasons = preason if reason in preason.split("; ") else f"{preason}; {reason}"
            merged[-1] = (pstart, max(pend, end), reasons)
        else:
            merged.append((start, end, reason))
    return merged


def segments(text: str, spans: list[tuple[int, int, str]]) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for start, end, reason in spans:
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(redaction_label(reason), reason))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def redacted_text(segs: list[Segment]) -> str:
    return "".join(s.text for s in segs)


def pattern(needle: str) -> re.Pattern:
    """`needle` with any run of whitespace matching any other (a line break where a space was)."""
    return re.compile(r"\s+".join(re.escape(tok) for tok in needle.split()))


def secrets(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    """(redacted string, whitespace folded; reason), longest first, for scrubbing metadata."""
    out = {(" ".join(text[s:e].split()), r) for s, e, r in spans if len(text[s:e].strip()) >= MIN_SCRUB_CHARS}
    return sorted(out, key=lambda p: -len(p[0]))


def scrub_segments(value: str | None, secret_list: list[tuple[str, str]]) -> list[Segment]:
    """`value` as segments, every occurrence of a redacted string made a redaction."""
    segs = [Segment(value or "")]
    for needle, reason in secret_list:
        out: list[Segment] = []
        for seg in segs:
            if seg.redacted or not pattern(needle).search(seg.text):
                out.append(seg)
                continue
            parts = pattern(needle).split(seg.text)
            for i, part in enumerate(parts):
                if i:
                    out.append(Segment(redaction_label(reason), reason))
                if part:
                    out.append(Segment(part))
        segs = out
    return [s for s in segs if s.text]


def scrub(value: str | None, secret_list: list[tuple[str, str]]) -> str | None:
    """`value` with every occurrence of a redacted string replaced by its label."""
    if not value:
        return value
    return redacted_text(scrub_segments(value, secret_list))
