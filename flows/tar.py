"""Prioritised review flows: rank what is left and route the next round; report where review stands."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_table_artifact

from flows.common import TASK_OPTS
from lpo.tar import review
from lpo.workspace import Workspace


@task(**TASK_OPTS)
def route_round_task(matter_dir: str) -> dict:
    """Retrain on every coding so far, rank the unrouted documents, send the next round."""
    return review.route_round(Workspace.open(matter_dir))


@task(**TASK_OPTS)
def tar_status_task(matter_dir: str) -> dict:
    s = review.status(Workspace.open(matter_dir))
    create_table_artifact(key="prioritised-review", table=[{k: str(v) for k, v in s.items()}],
                          description="Prioritised review: reviewed, found, knee ratio, target set, stop")
    return s


@flow(name="prioritise")
def prioritise_flow(matter_dir: str) -> dict:
    return route_round_task(matter_dir)


@flow(name="tar-status")
def tar_status_flow(matter_dir: str) -> dict:
    return tar_status_task(matter_dir)
