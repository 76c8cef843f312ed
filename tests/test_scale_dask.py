"""[Deployment] A Dask cluster as the task runner for scale-out: ingest and pre-tag chunks run on the
cluster's workers (two worker processes of a real `distributed` LocalCluster here; a cluster of many
machines in a deployment) and give the matter a local run gives, document for document.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from typer.testing import CliRunner

from lpo.cli import app
from lpo.store import Store
from tests.test_ingest_runtime import LPO, snapshot, write_collection

runner = CliRunner()


def _pretags(store: Store) -> list:
    return sorted((cn, t.label, t.start, t.end, t.source) for cn in (d.control_number for d in store.documents())
                  for t in store.pretags(cn))


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import Client, LocalCluster

    # Dask workers keep parser and spaCy processes of their own: they must not be daemons.
    with dask.config.set({"distributed.worker.daemon": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
            Client(c) as client:
        yield c, client


@pytest.mark.skipif(not LPO.exists(), reason=f"{LPO} absent: run `make setup`")
def test_ingest_and_pretag_on_a_dask_cluster_match_a_local_run(tmp_path, prefect_harness, cluster):
    from distributed import get_task_stream
    from prefect.settings import PREFECT_API_URL

    from flows.fanout import dask_task_runner
    from flows.pretag import pretag_flow

    c, client = cluster
    src = tmp_path / "src"
    write_collection(src, n=40)
    for m in ("dask", "local"):
        assert runner.invoke(app, ["init", str(tmp_path / m), "--name", "Acme"]).exit_code == 0
    args = [str(src), "--custodian", "Jane Doe", "--workers", "1", "--chunk-size", "5"]

    # `lpo ingest` with LPO_DASK_ADDRESS: the flow's chunk tasks go to the cluster, not to threads.
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "LPO_DASK_ADDRESS": c.scheduler_address}
    with get_task_stream(client) as stream:  # the scheduler records which worker ran each task
        p = subprocess.run([str(LPO), "ingest", str(tmp_path / "dask"), *args], env=env, capture_output=True,
                           text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    ran_on = {t["worker"] for t in stream.data}
    assert ran_on == set(c.scheduler_info["workers"]), ran_on  # both Dask workers took chunks
    r = runner.invoke(app, ["ingest", str(tmp_path / "local"), *args])
    assert r.exit_code == 0, r.output

    on_dask, local = Store.for_matter(tmp_path / "dask"), Store.for_matter(tmp_path / "local")
    assert snapshot(on_dask) == snapshot(local)
    assert len(snapshot(on_dask)[0]) >= 40

    # Pre-tag: chunks side by side on the cluster, the same tags as one chunk at a time here.
    pretag_flow.with_options(task_runner=dask_task_runner(c.scheduler_address))(str(tmp_path / "dask"), chunk_size=8)
    pretag_flow(str(tmp_path / "local"), chunk_size=8)
    assert _pretags(on_dask) == _pretags(local) and _pretags(local)
    assert on_dask.privilege_screen() == local.privilege_screen()
    on_dask.close()
    local.close()
