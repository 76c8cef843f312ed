"""Valid seed files per parser family, made in-process: the fuzzer mutates these.

A mutation of a valid file gets past a parser's first checks and into its depths, where
random bytes never reach. Seeds are small on purpose (a few KB): a mutation is then
likely to hit structure, and each input parses in milliseconds. The legacy family
(.doc/.xls/.ppt) is made by LibreOffice from the OOXML seeds, once a machine (cached).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path

from lpo.fuzz.ole import msg_file

Seed = tuple[str, bytes]  # a file name (its extension matters to `pick`) and its bytes
MEMO = "The supply agreement pricing memo was sent to counsel on Friday afternoon."
WHEN = datetime(2023, 4, 15, 9, 30, tzinfo=UTC)


def pdf_seeds() -> list[Seed]:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    out = []
    for i, compress in enumerate((0, 1)):
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=letter, invariant=1, pageCompression=compress)
        c.setTitle("Pricing memo")
        c.setAuthor("Jane Doe")
        for page in (MEMO, "Second page: privileged draft\nCafé — 12,50 €"):
            for j, line in enumerate(page.split("\n")):
                c.drawString(72, 720 - j * 18, line)
            c.showPage()
        c.save()
        out.append((f"memo{i}.pdf", buf.getvalue()))
    # Form fields and an annotation: the AcroForm and annotation paths of the parser.
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, pageCompression=0)
    c.drawString(72, 720, "Purchase order")
    c.acroForm.textfield(name="buyer", value="Globex", x=72, y=600, width=200, height=20)
    c.linkURL("https://example.com/x", (72, 700, 200, 716))
    c.showPage()
    c.save()
    out.append(("form.pdf", buf.getvalue()))
    return out


def docx_seed() -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.author, d.core_properties.title = "Jane Doe", "Supply agreement"
    d.add_heading("Supply agreement", 1)
    d.add_paragraph(MEMO)
    t = d.add_table(rows=2, cols=2)
    t.rows[0].cells[0].text, t.rows[0].cells[1].text = "Price", "12.50"
    t.rows[1].cells[0].text = "Café"
    d.sections[0].header.paragraphs[0].text = "PRIVILEGED & CONFIDENTIAL"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def xlsx_seed() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Prices"
    ws.append(["Item", "Price", "Date"])
    ws.append(["Widget", 12.5, datetime(2023, 4, 15)])
    ws["E1"] = "=B2*2"
    wb.create_sheet("Notes").append(["call counsel before signing"])
    wb.properties.creator = "Bob Smith"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def pptx_seed() -> bytes:
    import pptx

    prs = pptx.Presentation()
    s = prs.slides.add_slide(prs.slide_layouts[1])
    s.shapes.title.text = "Project Falcon"
    s.placeholders[1].text = "Acquisition timeline"
    s.notes_slide.notes_text_frame.text = "Do not forward"
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def odf_seed(mimetype: str, body: str) -> bytes:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", WHEN.timetuple()[:6]), mimetype)
        z.writestr(zipfile.ZipInfo("content.xml", WHEN.timetuple()[:6]), f'<?xml version="1.0"?><office:document-content {ns}><office:body>{body}'
                                  "</office:body></office:document-content>", zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("meta.xml", WHEN.timetuple()[:6]), f'<?xml version="1.0"?><office:document-meta {ns}><office:meta>'
                               "<dc:title>Board minutes</dc:title><meta:initial-creator>Dan Green"
                               "</meta:initial-creator><meta:creation-date>2023-04-15T10:30:00"
                               "</meta:creation-date></office:meta></office:document-meta>")
    return buf.getvalue()


def fixed_zip(data: bytes) -> bytes:
    """The same zip with every member dated WHEN, and core.xml's dates too: writers stamp the
    time of saving, and a fuzz run must be the same run whenever it is repeated."""
    import re

    src, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2023-04-15T09:30:00Z", body)
            z.writestr(zipfile.ZipInfo(info.filename, WHEN.timetuple()[:6]), body, info.compress_type)
    return buf.getvalue()


def office_seeds() -> list[Seed]:
    return [("agreement.docx", fixed_zip(docx_seed())), ("prices.xlsx", fixed_zip(xlsx_seed())),
            ("falcon.pptx", fixed_zip(pptx_seed())),
            ("minutes.odt", odf_seed("application/vnd.oasis.opendocument.text",
                                     "<office:text><text:h>Minutes</text:h><text:p>Vote<text:s text:c='2'/>"
                                     "carried<text:tab/>7-2</text:p></office:text>")),
            ("rebates.ods", odf_seed("application/vnd.oasis.opendocument.spreadsheet",
                                     "<office:spreadsheet><table:table><table:table-row><table:table-cell>"
                                     "<text:p>Rebate</text:p></table:table-cell><table:table-cell "
                                     "table:number-columns-repeated='3'><text:p>4%</text:p></table:table-cell>"
                                     "</table:table-row></table:table></office:spreadsheet>"))]


def rtf_seeds() -> list[Seed]:
    return [("memo.rtf", rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times;}}"
                         rb"{\info{\title Settlement memo}{\author Jane Doe}{\creatim\yr2023\mo4\dy15\hr9\min5}}"
                         rb"\f0 Caf\'e9 meeting \u8212? privileged\par Second paragraph"
                         rb"{\pict\pngblip 89504e470d0a1a0a0000000d49484452}}"),
            ("table.rtf", rb"{\rtf1\ansi\ansicpg1251{\fonttbl{\f0\fcharset204 Arial;}}"
                          rb"\trowd\cellx1000\cellx2000 \'cf\'f0\'e8\cell 12.50\cell\row"
                          rb"{\*\bkmkstart x}{\field{\*\fldinst HYPERLINK http://x}{\fldrslt link}}\par}")]


def html_seeds() -> list[Seed]:
    return [("page.html", b'<!DOCTYPE html><html><head><meta charset="windows-1252"><title>Pricing</title>'
                          b'<meta name="author" content="Jane Doe"><script>var x = "<p>";</script>'
                          b"<style>p{}</style></head><body><h1>Memo</h1><p>Caf\xe9 &amp; counsel</p>"
                          b"<table><tr><td>Price</td><td>12.50</td></tr></table><ul><li>one<li>two</ul>"
                          b"<!-- note --><div><span>nested <b>bold <i>it</i></b></span></div></body></html>"),
            ("utf8.htm", '<?xml version="1.0"?><html><body><p>Ünïcödé — “quotes”</p><br/>'
                         "<pre>a\tb</pre><svg><text>hidden</text></svg></body></html>".encode())]


def csv_seeds() -> list[Seed]:
    return [("prices.csv", b'Item,Price,Note\r\nWidget,12.50,"multi\r\nline, quoted"\r\nCaf\xe9,3,x\r\n'),
            ("semi.csv", "Name;Betrag;Datum\nMüller;1.234,50;15.04.2023\n".encode()),
            ("data.tsv", b"a\tb\tc\n1\t2\t3\n")]


def text_seeds() -> list[Seed]:
    return [("memo.txt", MEMO.encode()),
            ("cp1252.txt", "Café façade — naïve".encode("cp1252")),
            ("bom16.txt", "\ufeffPricing memo — UTF-16".encode("utf-16-le")),
            ("nobom16.log", "Pricing memo in UTF-16 without a BOM".encode("utf-16-le")),
            ("sjis.txt", "契約書の価格メモ".encode("shift_jis")),
            ("notes.md", b"# Notes\n\n* counsel\n* **price**\n")]


def email_message(subject: str, html: bool = True, attach: bool = True) -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Jane Doe <jane@acme.com>"
    m["To"] = "Bob Smith <bob@acme.com>, =?utf-8?q?Ren=C3=A9e?= <renee@acme.com>"
    m["Cc"] = "counsel@lawfirm.com"
    m["Subject"] = subject
    m["Date"] = format_datetime(WHEN)
    m["Message-ID"] = "<1@acme.com>"
    m["References"] = "<0@acme.com>"
    m.set_content(MEMO + "\nCafé\n")
    if html:
        m.add_alternative(f"<html><body><p>{MEMO}</p><p>Caf&eacute;</p></body></html>", subtype="html")
    if attach:
        m.add_attachment(b"call counsel before signing", maintype="text", subtype="plain", filename="notes.txt")
        inner = EmailMessage()
        inner["Subject"], inner["From"] = "Forwarded", "x@y.com"
        inner.set_content("forwarded body")
        m.add_attachment(inner)
    for i, part in enumerate(p for p in m.walk() if p.is_multipart()):
        part.set_boundary(f"=_boundary{i}")  # email picks random ones: a run must repeat
    return m


def eml_seeds() -> list[Seed]:
    return [("memo.eml", email_message("Pricing memo").as_bytes()),
            ("plain.eml", email_message("=?iso-8859-1?q?Caf=E9?=", html=False, attach=False).as_bytes())]


def mbox_seeds() -> list[Seed]:
    parts = []
    for i in range(3):
        msg = email_message(f"Message {i}", html=i == 1, attach=i == 2).as_bytes()
        parts.append(b"From jane@acme.com Tue Apr  4 10:0%d:00 2023\n" % i + msg + b"\n")
    return [("inbox.mbox", b"".join(parts))]


def msg_seeds() -> list[Seed]:
    return [("memo.msg", msg_file("Pricing memo", MEMO + "\r\nCafé", "Jane Doe <jane@acme.com>",
                                  [("Bob Smith", "bob@acme.com")], [("notes.txt", b"call counsel")])),
            ("html.msg", msg_file("HTML only", "", "x@y.com", [], html="<p>Hello <b>there</b></p>"))]


def zip_seeds() -> list[Seed]:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("deep/readme.txt", WHEN.timetuple()[:6]), "nested member", zipfile.ZIP_DEFLATED)
    out = []
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", method) as z:
            for member, data in (("docs/memo.txt", MEMO), ("Café/prices.csv", "Item,Price\nWidget,12.50\n"),
                                 ("inner.zip", inner.getvalue()), ("empty/", b"")):
                z.writestr(zipfile.ZipInfo(member, WHEN.timetuple()[:6]), data, method)
        out.append((f"bundle{method}.zip", buf.getvalue()))
    return out


def image_seeds() -> list[Seed]:
    from PIL import Image, ImageDraw

    img = Image.new("L", (160, 40), 255)
    ImageDraw.Draw(img).text((4, 12), "INVOICE 12", fill=0)
    out = []
    for fmt, ext in (("PNG", "png"), ("TIFF", "tif"), ("JPEG", "jpg"), ("GIF", "gif"), ("BMP", "bmp")):
        buf = io.BytesIO()
        img.save(buf, format=fmt)
        out.append((f"scan.{ext}", buf.getvalue()))
    return out


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lpo-fuzz"


@lru_cache(maxsize=1)
def legacy_seeds() -> list[Seed]:
    """.doc/.xls/.ppt converted by LibreOffice from the OOXML seeds; empty when it is not installed."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        return []
    out = []
    for src_name, data, dst in (("agreement.docx", fixed_zip(docx_seed()), "doc"),
                                ("prices.xlsx", fixed_zip(xlsx_seed()), "xls"), ("falcon.pptx", fixed_zip(pptx_seed()), "ppt")):
        key = hashlib.sha256(data).hexdigest()[:16]
        cached = _cache_dir() / f"{key}.{dst}"
        if not cached.exists():
            with tempfile.TemporaryDirectory(prefix="lpo-fuzz-seed-") as tmp:
                src = Path(tmp) / src_name
                src.write_bytes(data)
                subprocess.run([exe, f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}", "--headless",
                                "--convert-to", dst, "--outdir", tmp, str(src)],
                               check=True, capture_output=True, timeout=300, env=dict(os.environ, HOME=tmp))
                cached.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src.with_suffix(f".{dst}"), cached)
        out.append((f"{src_name.rsplit('.', 1)[0]}.{dst}", cached.read_bytes()))
    return out


FAMILIES: dict[str, Callable[[], list[Seed]]] = {
    "pdf": pdf_seeds, "office": office_seeds, "legacy": legacy_seeds, "rtf": rtf_seeds, "html": html_seeds,
    "csv": csv_seeds, "text": text_seeds, "eml": eml_seeds, "mbox": mbox_seeds, "msg": msg_seeds,
    "zip": zip_seeds, "image": image_seeds,
}
