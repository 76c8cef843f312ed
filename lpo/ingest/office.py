"""DOCX through python-docx: body paragraphs, tables, and core properties."""

from __future__ import annotations

import io
import zipfile

from lpo.ingest.base import DEFAULT_CONTEXT, Extracted, IngestContext, IngestError, Ingestor, register


@register
class DocxIngestor(Ingestor):
    name = "docx"
    mime_types = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",)
    extensions = ("docx",)

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            return "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return False

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        import docx

        try:
            d = docx.Document(io.BytesIO(data))
        except Exception as e:
            raise IngestError("corrupt", f"{name}: the Word document cannot be opened ({e}); "
                              "ask the client for a fresh copy") from None
        parts = [p.text for p in d.paragraphs]
        for table in d.tables:
            for row in table.rows:
                parts.append("\t".join(cell.text for cell in row.cells))
        cp = d.core_properties
        return Extracted(text="\n".join(parts), author=cp.author or None, title=cp.title or None,
                         created=cp.created, modified=cp.modified)
