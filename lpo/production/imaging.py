"""Page images: rasterise PDF pages, endorse them, save single-page Group 4 TIFFs.

Each page is rendered with pypdfium2 in greyscale, endorsed (Bates number at the
bottom right, confidentiality designation at the bottom left, in a white band
along the bottom edge), thresholded to 1 bit and written as a single-page TIFF,
CCITT Group 4, with its resolution recorded.

The band never covers text: when the bottom `BAND_INCHES` of the page are blank
(the usual margin, and always so for pages lpo renders itself) the band is drawn
over that margin; otherwise the page content is shrunk to make room for the band
below it, keeping the page size.

Parallel imaging uses processes (pdfium is not thread-safe): `run_jobs` starts
`python -m lpo.production.imaging` workers, each given its share of `ImageJob`s
as JSON on stdin. Fresh interpreters, rather than multiprocessing, because
multiprocessing's "spawn" re-imports the caller's __main__ (a script without an
`if __name__ == "__main__"` guard would run again in every worker) and "fork"
is unsafe in a process that holds threads (a Prefect worker does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import reportlab
from PIL import Image, ImageDraw, ImageFont

# 300 dpi: what ESI protocols ask for and what Relativity's own sample images use.
# Measured on a shared 2-core VM: ~13 pages per CPU-second at 300 dpi, ~25 at 200,
# ~36 at 150 (Group 4 encoding dominates); pass dpi= to trade quality for speed.
DEFAULT_DPI = 300
BAND_INCHES = 0.45
ENDORSE_MARGIN_INCHES = 0.5
ENDORSE_POINTS = 10
MAX_PAGE_INCHES = 17.0      # larger pages (plans, posters) are scaled to fit 17 in
BLANK_LEVEL = 224           # a band whose darkest pixel is lighter than this is blank

# Bitstream Vera ships inside reportlab, so the endorsement font is the same everywhere.
ENDORSE_FONT = Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf"


class ImagingError(RuntimeError):
    pass


@lru_cache(maxsize=8)
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(ENDORSE_FONT), px)


def page_count(pdf_path: Path | str) -> int:
    """Pages of a PDF; raises ImagingError when pdfium cannot open it (corrupt, encrypted)."""
    try:
        pdf = pdfium.PdfDocument(str(pdf_path))
    except pdfium.PdfiumError as e:
        raise ImagingError(f"cannot open PDF: {e}") from e
    try:
        return len(pdf)
    finally:
        pdf.close()


def endorse(page: Image.Image, bates: str, designation: str, dpi: int) -> Image.Image:
    """Greyscale page with the endorsement band along its bottom edge (may draw on `page` itself)."""
    w, h = page.size
    band = round(BAND_INCHES * dpi)
    if page.crop((0, h - band, w, h)).getextrema()[0] < BLANK_LEVEL:
        # Content reaches into the band: shrink the page to make room below it.
        scale = (h - band) / h
        small = page.resize((max(1, round(w * scale)), h - band), Image.Resampling.BILINEAR)
        page = Image.new("L", (w, h), 255)
        page.paste(small, ((w - small.width) // 2, 0))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, h - band, w, h), fill=255)
    font = _font(max(8, round(ENDORSE_POINTS * dpi / 72)))
    margin = round(ENDORSE_MARGIN_INCHES * dpi)
    y = h - band / 2
    draw.text((w - margin, y), bates, font=font, fill=0, anchor="rm")
    if designation:
        draw.text((margin, y), designation.upper(), font=font, fill=0, anchor="lm")
    return page


def save_tiff_g4(page: Image.Image, path: Path | str, dpi: int) -> None:
    # A plain threshold at mid-grey, no dithering: crisp text, smaller Group 4 files
    # (and twice as fast as a lookup table).
    bilevel = page.convert("1", dither=Image.Dither.NONE)
    # One strip per page: faster to write and read than libtiff's default strips.
    bilevel.save(str(path), format="TIFF", compression="group4", dpi=(dpi, dpi), strip_size=1 << 24)


@dataclass(frozen=True)
class ImageJob:
    """Image pages [first_page, first_page + len(bates)) of one PDF."""

    pdf_path: str
    first_page: int
    bates: tuple[str, ...]
    out_paths: tuple[str, ...]
    designation: str
    dpi: int


def image_job(job: ImageJob) -> int:
    pdf = pdfium.PdfDocument(job.pdf_path)
    try:
        for i, (bates, out) in enumerate(zip(job.bates, job.out_paths, strict=True)):
            page = pdf[job.first_page + i]
            try:
                pw, ph = page.get_size()
                scale = job.dpi / 72 * min(1.0, MAX_PAGE_INCHES * 72 / max(pw, ph, 1))
                size = (max(1, round(pw * scale)), max(1, round(ph * scale)))
                # pdfium rounds pixel sizes up (792 pt at 300 dpi gives 3301 rows);
                # a hair less scale gives the exact 2550 x 3300 of a Letter page.
                img = page.render(scale=scale * (1 - 1e-7), grayscale=True).to_pil()
                if img.mode != "L":
                    img = img.convert("L")
                if img.size != size:
                    exact = Image.new("L", size, 255)
                    exact.paste(img, (0, 0))
                    img = exact
            finally:
                page.close()
            save_tiff_g4(endorse(img, bates, job.designation, job.dpi), out, job.dpi)
    finally:
        pdf.close()
    return len(job.bates)


def _partition(jobs: list[ImageJob], n: int) -> list[list[ImageJob]]:
    """`n` shares of about equal page counts (largest job first to the lightest share)."""
    shares: list[list[ImageJob]] = [[] for _ in range(n)]
    load = [0] * n
    for job in sorted(jobs, key=lambda j: -len(j.bates)):
        i = load.index(min(load))
        shares[i].append(job)
        load[i] += len(job.bates)
    return [s for s in shares if s]


def run_jobs(jobs: list[ImageJob], workers: int) -> None:
    """Image every job, in `workers` worker processes when more than one."""
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            image_job(job)
        return
    import lpo
    env = dict(os.environ)
    src = str(Path(lpo.__file__).resolve().parents[1])   # importable even when not installed
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    procs = []
    try:
        for share in _partition(jobs, workers):
            err = tempfile.TemporaryFile()
            proc = subprocess.Popen([sys.executable, "-m", "lpo.production.imaging"], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=err, env=env)
            procs.append((proc, err))
            proc.stdin.write(json.dumps([asdict(j) for j in share]).encode())
            proc.stdin.close()
        failures = []
        for proc, err in procs:
            if proc.wait() != 0:
                err.seek(0)
                failures.append(err.read().decode(errors="replace").strip().splitlines()[-1:] or ["(no message)"])
        if failures:
            raise ImagingError("imaging worker failed: " + "; ".join(f[0] for f in failures))
    finally:
        for proc, err in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            err.close()


def _worker() -> None:
    for raw in json.load(sys.stdin):
        image_job(ImageJob(**{**raw, "bates": tuple(raw["bates"]), "out_paths": tuple(raw["out_paths"])}))


if __name__ == "__main__":
    _worker()
