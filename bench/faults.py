"""Faults: the pipeline SIGKILLed at random points of every stage, its servers restarted mid-run.

    .venv/bin/python -m bench.faults                           # 4 runs, 2 custodians, SQLite store
    .venv/bin/python -m bench.faults --runs 8 --seed 3 --json
    .venv/bin/python -m bench.faults --store postgresql --search elasticsearch   # + their restarts

One undisturbed run of the generated sample matter (lpo.sample, the custodians given), then
`--runs` disturbed runs of the same sample: in each, every stage's command (ingest, pretag,
route, collect, qa sample/judge/elusion, produce, index) is SIGKILLed once at a random point of a
random one of its runs, and Label Studio (and PostgreSQL, Elasticsearch when the matter uses
them) is stopped and started while a command that talks to it runs; the stage is re-run after
each fault. Each disturbed run is compared with the undisturbed one (lpo.faults.compare):
documents lost, duplicate tasks and decisions, production files that differ (goal 0 each).
The figures are counts, not times: the table is the result.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lpo.faults import FaultSpec, Harness, Service
from lpo.faults.compare import compare_runs, site_check, store_snapshot
from lpo.faults.harness import SERVICE_STAGES, STAGES
from lpo.faults.inject import KILL
from lpo.faults.services import labelstudio_service, postgresql_service

CUSTODIANS = ["Dana Whitmore", "Greg Tanaka", "Marcus Feld", "Priya Raman"]


@dataclass
class Servers:
    ls_url: str
    ls_token: str
    services: dict[str, Service] = field(default_factory=dict)
    pg_admin_url: str | None = None
    es_url: str | None = None
    prefect_env: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def labelstudio(work: Path) -> Iterator[tuple[object, Service]]:
    """A Label Studio of its own (copied from the tests' migrated template: starts in ~10 s)."""
    from lpo.review.server import DEFAULT_VENV, LabelStudioServer, free_port
    from tests.conftest_labelstudio import (
        TEST_PASSWORD,
        TEST_TOKEN,
        TEST_USERNAME,
        _template,
    )

    template = _template(DEFAULT_VENV)
    data = work / "labelstudio"
    shutil.rmtree(data, ignore_errors=True)
    if template is not None:
        shutil.copytree(template / "data", data, ignore=shutil.ignore_patterns("server.log"))
    srv = LabelStudioServer(data, free_port(), TEST_USERNAME, TEST_PASSWORD, TEST_TOKEN)
    srv.start()
    try:
        yield srv, labelstudio_service(srv)
    finally:
        srv.stop()


@contextlib.contextmanager
def postgresql() -> Iterator[tuple[str, Service]]:
    """A private PostgreSQL cluster (tests/pg_server.py) and its restart through pg_ctl."""
    from tests.pg_server import PostgresCluster

    cluster = PostgresCluster()
    url = cluster.start()
    options = f"-p {cluster.port} -k {cluster.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
    service = postgresql_service(cluster.bindir / "pg_ctl", cluster.dir / "data", options, cluster.dir / "log",
                                 cluster.as_user)
    try:
        yield url, service
    finally:
        cluster.stop()


@contextlib.contextmanager
def elasticsearch() -> Iterator[tuple[str, Service]]:
    """A single node (tests/es_server.py), restarted on the same folder and port."""
    from tests.es_server import ElasticsearchNode

    node = ElasticsearchNode()
    url = node.start()

    def stop() -> None:
        node.proc.terminate()  # the shutdown hook closes the node; its data stays in node.home
        try:
            node.proc.wait(30)
        except subprocess.TimeoutExpired:
            node.proc.kill()
            node.proc.wait()

    try:
        yield url, Service("elasticsearch", stop, lambda: node.start())
    finally:
        node.stop()


@contextlib.contextmanager
def prefect_api() -> Iterator[dict[str, str]]:
    """PREFECT_API_URL for the `lpo` processes: an existing one, or Prefect's test server (a real API)."""
    if os.environ.get("PREFECT_API_URL"):
        yield {}
        return
    import flows  # noqa: F401, I001  (telemetry off before Prefect loads)
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield {"PREFECT_API_URL": PREFECT_API_URL.value()}


@contextlib.contextmanager
def servers(work: Path, store: str = "sqlite", search: str = "fts5") -> Iterator[Servers]:
    with contextlib.ExitStack() as stack:
        srv, ls = stack.enter_context(labelstudio(work))
        s = Servers(ls_url=srv.url, ls_token=srv.token, services={"labelstudio": ls})
        if store == "postgresql":
            s.pg_admin_url, s.services["postgresql"] = stack.enter_context(postgresql())
        if search == "elasticsearch":
            s.es_url, s.services["elasticsearch"] = stack.enter_context(elasticsearch())
        s.prefect_env = stack.enter_context(prefect_api())
        yield s


def make_harness(work: Path, s: Servers, custodians: list[str], seed: int, log=print) -> Harness:
    from lpo.sample.generator import generate_sample_matter

    sample = work / "sample"
    if not (sample / "ground_truth.json").exists():
        generate_sample_matter(sample, seed=7)
    return Harness(work, sample, custodians, s.ls_url, s.ls_token, env={**os.environ, **s.prefect_env},
                   pg_admin_url=s.pg_admin_url, es_url=s.es_url, services=s.services, seed=seed, log=log)


def random_plan(rng: random.Random, occurrences: Counter, services: list[str], kills: int = 1) -> list[FaultSpec]:
    """`kills` SIGKILLs of each stage, at random runs of it, and one restart of each service during a
    random command that talks to it."""
    plan = []
    for stage in STAGES:
        for _ in range(kills if occurrences[stage] else 0):
            plan.append(FaultSpec(stage, KILL, rng.randint(1, occurrences[stage])))
    for name in services:
        stages = [st for st in SERVICE_STAGES[name] if occurrences[st]]
        stage = rng.choice(stages)
        plan.append(FaultSpec(stage, name, rng.randint(1, occurrences[stage])))
    return plan


def occurrences(steps: dict[str, float]) -> Counter:
    return Counter(k.rsplit("#", 1)[0] for k in steps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=4, help="disturbed runs (each: every stage killed once)")
    ap.add_argument("--seed", type=int, default=1, help="of the fault plan and kill points")
    ap.add_argument("--custodians", type=int, default=2, help="of the sample's four (62-75 files each)")
    ap.add_argument("--kills", type=int, default=1, help="SIGKILLs of each stage per run")
    ap.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--search", choices=["fts5", "elasticsearch"], default="fts5")
    ap.add_argument("--work", type=Path, default=None, help="folder to work in (default: a temporary one)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="lpo-bench-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(a.seed)
    log = (lambda m: None) if a.json else (lambda m: print(m, flush=True))
    t0 = time.monotonic()
    results = []
    with servers(work, a.store, a.search) as s:
        h = make_harness(work, s, CUSTODIANS[:a.custodians], a.seed, log)
        ref = h.run("ref")
        log(f"undisturbed run: {ref.seconds:.0f} s, {len(ref.steps)} commands")
        from lpo.workspace import Workspace

        ref_ws = Workspace.open(ref.matter_dir)
        ref_snap, ref_site = store_snapshot(ref_ws), site_check(ref_ws)
        occ = occurrences(ref.steps)
        for i in range(1, a.runs + 1):
            plan = random_plan(rng, occ, sorted(s.services), a.kills)
            run = h.run(f"run{i}", plan, reference=ref)
            ws = Workspace.open(run.matter_dir)
            cmp = compare_runs(ref_snap, ref.production, ws, run.production, ref_ws)
            ws.store.close()
            log(f"run {i}: {sum(f.fired for f in run.faults)} faults fired in {run.seconds:.0f} s: "
                + (f"STOPPED at {run.failure}; " if run.failure else "") + cmp.summary())
            results.append((run, cmp))
    figures = summarise(ref, ref_site, results, time.monotonic() - t0, a)
    if a.json:
        print(json.dumps(figures, indent=2, default=str))
    else:
        print_table(figures)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


def summarise(ref, ref_site, results, seconds: float, a) -> dict:
    by = Counter()
    missed = Counter()
    for run, _ in results:
        for f in run.faults:
            (by if f.fired else missed)[(f.stage, f.kind)] += 1
    cmps = [c for _, c in results]
    return {
        "command": f"python -m bench.faults --runs {a.runs} --seed {a.seed} --custodians {a.custodians} "
                   f"--kills {a.kills} --store {a.store} --search {a.search}",
        "runs": len(results), "documents": cmps[0].documents if cmps else 0,
        "commands_per_run": len(ref.steps), "undisturbed_seconds": round(ref.seconds, 1),
        "faults_injected": sum(by.values()), "faults_missed": sum(missed.values()),
        "runs_stopped": sum(1 for r, _ in results if r.failure),
        "faults": [{"stage": st, "kind": k, "injected": by[(st, k)], "missed": missed[(st, k)]}
                   for st, k in sorted(set(by) | set(missed), key=lambda x: (STAGES.index(x[0]), x[1]))],
        "documents_lost": sum(len(c.documents_lost) for c in cmps),
        "documents_extra": sum(len(c.documents_extra) for c in cmps),
        "duplicate_tasks": sum(c.duplicate_tasks for c in cmps),
        "missing_tasks": sum(len(c.site.missing_tasks) for c in cmps),
        "duplicate_annotations": sum(len(c.site.duplicate_annotations) for c in cmps),
        "duplicate_decisions": sum(len(c.duplicate_decisions) for c in cmps),
        "store_rows_differing": sum(t["missing"] + t["extra"] for c in cmps for t in c.tables.values()),
        "production_files": cmps[0].production.files if cmps else 0,
        "production_differences": sum(len(c.production.different) + len(c.production.missing)
                                      + len(c.production.extra) for c in cmps),
        "production_same_content_not_bytes": sorted({f for c in cmps for f in c.production.same_content}),
        "undisturbed_site": {"projects": ref_site.projects, "tasks": ref_site.tasks,
                             "duplicate_tasks": len(ref_site.duplicate_tasks)},
        "runs_detail": [{"name": r.name, "seconds": round(r.seconds, 1), "ok": c.ok and not r.failure,
                         "summary": (f"stopped at {r.failure}; " if r.failure else "") + c.summary(),
                         "faults": [f.as_dict() for f in r.faults]} for r, c in results],
        "seconds": round(seconds, 1),
    }


def print_table(f: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="faults injected (fired while the command ran; missed: it had ended)")
    for col in ("stage", "kind", "injected", "missed"):
        t.add_column(col, justify="right" if col in ("injected", "missed") else "left")
    for row in f["faults"]:
        t.add_row(row["stage"], row["kind"], str(row["injected"]), str(row["missed"]))
    s = Table(title=f"bench.faults: {f['command']}")
    s.add_column("figure")
    s.add_column("value (goal)", justify="right")
    for k, goal in [("runs", None), ("documents", None), ("commands_per_run", None), ("faults_injected", None),
                    ("runs_stopped", 0),
                    ("documents_lost", 0), ("documents_extra", 0), ("duplicate_tasks", 0), ("missing_tasks", 0),
                    ("duplicate_annotations", 0), ("duplicate_decisions", 0), ("store_rows_differing", 0),
                    ("production_files", None), ("production_differences", 0), ("undisturbed_seconds", None),
                    ("seconds", None)]:
        s.add_row(k.replace("_", " "), f"{f[k]}" + ("" if goal is None else f" ({goal})"))
    c = Console()
    c.print(t)
    c.print(s)
    if f["production_same_content_not_bytes"]:
        c.print(f"compared by content (bytes differ legitimately): {', '.join(f['production_same_content_not_bytes'])}")
    for r in f["runs_detail"]:
        if not r["ok"]:
            c.print(f"[bold red]{r['name']}[/]: {r['summary']}", soft_wrap=True)


if __name__ == "__main__":
    main()
