"""Attorney QA flow: a seeded random sample of first-pass decisions into the QA queue."""

from __future__ import annotations

from prefect import flow, task

from flows.common import TASK_OPTS
from lpo.models import Stage
from lpo.review import workflow
from lpo.workspace import Workspace


@task(**TASK_OPTS)
def sample_for_qa(matter_dir: str) -> dict:
    ws = Workspace.open(matter_dir)
    sample, population = workflow.route_qa(ws)
    site = ws.matter.site(Stage.qa.value).name
    if sample is None:
        return {"size": 0, "population": 0, "site": site, "sample": None}
    ws.store.audit("lpo", "qa-sample", sample.name, {"population": population, "size": sample.size,
                                                     "seed": sample.seed, "confidence": sample.confidence,
                                                     "margin": sample.margin})
    return {"size": sample.size, "population": population, "site": site, "sample": sample.name}


@flow(name="qa")
def qa_flow(matter_dir: str) -> dict:
    return sample_for_qa(matter_dir)
