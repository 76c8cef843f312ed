"""Pre-tag flow: spaCy over chunks of documents; only ids cross task boundaries.

Only documents whose text this pipeline version has not tagged are run
(Store.unpretagged), so the flow is incremental and resumes where a stopped
run left off. Within a chunk the pipeline spreads documents over worker
processes (nlp/parallel.py), which stay up from chunk to chunk and stop when
the flow ends.
"""

from __future__ import annotations

from prefect import flow, task

from flows.common import TASK_OPTS, chunks
from flows.fanout import chunk_runs, chunk_task_runner, deployed, write_spool
from lpo.pretag import close_pretaggers, pretag_documents, pretagger
from lpo.progress import step
from lpo.workspace import Workspace


@task(**TASK_OPTS)
def pretag_chunk(matter_dir: str, control_numbers: list[str]) -> int:
    return pretag_documents(Workspace.open(matter_dir), control_numbers)


@flow(name="pretag-chunk")
def pretag_chunk_flow(matter_dir: str, control_numbers: list[str], spool: str = "") -> int:
    """A chunk of a fanned-out pre-tag, run by whichever worker takes it (each document's tags are
    written in one transaction, so chunks on several machines never meet)."""
    try:
        n = pretag_documents(Workspace.open(matter_dir), control_numbers)
    finally:
        close_pretaggers()
    write_spool(matter_dir, spool, n)
    return n


def _pretagged(ws: Workspace, todo: list[str], chunk_size: int, fan_out: bool):
    parts = list(chunks(todo, chunk_size))
    if fan_out and deployed():
        yield from chunk_runs("pretag-chunk/pretag-chunk", str(ws.dir), [{"control_numbers": c} for c in parts],
                              pretag_chunk_flow.fn, "pretag")
        return
    # Here: one chunk at a time (threads=1), each big enough for the worker pool to pay off; spaCy
    # holds the GIL, so parallelism comes from processes. On Dask: chunks side by side on its workers.
    futures = [pretag_chunk.submit(str(ws.dir), c) for c in parts]
    for fut in futures:
        yield fut.result()


@flow(name="pretag", task_runner=chunk_task_runner(1))
def pretag_flow(matter_dir: str, chunk_size: int = 1000, fan_out: bool = False) -> dict:
    """fan_out: on a deployed run, each chunk of documents is a flow run any worker of the pool takes."""
    ws = Workspace.open(matter_dir)
    tagger = pretagger(ws.matter.protocol)
    todo = ws.store.unpretagged(tagger.version)
    done = 0
    try:
        with step("Pre-tag", len(todo)) as advance:
            for n in _pretagged(ws, todo, chunk_size, fan_out):
                done += n
                advance(n)
    finally:
        close_pretaggers()
    ws.store.audit("lpo", "pretag", ws.matter.name, {"documents": done, "version": tagger.version,
                                                      "mode": tagger.mode})
    return {"pretagged": done, "version": tagger.version, "mode": tagger.mode}
