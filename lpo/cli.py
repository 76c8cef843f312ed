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
    """Batch unreviewed documents and send them to the first-pass review site."""
    _ws(matter_dir)
    from flows.review import route_flow

    r = route_flow(str(matter_dir))
    console.print(f"routed {r['documents']} documents in {r['batches']} batches to {r['site']}")


@app.command()
def collect(matter_dir: MatterDir,
            stage: Annotated[str, typer.Option(help="first_pass or qa")] = "first_pass") -> None:
    """Bring the reviewers' coding back from Label Studio (safe to run again)."""
    _ws(matter_dir)
    from flows.review import collect_flow

    r = collect_flow(str(matter_dir), stage)
    console.print(f"collected {stage}: {r['inserted']} new, {r['updated']} updated decisions; "
                  f"{r['coded']}/{r['tasks']} tasks coded")


@app.command()
def qa(matter_dir: MatterDir) -> None:
    """Sample first-pass decisions at the matter's confidence and margin into the attorney QA queue."""
    _ws(matter_dir)
    from flows.qa import qa_flow

    r = qa_flow(str(matter_dir))
    console.print(f"QA sample of {r['size']} from {r['population']} decisions sent to {r['site']}")


@app.command()
def produce(matter_dir: MatterDir, out: Annotated[Path, typer.Option(help="production folder")]) -> None:
    """Produce responsive, non-privileged documents: Bates images, text, natives, DAT/OPT, privilege log."""
    _ws(matter_dir)
    from flows.produce import produce_flow

    r = produce_flow(str(matter_dir), str(out))
    console.print(f"produced volume {r['volume']}: {r['documents']} documents, {r['pages']} pages, "
                  f"{r['begin_bates']}-{r['end_bates']}; {r['withheld']} withheld on the privilege log")


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


def status_counts(matter_dir: Path) -> dict:
    ws = _ws(matter_dir)
    return {"matter": ws.matter.name, **ws.store.counts()}


@app.command()
def status(matter_dir: MatterDir, as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False
           ) -> None:
    """Where the matter stands: files seen and accounted for, documents, review, QA, production."""
    counts = status_counts(matter_dir)
    if as_json:
        sys.stdout.write(json.dumps(counts) + "\n")
        return
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
    if counts["files_accounted"] != counts["files_seen"]:
        console.print(f"[bold red]{counts['files_seen'] - counts['files_accounted']} files are not accounted for[/]")


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


if __name__ == "__main__":
    app()
