"""Office documents: Word, Excel, PowerPoint (OOXML), OpenDocument, RTF.

OOXML and OpenDocument files are zips: each ingestor here claims a zip only by the
parts it holds (word/, xl/, ppt/, an OpenDocument 'mimetype'), so the zip container
ingestor gets the rest. Legacy binary formats (.doc, .xls, .ppt) go through LibreOffice
in `lpo.ingest.legacy` and end here on the converted bytes.
"""

from __future__ import annotations

import bisect
import io
import re
import zipfile
from datetime import date, datetime, time, timezone

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)

MAX_SHEET_ROWS = 100_000  # per sheet; a reviewer reads the native beyond that
MAX_CELLS = 2_000_000  # per workbook: about 50 MB of text
SLIDE_SEPARATOR = "\n\f"


def zip_names(data: bytes) -> list[str]:
    """Member names of a zip, or [] when the bytes are not a readable zip."""
    if not data.startswith(b"PK\x03\x04"):
        return []
    try:
        return zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):  # "zip file version 8.4"
        return []


def _ooxml_part(data: bytes, folder: str) -> bool:
    names = zip_names(data)
    return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


def check_zip(data: bytes, name: str, ctx: IngestContext) -> None:
    """Office files are zips too: refuse one that would expand into a bomb before a parser inflates it."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as e:
        # A zip's directory is at its end: a file that starts as a zip but has none was cut off.
        if data.startswith(b"PK\x03\x04") and b"PK\x05\x06" not in data[-66000:]:
            raise IngestError("truncated", f"{name}: the office file is cut off (its zip directory is "
                              "missing); ask the client for a complete copy") from None
        raise IngestError("corrupt", f"{name}: the office file's zip structure is damaged ({e}); "
                          "ask the client for a fresh copy") from None
    total = sum(i.file_size for i in infos)
    if total > ctx.max_expanded_bytes or (total > 100 * 1024**2 and total > ctx.max_expansion_ratio * len(data)):
        raise IngestError("container_bomb", f"{name}: its parts expand to {total // 1024**2} MB from "
                          f"{len(data) // 1024} KB; review the native with care")


def _utc(v: object) -> datetime | None:
    """Office dates are W3CDTF; one without a zone is UTC."""
    if not isinstance(v, datetime):
        return None
    return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)


CORE_NS = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
           "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/"}


def ooxml_core(data: bytes) -> dict:
    """Author, title, created and modified from docProps/core.xml, as the file has them.

    Read directly: python-docx, python-pptx and openpyxl fill in their own defaults when
    a property is missing ('Word Document', 'python-docx', today's date), and a made-up
    date or author must never reach a privilege log.
    """
    from lxml import etree

    try:
        xml = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml")
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except Exception:  # noqa: BLE001 - no core part, or a broken one: no metadata
        return {}

    def text(path: str) -> str | None:
        el = root.find(path, CORE_NS)
        return (el.text or "").strip() or None if el is not None else None

    return {"author": text("dc:creator"), "title": text("dc:title"),
            "created": _iso(text("dcterms:created")), "modified": _iso(text("dcterms:modified"))}


def _open_error(name: str, kind: str, e: Exception) -> IngestError:
    return IngestError("corrupt", f"{name}: the {kind} cannot be opened ({type(e).__name__}: {str(e)[:200]}); "
                       "ask the client for a fresh copy")


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCX_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")


def docx_xml_text(data: bytes) -> str | None:
    """Text of a .docx read straight from its XML parts; None when there is no document part."""
    from lxml import etree

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        parts = sorted((n for n in z.namelist() if DOCX_PARTS.fullmatch(n)), key=lambda n: n != "word/document.xml")
        if "word/document.xml" not in parts:
            return None
        out: list[str] = []
        for part in parts:
            root = etree.fromstring(z.read(part), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                  huge_tree=True, recover=True))
            for el in root.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}p"):
                out.append((el.text or "") if el.tag == f"{W}t" else "\t" if el.tag == f"{W}tab" else "\n")
        return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()
    except Exception:  # noqa: BLE001
        return None


@register
class DocxIngestor(Ingestor):
    name = "docx"
    mime_types = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",)
    extensions = ("docx", "docm", "dotx", "dotm")

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return _ooxml_part(data, "word/")

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        import docx

        check_zip(data, name, ctx)
        try:
            d = docx.Document(io.BytesIO(data))
            parts = [p.text for p in d.paragraphs]
            for table in d.tables:
                for row in table.rows:
                    parts.append("\t".join(cell.text for cell in row.cells))
            # Headers and footers carry privilege legends and dates a reviewer must see.
            seen: set[str] = set()
            for s in d.sections:
                for hf in (s.header, s.footer):
                    t = "\n".join(p.text for p in hf.paragraphs).strip()
                    if t and t not in seen:
                        seen.add(t)
                        parts.append(t)
        except Exception as e:  # noqa: BLE001 - python-docx and lxml raise many types
            # python-docx refuses some valid files (odd table grids): the XML still has the words.
            text = docx_xml_text(data)
            if text is None:
                raise _open_error(name, "Word document", e) from None
            return Extracted(text=text, **ooxml_core(data))
        return Extracted(text="\n".join(parts), **ooxml_core(data))


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (date, time)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@register
class XlsxIngestor(Ingestor):
    name = "xlsx"
    mime_types = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
    extensions = ("xlsx", "xlsm", "xltx", "xltm")

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return _ooxml_part(data, "xl/")

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        import openpyxl

        check_zip(data, name, ctx)
        try:
            # read_only streams rows; data_only gives the values Excel showed, not formulas.
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001
            raise _open_error(name, "Excel workbook", e) from None
        parts: list[str] = []
        cells = 0
        try:
            for ws in wb.worksheets:
                parts.append(f"Sheet: {ws.title}")
                rows = 0
                for row in ws.iter_rows(values_only=True):
                    values = [_cell(v) for v in row]
                    while values and not values[-1]:
                        values.pop()
                    if not values:
                        continue
                    rows += 1
                    cells += len(values)
                    if rows > MAX_SHEET_ROWS or cells > MAX_CELLS:
                        parts.append(f"[lpo: sheet '{ws.title}' has more rows than were extracted "
                                     f"(limits: {MAX_SHEET_ROWS} rows a sheet, {MAX_CELLS} cells a workbook); "
                                     "review the native for the rest]")
                        break
                    parts.append("\t".join(values))
                if cells > MAX_CELLS:
                    break
        except IngestError:
            raise
        except Exception as e:  # noqa: BLE001
            raise _open_error(name, "Excel workbook", e) from None
        finally:
            wb.close()
        return Extracted(text="\n".join(parts), **ooxml_core(data))


def _shape_text(shape) -> list[str]:  # noqa: ANN001 - a python-pptx shape
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        return [t for s in shape.shapes for t in _shape_text(s)]
    if getattr(shape, "has_table", False) and shape.has_table:
        return ["\t".join(c.text for c in row.cells) for row in shape.table.rows]
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return [shape.text_frame.text]
    return []


@register
class PptxIngestor(Ingestor):
    name = "pptx"
    mime_types = ("application/vnd.openxmlformats-officedocument.presentationml.presentation",)
    extensions = ("pptx", "pptm", "ppsx", "potx")

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return _ooxml_part(data, "ppt/")

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        import pptx

        check_zip(data, name, ctx)
        try:
            prs = pptx.Presentation(io.BytesIO(data))
            slides = []
            for slide in prs.slides:
                parts = [t for shape in slide.shapes for t in _shape_text(shape)]
                if slide.has_notes_slide:  # speaker notes are often where the candid words are
                    notes = slide.notes_slide.notes_text_frame
                    if notes is not None and notes.text.strip():
                        parts.append("Notes: " + notes.text)
                slides.append("\n".join(p for p in parts if p.strip()))
        except Exception as e:  # noqa: BLE001
            raise _open_error(name, "PowerPoint presentation", e) from None
        return Extracted(text=SLIDE_SEPARATOR.join(slides), page_count=len(slides), **ooxml_core(data))


# OpenDocument: the XML is simple enough to walk directly (no odfpy needed to read it).
ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODF_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
DC = "http://purl.org/dc/elements/1.1/"
BLOCKS = {f"{{{ODF_TEXT}}}p", f"{{{ODF_TEXT}}}h", f"{{{ODF_TABLE}}}table-row"}


def odf_mimetype(data: bytes) -> str | None:
    """The 'mimetype' member an OpenDocument zip must hold, e.g. application/vnd.oasis.opendocument.text."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    if data[30:38] == b"mimetype":  # stored first and uncompressed, as the standard asks
        m = data[38:38 + 80].split(b"PK", 1)[0]
        return m.decode("ascii", "replace") if m.startswith(b"application/vnd.oasis.opendocument") else None
    try:
        m = zipfile.ZipFile(io.BytesIO(data)).read("mimetype")[:100]
    except (KeyError, zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        return None
    return m.decode("ascii", "replace") if m.startswith(b"application/vnd.oasis.opendocument") else None


def _odf_text(root) -> tuple[str, int]:  # noqa: ANN001 - lxml element; returns text and draw:page count
    out: list[str] = []
    pages = 0

    def walk(el, in_cell: bool = False) -> None:  # noqa: ANN001
        nonlocal pages
        tag = el.tag
        in_cell = in_cell or tag == f"{{{ODF_TABLE}}}table-cell"
        if tag == f"{{{ODF_TEXT}}}s":
            out.append(" " * int(el.get(f"{{{ODF_TEXT}}}c", "1") or 1))
        elif tag == f"{{{ODF_TEXT}}}tab":
            out.append("\t")
        elif tag == f"{{{ODF_TEXT}}}line-break":
            out.append("\n")
        elif tag == f"{{{ODF_DRAW}}}page":
            if pages:
                out.append(SLIDE_SEPARATOR)
            pages += 1
        if el.text and tag not in (f"{{{ODF_TEXT}}}s", f"{{{ODF_TEXT}}}tab"):
            out.append(el.text)
        for child in el:
            walk(child, in_cell)
            if child.tail:
                out.append(child.tail)
        if tag == f"{{{ODF_TABLE}}}table-cell":
            out.append("\t")
        elif tag in BLOCKS:
            out.append(" " if in_cell else "\n")  # paragraphs inside a cell stay in that cell

    walk(root)
    text = re.sub(r" +\t", "\t", "".join(out))
    text = re.sub(r"\t+\n", "\n", text)  # trailing empty cells of repeated columns
    return re.sub(r"\n{3,}", "\n\n", text).strip(), pages


@register
class OdfIngestor(Ingestor):
    name = "odf"
    mime_types = ("application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
                  "application/vnd.oasis.opendocument.presentation")
    extensions = ("odt", "ods", "odp", "ott", "ots", "otp", "odg")

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return odf_mimetype(data) is not None

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        from lxml import etree

        check_zip(data, name, ctx)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, recover=True)
        try:
            z = zipfile.ZipFile(io.BytesIO(data))
            root = etree.fromstring(z.read("content.xml"), parser)
            if root is None:
                raise ValueError("content.xml is empty")
            body = root.find(f"{{{ODF_OFFICE}}}body")
            text, pages = _odf_text(body if body is not None else root)
            meta = etree.fromstring(z.read("meta.xml"), parser) if "meta.xml" in z.namelist() else None
        except Exception as e:  # noqa: BLE001 - zlib, zipfile and lxml errors on damaged members
            raise _open_error(name, "OpenDocument file", e) from None

        def field(ns: str, tag: str) -> str | None:
            el = meta.find(f".//{{{ns}}}{tag}") if meta is not None else None
            return (el.text or "").strip() or None if el is not None else None

        return Extracted(text=text, page_count=pages or None, title=field(DC, "title"),
                         author=field(ODF_META, "initial-creator") or field(DC, "creator"),
                         created=_iso(field(ODF_META, "creation-date")), modified=_iso(field(DC, "date")))


def _iso(v: str | None) -> datetime | None:
    if not v:
        return None
    try:
        return _utc(datetime.fromisoformat(v.replace("Z", "+00:00")[:32]))
    except ValueError:
        try:
            return _utc(datetime.fromisoformat(v[:19]))
        except ValueError:
            return None


# RTF: striprtf reads the text (code pages and \uN escapes included); the \info group has the metadata.
RTF_PICT = re.compile(r"\{(?:\\\*)?\\(?:pict|objdata|blipuid|datastore|themedata|colorschememapping)\b")
RTF_INFO = re.compile(r"\{\\(title|author|creatim|revtim)\b((?:[^{}]|\{[^{}]*\})*)\}")
RTF_TIME = re.compile(r"\\(yr|mo|dy|hr|min)(\d+)")


RTF_BRACE = re.compile(r"\\[{}\\]|[{}]")


def _drop_groups(rtf: str, start: re.Pattern) -> str:
    """Remove groups such as {\\pict ...} by brace counting: hex image data is most of a big RTF."""
    out, pos = [], 0
    for m in start.finditer(rtf):
        if m.start() < pos:
            continue
        out.append(rtf[pos:m.start()])
        depth, end = 0, len(rtf)
        for b in RTF_BRACE.finditer(rtf, m.start()):
            t = b.group()
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if depth == 0:
                    end = b.end()
                    break
        pos = end
    out.append(rtf[pos:])
    return "".join(out)


# striprtf runs backtracking regexes over the whole document: its font-table pattern goes quadratic or
# worse when {\fonttbl is unclosed or its entries lack ';', its HYPERLINK pattern when a {\field group
# fails to match on a long line. A damaged file then hangs until the worker is killed, so defuse_rtf
# reshapes just those parts, in linear time; well-formed RTF comes back unchanged.
RTF_FONTTBL_START = re.compile(r"{[^{}]*\\fonttbl")  # where striprtf's font_table_group starts
RTF_ANY_BRACE = re.compile(r"[{}]")  # striprtf counts escaped braces too: same slice as it takes
RTF_TOKEN = re.compile(r"\\([a-zA-Z]+)-?\d*|\\.|[{}]", re.S)
# Body words never found in a font table: where a runaway \fonttbl must have ended.
RTF_BODY_WORDS = frozenset(
    "pard par plain sectd sect page line tab cell row trowd intbl ltrpar rtlpar colortbl stylesheet info "
    "listtable listoverridetable rsidtbl generator xmlnstbl latentstyles themedata colorschememapping "
    "datastore mmathPr viewkind viewscale paperw paperh margl margr margt margb deftab widowctrl field "
    "fldinst fldrslt header footer pntext qc qj ql qr li ri sb sa cf highlight".split())
RTF_FONT = re.compile(r"\\f(\d+)")
RTF_CHARSET = re.compile(r"\\fcharset(\d+)")
RTF_FONT_SEMI = re.compile(r"[^;];")  # striprtf's name part ([^;]+); needs one non-';' before the ';'
RTF_FONT_BUDGET = 50  # regex steps per character of font table beyond which striprtf is left a plain table
RTF_FIELD = re.compile(r"\{\\field\{\s*\\\*\\fldinst\{")  # start of striprtf's HYPERLINKS pattern
RTF_FIELD_BUDGET = 32_000_000  # ~0.2 s of that pattern failing on one line


def _close_font_table(rtf: str) -> str:
    """End a font table that runs into the body (missing '}') before the first body word, so the
    text after it is read rather than hidden as font names."""
    start = RTF_FONTTBL_START.search(rtf)
    if not start:
        return rtf
    depth, group, prev = 1, None, start.end()
    for t in RTF_TOKEN.finditer(rtf, start.end()):
        tok = t.group()
        if tok == "{":
            depth, group = depth + 1, t.start()
        elif tok == "}":
            depth -= 1
            if depth == 0:
                return rtf
        elif t.group(1) in RTF_BODY_WORDS:
            cut = t.start()
            if group is not None and prev == t.start():  # '{\colortbl' or '{\*\generator': the group is body too
                cut, depth = group, depth - 1
            return rtf[:cut] + "}" * depth + rtf[cut:]
        elif tok != "\\*" or prev != t.start():
            group = None
        prev = t.end()
    return rtf


def _font_regex_cost(table: str) -> float:
    """Upper estimate of the steps striprtf's FONTTABLE regex takes on this slice (inf: catastrophic)."""
    charsets = list(RTF_CHARSET.finditer(table))
    at = [m.start() for m in charsets]
    lines = [m.start() for m in re.finditer("\n", table)] + [len(table)]
    semis = [m.end() - 1 for m in RTF_FONT_SEMI.finditer(table)]
    cost = 0.0
    for f in RTF_FONT.finditer(table):
        e = f.end()
        eol = lines[bisect.bisect_left(lines, e)]
        i = bisect.bisect_left(at, e)
        if i == len(at) or at[i] > eol:  # no \fcharset on the line: scanned to its end, once per digit
            cost += (eol - e) * len(f.group(1))
            continue
        j = bisect.bisect_left(semis, charsets[i].end() + 1)
        if j == len(semis):  # no ';' left: every split of the line is retried against the rest
            return float("inf")
        cost += semis[j] - e
    return cost


def _plain_font_table(table: str) -> str:
    """The font table as striprtf needs it (number, charset) in entries its regex reads in one pass."""
    fonts = list(RTF_FONT.finditer(table))
    entries = []
    for f, nxt in zip(fonts, fonts[1:] + [None]):
        cs = RTF_CHARSET.search(table, f.end(), nxt.start() if nxt else len(table))
        if cs and len(f.group(1)) <= 9 and len(cs.group(1)) <= 3:
            entries.append(f"{{\\f{f.group(1)}\\fcharset{cs.group(1)} F;}}")
    return "{\\fonttbl" + "".join(entries) + "}"


def _tame_font_table(rtf: str) -> str:
    start = RTF_FONTTBL_START.search(rtf)
    if not start:
        return rtf
    depth, end = 1, len(rtf)
    for b in RTF_ANY_BRACE.finditer(rtf, start.end()):
        depth += 1 if b.group() == "{" else -1
        if depth == 0:
            end = b.end()
            break
    table = rtf[start.start():end]
    if _font_regex_cost(table) <= RTF_FONT_BUDGET * len(table) + 1_000_000:
        return rtf
    return rtf[:start.start()] + _plain_font_table(table) + rtf[end:]


def _tame_fields(rtf: str) -> str:
    """On a line where striprtf's HYPERLINKS pattern could backtrack for long, write '{\\field {' for
    '{\\field{': the same RTF to a reader, but the pattern no longer starts there (the '(url)' it
    appends to link text is lost on that line)."""
    if "\\field" not in rtf:
        return rtf
    out, pos = [], 0
    for line in re.finditer(r"[^\n]*\n?", rtf):
        starts = len(RTF_FIELD.findall(line.group()))
        if not starts:
            continue
        nxt = rtf.find("\n", line.end())
        span = (nxt if nxt >= 0 else len(rtf)) - line.start()  # the pattern's \s+ may reach the next line
        links = line.group().count("HYPERLINK")
        if starts * (1 + links) * span * span > RTF_FIELD_BUDGET:
            out.append(rtf[pos:line.start()])
            out.append(line.group().replace("{\\field{", "{\\field {"))
            pos = line.end()
    out.append(rtf[pos:])
    return "".join(out)


def defuse_rtf(rtf: str) -> str:
    """RTF text safe for striprtf.rtf_to_text in time linear in its size (see the note above)."""
    return _tame_fields(_tame_font_table(_close_font_table(rtf)))


def _rtf_time(v: str) -> datetime | None:
    parts = dict(RTF_TIME.findall(v))
    try:
        return datetime(int(parts["yr"]), int(parts.get("mo", 1)), int(parts.get("dy", 1)),
                        int(parts.get("hr", 0)), int(parts.get("min", 0)), tzinfo=timezone.utc)
    except (KeyError, ValueError, OverflowError):  # \yr99999999999: a damaged date is no date
        return None


@register
class RtfIngestor(Ingestor):
    name = "rtf"
    mime_types = ("application/rtf",)
    extensions = ("rtf",)

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return data.lstrip()[:5] == b"{\\rtf"

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        from striprtf.striprtf import rtf_to_text

        rtf = data.decode("latin-1")  # RTF is 7-bit; \'xx escapes carry the code page bytes
        info = {k: v for k, v in RTF_INFO.findall(rtf[:200_000])}
        try:
            text = rtf_to_text(defuse_rtf(_drop_groups(rtf, RTF_PICT)), errors="replace")
        except Exception as e:  # noqa: BLE001 - striprtf raises on malformed control words
            raise _open_error(name, "RTF document", e) from None

        def plain(k: str) -> str | None:
            v = info.get(k)
            if v is None:
                return None
            try:
                return rtf_to_text(defuse_rtf("{\\rtf1 " + v + "}"), errors="replace").strip() or None
            except Exception:  # noqa: BLE001
                return None

        return Extracted(text=text.strip(), title=plain("title"), author=plain("author"),
                         created=_rtf_time(info.get("creatim", "")), modified=_rtf_time(info.get("revtim", "")))
