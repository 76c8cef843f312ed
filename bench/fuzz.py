"""Fuzz every ingest parser family with hostile inputs through the worker pool, and count crashes.

    nice -n 10 .venv/bin/python -m bench.fuzz [--per-family 10000] [--seed 0] [--families pdf,eml]
                                              [--engine hypothesis|atheris] [--json] [--out FILE]
    .venv/bin/python -m bench.fuzz --table FILE.jsonl ...   (the table of earlier --out files)

Inputs are valid seed files of each family mutated by Hypothesis strategies (lpo.fuzz:
bit flips, truncation, splices, inserted tokens, repeated chunks, edge values in length
fields, mutated zip members), the same inputs for the same --seed. Each goes the way a
collection's file goes: lpo.ingest.worker.WorkerPool, one process per core, each file
under a time and a memory limit (5 s and 512 MB; legacy Office through LibreOffice: 60 s
and 2048 MB, converted in batches as ingest does, and each file LibreOffice cannot load
in its batch again alone, about a second each, so legacy runs at a few inputs a second).

Columns: inputs tried; documents (read); exceptions (files not read) by reason; parser
errors: a parser's own Python exception filed as 'corrupt' by the manager's catch-all,
by type (handled, but bugs to look at); hangs and out-of-memory stopped by the limits;
native crashes (a worker killed by a signal in a C library: contained by the pool);
crashes (not handled: an input with no result, a Python exception escaping the
extraction, the pool failing; goal 0); the largest worker's peak RSS; seconds; inputs/s.
Crashing, hanging, out-of-memory and parser-error inputs are kept in --keep (default bench/out/fuzz-crashes/) to reproduce.

--engine atheris: libFuzzer-driven, coverage-guided mutation in one process per family (no
worker pool: lpo.fuzz.atheris_target; a crash is an exception escaping the extraction, a
hang libFuzzer's -timeout=10, memory its -rss_limit_mb=2048), time-boxed by --atheris-seconds;
parser errors are counted by distinct type there. Needs `pip install atheris`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lpo.fuzz.runner import (
    CATCH_ALL,
    FamilyReport,
    family_limits,
    run_family,
)
from lpo.fuzz.seeds import FAMILIES

OUT = Path(__file__).resolve().parent / "out"
# Fastest first: a run cut short still has most families.
ORDER = ["text", "csv", "html", "rtf", "pdf", "zip", "eml", "mbox", "msg", "office", "image", "legacy"]


def _mb(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB"


def table(reports: list[FamilyReport]) -> Table:
    t = Table(title="Hostile inputs per parser family (lpo.fuzz, through the ingest worker pool)")
    for col in ("family", "inputs", "documents", "exceptions by reason", "parser errors (catch-all)", "hangs killed",
                "out of memory", "native crashes", "crashes", "peak RSS", "seconds", "inputs/s"):
        t.add_column(col, justify="left" if col in ("family", "exceptions by reason", "parser errors (catch-all)")
                     else "right", overflow="fold")
    for r in reports:
        t.add_row(r.family, f"{r.inputs:,}", f"{r.documents:,}",
                  ", ".join(f"{k} {v}" for k, v in sorted(r.exceptions.items(), key=lambda kv: -kv[1])) or "-",
                  ", ".join(f"{k} {v}" for k, v in r.parser_errors.most_common()) or "0",
                  str(r.hangs), str(r.out_of_memory), str(r.native_crashes), str(r.crashes), _mb(r.peak_rss),
                  f"{r.seconds:,.0f}", f"{r.per_second:,.1f}")
    return t


def partial(out: Path) -> Path:
    """Where the family being fuzzed keeps its figures so far (removed when it finishes)."""
    return out.with_name(out.stem + ".partial.jsonl")


def from_dict(d: dict) -> FamilyReport:
    """A family's figures as --out wrote them."""
    r = FamilyReport(d["family"])
    for k, v in d.items():
        if k in ("exceptions", "member_exceptions", "parser_errors"):
            getattr(r, k).update(v)
        elif hasattr(r, k) and k != "per_second":
            setattr(r, k, v)
    r.seed = d.get("seed")
    if d.get("partial"):
        r.family += " (stopped)"
    return r


def run_hypothesis(a: argparse.Namespace, console: Console) -> list[FamilyReport]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    reports = []
    with Progress(TextColumn("  {task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[note]}"), console=console, disable=not console.is_terminal) as p:
        for family in a.families:
            n = a.per_family
            tid = p.add_task(family, total=n, note="")

            def tick(r: FamilyReport, tid=tid) -> None:
                p.update(tid, completed=r.inputs, note=f"crashes {r.crashes}, hangs {r.hangs}")
                if a.out:  # the figures so far: a run stopped midway still says how far it got
                    partial(a.out).write_text(json.dumps({"seed": a.seed, "partial": True, **r.as_dict()}) + "\n")

            r = run_family(family, n, a.seed, workers=a.workers, batch=a.batch, keep=a.keep / family, on_batch=tick)
            reports.append(r)
            if a.out:  # one line a family as it finishes: a run stopped midway keeps what it did
                with open(a.out, "a") as f:
                    f.write(json.dumps({"seed": a.seed, **r.as_dict()}) + "\n")
                partial(a.out).unlink(missing_ok=True)
            if not console.is_terminal:
                console.print(f"{family}: {r.inputs} inputs, {r.crashes} crashes, {r.seconds:.0f} s")
    return reports


def run_atheris(a: argparse.Namespace, console: Console) -> list[FamilyReport]:
    """Each family in a child process (atheris.Fuzz never returns), time-boxed."""
    import subprocess

    reports = []
    for family in a.families:
        cmd = [sys.executable, "-m", "lpo.fuzz.atheris_target", family, f"-max_total_time={a.atheris_seconds}",
               f"-seed={a.seed}", "-rss_limit_mb=2048", "-timeout=10", "-max_len=262144"]
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"lpo-atheris-{family}-") as tmp:
            p = subprocess.run(cmd, capture_output=True, text=True, check=False,  # a crash is a figure
                               env=dict(os.environ, LPO_FUZZ_TMP=tmp))
        r = FamilyReport(family, seconds=time.monotonic() - start)
        lines = p.stderr.splitlines()
        runs = [int(line.split()[1]) for line in lines if line.startswith("Done ") and line.split()[1].isdigit()]
        r.inputs = runs[-1] if runs else 0
        for line in lines:  # the first input of each type of parser error (distinct types, not counts)
            if line.startswith("parser error: ") and (m := CATCH_ALL.search(line)):
                r.parser_errors[m.group(1)] += 1
                r.samples.setdefault(m.group(1), line[14:314])
        if p.returncode != 0:
            r.crashes = 1
            r.crash_samples.append(p.stderr.strip().splitlines()[-1][:300] if p.stderr.strip() else "no output")
        reports.append(r)
    return reports


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-family", type=int, default=10_000, help="inputs per family")
    ap.add_argument("--seed", type=int, default=0, help="the same seed makes the same inputs")
    ap.add_argument("--families", default=",".join(ORDER), help="comma-separated, of: " + ", ".join(ORDER))
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    ap.add_argument("--batch", type=int, default=250, help="inputs written and submitted together")
    ap.add_argument("--keep", type=Path, default=OUT / "fuzz-crashes", help="where crashing inputs are copied")
    ap.add_argument("--engine", choices=("hypothesis", "atheris"), default="hypothesis")
    ap.add_argument("--atheris-seconds", type=int, default=60, help="time box per family with --engine atheris")
    ap.add_argument("--out", type=Path, help="append one JSON line per family here as it finishes")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    ap.add_argument("--table", type=Path, nargs="+", metavar="JSONL",
                    help="print the table of earlier runs' --out files (e.g. runs split across processes), no fuzzing")
    a = ap.parse_args()
    if a.table:
        reports = [from_dict(json.loads(line)) for f in a.table for line in f.read_text().splitlines() if line.strip()]
        Console(width=max(Console().width, 200)).print(table(reports))
        total = sum(r.inputs for r in reports)
        print(f"{total:,} inputs, {sum(r.crashes for r in reports)} crashes, seeds {sorted({r.seed for r in reports})}")
        return
    a.families = [f.strip() for f in a.families.split(",") if f.strip()]
    unknown = [f for f in a.families if f not in FAMILIES]
    if unknown:
        ap.error(f"unknown families {unknown}; choose from {', '.join(ORDER)}")
    console = Console(stderr=True)
    load = os.getloadavg()[0]
    start = time.monotonic()
    reports = (run_atheris if a.engine == "atheris" else run_hypothesis)(a, console)
    total = sum(r.inputs for r in reports)
    crashes = sum(r.crashes for r in reports)
    if a.json:
        print(json.dumps({"engine": a.engine, "seed": a.seed, "per_family": a.per_family, "load_average": load,
                          "seconds": round(time.monotonic() - start, 1),
                          "limits": {f: vars(family_limits(f)) for f in a.families},
                          "families": [r.as_dict() for r in reports]}, indent=2))
    else:
        Console(width=max(Console().width, 200)).print(table(reports))
        print(f"engine {a.engine}, seed {a.seed}: {total:,} inputs in {time.monotonic() - start:,.0f} s, "
              f"{crashes} crashes; load average at start {load:.2f} (2 cores shared: figures vary with load)")
        for r in reports:
            for s in r.crash_samples[:5]:
                print(f"  crash [{r.family}]: {s}")
            for k in r.parser_errors:
                print(f"  parser error [{r.family}] {k}: {r.samples.get(k, '')}")
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
