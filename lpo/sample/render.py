"""Byte-reproducible renderers for the sample matter: PDF (reportlab), DOCX
(python-docx), TXT and RFC 5322 email (stdlib `email`).

Nothing here reads the clock or the global RNG: PDFs are written in reportlab's
invariant mode with the document's own date as CreationDate/ModDate, DOCX core
properties and zip entry dates are set from the document's date, and MIME
boundaries and Message-IDs are supplied by the caller.
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime
from functools import partial
from xml.sax.saxutils import escape

WRAP = 76
_UNFOLDED = default_policy.clone(max_line_length=998)


# --------------------------------------------------------------------------- dates

def _nth_sunday(year: int, month: int, n: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(6 - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


def eastern(naive: datetime) -> datetime:
    """US Eastern time (EST/EDT by the post-2007 rule), as a fixed-offset aware datetime."""
    start = datetime.combine(_nth_sunday(naive.year, 3, 2), datetime.min.time()).replace(hour=2)
    end = datetime.combine(_nth_sunday(naive.year, 11, 1), datetime.min.time()).replace(hour=2)
    hours = -4 if start <= naive < end else -5
    return naive.replace(tzinfo=timezone(timedelta(hours=hours)))


# --------------------------------------------------------------------------- documents

@dataclass
class DocSpec:
    """A document to render as PDF, DOCX or TXT.

    blocks: ("title", s) ("h", s) ("p", s) ("priv", s) ("pre", s) ("bullets", [s]) ("table", rows) ("page",)
    A "priv" block is an ordinary paragraph that is privileged: it becomes a redaction.
    """

    filename: str
    title: str
    author: str
    date: datetime  # naive, local (Eastern) time
    blocks: list[tuple]
    header: str | None = None  # running legend, e.g. "PRIVILEGED & CONFIDENTIAL - ATTORNEY WORK PRODUCT"
    subject: str = ""
    creator: str = "Microsoft Word"
    revision: int = 1

    @property
    def kind(self) -> str:
        return self.filename.rsplit(".", 1)[-1].lower()


def to_text(spec: DocSpec) -> tuple[str, list[tuple[int, int]]]:
    """Plain text of a document (the TXT file content) and the spans of its "priv" blocks."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0

    def emit(s: str, priv: bool = False):
        nonlocal pos
        if priv:
            spans.append((pos, pos + len(s)))
        out.append(s + "\n\n")
        pos += len(s) + 2

    if spec.header:
        emit(spec.header)
    for b in spec.blocks:
        t = b[0]
        if t == "title":
            emit(b[1].upper())
        elif t == "h":
            emit(b[1])
        elif t in ("p", "priv"):
            emit(_fill(b[1]), priv=(t == "priv"))
        elif t == "pre":
            emit(b[1])
        elif t == "bullets":
            emit("\n".join(_fill(i, initial_indent="- ", subsequent_indent="  ") for i in b[1]))
        elif t == "table":
            emit(_text_table(b[1]))
        elif t == "page":
            continue
        else:
            raise ValueError(f"unknown block type {t!r}")
    return "".join(out).rstrip("\n") + "\n", spans


def _fill(text: str, **kw) -> str:
    return textwrap.fill(text, WRAP, break_on_hyphens=False, break_long_words=False, **kw)


def _text_table(rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_txt(spec: DocSpec) -> bytes:
    return to_text(spec)[0].encode("ascii")


def _pdf_date(d: datetime) -> str:
    aware = eastern(d)
    off = int(aware.utcoffset().total_seconds() // 60)
    sign = "-" if off < 0 else "+"
    return f"D:{d:%Y%m%d%H%M%S}{sign}{abs(off) // 60:02d}'{abs(off) % 60:02d}'"


def render_pdf(spec: DocSpec) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    class _Canvas(Canvas):
        def __init__(self, *a, pdf_date: str, **kw):
            kw["invariant"] = 1
            super().__init__(*a, **kw)
            self.setDateFormatter(lambda *_: pdf_date)

    ss = getSampleStyleSheet()
    body, h, title, mono = ss["BodyText"], ss["Heading2"], ss["Title"], ss["Code"]
    story = []
    for b in spec.blocks:
        t = b[0]
        if t == "title":
            story.append(Paragraph(escape(b[1]), title))
        elif t == "h":
            story.append(Paragraph(escape(b[1]), h))
        elif t in ("p", "priv"):
            story.append(Paragraph(escape(b[1]), body))
        elif t == "pre":
            story.append(Paragraph(escape(b[1]).replace("\n", "<br/>"), body))
        elif t == "bullets":
            for item in b[1]:
                story.append(Paragraph(escape(item), body, bulletText="\u2022"))
        elif t == "table":
            rows = [[Paragraph(escape(str(c)), body) for c in r] for r in b[1]]
            tbl = Table(rows, repeatRows=1)
            tbl.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))
            story.append(tbl)
            story.append(Spacer(1, 8))
        elif t == "page":
            story.append(PageBreak())
    del mono

    def decorate(canv, doc):
        canv.saveState()
        canv.setFont("Helvetica", 8)
        if spec.header:
            canv.drawCentredString(letter[0] / 2, letter[1] - 0.5 * inch, spec.header)
        canv.drawRightString(letter[0] - inch, 0.5 * inch, f"Page {doc.page}")
        canv.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, title=spec.title, author=spec.author,
                            subject=spec.subject, creator=spec.creator, invariant=1,
                            leftMargin=inch, rightMargin=inch, topMargin=inch, bottomMargin=inch)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate,
              canvasmaker=partial(_Canvas, pdf_date=_pdf_date(spec.date)))
    return buf.getvalue()


def render_docx(spec: DocSpec) -> bytes:
    import docx

    d = docx.Document()
    cp = d.core_properties
    cp.author = spec.author
    cp.last_modified_by = spec.author
    cp.title = spec.title
    cp.subject = spec.subject
    cp.comments = ""
    cp.keywords = ""
    cp.category = ""
    cp.revision = spec.revision
    utc = eastern(spec.date).astimezone(timezone.utc).replace(tzinfo=None)
    cp.created = utc - timedelta(days=spec.revision - 1, minutes=37)
    cp.modified = utc
    if spec.header:
        d.sections[0].header.paragraphs[0].text = spec.header
    for b in spec.blocks:
        t = b[0]
        if t == "title":
            d.add_heading(b[1], level=0)
        elif t == "h":
            d.add_heading(b[1], level=1)
        elif t in ("p", "priv"):
            d.add_paragraph(b[1])
        elif t == "pre":
            d.add_paragraph(b[1])
        elif t == "bullets":
            for item in b[1]:
                d.add_paragraph(item, style="List Bullet")
        elif t == "table":
            rows = b[1]
            tbl = d.add_table(rows=len(rows), cols=len(rows[0]))
            tbl.style = "Table Grid"
            for i, r in enumerate(rows):
                for j, c in enumerate(r):
                    tbl.cell(i, j).text = str(c)
        elif t == "page":
            d.add_page_break()
    buf = io.BytesIO()
    d.save(buf)
    return normalize_zip(buf.getvalue(), spec.date)


def normalize_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite a zip with fixed entry dates and attributes so equal content gives equal bytes."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            z.writestr(zi, src.read(info.filename))
    return out.getvalue()


RENDERERS = {"pdf": render_pdf, "docx": render_docx, "txt": render_txt}


def render(spec: DocSpec) -> bytes:
    return RENDERERS[spec.kind](spec)


# --------------------------------------------------------------------------- email

MIME_TYPES = {
    "pdf": ("application", "pdf"),
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "txt": ("text", "plain"),
}


@dataclass
class MailParts:
    sender: tuple[str, str]  # (display name, address)
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    subject: str
    sent: datetime  # naive Eastern
    message_id: str
    body: str
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, bytes)
    boundary: str | None = None
    importance: str | None = None


def _addr(p: tuple[str, str]) -> Address:
    user, domain = p[1].split("@")
    return Address(display_name=p[0], username=user, domain=domain)


def render_eml(m: MailParts) -> bytes:
    """A 7bit text/plain email (multipart/mixed with base64 attachments when it has any).

    The body is ASCII with lines under 78 characters and sent as 7bit, so the decoded body
    text equals the bytes in the file: redaction offsets into it are unambiguous.
    """
    if not m.body.isascii() or any(len(line) > 78 for line in m.body.splitlines()):
        raise ValueError(f"email body must be ASCII with lines <= 78 chars: {m.subject!r}")
    msg = EmailMessage(policy=default_policy)
    msg["From"] = _addr(m.sender)
    msg["To"] = [_addr(p) for p in m.to]
    if m.cc:
        msg["Cc"] = [_addr(p) for p in m.cc]
    msg["Subject"] = m.subject
    msg["Date"] = format_datetime(eastern(m.sent))
    msg["Message-ID"] = m.message_id
    if m.in_reply_to:
        msg["In-Reply-To"] = m.in_reply_to
    if m.references:
        msg["References"] = " ".join(m.references)
    if m.importance:
        msg["Importance"] = m.importance
    msg.set_content(m.body, cte="7bit")
    for name, data in m.attachments:
        maintype, subtype = MIME_TYPES[name.rsplit(".", 1)[-1].lower()]
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name, cte="base64")
    for part in msg.iter_parts():
        del part["MIME-Version"]  # email.message adds it to every part; only the top level needs it
    if m.attachments:
        msg.set_boundary(m.boundary or "=_sample_boundary")
    # Headers are written unfolded (RFC 5322 allows 998 characters): parsers then never see
    # a value that starts with folding whitespace. Bodies are wrapped by the caller.
    return msg.as_bytes(policy=_UNFOLDED)
