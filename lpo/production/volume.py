"""Produce one volume: Bates-stamped images, text, natives, DAT/OPT, privilege log, manifest.

    OUT/VOL001/
      DATA/VOL001.dat            Concordance DAT, one row per produced document
      DATA/VOL001.opt            Opticon OPT, one line per page image
      IMAGES/0001/ACME00000001.tif  single-page TIFF, Group 4, 1 bit, one per Bates number
      TEXT/0001/ACME00000001.txt    text per document (redacted where coded), named by BEGBATES
      NATIVES/0001/ACME00000001.pdf native per document, except documents with redactions
      privilege_log.csv          one row per document withheld for privilege
      manifest.json              SHA-256 and size of every file above

Folders under IMAGES, TEXT and NATIVES hold at most `FOLDER_SIZE` files each
(0001, 0002, ...). The volume is built in a hidden sibling folder and renamed
into place at the end, so a failed run never leaves a half volume behind, and
an existing volume is never overwritten.

Nothing privileged is produced: an item coded attorney-client or work product,
or not coded responsive, is refused with a ValueError naming its control
number; a partially privileged item must carry redaction spans.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from lpo.matter import ProductionConfig
from lpo.models import Document, Privilege, Production, ProductionDocument, ReviewDecision
from lpo.production import imaging, loadfiles, manifest, privlog, redact, render
from lpo.production.bates import BatesCounter

log = logging.getLogger(__name__)

FOLDER_SIZE = 1000            # files per IMAGES/TEXT/NATIVES sub-folder
JOB_PAGES = 32                # pages per imaging task (balances long PDFs across processes)
PARALLEL_MIN_PAGES = 100      # below this, starting worker processes costs more than it saves
VOLUME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class ProductionError(ValueError):
    """The items cannot be produced as given; the message names the control number."""


@dataclass
class ProductionItem:
    document: Document
    native_path: Path          # the native file bytes (content store path)
    text: str                  # extracted text
    decision: ReviewDecision   # the FINAL decision (QA overrides first pass)


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
    pdf_path: Path             # what is rasterised: the native PDF or a PDF rendered from text
    text: str                  # the produced (redacted) text
    secrets: list[tuple[str, str]]
    redacted: bool


# ---------------------------------------------------------------- checks

def _check(items: list[ProductionItem], withheld: list[ProductionItem]) -> None:
    seen: set[str] = set()
    for it in [*items, *withheld]:
        cn = it.document.control_number
        if it.decision.control_number != cn:
            raise ProductionError(f"{cn}: the decision given is for {it.decision.control_number}")
        if cn in seen:
            raise ProductionError(f"{cn}: appears more than once in the production")
        seen.add(cn)
    for it in items:
        cn, d = it.document.control_number, it.decision
        if d.privilege.withheld:
            raise ProductionError(f"{cn}: coded {d.privilege.value}, withheld for privilege; "
                                  f"it goes on the privilege log, never into a production")
        if d.responsive is not True:
            raise ProductionError(f"{cn}: not coded responsive (responsive={d.responsive}); refusing to produce it")
        if d.privilege == Privilege.partial and not d.redactions:
            raise ProductionError(f"{cn}: coded partially privileged but has no redaction spans; "
                                  f"send it back to review rather than produce it unredacted")
        if not Path(it.native_path).is_file():
            raise ProductionError(f"{cn}: native file {it.native_path} not found")
    for it in withheld:
        cn, d = it.document.control_number, it.decision
        if not d.privilege.withheld:
            raise ProductionError(f"{cn}: on the withheld list but coded {d.privilege.value}")
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
        value = value.astimezone(timezone.utc)
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


# ---------------------------------------------------------------- imaging

def _run_jobs(jobs: list[imaging.ImageJob], workers: int) -> None:
    pages = sum(len(j.bates) for j in jobs)
    # Starting a worker costs about half a second: small volumes are imaged in-process.
    imaging.run_jobs(jobs, workers if pages >= PARALLEL_MIN_PAGES else 1)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


# ---------------------------------------------------------------- the volume

def produce_volume(items: list[ProductionItem], withheld: list[ProductionItem], out_dir: Path,
                   config: ProductionConfig, volume: str, start_number: int, *,
                   dpi: int = imaging.DEFAULT_DPI, workers: int | None = None,
                   issue_labels: dict[str, str] | None = None) -> ProductionResult:
    """Produce `items` (in production order, families together, parent first) as `volume`.

    `withheld` (privileged, responsive documents) go on the privilege log only.
    Bates numbers start at `start_number`; the result's `next_number` is where the
    next volume starts. `issue_labels` maps issue codes to descriptions for the
    privilege log's basis column.
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
    p = result.paths
    result.paths = ProductionPaths(*(final / Path(x).relative_to(stage) for x in (
        p.volume_dir, p.dat, p.opt, p.privilege_log, p.manifest, p.images_dir, p.text_dir, p.natives_dir)))
    return result


def _produce(items: list[ProductionItem], withheld: list[ProductionItem], root: Path, work: Path,
             config: ProductionConfig, volume: str, start_number: int, dpi: int, workers: int,
             issue_labels: dict[str, str] | None) -> ProductionResult:
    paths = ProductionPaths(
        volume_dir=root, dat=root / "DATA" / f"{volume}.dat", opt=root / "DATA" / f"{volume}.opt",
        privilege_log=root / "privilege_log.csv", manifest=root / manifest.MANIFEST,
        images_dir=root / "IMAGES", text_dir=root / "TEXT", natives_dir=root / "NATIVES")
    for d in (paths.dat.parent, paths.images_dir, paths.text_dir, paths.natives_dir):
        d.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []

    # 1. Decide what each document's pages are, count them, number them.
    counter = BatesCounter(config, start_number)
    plan: list[_Planned] = []
    for index, it in enumerate(items):
        doc, d = it.document, it.decision
        spans = redact.resolve_spans(it.text, d.redactions, doc.control_number) if d.redactions else []
        segs = redact.segments(it.text, spans)
        secret_list = redact.secrets(it.text, spans)
        pdf_path: Path | None = None
        pages = 0
        # A PDF native is imaged from its own pages only when nothing on it is
        # redacted. A PDF with redactions is rendered from its redacted text
        # instead, so the redacted words cannot survive on the image (redacting
        # the PDF's own pages by word coordinates comes later).
        if _is_pdf(doc) and not spans:
            try:
                pages = imaging.page_count(it.native_path)
                pdf_path = Path(it.native_path)
            except imaging.ImagingError as e:
                notes.append(f"{doc.control_number}: {e}; imaged from its extracted text instead")
                log.warning(notes[-1])
            if pdf_path is not None and pages == 0:
                notes.append(f"{doc.control_number}: PDF has no pages; imaged from its extracted text instead")
                pdf_path = None
        if pdf_path is None:
            header, body = None, segs
            if doc.email is not None:
                header = _email_header(doc, secret_list)
                start = _body_offset(it.text)
                # Leave the text's own header lines out, unless a redaction there would not
                # also be caught by the scrubbed header block (too short, or running into the body).
                in_head = [(b, e) for b, e, _ in spans if b < start]
                if start and all(e <= start and len(it.text[b:e].strip()) >= redact.MIN_SCRUB_CHARS
                                 for b, e in in_head):
                    body = redact.segments(it.text[start:], [(b - start, e - start, r)
                                                             for b, e, r in spans if b >= start])
            data, pages = render.render_pdf(body, header)
            pdf_path = work / f"{index:07d}.pdf"
            pdf_path.write_bytes(data)
        plan.append(_Planned(it, index, counter.take(pages), pdf_path, redact.redacted_text(segs),
                             secret_list, bool(spans)))

    # 2. Attachment ranges: the Bates range of each family's produced documents.
    family_range: dict[str, tuple[str, str]] = {}
    for p in plan:
        fid = p.item.document.family_id
        beg = family_range.get(fid, (p.bates[0], ""))[0]
        family_range[fid] = (beg, p.bates[-1])

    # 3. Page images.
    jobs: list[imaging.ImageJob] = []
    image_rel: dict[str, str] = {}
    page_index = 0
    for p in plan:
        designation = p.item.decision.designation.value if p.item.decision.designation else ""
        for bates in p.bates:
            image_rel[bates] = f"IMAGES/{_folder(page_index)}/{bates}.tif"
            page_index += 1
        for first in range(0, len(p.bates), JOB_PAGES):
            chunk = p.bates[first:first + JOB_PAGES]
            outs = tuple(str(root / image_rel[b]) for b in chunk)
            for o in outs:
                Path(o).parent.mkdir(parents=True, exist_ok=True)
            jobs.append(imaging.ImageJob(str(p.pdf_path), first, tuple(chunk), outs, designation, dpi))
    _run_jobs(jobs, workers)

    # 4. Text, natives, load-file rows.
    dat_rows: list[dict] = []
    opt_lines: list[str] = []
    records: list[ProductionDocument] = []
    children: dict[str, int] = {}
    for p in plan:
        if p.item.document.parent:
            children[p.item.document.parent] = children.get(p.item.document.parent, 0) + 1
    for p in plan:
        doc, d = p.item.document, p.item.decision
        beg, end = p.bates[0], p.bates[-1]
        text_rel = f"TEXT/{_folder(p.index)}/{beg}.txt"
        (root / text_rel).parent.mkdir(parents=True, exist_ok=True)
        # UTF-8 with a BOM, so Relativity detects the encoding without being told.
        (root / text_rel).write_bytes(b"\xef\xbb\xbf" + p.text.encode("utf-8"))
        native_rel: str | None = None
        if not p.redacted:  # a redacted document is produced as image + redacted text only
            ext = _ext(doc)
            native_rel = f"NATIVES/{_folder(p.index)}/{beg}" + (f".{ext}" if ext else "")
            (root / native_rel).parent.mkdir(parents=True, exist_ok=True)
            _copy_native(Path(p.item.native_path), root / native_rel, doc)
        att_beg, att_end = family_range[doc.family_id]
        e = doc.email
        s = p.secrets
        dat_rows.append({
            "BEGBATES": beg, "ENDBATES": end, "BEGATTACH": att_beg, "ENDATTACH": att_end,
            "PGCOUNT": len(p.bates), "ATTACHCOUNT": children.get(doc.control_number, 0),
            "CUSTODIAN": doc.custodian, "CONTROLNUMBER": doc.control_number,
            "FILENAME": redact.scrub(doc.file_name, s), "FILEEXT": _ext(doc),
            "AUTHOR": redact.scrub(doc.author, s), "TITLE": redact.scrub(doc.title, s),
            "FROM": redact.scrub(e.from_, s) if e else "",
            "TO": redact.scrub("; ".join(e.to), s) if e else "",
            "CC": redact.scrub("; ".join(e.cc), s) if e else "",
            "BCC": redact.scrub("; ".join(e.bcc), s) if e else "",
            "SUBJECT": redact.scrub(e.subject, s) if e else "",
            "DATESENT": _dat_date(e.sent) if e else "",
            "DATECREATED": _dat_date(doc.created), "DATEMODIFIED": _dat_date(doc.modified),
            "MD5HASH": doc.md5.upper(), "SHA256HASH": doc.sha256.lower(),
            "CONFIDENTIALITY": d.designation.value if d.designation else "",
            "REDACTED": "Yes" if p.redacted else "No", "PRODVOL": volume,
            "TEXTPATH": loadfiles.loadfile_path(volume, text_rel),
            "NATIVEPATH": loadfiles.loadfile_path(volume, native_rel) if native_rel else "",
        })
        for i, bates in enumerate(p.bates):
            opt_lines.append(loadfiles.opt_line(bates, volume, loadfiles.loadfile_path(volume, image_rel[bates]),
                                                i == 0, len(p.bates)))
        records.append(ProductionDocument(
            production=volume, control_number=doc.control_number, beg_bates=beg, end_bates=end,
            beg_attach=att_beg, end_attach=att_end, pages=len(p.bates), native_path=native_rel,
            text_path=text_rel, image_paths=[image_rel[b] for b in p.bates]))
    loadfiles.write_dat(paths.dat, dat_rows)
    loadfiles.write_opt(paths.opt, opt_lines)

    # 5. Privilege log.
    rows = []
    for it in withheld:
        rng = family_range.get(it.document.family_id)
        rows.append(privlog.privlog_row(it.document, it.decision, issue_labels,
                                        f"{rng[0]}-{rng[1]}" if rng else ""))
    privlog.write_privlog(paths.privilege_log, rows)

    # 6. Manifest, last: it lists every file above.
    manifest.write_manifest(root)

    total = sum(len(p.bates) for p in plan)
    production = Production(
        volume=volume, prefix=config.prefix,
        begin_bates=plan[0].bates[0] if plan else "", end_bates=plan[-1].bates[-1] if plan else "",
        documents=len(plan), pages=total, withheld=len(withheld), path=str(root))
    if not plan:
        notes.append(f"{volume}: no documents produced; the volume carries the privilege log only")
    return ProductionResult(production, records, counter.next_number, paths, notes)


__all__ = ["ProductionItem", "ProductionPaths", "ProductionResult", "ProductionError", "produce_volume"]
