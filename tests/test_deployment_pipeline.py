"""[Deployment] The matter pipeline as a deployment on two process workers, with `prefect server` and
the matter's store on PostgreSQL: its ingest and pre-tag chunks are flow runs both workers take; it
suspends while people review (holding no worker); the webhook listener (`lpo collect --listen`) or a
collect that finds the stage coded resumes it, it restarts from the top and goes on, until the
production is made. People are simulated through Label Studio's API, outside the pipeline, as real
reviewers and attorneys would code.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from lpo.matter import IssueCode, Matter, ProductionConfig, Protocol, QAConfig, ReviewSite, write_matter
from lpo.models import Stage
from tests.test_deployments import POOL, ROOT, _cli, _env, _taken_by, new_database, stop_workers
from tests.test_deployments import prefect_server  # noqa: F401, F811  (the fixture)

pytestmark = pytest.mark.labelstudio


def _truth(name: str) -> dict:
    i = int(name[4:7])
    responsive = i % 2 == 0
    return {"responsive": responsive, "privilege": "attorney_client" if i % 10 == 0 else "not_privileged",
            "issue_codes": ["PRICING"] if responsive else [], "designation": None, "redactions": []}


def _wait_final_or_paused(client, run_id, timeout: float = 300):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.read_flow_run(run_id).state
        if state is not None and (state.is_final() or state.is_paused()):
            return state
        time.sleep(1)
    raise AssertionError(f"flow run {run_id} neither finished nor suspended in {timeout:.0f}s: {state}")


def _no_children(pid: int, timeout: float = 60) -> bool:
    """The worker has no child process (the flow run's process exits once it is suspended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True).stdout
        if not kids.strip():
            return True
        time.sleep(0.5)
    return False


def test_the_deployed_pipeline_suspends_for_people_and_a_collect_resumes_it(
        prefect_server, pg_url, label_studio, tmp_path, monkeypatch):  # noqa: F811 (the fixture)
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    from flows.review import collect_flow
    from lpo.review.simulate import SimulatedAttorney, SimulatedReviewers
    from lpo.review.workflow import Sites
    from lpo.workspace import Workspace

    monkeypatch.setenv("LPO_DEP_T", label_studio.token)
    src = tmp_path / "src" / "kim"
    src.mkdir(parents=True)
    for i in range(1, 41):
        body = f"Memo {i}: the GX-400 surcharge notice and our dispute." if i % 2 == 0 else f"Memo {i}: lunch plans."
        (src / f"memo{i:03d}.txt").write_text(body + "\n")
    matter_dir, out = tmp_path / "matter", tmp_path / "production"
    write_matter(matter_dir, Matter(
        name=f"Deploy {uuid.uuid4().hex[:6]}", client="Acme", control_prefix="DP",
        protocol=Protocol(instructions="Code for the surcharge dispute.",
                          issue_codes=[IssueCode(code="PRICING", description="pricing")]),
        batch_size=20, production=ProductionConfig(prefix="DPP", image_format="pdf"),
        store_url=new_database(pg_url, "matter"),  # the scale-out store: PostgreSQL
        qa=QAConfig(confidence=0.95, margin=0.10, threshold=0.15),
        review_sites=[ReviewSite(name="offshore", url=label_studio.url, token_env="LPO_DEP_T", role="first_pass"),
                      ReviewSite(name="onshore-qa", url=label_studio.url, token_env="LPO_DEP_T", role="qa")]))

    env = _env(prefect_server)
    monkeypatch.setenv("PREFECT_API_URL", prefect_server)  # the webhook listener's thread reads the environment
    _cli(env, "work-pool", "create", POOL, "--type", "process", "--overwrite")
    _cli(env, "--no-prompt", "deploy", "--all")
    # Three runs at once each: the pipeline holds a slot while its chunks run, so neither worker can
    # take all four chunks of a step alone.
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = [subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "worker", "start", "--pool", POOL,
                                 "--name", f"lpo-pipeline-{x}", "--limit", "3"], env=env, cwd=ROOT,
                                stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
               for x, log in zip("ab", logs)]
    lookup = lambda data: _truth(Path(data["source_path"]).name)  # noqa: E731
    people = {Stage.first_pass: SimulatedReviewers(lookup, error_rate=0.0, reviewers=["dp.reviewer@lpo-test.local"],
                                                   assign=lambda b: "dp.reviewer@lpo-test.local"),
              Stage.qa: SimulatedAttorney(lookup, attorney="dp.attorney@lpo-test.local")}
    waited: list[str] = []
    try:
        run = run_deployment("matter-pipeline/matter-pipeline", timeout=0, parameters={
            "matter_dir": str(matter_dir), "sources": [{"path": str(src), "custodian": "kim"}], "out": str(out),
            "poll_seconds": 1, "fan_out": True, "ingest_chunk_size": 10, "pretag_chunk_size": 10})
        with get_client(sync_client=True) as client:
            for _ in range(12):
                state = _wait_final_or_paused(client, run.id)
                if state.is_final():
                    break
                # Suspended: no flow-run process is left on either worker while people review.
                assert state.name == "Suspended", state
                assert all(_no_children(w.pid) for w in workers), "a suspended pipeline still holds a worker process"
                stage = Stage(state.state_details.pause_key.split(":")[1])
                waited.append(stage.value)
                ws = Workspace.open(matter_dir)
                sites = Sites(ws)
                if stage is Stage.first_pass and "first_pass" not in waited[:-1]:
                    # The first wait ends on Label Studio's webhooks: nobody calls collect.
                    _code_with_webhooks(ws, matter_dir, people[stage], sites, client, run.id)
                    continue
                for b in ws.store.batches(stage):
                    people[stage].code_project(sites.client(b.site), b.project_id)
                r = collect_flow(str(matter_dir), stage.value)
                assert r["resumed"] == [str(run.id)], r
        assert state.is_completed(), (state, [log.read_text()[-3000:] for log in logs])
    finally:
        stop_workers(workers)
    # It waited for first pass, for QA, and for the elusion sample; each wait was a suspension.
    assert waited[0] == "first_pass" and waited.count("qa") >= 2, waited
    ws = Workspace.open(matter_dir)
    produced = ws.store.production_documents()
    assert produced and all(ws.store.final_decisions()[pd.control_number].responsive for pd in produced)
    assert ws.store.verdicts() and ws.store.qa_samples("elusion")
    # Restarting from the top did nothing twice: one document per file, one batch per plan.
    assert len(ws.store.documents()) == 40
    names = [b.name for b in ws.store.batches()]
    assert len(names) == len(set(names))
    # The work was split: the ingest's four chunks of ten files and the pre-tag's chunks were flow runs,
    # taken by both workers; once registered, files were not sent out again on a restart.
    chunk_runs = _runs_of(["extract-files", "pretag-chunk"])
    extract = [r for r in chunk_runs if r.name.startswith("extract ")]
    assert len(extract) == 4 and all(r.state.is_completed() for r in chunk_runs), \
        [(r.name, r.state.type) for r in chunk_runs]
    assert len(chunk_runs) > 4  # pre-tag chunks too
    taken = [_taken_by(r.id, logs) for r in chunk_runs]
    assert all(len(t) == 1 for t in taken), taken  # each chunk run by one worker
    assert set().union(*taken) == {"lpo-pipeline-a", "lpo-pipeline-b"}, taken


def _code_with_webhooks(ws, matter_dir, people, sites, client, run_id) -> None:  # noqa: ANN001
    """People code every first-pass project; Label Studio's webhooks reach the listener, which collects
    each project and, the stage complete, resumes the suspended pipeline."""
    from flows.review import resume_on_collect
    from lpo.review.webhook import CollectListener, register, unregister

    with CollectListener(ws, debounce=0.5, on_collect=resume_on_collect(str(matter_dir))) as listener:
        assert register(ws, listener) == len(ws.store.batches(Stage.first_pass))
        try:
            for b in ws.store.batches(Stage.first_pass):
                people.code_project(sites.client(b.site), b.project_id)
            deadline = time.monotonic() + 120
            while client.read_flow_run(run_id).state.is_paused():
                assert time.monotonic() < deadline, f"not resumed by the webhooks: {listener.stats}"
                time.sleep(0.5)
        finally:
            unregister(ws, listener)
    assert listener.stats.collects >= 1 and not listener.stats.failures, listener.stats


def _runs_of(flow_names: list[str]) -> list:
    """Every flow run of these flows (this module's Prefect server: only this test fans out)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=flow_names)))
