"""Legacy Office ingest: a chunk's files converted by one LibreOffice process, against one
LibreOffice process per file, same run, same files.

    nice -n 10 .venv/bin/python -m bench.legacy [--files 300] [--workers 2] [--damaged 0.1]

The files: distinct .doc, .xls and .ppt (a third each) made here from generated DOCX, XLSX
and PPTX by LibreOffice itself (not timed), plus --damaged of them cut short (LibreOffice cannot
load some of those: they are converted again one by one, the batch's worst case). Both runs
go through lpo.ingest.worker.WorkerPool.extract as the ingest flow does, chunk by chunk; the
baseline with batch_legacy=False (each worker starts LibreOffice for each file). Figures only:
timings depend on the machine and its load (the load average is printed); each run's
documents and exceptions must be the same, file by file, or the bench says so and exits 1 (a file
LibreOffice itself converts differently each time, alone, is named but not counted).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lpo.content import ContentStore
from lpo.ingest.worker import WorkerPool

CHUNK_SIZE = 200  # flows.ingest.CHUNK_SIZE (not imported: flows/ brings Prefect)


def _docx(i: int) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(f"Memorandum {i}", 1)
    for k in range(8):
        d.add_paragraph(f"Paragraph {k} of memo {i}: the rebate for account {i * 7 + k} is under review.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _xlsx(i: int) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for r in range(40):
        wb.active.append([f"item {i}-{r}", r * 1.5, i])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _pptx(i: int) -> bytes:
    import pptx

    p = pptx.Presentation()
    for k in range(3):
        s = p.slides.add_slide(p.slide_layouts[1])
        s.shapes.title.text = f"Deck {i}, slide {k}"
        s.placeholders[1].text = f"Forecast {i * 3 + k}"
    buf = io.BytesIO()
    p.save(buf)
    return buf.getvalue()


def make_collection(root: Path, files: int, damaged: float, seed: int) -> list[str]:
    """Legacy files converted from generated modern ones (one LibreOffice call per type)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        sys.exit("LibreOffice is not installed: `make setup` installs it")
    root.mkdir(parents=True)
    rng = random.Random(seed)
    for make, src, dst in ((_docx, "docx", "doc"), (_xlsx, "xlsx", "xls"), (_pptx, "pptx", "ppt")):
        with tempfile.TemporaryDirectory(prefix="lpo-bench-legacy-") as tmp:
            for i in range(files // 3 + (dst == "doc") * (files % 3)):
                (Path(tmp) / f"{dst}{i:05d}.{src}").write_bytes(make(i))
            subprocess.run([exe, f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}", "--headless",
                            "--convert-to", dst, "--outdir", str(root), *map(str, sorted(Path(tmp).glob(f"*.{src}")))],
                           check=True, capture_output=True, timeout=1800)
    paths = sorted(p.name for p in root.iterdir())
    for rel in rng.sample(paths, int(len(paths) * damaged)):
        data = (root / rel).read_bytes()
        (root / rel).write_bytes(data[: rng.randrange(512, len(data))])
    return paths


def run(root: Path, paths: list[str], content: Path, workers: int, batch: bool) -> tuple[float, dict, int]:
    t0 = time.perf_counter()
    with WorkerPool(content, workers=workers, batch_legacy=batch) as pool:
        results = [r for i in range(0, len(paths), CHUNK_SIZE) for r in pool.extract(root, paths[i:i + CHUNK_SIZE])]
        preconverted = pool.preconverted
    wall = time.perf_counter() - t0
    store = ContentStore(content)
    outcome = {}
    for r in results:
        n = r.node(store)
        outcome[r.path] = (n.ingestor, n.error_reason, n.text_sha256, n.page_count)
    return wall, outcome, preconverted


def unstable(root: Path, rel: str, tries: int = 2) -> bool:
    """True when converting the file alone gives different text from one time to the next: LibreOffice
    reading a damaged file as text can pick up bytes past its end, so no two runs need agree."""
    from lpo.ingest import extract_file

    with tempfile.TemporaryDirectory(prefix="lpo-bench-legacy-") as tmp:
        content = ContentStore(tmp)
        return len({extract_file(content, root, rel).node(content).text_sha256 for _ in range(tries)}) > 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--damaged", type=float, default=0.1, help="share of files cut short")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    console = Console(width=max(100, Console().width))
    with tempfile.TemporaryDirectory(prefix="lpo-bench-legacy-") as tmp:
        root = Path(tmp) / "collection"
        console.print(f"making {a.files} legacy files with LibreOffice ...")
        paths = make_collection(root, a.files, a.damaged, a.seed)
        load = os.getloadavg()[0]
        console.print("one LibreOffice per file (baseline) ...")
        base_wall, base, _ = run(root, paths, Path(tmp) / "c-base", a.workers, batch=False)
        console.print("batches of a chunk's files ...")
        ours_wall, ours, pre = run(root, paths, Path(tmp) / "c-ours", a.workers, batch=True)
        differ = sorted(p for p in paths if base[p] != ours[p])
        noisy = [p for p in differ if unstable(root, p)]
        differ = [p for p in differ if p not in noisy]
    docs = sum(1 for v in ours.values() if v[1] is None)
    t = Table(title=f"Legacy Office ingest, {len(paths)} files (.doc/.xls/.ppt), {a.workers} workers")
    for col in ("run", "seconds", "files/s", "documents", "exceptions", "converted in batches"):
        t.add_column(col, justify="right" if col != "run" else "left", no_wrap=col == "run")
    t.add_row("one LibreOffice per file", f"{base_wall:.1f}", f"{len(paths) / base_wall:.1f}",
              str(sum(1 for v in base.values() if v[1] is None)), str(sum(1 for v in base.values() if v[1])), "0")
    t.add_row("batches (ours)", f"{ours_wall:.1f}", f"{len(paths) / ours_wall:.1f}", str(docs),
              str(len(paths) - docs), str(pre))
    console.print(t)
    console.print(f"speed-up {base_wall / ours_wall:.1f}x; files whose outcome differs: {len(differ)}; "
                  f"load average at start {load:.2f} (figures vary with load)")
    if noisy:
        console.print(f"also differing, but LibreOffice alone gives different text each time: {', '.join(noisy)}")
    if differ:
        console.print(f"[red]differ: {', '.join(differ[:10])}[/red]")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
