"""Ingest flow: extract chunks of files in worker processes, then number and register them in order.

Chunk tasks run side by side and share one pool of worker processes (one per core by
default), each file under the matter's time and memory limits. Registration stays in
the flow, serial and in file order: control numbers never depend on which chunk or
worker finished first, so a re-run, or a run started again after a kill, numbers
every file as an uninterrupted run would. Tasks pass paths and hashes, never text.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from prefect import flow, task

from flows.common import TASK_OPTS, chunks
from flows.fanout import chunk_runs, chunk_task_runner, deployed, write_spool
from lpo.ingest import FileResult, list_files
from lpo.ingest.base import IngestContext
from lpo.ingest.manager import register_files, registered, unchanged
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


def _as_json(r: FileResult) -> dict:
    return {**dataclasses.asdict(r), "node_json": r.node_json.decode() if r.node_json else None}


def _from_json(d: dict) -> FileResult:
    return FileResult(**{**d, "node_json": d["node_json"].encode() if d["node_json"] else None})


@flow(name="extract-files")
def extract_files_flow(matter_dir: str, root: str, paths: list[str], known: dict[str, tuple[str, int]],
                       passwords_file: str | None = None, workers: int | None = None, spool: str = "") -> int:
    """A chunk of a fanned-out ingest, run by whichever worker takes it: the files parsed into the
    content store, their results (paths, hashes, metadata) spooled for the parent to register."""
    try:
        results = extract_chunk.fn(matter_dir, root, paths, known, passwords_file, workers)
    finally:
        close_shared_pools()
    write_spool(matter_dir, spool, [_as_json(r) for r in results])
    return len(results)


def _extracted(ws: Workspace, root: Path, files: list[str], known: dict, chunk_size: int,
               passwords_file: str | None, workers: int | None, fan_out: bool):
    """Each chunk's FileResults, in file order: from tasks here (or on Dask), or from chunk runs on the pool."""
    def parts(paths: list[str]) -> list[dict]:
        return [dict(root=str(root), paths=c, known={p: known[p] for p in c if p in known},
                     passwords_file=passwords_file, workers=workers) for c in chunks(paths, chunk_size)]

    if fan_out and deployed():
        # Files as registered before are only hashed, here: a pipeline restarted from the top (after
        # each review suspension) then starts no chunk run for them. The rest fan out.
        same = [r for p in files if p in known and (r := unchanged(root, p, known[p])) is not None]
        if same:
            yield same
        done = {r.path for r in same}
        for answer in chunk_runs("extract-files/extract-files", str(ws.dir), parts([p for p in files if p not in done]),
                                 extract_files_flow.fn, "extract"):
            yield [_from_json(d) for d in answer]
        return
    futures = [extract_chunk.submit(str(ws.dir), **p) for p in parts(files)]
    for fut in futures:
        yield fut.result()


@flow(name="ingest", log_prints=False, task_runner=chunk_task_runner(CHUNKS_IN_FLIGHT))
def ingest_flow(matter_dir: str, path: str, custodian: str, chunk_size: int = CHUNK_SIZE,
                passwords_file: str | None = None, workers: int | None = None, fan_out: bool = False) -> dict:
    """fan_out: on a deployed run, each chunk of files is a flow run any worker of the pool takes
    (registration stays here, one writer, in file order)."""
    ws = Workspace.open(matter_dir)
    root = Path(path).resolve()
    files = list_files(root)
    known = registered(ws.store, custodian)  # unchanged files are hashed, not parsed again
    added = unchanged = 0
    try:
        with step(f"Ingest {custodian}"[:28], len(files)) as advance:
            # register in file order: control numbers never depend on which chunk finished first
            for results in _extracted(ws, root, files, known, chunk_size, passwords_file, workers, fan_out):
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
