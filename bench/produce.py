"""Production throughput: pages/second endorsed and produced, beside naive pypdf stamping, same run.

    .venv/bin/python -m bench.produce [--docs 40] [--pages 25] [--tiff-pages 60] [--workers 1 2]

endorse (ours)     lpo.production.endorse over every page: band check with pdfium at 144 dpi,
                   then a content-stream overlay (white band, designation, Bates number)
                   added with pypdf; documents spread over worker processes
naive pypdf        the usual recipe, page by page: a reportlab overlay PDF per page, then
                   PageObject.merge_page, single process
produce pdf        produce_volume with image_format pdf: endorsed searchable PDFs, text,
                   natives, DAT/OPT, privilege log, manifest
produce tiff       produce_volume with image_format tiff at 300 dpi (rasterise + Group 4)
bare pdfium+G4     rendering and Group 4 encoding only, the floor for TIFF
TIFF breakdown     where a TIFF page's time goes: render, threshold + G4 encode

Figures only; timings depend on the machine and its load. The goal for endorsement
is 200 pages/second on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from lpo.matter import ProductionConfig
from lpo.models import Designation, Document, ReviewDecision, Stage
from lpo.production import ProductionItem, imaging, produce_volume

WORDS = ["the", "agreement", "counsel", "schedule", "revenue", "forecast", "board", "meeting", "draft", "review", "contract", "pricing", "customer", "shipment", "invoice", "quarter", "plan", "risk", "approval"]


def cpu() -> float:
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def pdf_bytes(pages: int, rng: random.Random) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    for _ in range(pages):
        t = c.beginText(72, 720)
        t.setFont("Times-Roman", 11)
        for _ in range(48):
            t.textLine(" ".join(rng.choice(WORDS) for _ in range(14)))
        c.drawText(t)
        c.showPage()
    c.save()
    return buf.getvalue()


def items(root: Path, pdfs: list[bytes]) -> list[ProductionItem]:
    out = []
    for n, data in enumerate(pdfs, start=1):
        sha = hashlib.sha256(data).hexdigest()
        native = root / sha
        native.write_bytes(data)
        cn = f"BENCH-{n:08d}"
        doc = Document(control_number=cn, custodian="C", family_id=cn, md5=hashlib.md5(data).hexdigest(),
                       sha1=hashlib.sha1(data).hexdigest(), sha256=sha, source_path=f"{cn}.pdf",
                       file_name=f"{cn}.pdf", extension="pdf", mime_type="application/pdf", size=len(data))
        dec = ReviewDecision(control_number=cn, stage=Stage.first_pass, reviewer="bench",
                             decided_at=datetime.now(UTC), responsive=True,
                             designation=Designation.confidential, site="bench", project_id=1, task_id=n,
                             annotation_id=n)
        out.append(ProductionItem(document=doc, native_path=native, text="", decision=dec))
    return out


def ours(paths: list[Path], out: Path, workers: int) -> int:
    jobs, number = [], 1
    for i, p in enumerate(paths):
        pages = imaging.page_count(p)
        bates = tuple(f"BENCH{number + k:08d}" for k in range(pages))
        number += pages
        jobs.append(imaging.EndorseJob(str(p), str(out / f"{i:05d}.pdf"), bates, "Confidential", True))
    out.mkdir(parents=True)
    imaging.run_jobs(jobs, workers)
    return number - 1


def naive_pypdf(paths: list[Path], out: Path) -> int:
    from pypdf import PdfReader, PdfWriter

    out.mkdir(parents=True)
    number = 0
    for i, p in enumerate(paths):
        writer = PdfWriter(clone_from=PdfReader(str(p)))
        for page in writer.pages:
            number += 1
            buf = io.BytesIO()
            c = canvas.Canvas(buf, pagesize=(float(page.mediabox.width), float(page.mediabox.height)))
            c.setFont("Helvetica-Bold", 10)
            c.drawString(36, 12, "CONFIDENTIAL")
            c.drawRightString(float(page.mediabox.width) - 36, 12, f"BENCH{number:08d}")
            c.save()
            page.merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
        with (out / f"{i:05d}.pdf").open("wb") as f:
            writer.write(f)
    return number


def bare_tiff(path: Path, out: Path, dpi: int, limit: int) -> int:
    import pypdfium2 as pdfium
    from PIL import Image

    out.mkdir(parents=True)
    pdf = pdfium.PdfDocument(str(path))
    n = min(limit, len(pdf))
    for i in range(n):
        img = pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("1", dither=Image.Dither.NONE)
        img.save(out / f"{i:05d}.tif", compression="group4", dpi=(dpi, dpi))
    return n


def tiff_breakdown(path: Path, dpi: int, pages: int) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    render = encode = 0.0
    n = min(pages, len(pdf))
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            t = time.perf_counter()
            img = pdf[i].render(scale=dpi / 72, grayscale=True).to_pil()
            t2 = time.perf_counter()
            imaging.save_tiff_g4(img, Path(tmp) / f"{i}.tif", dpi)
            render += t2 - t
            encode += time.perf_counter() - t2
    print(f"TIFF page at {dpi} dpi, 1 core: render {1000 * render / n:.1f} ms, "
          f"threshold + Group 4 {1000 * encode / n:.1f} ms ({n} pages)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=40, help="documents (PDFs) endorsed and produced")
    ap.add_argument("--pages", type=int, default=25, help="pages per document")
    ap.add_argument("--tiff-pages", type=int, default=60, help="pages produced as 300 dpi TIFF (slow)")
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()
    pdfs = [pdf_bytes(a.pages, random.Random(i)) for i in range(a.docs)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = []
        for i, data in enumerate(pdfs):
            paths.append(root / f"in-{i:05d}.pdf")
            paths[-1].write_bytes(data)
        print(f"{a.docs} documents x {a.pages} pages = {a.docs * a.pages} pages (Letter, 48 lines of text)")
        print(f"{'run':32} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'pages/cpu-s':>11}")

        def report(name: str, fn) -> float:
            t, c = time.perf_counter(), cpu()
            pages = fn()
            el, cs = time.perf_counter() - t, cpu() - c
            print(f"{name:32} {pages:6} {el:8.2f} {pages / el:8.1f} {pages / max(cs, 1e-9):11.1f}")
            return pages / el

        rates = {}
        for w in a.workers:
            rates[w] = report(f"endorse (ours) w={w}", lambda w=w: ours(paths, root / f"ours-{w}", w))
        report("naive pypdf merge_page w=1", lambda: naive_pypdf(paths, root / "naive"))
        for w in a.workers:
            its = items(root, pdfs)
            report(f"produce pdf w={w}", lambda w=w, its=its: produce_volume(
                its, [], root / f"pdf-{w}", ProductionConfig(prefix="BENCH", image_format="pdf"), "BENCH001", 1,
                workers=w).production.pages)
        tiff_docs = max(1, a.tiff_pages // a.pages)
        for w in a.workers:
            its = items(root, pdfs[:tiff_docs])
            report(f"produce tiff {a.dpi}dpi w={w}", lambda w=w, its=its: produce_volume(
                its, [], root / f"tiff-{w}", ProductionConfig(prefix="BENCH"), "BENCH001", 1, dpi=a.dpi,
                workers=w).production.pages)
        report(f"bare pdfium+G4 {a.dpi}dpi w=1", lambda: bare_tiff(paths[0], root / "bare", a.dpi, a.tiff_pages))
        tiff_breakdown(paths[0], a.dpi, min(10, a.pages))
        best = max(rates.values())
        print(f"goal: 200 pages/s endorsed on 2 cores -> {best:.0f} pages/s "
              f"({'met' if best >= 200 else 'NOT met'})")


if __name__ == "__main__":
    main()
