"""Endorsement: the Bates number and designation along the bottom edge of every page.

Done on the PDF, as a content-stream overlay, before any image is made: a white
band `BAND_POINTS` high across the bottom of the page as displayed (CropBox and
/Rotate honoured), the designation at the left, the Bates number at the right, in
Helvetica-Bold (a standard PDF font, nothing to embed). The page's own content
streams are not touched, so its text stays searchable, and a TIFF made from the
endorsed page carries the same endorsement.

The band never covers content: pdfium renders the band area of each page at low
resolution; when anything is drawn there, the page content is shrunk about the
top centre to make room for the band below it (page size kept). Pages lpo makes
itself (rendered text, slip sheets) keep a blank 1-inch bottom margin and skip
the check.

Measured: ~750 pages per CPU-second for the check and the overlay together
(bench/produce.py), against ~13 for rasterising at 300 dpi: the endorsement is not
where imaging time goes.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

BAND_POINTS = 0.45 * 72
FONT_POINTS = 10.0
MARGIN_POINTS = 0.5 * 72
BLANK_LEVEL = 224          # a band whose darkest pixel is lighter than this is blank
CHECK_SCALE = 2.0          # 144 dpi: a hairline in the band still shows as dark
FONT_NAME = "/LPOEndorse"

Matrix = tuple[float, float, float, float, float, float]


class EndorseError(RuntimeError):
    pass


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF row-vector convention: point * m * n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _inv(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(e * ia + f * ic), -(e * ib + f * id_))


def display_matrix(box: tuple[float, float, float, float], rotate: int) -> tuple[Matrix, float, float]:
    """Matrix from displayed-page coordinates (origin bottom left, as a reader shows the page) to
    user space, and the displayed width and height."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    r = rotate % 360
    if r == 90:
        return (0, 1, -1, 0, x1, y0), h, w
    if r == 180:
        return (-1, 0, 0, -1, x1, y1), w, h
    if r == 270:
        return (0, -1, 1, 0, x0, y1), h, w
    return (1, 0, 0, 1, x0, y0), w, h


def _cm(m: Matrix) -> str:
    return " ".join(f"{v:.4f}" for v in m) + " cm"


def _pdf_string(text: str) -> str:
    safe = text.encode("cp1252", errors="replace").decode("cp1252")
    return "(" + safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _text_width(text: str) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    return stringWidth(text, "Helvetica-Bold", FONT_POINTS)


def overlay(bates: str, designation: str, width: float) -> str:
    """The endorsement, in displayed-page coordinates."""
    y = (BAND_POINTS - FONT_POINTS * 0.7) / 2
    ops = [f"1 g 0 0 {width:.2f} {BAND_POINTS:.2f} re f 0 g BT {FONT_NAME} {FONT_POINTS:g} Tf",
           f"1 0 0 1 {width - MARGIN_POINTS - _text_width(bates):.2f} {y:.2f} Tm {_pdf_string(bates)} Tj"]
    if designation:
        ops.append(f"1 0 0 1 {MARGIN_POINTS:.2f} {y:.2f} Tm {_pdf_string(designation.upper())} Tj")
    return " ".join(ops) + " ET"


def bands_with_content(pdf_path: str | Path, first: int = 0, count: int | None = None) -> list[bool]:
    """For each page: is anything drawn in the bottom band (as displayed)?"""
    pdf = pdfium.PdfDocument(str(pdf_path))
    out = []
    try:
        last = len(pdf) if count is None else first + count
        for i in range(first, last):
            page = pdf[i]
            try:
                _, h = page.get_size()
                img = page.render(scale=CHECK_SCALE, crop=(0, 0, 0, max(0.0, h - BAND_POINTS)),
                                  grayscale=True, may_draw_forms=True).to_pil()
                out.append(img.getextrema()[0] < BLANK_LEVEL if img.mode == "L" else
                           img.convert("L").getextrema()[0] < BLANK_LEVEL)
            finally:
                page.close()
    finally:
        pdf.close()
    return out


def _stream(writer: PdfWriter, data: str):
    s = DecodedStreamObject()
    s.set_data(data.encode("latin-1"))
    return writer._add_object(s)


def endorse_pdf(src: str | Path, dest: str | Path, bates: list[str], designation: str,
                check_band: bool = True) -> int:
    """Write `src` endorsed page by page with `bates` to `dest`; returns the page count."""
    try:
        reader = PdfReader(str(src))
        if reader.is_encrypted:
            reader.decrypt("")
        writer = PdfWriter(clone_from=reader)
    except Exception as e:
        raise EndorseError(f"{src}: cannot open for endorsement: {e}") from e
    if len(writer.pages) != len(bates):
        raise EndorseError(f"{src}: {len(writer.pages)} pages but {len(bates)} Bates numbers")
    crowded = bands_with_content(src) if check_band else [False] * len(bates)
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica-Bold"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    for page, stamp, shrink in zip(writer.pages, bates, crowded, strict=True):
        box = tuple(float(v) for v in page.cropbox)
        to_user, w, h = display_matrix(box, int(page.get("/Rotate", 0) or 0))
        if "/Resources" not in page:
            page[NameObject("/Resources")] = DictionaryObject()
        res = page["/Resources"].get_object()
        if "/Font" not in res:
            res[NameObject("/Font")] = DictionaryObject()
        fonts = res["/Font"].get_object()
        if not isinstance(fonts, DictionaryObject):
            raise EndorseError(f"{src}: page resources have a malformed /Font entry")
        fonts[NameObject(FONT_NAME)] = font
        contents = page.get("/Contents")
        old = [] if contents is None else (list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject)
                                           else [contents])
        pre = "q"
        if shrink:
            # Scale about the top centre so the page's content ends where the band begins.
            s = (h - BAND_POINTS) / h
            shrink_display: Matrix = (s, 0, 0, s, (w - s * w) / 2, BAND_POINTS)
            pre += " " + _cm(_mul(_mul(_inv(to_user), shrink_display), to_user))
        post = "Q q " + _cm(to_user) + " " + overlay(stamp, designation, w) + " Q"
        page[NameObject("/Contents")] = ArrayObject([_stream(writer, pre + "\n"), *old, _stream(writer, "\n" + post)])
    buf = io.BytesIO()
    writer.write(buf)
    Path(dest).write_bytes(buf.getvalue())
    return len(bates)
