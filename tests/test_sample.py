"""The sample-matter generator: reproducible bytes, and ground truth that matches the files."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from lpo.matter import Matter, load_matter, write_matter
from lpo.sample.cast import LEGEND_AC
from lpo.sample.generator import GROUND_TRUTH, SOURCES, generate_sample_matter, sample_matter_config
from lpo.sample.pii import aba_is_valid, luhn_is_valid, ssn_is_valid


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    summary = generate_sample_matter(out, seed=7)
    gt = json.loads((out / GROUND_TRUTH).read_text(encoding="utf-8"))
    return out, summary, gt


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _file(out: Path, custodian: str, path: str) -> Path:
    return out / SOURCES / custodian / Path(*path.split("/"))


def _parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def _email_path(doc: dict) -> str:
    return doc["parent"] if doc["parent"] else doc["path"]


_TEXTS: dict = {}


def _doc_text(out: Path, doc: dict) -> str:
    """The text a reviewer sees: email body (plus headers, for names), TXT, PDF or DOCX text."""
    key = (str(out), doc["custodian"], doc["path"])
    if key not in _TEXTS:
        _TEXTS[key] = _extract(out, doc)
    return _TEXTS[key]


def _extract(out: Path, doc: dict) -> str:
    if doc["parent"]:
        msg = _parse(_file(out, doc["custodian"], doc["parent"]).read_bytes())
        name = doc["path"].rsplit("/", 1)[1]
        data = next(a.get_payload(decode=True) for a in msg.iter_attachments() if a.get_filename() == name)
    else:
        data = _file(out, doc["custodian"], doc["path"]).read_bytes()
    kind = doc["kind"]
    if kind == "email":
        msg = _parse(data)
        heads = "\n".join(f"{k}: {v}" for k, v in msg.items())
        return heads + "\n\n" + msg.get_body(("plain",)).get_content()
    if kind == "txt":
        return data.decode("utf-8")
    if kind == "pdf":
        pdfplumber = pytest.importorskip("pdfplumber")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return "\n".join(p.extract_text() or "" for p in pdf.pages)
    if kind == "docx":
        docx = pytest.importorskip("docx")
        d = docx.Document(io.BytesIO(data))
        parts = [p.text for p in d.paragraphs]
        parts += [c.text for t in d.tables for r in t.rows for c in r.cells]
        parts += [p.text for s in d.sections for p in s.header.paragraphs]
        return "\n".join(parts)
    raise AssertionError(f"unexpected kind {kind}")


def _offset_text(out: Path, doc: dict) -> str:
    """The text redaction offsets index into: an email's text/plain body, or the TXT file."""
    data = _file(out, doc["custodian"], doc["path"]).read_bytes()
    if doc["kind"] == "email":
        return _parse(data).get_body(("plain",)).get_content()
    return data.decode("utf-8")


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_trees(sample, tmp_path):
    out, _, _ = sample
    again = tmp_path / "again"
    # an earlier sample in the way is replaced, stale files and all
    (again / SOURCES / "Stale Custodian").mkdir(parents=True)
    (again / SOURCES / "Stale Custodian" / "old.txt").write_text("left over")
    (again / GROUND_TRUTH).write_text("{}")
    generate_sample_matter(again, seed=7)
    first, second = _tree(out), _tree(again)
    assert first.keys() == second.keys()
    changed = [k for k in first if first[k] != second[k]]
    assert not changed, f"differs between runs: {changed[:5]}"
    kinds = Counter(k.rsplit(".", 1)[-1] for k in first)
    assert kinds["pdf"] and kinds["docx"] and kinds["eml"], "the comparison must cover PDF, DOCX and mail"


def test_different_seed_changes_content(sample, tmp_path):
    out, _, gt = sample
    other = tmp_path / "seed8"
    generate_sample_matter(other, seed=8)
    gt8 = json.loads((other / GROUND_TRUTH).read_text())
    assert gt8["seed"] == 8
    assert {f["sha256"] for f in gt8["files"]} != {f["sha256"] for f in gt["files"]}


def test_refuses_to_delete_a_folder_it_did_not_write(tmp_path):
    foreign = tmp_path / "foreign"
    (foreign / SOURCES / "someone").mkdir(parents=True)
    (foreign / SOURCES / "someone" / "keep.txt").write_text("not ours")
    with pytest.raises(FileExistsError):
        generate_sample_matter(foreign)
    assert (foreign / SOURCES / "someone" / "keep.txt").exists()


def test_never_imports_prefect():
    code = "import sys, lpo.sample.generator; sys.exit(1 if 'prefect' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --------------------------------------------------------------------------- files and documents


def test_every_file_is_listed_with_its_hash(sample):
    out, summary, gt = sample
    on_disk = {}
    for p in (out / SOURCES).rglob("*"):
        if p.is_file():
            rel = p.relative_to(out / SOURCES)
            on_disk[(rel.parts[0], "/".join(rel.parts[1:]))] = p.read_bytes()
    listed = {(f["custodian"], f["path"]): f for f in gt["files"]}
    assert on_disk.keys() == listed.keys()
    for key, data in on_disk.items():
        assert listed[key]["sha256"] == hashlib.sha256(data).hexdigest(), key
        assert listed[key]["size"] == len(data), key
    assert summary.files_written == len(gt["files"])
    assert 3 <= len({c for c, _ in on_disk}) <= 4


def test_document_count_and_richness(sample):
    _, summary, gt = sample
    docs = gt["documents"]
    assert 220 <= len(docs) <= 300
    assert summary.documents_expected == len(docs)
    responsive = sum(d["responsive"] for d in docs) / len(docs)
    assert 0.3 <= responsive <= 0.5, responsive
    kinds = Counter(d["kind"] for d in docs)
    assert {"email", "pdf", "docx", "txt"} <= kinds.keys()


def test_documents_trace_to_files_and_attachments(sample):
    out, _, gt = sample
    doc_files = {(f["custodian"], f["path"]) for f in gt["files"] if f["expect"] == "document"}
    top = {(d["custodian"], d["path"]) for d in gt["documents"] if not d["parent"]}
    assert top == doc_files
    for d in gt["documents"]:
        if not d["parent"]:
            assert not d["path"].startswith(d["custodian"])
            continue
        assert d["path"].startswith(d["parent"] + "/")
        msg = _parse(_file(out, d["custodian"], d["parent"]).read_bytes())
        names = [a.get_filename() for a in msg.iter_attachments()]
        assert len(names) == len(set(names)), f"attachment names repeat in {d['parent']}"
        name = d["path"][len(d["parent"]) + 1:]
        data = next(a.get_payload(decode=True) for a in msg.iter_attachments() if a.get_filename() == name)
        assert hashlib.sha256(data).hexdigest() == d["sha256"]


def test_order_is_custodian_then_path(sample):
    _, _, gt = sample
    keys = [(f["custodian"], tuple(f["path"].split("/"))) for f in gt["files"]]
    assert keys == sorted(keys)


# --------------------------------------------------------------------------- email structure


def test_emails_have_headers_threads_and_quotes(sample):
    out, _, gt = sample
    emails = [d for d in gt["documents"] if d["kind"] == "email"]
    assert len(emails) >= 150
    thread_sizes: Counter = Counter()
    seen: set = set()
    replies = 0
    for d in emails:
        msg = _parse(_file(out, d["custodian"], d["path"]).read_bytes())
        for h in ("From", "To", "Subject", "Date", "Message-ID"):
            assert msg[h], f"{d['path']} lacks {h}"
        sent = parsedate_to_datetime(msg["Date"])
        assert datetime(2023, 1, 1).date() <= sent.date() <= datetime(2024, 12, 31).date()
        refs = msg["References"].split() if msg["References"] else []
        if msg["In-Reply-To"]:
            replies += 1
            assert refs and refs[-1] == msg["In-Reply-To"]
            assert ">" in msg.get_body(("plain",)).get_content() or "From:" in msg.get_body(("plain",)).get_content()
        assert d["thread"] == (refs[0] if refs else msg["Message-ID"])
        if msg["Message-ID"] not in seen:
            seen.add(msg["Message-ID"])
            thread_sizes[d["thread"]] += 1
    assert replies >= 80
    multi = [n for n in thread_sizes.values() if n >= 3]
    assert len(multi) >= 15 and max(thread_sizes.values()) <= 6


def test_families(sample):
    _, _, gt = sample
    families = defaultdict(list)
    for d in gt["documents"]:
        if d["parent"]:
            families[(d["custodian"], d["parent"])].append(d)
    assert len(families) >= 12
    kinds = Counter(a["kind"] for kids in families.values() for a in kids)
    assert kinds["pdf"] and kinds["docx"] and kinds["txt"]
    by_path = {(d["custodian"], d["path"]): d for d in gt["documents"]}
    for (cust, parent), kids in families.items():
        assert by_path[(cust, parent)]["kind"] == "email"
        for k in kids:
            assert k["thread"] is None
    # a privileged email whose attachment is not privileged (a pre-existing business document)
    assert any(by_path[key]["privilege"] == "attorney_client" and k["privilege"] == "not_privileged"
               for key, kids in families.items() for k in kids)


def test_duplicates(sample):
    _, summary, gt = sample
    docs = gt["documents"]
    first_by_sha: dict[str, dict] = {}
    for d in docs:
        if d["sha256"] in first_by_sha:
            f = first_by_sha[d["sha256"]]
            assert d["duplicate_of"] == f["path"] and d["duplicate_of_custodian"] == f["custodian"]
            for k in ("responsive", "privilege", "issue_codes", "kind"):
                assert d[k] == f[k], (d["path"], k)
        else:
            assert d["duplicate_of"] is None
            first_by_sha[d["sha256"]] = d
    dups = [d for d in docs if d["duplicate_of"]]
    assert summary.counts["duplicates"] == len(dups) >= 10
    # the same email collected from two custodians
    assert any(d["kind"] == "email" and d["duplicate_of_custodian"] != d["custodian"] for d in dups)
    # the same attachment in two different emails
    att_parents = defaultdict(set)
    for d in docs:
        if d["parent"]:
            att_parents[d["sha256"]].add((d["custodian"], d["parent"]))
    assert any(len(p) >= 2 for p in att_parents.values())
    # an attachment also saved as a loose file
    loose = {d["sha256"] for d in docs if not d["parent"] and d["kind"] != "email"}
    assert any(d["parent"] and d["sha256"] in loose for d in docs)


def test_processing_exceptions(sample):
    out, summary, gt = sample
    exc = [f for f in gt["files"] if f["expect"] == "exception"]
    assert summary.exceptions_expected == len(exc) == 3
    by_reason = {f["reason"]: f for f in exc}
    assert by_reason.keys() == {"corrupt", "empty", "unsupported"}
    assert by_reason["empty"]["size"] == 0
    assert by_reason["unsupported"]["path"].endswith(".bin") and by_reason["unsupported"]["size"] > 0
    corrupt = _file(out, by_reason["corrupt"]["custodian"], by_reason["corrupt"]["path"])
    assert corrupt.suffix == ".pdf" and corrupt.read_bytes().startswith(b"%PDF-")
    pypdf = pytest.importorskip("pypdf")
    with pytest.raises(Exception):
        [p.extract_text() for p in pypdf.PdfReader(corrupt).pages]
    pdfplumber = pytest.importorskip("pdfplumber")
    with pytest.raises(Exception):
        with pdfplumber.open(corrupt) as pdf:
            [p.extract_text() for p in pdf.pages]
    paths = {(d["custodian"], d["path"]) for d in gt["documents"]}
    assert not any((f["custodian"], f["path"]) in paths for f in exc)


# --------------------------------------------------------------------------- coding


def test_coding_is_consistent_with_the_protocol(sample):
    _, _, gt = sample
    codes = {c.code for c in sample_matter_config().protocol.issue_codes}
    for d in gt["documents"]:
        assert set(d["issue_codes"]) <= codes
        if d["responsive"]:
            assert d["issue_codes"], d["path"]
        else:
            assert not d["issue_codes"] and d["designation"] is None, d["path"]
        if d["privilege"] in ("attorney_client", "work_product"):
            assert d["designation"] is None, d["path"]
        assert d["designation"] in (None, "Confidential", "Highly Confidential - AEO")
    seen = Counter(c for d in gt["documents"] for c in d["issue_codes"])
    assert set(seen) == codes


def test_privilege_categories(sample):
    out, summary, gt = sample
    docs = gt["documents"]
    ac = [d for d in docs if d["privilege"] == "attorney_client"]
    wp = [d for d in docs if d["privilege"] == "work_product"]
    partial = [d for d in docs if d["privilege"] == "partial"]
    assert len(ac) >= 8 and len(wp) >= 3 and len(partial) >= 3
    assert sum(LEGEND_AC in _doc_text(out, d) for d in ac if d["kind"] == "email") >= 5
    assert all("counsel" in _doc_text(out, d).lower() for d in wp)
    # hard negatives: a lawyer or law firm is named, but nothing is privileged
    cfg = sample_matter_config().protocol.counsel
    names = cfg.names + cfg.domains
    tricky = [d for d in docs if d["privilege"] == "not_privileged" and d["kind"] == "email"
              and any(n in _doc_text(out, d) for n in names)]
    assert len(tricky) >= 5
    assert any(not d["responsive"] for d in tricky) and any(d["responsive"] for d in tricky)


def test_partial_redactions_are_verbatim(sample):
    out, _, gt = sample
    partial = [d for d in gt["documents"] if d["privilege"] == "partial"]
    assert {d["kind"] for d in partial} >= {"email", "txt"}
    for d in partial:
        priv = [r for r in d["redactions"] if r["reason"] == "Privileged"]
        assert priv, d["path"]
        text = _offset_text(out, d)
        for r in priv:
            assert text[r["start"]:r["end"]] == r["text"]
            assert len(r["text"]) > 100 and r["text"] != text.strip()
    others = [d for d in gt["documents"] if d["privilege"] != "partial"]
    assert not any(r["reason"] == "Privileged" for d in others for r in d["redactions"])


def test_pii_values_are_valid_and_present(sample):
    out, summary, gt = sample
    types = Counter()
    for d in gt["documents"]:
        if not d["pii"]:
            continue
        text = _doc_text(out, d)
        for p in d["pii"]:
            types[p["type"]] += 1
            assert p["value"] in text, (d["path"], p)
            if p["type"] == "ssn":
                assert ssn_is_valid(p["value"])
            elif p["type"] == "payment_card":
                assert luhn_is_valid(p["value"])
            elif p["type"] == "aba_routing":
                assert aba_is_valid(p["value"])
            elif p["type"] == "bank_account":
                assert p["value"].isdigit() and 8 <= len(p["value"]) <= 17
            elif p["type"] == "dob":
                assert datetime.strptime(p["value"], "%m/%d/%Y").year < 2000
        if d["kind"] in ("email", "txt"):
            body = _offset_text(out, d)
            for r in d["redactions"]:
                if r["reason"] == "PII":
                    assert body[r["start"]:r["end"]] == r["text"]
    assert set(types) == set(sample_matter_config().protocol.pii_types)
    assert summary.counts["with_pii"] >= 10


def test_pii_validators_reject_bad_values():
    assert not ssn_is_valid("666-12-3456") and not ssn_is_valid("912-12-3456")
    assert not ssn_is_valid("123-00-4567") and ssn_is_valid("123-45-6789")
    assert luhn_is_valid("4111 1111 1111 1111") and not luhn_is_valid("4111 1111 1111 1112")
    assert aba_is_valid("011000015") and not aba_is_valid("011000016") and not aba_is_valid("991000015")


# --------------------------------------------------------------------------- the matter configuration


def test_config_validates_and_round_trips(tmp_path):
    m = sample_matter_config()
    assert m.name == "Acme v. Globex" and m.doc_prefix == "ACME"
    assert m.production.prefix == "ACME" and m.production.start == 1 and m.production.padding == 8
    assert m.batch_size == 50 and m.qa.confidence == 0.95 and m.qa.plan == "accept_on_zero"
    assert m.tar.enabled and m.tar.seed_query
    assert m.site("first_pass").name == "offshore" and m.site("qa").name == "onshore-qa"
    assert {s.token_env for s in m.review_sites} == {"LPO_LS_TOKEN"}
    assert 4 <= len(m.protocol.issue_codes) <= 5
    assert len(m.protocol.instructions) > 1000 and "privileged" in m.protocol.instructions.lower()
    write_matter(tmp_path, m)
    assert load_matter(tmp_path) == m
    Matter.model_validate(m.model_dump())


def test_config_matches_the_documents(sample):
    out, _, gt = sample
    cfg = sample_matter_config()
    texts = {(d["custodian"], d["path"]): _doc_text(out, d) for d in gt["documents"] if not d["duplicate_of"]}
    everything = "\n".join(texts.values()).lower()
    for term in cfg.protocol.search_terms:
        assert term.lower() in everything, f"search term {term!r} hits nothing"
    privileged = "\n".join(t for (c, p), t in texts.items()
                           if next(d for d in gt["documents"] if (d["custodian"], d["path"]) == (c, p))["privilege"]
                           in ("attorney_client", "work_product"))
    for name in cfg.protocol.counsel.names:
        assert name in privileged, f"counsel {name} appears in no privileged document"
    for addr in cfg.protocol.counsel.emails:
        assert addr in everything
    assert gt["matter"] == cfg.name
    assert set(gt["custodians"]) == {f["custodian"] for f in gt["files"]}
