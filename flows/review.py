"""Route batches to the review sites, wait while people code, collect their decisions."""

from __future__ import annotations

import time

from prefect import flow, get_run_logger, task

from flows.common import TASK_OPTS
from lpo.models import Stage
from lpo.review import workflow
from lpo.workspace import Workspace


@task(**TASK_OPTS)
def route_first_pass(matter_dir: str) -> dict:
    ws = Workspace.open(matter_dir)
    batches = workflow.route_first_pass(ws)
    return {"batches": len(batches), "documents": sum(len(b.control_numbers) for b in batches),
            "site": ws.matter.site(Stage.first_pass.value).name}


@flow(name="route")
def route_flow(matter_dir: str) -> dict:
    return route_first_pass(matter_dir)


@task(**TASK_OPTS)
def collect_stage(matter_dir: str, stage: str) -> dict:
    return workflow.collect(Workspace.open(matter_dir), Stage(stage))


@flow(name="collect")
def collect_flow(matter_dir: str, stage: str = "first_pass") -> dict:
    return collect_stage(matter_dir, stage)


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
        if r["tasks"] and r["coded"] >= r["tasks"]:
            return r
        if timeout_seconds is not None and time.monotonic() - started > timeout_seconds:
            raise TimeoutError(f"{stage} review still open after {timeout_seconds:.0f}s: "
                               f"{r['coded']}/{r['tasks']} tasks coded")
        logger.warning("%s review open: %d/%d tasks coded; checking again in %ss",
                       stage, r["coded"], r["tasks"], poll_seconds)
        time.sleep(poll_seconds)
