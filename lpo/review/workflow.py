"""Review stages over the store and the review sites: route batches out, collect coding back.

Each step is idempotent, so a pipeline that restarts from the top after a crash or a
resume re-does nothing: projects are found by title, tasks by control number,
decisions by (site, annotation id), batches by name.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

from lpo.models import Batch, Document, QASample, ReviewDecision, Stage
from lpo.progress import step
from lpo.qa import draw_sample, sample_size
from lpo.workspace import Workspace

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def site_client(ws: Workspace, stage: Stage):  # noqa: ANN201
    from lpo.review.site import LabelStudioSite

    site = ws.matter.site(stage.value)
    return site, LabelStudioSite.from_review_site(site)


def project_title(ws: Workspace, batch: str) -> str:
    return f"{ws.matter.name[:36]} · {batch}"  # Label Studio titles: 3-50 characters


def _doc_date(d: Document) -> datetime:
    return (d.email.sent if d.email and d.email.sent else None) or d.created or d.modified or EPOCH


def plan_batches(ws: Workspace) -> list[list[str]]:
    """Unrouted documents in batches of about batch_size that never split a family.

    Exact duplicates are not routed: they take the coding of the first copy; culled
    documents (de-NIST) are not routed at all. Families
    are ordered by custodian then date (the [Prioritised review] ranking replaces this).
    """
    routed = ws.store.batched(Stage.first_pass)
    families: dict[str, list[Document]] = defaultdict(list)
    for d in ws.store.documents():
        if d.control_number in routed or d.duplicate_of or d.filtered or d.text_sha256 is None:
            continue
        families[d.family_id].append(d)
    ordered = sorted(families.values(), key=lambda fam: (fam[0].custodian, _doc_date(fam[0]), fam[0].control_number))
    size = ws.matter.batch_size
    batches: list[list[str]] = []
    current: list[str] = []
    for fam in ordered:
        if current and len(current) + len(fam) > size:
            batches.append(current)
            current = []
        current.extend(d.control_number for d in fam)
    if current:
        batches.append(current)
    return batches


def _send(ws: Workspace, stage: Stage, name: str, cns: list[str], config: str, tasks: list[dict]) -> Batch:
    site, client = site_client(ws, stage)
    pid = client.create_project(project_title(ws, name), config, _instructions(ws))
    client.import_tasks(pid, tasks)
    existing = {b.name: b for b in ws.store.batches(stage)}
    if name in existing:
        ws.store.set_batch_project(name, pid)
        return existing[name].model_copy(update={"project_id": pid})
    batch = ws.store.add_batch(Batch(name=name, stage=stage, site=site.name, project_id=pid, control_numbers=cns))
    ws.store.audit("lpo", "route", name, {"stage": stage.value, "site": site.name, "project_id": pid,
                                          "documents": len(cns)})
    return batch


def _instructions(ws: Workspace) -> str:
    from lpo.review.config import instructions_html

    return instructions_html(ws.matter.protocol)


def route_first_pass(ws: Workspace) -> list[Batch]:
    from lpo.review.config import render_config
    from lpo.review.tasks import build_first_pass_task

    config = render_config("first_pass", ws.matter.protocol)
    planned = plan_batches(ws)
    start = len(ws.store.batches(Stage.first_pass))
    out = []
    with step("Route to first-pass review", sum(map(len, planned))) as advance:
        for i, cns in enumerate(planned, start + 1):
            name = f"FP-{i:04d}"
            tasks = [build_first_pass_task(d, ws.text(d.text_sha256), ws.store.pretags(d.control_number), name)
                     for d in ws.store.documents(cns)]
            out.append(_send(ws, Stage.first_pass, name, cns, config, tasks))
            advance(len(cns))
    return out


def route_qa(ws: Workspace) -> tuple[QASample | None, int]:
    """A simple random sample of first-pass decisions not yet sampled, to the QA site."""
    from lpo.review.config import render_config
    from lpo.review.tasks import build_qa_task

    sampled = {cn for s in ws.store.qa_samples() for cn in s.control_numbers}
    first = ws.store.latest_decisions(Stage.first_pass)
    population = sorted(cn for cn in first if cn not in sampled)
    if not population:
        return None, 0
    qa = ws.matter.qa
    n = sample_size(qa.confidence, qa.margin, len(population))
    idx = len(ws.store.qa_samples()) + 1
    seed = qa.seed + idx
    name = f"QA-{idx:04d}"
    chosen = draw_sample(population, n, seed)
    config = render_config("attorney_qa", ws.matter.protocol)
    tasks = [build_qa_task(d, ws.text(d.text_sha256), first[d.control_number], name)
             for d in ws.store.documents(chosen)]
    _send(ws, Stage.qa, name, chosen, config, tasks)
    sample = ws.store.add_qa_sample(QASample(name=name, population=len(population), size=len(chosen),
                                             confidence=qa.confidence, margin=qa.margin, seed=seed,
                                             control_numbers=chosen))
    return sample, len(population)


def collect(ws: Workspace, stage: Stage) -> dict:
    """Snapshot-export every project of the stage and upsert the decisions."""
    from lpo.review.collect import decisions_from_export

    site, client = site_client(ws, stage)
    inserted = updated = tasks = coded = 0
    batches = [b for b in ws.store.batches(stage) if b.project_id is not None]
    with step(f"Collect {stage.value} coding", len(batches)) as advance:
        for b in batches:
            exported = client.export_snapshot(b.project_id)
            decisions: list[ReviewDecision] = [
                d.model_copy(update={"batch": b.name}) for d in decisions_from_export(exported, site.name, stage)]
            i, u = ws.store.add_decisions(decisions)
            inserted, updated = inserted + i, updated + u
            tasks += len(exported)
            coded += len({d.task_id for d in decisions})
            advance(1)
    if inserted or updated:
        ws.store.audit("lpo", "collect", stage.value, {"site": site.name, "inserted": inserted, "updated": updated})
    return {"inserted": inserted, "updated": updated, "tasks": tasks, "coded": coded, "site": site.name}
