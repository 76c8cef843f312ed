"""Produce one volume: endorsed images, text, natives, DAT/OPT, privilege log, manifest.

    OUT/VOL001/
      DATA/VOL001.dat            Concordance DAT, one row per produced document (and slip sheet)
      DATA/VOL001.opt            Opticon OPT, one line per page
      IMAGES/0001/ACME00000001.tif  image_format tiff: single-page Group 4 TIFF per Bates number
      IMAGES/0001/ACME00000001.pdf  image_format pdf: one searchable PDF per document
      TEXT/0001/ACME00000001.txt    text per document (redacted where coded), named by BEGBATES
      NATIVES/0001/ACME00000001.xlsx native per document, except redacted and withheld ones
      privilege_log.csv, privilege_log.xlsx   every document withheld or redacted
      manifest.json              counts, Bates range, SHA-256 and size of every file above

What each document's pages are (`_plan`):
- a PDF: its own pages; with redactions, its pages rebuilt with the redactions
  burned in (lpo.production.pdfredact), or, when they cannot be located on the
  page, rendered from the redacted text;
- an email: a clean rendering with its header block (From, To, Cc, Date, Subject,
  Attachments); text files and HTML likewise from their text;
- a word-processing or presentation file: converted to PDF by LibreOffice headless;
- an image: its frames as pages;
- a spreadsheet, or a file that cannot be rendered (or whose conversion failed):
  one slip sheet carrying its Bates number, the native produced beside it;
- a privileged member of a produced family (`ProductionItem.slip_sheet`): one
  slip sheet "withheld for privilege"; nothing of the document is produced;
- any other document with redactions: rendered from its redacted text.

Every page is then endorsed (lpo.production.endorse) and, for TIFF, rasterised.
Folders under IMAGES, TEXT and NATIVES hold at most `FOLDER_SIZE` files each
(0001, 0002, ...). The volume is built in a hidden sibling folder and renamed
into place at the end, so a failed run never leaves a half volume behind, and
an existing volume is never overwritten.

Nothing privileged is produced: an item coded attorney-client or work product is
refused with a ProductionError naming its control number unless it is marked for
a slip sheet; so is one not coded responsive unless it rides with its family
(`family_member`); a partially privileged item must carry redaction spans.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lpo.matter import ProductionConfig
from lpo.models import (
    Document,
    Privilege,
    Production,
    ProductionDocument,
    ReviewDecision,
)
from lpo.production import imaging, loadfiles, manifest, privlog, redact, render
from lpo.production.bates import BatesCounter

log = logging.getLogger(__name__)

FOLDER_SIZE = 1000            # files per IMAGES/TEXT/NATIVES sub-folder
JOB_PAGES = 32                # pages per imaging task (balances long PDFs across processes)
PARALLEL_MIN_PAGES = 100      # rasterising: below this, starting worker processes costs more than it saves
# Endorsing runs ~600 pages/s on one core and a worker takes ~0.5 s to start (bench/produce.py).
ENDORSE_PARALLEL_MIN_PAGES = 3000
VOLUME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

SPREADSHEET_EXTENSIONS = frozenset({"xls", "xlsx", "xlsm", "xlsb", "ods", "csv", "tsv", "numbers"})
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"})
TEXT_EXTENSIONS = frozenset({"txt", "text", "htm", "html", "xml", "json", "md", "log", "eml", "msg", "mbox",
                             "ics", "vcf", "rtf"})
NATIVE_SLIP = "DOCUMENT PRODUCED IN NATIVE FORMAT"
WITHHELD_SLIP = "DOCUMENT WITHHELD FOR PRIVILEGE"
NONRESPONSIVE_SLIP = "DOCUMENT WITHHELD AS NON-RESPONSIVE"
SLIP_PRIVILEGED = "privileged"
SLIP_NONRESPONSIVE = "non-responsive"


class ProductionError(ValueError):
    """The items cannot be produced as given; the message names the control number."""


@dataclass
class ProductionItem:
    document: Document
    native_path: Path          # the native file bytes (content store path)
    text: str                  # extracted text
    decision: ReviewDecision   # the FINAL decision (QA overrides first pass)
    # Inside a produced family, a slip sheet stands in for a member withheld for privilege
    # (SLIP_PRIVILEGED) or, under the protocol's choice, coded not responsive (SLIP_NONRESPONSIVE).
    slip_sheet: str | None = None
    family_member: bool = False  # produced with its responsive family although coded not responsive


@dataclass
class ProductionPaths:
    volume_dir: Path
    dat: Path
    opt: Path
    privilege_log: Path
    manifest: Path
    images_dir: Path
    text_dir: Path
    natives_dir: Path
    privilege_log_xlsx: Path


@dataclass
class ProductionResult:
    production: Production
    documents: list[ProductionDocument]
    next_number: int           # first Bates number of the next volume
    paths: ProductionPaths
    notes: list[str] = field(default_factory=list)   # e.g. a PDF that could not be opened, imaged from text


@dataclass
class _Planned:
    item: ProductionItem
    index: int                 # position in the volume (for folder numbering)
    bates: list[str]
    pdf_path: Path             # the pages to endorse
    kind: str                  # pdf, pdf_redacted, rendered, office, image, native_slip, withheld_slip
    text: str                  # the produced (redacted) text
    secrets: list[tuple[str, str]]
    redacted: bool

    @property
    def check_band(self) -> bool:
        # Pages lpo draws itself keep a blank bottom margin; anything else may reach the edge.
        return self.kind not in ("rendered", "native_slip", "withheld_slip")

    @property
    def native(self) -> bool:
        return not self.redacted and self.kind != "withheld_slip"


# ---------------------------------------------------------------- checks

def _check(items: list[ProductionItem], withheld: list[ProductionItem]) -> None:
    seen: set[str] = set()
    for it in items:
        cn = it.document.control_number
        if it.decision.control_number != cn:
            raise ProductionError(f"{cn}: the decision given is for {it.decision.control_number}")
        if cn in seen:
            raise ProductionError(f"{cn}: appears more than once in the production")
        seen.add(cn)
    logged: set[str] = set()
    for it in withheld:
        cn, d = it.document.control_number, it.decision
        if d.control_number != cn:
            raise ProductionError(f"{cn}: the decision given is for {d.control_number}")
        if not d.privilege.withheld:
            raise ProductionError(f"{cn}: on the withheld list but coded {d.privilege.value}")
        if cn in logged:
            raise ProductionError(f"{cn}: appears more than once on the withheld list")
        if cn in seen and next(i for i in items if i.document.control_number == cn).slip_sheet != SLIP_PRIVILEGED:
            raise ProductionError(f"{cn}: both produced and withheld")
        logged.add(cn)
    for it in items:
        cn, d = it.document.control_number, it.decision
        if it.slip_sheet == SLIP_NONRESPONSIVE:
            if d.responsive is not False or d.privilege.withheld:
                raise ProductionError(f"{cn}: marked for a non-responsive slip sheet but coded "
                                      f"responsive={d.responsive}, {d.privilege.value}")
            continue
        if it.slip_sheet is not None:
            if it.slip_sheet != SLIP_PRIVILEGED:
                raise ProductionError(f"{cn}: unknown slip sheet {it.slip_sheet!r}")
            if not d.privilege.withheld:
                raise ProductionError(f"{cn}: marked for a privilege slip sheet but coded {d.privilege.value}")
            if cn not in logged:
                raise ProductionError(f"{cn}: slip-sheeted for privilege but not on the withheld list "
                                      f"(the privilege log needs it)")
            continue
        if d.privilege.withheld:
            raise ProductionError(f"{cn}: coded {d.privilege.value}, withheld for privilege; "
                                  f"it goes on the privilege log, never into a production")
        if d.responsive is not True and not (it.family_member and d.responsive is False):
            raise ProductionError(f"{cn}: not coded responsive (responsive={d.responsive}); refusing to produce it")
        if d.privilege == Privilege.partial and not d.redactions:
            raise ProductionError(f"{cn}: coded partially privileged but has no redaction spans; "
                                  f"send it back to review rather than produce it unredacted")
        if not Path(it.native_path).is_file():
            raise ProductionError(f"{cn}: native file {it.native_path} not found")
    # Families together, parent first: the attachment range is only meaningful so.
    done: set[str] = set()
    current: str | None = None
    for it in items:
        doc = it.document
        if doc.family_id != current:
            if doc.family_id in done:
                raise ProductionError(f"{doc.control_number}: family {doc.family_id} is split; "
                                      f"give each family's documents together, parent first")
            if current is not None:
                done.add(current)
            current = doc.family_id
            first = True
        else:
            first = False
        if doc.control_number == doc.family_id and not first:
            raise ProductionError(f"{doc.control_number}: a family parent must come before its attachments")


# ---------------------------------------------------------------- formatting

def _dat_date(value: datetime | None) -> str:
    """MM/DD/YYYY HH:MM:SS, UTC for timezone-aware values (as given for naive ones)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%m/%d/%Y %H:%M:%S")


def _header_date(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%a, %d %b %Y %H:%M:%S %z" if value.tzinfo else "%a, %d %b %Y %H:%M:%S")


def _ext(doc: Document) -> str:
    ext = doc.extension.lower().lstrip(".")
    return ext if re.fullmatch(r"[a-z0-9]{1,10}", ext) else ""


def _is_pdf(doc: Document) -> bool:
    return _ext(doc) == "pdf" or doc.mime_type == "application/pdf"


def _email_header(doc: Document, secret_list: list[tuple[str, str]]) -> list[tuple[str, list[redact.Segment]]]:
    e = doc.email
    assert e is not None
    fields = [("From", e.from_ or ""), ("To", "; ".join(e.to)), ("Cc", "; ".join(e.cc))]
    if e.bcc:
        fields.append(("Bcc", "; ".join(e.bcc)))
    fields += [("Date", _header_date(e.sent or e.received)), ("Subject", e.subject or "")]
    if e.attachment_names:
        fields.append(("Attachments", "; ".join(e.attachment_names)))
    return [(label, redact.scrub_segments(value, secret_list)) for label, value in fields]


_HEADER_LINE = re.compile(r"(From|To|Cc|Bcc|Sent|Date|Subject|Attachments):[^\n]*\n")


def _body_offset(text: str) -> int:
    """Where the body starts in an email's extracted text that opens with its header lines.

    Ingest puts "From: ...\nTo: ...\nSubject: ...\n\n" before the body; the
    rendered page prints its own header block from the email fields, so that
    leading block is left out of the rendering (it stays in the TEXT file).
    """
    pos = 0
    while m := _HEADER_LINE.match(text, pos):
        pos = m.end()
    if pos and text.startswith("\n", pos):
        return pos + 1
    return 0


def _folder(index: int) -> str:
    return f"{index // FOLDER_SIZE + 1:04d}"


def _copy_native(src: Path, dest: Path, doc: Document) -> None:
    """Copy the native, checking it is the file that was ingested (chain of custody)."""
    h = hashlib.sha256()
    with src.open("rb") as fin, dest.open("wb") as fout:
        for block in iter(lambda: fin.read(1 << 20), b""):
            h.update(block)
            fout.write(block)
    if h.hexdigest() != doc.sha256:
        raise ProductionError(f"{doc.control_number}: native {src} has SHA-256 {h.hexdigest()}, "
                              f"the document record says {doc.sha256}")


def _designation(it: ProductionItem) -> str:
    return it.decision.designation.value if it.decision.designation else ""


# ---------------------------------------------------------------- imaging

def _run_jobs(jobs: list[imaging.Job], workers: int) -> None:
    pages = sum(len(j.bates) for j in jobs)
    # Starting a worker costs about half a second: small volumes are imaged in-process.
    least = ENDORSE_PARALLEL_MIN_PAGES if jobs and isinstance(jobs[0], imaging.EndorseJob) else PARALLEL_MIN_PAGES
    imaging.run_jobs(jobs, workers if pages >= least else 1)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _pdf_pages(path: Path) -> int:
    """Pages of a PDF both pdfium (images) and pypdf (endorsement) can open; ImagingError otherwise."""
    from pypdf import PdfReader

    pages = imaging.page_count(path)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise imaging.ImagingError("PDF is encrypted with a user password")
        if len(reader.pages) != pages:
            raise imaging.ImagingError(f"pdfium reads {pages} pages, pypdf {len(reader.pages)}")
    except imaging.ImagingError:
        raise
    except Exception as e:
        raise imaging.ImagingError(f"cannot read PDF structure: {e}") from e
    if pages == 0:
        raise imaging.ImagingError("PDF has no pages")
    return pages


def _image_pdf(src: Path, dest: Path) -> int:
    """An image native (every frame) as PDF pages."""
    from PIL import Image, ImageSequence

    with Image.open(src) as im:
        frames = [f.convert("RGB") if f.mode not in ("L", "RGB") else f.copy() for f in ImageSequence.Iterator(im)]
    frames[0].save(dest, "PDF", resolution=float(im.info.get("dpi", (150, 150))[0] or 150),
                   save_all=True, append_images=frames[1:])
    return len(frames)


# ---------------------------------------------------------------- planning

def _kind(doc: Document, redacted: bool) -> str:
    ext = _ext(doc)
    if _is_pdf(doc):
        return "pdf_redacted" if redacted else "pdf"
    if doc.email is not None or ext in TEXT_EXTENSIONS or doc.mime_type.startswith("text/") or redacted:
        return "rendered"
    if ext in SPREADSHEET_EXTENSIONS:
        return "native_slip"
    if ext in render.OFFICE_EXTENSIONS:
        return "office"
    if ext in IMAGE_EXTENSIONS or doc.mime_type.startswith("image/"):
        return "image"
    return "native_slip"


def _render_text(it: ProductionItem, spans: list[tuple[int, int, str]], segs: list[redact.Segment],
                 secret_list: list[tuple[str, str]]) -> tuple[bytes, int]:
    doc = it.document
    header, body = None, segs
    if doc.email is not None:
        header = _email_header(doc, secret_list)
        start = _body_offset(it.text)
        # Leave the text's own header lines out, unless a redaction there would not
        # also be caught by the scrubbed header block (too short, or running into the body).
        in_head = [(b, e) for b, e, _ in spans if b < start]
        if start and all(e <= start and len(it.text[b:e].strip()) >= redact.MIN_SCRUB_CHARS for b, e in in_head):
            body = redact.segments(it.text[start:], [(b - start, e - start, r) for b, e, r in spans if b >= start])
    return render.render_pdf(body, header)


def _plan(items: list[ProductionItem], work: Path, counter: BatesCounter, notes: list[str]) -> list[_Planned]:
    # Office files first, through one LibreOffice run.
    office: dict[int, Path] = {}
    for index, it in enumerate(items):
        if it.slip_sheet is None and _kind(it.document, bool(it.decision.redactions)) == "office":
            office[index] = work / "office" / f"{index:07d}.{_ext(it.document)}"
            office[index].parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(it.native_path, office[index])
    converted = render.convert_office(list(office.values()), work / "office-pdf") if office else {}

    plan: list[_Planned] = []
    for index, it in enumerate(items):
        doc, d = it.document, it.decision
        cn = doc.control_number
        pdf_path = work / f"{index:07d}.pdf"
        if it.slip_sheet == SLIP_NONRESPONSIVE:
            pdf_path.write_bytes(render.slip_sheet_pdf([NONRESPONSIVE_SLIP]))
            plan.append(_Planned(it, index, counter.take(1), pdf_path, "withheld_slip",
                                 "Document withheld as non-responsive.", [], False))
            continue
        if it.slip_sheet:
            claimed = privlog.PRIVILEGE_CLAIMED[d.privilege]
            pdf_path.write_bytes(render.slip_sheet_pdf([WITHHELD_SLIP, "", f"Privilege claimed: {claimed}",
                                                       "See the privilege log."]))
            plan.append(_Planned(it, index, counter.take(1), pdf_path, "withheld_slip",
                                 f"Document withheld for privilege ({claimed}). See the privilege log.", [], False))
            continue
        spans = redact.resolve_spans(it.text, d.redactions, cn) if d.redactions else []
        segs = redact.segments(it.text, spans)
        secret_list = redact.secrets(it.text, spans)
        kind = _kind(doc, bool(spans))
        pages = 0
        if kind == "pdf":
            try:
                pages = _pdf_pages(Path(it.native_path))
                pdf_path = Path(it.native_path)
            except imaging.ImagingError as e:
                notes.append(f"{cn}: {e}; imaged from its extracted text instead")
                kind = "rendered"
        elif kind == "pdf_redacted":
            from lpo.production.pdfredact import redact_pdf
            data = None
            try:
                data = redact_pdf(it.native_path, secret_list) if secret_list else None
            except Exception as e:  # noqa: BLE001 - any failure falls back to the always-safe rendering
                notes.append(f"{cn}: redacting the PDF's pages failed ({e})")
            if data is None:
                notes.append(f"{cn}: redactions could not be placed on the PDF's pages; "
                             f"imaged from its redacted text instead")
                kind = "rendered"
            else:
                pdf_path.write_bytes(data)
                pages = imaging.page_count(pdf_path)
        elif kind == "office":
            out = converted.get(office[index])
            try:
                if out is None:
                    raise imaging.ImagingError("LibreOffice could not convert it" if render.soffice_path()
                                               else "LibreOffice is not installed (make setup installs it)")
                pages = _pdf_pages(out)
                pdf_path = out
            except imaging.ImagingError as e:
                notes.append(f"{cn}: {e}; produced native with a slip sheet")
                kind = "native_slip"
        elif kind == "image":
            try:
                pages = _image_pdf(Path(it.native_path), pdf_path)
            except Exception as e:  # noqa: BLE001 - PIL raises many types for broken images
                notes.append(f"{cn}: image cannot be read ({e}); produced native with a slip sheet")
                kind = "native_slip"
        if kind == "rendered":
            data, pages = _render_text(it, spans, segs, secret_list)
            pdf_path.write_bytes(data)
        bates = counter.take(pages or 1)
        if kind == "native_slip":
            pdf_path.write_bytes(render.slip_sheet_pdf([NATIVE_SLIP, "", bates[0], doc.file_name]))
        plan.append(_Planned(it, index, bates, pdf_path, kind, redact.redacted_text(segs), secret_list, bool(spans)))
    return plan


# ---------------------------------------------------------------- the volume

def produce_volume(items: list[ProductionItem], withheld: list[ProductionItem], out_dir: Path,
                   config: ProductionConfig, volume: str, start_number: int, *,
                   dpi: int = imaging.DEFAULT_DPI, workers: int | None = None,
                   issue_labels: dict[str, str] | None = None) -> ProductionResult:
    """Produce `items` (in production order, families together, parent first) as `volume`.

    `withheld` (privileged documents) go on the privilege log; those of them also in
    `items` with `slip_sheet` set are represented in the volume by a slip sheet.
    Bates numbers start at `start_number`; the result's `next_number` is where the
    next volume starts. `issue_labels` maps issue codes to descriptions for the
    privilege log.
    """
    if not VOLUME_NAME.fullmatch(volume):
        raise ProductionError(f"volume name {volume!r}: use letters, digits, '-' or '_', e.g. 'VOL001'")
    if start_number < 0:
        raise ProductionError(f"start_number {start_number} is negative")
    _check(items, withheld)
    out_dir = Path(out_dir)
    final = out_dir / volume
    if final.exists():
        raise FileExistsError(f"{final} already exists; a produced volume is never overwritten, "
                              f"choose the next volume name")
    stage = out_dir / f".{volume}.partial"
    work = out_dir / f".{volume}.work"
    for d in (stage, work):
        if d.exists():
            shutil.rmtree(d)
    try:
        work.mkdir(parents=True)
        result = _produce(items, withheld, stage, work, config, volume, start_number, dpi,
                          workers or default_workers(), issue_labels)
        os.replace(stage, final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # The records name the final location.
    result.production.path = str(final)
    result.paths = ProductionPaths(**{f.name: final / Path(getattr(result.paths, f.name)).relative_to(stage)
                                      for f in dataclasses.fields(ProductionPaths)})
    return result


def _produce(items: list[ProductionItem], withheld: list[ProductionItem], root: Path, work: Path,
             config: ProductionConfig, volume: str, start_number: int, dpi: int, workers: int,
             issue_labels: dict[str, str] | None) -> ProductionResult:
    paths = ProductionPaths(
        volume_dir=root, dat=root / "DATA" / f"{volume}.dat", opt=root / "DATA" / f"{volume}.opt",
        privilege_log=root / privlog.CSV_NAME, privilege_log_xlsx=root / privlog.XLSX_NAME,
        manifest=root / manifest.MANIFEST, images_dir=root / "IMAGES", text_dir=root / "TEXT",
        natives_dir=root / "NATIVES")
    for d in (paths.dat.parent, paths.images_dir, paths.text_dir, paths.natives_dir):
        d.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    pdf_images = config.image_format == "pdf"

    # 1. Decide what each document's pages are, count them, number them.
    counter = BatesCounter(config, start_number)
    plan = _plan(items, work, counter, notes)
    for n in notes:
        log.warning(n)

    # 2. Attachment ranges: the Bates range of each family's produced documents.
    family_range: dict[str, tuple[str, str]] = {}
    for p in plan:
        fid = p.item.document.family_id
        beg = family_range.get(fid, (p.bates[0], ""))[0]
        family_range[fid] = (beg, p.bates[-1])

    # 3. Endorse every page (into the volume for PDF images), then rasterise for TIFF.
    image_rel: dict[str, str] = {}
    endorse_jobs: list[imaging.Job] = []
    raster_jobs: list[imaging.Job] = []
    page_index = 0
    for p in plan:
        if pdf_images:
            rel = f"IMAGES/{_folder(p.index)}/{p.bates[0]}.pdf"
            for bates in p.bates:
                image_rel[bates] = rel
            dest = root / rel
        else:
            for bates in p.bates:
                image_rel[bates] = f"IMAGES/{_folder(page_index)}/{bates}.tif"
                page_index += 1
            dest = work / f"endorsed-{p.index:07d}.pdf"
        dest.parent.mkdir(parents=True, exist_ok=True)
        endorse_jobs.append(imaging.EndorseJob(str(p.pdf_path), str(dest), tuple(p.bates),
                                               _designation(p.item), p.check_band))
        if not pdf_images:
            for first in range(0, len(p.bates), JOB_PAGES):
                chunk = p.bates[first:first + JOB_PAGES]
                outs = tuple(str(root / image_rel[b]) for b in chunk)
                for o in outs:
                    Path(o).parent.mkdir(parents=True, exist_ok=True)
                raster_jobs.append(imaging.ImageJob(str(dest), first, tuple(chunk), outs, dpi))
    _run_jobs(endorse_jobs, workers)
    _run_jobs(raster_jobs, workers)

    # 4. Text, natives, load-file rows.
    dat_rows: list[dict] = []
    opt_lines: list[str] = []
    records: list[ProductionDocument] = []
    bates_of: dict[str, tuple[str, str]] = {}
    for p in plan:
        doc, d = p.item.document, p.item.decision
        beg, end = p.bates[0], p.bates[-1]
        bates_of[doc.control_number] = (beg, end)
        text_rel = f"TEXT/{_folder(p.index)}/{beg}.txt"
        (root / text_rel).parent.mkdir(parents=True, exist_ok=True)
        # UTF-8 with a BOM, so Relativity detects the encoding without being told.
        (root / text_rel).write_bytes(b"\xef\xbb\xbf" + p.text.encode("utf-8"))
        native_rel: str | None = None
        if p.native:  # a redacted document is produced as image + redacted text only
            ext = _ext(doc)
            native_rel = f"NATIVES/{_folder(p.index)}/{beg}" + (f".{ext}" if ext else "")
            (root / native_rel).parent.mkdir(parents=True, exist_ok=True)
            _copy_native(Path(p.item.native_path), root / native_rel, doc)
        att_beg, att_end = family_range[doc.family_id]
        dat_rows.append(_dat_row(p, beg, end, att_beg, att_end, volume, text_rel, native_rel))
        for i, bates in enumerate(p.bates):
            opt_lines.append(loadfiles.opt_line(bates, volume, loadfiles.loadfile_path(volume, image_rel[bates]),
                                                i == 0, len(p.bates)))
        if p.kind == "withheld_slip":
            continue   # the document itself is not produced: no production record (its Bates is in the DAT)
        records.append(ProductionDocument(
            production=volume, control_number=doc.control_number, beg_bates=beg, end_bates=end,
            beg_attach=att_beg, end_attach=att_end, pages=len(p.bates), native_path=native_rel,
            text_path=text_rel, image_paths=list(dict.fromkeys(image_rel[b] for b in p.bates))))
    loadfiles.write_dat(paths.dat, dat_rows, encoding=config.dat_encoding)
    loadfiles.write_opt(paths.opt, opt_lines)

    # 5. Privilege log: every document withheld, and every document produced redacted.
    rows = []
    for it in withheld:
        rng = family_range.get(it.document.family_id)
        rows.append(privlog.privlog_row(it.document, it.decision, issue_labels,
                                        f"{rng[0]}-{rng[1]}" if rng else "",
                                        bates_of.get(it.document.control_number)))
    for p in plan:
        if p.redacted:
            rng = family_range[p.item.document.family_id]
            rows.append(privlog.redaction_row(p.item.document, p.item.decision, issue_labels,
                                              f"{rng[0]}-{rng[1]}", (p.bates[0], p.bates[-1]),
                                              sorted({r for _, r in p.secrets} | {s.reason for s in
                                                                                   p.item.decision.redactions})))
    privlog.write_privlog(paths.privilege_log, rows)
    privlog.write_privlog_xlsx(paths.privilege_log_xlsx, rows, volume)

    # 6. Manifest, last: it lists every file above.
    total = sum(len(p.bates) for p in plan)
    begin_bates = plan[0].bates[0] if plan else ""
    end_bates = plan[-1].bates[-1] if plan else ""
    manifest.write_manifest(root, {
        "volume": volume, "prefix": config.prefix, "image_format": config.image_format,
        "bates": {"begin": begin_bates, "end": end_bates},
        "counts": {"documents": len(plan), "pages": total,
                   "redacted": sum(1 for p in plan if p.redacted),
                   "natives": sum(1 for p in plan if p.native),
                   "native_slip_sheets": sum(1 for p in plan if p.kind == "native_slip"),
                   "privilege_slip_sheets": sum(1 for p in plan if p.item.slip_sheet == SLIP_PRIVILEGED),
                   "nonresponsive_slip_sheets": sum(1 for p in plan if p.item.slip_sheet == SLIP_NONRESPONSIVE),
                   "withheld": len(withheld), "privilege_log_rows": len(rows)}})

    production = Production(   # documents: DAT rows, slip sheets included
        volume=volume, prefix=config.prefix, begin_bates=begin_bates, end_bates=end_bates,
        documents=len(plan), pages=total, withheld=len(withheld), path=str(root))
    if not plan:
        notes.append(f"{volume}: no documents produced; the volume carries the privilege log only")
    return ProductionResult(production, records, counter.next_number, paths, notes)


def _dat_row(p: _Planned, beg: str, end: str, att_beg: str, att_end: str, volume: str, text_rel: str,
             native_rel: str | None) -> dict:
    doc, d = p.item.document, p.item.decision
    row = {"BEGBATES": beg, "ENDBATES": end, "BEGATTACH": att_beg, "ENDATTACH": att_end,
           "CUSTODIAN": doc.custodian, "ALLCUSTODIANS": "; ".join(dict.fromkeys([doc.custodian, *doc.custodians])),
           "CONFIDENTIALITY": d.designation.value if d.designation else "",
           "REDACTED": "Yes" if p.redacted else "No",
           "TEXTPATH": loadfiles.loadfile_path(volume, text_rel),
           "NATIVEPATH": loadfiles.loadfile_path(volume, native_rel) if native_rel else ""}
    if p.kind == "withheld_slip":
        return row   # nothing about a withheld document beyond where it sits in its family
    e = doc.email
    s = p.secrets
    row.update({
        "FROM": redact.scrub(e.from_, s) if e else "",
        "TO": redact.scrub("; ".join(e.to), s) if e else "",
        "CC": redact.scrub("; ".join(e.cc), s) if e else "",
        "BCC": redact.scrub("; ".join(e.bcc), s) if e else "",
        "SUBJECT": redact.scrub(e.subject, s) if e else "",
        "DATESENT": _dat_date(e.sent) if e else "",
        "FILENAME": redact.scrub(doc.file_name, s), "FILEEXT": _ext(doc), "MD5HASH": doc.md5.upper()})
    return row


__all__ = ["ProductionError", "ProductionItem", "ProductionPaths", "ProductionResult", "produce_volume"]
