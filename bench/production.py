"""Imaging throughput of a production volume against a bare rasterising baseline, same run.

    .venv/bin/python -m bench.production [--pages 50] [--dpi 300] [--workers 1 2]

ours:     produce_volume (render, endorse with Bates and designation, Group 4 TIFF,
          text, natives, DAT/OPT, manifest)
baseline: pypdfium2 renders the same PDF pages and PIL writes Group 4 TIFFs, nothing else
Figures only; timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import resource
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from lpo.matter import ProductionConfig
from lpo.models import Designation, Document, ReviewDecision, Stage
from lpo.production import ProductionItem, produce_volume

WORDS = ("the agreement counsel schedule revenue forecast board meeting draft review contract pricing "
         "customer shipment invoice quarter plan risk approval").split()


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


def item(root: Path, data: bytes) -> ProductionItem:
    sha = hashlib.sha256(data).hexdigest()
    native = root / sha
    native.write_bytes(data)
    doc = Document(control_number="BENCH-00000001", custodian="C", family_id="BENCH-00000001",
                   md5=hashlib.md5(data).hexdigest(), sha1=hashlib.sha1(data).hexdigest(), sha256=sha,
                   source_path="bench.pdf", file_name="bench.pdf", extension="pdf", mime_type="application/pdf",
                   size=len(data))
    dec = ReviewDecision(control_number=doc.control_number, stage=Stage.first_pass, reviewer="bench",
                         decided_at=datetime.now(timezone.utc), responsive=True,
                         designation=Designation.confidential, site="bench", project_id=1, task_id=1,
                         annotation_id=1)
    return ProductionItem(document=doc, native_path=native, text="", decision=dec)


def baseline(data: bytes, out: Path, dpi: int) -> int:
    import pypdfium2 as pdfium
    from PIL import Image

    out.mkdir(parents=True)
    pdf = pdfium.PdfDocument(data)
    for i in range(len(pdf)):
        img = pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("1", dither=Image.Dither.NONE)
        img.save(out / f"{i:05d}.tif", compression="group4", dpi=(dpi, dpi))
    return len(pdf)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()
    rng = random.Random(7)
    data = pdf_bytes(a.pages, rng)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"{'run':28} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'pages/cpu-s':>11}")

        def report(name: str, fn) -> None:  # noqa: ANN001
            t, c = time.perf_counter(), cpu()
            pages = fn()
            el, cs = time.perf_counter() - t, cpu() - c
            print(f"{name:28} {pages:6} {el:8.2f} {pages / el:8.1f} {pages / cs:11.1f}")

        report(f"baseline pdfium+G4 {a.dpi}dpi", lambda: baseline(data, root / "baseline", a.dpi))
        for w in a.workers:
            it = item(root, data)
            report(f"produce_volume {a.dpi}dpi w={w}", lambda: produce_volume(
                [it], [], root / f"vol-{w}", ProductionConfig(prefix="BENCH"), "BENCH001", 1,
                dpi=a.dpi, workers=w).production.pages)


if __name__ == "__main__":
    main()
