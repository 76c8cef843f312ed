"""Production flow: select, Bates-number, endorse, image, write load files, privilege log and manifest."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_table_artifact

from flows.common import TASK_OPTS
from lpo.production.selection import produce_matter
from lpo.workspace import Workspace

SUMMARY_KEYS = ("volume", "documents", "pages", "withheld", "begin_bates", "end_bates", "path")


@task(**{**TASK_OPTS, "retries": 0})
def produce_volumes_task(matter_dir: str, out: str) -> dict:
    # One task: volumes share one Bates sequence and are produced in order.
    return produce_matter(Workspace.open(matter_dir), out)


@flow(name="produce")
def produce_flow(matter_dir: str, out: str) -> dict:
    r = produce_volumes_task(matter_dir, out)
    # Figures and control numbers only: no document text in artifacts.
    create_table_artifact(key="production-summary",
                          table=[{**{k: str(r[k]) for k in SUMMARY_KEYS}, "held": str(len(r["held"])),
                                  "notes": str(len(r["notes"]))}],
                          description="Production summary (volumes, Bates range, documents held back)")
    return r
