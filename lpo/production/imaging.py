"""Page images: endorse PDF pages, and rasterise them to single-page Group 4 TIFFs.

Two kinds of job, both run over worker processes:
- `EndorseJob`: one document's PDF, endorsed (lpo.production.endorse) into the
  volume (image_format pdf) or into the work folder (tiff);
- `ImageJob`: pages of an endorsed PDF rendered with pypdfium2 in greyscale,
  thresholded to 1 bit and written as single-page TIFFs, CCITT Group 4, with
  their resolution recorded.

Parallel jobs use processes (pdfium is not thread-safe): `run_jobs` starts
`python -m lpo.production.imaging` workers, each given its share of jobs as
JSON on stdin. Fresh interpreters, rather than multiprocessing, because
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
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

# 300 dpi: what ESI protocols ask for and what Relativity's own sample images use.
# Measured on a shared 2-core VM: ~13 pages per CPU-second at 300 dpi, ~25 at 200,
# ~36 at 150 (Group 4 encoding dominates); pass dpi= to trade quality for speed.
DEFAULT_DPI = 300
MAX_PAGE_INCHES = 17.0      # larger pages (plans, posters) are scaled to fit 17 in


class ImagingError(RuntimeError):
    pass


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


def save_tiff_g4(page: Image.Image, path: Path | str, dpi: int) -> None:
    # A plain threshold at mid-grey, no dithering: crisp text, smaller Group 4 files
    # (and twice as fast as a lookup table).
    bilevel = page.convert("1", dither=Image.Dither.NONE)
    # One strip per page: faster to write and read than libtiff's default strips.
    bilevel.save(str(path), format="TIFF", compression="group4", dpi=(dpi, dpi), strip_size=1 << 24)


@dataclass(frozen=True)
class ImageJob:
    """Image pages [first_page, first_page + len(bates)) of one (endorsed) PDF."""

    pdf_path: str
    first_page: int
    bates: tuple[str, ...]
    out_paths: tuple[str, ...]
    dpi: int


@dataclass(frozen=True)
class EndorseJob:
    """Endorse every page of one document's PDF with its Bates numbers."""

    pdf_path: str
    dest: str
    bates: tuple[str, ...]
    designation: str
    check_band: bool


Job = ImageJob | EndorseJob


def run_job(job: Job) -> int:
    if isinstance(job, EndorseJob):
        from lpo.production.endorse import endorse_pdf
        return endorse_pdf(job.pdf_path, job.dest, list(job.bates), job.designation, job.check_band)
    return image_job(job)


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
            save_tiff_g4(img, out, job.dpi)
    finally:
        pdf.close()
    return len(job.bates)


def _partition(jobs: list[Job], n: int) -> list[list[Job]]:
    """`n` shares of about equal page counts (largest job first to the lightest share)."""
    shares: list[list[Job]] = [[] for _ in range(n)]
    load = [0] * n
    for job in sorted(jobs, key=lambda j: -len(j.bates)):
        i = load.index(min(load))
        shares[i].append(job)
        load[i] += len(job.bates)
    return [s for s in shares if s]


def run_jobs(jobs: list[Job], workers: int) -> None:
    """Run every job, in `workers` worker processes when more than one."""
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            run_job(job)
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
            proc.stdin.write(json.dumps([{"kind": type(j).__name__, **asdict(j)} for j in share]).encode())
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
    kinds = {"ImageJob": ImageJob, "EndorseJob": EndorseJob}
    for raw in json.load(sys.stdin):
        cls = kinds[raw.pop("kind")]
        run_job(cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}))


if __name__ == "__main__":
    _worker()
