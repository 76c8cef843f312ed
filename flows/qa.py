"""Attorney QA flows: sample coded batches into the QA queue, judge them, send rejected ones back,
sample the null set for elusion, and publish the QA report as artifacts (figures, no document text)."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.common import TASK_OPTS
from lpo.qa import workflow
from lpo.workspace import Workspace


@task(**TASK_OPTS)
def sample_for_qa(matter_dir: str) -> dict:
    """Stratified samples of every fully coded, unsampled first-pass batch, to the QA site."""
    return workflow.sample_batches(Workspace.open(matter_dir)).as_dict()


@task(**TASK_OPTS)
def judge_batches(matter_dir: str) -> dict:
    """Accept or reject each batch whose sample is checked; rejected batches go back for re-review."""
    return workflow.judge_batches(Workspace.open(matter_dir))


@task(**TASK_OPTS)
def sample_for_elusion(matter_dir: str) -> dict:
    return workflow.sample_elusion(Workspace.open(matter_dir)).as_dict()


@task(**TASK_OPTS)
def publish_qa_report(matter_dir: str) -> dict:
    """Overturns by reviewer, batch and field, batch acceptance and elusion as Prefect artifacts."""
    from lpo.qa.report import render_markdown
    from lpo.qa.results import results_for

    data = results_for(Workspace.open(matter_dir))
    # An attorney's reason may quote the document: it stays in the matter (lpo qa-report), not in Prefect.
    data = {**data, "overturns": [{**o, "reason": "(see lpo qa-report)"} for o in data["overturns"]]}
    create_markdown_artifact(key="qa-report", markdown=render_markdown(data),
                             description="Attorney QA: overturn rates with intervals, batch acceptance, elusion")
    if data["batches"]:
        create_table_artifact(key="qa-batches", table=[
            {k: str(r[k]) for k in ("batch", "status", "checked", "overturned", "rate", "upper", "threshold",
                                    "rereview_batch")} for r in data["batches"]],
            description="QA verdict per first-pass batch (accepted when the upper bound is below the threshold)")
    return {"batches": len(data["batches"]), "reviewers": len(data["reviewers"]),
            "elusion": data["elusion"] is not None}


@flow(name="qa")
def qa_flow(matter_dir: str) -> dict:
    return sample_for_qa(matter_dir)


@flow(name="qa-judge")
def judge_flow(matter_dir: str) -> dict:
    return judge_batches(matter_dir)


@flow(name="qa-elusion")
def elusion_flow(matter_dir: str) -> dict:
    return sample_for_elusion(matter_dir)


@flow(name="qa-report")
def report_flow(matter_dir: str) -> dict:
    return publish_qa_report(matter_dir)
