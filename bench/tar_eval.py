"""Prioritised review replayed over a labeled collection: documents reviewed to reach 80% recall.

    .venv/bin/python -m bench.reuters_jsonl --out /tmp/reuters.jsonl
    .venv/bin/python -m bench.tar_eval --jsonl /tmp/reuters.jsonl --label grain [--seed 0] [--png OUT.png] [--json]
    .venv/bin/python -m bench.tar_eval --jsonl /tmp/reuters.jsonl --topics-between 0.005 0.05 [--json]

The labels play the reviewers. Three reviews of the same collection, started from the same seed
(one responsive document drawn with --seed; it counts as reviewed), so the comparison is paired:

- ours: lpo.tar.simulate.simulate_cal (CAL with the AutoTAR batch schedule, knee stopping rule).
- random: linear review in a seeded random order (the seed document first), averaged over
  RANDOM_PERMUTATIONS permutations; it has no stopping rule.
- baseline: TARexp's own one-phase workflow (OnePhaseTARWorkflow: SklearnRanker over scikit-learn's
  LogisticRegression(solver="liblinear", random_state=--seed), PerfectLabeler, RelevanceSampler,
  batches of 200, its KneeStoppingRule), the setting of TARexp's README. TARexp takes any sparse
  matrix (its README feeds it RCV1's vectors), so it gets the same featurize() matrix as ours: the
  difference measured is the review strategy, not the features. It runs until its knee fired and
  80% recall is reached, or the collection is exhausted (stopped_at null: the knee never fired).

Documents reviewed to 80% recall are counted document by document in review order (within one of
TARexp's batches, in its sampler's order), seed included. stopped_at is the number of documents
reviewed when the stopping rule fired; recall_at_stop the recall then.

With --json the last line of stdout is one JSON object (per topic, then a summary, with
--topics-between); otherwise Rich tables and a PNG of the recall curves (one panel a topic) in
bench/out/ or --png.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

TARGET = 0.8
RANDOM_PERMUTATIONS = 5
BASELINE_BATCH = 200  # TARexp's OnePhaseTARWorkflow default and its README's setting
OUT_DIR = Path(__file__).resolve().parent / "out"

console = Console(stderr=True)  # progress on stderr: stdout stays JSON-clean with --json
report = Console(width=None if sys.stdout.isatty() else 160)  # tables (without --json); wide when piped


@dataclass
class Review:
    """One simulated review: responsive found after each document reviewed, and when it stopped."""
    gains: np.ndarray             # gains[i] = responsive found after i + 1 documents (float for averaged curves)
    relevant: int
    stopped_at: int | None = None
    recall_at_stop: float | None = None
    reviewed_at_80: int | None = None
    seconds: float = 0.0

    def summary(self) -> dict:
        return {"reviewed_at_recall_80": self.reviewed_at_80, "stopped_at": self.stopped_at,
                "recall_at_stop": None if self.recall_at_stop is None else round(self.recall_at_stop, 4)}


def reviewed_at(gains: np.ndarray, relevant: int, target: float = TARGET) -> int | None:
    """Documents reviewed when `target` of the `relevant` responsive documents are found."""
    need = math.ceil(target * relevant - 1e-9)
    hit = np.flatnonzero(np.asarray(gains) >= need)
    return int(hit[0]) + 1 if need > 0 and len(hit) else None


def read_jsonl(path: Path) -> tuple[list[str], list[str], list[set[str]]]:
    ids, texts, labels = [], [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                ids.append(str(d["id"]))
                texts.append(d["text"])
                labels.append(set(d.get("labels") or ()))
            except (json.JSONDecodeError, KeyError) as e:
                raise SystemExit(f"{path}:{n}: not a {{\"id\", \"text\", \"labels\"}} JSON object ({e}); "
                                 "write the file with bench.reuters_jsonl or fix that line") from e
    if not ids:
        raise SystemExit(f"{path}: no documents")
    return ids, texts, labels


def used_columns(X):
    """X without its all-zero columns, for TARexp's ranker (lpo's CAL fits on the columns its training
    rows use already). Lossless for both learners (an L2-regularised logistic regression gives a
    feature no document has a zero weight: same scores, same review order), and liblinear's time
    grows with the column count: over 2**20 hashed columns a fit costs ~1.7 s however few documents
    are coded, over the columns a collection uses it costs milliseconds."""
    return X[:, np.flatnonzero(X.getnnz(axis=0))].tocsr()


def seed_document(y: np.ndarray, seed: int) -> int:
    """One responsive document drawn with `seed`: the same for every method (a paired comparison)."""
    return int(np.random.default_rng(seed).choice(np.flatnonzero(y)))


def run_ours(X, y: np.ndarray, seed_doc: int, seed: int) -> Review:
    from lpo.tar.simulate import simulate_cal

    t0 = time.perf_counter()
    sim = simulate_cal(X, y.tolist(), seed_docs=[seed_doc], random_state=seed, stop_rule="knee")
    gains = np.cumsum(y[np.asarray(sim.order, dtype=np.int64)])
    return Review(gains, int(y.sum()), sim.stopped_at, sim.recall_at_stop, sim.reviewed_at_recall(TARGET),
                  time.perf_counter() - t0)


def run_random(y: np.ndarray, seed_doc: int, seed: int, permutations: int = RANDOM_PERMUTATIONS) -> Review:
    """Linear review in random order after the seed; the mean over a few seeded permutations."""
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 1])
    rest = np.delete(np.arange(len(y)), seed_doc)
    relevant = int(y.sum())
    curves, hits = [], []
    for _ in range(permutations):
        order = np.concatenate(([seed_doc], rng.permutation(rest)))
        g = np.cumsum(y[order])
        curves.append(g)
        hits.append(reviewed_at(g, relevant))
    mean_hit = round(statistics.fmean(hits)) if all(h is not None for h in hits) else None
    return Review(np.mean(curves, axis=0), relevant, None, None, mean_hit, time.perf_counter() - t0)


def run_baseline(X, y: np.ndarray, seed_doc: int, seed: int, batch_size: int = BASELINE_BATCH) -> Review:
    """TARexp's one-phase workflow from the same seed document, over the same features."""
    import tarexp
    from sklearn.linear_model import LogisticRegression
    from tarexp import component

    t0 = time.perf_counter()
    relevant = int(y.sum())
    need = math.ceil(TARGET * relevant - 1e-9)
    ds = tarexp.SparseVectorDataset.from_sparse(X).setLabels(y)
    setting = component.combine(
        component.SklearnRanker(LogisticRegression, solver="liblinear", random_state=seed),
        component.PerfectLabeler(), component.RelevanceSampler(), component.KneeStoppingRule())()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TARexp warns about unrelated optional roles
        wf = tarexp.OnePhaseTARWorkflow(ds, setting, seed_doc=[seed_doc], batch_size=batch_size, random_seed=seed)
    order: list[int] = []
    stopped_at = None
    found = 0
    while not wf.ledger.isDone:
        batch = [int(i) for i in wf.review_candidates]  # the sampler's order: most likely responsive first
        if not batch:
            break
        wf.step(force=True)  # reviews `batch`, retrains, rescores, samples the next batch (past its stop too)
        order += batch
        found += int(y[batch].sum())
        if stopped_at is None and setting.checkStopping(wf.ledger.freeze(), workflow=wf):
            stopped_at = len(order)
        if stopped_at is not None and found >= need:
            break
    gains = np.cumsum(y[np.asarray(order, dtype=np.int64)])
    recall_at_stop = float(gains[stopped_at - 1]) / relevant if stopped_at else None
    return Review(gains, relevant, stopped_at, recall_at_stop, reviewed_at(gains, relevant),
                  time.perf_counter() - t0)


def evaluate(X, y: np.ndarray, seed: int, methods: tuple[str, ...], advance=lambda: None) -> dict[str, Review]:
    seed_doc = seed_document(y, seed)
    runs = {}
    for m in methods:
        if m == "ours":
            runs[m] = run_ours(X, y, seed_doc, seed)
        elif m == "random":
            runs[m] = run_random(y, seed_doc, seed)
        else:
            runs[m] = run_baseline(X, y, seed_doc, seed)
        advance()
    return runs


def record(runs: dict[str, Review], relevant: int, total: int, **extra) -> dict:
    return {**extra, "relevant": relevant, "total": total, **{m: r.summary() for m, r in runs.items()}}


COLOURS = {"ours": "tab:blue", "baseline": "tab:orange", "random": "tab:grey"}
NAMES = {"ours": "ours (CAL, knee)", "baseline": f"TARexp (relevance, batch {BASELINE_BATCH}, knee)",
         "random": f"random order (mean of {RANDOM_PERMUTATIONS})"}


def _draw(ax, runs: dict[str, Review], label: str, total: int, small: bool = False) -> None:
    for m, r in runs.items():
        x = np.arange(1, len(r.gains) + 1)
        ax.plot(x, r.gains / r.relevant, color=COLOURS[m],
                label=f"{m if small else NAMES[m]}: 80% at {r.reviewed_at_80}")
        if r.stopped_at:
            ax.plot([r.stopped_at], [r.recall_at_stop], "o", color=COLOURS[m])
            if not small:
                ax.annotate(f"stop {r.stopped_at}", (r.stopped_at, r.recall_at_stop), textcoords="offset points",
                            xytext=(6, -12), color=COLOURS[m], fontsize=8)
    ax.axhline(TARGET, color="k", linestyle=":", linewidth=1)
    # the learners' curves decide the width; random order's 80% point is in its legend
    ends = [max(len(r.gains), r.stopped_at or 0) for m, r in runs.items() if m != "random"]
    ax.set_xlim(0, min(total, int(1.2 * max(ends))) if ends else total)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{label}: {runs[next(iter(runs))].relevant} responsive of {total}", fontsize=8 if small else None)
    ax.legend(loc="lower right", fontsize=6 if small else 8)
    if small:
        ax.tick_params(labelsize=6)
    else:
        ax.set_xlabel("documents reviewed")
        ax.set_ylabel("recall")


def plot(all_runs: dict[str, dict[str, Review]], total: int, out: Path) -> Path:
    """Recall against documents reviewed, one panel a topic, the stops marked."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(all_runs)
    cols = min(n, 5)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(8, 5) if n == 1 else (3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, (label, runs) in zip(axes.flat, all_runs.items()):
        _draw(ax, runs, label, total, small=n > 1)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def summarise(rows: list[dict]) -> dict:
    """The issue's goals over topics: ours/relevant (median <= 3), ours vs TARexp (median ratio <= 1),
    recall at stop >= 0.8 on at least 90% of topics."""
    def ratio(a, b):
        return a / b if a is not None and b else None

    per_rel = [ratio(r["ours"]["reviewed_at_recall_80"], r["relevant"]) for r in rows if "ours" in r]
    vs_base = [ratio(r["ours"]["reviewed_at_recall_80"], r["baseline"]["reviewed_at_recall_80"])
               for r in rows if "ours" in r and "baseline" in r]
    at_stop = [r["ours"]["recall_at_stop"] for r in rows if "ours" in r]
    out: dict = {"topics": len(rows)}
    if per_rel:
        med = statistics.median(x for x in per_rel if x is not None) if any(x is not None for x in per_rel) else None
        out["median_ours_over_relevant"] = None if med is None else round(med, 3)
        stop_rel = [ratio(r["ours"]["stopped_at"], r["relevant"]) for r in rows if "ours" in r]
        if all(x is not None for x in stop_rel):  # the cost of stopping: documents reviewed per responsive one
            out["median_ours_stopped_at_over_relevant"] = round(statistics.median(stop_rel), 3)
        out["fraction_recall_at_stop_ge_80"] = round(sum(1 for x in at_stop if x is not None and x >= TARGET)
                                                     / len(at_stop), 3)
    if vs_base:
        ok = [x for x in vs_base if x is not None]
        out["median_ours_over_baseline"] = round(statistics.median(ok), 3) if ok else None
        out["topics_ours_no_worse_than_baseline"] = sum(1 for x in ok if x <= 1)
    base_rel = [ratio(r["baseline"]["reviewed_at_recall_80"], r["relevant"]) for r in rows if "baseline" in r]
    if base_rel and all(x is not None for x in base_rel):
        out["median_baseline_over_relevant"] = round(statistics.median(base_rel), 3)
    rand_rel = [ratio(r["random"]["reviewed_at_recall_80"], r["relevant"]) for r in rows if "random" in r]
    if rand_rel and all(x is not None for x in rand_rel):
        out["median_random_over_relevant"] = round(statistics.median(rand_rel), 3)
    if per_rel:
        out["goals"] = {
            "median_ours_over_relevant_le_3": out["median_ours_over_relevant"] is not None
            and out["median_ours_over_relevant"] <= 3,
            "ours_no_worse_than_baseline_median": out.get("median_ours_over_baseline") is not None
            and out["median_ours_over_baseline"] <= 1,
            "recall_at_stop_ge_80_on_90pct": out["fraction_recall_at_stop_ge_80"] >= 0.9}
    return out


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def topic_table(rows: list[dict], methods: tuple[str, ...]) -> Table:
    t = Table(title=f"Documents reviewed to {TARGET:.0%} recall, per topic")
    cols = ["topic", "relevant"] + [f"{m}@80" for m in methods]
    if "ours" in methods:
        cols += ["ours/relevant", "ours stopped_at", "ours recall@stop"]
    if "baseline" in methods:
        cols += ["TARexp stopped_at", "TARexp recall@stop"]
    if "ours" in methods and "baseline" in methods:
        cols += ["ours/TARexp"]
    for c in cols:
        t.add_column(c, justify="left" if c == "topic" else "right")
    for r in rows:
        cells = [r["label"], str(r["relevant"])] + [_fmt(r[m]["reviewed_at_recall_80"]) for m in methods]
        o80 = r.get("ours", {}).get("reviewed_at_recall_80")
        if "ours" in methods:
            cells += [_fmt(o80 / r["relevant"] if o80 else None), _fmt(r["ours"]["stopped_at"]),
                      _fmt(r["ours"]["recall_at_stop"])]
        if "baseline" in methods:
            cells += [_fmt(r["baseline"]["stopped_at"]), _fmt(r["baseline"]["recall_at_stop"])]
        if "ours" in methods and "baseline" in methods:
            b80 = r["baseline"]["reviewed_at_recall_80"]
            cells += [_fmt(o80 / b80 if o80 and b80 else None)]
        t.add_row(*cells)
    return t


def _progress() -> Progress:
    return Progress(TextColumn("  {task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Documents reviewed to 80% recall: ours, random order, TARexp.")
    ap.add_argument("--jsonl", type=Path, required=True, help='{"id", "text", "labels"} a line (bench.reuters_jsonl)')
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--label", help="the responsive label")
    which.add_argument("--topics-between", nargs=2, type=float, metavar=("LOW", "HIGH"),
                       help="every label whose prevalence is in [LOW, HIGH], in one run")
    ap.add_argument("--seed", type=int, default=0, help="draws the seed document and the random orders")
    ap.add_argument("--methods", default="ours,random,baseline",
                    help="comma-separated subset of ours,random,baseline (default: all three)")
    ap.add_argument("--json", action="store_true", help="JSON lines on stdout; the last line is the result")
    ap.add_argument("--png", type=Path, help="recall curves, without --json (default bench/out/tar_<label>.png, "
                    "or bench/out/tar_topics.png with --topics-between)")
    args = ap.parse_args(argv)
    methods = tuple(m for m in ("ours", "random", "baseline") if m in args.methods.split(","))
    if not methods or set(args.methods.split(",")) - {"ours", "random", "baseline"}:
        ap.error("--methods takes ours, random, baseline")
    if not args.jsonl.is_file():
        ap.error(f"{args.jsonl}: no such file; write it with .venv/bin/python -m bench.reuters_jsonl --out FILE")

    t_start = time.perf_counter()
    ids, texts, label_sets = read_jsonl(args.jsonl)
    total = len(ids)
    prevalence = Counter(label for s in label_sets for label in s)
    if args.label is not None:
        if not prevalence.get(args.label):
            raise SystemExit(f"{args.jsonl}: no document has the label {args.label!r}; "
                             f"most common: {', '.join(k for k, _ in prevalence.most_common(8))}")
        labels = [args.label]
    else:
        low, high = args.topics_between
        labels = sorted((k for k, n in prevalence.items() if low <= n / total <= high), key=lambda k: -prevalence[k])
        if not labels:
            raise SystemExit(f"{args.jsonl}: no label has a prevalence between {low} and {high}")

    t0 = time.perf_counter()
    X = None
    if "ours" in methods or "baseline" in methods:
        from lpo.tar.features import featurize
        X = used_columns(featurize(texts))  # once per run, shared by every topic and both learners
    featurize_s = time.perf_counter() - t0

    rows, all_runs = [], {}
    with _progress() as p:
        tid = p.add_task(f"{len(labels)} topic(s) x {len(methods)} method(s)", total=len(labels) * len(methods))
        for label in labels:
            y = np.fromiter((label in s for s in label_sets), dtype=bool, count=total)
            p.update(tid, description=f"{label} ({int(y.sum())} responsive)")
            runs = evaluate(X, y, args.seed, methods, advance=lambda: p.advance(tid))
            all_runs[label] = runs
            row = record(runs, int(y.sum()), total, label=label)
            rows.append(row)
            if args.json and args.topics_between:
                print(json.dumps(row), flush=True)
    wall = time.perf_counter() - t_start

    if args.label is not None:
        runs = all_runs[args.label]
        if args.json:
            print(json.dumps(record(runs, rows[0]["relevant"], total)))
            return 0
        report.print(topic_table(rows, methods))
        png = plot(all_runs, total, args.png or OUT_DIR / f"tar_{args.label}.png")
        console.print(f"seconds: featurize {featurize_s:.1f}, "
                      + ", ".join(f"{m} {r.seconds:.1f}" for m, r in runs.items()) + f"; wall {wall:.1f}")
        console.print(f"recall curves: {png}")
        return 0

    summary = summarise(rows)
    summary["wall_seconds"] = round(wall, 1)
    if args.json:
        print(json.dumps({"summary": summary}))
        return 0
    report.print(topic_table(rows, methods))
    s = Table(title=f"Summary over {len(rows)} topics with prevalence in [{args.topics_between[0]}, "
                    f"{args.topics_between[1]}] of {total} documents (seed {args.seed})")
    s.add_column("measure")
    s.add_column("value", justify="right")
    s.add_column("goal")
    s.add_column("met")
    goals = {"median_ours_over_relevant": ("<= 3", "median_ours_over_relevant_le_3"),
             "median_ours_over_baseline": ("<= 1", "ours_no_worse_than_baseline_median"),
             "fraction_recall_at_stop_ge_80": (">= 0.9", "recall_at_stop_ge_80_on_90pct")}
    met = summary.get("goals", {})
    for k, v in summary.items():
        if k != "goals":
            goal, key = goals.get(k, ("", ""))
            s.add_row(k, _fmt(v), goal, {True: "yes", False: "NO"}.get(met.get(key), ""))
    report.print(s)
    png = plot(all_runs, total, args.png or OUT_DIR / "tar_topics.png")
    per = {m: sum(r[m].seconds for r in all_runs.values()) for m in methods}
    console.print(f"seconds: featurize {featurize_s:.1f}, " + ", ".join(f"{m} {v:.1f}" for m, v in per.items())
                  + f"; wall {wall:.1f}")
    console.print(f"recall curves: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
