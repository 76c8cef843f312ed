"""Culling and structure after ingest: exact and email duplicates, near-duplicates, threads,
inclusive emails, de-NIST; idempotent; on generated files ingested for real."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import string
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from lpo.cull import NistListError, cull
from lpo.cull.nist import EXAMPLE_LIST, read_hashes
from lpo.ingest import extract_file, list_files, register_file
from lpo.matter import default_matter, write_matter
from lpo.workspace import Workspace

LICENSES = Path("/usr/share/common-licenses")


@pytest.fixture
def ws(tmp_path):
    write_matter(tmp_path / "matter", default_matter("Acme"))
    w = Workspace.open(tmp_path / "matter")
    yield w
    w.store.close()


def ingest(ws: Workspace, root: Path, custodian: str) -> None:
    for f in list_files(root):
        register_file(ws.store, ws.content, "ACME", custodian, extract_file(ws.content, root, f))


def write(root: Path, files: dict[str, bytes | str]) -> Path:
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def mail(subject: str, body: str, msgid: str | None = None, *, frm="Jane Doe <jane@acme.com>",
         to="Bob Smith <bob@globex.com>", cc: str | None = None, date="Tue, 04 Apr 2023 10:00:00 -0500",
         reply_to: str | None = None, references: str | None = None, headers: dict | None = None,
         attachments: list[tuple[str, bytes]] = ()) -> bytes:
    m = EmailMessage()
    for k, v in (headers or {}).items():  # e.g. Received and X- headers, before the rest as servers add them
        m[k] = v
    m["From"], m["To"], m["Subject"], m["Date"] = frm, to, subject, date
    if cc:
        m["Cc"] = cc
    if msgid:
        m["Message-ID"] = msgid
    if reply_to:
        m["In-Reply-To"] = reply_to
    if references or reply_to:
        m["References"] = references or reply_to
    m.set_content(body)
    for name, data in attachments:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return m.as_bytes()


def memo(seed: int, words: int = 300) -> str:
    """Prose-shaped text of pseudo-words: two seeds share (next to) no 5-word shingle."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(400)]
    out = [rng.choice(vocab) for _ in range(words)]
    return " ".join(w + ("." if i % 12 == 11 else "") for i, w in enumerate(out))


def docs_by_path(ws: Workspace) -> dict:
    return {(d.custodian, d.source_path): d for d in ws.store.documents()}


def snapshot(ws: Workspace) -> list[dict]:
    return [d.model_dump(mode="json") for d in ws.store.documents()]


# ---- exact and email duplicates -----------------------------------------------------------------

def test_exact_duplicates_global_then_per_custodian(ws, tmp_path):
    report = "Quarterly supplier report.\n" * 20
    ingest(ws, write(tmp_path / "alice", {"a_report.txt": report, "b_unique.txt": "only Alice has this"}), "Alice")
    ingest(ws, write(tmp_path / "bob", {"copy.txt": report, "sub/again.txt": report}), "Bob")
    ingest(ws, write(tmp_path / "carol", {"mine.txt": report}), "Carol")
    cull(ws)
    d = docs_by_path(ws)
    master = d["Alice", "a_report.txt"]
    assert master.duplicate_of is None and master.custodians == ["Alice", "Bob", "Carol"]
    assert {d["Bob", "copy.txt"].duplicate_of, d["Bob", "sub/again.txt"].duplicate_of,
            d["Carol", "mine.txt"].duplicate_of} == {master.control_number}
    assert d["Bob", "copy.txt"].custodians == []
    assert d["Alice", "b_unique.txt"].custodians == ["Alice"] and d["Alice", "b_unique.txt"].duplicate_of is None
    assert ws.store.counts()["duplicates"] == 3

    ws.matter.processing.dedupe = "custodian"  # each custodian's review keeps its own first copy
    cull(ws)
    d = docs_by_path(ws)
    assert d["Alice", "a_report.txt"].custodians == ["Alice"]
    assert d["Bob", "copy.txt"].duplicate_of is None and d["Bob", "copy.txt"].custodians == ["Bob"]
    assert d["Bob", "sub/again.txt"].duplicate_of == d["Bob", "copy.txt"].control_number
    assert d["Carol", "mine.txt"].duplicate_of is None
    assert ws.store.counts()["duplicates"] == 1


def test_email_duplicates_whose_natives_differ(ws, tmp_path):
    body = "Bob,\n\nThe revised pricing schedule is attached for your review.\n\nJane\n"
    sent = mail("RE: Pricing schedule", body, "<p1@acme.com>", to="Bob Smith <bob@globex.com>, ann@acme.com")
    # The recipient's copy of the same message: servers added Received and X- headers, the address
    # case and recipient order differ, the Date is in another zone (same instant), the subject
    # prefix and wrapping differ.
    received = mail("Re:  Pricing   schedule", body.replace("for your review", "for your\nreview"), "<p1@acme.com>",
                    to="ann@acme.com, Bob Smith <BOB@Globex.com>", date="Tue, 04 Apr 2023 15:00:30 +0000",
                    headers={"Received": "from mx1.globex.com by mail.globex.com; Tue, 4 Apr 2023 15:00:31 +0000",
                             "X-MS-Exchange-Organization-SCL": "-1", "X-Originating-IP": "[10.1.2.3]"})
    edited = mail("RE: Pricing schedule", body.replace("revised", "final"), "<p2@acme.com>",
                  to="Bob Smith <bob@globex.com>, ann@acme.com")
    ingest(ws, write(tmp_path / "jane", {"sent.eml": sent, "edited.eml": edited}), "Jane")
    ingest(ws, write(tmp_path / "bob", {"inbox.eml": received}), "Bob")
    ingest(ws, write(tmp_path / "ann", {"inbox.eml": received}), "Ann")  # byte-identical to Bob's
    out = cull(ws)
    d = docs_by_path(ws)
    master, bob, ann = d["Jane", "sent.eml"], d["Bob", "inbox.eml"], d["Ann", "inbox.eml"]
    assert master.sha256 != bob.sha256 and master.email_hash == bob.email_hash
    assert bob.duplicate_of == master.control_number
    assert ann.duplicate_of == master.control_number  # exact copy of an email duplicate: one master
    assert master.custodians == ["Ann", "Bob", "Jane"]
    assert d["Jane", "edited.eml"].duplicate_of is None and d["Jane", "edited.eml"].email_hash != master.email_hash
    assert out["dedupe"]["email_duplicates"] == 1 and out["dedupe"]["exact_duplicates"] == 1


# ---- near-duplicates ----------------------------------------------------------------------------

def test_near_duplicates_group_round_a_pivot(ws, tmp_path):
    base = memo(1)
    words = base.split()
    edited = " ".join(words[:150] + ["a", "sentence", "that", "was", "rewritten", "in", "the", "second", "draft."]
                      + words[160:])
    ingest(ws, write(tmp_path / "j", {
        "1_memo.txt": base, "2_memo_v2.txt": edited, "3_memo_copy.txt": base, "4_other_memo.txt": memo(2),
        "5_short.txt": "Lunch at noon on Friday in the large room",
        "6_short.txt": "Lunch at noon on Friday in the small room",
    }), "Jane")
    cull(ws)
    d = {k[1]: v for k, v in docs_by_path(ws).items()}
    pivot, v2 = d["1_memo.txt"], d["2_memo_v2.txt"]
    assert pivot.near_duplicate_group == pivot.control_number and pivot.near_duplicate_similarity == 1.0
    assert v2.near_duplicate_group == pivot.control_number
    assert 0.8 <= v2.near_duplicate_similarity < 1.0
    assert d["3_memo_copy.txt"].duplicate_of == pivot.control_number
    assert d["3_memo_copy.txt"].near_duplicate_group is None  # an exact duplicate is not a near-duplicate
    assert d["4_other_memo.txt"].near_duplicate_group is None
    assert d["5_short.txt"].near_duplicate_group is None and d["6_short.txt"].near_duplicate_group is None
    assert ws.store.counts()["near_duplicate_groups"] == 1
    again = cull(ws, workers=2)  # signatures from worker processes: the same groups, to the digit
    assert again["near_duplicates"]["signed"] == 3 and again["near_duplicates"]["changed"] == 0

    ws.matter.processing.near_duplicate_threshold = 0.99  # stricter than the edit: the group dissolves
    cull(ws)
    assert all(x.near_duplicate_group is None for x in ws.store.documents())


# ---- threads and inclusive emails ---------------------------------------------------------------

def quote(body: str) -> str:
    return "\n".join("> " + ln if ln else ">" for ln in body.rstrip("\n").split("\n"))


def test_threads_from_headers_and_subject_fallback(ws, tmp_path):
    jane, bob, eve = "Jane Doe <jane@acme.com>", "Bob Smith <bob@globex.com>", "Eve <eve@elsewhere.org>"
    ingest(ws, write(tmp_path / "j", {
        "a1.eml": mail("Delivery allocation", "Allocation for May is 400 units.", "<a1@acme.com>"),
        "a2.eml": mail("RE: Delivery allocation", "Agreed.", "<a2@globex.com>", frm=bob, to=jane,
                       reply_to="<a1@acme.com>", date="Wed, 05 Apr 2023 09:00:00 -0500"),
        # a3 replies to a message missing from the collection; its References still lead to a1.
        "a3.eml": mail("RE: Delivery allocation", "And June?", "<a3@acme.com>", reply_to="<lost@globex.com>",
                       references="<A1@acme.com> <lost@globex.com>", date="Thu, 06 Apr 2023 09:00:00 -0500"),
        # No In-Reply-To or References (an export that dropped them): the subject decides.
        "b1.eml": mail("Budget 2024", "Draft budget attached soon.", "<b1@acme.com>"),
        "b2.eml": mail("RE: Budget 2024", "Looks fine.", "<b2@globex.com>", frm=bob, to=jane,
                       date="Wed, 05 Apr 2023 11:00:00 -0500"),
        "b3.eml": mail("AW: Budget  2024", "Einverstanden.", "<b3@globex.com>", frm=bob, to=jane,
                       date="Thu, 06 Apr 2023 11:00:00 -0500"),
        "c1.eml": mail("RE: Budget 2024", "Unrelated people, same words.", "<c1@elsewhere.org>", frm=eve,
                       to="Mallory <mal@elsewhere.org>", date="Wed, 05 Apr 2023 12:00:00 -0500"),
        "c2.eml": mail("RE: Budget 2024", "Months later.", "<c2@globex.com>", frm=bob, to=jane,
                       date="Mon, 10 Jul 2023 12:00:00 -0500"),
        "d1.eml": mail("Budget 2024", "A new conversation with the same subject.", "<d1@acme.com>",
                       date="Fri, 07 Apr 2023 12:00:00 -0500"),
    }), "Jane")
    out = cull(ws)
    t = {k[1].removesuffix(".eml"): v.thread_id for k, v in docs_by_path(ws).items()}
    assert t["a1"] == t["a2"] == t["a3"]
    assert t["a1"] == "T-" + hashlib.sha1(b"a1@acme.com").hexdigest()[:12]  # from the root Message-ID
    assert t["b1"] == t["b2"] == t["b3"] != t["a1"]
    assert len({t["b1"], t["c1"], t["c2"], t["d1"]}) == 4  # other people; outside the window; no prefix
    assert out["threads"]["linked_by_subject"] == 2
    assert ws.store.counts()["threads"] == 5


def test_inclusive_emails(ws, tmp_path):
    jane, bob = "Jane Doe <jane@acme.com>", "Bob Smith <bob@globex.com>"
    p1 = "Bob,\nHere is the 8D report for lot G2329C.\nJane"
    p2 = "Thanks, we will review it this week.\nBob\n\nOn Apr 4, Jane wrote:\n" + quote(p1)
    p3 = "Good.\n\n" + quote(p2)
    q1 = "Can we move the call to Thursday?"
    q2 = "Thursday works.\n\n" + quote(q1)
    q3 = "I cannot make Thursday."  # a reply that quotes nothing: nobody else carries its words
    ingest(ws, write(tmp_path / "j", {
        "p1.eml": mail("8D report", p1, "<p1@acme.com>", attachments=[("8D.pdf", b"%PDF-1.4 not really")]),
        "p2.eml": mail("RE: 8D report", p2, "<p2@globex.com>", frm=bob, to=jane, reply_to="<p1@acme.com>",
                       date="Tue, 04 Apr 2023 11:00:00 -0500"),
        "p3.eml": mail("RE: 8D report", p3, "<p3@acme.com>", reply_to="<p2@globex.com>",
                       references="<p1@acme.com> <p2@globex.com>", date="Tue, 04 Apr 2023 12:00:00 -0500"),
        "q1.eml": mail("Call", q1, "<q1@acme.com>"),
        "q2.eml": mail("RE: Call", q2, "<q2@globex.com>", frm=bob, to=jane, reply_to="<q1@acme.com>",
                       date="Tue, 04 Apr 2023 10:30:00 -0500"),
        "q3.eml": mail("RE: Call", q3, "<q3@globex.com>", frm=bob, to=jane, reply_to="<q1@acme.com>",
                       date="Tue, 04 Apr 2023 10:40:00 -0500"),
        "note.txt": "not an email",
    }), "Jane")
    cull(ws)
    inc = {k[1]: v.inclusive for k, v in docs_by_path(ws).items()}
    assert inc["p1.eml"] is True  # quoted in p2, but its attachment is only here
    assert inc["p2.eml"] is False  # all of it is quoted in p3
    assert inc["p3.eml"] is True
    assert (inc["q1.eml"], inc["q2.eml"], inc["q3.eml"]) == (False, True, True)
    assert inc["note.txt"] is None and inc["p1.eml/8D.pdf"] is None


# ---- de-NIST ------------------------------------------------------------------------------------

def test_denist_with_a_hash_list_in_either_layout(ws, tmp_path):
    dll, font, letter = b"pretend system library " * 10, b"pretend font file " * 10, b"Dear Bob, ..."
    ingest(ws, write(tmp_path / "j", {"sys/a.dll.txt": dll, "sys/b.ttf.txt": font, "letter.txt": letter}), "Jane")
    (ws.dir / "nsrl.txt").write_text(
        "# two layouts in one file\n"
        f"{hashlib.md5(dll).hexdigest().upper()}\n"
        '"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\n'
        f'"{hashlib.sha1(font).hexdigest().upper()}","{"0" * 32}","00000000","b.ttf",170,1,"358",""\n')
    ws.matter.processing.nist_list = "nsrl.txt"
    out = cull(ws)
    f = {k[1]: v.filtered for k, v in docs_by_path(ws).items()}
    assert f == {"sys/a.dll.txt": "nist", "sys/b.ttf.txt": "nist", "letter.txt": None}
    assert out["nist"]["hashes_read"] == 3 and ws.store.counts()["filtered"] == 2

    ws.matter.processing.nist_list = None  # the list is withdrawn: the mark goes with it
    cull(ws)
    assert ws.store.counts()["filtered"] == 0

    ws.matter.processing.nist_list = "missing.txt"
    with pytest.raises(NistListError, match="missing.txt"):
        cull(ws)


def test_denist_with_the_shipped_example_list(ws, tmp_path):
    listed = set(read_hashes(EXAMPLE_LIST))
    assert len(listed) == 28  # 14 files, SHA-1 and MD5 each
    present = [p for p in sorted(LICENSES.glob("*")) if p.is_file() and not p.is_symlink()
               and hashlib.md5(p.read_bytes()).hexdigest() in listed] if LICENSES.is_dir() else []
    if not present:
        pytest.skip(f"none of the files behind {EXAMPLE_LIST.name} ({LICENSES}/*, Debian base-files) is here")
    src = tmp_path / "laptop"
    (src / "Program Files").mkdir(parents=True)
    shutil.copy(present[0], src / "Program Files" / "LICENSE.txt")
    (src / "memo.txt").write_text("Our position on the surcharge.")
    ingest(ws, src, "Jane")
    ws.matter.processing.nist_list = str(EXAMPLE_LIST)  # absolute; a relative path is read from the matter
    cull(ws)
    f = {k[1]: v.filtered for k, v in docs_by_path(ws).items()}
    assert f == {"Program Files/LICENSE.txt": "nist", "memo.txt": None}


# ---- idempotence, both engines ------------------------------------------------------------------

def mixed_collection(root: Path) -> Path:
    body = "Please find the pricing memo attached.\n"
    base = memo(3)
    return write(root, {
        "m1.eml": mail("Pricing", body, "<m1@acme.com>", attachments=[("memo.txt", base.encode())]),
        "m1_copy.eml": mail("Pricing", body, "<m1@acme.com>", headers={"X-Mailer": "Outlook 16.0"},
                            attachments=[("memo.txt", base.encode())]),
        "m2.eml": mail("RE: Pricing", "Thanks.\n\n" + quote(body), "<m2@globex.com>", reply_to="<m1@acme.com>",
                       date="Wed, 05 Apr 2023 10:00:00 -0500"),
        "m3.eml": mail("RE: Pricing", "One more thing.", None, date="Wed, 05 Apr 2023 12:00:00 -0500"),
        "memo.txt": base, "memo_v2.txt": base.replace(base.split()[100], "changed", 1),
    })


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_ws(request, tmp_path):
    matter = default_matter("Acme")
    admin = name = None
    if request.param == "postgres":
        server = request.getfixturevalue("pg_url")
        name = "t_" + uuid.uuid4().hex[:12]
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        matter.store_url = server.rsplit("/", 1)[0] + "/" + name
    write_matter(tmp_path / "matter", matter)
    w = Workspace.open(tmp_path / "matter")
    yield w
    w.store.close()
    if admin is not None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


def test_cull_twice_changes_nothing(any_ws, tmp_path):
    ws = any_ws
    ingest(ws, mixed_collection(tmp_path / "j"), "Jane")
    ingest(ws, mixed_collection(tmp_path / "b"), "Bob")
    first = cull(ws)
    assert first["dedupe"]["changed"] > 0 and first["threads"]["changed"] > 0
    before, audits = snapshot(ws), len(list(ws.store.audit_events()))
    again = cull(ws)
    assert snapshot(ws) == before
    assert [again[k].get("changed", again[k].get("computed")) for k in
            ("nist", "email_hashes", "dedupe", "threads", "near_duplicates")] == [0, 0, 0, 0, 0]
    assert len(list(ws.store.audit_events())) == audits  # nothing decided, nothing to record
    c = ws.store.counts()
    d = docs_by_path(ws)
    assert d["Jane", "m1_copy.eml"].duplicate_of == d["Jane", "m1.eml"].control_number
    assert d["Jane", "m1.eml"].custodians == ["Bob", "Jane"]
    assert d["Jane", "memo_v2.txt"].near_duplicate_group == d["Jane", "m1.eml/memo.txt"].control_number
    assert d["Jane", "m3.eml"].thread_id == d["Jane", "m1.eml"].thread_id  # no Message-ID at all: by subject
    # m1 by email hash (MIME boundaries differ) x3; the memo: attachments and loose copies x5; m2, m3, memo_v2
    assert c["duplicates"] == 11 and first["dedupe"]["email_duplicates"] == 3
    assert c["threads"] == 1 and c["near_duplicate_groups"] == 1
    json.dumps(c)  # `lpo status --json` prints it


# ---- the sample matter against its ground truth -------------------------------------------------

def test_sample_matter_duplicates_and_threads_match_ground_truth(tmp_path):
    from lpo.sample.generator import generate_sample_matter, sample_matter_config

    summary = generate_sample_matter(tmp_path / "sample")
    write_matter(tmp_path / "matter", sample_matter_config())
    ws = Workspace.open(tmp_path / "matter")
    for cdir in sorted((tmp_path / "sample" / "sources").iterdir()):
        ingest(ws, cdir, cdir.name)
    out = cull(ws)
    truth = json.loads((tmp_path / "sample" / "ground_truth.json").read_text())["documents"]
    want = {(t["custodian"], t["path"]) for t in truth if t["duplicate_of"]}
    got = {k for k, d in docs_by_path(ws).items() if d.duplicate_of}
    assert got == want and len(got) == summary.counts["duplicates"] == 38
    assert out["dedupe"]["email_duplicates"] == 0
    docs, by_thread = docs_by_path(ws), {}
    for t in truth:
        if t["thread"]:
            by_thread.setdefault(t["thread"], set()).add(docs[t["custodian"], t["path"]].thread_id)
    assert all(len(ids) == 1 for ids in by_thread.values())  # one conversation, one thread id
    assert ws.store.counts()["threads"] == summary.counts["threads"]
    ws.store.close()
