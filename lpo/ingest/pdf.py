"""PDF through pdfplumber: text in reading order; word coordinates are there for redaction."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from lpo.ingest.base import DEFAULT_CONTEXT, Extracted, IngestContext, IngestError, Ingestor, register


def pdf_date(v: object) -> datetime | None:
    """PDF dates look like D:20230415103000+02'00'."""
    if isinstance(v, bytes):
        v = v.decode("latin-1", "replace")
    if not isinstance(v, str):
        return None
    s = v[2:] if v.startswith("D:") else v
    try:
        return datetime.strptime(s[:14], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _meta(info: dict, key: str) -> str | None:
    v = info.get(key)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    return str(v).strip() or None if v is not None else None


def _encrypted(e: BaseException | None) -> bool:
    """pdfplumber wraps pdfminer's password errors; look down the chain."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    seen = 0
    while e is not None and seen < 5:
        if isinstance(e, (PDFPasswordIncorrect, PDFEncryptionError)) or any(
                isinstance(a, (PDFPasswordIncorrect, PDFEncryptionError)) for a in getattr(e, "args", ())):
            return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


@register
class PdfIngestor(Ingestor):
    name = "pdf"
    mime_types = ("application/pdf",)
    extensions = ("pdf",)

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return b"%PDF-" in data[:1024]

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        import pdfplumber

        try:  # pdfminer raises many types for broken files
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                pages = [p.extract_text() or "" for p in pdf.pages]
                info = pdf.metadata or {}
        except Exception as e:
            if _encrypted(e):
                raise IngestError("encrypted", f"{name}: the PDF is password-protected; "
                                  "ask the client for the password and re-ingest") from None
            raise IngestError("corrupt", f"{name}: the PDF cannot be parsed ({type(e).__name__}: {e}); "
                              "ask the client for a fresh copy") from None
        return Extracted(text="\n\f".join(pages), page_count=len(pages), author=_meta(info, "Author"),
                         title=_meta(info, "Title"), created=pdf_date(info.get("CreationDate")),
                         modified=pdf_date(info.get("ModDate")))
