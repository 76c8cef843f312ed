"""Where chunk work runs: this process's worker pools (the default), a Dask cluster, or the work pool.

- Default: chunk tasks in threads of the flow's process, each chunk's files or documents spread
  over that machine's worker processes (lpo.ingest.worker, nlp/parallel.py).
- `LPO_DASK_ADDRESS`: chunk tasks on a Dask cluster (`tcp://scheduler:8786`, or `local` for a
  cluster of this machine's cores). Dask workers must not be daemons, since each keeps its own
  parser or spaCy processes: start them with DASK_DISTRIBUTED__WORKER__DAEMON=False.
- `fan_out=True` on a deployed run: each chunk is a flow run of its own deployment on the work
  pool, so every Prefect worker that sees the matter folder (a shared path) and the store
  (PostgreSQL) takes a share. Chunk runs leave what they found in the matter's spool/ folder
  (never in Prefect results: those are pickles on the API's disk) and the parent reads it there.

The parent waits for its chunk runs in order. A chunk run no worker has taken after
`steal_after` seconds is cancelled and done by the parent itself: a pool whose every slot is held
by parents waiting for their chunks would otherwise wait forever.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prefect.task_runners import ThreadPoolTaskRunner

DASK_ENV = "LPO_DASK_ADDRESS"
STEAL_AFTER = float(os.environ.get("LPO_FAN_OUT_STEAL_AFTER", "120"))


def chunk_task_runner(threads: int):  # noqa: ANN201  a TaskRunner
    """The task runner for chunk tasks: threads here, or the Dask cluster `LPO_DASK_ADDRESS` names."""
    address = os.environ.get(DASK_ENV, "").strip()
    if not address:
        return ThreadPoolTaskRunner(max_workers=threads)
    return dask_task_runner(address)


def dask_task_runner(address: str):  # noqa: ANN201
    import dask
    from prefect_dask import DaskTaskRunner

    if address == "local":
        # Workers keep parser and spaCy processes of their own: a daemon process may not have children.
        dask.config.set({"distributed.worker.daemon": False})
        return DaskTaskRunner(cluster_kwargs={"processes": True, "threads_per_worker": 1})
    return DaskTaskRunner(address=address)


def deployed() -> bool:
    """Whether the running flow run, or the deployed run it is nested in, belongs to a deployment (so
    its chunks can be flow runs on the pool too)."""
    from prefect.runtime import deployment

    return bool(deployment.id)


def spool_path(matter_dir: str, name: str) -> Path:
    if not name.replace("-", "").isalnum():
        raise ValueError(f"not a spool name: {name!r}")
    return Path(matter_dir) / "spool" / f"{name}.json"


def write_spool(matter_dir: str, name: str, data: Any) -> None:
    """A chunk run's answer for its parent, written whole (rename) or not at all."""
    path = spool_path(matter_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def take_spool(matter_dir: str, name: str) -> Any:
    path = spool_path(matter_dir, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(f"{path}: the chunk run completed but its answer is not there; workers must see the "
                           "matter folder at the same path (a shared mount): check the worker's matter_dir") from None
    path.unlink()
    return data


def chunk_runs(deployment: str, matter_dir: str, params: list[dict], local: Callable[..., Any], label: str,
               steal_after: float = STEAL_AFTER, poll_seconds: float = 1.0) -> Iterator[Any]:
    """One flow run of `deployment` per chunk (parameters `params[i]` plus `matter_dir` and `spool`);
    yields each chunk's spooled answer in chunk order. `local(**params[i], matter_dir=..., spool=...)`
    does a chunk here when no worker took it in time."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.deployments import run_deployment
    from prefect.states import Cancelled

    # Chunks are waited for in order (registration numbers them in order), one API read a poll.
    stamp = uuid.uuid4().hex[:12]
    runs = []
    for i, p in enumerate(params):
        spool = f"{label}-{stamp}-{i:05d}"
        run = run_deployment(deployment, parameters={**p, "matter_dir": matter_dir, "spool": spool}, timeout=0,
                             as_subflow=True, flow_run_name=f"{label} {i + 1}/{len(params)} {stamp}")
        runs.append((run.id, spool, p))
    started = time.monotonic()
    with get_client(sync_client=True) as client:
        for i, (run_id, spool, p) in enumerate(runs):
            while True:
                state = client.read_flow_run(run_id).state
                kind = state.type if state else StateType.SCHEDULED
                if kind == StateType.COMPLETED:
                    yield take_spool(matter_dir, spool)
                    break
                if kind in (StateType.FAILED, StateType.CRASHED, StateType.CANCELLED):
                    raise RuntimeError(f"{label} chunk {i + 1} of {len(runs)} (flow run {run_id}) ended "
                                       f"{kind.value}: {state.message or 'see its log'}; nothing of it is "
                                       "registered, so running the step again does it")
                if kind == StateType.SCHEDULED and time.monotonic() - started > steal_after:
                    # Nobody took it: take it back (refused if a worker just did) and do it here.
                    r = client.set_flow_run_state(run_id, Cancelled(message="no worker took it: done by its parent"))
                    if r.status.value == "ACCEPT":
                        local(**p, matter_dir=matter_dir, spool=spool)
                        yield take_spool(matter_dir, spool)
                        break
                time.sleep(poll_seconds)
