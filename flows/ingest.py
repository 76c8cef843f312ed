"""Ingest flow: extract chunks of files in worker processes, then number and register them in order.

Chunk tasks run side by side and share one pool of worker processes (one per core by
default), each file under the matter's time and memory limits. Registration stays in
the flow, serial and in file order: control numbers never depend on which chunk or
worker finished first, so a re-run, or a run started again after a kill, numbers
every file as an uninterrupted run would. Tasks pass paths and hashes, never text.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

from flows.common import TASK_OPTS, chunks
from lpo.ingest import FileResult, list_files
from lpo.ingest.base import IngestContext
from lpo.ingest.manager import register_files, registered
from lpo.ingest.worker import Limits, close_shared_pools, shared_pool
from lpo.progress import step
from lpo.workspace import Workspace

CHUNK_SIZE = 200  # files per task run: a task run costs ~23 ms, a file a few
# Chunks extracting at once: while one is registered the next is parsed, and the workers
# never wait for the slowest file of a chunk.
CHUNKS_IN_FLIGHT = 3


def read_passwords(path: str | None) -> tuple[str, ...]:
    """A password bank file: one password a line (blank lines ignored, spaces kept)."""
    if not path:
        return ()
    return tuple(ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln)


@task(**TASK_OPTS)
def extract_chunk(matter_dir: str, root: str, paths: list[str], known: dict[str, tuple[str, int]],
                  passwords_file: str | None = None, workers: int | None = None) -> list[FileResult]:
    # The password file's path crosses the task boundary, never the passwords.
    ws = Workspace.open(matter_dir)
    cfg = ws.matter.processing
    pool = shared_pool(ws.content.root, IngestContext.from_config(cfg, read_passwords(passwords_file)),
                       Limits.from_config(cfg), workers)
    return pool.extract(Path(root), paths, known)


@task(**TASK_OPTS)
def register_chunk(matter_dir: str, custodian: str, results: list[FileResult]) -> int:
    ws = Workspace.open(matter_dir)
    return register_files(ws.store, ws.content, ws.matter.doc_prefix, custodian, results)


# Scale-out: a DaskTaskRunner (prefect-dask) here runs the chunk tasks on a cluster; each
# Dask worker process then keeps its own pool of parser processes (lpo.ingest.worker).
@flow(name="ingest", log_prints=False, task_runner=ThreadPoolTaskRunner(max_workers=CHUNKS_IN_FLIGHT))
def ingest_flow(matter_dir: str, path: str, custodian: str, chunk_size: int = CHUNK_SIZE,
                passwords_file: str | None = None, workers: int | None = None) -> dict:
    ws = Workspace.open(matter_dir)
    root = Path(path).resolve()
    files = list_files(root)
    known = registered(ws.store, custodian)  # unchanged files are hashed, not parsed again
    futures = [extract_chunk.submit(str(ws.dir), str(root), c, {p: known[p] for p in c if p in known},
                                    passwords_file, workers)
               for c in chunks(files, chunk_size)]
    added = unchanged = 0
    try:
        with step(f"Ingest {custodian}"[:28], len(files)) as advance:
            for fut in futures:  # register in file order: control numbers never depend on which chunk finished first
                results = fut.result()
                added += register_chunk(str(ws.dir), custodian, results)
                unchanged += sum(r.unchanged for r in results)
                advance(len(results))
    except BaseException:
        close_shared_pools(cancel=True)
        raise
    close_shared_pools()
    ws.store.audit("lpo", "ingest", f"{custodian}:{path}",
                   {"files": len(files), "unchanged": unchanged, "documents_added": added})
    culled = cull_matter(str(ws.dir))
    return {"files": len(files), "unchanged": unchanged, "documents_added": added, "cull": culled}


@task(**TASK_OPTS)
def cull_matter(matter_dir: str) -> dict:
    """Duplicates, email duplicates, threads, near-duplicates and de-NIST over the whole matter:
    a new custodian's files can duplicate or continue another's, so it runs after every ingest."""
    from lpo.cull import cull

    return cull(Workspace.open(matter_dir))
