"""Review productivity: what a review manager watches while first pass is open.

Per reviewer: documents coded, active hours (Label Studio's lead time, the time the task
was open in the editor), documents per hour, responsive and privilege rates, and the
overturn rate once attorney QA has looked at their work. Per batch: progress.
Only current decisions count (superseded versions and retracted annotations do not).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from lpo.models import Batch, CollectRejection, Privilege, ReviewDecision, Stage


@dataclass(frozen=True)
class ReviewerStats:
    reviewer: str
    documents: int
    hours: float | None           # sum of lead times; None when Label Studio recorded none
    docs_per_hour: float | None
    responsive_rate: float
    privilege_rate: float
    qa_checked: int
    overturned: int
    overturn_rate: float | None   # None until QA has checked some of their decisions
    first: str
    last: str


@dataclass(frozen=True)
class BatchProgress:
    batch: str
    stage: str
    site: str
    pool: str | None
    documents: int
    coded: int
    rejected: int
    state: str                    # planned, routed, in review, complete, purged

    @property
    def percent(self) -> float:
        return 100.0 * self.coded / self.documents if self.documents else 0.0


def reviewer_stats(first_pass: list[ReviewDecision], qa: list[ReviewDecision]) -> list[ReviewerStats]:
    latest_qa = {d.control_number: d for d in sorted(qa, key=lambda d: d.decided_at)}
    by: dict[str, list[ReviewDecision]] = defaultdict(list)
    for d in first_pass:
        by[d.reviewer].append(d)
    out = []
    for who, ds in sorted(by.items()):
        docs = len({d.control_number for d in ds})
        leads = [d.lead_time for d in ds if d.lead_time is not None]
        hours = sum(leads) / 3600 if leads else None
        checked = [latest_qa[d.control_number] for d in ds if d.control_number in latest_qa]
        over = sum(1 for q in checked if q.overturned)
        times = sorted(d.decided_at for d in ds)
        out.append(ReviewerStats(
            reviewer=who, documents=docs, hours=round(hours, 3) if hours is not None else None,
            docs_per_hour=round(len(leads) / hours, 1) if hours else None,
            responsive_rate=round(sum(1 for d in ds if d.responsive) / len(ds), 4),
            privilege_rate=round(sum(1 for d in ds if d.privilege is not Privilege.not_privileged) / len(ds), 4),
            qa_checked=len(checked), overturned=over,
            overturn_rate=round(over / len(checked), 4) if checked else None,
            first=times[0].isoformat(), last=times[-1].isoformat()))
    return out


def batch_progress(batches: list[Batch], decisions: list[ReviewDecision],
                   rejections: list[CollectRejection]) -> list[BatchProgress]:
    coded: dict[str, set[str]] = defaultdict(set)
    for d in decisions:
        if d.batch:
            coded[d.batch].add(d.control_number)
    rejected: dict[str, int] = defaultdict(int)
    for r in rejections:
        if r.batch:
            rejected[r.batch] += 1
    out = []
    for b in batches:
        n = len(b.control_numbers)
        done = len(coded[b.name] & set(b.control_numbers))
        state = ("purged" if b.purged_at else "planned" if b.routed_at is None else
                 "complete" if done >= n else "in review")
        out.append(BatchProgress(batch=b.name, stage=b.stage.value, site=b.site, pool=b.pool, documents=n,
                                 coded=done, rejected=rejected[b.name], state=state))
    return out


def productivity(store) -> dict:  # noqa: ANN001 - lpo.store.Store
    """Reviewers and batches as plain JSON (for `lpo status --json` and the Prefect artifact)."""
    fp = store.decisions(Stage.first_pass)
    qa = store.decisions(Stage.qa)
    batches = batch_progress(store.batches(), fp + qa, store.rejections())
    verdicts = store.verdicts()

    def verdict(name: str) -> str | None:
        v = verdicts.get(name)
        if v is None:
            return None
        return "accepted" if v.accepted else f"re-review {v.rereview_batch}" if v.rereview_batch else "rejected"
    return {
        "reviewers": [asdict(r) for r in reviewer_stats(fp, qa)],
        "batches": [{**asdict(b), "percent": round(b.percent, 1), "qa_verdict": verdict(b.batch)} for b in batches],
    }


def productivity_markdown(data: dict) -> str:
    """The same figures as Markdown tables (a Prefect artifact, a report)."""
    lines = ["| reviewer | documents | hours | docs/hour | responsive | privileged | QA checked | overturn rate |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in data["reviewers"]:
        rate = "-" if r["overturn_rate"] is None else f"{r['overturn_rate']:.1%}"
        lines.append(f"| {r['reviewer']} | {r['documents']} | {r['hours'] if r['hours'] is not None else '-'} | "
                     f"{r['docs_per_hour'] if r['docs_per_hour'] is not None else '-'} | "
                     f"{r['responsive_rate']:.1%} | {r['privilege_rate']:.1%} | {r['qa_checked']} | {rate} |")
    lines += ["", "| batch | stage | site | documents | coded | progress | rejected | state |",
              "|---|---|---|---:|---:|---:|---:|---|"]
    for b in data["batches"]:
        lines.append(f"| {b['batch']} | {b['stage']} | {b['site']} | {b['documents']} | {b['coded']} | "
                     f"{b['percent']:.0f}% | {b['rejected']} | {b['state']} |")
    return "\n".join(lines)
