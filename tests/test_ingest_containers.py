"""Containers and mail: ZIP (nested, hostile, encrypted), MBOX, Outlook MSG, EML.

Fixtures are generated here; the real-world mail in ../shared/corpora is used when present.
"""

from __future__ import annotations

import binascii
import io
import json
import os
import struct
import zipfile
import zlib
from email.message import EmailMessage
from pathlib import Path

import pytest

from lpo.content import ContentStore
from lpo.ingest import extract_file, list_files, register_file
from lpo.ingest.archive import safe_member_name
from lpo.ingest.base import IngestContext, IngestError, pick
from lpo.store import Store

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
MSGREADER = CORPORA / "email" / "msgreader" / "test"
MAIL_DIRS = [CORPORA / "email" / "mikel-mail", CORPORA / "email" / "mail-parser"]


@pytest.fixture
def matter(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lpo.db'}")
    yield store, ContentStore(tmp_path / "content")
    store.close()


DEFAULT = IngestContext()


def ingest(store, content, root: Path, ctx: IngestContext = DEFAULT) -> None:
    for f in list_files(root):
        register_file(store, content, "ACME", "Jane Doe", extract_file(content, root, f, ctx))


def zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, (2023, 4, 4, 10, 0, 0)), data, compress_type=method)
    return buf.getvalue()


def email_bytes(subject: str, body: str, attachments: list[tuple[str, bytes]] = (), msgid: str = "<1@acme.com>",
                reply_to: str | None = None) -> bytes:
    m = EmailMessage()
    m["From"] = "Jane Doe <jane@acme.com>"
    m["To"] = "bob@globex.com"
    m["Subject"] = subject
    m["Date"] = "Tue, 04 Apr 2023 10:00:00 -0500"
    m["Message-ID"] = msgid
    if reply_to:
        m["In-Reply-To"] = reply_to
    m.set_content(body)
    for name, data in attachments:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return m.as_bytes()


def docs_by_path(store) -> dict:
    return {d.source_path: d for d in store.documents()}


# --- ZIP ------------------------------------------------------------------------------------

def test_zip_in_zip_in_email_is_one_family(matter, tmp_path):
    store, content = matter
    inner = zip_bytes([("memo.txt", b"Supply agreement pricing memo"), ("empty-dir/", b"")])
    outer = zip_bytes([("docs/inner.zip", inner), ("readme.txt", b"read me first")])
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "mail.eml").write_bytes(email_bytes("Pricing", "See the archive.", [("outer.zip", outer)]))
    ingest(store, content, tmp_path / "src")
    docs = docs_by_path(store)
    email = docs["mail.eml"]
    memo = docs["mail.eml/outer.zip/docs/inner.zip/memo.txt"]
    assert set(docs) == {"mail.eml", "mail.eml/outer.zip", "mail.eml/outer.zip/docs/inner.zip",
                         "mail.eml/outer.zip/docs/inner.zip/memo.txt", "mail.eml/outer.zip/readme.txt"}
    assert {d.family_id for d in docs.values()} == {email.control_number}
    assert memo.parent == docs["mail.eml/outer.zip/docs/inner.zip"].control_number
    assert docs["mail.eml/outer.zip/docs/inner.zip"].parent == docs["mail.eml/outer.zip"].control_number
    assert content.read_text(memo.text_sha256) == "Supply agreement pricing memo"
    assert "docs/inner.zip" in content.read_text(docs["mail.eml/outer.zip"].text_sha256)  # the listing
    assert store.exceptions() == []


def test_member_names_cannot_climb_out(matter, tmp_path):
    store, content = matter
    raw = zip_bytes([("../../etc/passwd", b"root"), ("/abs/path.txt", b"abs"), ("C:\\Windows\\win.ini", b"ini"),
                     ("a\\b\\c.txt", b"back"), ("nulX.txt", b"nul"), ("./../", b""), ("..", b"dots")])
    raw = raw.replace(b"nulX.txt", b"nul\x00.txt")  # zipfile will not write a NUL; the bytes can hold one
    (tmp_path / "evil.zip").write_bytes(raw)
    ingest(store, content, tmp_path / "evil.zip")
    names = sorted(p.removeprefix("evil.zip/") for p in docs_by_path(store) if p != "evil.zip")
    assert names == ["Windows/win.ini", "a/b/c.txt", "abs/path.txt", "etc/passwd", "member-0006", "nul_.txt"]
    for n in names:
        assert ".." not in n.split("/") and not n.startswith("/") and "\\" not in n and "\x00" not in n
        assert (tmp_path / "x" / n).resolve().is_relative_to(tmp_path / "x")


def test_a_member_is_named_by_the_last_part_of_its_path(matter, tmp_path):
    store, content = matter
    raw = zip_bytes([("Q1 reports/Pricing.Memo.TXT", b"Pricing memo"), ("release-v1.2/README", b"Read me")])
    (tmp_path / "docs.zip").write_bytes(raw)
    ingest(store, content, tmp_path / "docs.zip")
    docs = docs_by_path(store)
    memo, readme = docs["docs.zip/Q1 reports/Pricing.Memo.TXT"], docs["docs.zip/release-v1.2/README"]
    assert (memo.file_name, memo.extension, memo.mime_type) == ("Pricing.Memo.TXT", "txt", "text/plain")
    assert (readme.file_name, readme.extension) == ("README", "")  # not 'v1.2/README' from the folder's dot
    assert content.read_text(readme.text_sha256) == "Read me"


def test_safe_member_name():
    assert safe_member_name("../../../x", 0) == "x"
    assert safe_member_name("C:x.txt", 0) == "x.txt"
    assert safe_member_name("//server/share/f", 0) == "server/share/f"
    assert safe_member_name("a/./b/../c", 0) == "a/b/c"
    assert safe_member_name("\x01\x7f", 4) == "__"
    assert safe_member_name("", 4) == "member-0005"


def test_zip_bomb_by_ratio_is_stopped_before_reading(matter, tmp_path):
    store, content = matter
    (tmp_path / "bomb.zip").write_bytes(zip_bytes([("zeros.bin", bytes(16 * 1024**2))]))
    ingest(store, content, tmp_path / "bomb.zip")
    [exc] = store.exceptions()
    assert exc.reason == "container_bomb" and "expansion ratio" in exc.detail and "bomb.zip" in exc.detail
    assert store.documents() == []


def test_zip_bomb_by_total_size(matter, tmp_path):
    store, content = matter
    (tmp_path / "big.zip").write_bytes(zip_bytes([(f"r{i}.bin", os.urandom(600_000)) for i in range(3)]))
    ingest(store, content, tmp_path / "big.zip", IngestContext(max_expanded_bytes=1024**2))
    [exc] = store.exceptions()
    assert exc.reason == "container_bomb" and "total expanded size" in exc.detail


def test_forged_sizes_cannot_expand_a_member(matter, tmp_path):
    """A central directory that declares 10 bytes for 8 MB of zeros: reading stops at 10."""
    raw = bytearray(zip_bytes([("zeros.bin", bytes(8 * 1024**2))]))
    cd = raw.rindex(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = (10).to_bytes(4, "little")  # uncompressed size in the central directory
    ingestor = pick("forged.zip", bytes(raw))
    with pytest.raises(IngestError) as e:
        ingestor().extract(bytes(raw), "forged.zip")
    assert e.value.reason in ("corrupt", "container_bomb") and "forged.zip" in e.value.detail


def test_42_zip_style_nesting_is_stopped_at_the_top(matter, tmp_path):
    """10 x 10 x 10 zips of a zip declaring 10 MB: 10 GB from a few KB. The scan follows one
    branch until a limit is crossed, so the outer file is the exception and nothing below it
    is extracted (without the scan there would be 1,111 nested archives to open)."""
    store, content = matter
    level = zip_bytes([(f"{i}.bin", bytes(1024**2)) for i in range(10)])
    for depth in range(3):
        level = zip_bytes([(f"l{depth}-{i}.zip", level) for i in range(10)])
    (tmp_path / "42.zip").write_bytes(level)
    assert len(level) < 200_000
    ingest(store, content, tmp_path / "42.zip")
    [exc] = store.exceptions()
    assert exc.source_path == "42.zip" and exc.reason == "container_bomb"
    assert store.documents() == []


def test_depth_bomb_is_cut_at_max_depth(matter, tmp_path):
    store, content = matter
    level = zip_bytes([("core.txt", b"the bottom")])
    for i in range(12):
        level = zip_bytes([(f"level{i}.zip", level)])
    (tmp_path / "deep.zip").write_bytes(level)
    ingest(store, content, tmp_path / "deep.zip", IngestContext(max_depth=5))
    reasons = [e.reason for e in store.exceptions()]
    assert reasons == ["container_bomb"]
    assert len(store.documents()) <= 6  # the outer zip and the levels above the cut


def _zipcrypto(members: list[tuple[str, bytes]], password: str) -> bytes:
    """A ZipCrypto ("traditional PKWARE") zip, written by hand: Python's zipfile reads them but
    cannot write them, and a test should not depend on the `zip` command."""
    def step(k: int, b: int) -> int:  # one step of the CRC-32 register, without crc32's pre and post inversion
        return ~binascii.crc32(bytes([b]), ~k & 0xFFFFFFFF) & 0xFFFFFFFF

    def update(keys: list[int], c: int) -> None:
        keys[0] = step(keys[0], c)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = step(keys[2], keys[1] >> 24)

    out, central = bytearray(), bytearray()
    for name, data in members:
        keys = [0x12345678, 0x23456789, 0x34567890]
        for c in password.encode():
            update(keys, c)
        crc = binascii.crc32(data)
        packed = zlib.compress(data)[2:-4]  # raw deflate
        plain = os.urandom(11) + bytes([crc >> 24]) + packed  # the last header byte is the password check
        enc = bytearray()
        for c in plain:
            t = (keys[2] | 2) & 0xFFFF
            enc.append(c ^ ((t * (t ^ 1)) >> 8) & 0xFF)
            update(keys, c)
        fields = struct.pack("<HHHHHIIIHH", 20, 1, 8, 0, 0x5684, crc, len(enc), len(data), len(name), 0)
        central += b"PK\x01\x02" + struct.pack("<H", 20) + fields + struct.pack("<HHHII", 0, 0, 0, 0, len(out))
        central += name.encode()
        out += b"PK\x03\x04" + fields + name.encode() + enc
    eocd = struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(central), len(out), 0)
    return bytes(out + central + b"PK\x05\x06" + eocd)


def test_password_bank_opens_a_zipcrypto_zip(matter, tmp_path):
    store, content = matter
    (tmp_path / "src").mkdir()
    locked = _zipcrypto([("contract.txt", b"Confidential settlement terms"), ("notes.txt", b"privileged notes")],
                        "s3cret")
    with zipfile.ZipFile(io.BytesIO(locked)) as z:  # what the client's tool would say of it
        assert all(i.flag_bits & 1 for i in z.infolist()) and z.read("notes.txt", pwd=b"s3cret") == b"privileged notes"
    (tmp_path / "src" / "locked.zip").write_bytes(locked)
    ingest(store, content, tmp_path / "src", IngestContext(passwords=()))
    [exc] = store.exceptions()
    assert exc.reason == "encrypted" and "password" in exc.detail and "locked.zip" in exc.detail
    ingest(store, content, tmp_path / "src", IngestContext(passwords=("wrong", "letmein", "s3cret")))
    assert store.exceptions() == []
    docs = docs_by_path(store)
    assert content.read_text(docs["locked.zip/contract.txt"].text_sha256) == "Confidential settlement terms"
    assert docs["locked.zip/notes.txt"].family_id == docs["locked.zip"].control_number


def test_password_bank_opens_an_aes_zip(matter, tmp_path):
    import pyzipper  # a project dependency: reads and writes WinZip AES zips
    store, content = matter
    buf = io.BytesIO()
    with pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as z:
        z.setpassword(b"aes-pass")
        z.writestr("board-minutes.txt", b"Minutes of the board")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "aes.zip").write_bytes(buf.getvalue())
    ingest(store, content, tmp_path / "src", IngestContext(passwords=("nope",)))
    assert [e.reason for e in store.exceptions()] == ["encrypted"]
    ingest(store, content, tmp_path / "src", IngestContext(passwords=("nope", "aes-pass")))
    docs = docs_by_path(store)
    assert content.read_text(docs["aes.zip/board-minutes.txt"].text_sha256) == "Minutes of the board"
    assert store.exceptions() == []


def test_truncated_zip_is_an_exception(matter, tmp_path):
    store, content = matter
    raw = zip_bytes([("a.txt", b"alpha" * 1000), ("b.txt", b"beta" * 1000)])
    (tmp_path / "cut.zip").write_bytes(raw[: len(raw) // 2])
    ingest(store, content, tmp_path / "cut.zip")
    [exc] = store.exceptions()
    assert exc.reason == "truncated" and "cut.zip" in exc.detail


# --- MBOX -----------------------------------------------------------------------------------

def test_mbox_with_three_messages(matter, tmp_path):
    store, content = matter
    parts = []
    for i, (subject, body) in enumerate([("Pricing", "First.\nFrom here on, prices rise."),
                                         ("RE: Pricing", "Second.\n>From the desk of Bob"),
                                         ("Board/minutes: 2023?", "Third.")], start=1):
        msg = email_bytes(subject, body, msgid=f"<{i}@acme.com>", reply_to="<1@acme.com>" if i == 2 else None)
        msg = msg.replace(b"\nFrom here", b"\n>From here")  # mbox writers quote body lines that start with From
        parts.append(b"From jane@acme.com Tue Apr  4 10:0%d:00 2023\n" % i + msg + b"\n")
    (tmp_path / "inbox.mbox").write_bytes(b"".join(parts))
    ingest(store, content, tmp_path / "inbox.mbox")
    docs = docs_by_path(store)
    box = docs["inbox.mbox"]
    assert sorted(docs) == ["inbox.mbox", "inbox.mbox/0001-Pricing.eml", "inbox.mbox/0002-RE_ Pricing.eml",
                            "inbox.mbox/0003-Board_minutes_ 2023.eml"]
    first, second = docs["inbox.mbox/0001-Pricing.eml"], docs["inbox.mbox/0002-RE_ Pricing.eml"]
    assert all(d.family_id == box.control_number for d in docs.values())
    assert first.email.subject == "Pricing" and first.email.message_id == "<1@acme.com>"
    assert "From here on, prices rise." in content.read_text(first.text_sha256)  # >From unquoted
    assert ">From the desk" not in content.read_text(second.text_sha256)
    assert second.thread_id == first.thread_id is not None
    assert store.exceptions() == []


# --- EML ------------------------------------------------------------------------------------

def test_eml_received_forwarded_html_charsets_and_nameless_attachments(matter, tmp_path):
    store, content = matter
    forwarded = email_bytes("Original offer", "The original offer text.", msgid="<0@acme.com>")
    raw = (b"Received: from mx.globex.com by mail.acme.com; Tue, 04 Apr 2023 17:05:00 +0000\r\n"
           b"Received: from laptop by mx.globex.com; Tue, 04 Apr 2023 17:01:00 +0000\r\n"
           b"From: =?x-unknown?q?Bj=F6rn?= <bjorn@globex.com>\r\n"
           b"To: jane@acme.com\r\nSubject: =?utf-8?q?Fwd=3A_Offre_=C3=A9t=C3=A9?=\r\n"
           b"Date: Tue, 04 Apr 2023 12:00:00 -0500\r\nMessage-ID: <9@globex.com>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
           b"--XX\r\nContent-Type: text/html; charset=x-made-up\r\n\r\n"
           b"<html><head><style>p {color:red}</style><script>alert(1)</script></head>"
           b"<body><p>Caf\xc3\xa9 offer attached</p></body></html>\r\n"
           b"--XX\r\nContent-Type: message/rfc822\r\n\r\n" + forwarded + b"\r\n"
           b"--XX\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
           b"--XX--\r\n")
    (tmp_path / "fwd.eml").write_bytes(raw)
    ingest(store, content, tmp_path / "fwd.eml")
    docs = docs_by_path(store)
    mail = docs["fwd.eml"]
    assert mail.email.received.isoformat() == "2023-04-04T17:05:00+00:00"  # the topmost hop
    assert mail.email.subject == "Fwd: Offre été" and mail.email.from_.endswith("<bjorn@globex.com>")
    text = content.read_text(mail.text_sha256)
    assert "Café offer attached" in text and "alert" not in text and "color" not in text
    assert mail.email.attachment_names == ["Original offer.eml", "attachment-2.pdf"]
    inner = docs["fwd.eml/Original offer.eml"]
    assert inner.email.subject == "Original offer" and inner.email.message_id == "<0@acme.com>"
    assert inner.family_id == mail.control_number
    assert docs["fwd.eml/attachment-2.pdf"].parent == mail.control_number


def test_eml_with_mbox_from_line_and_obsolete_header_syntax(matter, tmp_path):
    store, content = matter
    raw = (b"From jane@acme.com Tue Apr  4 10:00:00 2023\n"
           b"From  : Jane Doe <jane@acme.com>\nSubject  : Old style\nDate: Tue, 04 Apr 2023 10:00:00 -0500\n\n"
           b"Body text\n")
    (tmp_path / "old.eml").write_bytes(raw)
    ingest(store, content, tmp_path / "old.eml")
    [doc] = store.documents()
    assert doc.email.subject == "Old style" and doc.email.from_ == "Jane Doe <jane@acme.com>"


@pytest.mark.corpora
def test_real_world_mail_is_a_document_or_an_exception_never_a_crash():
    dirs = [d for d in MAIL_DIRS if d.exists()]
    if not dirs:
        pytest.skip(f"{MAIL_DIRS[0].parent} absent: ../shared/corpora is not beside this checkout")
    seen = 0
    for root in dirs:
        for rel in list_files(root):
            data = (root / rel).read_bytes()
            name = Path(rel).name
            cls = pick(name, data)
            if cls is None or cls.name not in ("email", "mbox", "msg"):
                continue
            seen += 1
            try:
                ex = cls().extract(data, name)
            except IngestError as e:
                assert name in e.detail
                continue
            assert ex.email is not None or cls.name == "mbox"
            json.dumps(ex.text)  # no lone surrogates: the text can be stored
            for c in ex.children:
                assert c.name and "/" not in c.name
    assert seen >= 100


@pytest.mark.corpora
def test_real_world_mail_through_the_manager_loses_nothing(matter):
    dirs = [d for d in MAIL_DIRS if d.exists()]
    if not dirs:
        pytest.skip(f"{MAIL_DIRS[0].parent} absent: ../shared/corpora is not beside this checkout")
    store, content = matter
    files = 0
    for root in dirs:
        ingest(store, content, root, IngestContext(ocr=False))  # mail is under test here, not OCR
        files += len(list_files(root))
    c = store.counts()
    assert c["files_seen"] == c["files_accounted"] == files
    crashes = [e for e in store.exceptions() if "parser failed" in e.detail]
    assert crashes == []


# --- Outlook MSG ----------------------------------------------------------------------------

def _needs_msgreader() -> None:
    if not MSGREADER.exists():
        pytest.skip(f"{MSGREADER} absent: ../shared/corpora is not beside this checkout")


def _same_text(expected: str | None, got: str | None) -> bool:
    """msgreader decodes 8-bit strings as Latin-1 where lpo uses the message's code page."""
    if (expected or None) == got:
        return True
    try:
        return expected.encode("latin-1").decode("cp932") == got
    except (AttributeError, UnicodeError):
        return False


@pytest.mark.corpora
def test_msg_corpus_matches_msgreader_expectations():
    _needs_msgreader()
    from lpo.ingest.msg import MsgIngestor

    compared = 0
    for path in sorted(MSGREADER.glob("*.msg")):
        ex = MsgIngestor().extract(path.read_bytes(), path.name)
        expected_file = path.with_suffix(".json")
        if not expected_file.exists():
            continue
        want = json.loads(expected_file.read_text(encoding="utf-8"))
        assert _same_text(want.get("subject"), ex.email.subject), path.name
        sender = want.get("senderEmail") or ""
        if sender and not sender.lower().startswith("/o="):  # an Exchange path: lpo shows the name instead
            assert sender in (ex.email.from_ or ""), path.name
        elif want.get("senderName"):
            assert _same_text(want["senderName"], (ex.email.from_ or "").split(" <")[0]), path.name
        names = [a.get("fileName") or f"{a.get('name')}.msg" for a in want.get("attachments", [])]
        assert [c.name for c in ex.children] == names, path.name
        compared += 1
    assert compared >= 30


@pytest.mark.corpora
def test_msg_inside_msg_inside_msg_is_one_family(matter):
    _needs_msgreader()
    store, content = matter
    ingest(store, content, MSGREADER / "msgInMsgInMsg.msg")
    docs = docs_by_path(store)
    top = docs["msgInMsgInMsg.msg"]
    middle = docs["msgInMsgInMsg.msg/I have attachments!.msg"]
    inner = docs["msgInMsgInMsg.msg/I have attachments!.msg/Microsoft Outlook テスト メッセージ.msg"]
    assert top.email.subject == "I have sub attachments!" and middle.email.subject == "I have attachments!"
    assert inner.email.subject == "Microsoft Outlook テスト メッセージ"
    assert inner.email.from_ == "Microsoft Outlook <xmailuser@xmailserver.test>"
    assert inner.parent == middle.control_number and middle.parent == top.control_number
    assert {d.family_id for d in docs.values()} == {top.control_number}
    assert "msgInMsgInMsg.msg/I have attachments!.msg/green.png" in docs
    assert "自動送信" in content.read_text(inner.text_sha256)
    assert store.exceptions() == []


@pytest.mark.corpora
def test_msg_appointments_contacts_and_code_pages_are_documents():
    _needs_msgreader()
    from lpo.ingest.msg import MsgIngestor

    appt = MsgIngestor().extract((MSGREADER / "A schedule.msg").read_bytes(), "A schedule.msg")
    assert "location: A place" in appt.text and "IPM.Appointment" in appt.text
    contact = MsgIngestor().extract((MSGREADER / "contactAnsi.msg").read_bytes(), "contactAnsi.msg")
    assert "mobileTelephoneNumber: 080-0001-0001" in contact.text
    assert contact.email.subject == "コム ドット イグザンプル 殿"  # 8-bit strings in the locale's code page
    cp932 = MsgIngestor().extract((MSGREADER / "nonUnicodeCP932.msg").read_bytes(), "nonUnicodeCP932.msg")
    assert "日本語 Non Unicode 本文" in cp932.text
    recipients = MsgIngestor().extract((MSGREADER / "200 recipients.msg").read_bytes(), "200 recipients.msg")
    assert len(recipients.email.to) + len(recipients.email.cc) + len(recipients.email.bcc) == 200
