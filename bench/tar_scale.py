"""Prioritised review at scale: featurize and rank a million documents, and what each design choice saves.

    .venv/bin/python -m bench.tar_scale [--docs 1000000] [--coded 2000] [--new 10000]

Generated texts (Zipf-distributed words, 2% of documents about a topic). Measured in one run:
- hashed word counts (lpo.tar.features.counts) and tf-idf weighing of the whole collection;
- a CAL ranking (train on the coded documents and presumed negatives, score and sort every
  document), against the same logistic regression fitted over all 2^20 feature columns (what
  a plain fit does; lpo fits on the columns its training rows use);
- adding new documents: counts of the new ones only and a re-weigh, against featurizing the
  whole collection again.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from lpo.tar import features
from lpo.tar.cal import CAL

console = Console()
TOPIC = "surcharge tariff invoice steel pricing clause amendment dispute supplier penalty".split()


def texts(n: int, rng: np.random.Generator, vocab: int = 30_000, length: int = 60) -> tuple[list[str], np.ndarray]:
    words = np.array([f"w{i}" for i in range(vocab)])
    ranks = np.minimum(rng.zipf(1.2, size=(n, length)) - 1, vocab - 1)
    y = rng.random(n) < 0.02
    out = []
    for i in range(n):
        doc = words[ranks[i]].tolist()
        if y[i]:
            doc += rng.choice(TOPIC, 5).tolist()
        out.append(" ".join(doc))
    return out, y


def timed(fn, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
    t0, c0 = time.perf_counter(), time.process_time()
    r = fn(*a, **kw)
    return r, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--coded", type=int, default=2_000)
    ap.add_argument("--new", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    with console.status(f"generating {a.docs:,} documents"):
        docs, y = texts(a.docs, rng)
    rows = []
    with console.status("hashed word counts"):
        counts, wall, cpu = timed(features.counts, docs)
    rows.append(("hashed word counts", a.docs, wall, cpu))
    with console.status("tf-idf"):
        X, wall, cpu = timed(features.weigh, counts)
    rows.append(("tf-idf weighing", a.docs, wall, cpu))
    coded = rng.choice(a.docs, a.coded, replace=False)
    coded = np.union1d(coded, np.flatnonzero(y)[:20])  # some responsive among the coded
    cal = CAL(X, random_state=a.seed)
    cal.code({int(i): bool(y[i]) for i in coded})
    ranking, wall, cpu = timed(cal.ranking)
    rows.append(("CAL ranking (train, score, sort)", a.docs, wall, cpu))
    top = ranking[:1000]
    precision = float(y[top].mean())

    # Baseline: the same fit over every column.
    idx = np.fromiter(cal.coded, dtype=np.int64)
    Xt, yt = X[idx], np.fromiter(cal.coded.values(), dtype=bool)
    full = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", max_iter=200)
    _, wall_full, cpu_full = timed(full.fit, Xt, yt)
    cols = np.unique(Xt.indices)
    compact = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", max_iter=200)
    _, wall_c, cpu_c = timed(compact.fit, Xt[:, cols], yt)
    rows.append((f"baseline: fit over all 2^20 columns ({len(idx):,} coded)", len(idx), wall_full, cpu_full))
    rows.append((f"lpo: fit over the {len(cols):,} columns in use", len(idx), wall_c, cpu_c))

    # New documents arrive: counts of the new ones, stacked, re-weighed; against featurizing everything again.
    new_docs, _ = texts(a.new, rng)

    def incremental() -> sparse.csr_matrix:
        return features.weigh(sparse.vstack([counts, features.counts(new_docs)]).tocsr())

    _, wall_i, cpu_i = timed(incremental)
    _, wall_a, cpu_a = timed(features.featurize, docs + new_docs)
    rows.append((f"{a.new:,} new documents: counts of the new, re-weigh all", a.docs + a.new, wall_i, cpu_i))
    rows.append(("baseline: featurize the whole collection again", a.docs + a.new, wall_a, cpu_a))

    t = Table(title=f"Prioritised review at scale: {a.docs:,} documents, {X.nnz:,} non-zeros")
    for col in ("step", "documents", "wall s", "CPU s", "documents/s"):
        t.add_column(col, justify="left" if col == "step" else "right")
    for name, n, wall, cpu in rows:
        t.add_row(name, f"{n:,}", f"{wall:.2f}", f"{cpu:.2f}", f"{n / wall:,.0f}" if wall else "-")
    console.print(t)
    console.print(f"fit speed-up from fitting used columns only: {wall_full / wall_c:.1f}x; incremental add vs "
                  f"re-featurize: {wall_a / wall_i:.1f}x; precision of the top 1,000 of the ranking: "
                  f"{precision:.1%} (collection {y.mean():.1%}); peak RSS "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
