"""The ingest runtime: hostile files in worker processes, idempotent re-runs, resuming after a kill.

The hostile parsers below are registered for extensions no real file uses; the worker
processes import this module (WorkerPool's `preload`) so they are there too.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas
from typer.testing import CliRunner

from lpo.cli import app
from lpo.content import ContentStore
from lpo.ingest import list_files, register_file
from lpo.ingest.base import Extracted, Ingestor, register
from lpo.ingest.worker import Limits, WorkerPool
from lpo.store import Store

ROOT = Path(__file__).resolve().parents[1]
LPO = ROOT / ".venv" / "bin" / "lpo"
HERE = "tests.test_ingest_runtime"
runner = CliRunner()


# ---- parsers that misbehave the way real ones do on hostile files -------------------------------

@register
class LoopingParser(Ingestor):
    name, mime_types, extensions = "test-loop", ("application/x-test",), ("lpoloop",)

    def extract(self, data, name, ctx=None):
        n = 0
        while True:  # a parser stuck in a cycle of the file's own references
            n += 1


@register
class HangingConverter(Ingestor):
    name, mime_types, extensions = "test-convert", ("application/x-test",), ("lpoconvert",)

    def extract(self, data, name, ctx=None):
        # A converter in its own session (as LibreOffice runs) that never finishes.
        p = subprocess.Popen(["sleep", "600"], start_new_session=True)
        Path(data.decode()).write_text(str(p.pid))
        p.wait()


@register
class GreedyParser(Ingestor):
    name, mime_types, extensions = "test-greedy", ("application/x-test",), ("lpogreedy",)

    def extract(self, data, name, ctx=None):
        # 4 GiB (calloc: address space, not touched pages, so the unlimited case costs no RAM)
        held = [bytes(64 * 1024**2) for _ in range(64)]
        return Extracted(text=f"held {len(held)} blocks")


@register
class AbortingParser(Ingestor):
    name, mime_types, extensions = "test-abort", ("application/x-test",), ("lpoabort",)

    def extract(self, data, name, ctx=None):
        os.abort()  # a C library's failed assertion


@register
class SegfaultingParser(Ingestor):
    name, mime_types, extensions = "test-segv", ("application/x-test",), ("lposegv",)

    def extract(self, data, name, ctx=None):
        ctypes.string_at(0)  # a C library reading through a null pointer


@register
class ExitingParser(Ingestor):
    name, mime_types, extensions = "test-exit", ("application/x-test",), ("lpoexit",)

    def extract(self, data, name, ctx=None):
        sys.exit(3)  # a library that "handles" errors by exiting


# ---- fixtures -----------------------------------------------------------------------------------

@pytest.fixture
def matter(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lpo.db'}")
    yield store, ContentStore(tmp_path / "content")
    store.close()


def ingest_with_pool(pool: WorkerPool, store: Store, content: ContentStore, root: Path, custodian="Jane Doe"):
    from lpo.ingest.manager import registered

    results = pool.extract(root, list_files(root), registered(store, custodian))
    added = sum(register_file(store, content, "ACME", custodian, r) for r in results)
    return results, added


def pdf_bytes(pages: list[str], password: str | None = None) -> bytes:
    buf = io.BytesIO()
    enc = StandardEncryption(password, canPrint=1) if password else None
    c = canvas.Canvas(buf, invariant=1, encrypt=enc)
    for text in pages:
        c.drawString(72, 720, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def snapshot(store: Store) -> tuple:
    """What two runs over the same files must agree on."""
    docs = sorted((d.control_number, d.source_path, d.sha256, d.parent, d.family_id, d.duplicate_of,
                   d.text_sha256, d.page_count) for d in store.documents())
    excs = sorted((e.source_path, e.reason, e.sha256) for e in store.exceptions())
    files = sorted((f.path, f.sha256, f.size) for f in store.source_files())
    return docs, excs, files


# ---- hostile files ------------------------------------------------------------------------------

def test_hostile_files_become_exceptions_and_the_batch_goes_on(matter, tmp_path):
    store, content = matter
    src = tmp_path / "src"
    src.mkdir()
    bad = {"b_loop.lpoloop": "timeout", "d_greedy.lpogreedy": "out_of_memory", "f_abort.lpoabort": "crashed",
           "h_segv.lposegv": "crashed", "j_exit.lpoexit": "crashed", "l_big.txt": "too_large",
           "n_empty.txt": "empty", "p_convert.lpoconvert": "timeout"}
    for name in bad:
        (src / name).write_bytes(b"x" * (2 * 1024**2 if name == "l_big.txt" else 0 if name == "n_empty.txt" else 8))
    (src / "p_convert.lpoconvert").write_text(str(tmp_path / "converter.pid"))
    good = [f"{c}_memo.txt" for c in "acegikmoq"]
    for name in good:
        (src / name).write_text(f"Pricing memo {name}")

    limits = Limits(timeout_seconds=2, max_file_mb=1)
    with WorkerPool(tmp_path / "content", limits=limits, workers=2, preload=(HERE,)) as pool:
        ingest_with_pool(pool, store, content, src)
        assert pool.replaced == 4  # the looping, aborting, segfaulting and converting parsers' workers

    c = store.counts()
    assert c["files_seen"] == c["files_accounted"] == len(bad) + len(good)
    assert sorted(d.source_path for d in store.documents()) == good  # every file after a bad one was read
    excs = {e.source_path: e for e in store.exceptions()}
    assert {p: e.reason for p, e in excs.items()} == bad
    for p, e in excs.items():
        assert p in e.detail  # names the file ...
        assert "by hand" in e.detail or "fresh copy" in e.detail or "nothing to review" in e.detail  # ... and what to do
    assert "SIGABRT" in excs["f_abort.lpoabort"].detail and "SIGSEGV" in excs["h_segv.lposegv"].detail
    assert "timeout_seconds" in excs["b_loop.lpoloop"].detail and "memory_mb" in excs["d_greedy.lpogreedy"].detail
    converter = Path(f"/proc/{(tmp_path / 'converter.pid').read_text()}/stat")
    assert not converter.exists() or converter.read_text().rsplit(")", 1)[1].split()[0] == "Z"  # killed with it
    big = (src / "l_big.txt").read_bytes()
    assert excs["l_big.txt"].sha256 == hashlib.sha256(big).hexdigest()  # hashed for the record ...
    assert not content.has(excs["l_big.txt"].sha256)  # ... never loaded into the content store


def test_the_memory_limit_is_what_stops_a_greedy_parser(matter, tmp_path):
    # Without a limit the same parser reads the file: it is the worker's cap that makes the exception.
    store, content = matter
    src = tmp_path / "src"
    src.mkdir()
    (src / "greedy.lpogreedy").write_bytes(b"x")
    with WorkerPool(tmp_path / "content", limits=Limits(memory_mb=16 * 1024), workers=1, preload=(HERE,)) as pool:
        ingest_with_pool(pool, store, content, src)
    [doc] = store.documents()
    assert content.read_text(doc.text_sha256) == "held 64 blocks"


def test_a_memory_limit_too_low_for_any_worker_is_a_clear_error(tmp_path):
    # Not a run in which every file is an 'out_of_memory' exception: the setting is wrong, say which.
    (tmp_path / "memo.txt").write_text("Pricing memo")
    with WorkerPool(tmp_path / "content", limits=Limits(memory_mb=128), workers=1) as pool, \
            pytest.raises(RuntimeError, match="processing.memory_mb"):
        pool.extract(tmp_path, ["memo.txt"])


def test_the_lowest_memory_setting_a_matter_accepts_still_parses(tmp_path):
    # A worker holds ~220 MB of address space at rest: matter.yaml may not set a limit that kills it.
    from pydantic import ValidationError

    from lpo.matter import ProcessingConfig

    with pytest.raises(ValidationError):
        ProcessingConfig(memory_mb=256)
    lowest = ProcessingConfig.model_fields["memory_mb"].metadata[0].ge
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "memo.pdf").write_bytes(pdf_bytes(["Pricing memo", "Page two"]))
    limits = Limits.from_config(ProcessingConfig(memory_mb=lowest))
    with WorkerPool(tmp_path / "content", limits=limits, workers=1) as pool:
        [r] = pool.extract(tmp_path / "src", ["memo.pdf"])
    node = r.node(ContentStore(tmp_path / "content"))
    assert node.error_reason is None and node.page_count == 2


# ---- idempotent, atomic, resumable --------------------------------------------------------------

def write_collection(root: Path, n: int = 24, seed: int = 3) -> None:
    """Mixed business files: emails with attachments, PDFs, text, duplicates, a few bad ones."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    words = ["supply", "price", "invoice", "shipment", "steel", "contract", "surcharge", "delivery", "audit", "counsel"]
    for i in range(n):
        body = " ".join(rng.choice(words) for _ in range(40))
        kind = i % 4
        if kind == 0:
            m = EmailMessage()
            m["From"], m["To"], m["Subject"] = "jane@acme.com", "bob@globex.com", f"Order {i}"
            m["Message-ID"] = f"<{i}@acme.com>"
            m.set_content(body)
            m.add_attachment(pdf_bytes([body[:60], "Page two"]), maintype="application", subtype="pdf",
                             filename=f"order{i}.pdf")
            (root / f"{i:03d}_order.eml").write_bytes(m.as_bytes())
        elif kind == 1:
            (root / f"{i:03d}_report.pdf").write_bytes(pdf_bytes([body[:60], body[60:120]]))
        elif kind == 2:
            (root / f"{i:03d}_note.txt").write_text(body)
        else:
            (root / f"{i:03d}_copy.txt").write_text("the same note, copied to many folders")
    (root / "zz_broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    (root / "zz_empty.txt").write_bytes(b"")


def test_a_rerun_adds_nothing_and_a_changed_file_is_read_again(matter, tmp_path):
    store, content = matter
    write_collection(tmp_path / "src")
    with WorkerPool(tmp_path / "content", workers=2) as pool:
        ingest_with_pool(pool, store, content, tmp_path / "src")
        before = snapshot(store)
        results, added = ingest_with_pool(pool, store, content, tmp_path / "src")
        assert added == 0 and snapshot(store) == before
        # Only the files that were exceptions are tried again (a new password or limit may open them).
        assert sorted(r.path for r in results if not r.unchanged) == ["zz_broken.pdf", "zz_empty.txt"]

        (tmp_path / "src" / "002_note.txt").write_text("revised note")
        results, _ = ingest_with_pool(pool, store, content, tmp_path / "src")
    assert "002_note.txt" in [r.path for r in results if not r.unchanged]
    assert [f.sha256 for f in store.source_files() if f.path == "002_note.txt"] == [
        hashlib.sha256(b"revised note").hexdigest()]


def test_a_file_is_registered_whole_or_not_at_all(matter, tmp_path):
    # A real database failure half way through a family (an email's attachment cannot be written)
    # must leave nothing of the file behind: no source-file row, no parent document, no exception.
    store, content = matter
    write_collection(tmp_path / "src", n=4)
    with store.engine.begin() as c:
        c.exec_driver_sql("CREATE TRIGGER disk_full BEFORE INSERT ON documents WHEN NEW.file_name = 'order0.pdf' "
                          "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with WorkerPool(tmp_path / "content", workers=1) as pool:
        results = pool.extract(tmp_path / "src", list_files(tmp_path / "src"))
    with pytest.raises(Exception, match="disk full"):
        register_file(store, content, "ACME", "Jane Doe", results[0])
    assert store.counts()["files_seen"] == 0 and not store.documents() and not store.exceptions()
    with store.engine.begin() as c:
        c.exec_driver_sql("DROP TRIGGER disk_full")
    for r in results:
        register_file(store, content, "ACME", "Jane Doe", r)
    c = store.counts()
    assert c["files_seen"] == c["files_accounted"] == len(results)
    assert store.document("ACME-00000002").source_path == "000_order.eml/order0.pdf"


def _group(pgid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


@pytest.mark.skipif(not LPO.exists(), reason=f"{LPO} absent: run `make setup`")
def test_a_run_killed_midway_resumes_to_the_state_of_an_uninterrupted_one(tmp_path, prefect_harness):
    from prefect.settings import PREFECT_API_URL

    src = tmp_path / "src"
    write_collection(src, n=120)
    n_files = len(list_files(src))
    for m in ("killed", "whole"):
        assert runner.invoke(app, ["init", str(tmp_path / m), "--name", "Acme"]).exit_code == 0
    args = [str(src), "--custodian", "Jane Doe", "--workers", "1", "--chunk-size", "4"]

    # The killed run: a real `lpo ingest` process, SIGKILLed once a random number of files are registered.
    rng = random.Random()
    threshold = rng.randint(4, 40)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}  # the harness's server: no start-up
    proc = subprocess.Popen([str(LPO), "ingest", str(tmp_path / "killed"), *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    store = Store.for_matter(tmp_path / "killed")
    try:
        while proc.poll() is None and len(store.source_files()) < threshold:
            time.sleep(0.01)
        assert proc.poll() is None, f"ingest ended before the kill: {proc.stderr.read().decode()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = len(store.source_files())
        assert threshold <= at_kill < n_files
        # Its fork server and parser processes go with it instead of parsing on as orphans.
        for _ in range(300):
            if not _group(proc.pid):
                break
            time.sleep(0.1)
        assert not _group(proc.pid)
    finally:
        for pid in _group(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.stderr.close()

    r = runner.invoke(app, ["ingest", str(tmp_path / "killed"), *args])
    assert r.exit_code == 0, r.output
    assert f"{at_kill} files unchanged" in " ".join(r.output.split())  # registered ones are not parsed again
    r = runner.invoke(app, ["ingest", str(tmp_path / "whole"), *args])
    assert r.exit_code == 0, r.output

    whole = Store.for_matter(tmp_path / "whole")
    assert snapshot(store) == snapshot(whole), f"killed after {at_kill} files (threshold {threshold})"
    assert len(snapshot(store)[2]) == n_files
    r = runner.invoke(app, ["ingest", str(tmp_path / "killed"), *args])  # and once more: nothing new
    assert r.exit_code == 0 and "0 new documents" in r.output
    assert snapshot(store) == snapshot(whole)
    store.close()
    whole.close()


# ---- the password bank through the command line --------------------------------------------------

def test_password_bank_file_opens_encrypted_files(tmp_path, prefect_harness):
    src = tmp_path / "src"
    src.mkdir()
    (src / "locked.pdf").write_bytes(pdf_bytes(["Settlement terms: confidential"], password="tr0ub4dor"))
    (src / "unknown.pdf").write_bytes(pdf_bytes(["Nobody knows this one"], password="n0t-in-the-bank"))
    (src / "memo.txt").write_text("open memo")
    bank = tmp_path / "passwords.txt"
    bank.write_text("letmein\ntr0ub4dor\n\n")
    matter = tmp_path / "m"
    assert runner.invoke(app, ["init", str(matter), "--name", "Acme"]).exit_code == 0
    r = runner.invoke(app, ["ingest", str(matter), str(src), "--custodian", "Jane Doe", "--passwords", str(bank),
                            "--workers", "2"])
    assert r.exit_code == 0, r.output
    store = Store.for_matter(matter)
    docs = {d.source_path: d for d in store.documents()}
    text = ContentStore(matter / "content").read_text(docs["locked.pdf"].text_sha256)
    assert "Settlement terms" in text
    [exc] = store.exceptions()
    assert (exc.source_path, exc.reason) == ("unknown.pdf", "encrypted")
    status = json.loads(runner.invoke(app, ["status", str(matter), "--json"]).stdout)
    assert status["files_seen"] == status["files_accounted"] == 3
    store.close()
