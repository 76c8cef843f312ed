"""Ingest flow: extract chunks of files in parallel, then number and register them in order."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from flows.common import TASK_OPTS, chunks
from lpo.ingest import FileResult, extract_file, list_files, register_file
from lpo.ingest.base import IngestContext
from lpo.progress import step
from lpo.workspace import Workspace


def read_passwords(path: str | None) -> tuple[str, ...]:
    """A password bank file: one password a line (blank lines ignored, spaces kept)."""
    if not path:
        return ()
    return tuple(ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln)


@task(**TASK_OPTS)
def extract_chunk(matter_dir: str, root: str, paths: list[str], passwords_file: str | None = None
                  ) -> list[FileResult]:
    # The password file's path crosses the task boundary, never the passwords.
    ws = Workspace.open(matter_dir)
    ctx = IngestContext.from_config(ws.matter.processing, read_passwords(passwords_file))
    return [extract_file(ws.content, Path(root), p, ctx) for p in paths]


@task(**TASK_OPTS)
def register_chunk(matter_dir: str, custodian: str, results: list[FileResult]) -> int:
    ws = Workspace.open(matter_dir)
    return sum(register_file(ws.store, ws.content, ws.matter.doc_prefix, custodian, r) for r in results)


@flow(name="ingest", log_prints=False)
def ingest_flow(matter_dir: str, path: str, custodian: str, chunk_size: int = 50,
                passwords_file: str | None = None) -> dict:
    ws = Workspace.open(matter_dir)
    files = list_files(Path(path))
    futures = [extract_chunk.submit(str(ws.dir), str(Path(path).resolve()), c, passwords_file)
               for c in chunks(files, chunk_size)]
    added = 0
    with step(f"Ingest {custodian}"[:28], len(files)) as advance:
        for fut in futures:  # register in file order: control numbers never depend on which chunk finished first
            results = fut.result()
            added += register_chunk(str(ws.dir), custodian, results)
            advance(len(results))
    ws.store.audit("lpo", "ingest", f"{custodian}:{path}", {"files": len(files), "documents_added": added})
    return {"files": len(files), "documents_added": added}
