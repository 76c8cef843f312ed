"""Production flow: select, Bates-number, image, write load files, manifest and privilege log."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_table_artifact

from flows.common import TASK_OPTS
from lpo.production.selection import produce_matter
from lpo.workspace import Workspace


@task(**{**TASK_OPTS, "retries": 0})
def produce_volume_task(matter_dir: str, out: str) -> dict:
    return produce_matter(Workspace.open(matter_dir), out)


@flow(name="produce")
def produce_flow(matter_dir: str, out: str) -> dict:
    r = produce_volume_task(matter_dir, out)
    # Figures only: no document text in artifacts.
    create_table_artifact(key="production-summary", table=[{k: str(v) for k, v in r.items()}],
                          description="Production volume summary")
    return r
