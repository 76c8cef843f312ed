"""Render a document's (already redacted) text to PDF pages with reportlab.

Used for every native that is not a PDF (email, txt, docx...) and for a PDF whose
text carries redactions. The input is a list of `Segment`s: the redacted
characters are already gone, a redaction is only its reason, drawn as a black box
labelled "[REDACTED - reason]" where the text was.

Pages are US Letter, monospace 9 pt, long lines wrapped at word boundaries (hard
broken when a word is longer than a line). The bottom margin (1 in) is kept clear
for the endorsement band, so endorsing never covers text.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from lpo.production.redact import Segment

PAGE_W, PAGE_H = letter
MARGIN_L = MARGIN_R = 54.0   # 0.75 in
MARGIN_T = 54.0
MARGIN_B = 72.0              # 1 in: the endorsement band sits in here
FONT_SIZE = 9.0
LEADING = 11.0
HEADER_LABEL_COLS = 13       # "Attachments: " is the longest label

# A Unicode monospace TrueType font when one is installed (DejaVu Sans Mono on
# Debian/Ubuntu images); otherwise reportlab's built-in Courier, which covers
# Latin-1/cp1252 only (other characters are drawn as '?'; the TEXT file keeps them).
MONO_FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSansMono.ttf", "/usr/share/fonts/dejavu/DejaVuSansMono-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSansMono.ttf", "/usr/share/fonts/TTF/DejaVuSansMono-Bold.ttf"),
]


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    unicode: bool


@lru_cache(maxsize=1)
def fonts() -> Fonts:
    candidates = list(MONO_FONT_CANDIDATES)
    if os.environ.get("LPO_MONO_FONT"):
        reg = os.environ["LPO_MONO_FONT"]
        candidates.insert(0, (reg, os.environ.get("LPO_MONO_FONT_BOLD", reg)))
    for reg, bold in candidates:
        if Path(reg).is_file():
            try:
                pdfmetrics.registerFont(TTFont("LPOMono", reg))
                pdfmetrics.registerFont(TTFont("LPOMono-Bold", bold if Path(bold).is_file() else reg))
                return Fonts("LPOMono", "LPOMono-Bold", True)
            except Exception:  # a broken font file: try the next one
                continue
    return Fonts("Courier", "Courier-Bold", False)


@dataclass(frozen=True)
class Piece:
    text: str
    reason: str | None = None
    bold: bool = False


Line = list[Piece] | None   # None draws a horizontal rule

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_TOKEN = re.compile(r"\n|[^\S\n]+|\S+")


def clean(text: str, unicode: bool) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = "\n".join(line.expandtabs(4) for line in text.split("\n"))
    text = _CONTROL.sub(" ", text)
    if not unicode:
        text = text.encode("cp1252", errors="replace").decode("cp1252")
    return text


def columns() -> int:
    f = fonts()
    return int((PAGE_W - MARGIN_L - MARGIN_R) // pdfmetrics.stringWidth("M", f.regular, FONT_SIZE))


def _add(line: list[Piece], piece: Piece) -> None:
    if line and piece.reason is None and line[-1].reason is None and line[-1].bold == piece.bold:
        line[-1] = Piece(line[-1].text + piece.text, None, piece.bold)
    else:
        line.append(piece)


def wrap(segs: list[Segment], cols: int, bold: bool = False) -> list[list[Piece]]:
    """Lay segments out in lines of at most `cols` characters."""
    unicode = fonts().unicode
    lines: list[list[Piece]] = []
    cur: list[Piece] = []
    width = 0
    soft = False  # the current line began at a soft wrap: drop its leading spaces

    def newline(is_soft: bool) -> None:
        nonlocal cur, width, soft
        lines.append(cur)
        cur, width, soft = [], 0, is_soft

    for seg in segs:
        if seg.redacted:
            label = clean(seg.text, unicode)[:cols]
            if width and width + len(label) > cols:
                newline(True)
            _add(cur, Piece(label, seg.reason))
            width += len(label)
            soft = False
            continue
        for tok in _TOKEN.findall(clean(seg.text, unicode)):
            if tok == "\n":
                newline(False)
                continue
            if tok.isspace():
                if soft and width == 0:
                    continue
                # Spaces past the edge are dropped; the next word wraps by itself.
                tok = tok[:cols - width]
                if tok:
                    _add(cur, Piece(tok, None, bold))
                    width += len(tok)
                continue
            if width and width + len(tok) > cols and len(tok) <= cols:
                newline(True)
            while width + len(tok) > cols:     # longer than a line: hard break
                room = cols - width
                _add(cur, Piece(tok[:room], None, bold))
                tok = tok[room:]
                newline(True)
            _add(cur, Piece(tok, None, bold))
            width += len(tok)
            soft = False
    if cur or not lines:
        lines.append(cur)
    return lines


def email_header(fields: list[tuple[str, list[Segment]]], cols: int) -> list[Line]:
    """From/To/Cc/Date/Subject block: bold label, value wrapped with a hanging indent."""
    out: list[Line] = []
    for label, value in fields:
        wrapped = wrap(value, cols - HEADER_LABEL_COLS)
        for i, line in enumerate(wrapped):
            head = f"{label}:".ljust(HEADER_LABEL_COLS) if i == 0 else " " * HEADER_LABEL_COLS
            out.append([Piece(head, None, True), *line])
    out.append(None)
    out.append([])
    return out


def render_pdf(body: list[Segment], header: list[tuple[str, list[Segment]]] | None = None) -> tuple[bytes, int]:
    """PDF bytes and page count for the header block (if any) and the body."""
    f = fonts()
    cols = columns()
    char_w = pdfmetrics.stringWidth("M", f.regular, FONT_SIZE)
    lines: list[Line] = email_header(header, cols) if header else []
    if not header and not any(s.text.strip() for s in body):
        body = [Segment("[No text was extracted from this document.]")]
    lines += wrap(body, cols)

    per_page = int((PAGE_H - MARGIN_T - MARGIN_B) // LEADING)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, pageCompression=0, invariant=1)
    pages = 0
    for first in range(0, max(len(lines), 1), per_page):
        pages += 1
        y = PAGE_H - MARGIN_T - FONT_SIZE
        for line in lines[first:first + per_page]:
            if line is None:
                c.setLineWidth(0.75)
                c.line(MARGIN_L, y + FONT_SIZE / 2, PAGE_W - MARGIN_R, y + FONT_SIZE / 2)
            else:
                x = MARGIN_L
                for p in line:
                    w = len(p.text) * char_w
                    if p.reason is not None:
                        c.setFillGray(0)
                        c.rect(x, y - 2.5, w, LEADING, stroke=0, fill=1)
                        c.setFillGray(1)
                        c.setFont(f.bold, FONT_SIZE)
                        c.drawString(x, y, p.text)
                        c.setFillGray(0)
                    elif p.text.strip():
                        c.setFont(f.bold if p.bold else f.regular, FONT_SIZE)
                        c.drawString(x, y, p.text)
                    x += w
            y -= LEADING
        c.showPage()
    c.save()
    return buf.getvalue(), pages


# ---------------------------------------------------------------- slip sheets

def slip_sheet_pdf(lines: list[str]) -> bytes:
    """One page standing in for a document (withheld, or produced native): its lines centred.

    The Bates number and designation are endorsed on it like on any page; the
    caller prints the Bates number in `lines` too, so it reads in the middle.
    """
    f = fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, pageCompression=0, invariant=1)
    y = PAGE_H / 2 + LEADING * 2 * len(lines) / 2
    for i, line in enumerate(lines):
        size = 16.0 if i == 0 else 12.0
        c.setFont(f.bold if i == 0 else f.regular, size)
        c.drawCentredString(PAGE_W / 2, y, clean(line, f.unicode))
        y -= 2 * LEADING
    c.showPage()
    c.save()
    return buf.getvalue()


# ---------------------------------------------------------------- office files via LibreOffice

OFFICE_EXTENSIONS = frozenset({"doc", "docx", "docm", "dot", "dotx", "rtf", "odt", "wpd", "wps",
                               "ppt", "pptx", "pptm", "pps", "ppsx", "odp", "key", "vsd", "vsdx"})
CONVERT_SECONDS = 60.0        # per call, plus PER_FILE_SECONDS for each file in it
PER_FILE_SECONDS = 30.0


def soffice_path() -> str | None:
    import shutil
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_office(files: list[Path], outdir: Path) -> dict[Path, Path | None]:
    """PDF of each office file through one headless LibreOffice run (None where it failed).

    A private profile in `outdir` (no lock shared with ingest or another run); its
    own session, so a timeout kills oosplash and soffice.bin together.
    """
    import signal
    import subprocess

    outdir.mkdir(parents=True, exist_ok=True)
    exe = soffice_path()
    if exe is None or not files:
        return {f: None for f in files}
    profile = outdir / ".profile"
    cmd = [exe, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore", "--nologo",
           "--nolockcheck", "--nodefault", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         env=dict(os.environ, HOME=str(outdir), SAL_USE_VCLPLUGIN="svp"))
    try:
        p.wait(timeout=CONVERT_SECONDS + PER_FILE_SECONDS * len(files))
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    out: dict[Path, Path | None] = {}
    for f in files:
        pdf = outdir / (f.stem + ".pdf")
        out[f] = pdf if pdf.is_file() and pdf.stat().st_size > 0 else None
    return out
