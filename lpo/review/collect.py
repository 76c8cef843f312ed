"""Collect: reviewers' annotations (a Label Studio JSON snapshot) back into typed decisions.

One ReviewDecision per submitted annotation; skipped (cancelled) annotations are not
decisions. (site, annotation_id, updated_at) identifies a version of a decision, so
collecting twice is safe. Anything the configs in review_ui_config/ cannot produce, or
the protocol does not allow, is refused whole with a reason naming the task, document
and field (a CollectRejection): a silent guess here would end up in a production.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lpo.models import CollectRejection, Designation, Privilege, RedactionSpan, ReviewDecision, Stage
from lpo.review import config as c

_FIRST_PASS_CONTROLS = {c.PRETAGS, c.REDACT, c.RESPONSIVE, c.PRIVILEGE, c.ISSUES, c.DESIGNATION, c.NOTE}
_QA_CONTROLS = {c.PRETAGS, c.REDACT, c.RESPONSIVE, c.PRIVILEGE, c.ISSUES, c.DESIGNATION, c.QA_OUTCOME, c.QA_REASON}


class _Annotation:
    """The results of one annotation, grouped by control."""

    def __init__(self, where: str, text: str, results: list[dict[str, Any]], allowed: set[str]):
        self.where = where
        self.choices: dict[str, list[str]] = {}
        self.texts: dict[str, str] = {}
        self.redactions: list[RedactionSpan] = []
        for r in results:
            if not isinstance(r, dict):
                raise ValueError(f"{where}: result item is not an object: {r!r}")
            name, kind, value = r.get("from_name"), r.get("type"), r.get("value")
            if kind == "relation":  # an arrow between two regions drawn in the UI: no bearing on the coding
                continue
            if name not in allowed:
                raise ValueError(f"{where}: unknown control {name!r} (expected one of {sorted(allowed)}); "
                                 f"was the project made from another labeling config?")
            if not isinstance(value, dict):
                raise ValueError(f"{where}: result for {name!r} has no value object")
            if kind == "choices":
                vals = value.get("choices")
                if not isinstance(vals, list) or not all(isinstance(v, str) for v in vals):
                    raise ValueError(f"{where}: {name!r} choices are not a list of strings: {vals!r}")
                self.choices.setdefault(name, []).extend(vals)
            elif kind == "textarea":
                vals = value.get("text")
                vals = [vals] if isinstance(vals, str) else vals
                if not isinstance(vals, list):
                    raise ValueError(f"{where}: {name!r} text is not a string or list: {vals!r}")
                joined = "\n".join(v for v in vals if isinstance(v, str)).strip()
                if joined:
                    self.texts[name] = joined
            elif kind == "labels":
                if name == c.REDACT:
                    self.redactions.append(self._redaction(text, value))
                # pre-tag regions copied from the prediction are not part of the decision
            else:
                raise ValueError(f"{where}: result type {kind!r} for {name!r} is not produced by the review configs")

    def _redaction(self, text: str, value: dict[str, Any]) -> RedactionSpan:
        start, end, labels = value.get("start"), value.get("end"), value.get("labels")
        if not isinstance(start, int) or not isinstance(end, int) or not (0 <= start < end <= len(text)):
            raise ValueError(f"{self.where}: redaction span [{start!r}, {end!r}) is not inside the text "
                             f"(length {len(text)})")
        if not isinstance(labels, list) or len(labels) != 1 or labels[0] not in c.REDACTION_LABEL_TO_REASON:
            raise ValueError(f"{self.where}: redaction at [{start}, {end}) has reason {labels!r}; expected one of "
                             f"{sorted(c.REDACTION_LABEL_TO_REASON)}")
        span = text[start:end]
        shown = value.get("text")
        if shown is not None and shown != span:
            raise ValueError(f"{self.where}: redaction at [{start}, {end}) says {shown!r} but the text there is "
                             f"{span!r}; offsets do not match the document text")
        return RedactionSpan(start=start, end=end, reason=c.REDACTION_LABEL_TO_REASON[labels[0]], text=span)

    def one(self, name: str, mapping: Mapping[str, Any]) -> Any | None:
        vals = self.choices.get(name)
        if not vals:
            return None
        if len(vals) != 1:
            raise ValueError(f"{self.where}: {name!r} has {len(vals)} values {vals!r}; expected one")
        if vals[0] not in mapping:
            raise ValueError(f"{self.where}: {name!r} value {vals[0]!r} is not one of {sorted(mapping)}")
        return mapping[vals[0]]

    def many(self, name: str) -> list[str] | None:
        vals = self.choices.get(name)
        if vals is None:
            return None
        return sorted(set(vals))


def _when(ann: dict[str, Any], where: str) -> datetime:
    raw = ann.get("updated_at") or ann.get("created_at")
    if not raw:
        raise ValueError(f"{where}: annotation has no updated_at/created_at")
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}: annotation time {raw!r} is not ISO 8601") from None


def _reviewer(ann: dict[str, Any], users: Mapping[int, str], where: str) -> str:
    who = ann.get("completed_by")
    if isinstance(who, dict):
        email = who.get("email")
        if email:
            return email
        who = who.get("id")
    if isinstance(who, int) and not isinstance(who, bool):
        email = users.get(who)
        if email:
            return email
        raise ValueError(f"{where}: annotation completed_by user id {who} is unknown; pass users= "
                         f"(LabelStudioSite.users()) or export with annotations__completed_by expanded")
    raise ValueError(f"{where}: annotation has no completed_by user: {who!r}")


def _first_pass_fallback(data: dict[str, Any], where: str) -> dict[str, Any]:
    fp = data.get("first_pass")
    if not isinstance(fp, dict):
        raise ValueError(f"{where}: QA task has no first_pass coding in its data (build it with build_qa_task)")
    return fp


def _decision(task: dict[str, Any], ann: dict[str, Any], site: str, stage: Stage, users: Mapping[int, str],
              issue_codes: set[str] | None) -> ReviewDecision:
    """One submitted annotation as a decision; ValueError (naming task, document and field) if malformed."""
    task_id = task["id"]
    data = task.get("data") or {}
    cn = data.get("control_number")
    where = f"task {task_id} ({cn}), annotation {ann.get('id')}"
    if not cn:
        raise ValueError(f"task {task_id}: data has no control_number; not an lpo review task")
    text = data.get(c.TEXT)
    if not isinstance(text, str):
        raise ValueError(f"task {task_id} ({cn}): data has no text")
    if not isinstance(ann.get("id"), int):
        raise ValueError(f"{where}: annotation has no id")
    project_id = ann.get("project") or task.get("project")
    if not isinstance(project_id, int):
        raise ValueError(f"{where}: no project id in the export")
    allowed = _FIRST_PASS_CONTROLS if stage is Stage.first_pass else _QA_CONTROLS
    parsed = _Annotation(where, text, ann.get("result") or [], allowed)
    responsive = parsed.one(c.RESPONSIVE, c.RESPONSIVE_FROM_CHOICE)
    privilege = parsed.one(c.PRIVILEGE, c.PRIVILEGE_FROM_CHOICE)
    issues = parsed.many(c.ISSUES)
    if issues and issue_codes is not None:
        unknown = sorted(set(issues) - issue_codes)
        if unknown:
            raise ValueError(f"{where}: issue codes {unknown} are not in the matter's protocol "
                             f"({sorted(issue_codes)})")
    designation = parsed.one(c.DESIGNATION, c.DESIGNATION_FROM_CHOICE)
    redactions = parsed.redactions
    lead = ann.get("lead_time")
    common = dict(
        control_number=cn, stage=stage, reviewer=_reviewer(ann, users, where), decided_at=_when(ann, where),
        site=site, project_id=project_id, task_id=task_id, annotation_id=ann["id"],
        batch=data.get("batch") or None, lead_time=float(lead) if isinstance(lead, (int, float)) else None,
    )
    if stage is Stage.first_pass:
        if responsive is None:
            raise ValueError(f"{where}: no {c.RESPONSIVE!r} choice; every first-pass coding needs one")
        if privilege is Privilege.partial and not any(r.reason == "privileged" for r in redactions):
            raise ValueError(f"{where}: coded {c.PRIVILEGE_CHOICES[Privilege.partial]!r} with no redaction labelled "
                             f"{c.REDACTION_REASONS['privileged']!r}; mark the privileged passages to redact")
        return ReviewDecision(
            **common, responsive=responsive, privilege=privilege or Privilege.not_privileged,
            issue_codes=issues or [], redactions=redactions, designation=designation,
            note=parsed.texts.get(c.NOTE), overturned=None,
        )
    outcome = parsed.one(c.QA_OUTCOME, {c.QA_CONFIRM: False, c.QA_OVERTURN: True})
    if outcome is None:
        raise ValueError(f"{where}: no {c.QA_OUTCOME!r} choice; a QA decision must Confirm or Overturn")
    fp = _first_pass_fallback(data, where)
    try:
        fp_privilege = Privilege(fp.get("privilege") or Privilege.not_privileged.value)
        fp_designation = Designation(fp["designation"]) if fp.get("designation") else None
        fp_redactions = [RedactionSpan.model_validate(r) for r in fp.get("redactions") or []]
    except (ValueError, TypeError) as e:
        raise ValueError(f"{where}: first_pass coding in the task data is malformed: {e}") from None
    decision = ReviewDecision(
        **common,
        responsive=responsive if responsive is not None else fp.get("responsive"),
        privilege=privilege if privilege is not None else fp_privilege,
        issue_codes=issues if issues is not None else sorted(fp.get("issue_codes") or []),
        redactions=redactions if redactions else fp_redactions,
        designation=designation if designation is not None else fp_designation,
        note=parsed.texts.get(c.QA_REASON),
        overturned=outcome,
    )
    # An overturn is a decision someone may have to defend: it says why. A confirmation that changes
    # the coding contradicts itself; which one the attorney meant is not for collect to guess.
    if outcome and not decision.note:
        raise ValueError(f"{where}: {c.QA_OVERTURN!r} with no {c.QA_REASON!r}; say why the first-pass coding is wrong")
    changed = _changed(fp, fp_privilege, fp_designation, fp_redactions, decision)
    if not outcome and changed:
        raise ValueError(f"{where}: {c.QA_CONFIRM!r} but the corrections change {', '.join(changed)}; choose "
                         f"{c.QA_OVERTURN!r} and give the reason, or clear the corrections")
    return decision


def _changed(fp: dict[str, Any], privilege: Privilege, designation: Designation | None,
             redactions: list[RedactionSpan], d: ReviewDecision) -> list[str]:
    """Fields where the QA decision differs from the first-pass coding carried in the task."""
    out = []
    if d.responsive != fp.get("responsive"):
        out.append("responsive")
    if d.privilege is not privilege:
        out.append("privilege")
    if sorted(d.issue_codes) != sorted(fp.get("issue_codes") or []):
        out.append("issue codes")
    if d.designation != designation:
        out.append("designation")
    if sorted((r.start, r.end, r.reason) for r in d.redactions) != sorted((r.start, r.end, r.reason)
                                                                          for r in redactions):
        out.append("redactions")
    return out


def _who(ann: dict[str, Any], users: Mapping[int, str]) -> str | None:
    who = ann.get("completed_by")
    if isinstance(who, dict):
        return who.get("email") or None
    return users.get(who) if isinstance(who, int) else None


def parse_export(tasks_json: list[dict[str, Any]], site: str, stage: Stage, users: Mapping[int, str] | None = None,
                 issue_codes: list[str] | None = None) -> tuple[list[ReviewDecision], list[CollectRejection]]:
    """Every submitted annotation of a Label Studio JSON export: a decision, or a rejection with its reason.

    An annotation is taken whole or not at all; one malformed annotation does not stop the others.
    `users` maps user id -> email for exports whose `completed_by` is an id rather than an object;
    `issue_codes` (the protocol's) makes an unknown issue code a rejection. For QA, a corrected
    field the attorney left empty keeps the first-pass value from the task data.
    """
    stage = Stage(stage)
    users = users or {}
    codes = set(issue_codes) if issue_codes is not None else None
    out: list[ReviewDecision] = []
    rejected: list[CollectRejection] = []
    for task in tasks_json:
        if not isinstance(task, dict) or not isinstance(task.get("id"), int):
            raise ValueError(f"export item is not a Label Studio task: {str(task)[:200]}")
        for ann in task.get("annotations") or []:
            if not isinstance(ann, dict) or ann.get("was_cancelled"):
                continue
            try:
                out.append(_decision(task, ann, site, stage, users, codes))
            except ValueError as e:
                if not isinstance(ann.get("id"), int):
                    raise
                data = task.get("data") or {}
                project_id = ann.get("project") or task.get("project")
                rejected.append(CollectRejection(
                    site=site, project_id=project_id if isinstance(project_id, int) else -1, task_id=task["id"],
                    annotation_id=ann["id"], control_number=data.get("control_number"), reviewer=_who(ann, users),
                    batch=data.get("batch") or None, stage=stage, reason=str(e),
                    annotation_updated_at=str(ann.get("updated_at") or ann.get("created_at") or "") or None))
    out.sort(key=lambda d: (d.control_number, d.annotation_id))
    return out, rejected


def decisions_from_export(tasks_json: list[dict[str, Any]], site: str, stage: Stage,
                          users: Mapping[int, str] | None = None,
                          issue_codes: list[str] | None = None) -> list[ReviewDecision]:
    """Strict form of parse_export: the first malformed annotation is a ValueError with its reason."""
    decisions, rejected = parse_export(tasks_json, site, stage, users, issue_codes)
    if rejected:
        raise ValueError(rejected[0].reason)
    return decisions
