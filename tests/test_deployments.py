"""[Deployment] prefect.yaml: every flow deployed on the process work pool, deployable with Prefect's own
CLI against a real `prefect server` on PostgreSQL, and runs picked up by process workers (two workers,
one run each). The workers are `prefect worker start` processes, as in production.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PREFECT_YAML = yaml.safe_load((ROOT / "prefect.yaml").read_text())
POOL = "lpo-process"


def _flows_in_code() -> set[str]:
    """`file:function` of every @flow in flows/."""
    out = set()
    for path in sorted((ROOT / "flows").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and any(
                    (isinstance(d, ast.Call) and getattr(d.func, "id", None) == "flow")
                    or getattr(d, "id", None) == "flow" for d in node.decorator_list):
                out.add(f"flows/{path.name}:{node.name}")
    return out


def test_every_flow_has_one_deployment_on_the_process_pool():
    from prefect.flows import Flow, load_flow_from_entrypoint

    deployments = PREFECT_YAML["deployments"]
    entrypoints = [d["entrypoint"] for d in deployments]
    assert sorted(entrypoints) == sorted(_flows_in_code())
    assert len({d["name"] for d in deployments}) == len(deployments)
    for d in deployments:
        assert d["work_pool"]["name"] == POOL, d["name"]
        assert isinstance(load_flow_from_entrypoint(str(ROOT / d["entrypoint"])), Flow), d["entrypoint"]


def new_database(pg_url: str, prefix: str) -> str:
    """A fresh database in the test cluster; its SQLAlchemy URL (psycopg)."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module")
def prefect_server(pg_url, tmp_path_factory):
    """`prefect server start` on its own PostgreSQL database; yields the API URL, set for this process too."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tests.pg_server import free_port

    db = new_database(pg_url, "prefect").replace("postgresql+psycopg", "postgresql+asyncpg")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    log = tmp_path_factory.mktemp("prefect-server") / "server.log"
    env = {**os.environ, "PREFECT_API_DATABASE_CONNECTION_URL": db, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        with temporary_settings(updates={PREFECT_API_URL: api}):
            yield api
    finally:
        server.terminate()
        server.wait(timeout=60)


def _env(api_url: str) -> dict:
    return {**os.environ, "PREFECT_API_URL": api_url, "LPO_HOME": str(ROOT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_LOGGING_LEVEL": "INFO"}  # flows/__init__ quiets Prefect to warnings; workers say who ran what


def _cli(env: dict, *args: str) -> str:
    r = subprocess.run([str(Path(sys.executable).parent / "prefect"), *args], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"prefect {' '.join(args)}: {r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r.stdout


def test_deployed_runs_are_shared_by_two_process_workers(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    from lpo.cli import app
    from lpo.workspace import Workspace
    from typer.testing import CliRunner

    env = _env(prefect_server)
    _cli(env, "work-pool", "create", POOL, "--type", "process", "--overwrite")
    _cli(env, "--no-prompt", "deploy", "--all")
    with get_client(sync_client=True) as client:
        deployed = {d.name for d in client.read_deployments()}
    assert deployed >= {d["name"] for d in PREFECT_YAML["deployments"]}

    # Two matters, a custodian's folder each (two matters: two runs that share nothing).
    matters = []
    for k in (1, 2):
        matter, src = tmp_path / f"matter{k}", tmp_path / f"src{k}"
        src.mkdir()
        (src / f"memo{k}.txt").write_text(f"Memo {k}: the GX-400 surcharge notice.\n")
        assert CliRunner().invoke(app, ["init", str(matter), "--name", f"Deploy {k}"]).exit_code == 0
        matters.append((matter, src))

    logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
    workers = [subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "worker", "start", "--pool", POOL,
                                 "--name", f"lpo-worker-{i}", "--limit", "1"], env=env, cwd=ROOT,
                                stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
               for i, log in enumerate(logs, 1)]
    try:
        deadline = time.monotonic() + 120  # both workers polling before any run exists
        while not all(f"Worker 'lpo-worker-{i}' started" in log.read_text() for i, log in enumerate(logs, 1)):
            assert time.monotonic() < deadline and all(w.poll() is None for w in workers), \
                [log.read_text()[-1500:] for log in logs]
            time.sleep(0.5)
        runs = [run_deployment("ingest/ingest", timeout=0,
                               parameters={"matter_dir": str(m), "path": str(s), "custodian": f"custodian{k}"})
                for k, (m, s) in enumerate(matters, 1)]
        deadline = time.monotonic() + 300
        with get_client(sync_client=True) as client:
            while True:
                states = [client.read_flow_run(r.id).state for r in runs]
                if all(s.is_final() for s in states) or time.monotonic() > deadline:
                    break
                time.sleep(1)
        assert all(s.is_completed() for s in states), [(s.type, s.message) for s in states]
    finally:
        stop_workers(workers)
    for k, (m, _) in enumerate(matters, 1):
        docs = Workspace.open(m).store.documents()
        assert [d.custodian for d in docs] == [f"custodian{k}"]
    # Each worker takes one run at a time (--limit 1), so the two runs went to the two workers: each
    # worker says in its own log which runs it submitted, and which of those another had already taken.
    assert [_taken_by(r.id, logs) for r in runs] in (
        [{"lpo-worker-1"}, {"lpo-worker-2"}], [{"lpo-worker-2"}, {"lpo-worker-1"}]), \
        [log.read_text()[-1500:] for log in logs]


def stop_workers(workers: list[subprocess.Popen], grace: float = 90) -> None:
    """SIGTERM, then SIGKILL the worker's whole session if it has not stopped within `grace` seconds:
    on a loaded machine Prefect's worker can take longer than that to shut down, and the test's
    teardown must not fail on it or leave it running."""
    for w in workers:
        w.terminate()
    deadline = time.monotonic() + grace
    for w in workers:
        try:
            w.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(w.pid, signal.SIGKILL)
            w.wait(timeout=30)


def _taken_by(flow_run_id, logs: list[Path]) -> set[str]:  # noqa: ANN001
    """The workers that ran a flow run, from their logs. Two workers polling at once may both try to
    submit the same run: the one that loses logs 'submitting' too, then 'Aborted submission' once the
    API refuses it, so a 'submitting' line alone does not say who ran it."""
    import re

    takers = set()
    for log in logs:
        text = log.read_text()
        for m in re.finditer(rf"Worker '([^']+)' submitting flow run '{flow_run_id}'", text):
            if f"Aborted submission of flow run '{flow_run_id}'" not in text:
                takers.add(m.group(1))
    return takers
