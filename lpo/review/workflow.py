"""Review stages over the store and the review sites: route batches out, collect coding back, purge.

Route writes its plan to the store before it talks to any site (batches with no
`routed_at`), then sends each pending batch: project found by title or created, only
the tasks missing from it imported, the result checked (a duplicate import is undone,
a gap is an error), and only then the batch marked routed. So a run that dies mid-route
(Label Studio down, the process killed) is finished by running it again: nothing is
planned twice, sent twice or left out. Collect is idempotent on (site, annotation id,
version); a pipeline that restarts from the top re-does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from lpo.models import Batch, CollectRejection, Document, Stage
from lpo.progress import step
from lpo.review import batching
from lpo.workspace import Workspace

CONFIG_KIND = {Stage.first_pass: "first_pass", Stage.qa: "attorney_qa"}


class RouteError(RuntimeError):
    """A batch could not be put on its site whole; the message says which and what to do."""


class Sites:
    """One client per review site named in matter.yaml, made on first use."""

    def __init__(self, ws: Workspace, retry_seconds: float = 120.0):
        self.ws = ws
        self.retry_seconds = retry_seconds
        self._clients: dict[str, Any] = {}

    def client(self, name: str):  # noqa: ANN201
        from lpo.review.site import LabelStudioSite

        if name not in self._clients:
            self._clients[name] = LabelStudioSite.from_review_site(self.ws.matter.site_named(name),
                                                                   retry_seconds=self.retry_seconds)
        return self._clients[name]

    @property
    def retries(self) -> int:
        """Transient failures the clients waited out so far."""
        return sum(c.retries for c in self._clients.values())


def project_title(ws: Workspace, batch: str) -> str:
    # Label Studio titles: 3-50 characters; a long batch name (QA-FP-0001-RR1) takes room from the matter's.
    return f"{ws.matter.name[:min(36, 47 - len(batch))]} · {batch}"


def _instructions(ws: Workspace) -> str:
    from lpo.review.config import instructions_html

    return instructions_html(ws.matter.protocol)


# ---- route -------------------------------------------------------------------------------------------

def plan_first_pass(ws: Workspace, ranking: Mapping[str, float] | None = None, *, limit: int | None = None,
                    include: Collection[str] = (), audit: dict | None = None) -> list[Batch]:
    """Batch every routable document not yet batched (or, with `limit`, the first of them in ranked
    order, with the `include` ones), and record the batches (not yet sent)."""
    routed = ws.store.batched(Stage.first_pass)
    docs = [d for d in ws.store.documents() if d.control_number not in routed]
    privilege = {cn: score for cn, (score, _) in ws.store.privilege_screen().items()}
    planned = batching.plan(docs, ws.matter, privilege=privilege, ranking=ranking, limit=limit, include=include)
    start = sum(1 for b in ws.store.batches(Stage.first_pass) if b.reviews_batch is None)  # re-reviews: own names
    out: list[Batch] = []
    with ws.store.transaction():
        for i, pb in enumerate(planned, start + 1):
            site = ws.matter.site_for_pool(pb.pool)
            out.append(ws.store.add_batch(Batch(name=f"FP-{i:04d}", stage=Stage.first_pass, site=site.name,
                                                pool=pb.pool, control_numbers=pb.control_numbers)))
        if out:
            ws.store.audit("lpo", "plan-batches", Stage.first_pass.value, {
                "batches": [b.name for b in out], "documents": sum(len(b.control_numbers) for b in out),
                "pools": sorted({b.pool for b in out if b.pool}), "ranked": ranking is not None, **(audit or {})})
    return out


@dataclass
class RouteResult:
    planned: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    documents: int = 0
    tasks_imported: int = 0
    duplicates_removed: int = 0
    retries: int = 0
    sites: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"batches": len(self.sent), "planned": len(self.planned), "documents": self.documents,
                "tasks_imported": self.tasks_imported, "duplicates_removed": self.duplicates_removed,
                "retries": self.retries, "sites": self.sites,
                "site": ", ".join(sorted(self.sites)) or None}


def _first_pass_builder(ws: Workspace) -> Callable[[Batch, list[Document]], list[dict]]:
    from lpo.review.tasks import build_first_pass_task

    def build(b: Batch, docs: list[Document]) -> list[dict]:
        tags = ws.store.pretags_of(d.control_number for d in docs)
        return [build_first_pass_task(d, ws.text(d.text_sha256), tags.get(d.control_number, []), b.name)
                for d in docs]
    return build


def _qa_builder(ws: Workspace) -> Callable[[Batch, list[Document]], list[dict]]:
    from lpo.review.tasks import build_qa_task

    from lpo.qa.workflow import presumed_not_responsive

    first = ws.store.latest_decisions(Stage.first_pass)
    if any(s.kind == "elusion" for s in ws.store.qa_samples()):
        # An elusion sample may hold documents nobody reviewed: they stand on the presumption.
        batched = ws.store.batched(Stage.first_pass)
        for s in ws.store.qa_samples("elusion"):
            for cn in s.control_numbers:
                if cn not in first and cn not in batched:
                    first[cn] = presumed_not_responsive(cn)

    def build(b: Batch, docs: list[Document]) -> list[dict]:
        missing = [d.control_number for d in docs if d.control_number not in first]
        if missing:
            raise RouteError(f"{b.name}: no current first-pass decision for {missing[:5]} (retracted since the "
                             f"sample was drawn?); draw a new QA sample")
        return [build_qa_task(d, ws.text(d.text_sha256), first[d.control_number], b.name) for d in docs]
    return build


def send_pending(ws: Workspace, stage: Stage, sites: Sites | None = None) -> RouteResult:
    """Put every planned, unsent batch of the stage on its site, whole and once."""
    from lpo.review.config import render_config

    sites = sites or Sites(ws)
    result = RouteResult()
    pending = [b for b in ws.store.batches(stage) if b.routed_at is None]
    if not pending:
        return result
    config = render_config(CONFIG_KIND[stage], ws.matter.protocol)
    instructions = _instructions(ws)
    build = (_first_pass_builder if stage is Stage.first_pass else _qa_builder)(ws)
    titles: dict[str, dict[str, int]] = {}
    with step(f"Route {stage.value} batches", sum(len(b.control_numbers) for b in pending)) as advance:
        for b in pending:
            client = sites.client(b.site)
            if b.site not in titles:
                titles[b.site] = client.projects_by_title()
            title = project_title(ws, b.name)
            pid = b.project_id or titles[b.site].get(title)
            fresh = pid is None  # made just now: nothing in it to list
            if fresh:
                pid = client.create_project(title, config, instructions, known_absent=True)
            titles[b.site][title] = pid
            if b.project_id != pid:
                ws.store.set_batch_project(b.name, pid)
            index = {} if fresh else client.task_index(pid)
            missing = [cn for cn in b.control_numbers if cn not in index]
            if missing:
                client.import_tasks(pid, build(b, ws.store.documents(missing)),
                                    present={cn: ids[0] for cn, ids in index.items()})
                result.tasks_imported += len(missing)
            # The cheap check first: as many tasks as documents and none twice before means none missing
            # or doubled now; otherwise list the project and repair it.
            doubled = any(len(ids) > 1 for ids in index.values())
            if doubled or client.progress(pid).tasks != len(b.control_numbers):
                result.duplicates_removed += _check_project(client, b, pid)
            ws.store.mark_batch(b.name, routed=True)
            ws.store.audit("lpo", "route", b.name, {"stage": stage.value, "site": b.site, "pool": b.pool,
                                                    "project_id": pid, "documents": len(b.control_numbers),
                                                    "imported": len(missing)})
            result.sent.append(b.name)
            result.documents += len(b.control_numbers)
            result.sites[b.site] = result.sites.get(b.site, 0) + len(b.control_numbers)
            advance(len(b.control_numbers))
    result.retries = sites.retries
    return result


def _check_project(client, b: Batch, pid: int) -> int:  # noqa: ANN001
    """The project holds exactly the batch's documents, once each; undo a duplicate import."""
    index = client.task_index(pid)
    gaps = [cn for cn in b.control_numbers if cn not in index]
    strangers = sorted(set(index) - set(b.control_numbers))
    if gaps or strangers:
        raise RouteError(f"{b.name} (site {b.site}, project {pid}): {len(gaps)} documents missing "
                         f"{gaps[:5]} and {len(strangers)} not of this batch {strangers[:5]}; the project was "
                         f"changed outside lpo: fix or delete it in Label Studio, then route again")
    extra = [i for ids in index.values() for i in ids[1:]]  # keep the first import of each document
    if extra:
        client.delete_tasks(extra)
    return len(extra)


def route_first_pass(ws: Workspace, ranking: Mapping[str, float] | None = None,
                     sites: Sites | None = None) -> RouteResult:
    """Plan batches for everything not yet routed, then send whatever is pending (this run's or an
    interrupted run's)."""
    planned = plan_first_pass(ws, ranking)
    result = send_pending(ws, Stage.first_pass, sites)
    result.planned = [b.name for b in planned]
    return result


# ---- collect -----------------------------------------------------------------------------------------

@dataclass
class CollectResult:
    stage: str
    inserted: int = 0
    updated: int = 0
    retracted: int = 0
    rejected: int = 0
    tasks: int = 0
    coded: int = 0
    annotations: int = 0
    sites: set[str] = field(default_factory=set)
    rejections: list[CollectRejection] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "inserted": self.inserted, "updated": self.updated,
                "retracted": self.retracted, "rejected": self.rejected, "tasks": self.tasks, "coded": self.coded,
                "annotations": self.annotations, "site": ", ".join(sorted(self.sites)) or None,
                "rejections": [{"control_number": r.control_number, "reviewer": r.reviewer, "batch": r.batch,
                                "reason": r.reason} for r in self.rejections]}


def export_for_collect(client, b: Batch) -> list[dict]:  # noqa: ANN001
    """The project's annotated tasks, without predictions (collect does not read them)."""
    return client.export_snapshot(b.project_id, predictions=False, annotated_only=True)


def collect_batch(ws: Workspace, b: Batch, client, result: CollectResult,  # noqa: ANN001
                  exported: list[dict] | None = None) -> None:
    """Export one project whole and bring it into the store: new and changed decisions, retractions of
    deleted annotations, rejections of malformed ones."""
    from lpo.review.collect import parse_export

    if exported is None:
        exported = export_for_collect(client, b)
    codes = [c.code for c in ws.matter.protocol.issue_codes]
    decisions, rejections = parse_export(exported, b.site, b.stage, issue_codes=codes)
    decisions = [d.model_copy(update={"batch": b.name}) for d in decisions]
    rejections = [r.model_copy(update={"batch": b.name}) for r in rejections]
    seen = {a["id"] for t in exported for a in (t.get("annotations") or []) if isinstance(a.get("id"), int)}
    with ws.store.transaction():
        i, u = ws.store.add_decisions(decisions)
        # A rejected new version leaves the last good one current; only deleted annotations retract.
        retracted = ws.store.retract_missing(b.site, b.project_id, seen)
        good = {d.annotation_id for d in decisions}
        stale = [r.annotation_id for r in ws.store.rejections(b.site, b.project_id)
                 if r.annotation_id not in seen or r.annotation_id in good]
        ws.store.clear_rejections(b.site, stale)
        new_rej = sum(ws.store.record_rejection(r) for r in rejections)
    result.inserted += i
    result.updated += u
    result.retracted += retracted
    result.rejected += len(rejections)
    result.rejections.extend(rejections)
    result.tasks += len(b.control_numbers)
    result.coded += len({d.task_id for d in decisions})
    result.annotations += len(seen)
    result.sites.add(b.site)
    if i or u or retracted or new_rej:
        ws.store.audit("lpo", "collect", b.name, {"stage": b.stage.value, "site": b.site, "project_id": b.project_id,
                                                  "inserted": i, "updated": u, "retracted": retracted,
                                                  "rejected": len(rejections)})


def collect(ws: Workspace, stage: Stage, sites: Sites | None = None) -> dict:
    """Snapshot-export every live project of the stage (one request per project, not per task)."""
    sites = sites or Sites(ws)
    result = CollectResult(stage=stage.value)
    batches = [b for b in ws.store.batches(stage) if b.project_id is not None and b.purged_at is None]
    clients = {b.site: sites.client(b.site) for b in batches}
    by_site: dict[str, list[Batch]] = {}
    for b in batches:
        by_site.setdefault(b.site, []).append(b)
    # Each site (its own Label Studio instance) exports its projects in `exports_in_parallel` threads of
    # its own (one export keeps one Label Studio worker busy), ahead of the store; the store is
    # written from this thread only.
    todo: dict[str, queue.SimpleQueue] = {site: queue.SimpleQueue() for site in by_site}
    for b in batches:
        todo[b.site].put(b)
    width = {site: ws.matter.site_named(site).exports_in_parallel for site in by_site}
    ready: queue.Queue = queue.Queue(maxsize=2 * max(sum(width.values()), 1))

    def exporter(site: str) -> None:
        while True:
            try:
                b = todo[site].get_nowait()
            except queue.Empty:
                return
            try:
                ready.put((b, export_for_collect(clients[site], b), None))
            except BaseException as e:  # noqa: BLE001 - handed to the storing thread, which raises it
                ready.put((b, None, e))
                return

    threads = [threading.Thread(target=exporter, args=(site,), daemon=True, name=f"collect-{site}-{k}")
               for site in by_site for k in range(width[site])]
    for t in threads:
        t.start()
    try:
        with step(f"Collect {stage.value} coding", len(batches)) as advance:
            for _ in range(len(batches)):
                b, exported, error = ready.get()
                if error is not None:
                    raise error
                collect_batch(ws, b, clients[b.site], result, exported)
                advance(1)
    finally:
        for t in threads:  # an exporter blocked on a full queue after an error: drain so it ends
            while t.is_alive():
                try:
                    ready.get(timeout=0.1)
                except queue.Empty:
                    pass
    return result.as_dict()


# ---- purge -------------------------------------------------------------------------------------------

def purge(ws: Workspace, site_name: str, sites: Sites | None = None) -> dict[str, Any]:
    """Delete from a site the projects whose every task is coded and collected, so privileged text does not
    linger there. Each batch is collected first; a batch with uncoded tasks or rejected annotations stays."""
    sites = sites or Sites(ws)
    ws.matter.site_named(site_name)  # a clear error for an unknown site
    client = sites.client(site_name)
    purged: list[str] = []
    kept: dict[str, str] = {}
    for b in ws.store.batches():
        if b.site != site_name or b.purged_at is not None or b.project_id is None:
            continue
        if b.routed_at is None:
            kept[b.name] = "not fully routed yet"
            continue
        r = CollectResult(stage=b.stage.value)
        collect_batch(ws, b, client, r)
        if r.coded < len(b.control_numbers):
            kept[b.name] = f"{len(b.control_numbers) - r.coded} of {len(b.control_numbers)} tasks not coded"
            continue
        if r.rejected:
            kept[b.name] = f"{r.rejected} rejected annotations to fix first (lpo status shows them)"
            continue
        client.delete_project(b.project_id)
        ws.store.mark_batch(b.name, purged=True)
        ws.store.audit("lpo", "purge", b.name, {"site": site_name, "project_id": b.project_id,
                                                "documents": len(b.control_numbers)})
        purged.append(b.name)
    return {"site": site_name, "purged": purged, "kept": kept}

