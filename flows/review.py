"""Route batches to the review sites, wait while people code, collect their decisions, purge sites."""

from __future__ import annotations

import time

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.common import TASK_OPTS
from lpo.models import Stage
from lpo.review import workflow
from lpo.review.productivity import batch_progress, productivity, productivity_markdown
from lpo.workspace import Workspace


@task(**TASK_OPTS)
def route_first_pass(matter_dir: str) -> dict:
    """Plan, then send every pending batch; a run interrupted mid-route is finished by the next one."""
    return workflow.route_first_pass(Workspace.open(matter_dir)).as_dict()


@flow(name="route")
def route_flow(matter_dir: str) -> dict:
    return route_first_pass(matter_dir)


@task(**TASK_OPTS)
def collect_stage(matter_dir: str, stage: str) -> dict:
    return workflow.collect(Workspace.open(matter_dir), Stage(stage))


@task(**TASK_OPTS)
def publish_productivity(matter_dir: str) -> dict:
    """Reviewer productivity and batch progress as Prefect artifacts (figures and names only, no text)."""
    data = productivity(Workspace.open(matter_dir).store)
    if data["reviewers"]:
        create_table_artifact(key="review-productivity", table=[{k: str(v) for k, v in r.items()}
                                                                for r in data["reviewers"]],
                              description="Per reviewer: documents, hours, docs/hour, responsive, privilege "
                                          "and overturn rates")
    if data["batches"]:
        create_markdown_artifact(key="review-progress", markdown=productivity_markdown(data),
                                 description="Reviewers and batch progress")
    return {"reviewers": len(data["reviewers"]), "batches": len(data["batches"])}


@flow(name="collect")
def collect_flow(matter_dir: str, stage: str = "first_pass") -> dict:
    r = collect_stage(matter_dir, stage)
    publish_productivity(matter_dir)
    if r["coded"] >= r["tasks"]:
        r = {**r, "resumed": resume_pipelines(matter_dir, stage)}
    return r


SUSPENDED_FOR = "review:"  # pause key prefix: review:<stage>:<unique>


def hold(matter_dir: str, stage: str, poll_seconds: float, timeout_seconds: float | None) -> None:
    """Wait while people code `stage`. A deployed pipeline suspends, holding no worker, and a collect
    that finds the stage coded resumes it (it then restarts from the top: every step before is
    idempotent); a pipeline run locally polls (await_review). Call from the pipeline's own body:
    Prefect suspends the flow run it is called in."""
    import uuid

    from prefect.context import FlowRunContext
    from prefect.flow_runs import suspend_flow_run

    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None or ctx.flow_run.deployment_id is None:
        await_review(matter_dir, stage, poll_seconds, timeout_seconds)
        return
    r = collect_stage(matter_dir, stage)
    if r["coded"] < r["tasks"]:
        # A fresh key every time: a resume that came too early meets a new suspension, not a passed one.
        suspend_flow_run(key=f"{SUSPENDED_FOR}{stage}:{uuid.uuid4().hex}",
                         timeout=int(timeout_seconds) if timeout_seconds else None)


@task(**TASK_OPTS)
def resume_pipelines(matter_dir: str, stage: str) -> list[str]:
    """Resume the matter's suspended pipeline runs that wait for this stage (now coded)."""
    from pathlib import Path

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterState,
                                                FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.flow_runs import resume_flow_run

    here = Path(matter_dir).resolve()
    resumed = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["matter-pipeline"])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))))
    for run in runs:
        key = (run.state.state_details.pause_key or "") if run.state else ""
        theirs = run.parameters.get("matter_dir")
        if key.startswith(f"{SUSPENDED_FOR}{stage}:") and theirs and Path(theirs).resolve() == here:
            resume_flow_run(run.id)
            resumed.append(str(run.id))
    return resumed


def resume_on_collect(matter_dir: str):  # noqa: ANN201  a CollectListener on_collect callback
    """For the webhook listener (`lpo collect --listen`): once a project's collect leaves every batch of
    its stage coded, a full collect of the stage confirms it (the same rule as `lpo collect`) and the
    matter's suspended pipeline runs waiting for that stage are resumed. Needs PREFECT_API_URL."""
    import os

    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    def on_collect(batch, _result) -> list[str]:  # noqa: ANN001
        # The listener's thread has no Prefect settings context of its own: the environment says.
        api = os.environ.get("PREFECT_API_URL") or get_current_settings().api.url
        if not api:
            return []  # no Prefect server: no deployed pipeline to resume
        ws = Workspace.open(matter_dir)
        live = [b for b in ws.store.batches(batch.stage) if b.project_id is not None and b.purged_at is None]
        if any(p.coded < p.documents for p in batch_progress(live, ws.store.decisions(batch.stage), [])):
            return []
        r = workflow.collect(ws, batch.stage)
        if r["coded"] < r["tasks"]:
            return []
        with temporary_settings(updates={PREFECT_API_URL: api}):
            return resume_pipelines.fn(matter_dir, batch.stage.value)

    return on_collect


@task(**TASK_OPTS)
def purge_site_task(matter_dir: str, site: str) -> dict:
    return workflow.purge(Workspace.open(matter_dir), site)


@flow(name="purge-site")
def purge_flow(matter_dir: str, site: str) -> dict:
    """Collect, then delete from a review site every project whose coding is complete."""
    return purge_site_task(matter_dir, site)


@task(**{**TASK_OPTS, "retries": 0})
def simulate_people(matter_dir: str, stage: str, truth_path: str) -> int:
    """Only under --simulate-reviewers: code the open tasks from the sample's ground truth."""
    from lpo.demo import simulate_stage

    return simulate_stage(Workspace.open(matter_dir), Stage(stage), truth_path)


@flow(name="await-review")
def await_review(matter_dir: str, stage: str, poll_seconds: float = 15, timeout_seconds: float | None = None) -> dict:
    """Hold the pipeline while review is open: collect until every routed task is coded.

    Each poll is a snapshot collect, so decisions land in the store as reviewers work.
    """
    logger = get_run_logger()
    started = time.monotonic()
    while True:
        r = collect_stage(matter_dir, stage)
        if r["coded"] >= r["tasks"]:  # every routed task coded (none routed: nothing to wait for)
            publish_productivity(matter_dir)
            return r
        if timeout_seconds is not None and time.monotonic() - started > timeout_seconds:
            raise TimeoutError(f"{stage} review still open after {timeout_seconds:.0f}s: "
                               f"{r['coded']}/{r['tasks']} tasks coded")
        logger.warning("%s review open: %d/%d tasks coded (%d annotations rejected); checking again in %ss",
                       stage, r["coded"], r["tasks"], r["rejected"], poll_seconds)
        time.sleep(poll_seconds)
