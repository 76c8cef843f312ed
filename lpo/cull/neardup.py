"""Near-duplicate groups: MinHash signatures of word shingles, banded (LSH), grouped round pivots.

1. Each document's text (an email's body) is case-folded into words; every run of SHINGLE
   words is a shingle; datasketch's MinHash (fixed seed) turns the shingle set into NUM_PERM
   32-bit values whose agreement estimates Jaccard similarity. Texts under MIN_WORDS words are
   skipped: a few words say too little to call two documents the same.
2. Signatures are cut into b bands of r rows, (b, r) chosen for the threshold. Documents that
   share no band with any other are alone (most of a matter), found by sorting the band keys.
3. The rest, in control-number order, join the most similar earlier pivot whose estimated
   Jaccard is at least the threshold, or become a pivot. A group is a pivot and its members;
   near_duplicate_group is the pivot's control number, near_duplicate_similarity the estimate.

Signatures are written to a temporary file beside the store and read back through a memory
map; band keys (8 bytes a band) and the control numbers stay in memory: ~200 bytes a
document, never text. With `workers`, signatures are computed in processes fed hashes.
Exact duplicates and filtered (de-NISTed) documents are left out: they are not reviewed.
"""

from __future__ import annotations

import multiprocessing
import re
import tempfile
import zlib
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np
from datasketch import MinHash

from lpo.content import ContentStore
from lpo.cull.normalise import email_body, stored_text
from lpo.store import Store

NUM_PERM = 128
SEED = 20261123
SHINGLE = 5
MIN_WORDS = 40
MAX_CHARS = 5_000_000  # of a text, for its signature: a 500-page text is similar or not well before this
MAX_PIVOTS = 100  # pivots compared per document, those sharing the most bands first
WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the shingle's rolling hash
_BATCH = 4096  # shingles per MinHash update: bounds the (shingles x permutations) temporary


@lru_cache(maxsize=8)
def bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(b, r) with b*r <= num_perm minimising the missed (similarity above threshold, no shared
    band) and spurious (below, sharing a band) areas under the S-curve 1-(1-s^r)^b, equally weighted."""
    s = np.linspace(0, 1, 501)
    best = (float("inf"), 1, num_perm)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1 - (1 - s ** r) ** b
            fp = np.trapezoid(np.where(s < threshold, p, 0), s)
            fn = np.trapezoid(np.where(s >= threshold, 1 - p, 0), s)
            if fp + fn < best[0]:
                best = (fp + fn, b, r)
    return best[1], best[2]


def _template() -> MinHash:
    # Shingles arrive as 32-bit hashes already: int() passes them through.
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int)


def shingle_hashes(text: str, k: int = SHINGLE, min_words: int = MIN_WORDS) -> np.ndarray | None:
    """32-bit hashes of the distinct k-word shingles, or None when the text is too short."""
    words = WORD.findall(text[:MAX_CHARS].casefold())
    if len(words) < max(min_words, k):
        return None
    # CRC-32 of each word: deterministic in every process (unlike hash()), and C all the way.
    wh = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    n = len(words) - k + 1
    h = wh[:n].copy()
    for j in range(1, k):  # rolling polynomial over the k word hashes, wrapping mod 2^64
        h = h * _MIX + wh[j:n + j]
    return np.unique(((h >> np.uint64(32)) ^ h).astype(np.uint32))


def signature(text: str, template: MinHash | None = None) -> np.ndarray | None:
    hashes = shingle_hashes(text)
    if hashes is None:
        return None
    t = template or _template()
    m = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, permutations=t.permutations, scheme=t.scheme)
    for i in range(0, len(hashes), _BATCH):
        m.update_batch(hashes[i:i + _BATCH].tolist())
    return m.hashvalues.astype(np.uint32)


def _band_keys(sigs: np.ndarray, b: int, r: int) -> np.ndarray:
    """One 64-bit key per band and document (rolling hash of the band's r values)."""
    keys = np.zeros((sigs.shape[0], b), dtype=np.uint64)
    for j in range(b):
        k = np.zeros(sigs.shape[0], dtype=np.uint64)
        for v in sigs[:, j * r:(j + 1) * r].T:
            k = k * _MIX + v.astype(np.uint64) + np.uint64(1)
        keys[:, j] = k
    return keys


def _sign_batch(content_root: str, items: list[tuple[int, str, str, bool]]
                ) -> tuple[list[int], list[str], np.ndarray]:
    """Signatures of (seq, control number, text sha256, is email) items long enough to have one.
    Runs in worker processes: what crosses is hashes in and 512 bytes a document out, never text."""
    content, template = ContentStore(content_root), _template()
    seqs, names, sigs = [], [], []
    for seq, cn, text_sha256, is_email in items:
        text = stored_text(content, text_sha256)
        sig = signature(email_body(text) if is_email else text, template)
        if sig is not None:
            seqs.append(seq)
            names.append(cn)
            sigs.append(sig)
    return seqs, names, np.vstack(sigs) if sigs else np.zeros((0, NUM_PERM), dtype=np.uint32)


def _signed(store: Store, content: ContentStore, workers: int, chunk: int
            ) -> Iterator[tuple[list[int], list[str], np.ndarray]]:
    """Signature batches in control-number order, computed here or by `workers` processes."""
    batches = ([(r.seq, r.control_number, r.text_sha256, r.email is not None) for r in rows]
               for rows in store.scan_documents(["control_number", "text_sha256", "email"],
                                                null=["duplicate_of", "filtered"], not_null=["text_sha256"],
                                                chunk=chunk))
    root = str(content.root)
    if workers <= 1:
        yield from (_sign_batch(root, b) for b in batches)
        return
    # spawn, not fork: the caller may hold threads (Prefect) and database connections.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque = deque()
        for b in batches:
            pending.append(pool.submit(_sign_batch, root, b))
            if len(pending) >= 2 * workers:  # a few batches in flight: memory stays bounded
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def near_duplicates(store: Store, content: ContentStore, threshold: float, *, tmp_dir: Path | None = None,
                    workers: int = 1, chunk: int = 500) -> dict[str, int]:
    b, r = bands(threshold)
    seqs: list[int] = []
    names: list[str] = []
    keys: list[np.ndarray] = []
    with tempfile.TemporaryFile(dir=tmp_dir, prefix="lpo-minhash-") as f:
        for s, cns, arr in _signed(store, content, workers, chunk):
            if len(s):
                seqs += s
                names += cns
                f.write(arr.tobytes())
                keys.append(_band_keys(arr, b, r))
        f.flush()
        n = len(seqs)
        groups: dict[int, tuple[int, float]] = {}
        if n > 1:
            sigs = np.memmap(f, dtype=np.uint32, mode="r", shape=(n, NUM_PERM))
            groups = _group(sigs, np.vstack(keys), threshold)
            del sigs
    want = {seqs[i]: (names[p], round(sim, 4)) for i, (p, sim) in groups.items()}
    members = Counter(g for g, _ in want.values())
    changed = 0
    for rows in store.scan_documents(["control_number", "near_duplicate_group", "near_duplicate_similarity"],
                                      chunk=10 * chunk):
        changes = []
        for row in rows:
            g, sim = want.get(row.seq, (None, None))
            if (g, sim) != (row.near_duplicate_group, row.near_duplicate_similarity):
                changes.append((row.control_number, {"near_duplicate_group": g, "near_duplicate_similarity": sim}))
        changed += store.update_culling(changes)
    return {"signed": n, "bands": b, "rows_per_band": r, "groups": len(members),
            "in_groups": sum(members.values()), "changed": changed}


def _group(sigs: np.ndarray, keys: np.ndarray, threshold: float) -> dict[int, tuple[int, float]]:
    """{index: (pivot index, similarity)} for documents in groups of two or more, pivots included."""
    n, b = keys.shape
    shared = np.zeros((n, b), dtype=bool)
    for j in range(b):
        _, inverse, counts = np.unique(keys[:, j], return_inverse=True, return_counts=True)
        shared[:, j] = counts[inverse] > 1
    pivots_of: dict[tuple[int, int], list[int]] = {}  # (band, key) -> pivots holding that band
    assigned: dict[int, tuple[int, float]] = {}
    for i in np.flatnonzero(shared.any(axis=1)).tolist():  # ascending: control-number order
        bucket_ids = [(j, int(keys[i, j])) for j in np.flatnonzero(shared[i]).tolist()]
        votes = Counter(p for bk in bucket_ids for p in pivots_of.get(bk, ()))
        best, best_sim = -1, -1.0
        if votes:
            cands = sorted(p for p, _ in votes.most_common(MAX_PIVOTS))
            sims = (sigs[cands] == sigs[i]).mean(axis=1)
            k = int(np.argmax(sims))  # the first (earliest pivot) among equals
            best, best_sim = cands[k], float(sims[k])
        if best_sim >= threshold:
            assigned[i] = (best, best_sim)
            assigned.setdefault(best, (best, 1.0))
        else:
            for bk in bucket_ids:
                pivots_of.setdefault(bk, []).append(i)
    return assigned
