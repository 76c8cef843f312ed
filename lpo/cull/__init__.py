"""Culling and structure, after ingest: what a reviewer need not see, and how the rest hangs together.

`cull(ws)` runs over the whole matter, in this order (each step reads what the earlier set):
1. de-NIST        known system and software files -> filtered = "nist"          (nist.py)
2. email hashes   a normalised hash per email, computed once                    (dedupe.py)
3. dedupe         exact (SHA-256) and email duplicates -> duplicate_of, custodians (dedupe.py)
4. threads        thread_id and inclusive on every email                         (threads.py)
5. near-dups      MinHash/LSH groups of the remaining documents                  (neardup.py)

It is idempotent (a second run writes nothing) and works in chunks: texts are streamed from
the content store one at a time, and memory holds per-document keys, never the texts.
Prefect-free: flows/ingest.py calls it as the ingest flow's last step.
"""

from __future__ import annotations

import os
import time

from lpo.cull.dedupe import dedupe, hash_emails
from lpo.cull.neardup import near_duplicates
from lpo.cull.nist import NistListError, denist, nist_path
from lpo.cull.threads import thread
from lpo.workspace import Workspace

__all__ = ["NistListError", "cull"]

POOL_MIN = 5000


def cull(ws: Workspace, workers: int | None = None) -> dict:
    """Run every culling step over the matter; returns figures per step and seconds taken.
    `workers`: processes computing near-duplicate signatures; by default every core once the
    matter has POOL_MIN documents (below that, starting processes costs more than it saves)."""
    cfg = ws.matter.processing
    if workers is None:
        workers = (os.cpu_count() or 1) if ws.store.next_seq() > POOL_MIN else 1  # next_seq: one cheap query
    nist_file = nist_path(ws.dir, cfg.nist_list)  # a wrong path fails before any work

    out: dict = {}
    t0 = time.perf_counter()
    steps = [
        ("nist", lambda: denist(ws.store, nist_file)),
        ("email_hashes", lambda: {"computed": hash_emails(ws.store, ws.content)}),
        ("dedupe", lambda: dedupe(ws.store, cfg.dedupe)),
        ("threads", lambda: thread(ws.store, ws.content)),
        ("near_duplicates", lambda: near_duplicates(ws.store, ws.content, cfg.near_duplicate_threshold,
                                                    tmp_dir=ws.dir, workers=workers)),
    ]
    for name, run in steps:
        t = time.perf_counter()
        out[name] = {**run(), "seconds": round(time.perf_counter() - t, 3)}
    out["seconds"] = round(time.perf_counter() - t0, 3)
    if any(v.get("changed") or v.get("computed") for v in out.values() if isinstance(v, dict)):
        # Chain of custody: what culling decided, once per run that decided something.
        ws.store.audit("lpo", "cull", ws.matter.name, out)
    return out
