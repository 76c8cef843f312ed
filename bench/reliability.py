"""Reliability figures against their goals: faults injected and what they cost, hostile inputs per
parser family and crashes.

    nice -n 10 .venv/bin/python -m bench.reliability                      # full size (hours on 2 cores)
    .venv/bin/python -m bench.reliability --runs 1 --per-family 200        # a quick look
    .venv/bin/python -m bench.reliability --faults-json F.json --fuzz-jsonl A.jsonl B.jsonl   # earlier runs' figures

Runs bench.faults (the pipeline SIGKILLed at random points of every stage, its servers restarted,
each disturbed run compared with an undisturbed one) and bench.fuzz (every parser family's
mutated inputs through the worker pool), each in its own process, and prints one table:
figure, value, goal, met. Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

FUZZ_GOAL = 10_000


def _run(module: str, *args: str) -> dict:
    p = subprocess.run([sys.executable, "-m", module, "--json", *args], capture_output=True, text=True)
    try:
        return json.loads(p.stdout)
    except ValueError:
        raise SystemExit(f"{module} did not print its figures (exit {p.returncode}):\n{p.stderr[-3000:]}") from None


def _fuzz_lines(paths: list[Path]) -> dict:
    """Families from bench.fuzz --out files (the last complete line of each family wins)."""
    fams: dict[str, dict] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            d = json.loads(line)
            if not d.get("partial"):
                fams[d["family"]] = d
    return {"families": list(fams.values()), "from": [str(p) for p in paths]}


def rows(faults: dict | None, fuzz: dict | None) -> list[tuple[str, str, str, bool | None]]:
    out: list[tuple[str, str, str, bool | None]] = []
    if faults:
        dup = faults["duplicate_tasks"] + faults["duplicate_annotations"] + faults["duplicate_decisions"]
        out += [("disturbed runs", str(faults["runs"]), "", None),
                ("faults injected", f"{faults['faults_injected']} "
                 f"({', '.join(sorted({f['kind'] for f in faults['faults']}))})", "", None),
                ("runs stopped", str(faults["runs_stopped"]), "0", faults["runs_stopped"] == 0),
                ("documents lost", str(faults["documents_lost"]), "0", faults["documents_lost"] == 0),
                ("duplicates (tasks, annotations, decisions)", str(dup), "0", dup == 0),
                ("store rows differing", str(faults["store_rows_differing"]), "0", faults["store_rows_differing"] == 0),
                ("production files differing", f"{faults['production_differences']} of "
                 f"{faults['production_files']}", "0", faults["production_differences"] == 0)]
    if fuzz:
        for f in sorted(fuzz["families"], key=lambda f: f["family"]):
            out.append((f"hostile inputs: {f['family']}", f"{f['inputs']:,}", f">= {FUZZ_GOAL:,}",
                        f["inputs"] >= FUZZ_GOAL))
        crashes = sum(f["crashes"] for f in fuzz["families"])
        out.append(("crashes (all families)", str(crashes), "0", crashes == 0))
        errors = sum(sum(f.get("parser_errors", {}).values()) for f in fuzz["families"])
        out.append(("parser errors filed as corrupt", str(errors), "", None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=4, help="disturbed runs of bench.faults")
    ap.add_argument("--per-family", type=int, default=FUZZ_GOAL, help="inputs per parser family for bench.fuzz")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--custodians", type=int, default=1, help="of the sample matter's four, for bench.faults")
    ap.add_argument("--store", choices=("sqlite", "postgresql"), default="postgresql",
                    help="bench.faults: the matter store (postgresql: its server is restarted too)")
    ap.add_argument("--search", choices=("fts5", "elasticsearch"), default="elasticsearch",
                    help="bench.faults: the search index (elasticsearch: its server is restarted too)")
    ap.add_argument("--faults-json", type=Path, help="figures of an earlier `bench.faults --json` instead of a run")
    ap.add_argument("--fuzz-jsonl", type=Path, nargs="+", help="`bench.fuzz --out` files instead of a run")
    ap.add_argument("--no-faults", action="store_true")
    ap.add_argument("--no-fuzz", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    faults = None if a.no_faults else (json.loads(a.faults_json.read_text()) if a.faults_json else
                                       _run("bench.faults", "--runs", str(a.runs), "--seed", str(a.seed),
                                            "--custodians", str(a.custodians), "--store", a.store, "--search", a.search))
    fuzz = None if a.no_fuzz else (_fuzz_lines(a.fuzz_jsonl) if a.fuzz_jsonl else
                                   _run("bench.fuzz", "--per-family", str(a.per_family), "--seed", str(a.seed)))
    table = rows(faults, fuzz)
    missed = [r for r in table if r[3] is False]
    if a.json:
        print(json.dumps({"figures": [{"figure": f, "value": v, "goal": g, "met": m} for f, v, g, m in table],
                          "faults_command": faults.get("command") if faults else None,
                          "goals_missed": len(missed)}, indent=2))
    else:
        t = Table(title="Reliability")
        for col in ("figure", "value", "goal", "met"):
            t.add_column(col)
        for f, v, g, m in table:
            t.add_row(f, v, g, "" if m is None else ("[green]yes[/]" if m else "[bold red]no[/]"))
        Console().print(t)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
