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
from lpo.pretag import close_pretaggers, pretag_documents, pretagger
from lpo.progress import step
from lpo.workspace import Workspace


@task(**TASK_OPTS)
def pretag_chunk(matter_dir: str, control_numbers: list[str]) -> int:
    return pretag_documents(Workspace.open(matter_dir), control_numbers)


@flow(name="pretag")
def pretag_flow(matter_dir: str, chunk_size: int = 1000) -> dict:
    ws = Workspace.open(matter_dir)
    tagger = pretagger(ws.matter.protocol)
    todo = ws.store.unpretagged(tagger.version)
    # Sequential chunks, each big enough for the worker pool to pay off; spaCy holds
    # the GIL, so parallelism comes from processes, not task threads.
    done = 0
    try:
        with step("Pre-tag", len(todo)) as advance:
            for c in chunks(todo, chunk_size):
                n = pretag_chunk(str(ws.dir), c)
                done += n
                advance(n)
    finally:
        close_pretaggers()
    ws.store.audit("lpo", "pretag", ws.matter.name, {"documents": done, "version": tagger.version,
                                                      "mode": tagger.mode})
    return {"pretagged": done, "version": tagger.version, "mode": tagger.mode}
