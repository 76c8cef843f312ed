"""Pre-tag flow: spaCy over chunks of documents; only ids cross task boundaries."""

from __future__ import annotations

from prefect import flow, task

from flows.common import TASK_OPTS, chunks
from lpo.pretag import pretag_documents, pretagger
from lpo.progress import step
from lpo.workspace import Workspace


@task(**TASK_OPTS)
def pretag_chunk(matter_dir: str, control_numbers: list[str]) -> int:
    return pretag_documents(Workspace.open(matter_dir), control_numbers)


@flow(name="pretag")
def pretag_flow(matter_dir: str, chunk_size: int = 200) -> dict:
    ws = Workspace.open(matter_dir)
    tagger = pretagger(ws.matter.protocol)
    todo = ws.store.unpretagged(tagger.version)
    # Sequential chunks: spaCy holds the GIL, threads would only add contention here.
    done = 0
    with step("Pre-tag", len(todo)) as advance:
        for c in chunks(todo, chunk_size):
            n = pretag_chunk(str(ws.dir), c)
            done += n
            advance(n)
    ws.store.audit("lpo", "pretag", ws.matter.name, {"documents": done, "version": tagger.version,
                                                      "mode": tagger.mode})
    return {"pretagged": done, "version": tagger.version, "mode": tagger.mode}
