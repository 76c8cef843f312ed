"""The matter pipeline: every stage in order, holding while people review."""

from __future__ import annotations

from prefect import flow

from flows.ingest import ingest_flow
from flows.pretag import pretag_flow
from flows.produce import produce_flow
from flows.qa import elusion_flow, judge_flow, qa_flow, report_flow
from flows.review import await_review, collect_flow, route_flow, simulate_people
from flows.tar import prioritise_flow, tar_status_flow
from lpo.workspace import Workspace


@flow(name="matter-pipeline")
def matter_pipeline(matter_dir: str, sources: list[dict], out: str, truth_path: str | None = None,
                    poll_seconds: float = 15, review_timeout_seconds: float | None = None) -> dict:
    """sources: [{"path": ..., "custodian": ...}]. truth_path only for simulated reviewers."""
    for s in sources:
        ingest_flow(matter_dir, s["path"], s["custodian"])
    pretag_flow(matter_dir)
    if Workspace.open(matter_dir).matter.tar.enabled:
        # Prioritised review: a round from the top of the ranking, coded, collected, the model retrained,
        # until the stopping rule says recall is high enough or nothing is left.
        # The stop is checked first, so a pipeline restarted from the top does not route past it.
        while not tar_status_flow(matter_dir)["stop"]:
            r = prioritise_flow(matter_dir)
            if not (r["planned"] or r["resumed"]):
                break
            if truth_path:
                simulate_people(matter_dir, "first_pass", truth_path)
            await_review(matter_dir, "first_pass", poll_seconds, review_timeout_seconds)
    else:
        route_flow(matter_dir)
        if truth_path:
            simulate_people(matter_dir, "first_pass", truth_path)
        await_review(matter_dir, "first_pass", poll_seconds, review_timeout_seconds)
    rounds = Workspace.open(matter_dir).matter.qa.max_rereview_rounds
    for round_ in range(rounds + 1):
        # QA samples every coded batch, the attorneys check, each batch is judged; rejected ones
        # are re-reviewed and come back for QA, up to the protocol's number of rounds.
        qa_flow(matter_dir)
        if truth_path:
            simulate_people(matter_dir, "qa", truth_path)
        await_review(matter_dir, "qa", poll_seconds, review_timeout_seconds)
        verdicts = judge_flow(matter_dir)
        if not verdicts["rereview"] or round_ == rounds:
            break
        if truth_path:
            simulate_people(matter_dir, "first_pass", truth_path)
        await_review(matter_dir, "first_pass", poll_seconds, review_timeout_seconds)
    if Workspace.open(matter_dir).matter.qa.elusion:
        elusion_flow(matter_dir)
        if truth_path:
            simulate_people(matter_dir, "qa", truth_path)
        await_review(matter_dir, "qa", poll_seconds, review_timeout_seconds)
    report_flow(matter_dir)
    collect_flow(matter_dir, "first_pass")
    return produce_flow(matter_dir, out)
