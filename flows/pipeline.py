"""The matter pipeline: every stage in order, holding while people review."""

from __future__ import annotations

from prefect import flow

from flows.ingest import ingest_flow
from flows.pretag import pretag_flow
from flows.produce import produce_flow
from flows.qa import elusion_flow, judge_flow, qa_flow, report_flow
from flows.review import collect_flow, hold, route_flow, simulate_people
from flows.tar import prioritise_flow, tar_status_flow
from lpo.qa.workflow import open_rereviews
from lpo.workspace import Workspace


@flow(name="matter-pipeline")
def matter_pipeline(matter_dir: str, sources: list[dict], out: str, truth_path: str | None = None,
                    poll_seconds: float = 15, review_timeout_seconds: float | None = None,
                    fan_out: bool = False, ingest_chunk_size: int = 200, pretag_chunk_size: int = 1000) -> dict:
    """sources: [{"path": ..., "custodian": ...}]. truth_path only for simulated reviewers.

    While people review, a deployed run is suspended (it holds no worker) until a collect finds
    the stage coded, then restarts from the top; every step before a hold is idempotent.
    fan_out (deployed runs): ingest and pre-tag chunks are flow runs every worker of the pool takes."""
    for s in sources:
        ingest_flow(matter_dir, s["path"], s["custodian"], chunk_size=ingest_chunk_size, fan_out=fan_out)
    pretag_flow(matter_dir, chunk_size=pretag_chunk_size, fan_out=fan_out)
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
            hold(matter_dir, "first_pass", poll_seconds, review_timeout_seconds)
    else:
        route_flow(matter_dir)
        if truth_path:
            simulate_people(matter_dir, "first_pass", truth_path)
        hold(matter_dir, "first_pass", poll_seconds, review_timeout_seconds)
    rounds = Workspace.open(matter_dir).matter.qa.max_rereview_rounds
    while True:
        # QA samples every coded batch, the attorneys check, each batch is judged; rejected ones are
        # re-reviewed and come back for QA, up to the protocol's number of rounds. What is still open
        # is read from the store, so a run restarted from the top picks up where it was.
        qa_flow(matter_dir)
        if truth_path:
            simulate_people(matter_dir, "qa", truth_path)
        hold(matter_dir, "qa", poll_seconds, review_timeout_seconds)
        judge_flow(matter_dir)
        unjudged, depth = open_rereviews(Workspace.open(matter_dir))
        if not unjudged or depth > rounds:
            break
        if truth_path:
            simulate_people(matter_dir, "first_pass", truth_path)
        hold(matter_dir, "first_pass", poll_seconds, review_timeout_seconds)
    if Workspace.open(matter_dir).matter.qa.elusion:
        elusion_flow(matter_dir)
        if truth_path:
            simulate_people(matter_dir, "qa", truth_path)
        hold(matter_dir, "qa", poll_seconds, review_timeout_seconds)
    report_flow(matter_dir)
    collect_flow(matter_dir, "first_pass")
    return produce_flow(matter_dir, out)
