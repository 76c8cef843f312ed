"""PDF: a fast text path through PDFium, OCR for scanned pages, pdfplumber for word coordinates.

Ingest needs the text, the page count and the metadata of every PDF, and needs them fast:
PDFium (pypdfium2) extracts the same text as pdfplumber about 30x faster, so it is the
ingest path. pdfplumber stays for what needs layout: `pdf_words` gives each word's
coordinates, which redaction uses, and it reads some malformed files PDFium rejects.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timedelta, timezone

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Child,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)

PAGE_SEPARATOR = "\n\f"  # a form feed between pages keeps page numbers recoverable from the text
# When to OCR a page: almost no text and an image that is more than a logo, or only a stamp's
# worth of text (a Bates number, a confidentiality legend) over a page-sized image: a scan.
MIN_PAGE_CHARS, MIN_IMAGE_COVER = 16, 0.05
STAMP_CHARS, SCAN_COVER = 80, 0.8
MAX_ANNOTATIONS = 1000  # a page: more is a link farm or a fuzzed file, not a form someone filled in
OCR_DPI = 300
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\uffff]")  # glyphs of broken font encodings

# PDFium's FPDF_GetLastError codes
ERR_FILE, ERR_FORMAT, ERR_PASSWORD, ERR_SECURITY = 2, 3, 4, 5

PDF_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(Z|[+-]\d{2}'?\d{2}'?|[+-]\d{2})?")


def pdf_date(v: object) -> datetime | None:
    """PDF dates look like D:20230415103000+02'00'; any part after the year may be missing."""
    if isinstance(v, bytes):
        v = v.decode("latin-1", "replace")
    if not isinstance(v, str):
        return None
    m = PDF_DATE.match(v.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None
    offset = timedelta(0)
    if tz and tz != "Z":
        digits = re.sub(r"\D", "", tz)
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)) * (-1 if tz[0] == "-" else 1)
    try:
        return dt.replace(tzinfo=timezone(offset)).astimezone(timezone.utc)
    except ValueError:
        return None


def clean_text(text: str) -> str:
    """PDFium's text as a reviewer reads it: newlines, its line-end hyphen marker (U+FFFE) as '-',
    and control characters (what glyphs of broken font encodings map to) as spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-")
    return CONTROL.sub(" ", text).strip()


def _meta(info: dict, key: str) -> str | None:
    v = info.get(key)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    v = CONTROL.sub("", str(v)).strip() if v is not None else ""
    return v or None


def looks_truncated(data: bytes) -> bool:
    """Header and whole objects, but no end-of-file marker: the file was cut off in transfer.

    Only called on a file PDFium cannot open. A file with no complete object at all is
    called corrupt instead: nothing in it says it was ever a whole PDF.
    """
    return b"%PDF-" in data[:1024] and b"%%EOF" not in data[-2048:] and b"endobj" in data


def _open(data: bytes, name: str, passwords: tuple[str, ...]):  # noqa: ANN202 - a PdfDocument
    """Open with no password, then each password of the bank. Raises IngestError when none opens it."""
    import pypdfium2 as pdfium

    tried = 0
    for pw in (None, *passwords):
        try:
            return pdfium.PdfDocument(data, password=pw)
        except pdfium.PdfiumError as e:
            code = getattr(e, "err_code", None)
            if code == ERR_PASSWORD:
                tried += pw is not None
                continue
            if code == ERR_SECURITY:
                raise IngestError("encrypted", f"{name}: the PDF uses an encryption scheme that cannot be "
                                  "opened here; ask the client for an unencrypted copy") from None
            raise
    bank = (f"none of the {tried} passwords in the matter's password bank opens it" if tried
            else "the matter's password bank is empty")
    raise IngestError("encrypted", f"{name}: the PDF is password-protected and {bank}; ask the client for the "
                      "password, add it to the bank (matter.yaml passwords or --passwords FILE) and ingest again")


def _image_cover(page, enough: float) -> float:  # noqa: ANN001 - a raw FPDF_PAGE
    """Share of the page covered by image objects (in form XObjects too, 3 levels deep); counting
    stops at `enough`. Raw PDFium calls: a wrapper object an item costs more than the check."""
    import ctypes

    import pypdfium2.raw as c

    w, h = c.FPDF_GetPageWidthF(page), c.FPDF_GetPageHeightF(page)
    if w <= 0 or h <= 0:
        return 0.0
    box = [ctypes.c_float() for _ in range(4)]
    refs = [ctypes.byref(b) for b in box]
    area, goal = 0.0, enough * w * h

    def walk(count, get, parent, level: int) -> bool:  # noqa: ANN001
        """Add the images under `parent` to `area`: True once it reaches the goal."""
        nonlocal area
        for i in range(max(count(parent), 0)):
            obj = get(parent, i)
            kind = c.FPDFPageObj_GetType(obj) if obj else None
            if kind == c.FPDF_PAGEOBJ_IMAGE and c.FPDFPageObj_GetBounds(obj, *refs):  # no bounds: not drawn
                left, bottom, right, top = (b.value for b in box)
                area += max(0.0, min(right, w) - max(left, 0)) * max(0.0, min(top, h) - max(bottom, 0))
                if area >= goal:
                    return True
            elif kind == c.FPDF_PAGEOBJ_FORM and level < 2 and walk(
                    c.FPDFFormObj_CountObjects, c.FPDFFormObj_GetObject, obj, level + 1):
                return True
        return False

    walk(c.FPDFPage_CountObjects, c.FPDFPage_GetObject, page, 0)
    return area / (w * h)


def _utf16(fn, *args) -> str:  # noqa: ANN001 - a PDFium getter that fills a UTF-16LE buffer
    import ctypes

    import pypdfium2.raw as c

    n = fn(*args, None, 0)
    if n <= 2:
        return ""
    buf = ctypes.create_string_buffer(n)
    fn(*args, ctypes.cast(buf, ctypes.POINTER(c.FPDF_WCHAR)), n)
    return clean_text(buf.raw[:n - 2].decode("utf-16-le", "replace"))


def _annotations(pdf, page, attachments: list) -> list[str]:  # noqa: ANN001 - a PdfDocument, a raw FPDF_PAGE
    """Form field values and comments: not in the page's text layer, and both reviewable.

    A file-attachment annotation's file (not in /EmbeddedFiles) is added to `attachments`.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    lines = []
    for j in range(min(c.FPDFPage_GetAnnotCount(page), MAX_ANNOTATIONS)):
        annot = c.FPDFPage_GetAnnot(page, j)
        try:
            kind = c.FPDFAnnot_GetSubtype(annot)
            if kind == c.FPDF_ANNOT_WIDGET and pdf.formenv is not None:
                value = _utf16(c.FPDFAnnot_GetFormFieldValue, pdf.formenv.raw, annot).strip()
                if value and value != "Off":  # 'Off': an unticked box or radio button
                    field = _utf16(c.FPDFAnnot_GetFormFieldName, pdf.formenv.raw, annot).strip()
                    lines.append(f"[Form field {field}: {value}]")
            elif kind == c.FPDF_ANNOT_FILEATTACHMENT:
                raw = c.FPDFAnnot_GetFileAttachment(annot)
                if raw:
                    attachments.append(pdfium.PdfAttachment(raw, pdf))
            elif kind not in (c.FPDF_ANNOT_LINK, c.FPDF_ANNOT_POPUP, c.FPDF_ANNOT_WIDGET):
                note = _utf16(c.FPDFAnnot_GetStringValue, annot, b"Contents").strip()
                if note:
                    lines.append(f"[Comment: {note}]")
        finally:
            c.FPDFPage_CloseAnnot(annot)
    return lines


def _needs_ocr(text: str, page) -> bool:  # noqa: ANN001 - a raw FPDF_PAGE
    if len(text) >= STAMP_CHARS:
        return False
    enough = MIN_IMAGE_COVER if len(text) < MIN_PAGE_CHARS else SCAN_COVER
    return _image_cover(page, enough) >= enough


def _page_text(textpage) -> str:  # noqa: ANN001 - a raw FPDF_TEXTPAGE
    """The page's text as PdfTextPage.get_text_range() gives it, without its wrapper objects.

    Characters PDFium leaves out of the text at either end are skipped first: asked for a
    range that starts or ends on one, FPDFText_GetText reads past it (crbug.com/pdfium/2079).
    """
    import ctypes

    import pypdfium2.raw as c

    first, last = 0, c.FPDFText_CountChars(textpage) - 1
    while first <= last and c.FPDFText_GetTextIndexFromCharIndex(textpage, first) == -1:
        first += 1
    while last >= first and c.FPDFText_GetTextIndexFromCharIndex(textpage, last) == -1:
        last -= 1
    if first > last:
        return ""
    size = (c.FPDFText_GetTextIndexFromCharIndex(textpage, last)
            - c.FPDFText_GetTextIndexFromCharIndex(textpage, first) + 2)  # and the terminating NUL
    buf = ctypes.create_string_buffer(2 * size)
    got = c.FPDFText_GetText(textpage, first, last - first + 1, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
    return buf.raw[:2 * (got - 1)].decode("utf-16-le", "ignore") if got > 1 else ""


def _render(page):  # noqa: ANN001, ANN202 - PdfPage -> PIL image
    w, h = page.get_size()
    scale = OCR_DPI / 72
    longest = max(w, h) * scale
    if longest > 7000:  # large-format pages: keep the render within memory
        scale *= 7000 / longest
    return page.render(scale=scale, grayscale=True).to_pil()


def _attachments(pdf, name: str, ctx: IngestContext, more: list) -> list[Child]:  # noqa: ANN001
    """Embedded files (/EmbeddedFiles, and `more` from annotations): each a document in the PDF's family."""
    children: list[Child] = []
    total = 0
    for i, att in enumerate([pdf.get_attachment(i) for i in range(pdf.count_attachments())] + more):
        cname = (att.get_name() or "").strip().replace("/", "_") or f"attachment-{i + 1}"
        try:
            payload = bytes(att.get_data())
        except Exception:  # noqa: BLE001 - an attachment without a readable stream: an empty member
            payload = b""
        total += len(payload)
        if total > ctx.max_expanded_bytes:
            raise IngestError("container_bomb", f"{name}: its attachments expand past "
                              f"{ctx.max_expanded_bytes // 1024**2} MB; review the native")
        children.append(Child(name=cname, data=payload))
    return children


def _close_page(page, form) -> None:  # noqa: ANN001 - raw FPDF_PAGE and FPDF_FORMHANDLE (or None)
    import pypdfium2.raw as c

    if form:
        c.FORM_OnBeforeClosePage(page, form)
    c.FPDF_ClosePage(page)


def _pdfium_extract(data: bytes, name: str, ctx: IngestContext) -> Extracted:
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    pdf = _open(data, name, ctx.passwords)
    try:
        if pdf.get_formtype() != 0:  # forms: their values are only readable through a form environment
            log = logging.getLogger("pypdfium2._helpers.document")
            was, log.disabled = log.disabled, True  # its advice on XFA builds is for developers, not the log
            try:
                pdf.init_forms()
            finally:
                log.disabled = was
        pages: list[str] = []
        annotated: list = []
        ocr = False
        form = pdf.formenv.raw if pdf.formenv is not None else None
        # Raw PDFium page and text-page handles, closed as soon as read: pypdfium2's wrappers (a
        # finalizer and weak references each) cost about a twentieth of the extraction.
        for i in range(len(pdf)):
            page = c.FPDF_LoadPage(pdf.raw, i)
            if not page:  # a broken page tree: the caller falls back to pdfminer
                raise pdfium.PdfiumError(f"Failed to load page {i + 1}.")
            if form:
                c.FORM_OnAfterLoadPage(page, form)
            wrapped = None  # a PdfPage, only to render a page for OCR
            try:
                textpage = c.FPDFText_LoadPage(page)
                if not textpage:
                    raise pdfium.PdfiumError(f"Failed to load the text of page {i + 1}.")
                try:
                    text = clean_text(_page_text(textpage))
                finally:
                    c.FPDFText_ClosePage(textpage)
                if ctx.ocr and _needs_ocr(text, page):
                    from lpo.ingest.ocr import ocr_image

                    _close_page(page, form)
                    page = None  # closed: if loading it again fails, there is nothing left to close
                    wrapped = pdf[i]  # loaded again, through the wrapper that renders it
                    page = wrapped.raw
                    # The stamp's text layer stays: it is exact, OCR of the stamp may not be.
                    text, ocr = "\n".join(t for t in (text, ocr_image(_render(wrapped), name, i + 1)) if t), True
                notes = _annotations(pdf, page, annotated)
                if notes:
                    text = "\n".join([text, *notes]).strip()
            finally:
                if wrapped is not None:
                    wrapped.close()
                elif page:
                    _close_page(page, form)
            pages.append(text)
        info = {k: pdf.get_metadata_value(k) for k in ("Author", "Title", "CreationDate", "ModDate")}
        children = _attachments(pdf, name, ctx, annotated)
    finally:
        pdf.close()
    return Extracted(text=PAGE_SEPARATOR.join(pages), page_count=len(pages), author=_meta(info, "Author"),
                     title=_meta(info, "Title"), created=pdf_date(info.get("CreationDate")),
                     modified=pdf_date(info.get("ModDate")), ocr=ocr, children=children)


def _plumber_extract(data: bytes, name: str, ctx: IngestContext) -> Extracted:
    """The slow, tolerant path for files PDFium rejects (pdfminer rebuilds some broken xrefs)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [clean_text(p.extract_text() or "") for p in pdf.pages]
        info = pdf.metadata or {}
    return Extracted(text=PAGE_SEPARATOR.join(pages), page_count=len(pages), author=_meta(info, "Author"),
                     title=_meta(info, "Title"), created=pdf_date(info.get("CreationDate")),
                     modified=pdf_date(info.get("ModDate")))


@register
class PdfIngestor(Ingestor):
    name = "pdf"
    mime_types = ("application/pdf",)
    extensions = ("pdf",)

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return b"%PDF-" in data[:1024]

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        import pypdfium2 as pdfium

        try:
            return _pdfium_extract(data, name, ctx)
        except (pdfium.PdfiumError, ValueError, OSError) as e:  # a file PDFium cannot read: a second opinion
            first = e
        if looks_truncated(data):
            raise IngestError("truncated", f"{name}: the PDF is cut off (no end-of-file marker after its last "
                              "object); ask the client for a complete copy")
        try:
            return _plumber_extract(data, name, ctx)
        except Exception as e:  # noqa: BLE001 - pdfminer raises many types for broken files
            second = e
        raise IngestError("corrupt", f"{name}: the PDF cannot be parsed (PDFium: {first}; pdfminer: "
                          f"{type(second).__name__}: {str(second)[:200]}); ask the client for a fresh copy")


def pdf_words(data: bytes, page: int, password: str | None = None) -> list[dict]:
    """Words of one page (0-based) with their boxes in PDF points, origin top-left.

    Each word: {'text', 'x0', 'top', 'x1', 'bottom'}. Redaction draws its boxes from these.
    pdfplumber is slow (about 12 pages/s), so it runs only for the pages that need it.
    """
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data), password=password or "") as pdf:
        return [{k: w[k] for k in ("text", "x0", "top", "x1", "bottom")}
                for w in pdf.pages[page].extract_words(keep_blank_chars=False, use_text_flow=True)]
