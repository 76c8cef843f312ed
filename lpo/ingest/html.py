"""HTML: the text a browser would show (no scripts, styles or markup), and the title."""

from __future__ import annotations

import re

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)
from lpo.ingest.text import bom_encoding, legacy_encoding, utf16_without_bom

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
HTML_START = re.compile(r"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
SKIP = {"script", "style", "noscript", "template", "head", "svg", "object", "iframe"}
BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
         "header", "footer", "blockquote", "pre", "hr", "dt", "dd", "ul", "ol", "form", "address", "nav",
         "aside", "main", "figure", "figcaption", "caption", "title", "fieldset", "details", "summary"}
CELL = {"td", "th"}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # lxml refuses them; no browser shows them


def html_encoding(data: bytes) -> str:
    """BOM, BOM-less UTF-16, then the page's own <meta charset>, then UTF-8, then a guess."""
    import codecs

    enc = bom_encoding(data) or utf16_without_bom(data)
    if enc:
        return enc
    m = META_CHARSET.search(data[:4096])
    if m:
        try:
            name = codecs.lookup(m.group(1).decode("ascii")).name
            # Pages that say latin-1 are written by Windows software: browsers read them as cp1252.
            return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name
        except LookupError:
            pass
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return legacy_encoding(data[:65536])


def _head_text(data: bytes) -> str:
    head = data[:2048]
    enc = bom_encoding(head) or utf16_without_bom(head) or "latin-1"
    return head.decode(enc, "replace").lstrip("\ufeff")


def html_text(root) -> str:  # noqa: ANN001 - an lxml.html element
    out: list[str] = []

    def walk(el) -> None:  # noqa: ANN001
        tag = el.tag if isinstance(el.tag, str) else ""  # comments and processing instructions
        tag = tag.rsplit("}", 1)[-1].lower()
        if tag and tag not in SKIP:
            if el.text:
                out.append(el.text)
            for child in el:
                walk(child)
        if tag in CELL:
            out.append("\t")
        elif tag in BLOCK:
            out.append("\n")
        if el.tail:
            out.append(el.tail)

    walk(root)
    text = re.sub(r"[ \t\r\f\v\xa0]*\n[ \t\r\f\v\xa0]*", "\n", "".join(out))
    text = re.sub(r"[ \xa0]{2,}", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@register
class HtmlIngestor(Ingestor):
    name = "html"
    mime_types = ("text/html",)
    extensions = ("html", "htm", "xhtml", "shtml")

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return HTML_START.match(_head_text(data)) is not None

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        import lxml.html
        from lxml import etree

        try:
            text = data.decode(html_encoding(data), "replace")
            # lxml refuses str input that declares an encoding; the bytes are already decoded.
            text = re.sub(r"^\s*<\?xml[^>]*>", "", CONTROL.sub("", text.lstrip("\ufeff")))
            if not text.strip():
                return Extracted(text="")
            root = lxml.html.document_fromstring(text)
        except (etree.ParserError, ValueError, etree.LxmlError, RecursionError) as e:
            raise IngestError("corrupt", f"{name}: the HTML cannot be parsed ({e}); review the native") from None
        title_el = root.find(".//title")
        title = re.sub(r"\s+", " ", title_el.text_content()).strip() or None if title_el is not None else None
        author = next((m.get("content") for m in root.iter("meta")
                       if (m.get("name") or "").lower() == "author" and m.get("content")), None)
        try:
            body = html_text(root)
        except RecursionError:  # pathologically nested markup: the plain text content is still there
            body = re.sub(r"\s+", " ", root.text_content()).strip()
        return Extracted(text=(title + "\n\n" + body) if title and not body.startswith(title) else body,
                         title=title, author=author)
