"""`lpo`: the command line of the review pipeline.

Stage commands run the Prefect flows in flows/ (imported lazily, inside each command:
the core of lpo/ stays Prefect-free, and `lpo status` answers without starting Prefect).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from lpo import progress
from lpo.matter import MatterError, default_matter, write_matter
from lpo.progress import console

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Legal document review: ingest, pre-tag, route to Label Studio, collect, QA, produce.")

MatterDir = Annotated[Path, typer.Argument(help="the matter folder (holds matter.yaml)")]


def _fail(msg: str, code: int = 2) -> None:
    console.print(f"[bold red]error:[/] {msg}", soft_wrap=True)  # paths stay whole for copy and paste
    raise typer.Exit(code)


def _ws(matter_dir: Path):  # noqa: ANN202
    from lpo.workspace import Workspace

    try:
        return Workspace.open(matter_dir)
    except MatterError as e:
        _fail(str(e))


@app.callback()
def _main() -> None:
    progress.enable(True)


@app.command()
def init(matter_dir: MatterDir, name: Annotated[Optional[str], typer.Option(help="matter name")] = None) -> None:
    """Create a matter folder with a matter.yaml to edit."""
    if (matter_dir / "matter.yaml").exists():
        _fail(f"{matter_dir / 'matter.yaml'} already exists; edit it instead")
    path = write_matter(matter_dir, default_matter(name or matter_dir.resolve().name))
    ws = _ws(matter_dir)
    ws.store  # creates and migrates the store
    console.print(f"created {path}: set the client, protocol, Bates prefix and review sites, then `lpo ingest`")


@app.command()
def ingest(matter_dir: MatterDir, path: Annotated[Path, typer.Argument(help="file or folder to ingest")],
           custodian: Annotated[str, typer.Option(help="whose files these are")],
           passwords: Annotated[Optional[Path], typer.Option(
               help="password bank for encrypted files: one password a line")] = None,
           workers: Annotated[Optional[int], typer.Option(
               min=1, help="parser processes (default: one per core)")] = None,
           chunk_size: Annotated[int, typer.Option(min=1, help="files per task")] = 200) -> None:
    """Ingest a folder or file for one custodian: every file a document or a processing exception.

    Safe to run again: files already ingested unchanged are skipped, and a run that was
    stopped resumes where it stopped."""
    _ws(matter_dir)
    if not path.exists():
        _fail(f"{path} does not exist")
    if passwords is not None and not passwords.is_file():
        _fail(f"password file {passwords} does not exist")
    from flows.ingest import ingest_flow

    r = ingest_flow(str(matter_dir), str(path), custodian, chunk_size=chunk_size,
                    passwords_file=str(passwords.resolve()) if passwords else None, workers=workers)
    console.print(f"ingested {r['files']} files for {custodian}: {r['documents_added']} new documents"
                  + (f", {r['unchanged']} files unchanged since the last run" if r["unchanged"] else ""))


@app.command()
def pretag(matter_dir: MatterDir) -> None:
    """Pre-tag entities, PII, privilege cues and search-term hits."""
    _ws(matter_dir)
    from flows.pretag import pretag_flow

    r = pretag_flow(str(matter_dir))
    console.print(f"pre-tagged {r['pretagged']} documents with {r['version']}")


@app.command()
def pretags(matter_dir: MatterDir, as_json: Annotated[bool, typer.Option(
        "--json", help="a JSON list, one object per document")] = False) -> None:
    """What pre-tagging found per document: privilege score, flag and reasons, PII and term counts."""
    ws = _ws(matter_dir)
    from lpo.pretag import pretag_report

    rows = pretag_report(ws)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"Pre-tags of {ws.matter.name} (privilege threshold {ws.matter.protocol.privilege_threshold})")
    for col in ("control number", "file", "privilege", "flag", "PII", "why"):
        table.add_column(col)
    for r in rows:
        score = "-" if r["privilege_score"] is None else f"{r['privilege_score']:.2f}"
        pii = ", ".join(f"{k} {v}" for k, v in r["pii"].items())
        table.add_row(r["control_number"], r["file_name"], score, "yes" if r["privilege_flag"] else "",
                      pii, "; ".join(r["privilege_reasons"][:2]))
    console.print(table)


@app.command()
def route(matter_dir: MatterDir) -> None:
    """Batch unreviewed documents and send them to the first-pass review site (with `tar.enabled`: the next
    round of prioritised review, from the top of the ranking)."""
    ws = _ws(matter_dir)
    if ws.matter.tar.enabled:
        from flows.tar import prioritise_flow

        r = prioritise_flow(str(matter_dir))
        if r["resumed"]:
            console.print(f"sent {r['sent']} documents of round {r['round']}, cut off before")
        elif not r["planned"]:
            console.print("every reviewable document is routed: nothing left to rank")
        else:
            console.print(f"round {r['round']}: {r['planned']} documents in {len(r['batches'])} batches "
                          f"({r['random']} drawn at random), ranked by "
                          f"{'CAL' if r['ranked'] else 'custodian and date (nothing to learn from yet)'}")
        return
    from flows.review import route_flow

    r = route_flow(str(matter_dir))
    where = ", ".join(f"{n} to {site}" for site, n in sorted(r["sites"].items())) or "nothing to send"
    console.print(f"routed {r['documents']} documents in {r['batches']} batches ({where}); "
                  f"{r['tasks_imported']} tasks imported"
                  + (f", {r['duplicates_removed']} duplicate tasks removed" if r["duplicates_removed"] else "")
                  + (f", {r['retries']} retries while a site was unreachable" if r["retries"] else ""))


@app.command()
def collect(matter_dir: MatterDir,
            stage: Annotated[str, typer.Option(help="first_pass or qa")] = "first_pass",
            listen: Annotated[bool, typer.Option("--listen", help="collect every stage, then keep collecting each "
                                                 "project as its coding changes (Label Studio webhooks), until "
                                                 "Ctrl-C")] = False,
            port: Annotated[int, typer.Option(help="with --listen: the port on 127.0.0.1 Label Studio posts to "
                                              "(default: a free one)")] = 0) -> None:
    """Bring the reviewers' coding back from Label Studio (safe to run again)."""
    ws = _ws(matter_dir)
    from flows.review import collect_flow

    if listen:
        return _collect_listening(ws, matter_dir, port)
    _print_collected(stage, collect_flow(str(matter_dir), stage))


def _print_collected(stage: str, r: dict) -> None:
    console.print(f"collected {stage}: {r['inserted']} new, {r['updated']} updated, {r['retracted']} retracted "
                  f"decisions; {r['coded']}/{r['tasks']} tasks coded")
    for rej in r["rejections"]:
        console.print(f"[red]rejected[/] {rej['control_number']} ({rej['reviewer']}, {rej['batch']}): {rej['reason']}")
    if r["rejections"]:
        console.print(f"[bold red]{len(r['rejections'])} annotations were refused and not stored[/]: the reviewer "
                      f"must correct them in Label Studio, then collect again")
    for run_id in r.get("resumed", []):
        console.print(f"{stage} is coded: resumed the suspended matter pipeline (flow run {run_id})")


def _collect_listening(ws, matter_dir: Path, port: int) -> None:
    """Hook every live project, collect everything once, then collect each project when Label Studio
    reports a change; the hooks are removed on Ctrl-C."""
    import threading
    from datetime import datetime

    from flows.review import collect_flow, resume_on_collect
    from lpo.models import Stage
    from lpo.review.webhook import CollectListener, register, unregister

    resume = resume_on_collect(str(matter_dir))

    def collected(b, r) -> None:
        console.print(f"{datetime.now():%H:%M:%S} collected {b.name} ({b.site}, project {b.project_id}): "
                      f"{r.inserted} new, {r.updated} updated, {r.retracted} retracted, {r.rejected} rejected")
        for rej in r.rejections:
            console.print(f"[red]rejected[/] {rej.control_number} ({rej.reviewer}, {rej.batch}): {rej.reason}")
        for run_id in resume(b, r):
            console.print(f"{b.stage.value} is coded: resumed the suspended matter pipeline (flow run {run_id})")

    try:
        listener = CollectListener(ws, port=port, on_collect=collected)
    except OSError as e:
        _fail(f"cannot listen on 127.0.0.1:{port}: {e}; choose another --port")
    listener.listen()  # events queue from here on; the worker starts after the full collect (one writer)
    try:
        changed = register(ws, listener)
        console.print(f"listening on {listener.url}: {len(listener.hooked)} projects hooked ({changed} new)")
        for st in Stage:
            if ws.store.batches(st):
                _print_collected(st.value, collect_flow(str(matter_dir), st.value))
        listener.start()
        console.print("collecting each project as its coding changes; Ctrl-C to stop")
        threading.Event().wait()
    except KeyboardInterrupt:
        console.print("stopping: collecting what is queued")
    finally:
        listener.stop()
        console.print(f"stopped; {unregister(ws, listener)} webhooks removed")


@app.command()
def purge(matter_dir: MatterDir, site: Annotated[str, typer.Option(help="review site name from matter.yaml")]
          ) -> None:
    """Delete from a review site the projects whose coding is complete and collected."""
    _ws(matter_dir)
    from flows.review import purge_flow

    r = purge_flow(str(matter_dir), site)
    console.print(f"purged {len(r['purged'])} projects from {r['site']}: {', '.join(r['purged']) or '-'}")
    for name, why in r["kept"].items():
        console.print(f"  kept {name}: {why}")


@app.command()
def invite(matter_dir: MatterDir, site: Annotated[str, typer.Option(help="review site name from matter.yaml")]
           ) -> None:
    """Print the sign-up link for reviewers of a site's pool (sign-up without it is off)."""
    ws = _ws(matter_dir)
    from lpo.review.people import invite_token

    s = ws.matter.site_named(site)
    console.print(f"{s.url.rstrip('/')}/user/signup/?token={invite_token(s.url, s.token())}  "
                  f"(pool {s.pool_name}: whoever signs up here can read every document on this site)")


qa_app = typer.Typer(no_args_is_help=True, help="Attorney QA: sample sizes, samples into the QA queue, "
                     "verdicts and re-review, the elusion test.")
app.add_typer(qa_app, name="qa")


@qa_app.command("sample-size")
def qa_sample_size(confidence: Annotated[float, typer.Option(help="e.g. 0.95")],
                   margin: Annotated[float, typer.Option(help="margin of error, e.g. 0.05 for ±5%")],
                   population: Annotated[Optional[int], typer.Option(help="documents sampled from "
                                                                     "(finite-population correction)")] = None) -> None:
    """Decisions to check for a margin of error at a confidence (Cochran, worst case p = 0.5)."""
    from lpo.qa.stats import sample_size

    try:
        print(sample_size(confidence, margin, population))
    except ValueError as e:
        _fail(str(e))


@qa_app.command("accept-on-zero")
def qa_accept_on_zero(confidence: Annotated[float, typer.Option(help="e.g. 0.95")],
                      max_rate: Annotated[float, typer.Option(help="error-rate bound, e.g. 0.05")],
                      population: Annotated[Optional[int], typer.Option(help="documents sampled from "
                                                                        "(hypergeometric)")] = None) -> None:
    """The smallest sample in which zero errors shows the error rate below the bound."""
    from lpo.qa.stats import accept_on_zero

    try:
        print(accept_on_zero(confidence, max_rate, population))
    except ValueError as e:
        _fail(str(e))


@qa_app.command("sample")
def qa_sample(matter_dir: MatterDir) -> None:
    """Sample every coded first-pass batch (stratified by reviewer) into the attorney QA queue."""
    _ws(matter_dir)
    from flows.qa import qa_flow

    r = qa_flow(str(matter_dir))
    if r["sample"] is None:
        console.print("no coded first-pass batch waits for a QA sample")
    else:
        console.print(f"{r['sample']}: {r['size']} of {r['population']} decisions in {len(r['batches'])} batches"
                      f" (+{r['census']} privilege calls checked in full); {r['sent']} tasks sent to {r['site']}")


@qa_app.command("judge")
def qa_judge(matter_dir: MatterDir) -> None:
    """Accept each batch whose sample is checked, or send it back for re-review."""
    _ws(matter_dir)
    from flows.qa import judge_flow

    r = judge_flow(str(matter_dir))
    console.print(f"accepted: {', '.join(r['accepted']) or 'none'}; rejected: {', '.join(r['rejected']) or 'none'}"
                  f"; re-review batches sent: {', '.join(r['rereview']) or 'none'}; awaiting QA: "
                  f"{', '.join(r['awaiting']) or 'none'}", soft_wrap=True)


@qa_app.command("elusion")
def qa_elusion(matter_dir: MatterDir) -> None:
    """A random sample of the documents coded not responsive into the QA queue (elusion test)."""
    _ws(matter_dir)
    from flows.qa import elusion_flow

    r = elusion_flow(str(matter_dir))
    if r["sample"] is None:
        console.print("no document is coded not responsive: nothing to sample for elusion")
    else:
        console.print(f"{r['sample']}: {r['size']} of {r['population']} documents coded not responsive; "
                      f"{r['sent']} tasks sent to {r['site']}")


@app.command("qa-report")
def qa_report(matter_dir: MatterDir, out: Annotated[Path, typer.Option(help="the report, e.g. report.html")],
              json_out: Annotated[bool, typer.Option("--json", help="also write the figures as JSON beside it")]
              = False) -> None:
    """The QA report an attorney can file: overturns with intervals, batch acceptance, elusion, recall."""
    ws = _ws(matter_dir)
    from lpo.qa.report import render_html
    from lpo.qa.results import results_for

    data = results_for(ws)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(data), encoding="utf-8")
    if json_out:
        out.with_suffix(".json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    o = data["overall"]
    rate = "-" if o["rate"] is None else f"{o['rate']:.1%} ({o['lower']:.1%}-{o['upper']:.1%})"
    states = [b["status"] for b in data["batches"]]
    console.print(f"wrote {out}: {o['checked']} decisions checked, overturn rate {rate}; batches "
                  f"{states.count('accepted')} accepted, {states.count('rejected')} rejected, "
                  f"{states.count('awaiting QA')} awaiting QA", soft_wrap=True)


@app.command()
def produce(matter_dir: MatterDir, out: Annotated[Path, typer.Option(help="production folder")]) -> None:
    """Produce responsive, non-privileged documents: Bates images, text, natives, DAT/OPT, privilege log."""
    _ws(matter_dir)
    from flows.produce import produce_flow

    r = produce_flow(str(matter_dir), str(out))
    console.print(f"produced volume {r['volume']}: {r['documents']} documents, {r['pages']} pages, "
                  f"{r['begin_bates']}-{r['end_bates']}; {r['withheld']} withheld on the privilege log")
    for note in r.get("notes", []):
        console.print(f"[yellow]note:[/] {note}", soft_wrap=True)
    if r.get("held"):
        console.print(f"[yellow]{len(r['held'])} documents held back[/] (families wait for them): "
                      + "; ".join(f"{cn}: {why}" for cn, why in list(r["held"].items())[:10]), soft_wrap=True)


@app.command("privilege-log")
def privilege_log(matter_dir: MatterDir, out: Annotated[Path, typer.Option(
        help="draft log to write: .xlsx (default) or .csv")] = Path("privilege_log_draft.xlsx")) -> None:
    """Write the privilege log the next production would deliver, for attorneys to review first."""
    ws = _ws(matter_dir)
    from lpo.production.selection import draft_privilege_log

    n = draft_privilege_log(ws, out)
    console.print(f"wrote {n} privilege-log rows to {out}")


@app.command("verify-production")
def verify_production(out: Annotated[Path, typer.Argument(
        help="a delivered production: a volume folder (with manifest.json) or the folder holding volumes")]) -> None:
    """Re-check a delivered production against its manifests: missing, extra or altered files."""
    from lpo.production.manifest import verify_production as verify

    if not out.exists():
        _fail(f"{out} does not exist")
    checks = verify(out)
    if not checks:
        _fail(f"{out}: no production volume found (a volume folder holds manifest.json)")
    table = Table(title=f"Production {out}")
    for col in ("volume", "files", "Bates range", "result"):
        table.add_column(col)
    for c in checks:
        table.add_row(c.volume.name, str(c.files), "-".join(x for x in c.bates if x),
                      "[green]ok[/]" if c.ok else f"[bold red]{len(c.problems)} problems[/]")
    console.print(table)
    for c in checks:
        for problem in c.problems:
            console.print(f"[bold red]{c.volume.name}:[/] {problem}", soft_wrap=True)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@app.command()
def exceptions(matter_dir: MatterDir, csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout")] = False
               ) -> None:
    """The processing exceptions report: every file that did not become a reviewable document, and why."""
    from lpo.ingest.report import exceptions_csv, exceptions_table

    ws = _ws(matter_dir)
    if csv:
        sys.stdout.write(exceptions_csv(ws.store.exceptions()))
    else:
        console.print(exceptions_table(ws.store.exceptions()))


Production = Annotated[Optional[str], typer.Option(
    "--production", help="a production volume's index (what the receiving party searches) instead of the matter's")]


@app.command("index")
def index_cmd(matter_dir: MatterDir, production: Production = None) -> None:
    """(Re-)build the search index from the store; searches keep working until the new index replaces the old."""
    ws = _ws(matter_dir)
    from lpo.search import SearchError, reindex

    try:
        n = reindex(ws, production)
    except (SearchError, KeyError) as e:
        _fail(str(e).strip("'\""))
    console.print(f"indexed {n} documents with {ws.matter.search.engine}"
                  + (f" for production {production}" if production else ""))


@app.command("search")
def search_cmd(matter_dir: MatterDir, query: Annotated[str, typer.Argument(
                   help='e.g. \'negligen* w/5 damage AND date:[2001-01-01 TO 2001-06-30]\'')],
               production: Production = None,
               limit: Annotated[Optional[int], typer.Option(min=1, help="show at most this many hits")] = None,
               as_json: Annotated[bool, typer.Option("--json", help="one JSON object: total and hits")] = False
               ) -> None:
    """Search the matter: AND OR NOT ( ) "phrases" w/N pre/N wildcards* fuzzy~ field: date:[A TO B]."""
    ws = _ws(matter_dir)
    from lpo.search import QueryError, SearchError, search

    try:
        r = search(ws, query, production, limit)
    except QueryError as e:
        _fail(f"query: {e}")
    except SearchError as e:
        _fail(str(e))
    if as_json:
        sys.stdout.write(json.dumps({"query": r.query, "total": r.total,
                                     "hits": [{"id": h.id, "family_id": h.family_id} for h in r.hits]}) + "\n")
        return
    for h in r.hits:
        sys.stdout.write(f"{h.id}\t{h.family_id}\n")
    console.print(f"{r.total} documents match {query!r}" + (f" (showing {len(r.hits)})" if len(r.hits) < r.total
                                                             else ""))


@app.command("search-terms")
def search_terms(matter_dir: MatterDir, terms_file: Annotated[Path, typer.Argument(
                     help="one search a line; # starts a comment")],
                 production: Production = None,
                 csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout")] = False) -> None:
    """The search term report: per term, hits, unique hits and hits with families, and the total."""
    ws = _ws(matter_dir)
    from lpo.search import QueryError, SearchError, open_engine, read_terms, term_report
    from lpo.search.terms import report_csv, report_table

    if not terms_file.is_file():
        _fail(f"{terms_file} does not exist: write one search a line")
    terms = read_terms(terms_file)
    if not terms:
        _fail(f"{terms_file} holds no search terms")
    engine = open_engine(ws, production)
    try:
        rows, total = term_report(engine, terms)
    except QueryError as e:
        _fail(f"{terms_file}: term {e.query!r}: {e}")
    except SearchError as e:
        _fail(str(e))
    finally:
        engine.close()
    if csv:
        sys.stdout.write(report_csv(rows, total))
    else:
        console.print(report_table(rows, total, f"Search term report, {ws.matter.name}"
                                   + (f", production {production}" if production else "")))


def status_counts(matter_dir: Path) -> dict:
    from lpo.review.productivity import productivity

    ws = _ws(matter_dir)
    out = {"matter": ws.matter.name, **ws.store.counts(), **productivity(ws.store)}
    if ws.matter.tar.enabled:
        from lpo.tar.review import status as tar_status

        out["prioritised"] = tar_status(ws)
    return out


@app.command()
def status(matter_dir: MatterDir, as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False
           ) -> None:
    """Where the matter stands: files seen and accounted for, documents, review, QA, production."""
    counts = status_counts(matter_dir)
    if as_json:
        sys.stdout.write(json.dumps(counts) + "\n")
        return
    reviewers, batches = counts.pop("reviewers"), counts.pop("batches")
    tar = counts.pop("prioritised", None)
    table = Table(title=f"Matter {counts.pop('matter')}")
    table.add_column("measure")
    table.add_column("count", justify="right")
    for k, v in counts.items():
        if isinstance(v, dict):  # e.g. exceptions by reason: one row each
            for sub, n in sorted(v.items()):
                table.add_row(f"  {k.replace('_', ' ')}: {sub}", str(n))
        else:
            table.add_row(k.replace("_", " "), str(v))
    console.print(table)
    _print_review(reviewers, batches)
    if tar:
        _print_tar(tar)
    if counts["files_accounted"] != counts["files_seen"]:
        console.print(f"[bold red]{counts['files_seen'] - counts['files_accounted']} files are not accounted for[/]")


def _print_tar(t: dict) -> None:
    e = t["estimate"]
    est = (f"{e['recall']:.1%} ({e['lower']:.1%}-{e['upper']:.1%}, {e['confidence']:.0%}) from round {e['round']}'s "
           f"random {e['sample']}" if e else "no random share coded yet (tar.random_share)")
    rho = "-" if t["knee_ratio"] is None else f"{t['knee_ratio']:.1f}"
    target = f"STOP, recall >= {t['target_recall']:.0%}" if t["target_stop"] else "go on"
    console.print("\n".join([
        f"[bold]Prioritised review[/]: round {t['rounds']}, {t['reviewed']} of {t['routable']} reviewable documents "
        f"reviewed, {t['found']} responsive found by the ranking",
        f"  knee: slope ratio {rho} (stops at 156 - min(found, 150) after 150 reviewed): "
        f"{'STOP' if t['knee_stop'] else 'go on'}",
        f"  target set: {t['targets']} of {t['target_size']} responsive random documents, "
        f"{t['targets_reached']} reached by the ranking: {target}",
        f"  estimated recall: {est}",
        f"  stop rule ({t['stop_rule']}): {'stop' if t['stop'] else 'review on'}"]), soft_wrap=True)


def _print_review(reviewers: list[dict], batches: list[dict]) -> None:
    if reviewers:
        t = Table(title="Reviewers (first pass)")
        for col in ("reviewer", "docs", "hours", "docs/hour", "responsive", "privileged", "QA'd", "overturned"):
            t.add_column(col, justify="left" if col == "reviewer" else "right")
        for r in reviewers:
            over = "-" if r["overturn_rate"] is None else f"{r['overturn_rate']:.0%} of {r['qa_checked']}"
            t.add_row(r["reviewer"], str(r["documents"]), "-" if r["hours"] is None else f"{r['hours']:.2f}",
                      "-" if r["docs_per_hour"] is None else f"{r['docs_per_hour']:.0f}",
                      f"{r['responsive_rate']:.0%}", f"{r['privilege_rate']:.0%}", str(r["qa_checked"]), over)
        console.print(t)
    if batches:
        t = Table(title="Batches")
        for col in ("batch", "site", "docs", "coded", "progress", "rejected", "state", "QA verdict"):
            t.add_column(col, justify="right" if col in ("docs", "coded", "rejected") else "left")
        for b in batches:
            bar = "#" * round(b["percent"] / 10)
            t.add_row(b["batch"], b["site"], str(b["documents"]), str(b["coded"]),
                      f"{bar:<10} {b['percent']:.0f}%", str(b["rejected"] or ""), b["state"], b.get("qa_verdict") or "")
        console.print(t)


@app.command()
def schemas(write: Annotated[bool, typer.Option(help="write schemas/*.json")] = False,
            out: Annotated[Path, typer.Option(help="schemas folder")] = Path("schemas")) -> None:
    """Print or write the JSON Schemas of the records that cross a boundary."""
    from lpo.schemas import render_schemas

    rendered = render_schemas()
    if not write:
        sys.stdout.write(json.dumps({k: json.loads(v) for k, v in rendered.items()}, indent=2) + "\n")
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, text in rendered.items():
        (out / name).write_text(text, encoding="utf-8")
    console.print(f"wrote {len(rendered)} schemas to {out}/")


@app.command()
def demo(out: Annotated[Path, typer.Option(help="output folder")] = Path("demo-out"),
         simulate_reviewers: Annotated[bool, typer.Option(
             "--simulate-reviewers", help="code review and QA from the sample's ground truth instead of people")
         ] = False,
         port: Annotated[int, typer.Option(help="Label Studio port")] = 8080,
         seed: Annotated[int, typer.Option(help="sample matter seed")] = 7) -> None:
    """Generate a sample matter and run the whole pipeline on it with a local Label Studio."""
    from lpo.demo import run_demo

    run_demo(out, simulate_reviewers=simulate_reviewers, port=port, seed=seed)


@app.command("labelstudio")
def labelstudio(out: Annotated[Path, typer.Argument(help="the demo output folder")] = Path("demo-out"),
                port: Annotated[int, typer.Option(help="port")] = 8080) -> None:
    """Start the demo's Label Studio again (same data and credentials) to look at its projects."""
    from lpo.demo import serve_labelstudio

    serve_labelstudio(out, port)


@app.command()
def backup(matter_dir: MatterDir, out: Annotated[Path, typer.Option(help="the backup file to write, e.g. acme.tar")]
           ) -> None:
    """Back up a matter while it is in use: store snapshot, content, index, matter.yaml (never secrets)."""
    from lpo.ops.backup import BackupError, backup_matter
    from lpo.ops.pg import PgToolError

    _ws(matter_dir)
    try:
        r = backup_matter(matter_dir, out)
    except (BackupError, PgToolError) as e:
        _fail(str(e))
    console.print(f"backed up {matter_dir} ({r.store} store) to {r.archive}: {r.files} files, "
                  f"{r.bytes / 1e6:.1f} MB, each with its SHA-256 in manifest.json", soft_wrap=True)
    for what in r.left_out:
        console.print(f"  left out of the backup: {what}", soft_wrap=True)


@app.command()
def restore(archive: Annotated[Path, typer.Argument(help="a backup file written by `lpo backup`")],
            to: Annotated[Path, typer.Option(help="the new matter folder (must not exist, or be empty)")],
            store_url: Annotated[Optional[str], typer.Option(
                help="an empty PostgreSQL database for a backup of a PostgreSQL store")] = None) -> None:
    """Restore a matter into a new folder (and database), after checking every file against the manifest."""
    from lpo.ops.backup import BackupError, restore_matter
    from lpo.ops.pg import PgToolError

    try:
        r = restore_matter(archive, to, store_url)
    except (BackupError, PgToolError, MatterError) as e:
        _fail(str(e))
    console.print(f"restored {r.files} files to {r.matter_dir} ({r.store} store"
                  + (f" at {store_url.split('@')[-1]}" if r.store == "postgresql" and store_url else "") + ")",
                  soft_wrap=True)
    for what in r.left_out:
        console.print(f"  not in the backup: {what}; supply it again", soft_wrap=True)
    if r.token_envs:
        console.print(f"  review-site tokens are never backed up: set {', '.join(r.token_envs)}, then "
                      f"`lpo sites check {r.matter_dir}`", soft_wrap=True)


sites_app = typer.Typer(no_args_is_help=True, help="Review sites: check their tokens.")
app.add_typer(sites_app, name="sites")


@sites_app.command("check")
def sites_check(matter_dir: MatterDir) -> None:
    """For each review site: is its token variable set, and does the site accept the token? (never prints it)"""
    ws = _ws(matter_dir)
    from lpo.ops.sites import check_sites

    checks = check_sites(ws.matter)
    if not checks:
        _fail(f"{matter_dir / 'matter.yaml'} lists no review_sites; add one (name, url, token_env, role)")
    table = Table(title=f"Review sites of {ws.matter.name}")
    for col in ("site", "url", "token variable", "result"):
        table.add_column(col)
    for c in checks:
        table.add_row(c.site, c.url, c.token_env, ("[green]" if c.ok else "[bold red]") + c.state + "[/]")
    console.print(table)
    for c in checks:
        console.print(f"{c.site}: {c.detail}", soft_wrap=True)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


audit_app = typer.Typer(no_args_is_help=True, help="The matter's audit log: check its hash chain.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(matter_dir: MatterDir) -> None:
    """Check the audit log's hash chain: an edited, deleted or inserted event is named (exit 1)."""
    ws = _ws(matter_dir)
    from lpo.audit import verify_chain

    check = verify_chain(ws.store.audit_events(), ws.store.audit_head())
    if check.ok:
        console.print(f"audit log of {ws.matter.name}: {check.events} events, chain intact; head "
                      f"{check.head_sha256} (record it outside the matter)", soft_wrap=True)
        return
    for event_id, what in check.problems:
        console.print(f"[bold red]{'event ' + str(event_id) if event_id else 'end of the log'}[/]: {what}",
                      soft_wrap=True)
    _fail(f"the audit log of {matter_dir} was changed after it was written ({len(check.problems)} problems in "
          f"{check.events} events): restore the matter from its last backup and compare", code=1)


@app.command()
def custody(matter_dir: MatterDir,
            out: Annotated[Path, typer.Option(help="the report to write: .csv (a row per document or exception) "
                                                   "or .json")]) -> None:
    """Chain of custody: each source file's SHA-256 to its documents, their coding and the produced files."""
    ws = _ws(matter_dir)
    from lpo.custody import as_json, custody_report, write_csv

    report = custody_report(ws)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(as_json(report), indent=1, ensure_ascii=False), encoding="utf-8")
    else:
        write_csv(report, out)
    changed = sum(not f["intact"] for r in report.rows for f in r.produced_files)
    console.print(f"chain of custody of {ws.matter.name}: {len(report.rows)} rows to {out} "
                  f"({', '.join(f'{n} {k}' for k, n in report.counts().items())})", soft_wrap=True)
    console.print(f"audit log: {report.audit_events} events, "
                  + ("chain intact" if report.audit_intact else "[bold red]chain broken: run `lpo audit verify`[/]")
                  + f"; head {report.audit_head}", soft_wrap=True)
    if changed:
        _fail(f"{changed} produced files no longer match the SHA-256 their manifest gives: run "
              f"`lpo verify-production` on the volume and produce it again", code=1)
    if not report.audit_intact:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
