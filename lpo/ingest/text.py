"""Plain text in whatever encoding it came in."""

from __future__ import annotations

import codecs

from lpo.ingest.base import DEFAULT_CONTEXT, Extracted, IngestContext, IngestError, Ingestor, register

BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes) -> str:
    """BOM, then UTF-8, then BOM-less UTF-16 (many NULs), then Windows-1252: legacy office text."""
    for bom, enc in BOMS:
        if data.startswith(bom):
            return data.decode(enc, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if data[1:200:2].count(0) > 40:
        return data.decode("utf-16-le", "replace")
    return data.decode("cp1252", "replace")


@register
class TextIngestor(Ingestor):
    name = "text"
    mime_types = ("text/plain",)
    extensions = ("txt", "text", "log", "md")

    @classmethod
    def fallback(cls, data: bytes) -> bool:
        # Source code, logs, files without an extension: UTF-8 with no control bytes is text.
        head = data[:65536]
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start < len(head) - 4:  # not just a multi-byte character cut at the sample's end
                return False
        return not any(b < 9 or 13 < b < 32 for b in head if b != 27)

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
                and data[1:200:2].count(0) <= 40:
            raise IngestError("binary", f"{name}: named as text but holds binary data; check the file type")
        return Extracted(text=decode_text(data))
