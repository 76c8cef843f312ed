"""Ingest: each file a document or a processing exception; families, threads, duplicates, stable numbers."""

from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from lpo.content import ContentStore
from lpo.ingest import extract_file, list_files, register_file
from lpo.store import Store

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def pdf_bytes(pages: list[str]) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    for text in pages:
        c.drawString(72, 720, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def email_bytes(subject: str, body: str, msgid: str, reply_to: str | None = None,
                attachments: list[tuple[str, bytes]] = ()) -> bytes:
    m = EmailMessage()
    m["From"] = "Jane Doe <jane@acme.com>"
    m["To"] = "bob@globex.com"
    m["Subject"] = subject
    m["Date"] = "Tue, 04 Apr 2023 10:00:00 -0500"
    m["Message-ID"] = msgid
    if reply_to:
        m["In-Reply-To"] = reply_to
        m["References"] = reply_to
    m.set_content(body)
    for name, data in attachments:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return m.as_bytes()


@pytest.fixture
def matter(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lpo.db'}")
    yield store, ContentStore(tmp_path / "content")
    store.close()


def ingest(store, content, root: Path, custodian="Jane Doe"):
    for f in list_files(root):
        register_file(store, content, "ACME", custodian, extract_file(content, root, f))


def write_collection(root: Path) -> None:
    root.mkdir()
    memo = pdf_bytes(["Supply agreement pricing memo", "Page two"])
    (root / "a_pricing.eml").write_bytes(email_bytes("Pricing", "See the attached memo.", "<1@acme.com>",
                                                     attachments=[("memo.pdf", memo), ("notes.txt", b"notes")]))
    (root / "b_reply.eml").write_bytes(email_bytes("RE: Pricing", "Thanks.", "<2@acme.com>", "<1@acme.com>"))
    (root / "c_memo_copy.pdf").write_bytes(memo)
    (root / "d_latin1.txt").write_bytes(b"Caf\xe9 invoice \x96 March")  # Windows-1252
    (root / "e_broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    (root / "f_empty.txt").write_bytes(b"")
    (root / "g_random.bin").write_bytes(bytes(range(256)) * 4)


def test_every_file_is_a_document_or_an_exception(matter, tmp_path):
    store, content = matter
    write_collection(tmp_path / "src")
    ingest(store, content, tmp_path / "src")
    c = store.counts()
    assert c["files_seen"] == 7 and c["files_accounted"] == 7
    assert c["documents"] == 6  # 2 emails + 2 attachments + pdf copy + text
    reasons = {e.source_path: e.reason for e in store.exceptions()}
    assert reasons == {"e_broken.pdf": "corrupt", "f_empty.txt": "empty", "g_random.bin": "unsupported"}
    for e in store.exceptions():
        assert e.source_path.split("/")[-1] in e.detail  # the message names the file


def test_families_threads_duplicates_and_text(matter, tmp_path):
    store, content = matter
    write_collection(tmp_path / "src")
    ingest(store, content, tmp_path / "src")
    docs = {d.source_path: d for d in store.documents()}
    parent, memo = docs["a_pricing.eml"], docs["a_pricing.eml/memo.pdf"]
    assert memo.parent == parent.control_number and memo.family_id == parent.control_number
    assert docs["a_pricing.eml/notes.txt"].family_id == parent.control_number
    assert parent.email.attachment_names == ["memo.pdf", "notes.txt"]
    assert docs["b_reply.eml"].thread_id == parent.thread_id is not None
    assert docs["c_memo_copy.pdf"].duplicate_of == memo.control_number and memo.duplicate_of is None
    assert memo.page_count == 2 and "Supply agreement pricing memo" in content.read_text(memo.text_sha256)
    assert content.read_text(docs["d_latin1.txt"].text_sha256) == "Caf\u00e9 invoice \u2013 March"
    assert "Subject: Pricing" in content.read_text(parent.text_sha256)
    assert content.path(memo.sha256).read_bytes()[:5] == b"%PDF-"  # the native is kept by hash


def test_control_numbers_are_stable_across_reruns(matter, tmp_path):
    store, content = matter
    write_collection(tmp_path / "src")
    ingest(store, content, tmp_path / "src")
    first = {d.source_path: d.control_number for d in store.documents()}
    (tmp_path / "src" / "0_new.txt").write_bytes(b"a late arrival")
    ingest(store, content, tmp_path / "src")
    second = {d.source_path: d.control_number for d in store.documents()}
    assert {k: second[k] for k in first} == first
    assert second["0_new.txt"] == "ACME-00000007"
    assert store.counts()["files_seen"] == 8 and store.counts()["exceptions"] == 3


def test_encrypted_pdf_is_an_exception_with_a_reason(matter):
    pdf = CORPORA / "pdf" / "pdfplumber" / "tests" / "pdfs" / "password-example.pdf"
    if not pdf.exists():
        pytest.skip(f"{pdf} absent: ../shared/corpora is not beside this checkout")
    store, content = matter
    ingest(store, content, pdf)
    [exc] = store.exceptions()
    assert exc.reason == "encrypted" and "password" in exc.detail


@pytest.mark.corpora
def test_real_world_email_corpus_loses_nothing(matter):
    root = CORPORA / "email" / "mikel-mail"
    if not root.exists():
        pytest.skip(f"{root} absent: ../shared/corpora is not beside this checkout")
    store, content = matter
    ingest(store, content, root)
    c = store.counts()
    assert c["files_seen"] == len(list_files(root)) == c["files_accounted"]
    assert c["documents"] > c["files_seen"] // 2


# ---- the content store and what crosses from extraction to registration --------------------------

def test_content_blobs_appear_whole_and_once(tmp_path):
    unnamed = ContentStore(tmp_path / "unnamed")
    renamed = ContentStore(tmp_path / "renamed")
    renamed._unnamed = False  # a file system without O_TMPFILE (NFS): write a temporary name, then rename
    for store in (unnamed, renamed):
        big = bytes(range(256)) * 40_000  # several writes' worth
        sha = store.put_bytes(big)
        assert store.put_bytes(big) == sha and store.read_bytes(sha) == big
        assert store.read_text(store.put_text("Caf\u00e9")) == "Caf\u00e9"
        assert store.read_bytes(store.put_bytes(b"")) == b""
        blobs = sorted(p.name for p in store.root.rglob("*") if p.is_file())
        assert len(blobs) == 3 and not [b for b in blobs if b.startswith(".tmp-")]  # no temporary left over
        assert (store.path(sha).stat().st_mode & 0o777) == 0o600
    with pytest.raises(ValueError, match="SHA-256"):
        unnamed.path("../../etc/passwd")


def test_a_large_node_crosses_by_hash_and_registers_the_same(matter, tmp_path, monkeypatch):
    from lpo.ingest import manager

    write_collection(tmp_path / "src")
    store, content = matter
    inline = [extract_file(content, tmp_path / "src", f) for f in list_files(tmp_path / "src")]
    assert all(r.node_json and r.node_sha256 is None for r in inline)
    monkeypatch.setattr(manager, "INLINE_NODE_BYTES", 0)
    stored = [extract_file(content, tmp_path / "src", f) for f in list_files(tmp_path / "src")]
    assert all(r.node_json is None and content.has(r.node_sha256) for r in stored)
    assert [r.node(content) for r in stored] == [r.node(content) for r in inline]
    assert not any(r.unchanged for r in stored + inline)
    # one chunk, or one file at a time: the same documents, numbers, duplicates and exceptions
    manager.register_files(store, content, "ACME", "Jane Doe", stored)
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    for r in inline:
        register_file(other, content, "ACME", "Jane Doe", r)
    def rows(s: Store) -> list[dict]:
        return [d.model_dump(exclude={"ingested_at"}) for d in s.documents()]

    assert rows(other) == rows(store) and len(rows(store)) == 6
    assert [(e.source_path, e.reason) for e in other.exceptions()] == [(e.source_path, e.reason)
                                                                       for e in store.exceptions()]
    other.close()
