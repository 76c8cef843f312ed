"""Burn redactions into a PDF native's own pages.

Every page of the document is rebuilt, not edited: rendered to a 300 dpi bitmap,
each redacted word covered by a black box labelled with its reason, and placed on
a fresh page with an invisible text layer (render mode 3, like an OCR'd scan)
made only from the characters that were not redacted. Nothing of the original
PDF survives (no content streams, metadata, annotations, attachments, hidden
layers), so the redacted words cannot be recovered by selecting, copying or
extracting text (pdfplumber, pdftotext), while the rest of the page still can.

The redacted strings are found in pdfium's text of each page, whitespace folded
(a span may cross a line break). When a redacted string cannot be found on any
page (the text came from OCR, or from a form field or comment), the page
coordinates are unknown: `redact_pdf` returns None and production renders the
document from its redacted text instead, which is always safe. As a last check
the built PDF's text is searched again for every redacted string.
"""

from __future__ import annotations

import ctypes
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from lpo.production.redact import reason_label, redaction_label
from lpo.production.render import fonts

DPI = 300
_SKIP = {"\x02", "\xad", "\ufffe"}   # pdfium's soft hyphens and generated markers


@dataclass
class _Char:
    index: int
    text: str


def fold(text: str) -> str:
    """Whitespace runs to one space, soft hyphens dropped: how strings are compared."""
    return re.sub(r"\s+", " ", "".join(c for c in text if c not in _SKIP)).strip()


def _page_chars(textpage: pdfium.PdfTextPage) -> list[_Char]:
    n = pdfium_c.FPDFText_CountChars(textpage)
    return [_Char(i, chr(pdfium_c.FPDFText_GetUnicode(textpage, i))) for i in range(max(n, 0))]


def _folded_index(chars: list[_Char]) -> tuple[str, list[int]]:
    """Folded page text and, per folded character, the pdfium char index it came from."""
    out: list[str] = []
    where: list[int] = []
    space = True
    for ch in chars:
        if ch.text in _SKIP:
            continue
        if ch.text.isspace() or ch.text == "\x00":
            if not space:
                out.append(" ")
                where.append(ch.index)
            space = True
            continue
        out.append(ch.text)
        where.append(ch.index)
        space = False
    return "".join(out), where


def _to_device(page: pdfium.PdfPage, w: int, h: int, x: float, y: float) -> tuple[float, float]:
    dx, dy = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(page, 0, 0, w, h, 0, ctypes.c_double(x), ctypes.c_double(y),
                               ctypes.byref(dx), ctypes.byref(dy))
    return float(dx.value), float(dy.value)


def _char_rect(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, i: int, w: int, h: int
               ) -> tuple[float, float, float, float] | None:
    """Device-pixel box of a character: the loose box (font ascent to descent), so a line's
    characters share a top and bottom and its invisible text lines up."""
    rect = pdfium_c.FS_RECTF()
    if not pdfium_c.FPDFText_GetLooseCharBox(textpage, i, ctypes.byref(rect)):
        return None
    xs, ys = zip(*(_to_device(page, w, h, x, y) for x, y in ((rect.left, rect.bottom), (rect.right, rect.top))))
    if max(xs) - min(xs) <= 0 and max(ys) - min(ys) <= 0:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _same_line(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return abs(a[1] - b[1]) < 0.5 * max(1.0, b[3] - b[1])


def _runs(indices: list[int], rects: dict[int, tuple[float, float, float, float]]) -> list[list[int]]:
    """Characters on one line, consecutive but for characters without a box (spaces)."""
    runs: list[list[int]] = []
    for i in indices:
        if i not in rects:
            continue
        prev = runs[-1][-1] if runs else None
        if prev is not None and _same_line(rects[prev], rects[i]) and \
                all(j not in rects for j in range(prev + 1, i)):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _union(run: list[int], rects: dict) -> tuple[float, float, float, float]:
    boxes = [rects[i] for i in run]
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def _label(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], reason: str) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle((x0, y0, x1, y1), fill=0)
    font_path = pdfmetrics.getFont(fonts().bold).face.filename if fonts().unicode else None
    label = redaction_label(reason)
    room = (x1 - x0) - 4

    def font_of(size: int) -> ImageFont.ImageFont:
        return ImageFont.truetype(font_path, size) if font_path else ImageFont.load_default(size)

    # The full label, smaller if need be; a narrow box (one short word) gets the reason alone.
    size = max(6, int((y1 - y0) * 0.7))
    width = draw.textlength(label, font=font_of(size))
    if width > room:   # no smaller than legible: then the reason alone
        size = max(6, int((y1 - y0) * 0.45), int(size * room / width))
    font = font_of(size)
    if draw.textlength(label, font=font) > room:
        label = reason_label(reason)
    while label and draw.textlength(label, font=font) > room:
        label = label[:-1]
    if label:
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), label, font=font, fill=255, anchor="mm")


def redact_pdf(src: str | Path, secrets: list[tuple[str, str]], dpi: int = DPI) -> bytes | None:
    """The document rebuilt with `secrets` ((string, reason), longest first) burned in; None when a
    secret cannot be located on any page."""
    needles = [(fold(s), r) for s, r in secrets if fold(s)]
    pdf = pdfium.PdfDocument(str(src))
    found = {n for n, _ in needles}
    f = fonts()
    out = io.BytesIO()
    c = canvas.Canvas(out, invariant=1, pageCompression=1)
    try:
        for p in range(len(pdf)):
            page = pdf[p]
            textpage = page.get_textpage()
            pw, ph = page.get_size()
            w, h = round(pw * dpi / 72), round(ph * dpi / 72)
            chars = _page_chars(textpage)
            folded, where = _folded_index(chars)
            hidden: dict[int, str] = {}
            for needle, reason in needles:
                at = folded.find(needle)
                while at != -1:
                    found.discard(needle)
                    first, last = where[at], where[at + len(needle) - 1]
                    for i in range(first, last + 1):
                        hidden.setdefault(i, reason)
                    at = folded.find(needle, at + len(needle))
            rects = {ch.index: r for ch in chars if not ch.text.isspace()
                     and (r := _char_rect(page, textpage, ch.index, w, h)) is not None}
            img = page.render(scale=w / pw, grayscale=True).to_pil().convert("L")
            if img.size != (w, h):
                exact = Image.new("L", (w, h), 255)
                exact.paste(img, (0, 0))
                img = exact
            draw = ImageDraw.Draw(img)
            boxes: list[tuple[tuple[float, float, float, float], str]] = []
            for run in _runs(sorted(hidden), rects):
                x0, y0, x1, y1 = _union(run, rects)
                pad = 0.15 * (y1 - y0) + 2
                box = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
                boxes.append((box, hidden[run[0]]))
                _label(draw, box, hidden[run[0]])
            textpage.close()
            page.close()
            # The page: the burned-in bitmap, then the text that was not redacted, invisible.
            c.setPageSize((pw, ph))
            # Bilevel, like the TIFFs: a scan-like page that also compresses ~3x better.
            c.drawInlineImage(img.point(lambda v: 0 if v < 160 else 255), 0, 0, pw, ph)
            words: list[list[_Char]] = []
            for ch in chars:
                if ch.index in hidden or ch.index not in rects:
                    continue
                if words and ch.index == words[-1][-1].index + 1 and \
                        _same_line(rects[words[-1][-1].index], rects[ch.index]):
                    words[-1].append(ch)
                else:
                    words.append([ch])
            for word in words:
                _invisible(c, "".join(ch.text for ch in word), _union([ch.index for ch in word], rects),
                           dpi, ph, f.regular)
            for box, reason in boxes:
                _invisible(c, redaction_label(reason), box, dpi, ph, f.regular)
            c.showPage()
    finally:
        pdf.close()
    if found:
        return None
    c.save()
    data = out.getvalue()
    check = pdfium.PdfDocument(data)
    try:
        text = fold(" ".join(check[i].get_textpage().get_text_range() for i in range(len(check))))
    finally:
        check.close()
    if any(n in text for n, _ in needles):
        return None
    return data


def _invisible(c: canvas.Canvas, text: str, box: tuple[float, float, float, float], dpi: int, ph: float,
               font: str) -> None:
    text = text.strip()
    if not text:
        return
    x0, y0, x1, y1 = (v * 72 / dpi for v in box)
    size = max(1.0, (y1 - y0))
    width = pdfmetrics.stringWidth(text, font, size) or 1.0
    t = c.beginText()
    t.setTextRenderMode(3)
    t.setFont(font, size)
    t.setHorizScale(max(1.0, 100.0 * (x1 - x0) / width))
    t.setTextOrigin(x0, ph - y1 + 0.22 * size)   # baseline above the descent
    t.textOut(text)
    c.drawText(t)
