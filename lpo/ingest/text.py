"""Plain text in whatever encoding it came in: BOMs, UTF-8, BOM-less UTF-16, legacy code pages."""

from __future__ import annotations

import codecs

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)

BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
SAMPLE = 65536  # bytes the encoding is guessed from; the guess then decodes the whole file
CONTROL_BYTES = frozenset(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def bom_encoding(data: bytes) -> str | None:
    for bom, enc in BOMS:
        if data.startswith(bom):
            return enc
    return None


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'-be' when every other byte is NUL, as Latin-script UTF-16 is; else None."""
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if odd > 0.3 * pairs and even < 0.05 * pairs:
        return "utf-16-le"
    if even > 0.3 * pairs and odd < 0.05 * pairs:
        return "utf-16-be"
    return None


def legacy_encoding(sample: bytes) -> str:
    """A single- or multi-byte code page, guessed by charset-normalizer.

    Western text is ambiguous between Windows-1250 and -1252 for most accented letters;
    when 1252 explains the bytes as well as the best guess, take it: it is what Western
    office software wrote, and 'à' must not become 'ŕ'.
    """
    from charset_normalizer import from_bytes

    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        return "cp1252"
    for m in matches:
        if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01 \
                and "cp1252" in m.could_be_from_charset:
            return "cp1252"
    return best.encoding


def detect_encoding(data: bytes) -> str:
    enc = bom_encoding(data) or utf16_without_bom(data)
    if enc:
        return enc
    sample = data[:SAMPLE]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        if e.start >= len(sample) - 4 and len(data) > SAMPLE:  # a character cut at the sample's end
            return "utf-8"
    return legacy_encoding(sample)


def decode_text(data: bytes) -> str:
    """Text of any encoding, never an exception: undecodable bytes become U+FFFD."""
    try:
        enc = detect_encoding(data)
    except Exception:  # noqa: BLE001 - a detector bug must not lose the file
        enc = "cp1252"
    text = data.decode(enc, "replace")
    return text.removeprefix("\ufeff")


def looks_like_text(data: bytes) -> bool:
    """True for text in some encoding: a BOM, UTF-16, or bytes with no control characters."""
    if bom_encoding(data) or utf16_without_bom(data):
        return True
    head = data[:SAMPLE]
    return bool(head) and not any(b in CONTROL_BYTES for b in head)


@register
class TextIngestor(Ingestor):
    name = "text"
    mime_types = ("text/plain",)
    extensions = ("txt", "text", "log", "md", "markdown", "rst", "org", "json", "ndjson", "xml", "yaml", "yml",
                  "ini", "cfg", "conf", "tex", "srt", "vtt", "sql", "asc", "nfo")

    @classmethod
    def fallback(cls, data: bytes) -> bool:
        # Source code, logs, files without an extension: text if it decodes and has no control bytes.
        return looks_like_text(data)

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        if not looks_like_text(data[:4096]) and b"\x00" in data[:4096]:
            raise IngestError("unsupported", f"{name}: named as text but holds binary data; "
                              "check the file type and review the native")
        return Extracted(text=decode_text(data))
