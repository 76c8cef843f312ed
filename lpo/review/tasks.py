"""Label Studio tasks: what a reviewer sees for one document.

A task is `{"data": {...}, "predictions": [...]}`. `data` carries the text and the
metadata header (every field the configs in review_ui_config/ refer to, always present,
"" when unknown); `predictions` pre-fill regions: the pre-tags in first pass, the
first-pass coding in QA. Offsets are Python character (code point) offsets into
`data["text"]`, which is what Label Studio's Text tag uses.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from lpo.models import Document, PreTag, ReviewDecision
from lpo.review import config as c

FIRST_PASS_MODEL_VERSION = "first-pass"


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%Y-%m-%d %H:%M")


def _header(doc: Document) -> dict[str, str]:
    """The metadata header: from/to/date/subject from the email, else from document properties."""
    em = doc.email
    if em is not None:
        sender = em.from_ or ""
        to = "; ".join(em.to)
        if em.cc:
            to = f"{to} (cc: {'; '.join(em.cc)})" if to else f"(cc: {'; '.join(em.cc)})"
        date = _when(em.sent or em.received or doc.modified or doc.created)
        subject = em.subject or ""
    else:
        sender = doc.author or ""
        to = ""
        date = _when(doc.modified or doc.created)
        subject = doc.title or doc.file_name
    return {
        "control_number": doc.control_number,
        "custodian": doc.custodian,
        "source_path": doc.source_path,
        "from": sender,
        "to": to,
        "date": date,
        "subject": subject,
    }


def _region(text: str, start: int, end: int, what: str) -> str:
    if not (0 <= start < end <= len(text)):
        raise ValueError(f"{what}: span [{start}, {end}) is outside the text (length {len(text)})")
    return text[start:end]


def pretag_prediction(control_number: str, text: str, pretags: list[PreTag]) -> dict[str, Any] | None:
    """The pre-tags of one document as one Label Studio prediction on the `pretags` control.

    Offsets stay Python string indices (code points): Label Studio's editor counts a Text
    region's start/end in code points, not UTF-16 units (tests/test_pretag_labelstudio.py).
    """
    if not pretags:
        return None
    results = []
    for i, tag in enumerate(sorted(pretags, key=lambda t: (t.start, t.end, t.label))):
        what = f"{control_number}: pre-tag {tag.label} {tag.text!r} ({tag.source})"
        if tag.control_number != control_number:
            raise ValueError(f"{what} belongs to {tag.control_number}")
        if tag.label not in c.PRETAG_LABELS:
            raise ValueError(f"{what}: label {tag.label!r} is not in lpo.review.config.PRETAG_LABELS; "
                             f"add it there so the review UI can show it")
        span = _region(text, tag.start, tag.end, what)
        if span != tag.text:
            raise ValueError(f"{what}: text at [{tag.start}, {tag.end}) is {span!r}; the pre-tag offsets do not "
                             f"match the extracted text")
        results.append({
            "id": f"pt{i}",
            "from_name": c.PRETAGS,
            "to_name": c.TEXT,
            "type": "labels",
            "value": {"start": tag.start, "end": tag.end, "text": span, "labels": [tag.label]},
            "score": tag.score,
        })
    versions = sorted({t.version for t in pretags})
    return {
        "model_version": "+".join(versions),
        "score": min(t.score for t in pretags),
        "result": results,
    }


def build_first_pass_task(doc: Document, text: str, pretags: list[PreTag], batch: str) -> dict[str, Any]:
    """A first-pass review task for one document, with its pre-tags as highlights."""
    data: dict[str, Any] = {c.TEXT: text, **_header(doc), "batch": batch}
    task: dict[str, Any] = {"data": data}
    prediction = pretag_prediction(doc.control_number, text, pretags)
    if prediction is not None:
        task["predictions"] = [prediction]
    return task


def _redaction_summary(decision: ReviewDecision) -> str:
    if not decision.redactions:
        return "none"
    parts = [f"{c.REDACTION_REASONS.get(r.reason, r.reason)} [{r.start}-{r.end}]" for r in decision.redactions]
    return f"{len(parts)}: " + ", ".join(parts)


def first_pass_coding(decision: ReviewDecision) -> dict[str, Any]:
    """The first-pass coding as plain JSON, kept in QA task data for collect's fallback."""
    return {
        "reviewer": decision.reviewer,
        "decided_at": decision.decided_at.isoformat(),
        "responsive": decision.responsive,
        "privilege": decision.privilege.value,
        "issue_codes": list(decision.issue_codes),
        "designation": decision.designation.value if decision.designation else None,
        "redactions": [r.model_dump(mode="json") for r in decision.redactions],
        "note": decision.note,
        "site": decision.site,
        "project_id": decision.project_id,
        "task_id": decision.task_id,
        "annotation_id": decision.annotation_id,
    }


def redaction_prediction(text: str, decision: ReviewDecision) -> dict[str, Any] | None:
    """The first-pass redactions as a prediction, so the attorney sees them in place and can correct them.

    The first-pass choices are not pre-filled: in QA an empty corrected field means "keep the
    first-pass value" (see lpo.review.collect), and they are shown in the header instead.
    """
    results: list[dict[str, Any]] = []
    for i, r in enumerate(decision.redactions):
        label = c.REDACTION_REASONS.get(r.reason)
        if label is None:
            raise ValueError(f"{decision.control_number}: redaction reason {r.reason!r} is not one of "
                             f"{sorted(c.REDACTION_REASONS)}")
        span = _region(text, r.start, r.end, f"{decision.control_number}: redaction {i}")
        results.append({"id": f"fp-redact{i}", "from_name": c.REDACT, "to_name": c.TEXT, "type": "labels",
                        "value": {"start": r.start, "end": r.end, "text": span, "labels": [label]}})
    if not results:
        return None
    return {"model_version": FIRST_PASS_MODEL_VERSION, "result": results}


def build_qa_task(doc: Document, text: str, first_pass: ReviewDecision, sample: str) -> dict[str, Any]:
    """An attorney-QA task: the document with the first-pass coding in its data (shown in the header)
    and the first-pass redactions pre-filled."""
    if first_pass.control_number != doc.control_number:
        raise ValueError(f"first-pass decision is for {first_pass.control_number}, not {doc.control_number}")
    fp = first_pass
    data: dict[str, Any] = {
        c.TEXT: text,
        **_header(doc),
        "batch": fp.batch or "",
        "sample": sample,
        "fp_reviewer": fp.reviewer,
        "fp_responsive": "" if fp.responsive is None else c.RESPONSIVE_CHOICES[fp.responsive],
        "fp_privilege": c.PRIVILEGE_CHOICES[fp.privilege],
        "fp_issues": ", ".join(fp.issue_codes) or "none",
        "fp_designation": c.DESIGNATION_CHOICES[fp.designation] if fp.designation else "none",
        "fp_redactions": _redaction_summary(fp),
        "fp_note": fp.note or "",
        "first_pass": first_pass_coding(fp),
    }
    task: dict[str, Any] = {"data": data}
    prediction = redaction_prediction(text, fp)
    if prediction is not None:
        task["predictions"] = [prediction]
    return task
