"""Targeted hostile files through ingest's worker pool: bombs, path traversal, script in
emails shown to reviewers, enormous lines, invalid encodings.

Each file goes the way a collection's file goes (WorkerPool under time and memory limits,
then registration in a store), and the test asserts what a reviewer or the file system
ends up with, not only that nothing raised.
"""

from __future__ import annotations

import io
import re
import zipfile
from email.message import EmailMessage
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpo.content import ContentStore
from lpo.ingest import list_files, register_file
from lpo.ingest.archive import safe_member_name
from lpo.ingest.manager import registered
from lpo.ingest.text import decode_text
from lpo.ingest.worker import Limits, WorkerPool
from lpo.matter import Counsel, Protocol
from lpo.review.config import instructions_html, render_config
from lpo.review.tasks import build_first_pass_task
from lpo.store import Store

LIMITS = Limits(timeout_seconds=60, memory_mb=1536)


@pytest.fixture
def matter(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lpo.db'}")
    content = ContentStore(tmp_path / "content")
    pool = WorkerPool(content.root, limits=LIMITS, workers=2)
    yield store, content, pool
    pool.close()
    store.close()


def ingest(matter, files: dict[str, bytes], root: Path, custodian="Jane Doe"):
    """Write `files` under root and ingest them: (results by path, documents by source path, exceptions)."""
    store, content, pool = matter
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    paths = list_files(root)
    results = pool.extract(root, paths, registered(store, custodian))
    for r in results:
        register_file(store, content, "ACME", custodian, r)
    nodes = {r.path: r.node(content) for r in results}
    return nodes, {d.source_path: d for d in store.documents()}, {e.source_path: e for e in store.exceptions()}


def zip_bytes(members: list[tuple[str | zipfile.ZipInfo, bytes]], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members:
            z.writestr(name, data, method)
    return buf.getvalue()


# ---- decompression bombs -------------------------------------------------------------------------

def nested_bomb(levels: int, fan: int, leaf_bytes: int) -> bytes:
    """42.zip's shape: `fan` copies of the level below at each level; the leaf a file of zeros."""
    data = zip_bytes([("0.bin", bytes(leaf_bytes))], zipfile.ZIP_DEFLATED)
    for _ in range(levels - 1):
        data = zip_bytes([(f"{i}.zip", data) for i in range(fan)], zipfile.ZIP_DEFLATED)
    return data


def test_decompression_bombs_are_container_bomb_exceptions(matter, tmp_path):
    ratio = zip_bytes([("zeros.bin", bytes(200 * 1024**2))])  # 200 MB from about 200 KB
    nested = nested_bomb(levels=5, fan=16, leaf_bytes=64 * 1024**2)  # 4 TB declared, a few KB on disk
    # An end record whose member counts lie (65,535): the directory itself is read, not the count.
    forged = bytearray(zip_bytes([("a.txt", b"x")]))
    eocd = forged.rfind(b"PK\x05\x06")
    forged[eocd + 8:eocd + 12] = (0xFFFF).to_bytes(2, "little") * 2
    assert len(ratio) < 1024**2 and len(nested) < 256 * 1024
    nodes, docs, excs = ingest(matter, {"ratio.zip": ratio, "42.zip": nested, "forged.zip": bytes(forged),
                                        "memo.txt": b"after the bombs"}, tmp_path / "src")
    for name in ("ratio.zip", "42.zip"):
        assert nodes[name].error_reason == "container_bomb", (name, nodes[name].error_detail)
        assert name in nodes[name].error_detail and "processing." in nodes[name].error_detail  # says what to raise
        assert excs[name].reason == "container_bomb" and name not in docs
    assert nodes["forged.zip"].error_reason is None and [c.name for c in nodes["forged.zip"].children] == ["a.txt"]
    assert docs["memo.txt"].text_sha256  # the batch went on
    # Nothing was expanded into the content store: it holds kilobytes, not the bombs' gigabytes.
    stored = sum(p.stat().st_size for p in matter[1].root.rglob("*") if p.is_file())
    assert stored < 16 * 1024**2


def test_many_members_across_nesting_is_a_bomb(matter, tmp_path):
    # 600 x 600 empty members: each level is an ordinary archive, together 360,000 members.
    inner = zip_bytes([(f"{i}.txt", b"") for i in range(600)])
    outer = zip_bytes([(f"{i}.zip", inner) for i in range(600)])
    nodes, docs, _ = ingest(matter, {"members.zip": outer}, tmp_path / "src")
    assert nodes["members.zip"].error_reason == "container_bomb"
    assert "members" in nodes["members.zip"].error_detail and not docs


# ---- path traversal in member names --------------------------------------------------------------

TRAVERSAL = ["../../etc/passwd", "/etc/shadow", "..\\..\\windows\\system32\\evil.dll", "C:\\Users\\x\\ntuser.dat",
             "docs/../../../escape.txt", "./././hidden.txt", "a/b/../../../../c.txt", "nul\x00byte.txt",
             "tab\tand\nnewline.txt", "C:drive-relative.txt", "..", "evil.p/../df"]


def test_path_traversal_member_names_stay_inside(matter, tmp_path):
    members = [(zipfile.ZipInfo(n), f"payload {i}".encode()) for i, n in enumerate(TRAVERSAL)]
    src = tmp_path / "deep" / "er" / "src"
    before = {p for p in Path("/").glob("*")} | set(tmp_path.rglob("*"))
    nodes, docs, _ = ingest(matter, {"traversal.zip": zip_bytes(members)}, src)
    assert nodes["traversal.zip"].error_reason is None
    children = [d for p, d in docs.items() if p.startswith("traversal.zip/")]
    assert len(children) == len(TRAVERSAL)  # every member is a document, none lost
    for d in children:
        member = d.source_path.removeprefix("traversal.zip/")
        parts = member.split("/")
        assert ".." not in parts and "." not in parts and "" not in parts, d.source_path
        assert "\\" not in member and not re.search(r"[\x00-\x1f]", member), d.source_path
        assert not re.match(r"^[A-Za-z]:", member), d.source_path
        assert d.file_name and "/" not in d.file_name and d.file_name not in ("..", ".")
        # Production names natives by Bates number and this extension only.
        from lpo.production.volume import _ext

        assert re.fullmatch(r"[a-z0-9]{0,10}", _ext(d)), d.extension
    # Nothing was written outside the content store and the files we made.
    after = {p for p in Path("/").glob("*")} | set(tmp_path.rglob("*"))
    new = {p for p in after - before if not str(p).startswith(str(matter[1].root))}
    assert {p.relative_to(tmp_path).as_posix() for p in new} == {
        "deep", "deep/er", "deep/er/src", "deep/er/src/traversal.zip"}, new
    assert not (tmp_path / "etc").exists()
    assert not any(Path(p).is_file() and Path(p).read_bytes().startswith(b"payload")
                   for p in ("/etc/passwd", "/etc/shadow", "/escape.txt", "/c.txt"))


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_safe_member_name_never_climbs_out(raw):
    name = safe_member_name(raw, 0)
    assert name and not name.startswith("/") and "\\" not in name
    assert all(p not in ("", ".", "..") for p in name.split("/"))
    assert not re.search(r"[\x00-\x1f\x7f]", name) and not re.match(r"^[A-Za-z]:", name)
    assert (Path("/base") / name).resolve().is_relative_to("/base")


# ---- scripts and HTML in emails shown to reviewers -----------------------------------------------

XSS = ['<script>alert("xss")</script>', '<img src=x onerror="alert(1)">', '<a href="javascript:alert(2)">click</a>',
       '<iframe src="https://evil.example"></iframe>', '<svg onload=alert(3)>', '<body onload="alert(4)">']


def hostile_email() -> bytes:
    m = EmailMessage()
    m["From"] = 'Mallory <mallory@evil.example>'
    m["To"] = "jane@acme.com"
    m["Subject"] = '<script>alert("subject")</script> Pricing'
    m.set_content(f"<html><body>{''.join(XSS)}<p>Pricing is final.</p>"
                  "<p>&lt;script&gt;alert(5)&lt;/script&gt;</p></body></html>", subtype="html")
    return m.as_bytes()


def test_script_in_emails_never_reaches_reviewers_as_markup(matter, tmp_path):
    content = matter[1]
    _, docs, _ = ingest(matter, {"xss.eml": hostile_email()}, tmp_path / "src")
    doc = docs["xss.eml"]
    text = content.read_text(doc.text_sha256)
    task = build_first_pass_task(doc, text, [], "B-1")
    body = task["data"]["text"]
    assert "Pricing is final." in body and "click" in body
    # The HTML body's markup is gone from the text: no tags, handlers or javascript: URLs.
    for bad in ("<img", "onerror", "javascript:", "<iframe", "onload", "<svg", 'alert("xss")', "alert(1)"):
        assert bad not in body, bad
    # What the sender wrote as visible text ('&lt;script&gt;') stays as the sender wrote it, and the
    # subject is kept verbatim: evidence is not altered; it is shown as text, never rendered (below).
    assert "<script>alert(5)</script>" in body
    assert task["data"]["subject"] == '<script>alert("subject")</script> Pricing'


@pytest.mark.parametrize("kind", ["first_pass", "attorney_qa"])
def test_review_configs_show_task_data_as_text_never_html(kind):
    """Label Studio renders <HyperText> (and <Paragraphs> with HTML) as markup; <Text> and <Header>
    show a value as text. Every field of the task data must go through the latter."""
    protocol = Protocol(instructions="Code <script>alert(1)</script> documents.",
                        counsel=Counsel(names=["<img src=x onerror=alert(2)>"]))
    root = ElementTree.fromstring(render_config(kind, protocol))
    tags = {el.tag for el in root.iter()}
    assert not tags & {"HyperText", "HyperTextLabels", "Paragraphs", "ParagraphLabels", "Markdown"}
    for el in root.iter():
        if "$" in (el.get("value") or ""):
            assert el.tag in ("Text", "Header"), (el.tag, el.get("value"))
    assert any(el.tag == "Text" and el.get("value") == "$text" for el in root.iter())
    # The project's instructions are HTML in Label Studio: protocol text is escaped into it.
    html = instructions_html(protocol)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html


# ---- enormous lines -------------------------------------------------------------------------------

def test_enormous_single_line_files_are_read_within_limits(matter, tmp_path):
    line = b"pricing memo " * (50 * 1024**2 // 13)  # 50 MB, no line break
    cells = b"12.50," * (50 * 1024**2 // 6)  # 50 MB, one CSV row of 8 million cells
    nodes, docs, excs = ingest(matter, {"line.txt": line, "row.csv": cells, "after.txt": b"still here"},
                               tmp_path / "src")
    _, content, pool = matter
    for name in ("line.txt", "row.csv"):
        node = nodes[name]
        # Read, or stopped by a limit with a reason: never a crash, never lost.
        assert node.error_reason in (None, "timeout", "out_of_memory"), (name, node.error_reason, node.error_detail)
        assert name in docs or name in excs
    assert len(content.read_text(docs["line.txt"].text_sha256)) >= len(line) - 1
    assert docs["after.txt"].text_sha256 and pool.peak_worker_rss < LIMITS.memory_mb * 1024**2


# ---- invalid encodings ---------------------------------------------------------------------------

ENCODINGS = {
    "invalid-utf8.txt": (b"caf\xc3 \xff\xfe broken \xed\xa0\x80 surrogate \xc0\xaf overlong pricing memo", "pricing memo"),
    "mixed.txt": ("Café in UTF-8\n".encode() + "Café in cp1252\n".encode("cp1252") + b"pricing memo\n", "pricing memo"),
    "utf16-nobom.txt": ("Pricing memo for counsel, no BOM".encode("utf-16-le"), "Pricing memo for counsel, no BOM"),
    "utf16be-nobom.log": ("Pricing memo, big-endian".encode("utf-16-be"), "Pricing memo, big-endian"),
    "nuls.txt": (b"pricing\x00memo\x00" * 50, None),
    "bogus-charset.html": (b'<html><head><meta charset="utf-99"></head><body><p>pricing \xe9 memo</p></body></html>',
                           "pricing"),
    "bogus-charset.eml": (b"From: a@b.com\nSubject: =?x-unknown?q?caf=E9?=\nContent-Type: text/plain; "
                          b"charset=utf-99\n\npricing \xe9 memo\n", "pricing"),
    "truncated-utf8.csv": ("Name,Amount\nMüller,12\n".encode()[:-5] + b"\xc3", "Name"),
}


def test_invalid_encodings_become_text_or_a_clear_exception(matter, tmp_path):
    content = matter[1]
    nodes, docs, excs = ingest(matter, {k: v for k, (v, _) in ENCODINGS.items()}, tmp_path / "src")
    for name, (_, expected) in ENCODINGS.items():
        node = nodes[name]
        if expected is None:  # binary in a text file: an exception that says so, or text without the NULs
            assert node.error_reason in (None, "unsupported"), (name, node.error_detail)
            if node.error_reason:
                assert name in node.error_detail and excs[name].reason == "unsupported"
                continue
        assert node.error_reason is None, (name, node.error_reason, node.error_detail)
        text = content.read_text(docs[name].text_sha256)  # stored as valid UTF-8, whatever came in
        assert expected in text, (name, text[:200])
        assert "\x00" not in text and not re.search(r"[\ud800-\udfff]", text)


@given(st.binary(max_size=2048))
@settings(max_examples=300, deadline=None)
def test_decode_text_never_fails_and_always_gives_storable_text(data):
    text = decode_text(data)
    text.encode("utf-8")  # no lone surrogates: the content store must be able to keep it
    if data.isascii() and b"\x00" not in data:
        assert text == data.decode("ascii")  # ASCII is never lost or changed



def test_a_page_tesseract_refuses_is_not_called_a_timeout(matter, tmp_path):
    """A 32,928-pixel-wide strip (a forged GIF/JPEG width, found by fuzzing): Tesseract gives up at once;
    the exception must say so, not send the technician to raise a time limit that was never reached."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (32928, 40), 255).save(buf, format="PNG")
    nodes, _, excs = ingest(matter, {"strip.png": buf.getvalue()}, tmp_path / "src")
    assert nodes["strip.png"].error_reason == "ocr_failed", nodes["strip.png"].error_detail
    assert "32928 x 40" in excs["strip.png"].detail


def test_zip_needing_an_unknown_version_is_an_exception_not_a_crash(matter, tmp_path):
    """Found by fuzzing: a central directory asking for zip version 8.4 made zipfile raise
    NotImplementedError inside the Office ingestors' sniff, outside any handler: the worker crashed."""
    def forged(data: bytes) -> bytes:
        out = bytearray(data)
        cd = out.find(b"PK\x01\x02")
        out[cd + 6:cd + 8] = (84).to_bytes(2, "little")  # version needed to extract: 8.4
        return bytes(out)

    from lpo.fuzz.seeds import docx_seed

    files = {"bundle.zip": forged(zip_bytes([("memo.txt", b"pricing memo")])), "memo.docx": forged(docx_seed())}
    nodes, _, excs = ingest(matter, files, tmp_path / "src")
    for name in files:
        assert nodes[name].error_reason == "unsupported", (name, nodes[name].error_detail)
        assert "zip file version 8.4" in excs[name].detail and "7-Zip" in excs[name].detail


def test_tiff_with_a_damaged_tag_is_still_read(matter, tmp_path):
    """Found by fuzzing: a TIFF whose PhotometricInterpretation tag (262) claims 9 values decodes fine,
    but tesserocr re-encoded the frame as TIFF with those tags and Pillow raised KeyError: 262."""
    import struct

    from lpo.fuzz.seeds import image_seeds

    data = bytearray(dict(image_seeds())["scan.tif"])
    at = data.find(struct.pack("<HHI", 262, 3, 1))
    data[at + 4:at + 8] = struct.pack("<I", 9)
    nodes, docs, _ = ingest(matter, {"scan.tif": bytes(data)}, tmp_path / "src")
    assert nodes["scan.tif"].error_reason is None, nodes["scan.tif"].error_detail
    assert docs["scan.tif"].ocr and docs["scan.tif"].page_count == 1
