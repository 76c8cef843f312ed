"""`lpo demo`: a sample matter through the whole pipeline with a local Label Studio.

Reviewers and attorneys are people. Only with --simulate-reviewers does the demo code
the review and QA projects itself, from the sample's ground truth (with deliberate
first-pass mistakes, so QA has something to overturn); without it the pipeline waits
at review until people have coded every task in Label Studio.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rich.panel import Panel
from rich.table import Table

from lpo.matter import write_matter
from lpo.models import Stage
from lpo.progress import console
from lpo.workspace import Workspace

DEMO_USER = "admin@lpo.local"
DEMO_PASSWORD = "lpo-demo-password"
# A fixed, non-secret token for the local demo server only (Label Studio tokens are 40 chars).
DEMO_TOKEN = hashlib.sha1(b"lpo local demo token").hexdigest()
TOKEN_ENV = "LPO_LS_TOKEN"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _pick_port(port: int, taken: set[int] = frozenset()) -> int:
    for p in range(port, port + 50):
        if p not in taken and _port_free(p):
            return p
    raise RuntimeError(f"no free port in {port}-{port + 49} for Label Studio; pass --port")


def _server(data_dir: Path, port: int):  # noqa: ANN202
    from lpo.review.server import LabelStudioServer

    return LabelStudioServer(data_dir, port=port, username=DEMO_USER, password=DEMO_PASSWORD, token=DEMO_TOKEN)


# One Label Studio instance per review site: a pool's isolation is its own instance (every user of
# an instance can read all of it), so offshore reviewers never see the attorneys' QA queue.
SITE_DIRS = {"offshore": "labelstudio-offshore", "onshore-qa": "labelstudio-onshore-qa"}


def _stop_on_sigterm() -> None:
    """SIGTERM (a service manager, `timeout`, `kill`) ends the run as Ctrl-C does, through the `finally`
    that stops the Label Studio servers: they run in sessions of their own and would outlive us."""
    def interrupt(signum, frame) -> None:  # noqa: ANN001
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def _sites(out: Path, port: int) -> dict[str, object]:
    """The demo's review sites, started; the first start migrates one database (~90 s) that the
    second instance then copies, so it restarts in seconds instead of migrating again."""
    dirs = {name: out / d for name, d in SITE_DIRS.items()}
    first, *rest = dirs
    if any(not (d / "label_studio.sqlite3").exists() for d in dirs.values()):
        with console.status("first start of Label Studio: migrating its database (about 90 s)"):
            with _server(dirs[first], _pick_port(port)):
                pass
        for name in rest:
            shutil.rmtree(dirs[name], ignore_errors=True)
            shutil.copytree(dirs[first], dirs[name], ignore=shutil.ignore_patterns("server.log", "export"))
    servers: dict[str, object] = {}
    taken: set[int] = set()
    try:
        for name, d in dirs.items():
            p = _pick_port(port, taken)
            taken.add(p)
            with console.status(f"starting the {name} review site (Label Studio)"):
                servers[name] = _server(d, p).start()
    except BaseException:
        for srv in servers.values():
            srv.stop()
        raise
    return servers


def truth_lookup(truth_path: str | Path) -> Callable[[dict], dict | None]:
    """Map a task's (custodian, source path) to the sample's ground truth for that document."""
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    by_key = {(d["custodian"], d["path"]): d for d in truth["documents"]}

    def lookup(data: dict) -> dict | None:
        return by_key.get((data.get("custodian"), data.get("source_path")))
    return lookup


def simulate_stage(ws: Workspace, stage: Stage, truth_path: str) -> int:
    from lpo.review.simulate import SimulatedAttorney, SimulatedReviewers
    from lpo.review.workflow import Sites

    sites = Sites(ws)
    truth = truth_lookup(truth_path)
    attorney = SimulatedAttorney(truth)
    first = SimulatedReviewers(truth)
    # A batch QA sent back is re-reviewed with more care (and other documents than the ones QA fixed).
    careful = SimulatedReviewers(truth, error_rate=first.error_rate / 4, seed=first.seed + 1)
    coded = 0
    for b in ws.store.batches(stage):
        if b.project_id is not None and b.purged_at is None:
            people = attorney if stage is Stage.qa else careful if b.reviews_batch else first
            coded += people.code_project(sites.client(b.site), b.project_id).annotated
    return coded


def _credentials_panel(urls: dict[str, str], simulated: bool) -> Panel:
    who = ("reviewers and attorneys are SIMULATED from the sample's ground truth"
           if simulated else "the pipeline waits until people code every task in Label Studio")
    sites = "\n".join(f"{name:<13} [bold]{url}[/]" for name, url in urls.items())
    return Panel(f"{sites}\nuser          {DEMO_USER}\npassword      {DEMO_PASSWORD}\n\n{who}",
                 title="review sites (one Label Studio each: offshore first pass, onshore attorney QA)",
                 expand=False)


def run_demo(out: Path, simulate_reviewers: bool, port: int = 8080, seed: int = 7) -> dict:
    from flows.pipeline import matter_pipeline
    from lpo.sample.generator import generate_sample_matter, sample_matter_config

    out = out.resolve()
    sample_dir, matter_dir, prod_dir = out / "sample", out / "matter", out / "production"
    for d in (sample_dir, matter_dir, prod_dir):  # a fresh run; Label Studio's database is kept (fast restart)
        shutil.rmtree(d, ignore_errors=True)
    t0 = time.monotonic()
    console.rule("[bold]lpo demo: Acme v. Globex sample matter")
    if simulate_reviewers:
        console.print("[yellow]--simulate-reviewers: review and QA coding comes from the sample's ground truth, "
                      "not from people[/]")
    with console.status("generating the sample matter"):
        summary = generate_sample_matter(sample_dir, seed=seed)
    c = summary.counts
    console.print(f"sample matter: {summary.files_written} files from {len(summary.custodians)} custodians "
                  f"({', '.join(summary.custodians)}): {c['documents']} documents expected, "
                  f"{c['responsive']} responsive, {c['privilege:attorney_client'] + c['privilege:work_product']} "
                  f"privileged, {c['privilege:partial']} partially privileged, {summary.exceptions_expected} "
                  f"processing exceptions planted")

    _stop_on_sigterm()
    servers = _sites(out, port)
    urls = {name: srv.url for name, srv in servers.items()}
    try:
        matter = sample_matter_config()
        for site in matter.review_sites:
            site.url = urls[site.name]
            site.token_env = TOKEN_ENV
        os.environ[TOKEN_ENV] = DEMO_TOKEN
        write_matter(matter_dir, matter)
        for url in urls.values():
            _clear_old_projects(url, matter.name)
        console.print(_credentials_panel(urls, simulate_reviewers))

        custodians = sorted(p for p in (sample_dir / "sources").iterdir() if p.is_dir())
        sources = [{"path": str(p), "custodian": p.name} for p in custodians]
        truth = str(sample_dir / "ground_truth.json") if simulate_reviewers else None
        result = matter_pipeline(str(matter_dir), sources, str(prod_dir), truth_path=truth)
        ws = Workspace.open(matter_dir)
        counts = ws.store.counts()
        qa = _qa_report(ws, out / "qa-report.html")
        _summary(counts, result, prod_dir, time.monotonic() - t0, qa)
        console.print(_credentials_panel(urls, simulate_reviewers))
        console.print(f"to open the review sites again later: [bold].venv/bin/lpo labelstudio {out}[/]")
        return {"counts": counts, "production": result, "sites": urls}
    finally:
        for srv in servers.values():
            srv.stop()


def _clear_old_projects(url: str, matter_name: str) -> None:
    """Projects left by an earlier demo run would mix old coding into this one."""
    from lpo.review.site import LabelStudioSite

    site = LabelStudioSite(url, DEMO_TOKEN, name="demo")
    for project in site.client.projects.list():
        if (project.title or "").startswith(matter_name):
            site.delete_project(project.id)


def _qa_report(ws: Workspace, path: Path) -> dict:
    """The attorney QA report beside the production; its figures for the summary."""
    from lpo.qa.report import render_html
    from lpo.qa.results import results_for

    data = results_for(ws)
    path.write_text(render_html(data), encoding="utf-8")
    return {**data, "path": path}


def _pct(row: dict | None, key: str = "rate", lo: str = "lower", hi: str = "upper") -> str:
    if not row or row.get(key) is None:
        return "-"
    return f"{row[key]:.1%} ({row[lo]:.1%}-{row[hi]:.1%})"


def _summary(counts: dict, prod: dict, prod_dir: Path, seconds: float, qa: dict) -> None:
    t = Table(title="lpo demo: summary")
    t.add_column("stage")
    t.add_column("figure", justify="right")
    rows = [
        ("files seen / accounted for", f"{counts['files_seen']} / {counts['files_accounted']}"),
        ("documents / processing exceptions", f"{counts['documents']} / {counts['exceptions']}"),
        ("pre-tagged", counts["pretagged"]),
        ("routed to first-pass review", counts["routed"]),
        ("coded in first pass", counts["reviewed"]),
        ("sampled for attorney QA / QA'd", f"{counts['qa_sampled']} / {counts['qa_reviewed']}"),
        ("overturn rate (95% interval)", _pct(qa["overall"])),
        ("batches accepted / re-reviewed", f"{sum(b['status'] == 'accepted' for b in qa['batches'])} / "
                                           f"{sum(b['status'] == 'rejected' for b in qa['batches'])}"),
        ("elusion / estimated recall", f"{_pct(qa['elusion'])} / "
                                       f"{_pct(qa['elusion'], 'recall', 'recall_lower', 'recall_upper')}"),
        ("produced documents / pages", f"{prod['documents']} / {prod['pages']}"),
        ("Bates range", f"{prod['begin_bates']} - {prod['end_bates']}"),
        ("withheld (privilege log)", prod["withheld"]),
        ("wall time", f"{seconds:.0f} s"),
    ]
    for k, v in rows:
        t.add_row(k, str(v))
    console.print(t)
    console.print(f"production folder: [bold]{prod_dir / prod['volume']}[/]")
    console.print(f"attorney QA report: [bold]{qa['path']}[/]")


def serve_labelstudio(out: Path, port: int) -> None:
    out = out.resolve()
    if not all((out / d).exists() for d in SITE_DIRS.values()):
        raise SystemExit(f"{out} has no demo review sites: run `make demo` first")
    _stop_on_sigterm()
    servers = _sites(out, port)
    console.print(_credentials_panel({n: s.url for n, s in servers.items()}, False))
    console.print("press Ctrl-C to stop")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for srv in servers.values():
            srv.stop()
