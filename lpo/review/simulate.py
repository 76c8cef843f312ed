"""Simulated people, for `lpo demo --simulate-reviewers` and tests only.

A SimulatedReviewers pool codes a first-pass project through the Label Studio API the
way people would through the UI: one annotation per task, attributed to the reviewer
the task's batch is routed to, following a truth table with deliberate, seeded
mistakes so that QA has something to find. A SimulatedAttorney codes a QA project:
Confirm when the first pass matches the truth, else Overturn with the corrections.

Nothing in the pipeline depends on this module.
"""

from __future__ import annotations

import random
import re
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from lpo.models import Designation, Privilege
from lpo.review import config as c
from lpo.review.site import LabelStudioSite

TruthLookup = Callable[[dict], "dict | None"]

DEFAULT_REVIEWERS = ["reviewer1@lpo-demo.local", "reviewer2@lpo-demo.local", "reviewer3@lpo-demo.local"]
DEFAULT_ATTORNEY = "attorney@lpo-demo.local"

_REASON_ALIASES = {
    "privileged": "privileged", "privilege": "privileged", "priv": "privileged", "attorney_client": "privileged",
    "work_product": "privileged",
    "pii": "pii", "personal": "pii", "personal_information": "pii",
    "third_party_confidential": "third_party_confidential", "confidential_third_party": "third_party_confidential",
    "third_party": "third_party_confidential", "confidential": "third_party_confidential",
}


def reason_code(reason: str) -> str:
    """A truth table's redaction reason as a RedactionSpan reason code (see config.REDACTION_REASONS)."""
    key = re.sub(r"[^a-z0-9]+", "_", reason.strip().lower()).strip("_")
    if key in _REASON_ALIASES:
        return _REASON_ALIASES[key]
    for code, label in c.REDACTION_REASONS.items():
        if reason.strip().lower() == label.lower():
            return code
    raise ValueError(f"redaction reason {reason!r} is not one of {sorted(c.REDACTION_REASONS)}")


def locate(needle: str, text: str) -> list[tuple[int, int]]:
    """Every occurrence of needle in text, any run of whitespace matching any other (text extraction
    re-flows lines)."""
    words = needle.split()
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def _designation(value: str | None) -> Designation | None:
    if not value:
        return None
    for d in Designation:
        if value in (d.value, d.name) or value.lower() == d.value.lower():
            return d
    raise ValueError(f"designation {value!r} is not one of {[d.value for d in Designation]}")


@dataclass
class Coding:
    """What a simulated person decides about one document."""

    responsive: bool
    privilege: Privilege
    issue_codes: list[str]
    designation: Designation | None
    redactions: list[tuple[int, int, str]]  # (start, end, reason code)
    unlocated: list[str] = field(default_factory=list, compare=False)  # truth redactions not found in the text

    @classmethod
    def from_truth(cls, truth: dict, text: str) -> "Coding":
        spans: set[tuple[int, int, str]] = set()
        unlocated: list[str] = []
        for r in truth.get("redactions") or []:
            needle, code = (r.get("text") or "").strip(), reason_code(r["reason"])
            if not needle:
                continue
            found = locate(needle, text)
            if not found:
                unlocated.append(needle)
            spans.update((s, e, code) for s, e in found)  # a careful reviewer redacts every occurrence
        return cls(
            responsive=bool(truth["responsive"]),
            privilege=Privilege(truth.get("privilege") or "not_privileged"),
            issue_codes=sorted(set(truth.get("issue_codes") or [])),
            designation=_designation(truth.get("designation")),
            redactions=sorted(spans),
            unlocated=unlocated,
        )

    @classmethod
    def from_first_pass(cls, fp: dict) -> "Coding":
        return cls(
            responsive=bool(fp.get("responsive")),
            privilege=Privilege(fp.get("privilege") or "not_privileged"),
            issue_codes=sorted(set(fp.get("issue_codes") or [])),
            designation=_designation(fp.get("designation")),
            redactions=sorted((r["start"], r["end"], r["reason"]) for r in fp.get("redactions") or []),
        )

    def differences(self, other: "Coding") -> list[str]:
        """How `self` (what was coded) differs from `other` (what is right), in words."""
        out = []
        if self.responsive != other.responsive:
            out.append(f"responsive: coded {c.RESPONSIVE_CHOICES[self.responsive]}, "
                       f"should be {c.RESPONSIVE_CHOICES[other.responsive]}")
        if self.privilege != other.privilege:
            out.append(f"privilege: coded {c.PRIVILEGE_CHOICES[self.privilege]}, "
                       f"should be {c.PRIVILEGE_CHOICES[other.privilege]}")
        if self.issue_codes != other.issue_codes:
            out.append(f"issues: coded {', '.join(self.issue_codes) or 'none'}, "
                       f"should be {', '.join(other.issue_codes) or 'none'}")
        if self.designation != other.designation:
            out.append(f"designation: coded {self.designation.value if self.designation else 'none'}, "
                       f"should be {other.designation.value if other.designation else 'none'}")
        if self.redactions != other.redactions:
            out.append(f"redactions: {len(self.redactions)} coded, {len(other.redactions)} needed")
        return out

    def result(self, text: str, with_issues: bool = True) -> list[dict[str, Any]]:
        """The Label Studio annotation result that codes this."""
        res: list[dict[str, Any]] = []

        def choices(name: str, values: list[str]) -> None:
            if values:
                res.append({"id": name, "from_name": name, "to_name": c.TEXT, "type": "choices",
                            "value": {"choices": values}})

        choices(c.RESPONSIVE, [c.RESPONSIVE_CHOICES[self.responsive]])
        choices(c.PRIVILEGE, [c.PRIVILEGE_CHOICES[self.privilege]])
        if with_issues:
            choices(c.ISSUES, self.issue_codes)
        if self.designation is not None:
            choices(c.DESIGNATION, [c.DESIGNATION_CHOICES[self.designation]])
        for i, (start, end, code) in enumerate(self.redactions):
            res.append({"id": f"redact{i}", "from_name": c.REDACT, "to_name": c.TEXT, "type": "labels",
                        "value": {"start": start, "end": end, "text": text[start:end],
                                  "labels": [c.REDACTION_REASONS[code]]}})
        return res


DEFAULT_CODING = Coding(responsive=False, privilege=Privilege.not_privileged, issue_codes=[], designation=None,
                        redactions=[])


def _has_privileged_span(coding: Coding) -> bool:
    return any(r[2] == "privileged" for r in coding.redactions)


def _mistake(coding: Coding, rng: random.Random) -> tuple[Coding, str]:
    """The same coding with one plausible reviewer mistake."""
    kinds = ["responsive"]
    if coding.privilege is not Privilege.not_privileged:
        kinds += ["privilege", "privilege"]  # missed privilege: the mistake QA exists to catch
    if coding.issue_codes:
        kinds.append("issue")
    if coding.redactions:
        kinds.append("redaction")
    kind = rng.choice(kinds)
    wrong = Coding(coding.responsive, coding.privilege, list(coding.issue_codes), coding.designation,
                   list(coding.redactions), list(coding.unlocated))
    if kind == "responsive":
        wrong.responsive = not coding.responsive
    elif kind == "privilege":
        wrong.privilege = Privilege.not_privileged
        wrong.redactions = [r for r in coding.redactions if r[2] != "privileged"]
    elif kind == "issue":
        wrong.issue_codes.remove(rng.choice(coding.issue_codes))
    else:
        wrong.redactions.remove(rng.choice(coding.redactions))
    return wrong, kind


@dataclass
class SimulationReport:
    annotated: int = 0
    already_annotated: int = 0
    without_truth: list[str] = field(default_factory=list)
    unlocated: dict[str, list[str]] = field(default_factory=dict)  # control number -> truth redactions not found
    mistakes: dict[str, str] = field(default_factory=dict)  # control number -> kind (first pass)
    overturned: list[str] = field(default_factory=list)      # control numbers (QA)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Annotations created per second."""
        return self.annotated / self.seconds if self.seconds else 0.0


def _has_issues(site: LabelStudioSite, project_id: int) -> bool:
    """Whether the project's config has the issues control (a protocol may define no issue codes)."""
    config = site.client.projects.get(project_id).label_config or ""
    return f'name="{c.ISSUES}"' in config


def _todo(site: LabelStudioSite, project_id: int) -> tuple[list[dict], int]:
    tasks = site.export_snapshot(project_id)
    todo = [t for t in tasks if not any(not a.get("was_cancelled") for a in t.get("annotations") or [])]
    return todo, len(tasks) - len(todo)


def _post(site: LabelStudioSite, jobs: list[tuple[int, list[dict], int, float]], threads: int) -> None:
    def one(job: tuple[int, list[dict], int, float]) -> int:
        task_id, result, user_id, lead_time = job
        return site.create_annotation(task_id, result, completed_by=user_id, lead_time=lead_time)

    if threads <= 1:
        for job in jobs:
            one(job)
        return
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lpo-sim") as pool:
        list(pool.map(one, jobs))  # re-raises the first failure


class SimulatedReviewers:
    """A pool of first-pass reviewers who follow the truth, with deliberate mistakes at error_rate."""

    def __init__(self, truth_lookup: TruthLookup, error_rate: float = 0.08, seed: int = 11,
                 reviewers: list[str] | None = None, threads: int = 3, *,
                 error_rates: dict[str, float] | None = None, planted: bool = False,
                 assign: Callable[[str], str] | None = None):
        """error_rates: per reviewer (others: error_rate). planted: each reviewer gets exactly
        round(rate x tasks) mistakes in a project instead of a coin toss per document.
        assign: batch name -> reviewer (default: a hash of the batch name)."""
        for rate in [error_rate, *(error_rates or {}).values()]:
            if not 0 <= rate <= 1:
                raise ValueError("error rates must be between 0 and 1")
        self.truth_lookup = truth_lookup
        self.error_rate = error_rate
        self.error_rates = dict(error_rates or {})
        self.planted = planted
        self.assign = assign
        self.seed = seed
        self.reviewers = list(reviewers or DEFAULT_REVIEWERS)
        self.threads = threads

    def reviewer_for(self, batch: str) -> str:
        """Each batch goes to one reviewer, as routing does."""
        if self.assign is not None:
            return self.assign(batch)
        return self.reviewers[zlib.crc32(batch.encode("utf-8")) % len(self.reviewers)]

    def rate_of(self, reviewer: str) -> float:
        return self.error_rates.get(reviewer, self.error_rate)

    def coding_for(self, data: dict, mistake: bool | None = None) -> tuple[Coding, str | None]:
        """What the reviewer codes for a task, and the kind of mistake made (None when right).
        mistake: planted (True/False) or None for a seeded coin toss at the reviewer's rate."""
        cn = data["control_number"]
        truth = self.truth_lookup(data)
        right = DEFAULT_CODING if truth is None else Coding.from_truth(truth, data[c.TEXT])
        if right.privilege is Privilege.partial and not _has_privileged_span(right):
            # The passage to redact is not in the extracted text: withhold the whole document, as a
            # careful reviewer would (collect refuses "partially privileged" with nothing to redact).
            right = Coding(right.responsive, Privilege.attorney_client, list(right.issue_codes), right.designation,
                           [r for r in right.redactions if r[2] != "privileged"], list(right.unlocated))
        rng = random.Random(f"{self.seed}:{cn}")  # per document: the same mistakes whatever the thread order
        toss = rng.random() < self.rate_of(self.reviewer_for(data.get("batch") or ""))
        if mistake if mistake is not None else toss:
            wrong, kind = _mistake(right, rng)
            if wrong.privilege is Privilege.partial and not _has_privileged_span(wrong):
                wrong = Coding(not right.responsive, right.privilege, list(right.issue_codes), right.designation,
                               list(right.redactions), list(right.unlocated))
                kind = "responsive"
            return wrong, kind
        return right, None

    def code_project(self, site: LabelStudioSite, project_id: int) -> SimulationReport:
        t0 = time.monotonic()
        report = SimulationReport()
        todo, report.already_annotated = _todo(site, project_id)
        with_issues = _has_issues(site, project_id)
        ids = {email: site.ensure_user(email, first_name="Simulated", last_name="Reviewer")
               for email in self.reviewers}
        jobs = []
        wrong = self._planted(todo) if self.planted else None
        for task in todo:
            data = task["data"]
            cn = data["control_number"]
            if self.truth_lookup(data) is None:
                report.without_truth.append(cn)
            coding, mistake = self.coding_for(data, None if wrong is None else cn in wrong)
            if coding.unlocated:
                report.unlocated[cn] = coding.unlocated
            if mistake:
                report.mistakes[cn] = mistake
            rng = random.Random(f"{self.seed}:lead:{cn}")
            user = ids[self.reviewer_for(data.get("batch") or "")]
            jobs.append((task["id"], coding.result(data[c.TEXT], with_issues), user, round(rng.uniform(20, 240), 1)))
        t1 = time.monotonic()
        _post(site, jobs, self.threads)
        report.annotated = len(jobs)
        report.seconds = time.monotonic() - t1 if jobs else time.monotonic() - t0
        return report


    def _planted(self, todo: list[dict]) -> set[str]:
        """Exactly round(rate x n) of each reviewer's tasks in the project, chosen by the seed."""
        by_reviewer: dict[str, list[str]] = {}
        for task in todo:
            data = task["data"]
            by_reviewer.setdefault(self.reviewer_for(data.get("batch") or ""), []).append(data["control_number"])
        out: set[str] = set()
        for reviewer, cns in sorted(by_reviewer.items()):
            k = round(self.rate_of(reviewer) * len(cns))
            out.update(random.Random(f"{self.seed}:{reviewer}:{len(cns)}").sample(sorted(cns), k))
        return out


class SimulatedAttorney:
    """The supervising attorney: Confirm when the first pass matches the truth, else Overturn and correct."""

    def __init__(self, truth_lookup: TruthLookup, attorney: str = DEFAULT_ATTORNEY, threads: int = 3):
        self.truth_lookup = truth_lookup
        self.attorney = attorney
        self.threads = threads

    def result_for(self, data: dict, with_issues: bool = True) -> tuple[list[dict[str, Any]], bool]:
        """The QA annotation result for a task, and whether it overturns."""
        text = data[c.TEXT]
        fp = data.get("first_pass")
        if not isinstance(fp, dict):
            raise ValueError(f"{data.get('control_number')}: not a QA task (no first_pass in data)")
        truth = self.truth_lookup(data)
        right = DEFAULT_CODING if truth is None else Coding.from_truth(truth, text)
        if not with_issues:  # the protocol has no issue codes: nothing to compare
            right = Coding(right.responsive, right.privilege, [], right.designation, right.redactions)
        diffs = Coding.from_first_pass(fp).differences(right)
        if not diffs:
            return [{"id": "qa", "from_name": c.QA_OUTCOME, "to_name": c.TEXT, "type": "choices",
                     "value": {"choices": [c.QA_CONFIRM]}}], False
        result = right.result(text, with_issues)
        result.append({"id": "qa", "from_name": c.QA_OUTCOME, "to_name": c.TEXT, "type": "choices",
                       "value": {"choices": [c.QA_OVERTURN]}})
        result.append({"id": "reason", "from_name": c.QA_REASON, "to_name": c.TEXT, "type": "textarea",
                       "value": {"text": ["; ".join(diffs)]}})
        return result, True

    def code_project(self, site: LabelStudioSite, project_id: int) -> SimulationReport:
        t0 = time.monotonic()
        report = SimulationReport()
        todo, report.already_annotated = _todo(site, project_id)
        with_issues = _has_issues(site, project_id)
        user = site.ensure_user(self.attorney, first_name="Simulated", last_name="Attorney")
        jobs = []
        for task in todo:
            data = task["data"]
            if self.truth_lookup(data) is None:
                report.without_truth.append(data["control_number"])
            result, overturn = self.result_for(data, with_issues)
            if overturn:
                report.overturned.append(data["control_number"])
            jobs.append((task["id"], result, user, 45.0))
        t1 = time.monotonic()
        _post(site, jobs, self.threads)
        report.annotated = len(jobs)
        report.seconds = time.monotonic() - t1 if jobs else time.monotonic() - t0
        return report
