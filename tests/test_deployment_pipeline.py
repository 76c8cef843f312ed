"""[Deployment] The matter pipeline as a deployment on a process worker, with `prefect server` and the
matter's store on PostgreSQL: it suspends while people review
(holding no worker), a collect that finds the stage coded resumes it, it restarts from the top and
goes on, until the production is made. People are simulated through Label Studio's API, outside the
pipeline, as real reviewers and attorneys would code.
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
from tests.test_deployments import POOL, ROOT, _cli, _env, new_database, prefect_server  # noqa: F401 (fixture)

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


def test_the_deployed_pipeline_suspends_for_people_and_a_collect_resumes_it(prefect_server, pg_url, label_studio,
                                                                              tmp_path, monkeypatch):
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
    _cli(env, "work-pool", "create", POOL, "--type", "process", "--overwrite")
    _cli(env, "--no-prompt", "deploy", "--all")
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "worker", "start", "--pool", POOL,
                               "--name", "lpo-pipeline-worker"], env=env, cwd=ROOT, stdout=open(log, "w"),
                              stderr=subprocess.STDOUT)
    lookup = lambda data: _truth(Path(data["source_path"]).name)  # noqa: E731
    people = {Stage.first_pass: SimulatedReviewers(lookup, error_rate=0.0, reviewers=["dp.reviewer@lpo-test.local"],
                                                   assign=lambda b: "dp.reviewer@lpo-test.local"),
              Stage.qa: SimulatedAttorney(lookup, attorney="dp.attorney@lpo-test.local")}
    waited: list[str] = []
    try:
        run = run_deployment("matter-pipeline/matter-pipeline", timeout=0, parameters={
            "matter_dir": str(matter_dir), "sources": [{"path": str(src), "custodian": "kim"}], "out": str(out),
            "poll_seconds": 1})
        with get_client(sync_client=True) as client:
            for _ in range(12):
                state = _wait_final_or_paused(client, run.id)
                if state.is_final():
                    break
                # Suspended: no flow-run process is left on the worker while people review.
                assert state.name == "Suspended", state
                assert _no_children(worker.pid), "a suspended pipeline still holds a process on the worker"
                stage = Stage(state.state_details.pause_key.split(":")[1])
                waited.append(stage.value)
                ws = Workspace.open(matter_dir)
                sites = Sites(ws)
                for b in ws.store.batches(stage):
                    people[stage].code_project(sites.client(b.site), b.project_id)
                r = collect_flow(str(matter_dir), stage.value)
                assert r["resumed"] == [str(run.id)], r
        assert state.is_completed(), (state, log.read_text()[-3000:])
    finally:
        worker.terminate()
        worker.wait(timeout=30)
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
