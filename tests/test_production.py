"""Production of a volume: Bates, images, text, natives, DAT/OPT, privilege log, manifest.

Everything is synthetic and built here: PDF natives made with reportlab, a text
email family with attachments, a standalone text file, documents with redactions
and documents withheld for privilege.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from lpo.matter import ProductionConfig
from lpo.models import (Designation, Document, EmailFields, Privilege, RedactionSpan, ReviewDecision,
                        Stage)
from lpo.production import (DAT_FIELDS, ProductionError, ProductionItem, parse_bates, produce_volume,
                            read_dat, read_opt, read_privlog, read_privlog_xlsx, verify_manifest,
                            volume_relative)
from lpo.production import render, volume as volume_mod
from lpo.production.redact import Segment, resolve_spans, segments

CONFIG = ProductionConfig(prefix="ACME", start=1, padding=8)
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "loadfiles" / "relativity-import-samples"

# Strings that must never reach a produced file.
SECRET = "settlement authority of ZEBRA-7734"         # redacted from the email DOC0001
PDF_SECRET = "QUOKKA-5521 litigation reserve"         # redacted from the PDF DOC0006
WITHHELD_SECRET = "PANGOLIN-9090 advice of counsel"   # text of withheld documents


# ---------------------------------------------------------------- builders

def make_pdf(path: Path, pages: int, label: str, to_bottom: bool = False, extra: str = "") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 12)
        c.drawString(72, 720, f"{label} page {n} of {pages} {extra}")
        for i in range(20):
            c.drawString(72, 690 - 18 * i, f"Line {i} of the body of {label}, page {n}.")
        if to_bottom:  # content down to the bottom edge: the endorsement must not cover it
            c.rect(36, 4, 540, 20, stroke=1, fill=1)
        c.showPage()
    c.save()
    data = buf.getvalue()
    path.write_bytes(data)
    return data


def make_doc(tmp: Path, cn: str, data: bytes, ext: str, family: str | None = None, parent: str | None = None,
             email: EmailFields | None = None, mime: str = "text/plain") -> tuple[Document, Path]:
    native = tmp / "content" / hashlib.sha256(data).hexdigest()
    native.parent.mkdir(parents=True, exist_ok=True)
    native.write_bytes(data)
    doc = Document(
        control_number=cn, custodian="Jane Roe", parent=parent, family_id=family or cn,
        md5=hashlib.md5(data).hexdigest(), sha1=hashlib.sha1(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(), source_path=f"roe/{cn}.{ext}", file_name=f"{cn}.{ext}",
        extension=ext, mime_type=mime, size=len(data), created=datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc),
        email=email)
    return doc, native


_ann = iter(range(1, 10_000))


def decide(cn: str, responsive: bool | None = True, privilege: Privilege = Privilege.not_privileged,
           redactions: list[RedactionSpan] | None = None, designation: Designation | None = Designation.confidential,
           note: str | None = None, issues: list[str] | None = None) -> ReviewDecision:
    return ReviewDecision(
        control_number=cn, stage=Stage.qa, reviewer="attorney@firm", decided_at=datetime.now(timezone.utc),
        responsive=responsive, privilege=privilege, redactions=redactions or [], designation=designation,
        note=note, issue_codes=issues or [], site="onshore-qa", project_id=1, task_id=1, annotation_id=next(_ann))


def span(text: str, needle: str, reason: str) -> RedactionSpan:
    start = text.index(needle)
    return RedactionSpan(start=start, end=start + len(needle), reason=reason, text=needle)


def build_corpus(t: Path) -> dict:
    """Items in production order and the withheld documents."""
    # Extracted text as ingest makes it: the header lines, a blank line, the body.
    body = (f"From: John Doe <john@acme.com>\nTo: Jane Roe <jane@acme.com>\nCc: legal@acme.com\n"
            f"Date: 2024-03-04T15:02:00+00:00\nSubject: Fwd: {SECRET}\nAttachments: plan.pdf; memo.txt\n\n"
            "Team,\n\nPer our call with outside counsel, the " + SECRET + " stands until Friday.\n"
            "Please keep the negotiation schedule as planned.\n\nRegards,\nJohn")
    eml = (f"From: john@acme.com\nTo: jane@acme.com\nSubject: Fwd: {SECRET}\n\n{body}").encode()
    email = EmailFields.model_validate({
        "from": "John Doe <john@acme.com>", "to": ["Jane Roe <jane@acme.com>"], "cc": ["legal@acme.com"],
        "subject": f"Fwd: {SECRET}", "sent": datetime(2024, 3, 4, 15, 2, tzinfo=timezone.utc),
        "attachment_names": ["plan.pdf", "memo.txt"]})
    d1, n1 = make_doc(t, "DOC0001", eml, "eml", email=email, mime="message/rfc822")
    pdf2 = make_pdf(t / "plan.pdf", 3, "Plan")
    d2, n2 = make_doc(t, "DOC0002", pdf2, "pdf", family="DOC0001", parent="DOC0001", mime="application/pdf")
    memo = "Memo to counsel: " + WITHHELD_SECRET + "\n"
    d3, n3 = make_doc(t, "DOC0003", memo.encode(), "txt", family="DOC0001", parent="DOC0001")
    long_text = "\n".join(f"Line {i}: " + "word " * (5 + i % 40) for i in range(150))
    d4, n4 = make_doc(t, "DOC0004", long_text.encode(), "txt")
    pdf5 = make_pdf(t / "edge.pdf", 1, "Edge", to_bottom=True)
    d5, n5 = make_doc(t, "DOC0005", pdf5, "pdf", mime="application/pdf")
    pdf6 = make_pdf(t / "reserve.pdf", 2, "Reserve", extra=PDF_SECRET)
    text6 = "Quarterly report.\nThe " + PDF_SECRET + " was discussed.\nEnd of report."
    d6, n6 = make_doc(t, "DOC0006", pdf6, "pdf", mime="application/pdf")
    wp = "Draft by counsel: " + WITHHELD_SECRET
    email7 = EmailFields.model_validate({"from": "counsel@lawfirm.com", "to": ["john@acme.com"],
                                         "subject": "Litigation hold analysis",
                                         "sent": datetime(2024, 2, 1, 8, 0, tzinfo=timezone.utc)})
    d7, n7 = make_doc(t, "DOC0007", wp.encode(), "eml", email=email7, mime="message/rfc822")
    items = [
        ProductionItem(d1, n1, body, decide("DOC0001", privilege=Privilege.partial,
                                            redactions=[span(body, SECRET, "Attorney-Client")])),
        ProductionItem(d2, n2, "Plan text", decide("DOC0002")),
        ProductionItem(d4, n4, long_text, decide("DOC0004", designation=None)),
        ProductionItem(d5, n5, "Edge text", decide("DOC0005", designation=Designation.highly_confidential_aeo)),
        ProductionItem(d6, n6, text6, decide("DOC0006", redactions=[span(text6, PDF_SECRET, "Privileged")])),
    ]
    withheld = [
        ProductionItem(d3, n3, memo, decide("DOC0003", privilege=Privilege.attorney_client, issues=["MERGER"])),
        ProductionItem(d7, n7, wp, decide("DOC0007", privilege=Privilege.work_product,
                                          note="Memorandum prepared by counsel in anticipation of litigation")),
    ]
    return {"items": items, "withheld": withheld, "out": t / "out"}


@pytest.fixture()
def corpus(tmp_path: Path) -> dict:
    return build_corpus(tmp_path)


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    """One volume, produced once for the module's read-only checks."""
    corpus = build_corpus(tmp_path_factory.mktemp("production"))
    with pytest.MonkeyPatch.context() as mp:
        # Force the process pool even for this small volume, so that path is tested too.
        mp.setattr(volume_mod, "PARALLEL_MIN_PAGES", 1)
        mp.setattr(volume_mod, "ENDORSE_PARALLEL_MIN_PAGES", 1)
        result = produce_volume(corpus["items"], corpus["withheld"], corpus["out"], CONFIG, "VOL001", CONFIG.start,
                                workers=2, issue_labels={"MERGER": "the proposed merger"})
    return corpus, result


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# ---------------------------------------------------------------- tests

def test_layout_and_records(produced):
    corpus, result = produced
    vol = result.paths.volume_dir
    assert vol == corpus["out"] / "VOL001" and vol.is_dir()
    assert not any(p.name.startswith(".") for p in corpus["out"].iterdir()), "staging folders left behind"
    assert result.paths.dat == vol / "DATA" / "VOL001.dat" and result.paths.opt == vol / "DATA" / "VOL001.opt"
    assert (vol / "privilege_log.csv").is_file() and (vol / "manifest.json").is_file()
    assert [d.control_number for d in result.documents] == ["DOC0001", "DOC0002", "DOC0004", "DOC0005", "DOC0006"]
    p = result.production
    assert (p.volume, p.prefix, p.documents, p.withheld) == ("VOL001", "ACME", 5, 2)
    assert p.pages == sum(d.pages for d in result.documents)
    assert p.begin_bates == "ACME00000001" and p.end_bates == result.documents[-1].end_bates
    assert result.next_number == CONFIG.start + p.pages
    for d in result.documents:
        assert (vol / d.text_path).is_file()
        assert d.text_path == f"TEXT/0001/{d.beg_bates}.txt"
        assert [Path(i).name for i in d.image_paths] == [f"{b}.tif" for b in bates_range(d.beg_bates, d.end_bates)]
        assert all((vol / i).is_file() for i in d.image_paths)
    docs = {d.control_number: d for d in result.documents}
    assert docs["DOC0002"].pages == 3 and docs["DOC0005"].pages == 1
    assert docs["DOC0004"].pages >= 3, "150 wrapped lines need several pages"


def bates_range(beg: str, end: str) -> list[str]:
    return [f"ACME{n:08d}" for n in range(parse_bates(beg, "ACME"), parse_bates(end, "ACME") + 1)]


def test_bates_contiguous_unique_and_attachment_ranges(produced):
    _, result = produced
    pages = [b for d in result.documents for b in bates_range(d.beg_bates, d.end_bates)]
    numbers = [parse_bates(b, "ACME") for b in pages]
    assert numbers == list(range(1, len(numbers) + 1)), "one Bates number per page, contiguous from the start"
    assert len(set(pages)) == len(pages)
    tifs = sorted(p.stem for p in (result.paths.volume_dir / "IMAGES").rglob("*.tif"))
    assert tifs == sorted(pages)
    docs = {d.control_number: d for d in result.documents}
    family = (docs["DOC0001"].beg_bates, docs["DOC0002"].end_bates)
    for cn in ("DOC0001", "DOC0002"):
        assert (docs[cn].beg_attach, docs[cn].end_attach) == family
    for cn in ("DOC0004", "DOC0005", "DOC0006"):
        assert (docs[cn].beg_attach, docs[cn].end_attach) == (docs[cn].beg_bates, docs[cn].end_bates)


def test_dat(produced):
    _, result = produced
    raw = result.paths.dat.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, like Relativity's samples"
    text = raw[3:].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[-1] == "" and "\n" not in "".join(lines), "CRLF line ends only"
    lines = lines[:-1]
    assert len(lines) == 1 + len(result.documents)
    for line in lines:
        fields = line.split("\x14")
        assert len(fields) == len(DAT_FIELDS)
        assert all(f.startswith("\u00fe") and f.endswith("\u00fe") and len(f) >= 2 for f in fields)
    assert [f[1:-1] for f in lines[0].split("\x14")] == DAT_FIELDS
    rows = read_dat(result.paths.dat)
    assert len(rows) == len(result.documents)
    vol = result.paths.volume_dir
    for row, d in zip(rows, result.documents):
        assert (row["BEGBATES"], row["ENDBATES"], row["BEGATTACH"], row["ENDATTACH"]) == \
            (d.beg_bates, d.end_bates, d.beg_attach, d.end_attach)
        assert row["TEXTPATH"].startswith(".\\VOL001\\TEXT\\") and "/" not in row["TEXTPATH"]
        assert volume_relative(row["TEXTPATH"], "VOL001") == d.text_path
        assert (vol / volume_relative(row["TEXTPATH"], "VOL001")).is_file()
        if d.native_path:
            assert (vol / volume_relative(row["NATIVEPATH"], "VOL001")).is_file()
        else:
            assert row["NATIVEPATH"] == ""
    by_cn = {d.control_number: r for d, r in zip(result.documents, rows)}
    assert by_cn["DOC0001"]["FROM"] == "John Doe <john@acme.com>"
    assert by_cn["DOC0001"]["SUBJECT"] == "Fwd: [REDACTED - Attorney-Client]", "metadata is scrubbed too"
    assert by_cn["DOC0001"]["DATESENT"] == "03/04/2024 15:02:00"
    assert by_cn["DOC0001"]["REDACTED"] == "Yes" and by_cn["DOC0002"]["REDACTED"] == "No"
    assert by_cn["DOC0001"]["CUSTODIAN"] == "Jane Roe" and by_cn["DOC0001"]["ALLCUSTODIANS"] == "Jane Roe"
    assert by_cn["DOC0005"]["CONFIDENTIALITY"] == "Highly Confidential - AEO"
    assert by_cn["DOC0004"]["CONFIDENTIALITY"] == ""
    doc2 = next(i.document for i in produced[0]["items"] if i.document.control_number == "DOC0002")
    assert by_cn["DOC0002"]["MD5HASH"] == doc2.md5.upper() and by_cn["DOC0002"]["FILEEXT"] == "pdf"


def test_dat_values_with_newlines_and_delimiters_round_trip(tmp_path):
    from lpo.production.loadfiles import write_dat
    rows = [{"BEGBATES": "A1", "SUBJECT": "line one\r\nline two\nþquoted þ", "FILENAME": "tab\x14here"}]
    write_dat(tmp_path / "x.dat", rows)
    raw = (tmp_path / "x.dat").read_bytes().decode("utf-8-sig")
    assert "line one\u00aeline two" in raw
    back = read_dat(tmp_path / "x.dat")
    assert back[0]["SUBJECT"] == "line one\nline two\n quoted  ", "a qualifier inside a value would end the field"
    assert back[0]["FILENAME"] == "tab here"
    assert back[0]["ENDBATES"] == ""


def test_opt(produced):
    _, result = produced
    raw = result.paths.opt.read_bytes()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = read_opt(result.paths.opt)
    assert len(lines) == result.production.pages
    vol = result.paths.volume_dir
    i = 0
    for d in result.documents:
        for n, bates in enumerate(bates_range(d.beg_bates, d.end_bates)):
            key, volume, path, brk, folder, box, pages = lines[i]
            assert (key, volume, folder, box) == (bates, "VOL001", "", "")
            assert path == f".\\VOL001\\IMAGES\\0001\\{bates}.tif"
            assert (vol / volume_relative(path, "VOL001")).is_file()
            if n == 0:
                assert (brk, pages) == ("Y", str(d.pages))
            else:
                assert (brk, pages) == ("", "")
            i += 1


def test_images_are_single_page_bilevel_group4_and_endorsed(produced):
    _, result = produced
    vol = result.paths.volume_dir
    designation = {d.control_number: d for d in result.documents}
    for d in result.documents:
        for rel in d.image_paths:
            with Image.open(vol / rel) as im:
                assert getattr(im, "n_frames", 1) == 1
                assert im.mode == "1"
                assert im.info.get("compression") == "group4"
                assert tuple(round(x) for x in im.info["dpi"]) == (300, 300)
                assert im.size == (2550, 3300)
                w, h = im.size
                band = im.crop((0, h - 120, w, h)).convert("L")
                left = band.crop((0, 0, w // 3, band.height)).getextrema()[0]
                right = band.crop((2 * w // 3, 0, w, band.height)).getextrema()[0]
                assert right == 0, f"{rel}: no Bates number at the bottom right"
                if d.control_number == "DOC0004":
                    assert left == 255, "no designation, nothing at the bottom left"
                else:
                    assert left == 0, f"{rel}: no designation at the bottom left"
    assert designation  # used


def test_endorsement_never_covers_content(produced):
    """DOC0005 has a black bar down to its bottom edge: it is shrunk above the band, not covered."""
    _, result = produced
    doc = next(d for d in result.documents if d.control_number == "DOC0005")
    with Image.open(result.paths.volume_dir / doc.image_paths[0]) as im:
        g = im.convert("L")
    w, h = g.size
    band = round(0.45 * 300)
    # The bar (x 36-576 pt) is still there, just above the band...
    above = g.crop((w // 4, h - band - 60, w // 2, h - band)).getextrema()[0]
    assert above == 0
    # ...and the band's middle (between the designation and the Bates number) is white.
    middle = g.crop((w // 2 - 100, h - band, w // 2 + 100, h)).getextrema()[0]
    assert middle == 255


def test_text_files(produced):
    _, result = produced
    vol = result.paths.volume_dir
    docs = {d.control_number: d for d in result.documents}
    t1 = (vol / docs["DOC0001"].text_path).read_bytes()
    assert t1.startswith(b"\xef\xbb\xbf")
    t1 = t1[3:].decode("utf-8")
    assert t1.count("[REDACTED - Attorney-Client]") == 2 and SECRET not in t1, "subject line and body"
    assert "Please keep the negotiation schedule as planned." in t1
    t6 = (vol / docs["DOC0006"].text_path).read_text(encoding="utf-8-sig")
    assert t6 == "Quarterly report.\nThe [REDACTED - Privileged] was discussed.\nEnd of report."
    t2 = (vol / docs["DOC0002"].text_path).read_text(encoding="utf-8-sig")
    assert t2 == "Plan text"


def test_natives(produced):
    corpus, result = produced
    vol = result.paths.volume_dir
    docs = {d.control_number: d for d in result.documents}
    assert docs["DOC0001"].native_path is None and docs["DOC0006"].native_path is None, \
        "a document with redactions is produced as image + redacted text only"
    for item in corpus["items"]:
        d = docs[item.document.control_number]
        if d.native_path:
            assert d.native_path == f"NATIVES/0001/{d.beg_bates}.{item.document.extension}"
            assert (vol / d.native_path).read_bytes() == Path(item.native_path).read_bytes()
    natives = sorted(p.name for p in (vol / "NATIVES").rglob("*") if p.is_file())
    assert natives == sorted(Path(docs[c].native_path).name for c in ("DOC0002", "DOC0004", "DOC0005"))


def test_manifest_lists_every_file_and_nothing_else(produced, tmp_path):
    _, result = produced
    vol = tmp_path / "VOL001"
    shutil.copytree(result.paths.volume_dir, vol)   # a copy: this test tampers with it
    listed = json.loads((vol / "manifest.json").read_text())["files"]
    on_disk = {p.relative_to(vol).as_posix(): p for p in files_under(vol) if p.name != "manifest.json"}
    assert sorted(e["path"] for e in listed) == sorted(on_disk)
    for e in listed:
        data = on_disk[e["path"]].read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest() and e["size"] == len(data)
    assert verify_manifest(vol) == []
    # ...and the check catches tampering.
    (vol / result.documents[0].text_path).write_text("changed", encoding="utf-8")
    (vol / "extra.txt").write_text("not delivered", encoding="utf-8")
    problems = verify_manifest(vol)
    assert any("altered" in p for p in problems) and any("extra.txt" in p for p in problems)


def test_nothing_redacted_or_withheld_reaches_any_produced_file(produced):
    _, result = produced
    for path in files_under(result.paths.volume_dir):
        data = path.read_bytes()
        for secret in (SECRET, PDF_SECRET, WITHHELD_SECRET, "ZEBRA-7734", "QUOKKA-5521", "PANGOLIN-9090"):
            for enc in ("utf-8", "utf-16-le"):
                assert secret.encode(enc) not in data, f"{secret!r} found in {path}"


def test_redactions_removed_before_rendering():
    """The PDF that gets rasterised has no redacted text in it, only the labelled box."""
    text = "Before. " + SECRET + " After."
    spans = resolve_spans(text, [span(text, SECRET, "Attorney-Client")])
    data, pages = render.render_pdf(segments(text, spans))
    assert pages == 1 and SECRET.encode() not in data
    pdf = pdfium.PdfDocument(data)
    page_text = pdf[0].get_textpage().get_text_range()
    assert "Before." in page_text and "After." in page_text
    assert "[REDACTED - Attorney-Client]" in page_text and "ZEBRA" not in page_text


def test_pages_imaged_for_a_volume_carry_no_redacted_text(corpus, monkeypatch):
    """Every PDF rendered for imaging (email header included) is free of the redacted strings."""
    rendered: list[bytes] = []
    real = render.render_pdf

    def spy(*args, **kwargs):
        data, pages = real(*args, **kwargs)
        rendered.append(data)
        return data, pages

    monkeypatch.setattr(render, "render_pdf", spy)
    produce_volume(corpus["items"], [], corpus["out"], CONFIG, "VOL009", 1, workers=1, dpi=100)
    assert len(rendered) == 2, "the email and the text file are rendered from text (the PDF is redacted in place)"
    texts = []
    for data in rendered:
        pdf = pdfium.PdfDocument(data)
        texts.append("".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))
    everything = "\n".join(texts)
    for secret in (SECRET, PDF_SECRET, "ZEBRA", "QUOKKA"):
        assert secret not in everything
    email_page = texts[0]
    assert email_page.count("From:") == 1 and email_page.count("Per our call") == 1, \
        "the header lines of the extracted text are not printed twice"
    assert everything.count("[REDACTED - Attorney-Client]") == 2, "subject line and body"


def test_redaction_of_every_instance_and_span_checks():
    text = f"{SECRET} and again {SECRET}."
    spans = resolve_spans(text, [span(text, SECRET, "AC")])
    assert len(spans) == 2, "every instance of a redacted string is redacted"
    assert SECRET not in "".join(s.text for s in segments(text, spans))
    with pytest.raises(ValueError, match="DOC9"):
        resolve_spans(text, [RedactionSpan(start=0, end=10, reason="AC", text="not this")], "DOC9")
    with pytest.raises(ValueError, match="outside"):
        resolve_spans(text, [RedactionSpan(start=5, end=10_000, reason="AC")], "DOC9")


def test_wrapping_keeps_every_character():
    long_word = "x" * 250
    text = "short line\n" + "word " * 60 + "\n" + long_word
    lines = render.wrap([Segment(text)], 90)
    assert all(sum(len(p.text) for p in line) <= 90 for line in lines)
    joined = "".join(p.text for line in lines for p in line)
    assert joined.replace(" ", "") == text.replace(" ", "").replace("\n", "")
    # A line that fills the width exactly (trailing space included) wraps into no blank line.
    exact = "a" * 89 + " b \nnext"
    assert ["".join(p.text for p in line).rstrip() for line in render.wrap([Segment(exact)], 90)] == \
        ["a" * 89, "b", "next"]
    assert len(render.wrap([Segment("x" * 90 + " \ny")], 90)) == 2


def test_privilege_log(produced):
    _, result = produced
    rows = read_privlog(result.paths.privilege_log)
    assert read_privlog_xlsx(result.paths.privilege_log_xlsx) == rows, "the XLSX says what the CSV says"
    docs = {d.control_number: d for d in result.documents}
    withheld = [r for r in rows if r["Treatment"] == "Withheld"]
    redacted = {r["Bates"]: r for r in rows if r["Treatment"] == "Redacted"}
    assert [(r["Bates"], r["Control Number"]) for r in withheld] == [("", "DOC0003"), ("", "DOC0007")]
    r3, r7 = withheld
    assert r3["Privilege Claimed"] == "Attorney-Client Privilege"
    assert r3["Description"] == "Text file (attachment) reflecting legal advice of counsel regarding the proposed merger"
    assert r3["Family Range"] == f"{docs['DOC0001'].beg_attach}-{docs['DOC0001'].end_attach}"
    assert r7["Privilege Claimed"] == "Work Product"
    assert r7["Description"] == "Email prepared by or at the direction of counsel in anticipation of litigation"
    assert (r7["Date"], r7["Document Type"], r7["Author"], r7["Recipients"]) == \
        ("02/01/2024", "Email", "counsel@lawfirm.com", "john@acme.com")
    # Privilege-safe: neither the subject nor the reviewer's note reaches the log.
    text = json.dumps(rows)
    assert "Litigation hold analysis" not in text and "Memorandum prepared by counsel" not in text
    for cn in ("DOC0001", "DOC0006"):
        d = docs[cn]
        key = f"{d.beg_bates}-{d.end_bates}" if d.beg_bates != d.end_bates else d.beg_bates
        assert key in redacted, f"{cn}: a redacted document is logged by its Bates range"
    email = next(r for r in redacted.values() if r["Document Type"] == "Email")
    assert email["Author"] == "John Doe <john@acme.com>" and email["Privilege Claimed"] == "Attorney-Client"


@pytest.mark.parametrize("privilege", [Privilege.attorney_client, Privilege.work_product])
def test_privileged_item_is_refused(corpus, privilege):
    items = list(corpus["items"])
    bad = items[2]
    items[2] = ProductionItem(bad.document, bad.native_path, bad.text, decide("DOC0004", privilege=privilege))
    with pytest.raises(ProductionError, match="DOC0004.*withheld for privilege"):
        produce_volume(items, [], corpus["out"], CONFIG, "VOL001", 1)
    assert issubclass(ProductionError, ValueError)
    assert not corpus["out"].exists() or not any(corpus["out"].iterdir()), "nothing written"


@pytest.mark.parametrize("responsive", [False, None])
def test_non_responsive_item_is_refused(corpus, responsive):
    items = list(corpus["items"])
    bad = items[3]
    items[3] = ProductionItem(bad.document, bad.native_path, bad.text, decide("DOC0005", responsive=responsive))
    with pytest.raises(ValueError, match="DOC0005"):
        produce_volume(items, [], corpus["out"], CONFIG, "VOL001", 1)


def test_partial_privilege_without_spans_is_refused(corpus):
    items = list(corpus["items"])
    bad = items[1]
    items[1] = ProductionItem(bad.document, bad.native_path, bad.text, decide("DOC0002", privilege=Privilege.partial))
    with pytest.raises(ValueError, match="DOC0002"):
        produce_volume(items, [], corpus["out"], CONFIG, "VOL001", 1)


def test_split_family_is_refused(corpus):
    items = list(corpus["items"])
    items = [items[0], items[2], items[1], *items[3:]]   # DOC0004 between DOC0001 and its attachment
    with pytest.raises(ValueError, match="DOC0002"):
        produce_volume(items, [], corpus["out"], CONFIG, "VOL001", 1)


def test_failure_leaves_nothing_behind(corpus):
    items = list(corpus["items"])
    bad = items[1]
    Path(bad.native_path).write_bytes(b"changed after ingest")   # hash no longer matches the record
    with pytest.raises(ValueError, match="DOC0002"):
        produce_volume(items, [], corpus["out"], CONFIG, "VOL001", 1)
    assert list(corpus["out"].iterdir()) == []


def test_second_volume_continues_numbering_and_volumes_are_never_overwritten(produced):
    corpus, first = produced
    with pytest.raises(FileExistsError):
        produce_volume(corpus["items"][2:3], [], corpus["out"], CONFIG, "VOL001", first.next_number)
    second = produce_volume(corpus["items"][2:4], [], corpus["out"], CONFIG, "VOL002", first.next_number,
                            workers=1)
    assert parse_bates(second.production.begin_bates, "ACME") == parse_bates(first.production.end_bates, "ACME") + 1
    assert second.next_number == first.next_number + second.production.pages
    opt = read_opt(second.paths.opt)
    assert [parse_bates(line[0], "ACME") for line in opt] == list(range(first.next_number, second.next_number))
    assert all(line[1] == "VOL002" and line[2].startswith(".\\VOL002\\IMAGES\\") for line in opt)
    assert verify_manifest(second.paths.volume_dir) == []
    assert read_privlog(second.paths.privilege_log) == []


@pytest.mark.corpora
def test_read_dat_and_opt_read_relativity_samples():
    src = SAMPLES / "SampleDataSources"
    if not src.is_dir():
        pytest.skip("relativity-import-samples not present")
    rows = read_dat(src / "rdo_load_file_01.dat")
    assert rows and "Name" in rows[0] and "Artifact ID" in rows[0]
    opt = read_opt(src / "Opticon_01.opt")
    assert opt[0] == ("SYM-00011001_REV", "VOL01", ".\\VOL01\\IMAGES\\IMG001\\SYM-00011001_REV.tif", "Y", "", "", "5")
    assert all(line[3] == "" for line in opt[1:]) and len(opt) == 5


def test_folders_roll_over_and_load_files_follow(corpus, monkeypatch):
    monkeypatch.setattr(volume_mod, "FOLDER_SIZE", 2)
    result = produce_volume(corpus["items"], [], corpus["out"], CONFIG, "VOL003", 1, workers=1, dpi=100)
    vol = result.paths.volume_dir
    folders = sorted(p.name for p in (vol / "IMAGES").iterdir())
    assert folders == [f"{i:04d}" for i in range(1, len(folders) + 1)] and len(folders) > 2
    assert all(len(list((vol / "IMAGES" / f).iterdir())) <= 2 for f in folders)
    for line in read_opt(result.paths.opt):
        assert (vol / volume_relative(line[2], "VOL003")).is_file()
    for row in read_dat(result.paths.dat):
        assert (vol / volume_relative(row["TEXTPATH"], "VOL003")).is_file()
    assert verify_manifest(vol) == []


def test_unreadable_pdf_is_imaged_from_text_with_a_note(tmp_path):
    data = b"%PDF-1.7 this is not really a PDF"
    doc, native = make_doc(tmp_path, "DOC0100", data, "pdf", mime="application/pdf")
    item = ProductionItem(doc, native, "Recovered text of the broken PDF.", decide("DOC0100"))
    result = produce_volume([item], [], tmp_path / "out", CONFIG, "VOL001", 1, workers=1, dpi=100)
    assert result.production.pages == 1
    assert any("DOC0100" in n and "extracted text" in n for n in result.notes)
    assert result.documents[0].native_path is not None, "the native is still produced"


def test_privilege_log_only_volume(corpus):
    result = produce_volume([], corpus["withheld"], corpus["out"], CONFIG, "VOL004", 17, workers=1)
    assert result.next_number == 17 and result.production.pages == 0 and result.production.withheld == 2
    assert read_dat(result.paths.dat) == [] and read_opt(result.paths.opt) == []
    assert len(read_privlog(result.paths.privilege_log)) == 2
    assert verify_manifest(result.paths.volume_dir) == []


def test_bates_format_and_overflow():
    from lpo.production import BatesError, format_bates
    assert format_bates("ACME", 42, 8) == "ACME00000042"
    with pytest.raises(BatesError):
        format_bates("ACME", 10**8, 8)


def test_withheld_list_takes_only_withheld_privilege(corpus):
    item = corpus["items"][1]   # DOC0002, not privileged
    with pytest.raises(ValueError, match="DOC0002"):
        produce_volume([], [item], corpus["out"], CONFIG, "VOL001", 1)


def test_imaging_worker_failure_is_reported(tmp_path):
    from lpo.production import imaging
    jobs = [imaging.ImageJob(str(tmp_path / f"missing{i}.pdf"), 0, ("ACME00000001",),
                             (str(tmp_path / f"{i}.tif"),), 100) for i in range(2)]
    with pytest.raises(imaging.ImagingError, match="imaging worker failed"):
        imaging.run_jobs(jobs, workers=2)


def test_email_body_offset():
    text = "From: a@x.com\nTo: b@x.com\nSubject: Hi\n\nBody From: not a header\n"
    assert text[volume_mod._body_offset(text):] == "Body From: not a header\n"
    assert volume_mod._body_offset("Body only\n") == 0
    assert volume_mod._body_offset("From: a@x.com\nno blank line after the header") == 0
