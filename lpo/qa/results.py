"""What QA found: overturn rates per reviewer, per batch and per field with their intervals, batch
status, the elusion test and its recall estimate. Read-only over the store; `report` renders it.

Only the random sample counts in a rate (the privilege census is reported on its own line). A
rate's population is what the sample was drawn from, so intervals are finite-population corrected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from lpo.models import QASample, QAStratum, ReviewDecision, Stage
from lpo.qa.stats import Interval, recall_from_elusion, wilson
from lpo.store import Store

FIELDS = ("responsive", "privilege", "issue_codes", "designation", "redactions")


def changed_fields(first: ReviewDecision | None, qa: ReviewDecision) -> list[str]:
    """The fields the attorney's coding changed (all of them set when there was no first-pass call)."""
    if first is None:
        return [f for f in FIELDS if f == "responsive" and qa.responsive]
    out = []
    for f in FIELDS:
        a, b = getattr(first, f), getattr(qa, f)
        if f == "issue_codes":
            a, b = sorted(a), sorted(b)
        elif f == "redactions":
            a, b = sorted((r.start, r.end, r.reason) for r in a), sorted((r.start, r.end, r.reason) for r in b)
        if a != b:
            out.append(f)
    return out


@dataclass
class Checked:
    """One QA'd decision of a sample, against the first-pass call it checked."""

    control_number: str
    batch: str | None
    reviewer: str | None
    qa: ReviewDecision
    first: ReviewDecision | None

    @property
    def overturned(self) -> bool:
        return bool(self.qa.overturned)

    @property
    def fields(self) -> list[str]:
        return changed_fields(self.first, self.qa)


def _pct(i: Interval) -> dict:
    return {"rate": i.rate, "lower": i.lower, "upper": i.upper}


class QAResults:
    """Everything the QA report shows, computed once from the store."""

    def __init__(self, store: Store, threshold: float, confidence: float):
        self.store = store
        self.threshold = threshold
        self.confidence = confidence
        self.samples = store.qa_samples()
        self.qa = store.latest_decisions(Stage.qa)
        self.first = store.latest_decisions(Stage.first_pass)
        self.batches = {b.name: b for b in store.batches()}
        self.verdicts = store.verdicts()
        # The acceptance strata, once: every per-batch and per-reviewer figure is read from them.
        self._strata = [(smp, st) for smp in self.samples if smp.kind == "acceptance" for st in smp.strata]
        self._cells: dict[str, list[QAStratum]] = {}
        for _, st in self._strata:
            self._cells.setdefault(st.batch, []).append(st)

    # ---- acceptance samples --------------------------------------------------------------------

    def checked(self, control_numbers: Iterable[str], batch: str | None = None,
                reviewer: str | None = None) -> list[Checked]:
        out = []
        for cn in control_numbers:
            q = self.qa.get(cn)
            if q is not None:
                fp = self.first.get(cn)
                out.append(Checked(cn, batch or (fp.batch if fp else None), reviewer or (fp.reviewer if fp else None),
                                   q, fp))
        return out

    def strata(self) -> list[tuple[QASample, QAStratum]]:
        return self._strata

    def batch_interval(self, batch: str) -> tuple[Interval, int, int]:
        """(interval of the batch's overturn rate, population, planned sample size)."""
        cells = self._cells.get(batch, [])
        population = sum(st.population for st in cells)
        planned = sum(st.size for st in cells)
        done = [c for st in cells for c in self.checked(st.control_numbers, st.batch, st.reviewer)]
        k = sum(c.overturned for c in done)
        return wilson(k, len(done), self.confidence, population or None), population, planned

    def batch_rows(self) -> list[dict]:
        rows = []
        sampled = set(self._cells)
        for b in self.batches.values():
            if b.stage is not Stage.first_pass:
                continue
            i, population, planned = self.batch_interval(b.name)
            v = self.verdicts.get(b.name)
            if v is not None:
                status = "accepted" if v.accepted else "rejected"
            elif b.name in sampled:
                status = "awaiting QA"
            else:
                status = "not sampled"
            reviewers = sorted({st.reviewer for st in self._cells.get(b.name, [])})
            rows.append({"batch": b.name, "reviewers": reviewers, "pool": b.pool, "documents": len(b.control_numbers),
                         "population": population, "planned": planned, "checked": i.n, "overturned": i.k, **_pct(i),
                         "threshold": v.threshold if v else self.threshold, "status": status,
                         "rereview_batch": v.rereview_batch if v else None, "rereview_of": b.reviews_batch})
        return rows

    def reviewer_rows(self) -> list[dict]:
        cells: dict[str, list] = {}
        for _, st in self.strata():
            cells.setdefault(st.reviewer, []).append(st)
        decided: dict[str, int] = {}
        for d in self.first.values():
            decided[d.reviewer] = decided.get(d.reviewer, 0) + 1
        rows = []
        for reviewer in sorted(cells):
            population = sum(st.population for st in cells[reviewer])
            done = [c for st in cells[reviewer] for c in self.checked(st.control_numbers, st.batch, st.reviewer)]
            i = wilson(sum(c.overturned for c in done), len(done), self.confidence, population or None)
            rows.append({"reviewer": reviewer, "decisions": decided.get(reviewer, population), "population": population,
                         "checked": i.n, "overturned": i.k, **_pct(i)})
        return rows

    def acceptance_checked(self) -> tuple[list[Checked], int]:
        done = [c for _, st in self.strata() for c in self.checked(st.control_numbers, st.batch, st.reviewer)]
        return done, sum(st.population for _, st in self.strata())

    def field_rows(self) -> list[dict]:
        done, population = self.acceptance_checked()
        rows = []
        for f in FIELDS:
            i = wilson(sum(f in c.fields for c in done), len(done), self.confidence, population or None)
            rows.append({"field": f, "checked": i.n, "overturned": i.k, **_pct(i)})
        return rows

    def overall(self) -> dict:
        done, population = self.acceptance_checked()
        i = wilson(sum(c.overturned for c in done), len(done), self.confidence, population or None)
        return {"population": population, "checked": i.n, "overturned": i.k, **_pct(i)}

    def census(self) -> dict | None:
        cns = [cn for s in self.samples if s.kind == "acceptance" for cn in s.census]
        if not cns:
            return None
        done = self.checked(cns)
        return {"documents": len(cns), "checked": len(done), "overturned": sum(c.overturned for c in done)}

    def overturn_rows(self) -> list[dict]:
        reviewed_by = {cn: (st.batch, st.reviewer) for _, st in self.strata() for cn in st.control_numbers}
        rows = []
        for cn, q in sorted(self.qa.items(), key=lambda kv: kv[1].decided_at):
            if not q.overturned:
                continue
            fp = self.first.get(cn)
            batch, reviewer = reviewed_by.get(cn, (fp.batch if fp else None, fp.reviewer if fp else None))
            rows.append({"control_number": cn, "batch": batch, "reviewer": reviewer, "attorney": q.reviewer,
                         "decided_at": q.decided_at.isoformat(), "qa_batch": q.batch,
                         "fields": changed_fields(fp, q), "reason": q.note or ""})
        return rows

    # ---- elusion -------------------------------------------------------------------------------

    def elusion(self) -> dict | None:
        samples = [s for s in self.samples if s.kind == "elusion"]
        if not samples:
            return None
        s = samples[-1]
        done = self.checked(s.control_numbers)
        found_in_sample = [c for c in done if c.qa.responsive]
        i = wilson(len(found_in_sample), len(done), s.confidence, s.population or None)
        sampled = set(s.control_numbers)
        final = {**self.first, **self.qa}
        produced = sum(1 for cn, d in final.items() if d.responsive and cn not in sampled)
        r = recall_from_elusion(produced, s.population, i)
        return {"sample": s.name, "population": s.population, "size": s.size, "checked": i.n,
                "responsive_found": i.k, **_pct(i), "produced_responsive": produced,
                "estimated_missed": r.estimated_missed, "recall": r.recall, "recall_lower": r.lower,
                "recall_upper": r.upper, "confidence": s.confidence, "complete": i.n >= s.size}

    # ---- all of it -----------------------------------------------------------------------------

    def as_dict(self, matter: str, client: str, protocol: dict) -> dict:
        return {
            "matter": matter, "client": client, "generated_at": datetime.now(timezone.utc).isoformat(),
            "protocol": protocol,
            "samples": [{"name": s.name, "kind": s.kind, "population": s.population, "size": s.size,
                         "census": len(s.census), "confidence": s.confidence, "margin": s.margin, "seed": s.seed,
                         "plan": s.plan, "created_at": s.created_at.isoformat(),
                         "population_sha256": s.population_sha256 or ""} for s in self.samples],
            "overall": self.overall(),
            "reviewers": self.reviewer_rows(),
            "batches": self.batch_rows(),
            "fields": self.field_rows(),
            "overturns": self.overturn_rows(),
            "elusion": self.elusion(),
            "privilege_census": self.census(),
        }


def results_for(ws) -> dict:  # noqa: ANN001 - a Workspace
    qa = ws.matter.qa
    protocol = {"confidence": qa.confidence, "margin": qa.margin, "threshold": qa.threshold, "plan": qa.plan,
                "all_privileged": qa.all_privileged, "elusion_margin": qa.elusion_margin,
                "interval": "Wilson score, finite-population corrected"}
    data = QAResults(ws.store, qa.threshold, qa.confidence).as_dict(ws.matter.name, ws.matter.client, protocol)
    if ws.matter.tar.enabled:
        from lpo.tar.review import status

        data["prioritised"] = status(ws)
    return data
