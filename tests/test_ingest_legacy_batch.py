"""Legacy Office files converted in batches: one LibreOffice process for a chunk's .doc/.xls/.ppt
files (lpo.ingest.legacy.preconvert), read by the workers as if each had been converted alone.

Needs LibreOffice (libreoffice-writer-nogui, -calc-nogui, -impress-nogui); `make setup` installs it.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from lpo.content import ContentStore
from lpo.ingest import extract_file
from lpo.ingest.legacy import OLE_MAGIC, batch_candidates, convert_batch, converted_name
from lpo.ingest.worker import WorkerPool

pytestmark = pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                                reason="LibreOffice is not installed (make setup installs it)")


def _docx(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _xlsx(text: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append([text, 7])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _pptx(text: str) -> bytes:
    import pptx

    p = pptx.Presentation()
    s = p.slides.add_slide(p.slide_layouts[1])
    s.shapes.title.text = text
    buf = io.BytesIO()
    p.save(buf)
    return buf.getvalue()


def make_legacy(tmp: Path, made: dict[str, bytes], dst: str) -> dict[str, bytes]:
    """Convert modern files to their legacy twins with LibreOffice (the test's own conversion)."""
    src = tmp / f"make-{dst}"
    src.mkdir()
    for name, data in made.items():
        (src / name).write_bytes(data)
    subprocess.run([shutil.which("soffice") or "soffice", f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
                    "--headless", "--convert-to", dst, "--outdir", str(src / "out"), *map(str, sorted(src.glob("*.*")))],
                   check=True, capture_output=True, timeout=300)
    return {f.name: f.read_bytes() for f in sorted((src / "out").iterdir())}


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    """Distinct .doc, .xls and .ppt files, a damaged OLE file, a broken zip named .doc (LibreOffice
    cannot load it) and a plain text file."""
    tmp = tmp_path_factory.mktemp("legacy-batch")
    root = tmp / "collection"
    root.mkdir()
    files = {}
    files |= make_legacy(tmp, {f"memo{i}.docx": _docx(f"Memo {i}: the rebate for Globex is {i * 3} percent")
                               for i in range(6)}, "doc")
    files |= make_legacy(tmp, {f"prices{i}.xlsx": _xlsx(f"Price list {i}") for i in range(2)}, "xls")
    files |= make_legacy(tmp, {f"deck{i}.pptx": _pptx(f"Project Falcon {i}") for i in range(2)}, "ppt")
    assert len(files) == 10 and all(d.startswith(OLE_MAGIC) for d in files.values())
    files["damaged.doc"] = OLE_MAGIC + b"\x00" * 504 + random.Random(0).randbytes(3000)
    files["random.doc"] = b"PK\x03\x04" + random.Random(1).randbytes(3000)  # LibreOffice cannot load it
    files["notes.txt"] = b"Call Erin about the Falcon rebate.\n"
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def _outcome(r, content: ContentStore) -> tuple:
    node = r.node(content)
    text = content.read_text(node.text_sha256) if node.text_sha256 else None
    return node.ingestor, node.error_reason, text, node.author, node.page_count


def test_a_chunk_of_legacy_files_is_converted_in_one_batch_and_reads_as_one_by_one(collection, tmp_path):
    paths = sorted(p.name for p in collection.iterdir())
    with WorkerPool(tmp_path / "content", workers=2) as pool:
        converted = pool._converted
        results = pool.extract(collection, paths)
        batched = pool.preconverted
        left = sorted(f.name for f in converted.iterdir())
    # The ten real legacy files were converted by the batch (LibreOffice may also take the damaged one).
    assert batched >= 10
    assert not converted.exists()  # the pool's folder goes with it
    # Each file's conversion was taken by its worker, except what the batch made of files no
    # legacy ingestor claimed (the damaged one, if LibreOffice read it at all).
    assert len(left) == batched - 10
    one_by_one = ContentStore(tmp_path / "alone")
    for rel, r in zip(paths, results):
        alone = extract_file(one_by_one, collection, rel)  # in this process: no batch folder, LibreOffice per file
        assert r.path == rel
        assert _outcome(r, ContentStore(tmp_path / "content")) == _outcome(alone, one_by_one), rel
    texts = {rel: _outcome(r, ContentStore(tmp_path / "content")) for rel, r in zip(paths, results)}
    assert "the rebate for Globex is 9 percent" in texts["memo3.doc"][2]
    assert "Price list 1" in texts["prices1.xls"][2] and "Project Falcon 0" in texts["deck0.ppt"][2]
    assert all(t[2] or t[1] for t in texts.values())  # each a document with text or an exception with a reason


def test_files_libreoffice_cannot_load_do_not_stop_the_batch(collection, tmp_path):
    order = ["memo0.doc", "random.doc", "memo1.doc", "memo2.doc"]
    out = tmp_path / "converted"
    out.mkdir()
    assert convert_batch([collection / n for n in order], "docx", out) == 3
    assert sorted(f.name for f in out.iterdir()) == sorted(
        converted_name((collection / n).read_bytes(), "docx") for n in ("memo0.doc", "memo1.doc", "memo2.doc"))


def test_a_batch_that_stalls_is_stopped_and_leaves_its_files_to_the_workers(collection, tmp_path):
    """A stall limit no LibreOffice can meet: every round is stopped before a file is converted,
    each stop leaves the file it was on, and the batch ends with nothing converted (not a loop)."""
    out = tmp_path / "converted"
    out.mkdir()
    files = [collection / f"memo{i}.doc" for i in range(4)]
    assert convert_batch(files, "docx", out, stall=0.0) == 0
    assert list(out.iterdir()) == []


def test_only_named_ole_files_within_the_limit_are_batch_candidates(collection):
    paths = sorted(p.name for p in collection.iterdir())
    picked = dict(batch_candidates(collection, paths, max_bytes=10**9))
    assert picked == {**{f"memo{i}.doc": "docx" for i in range(6)}, "damaged.doc": "docx",
                      **{f"prices{i}.xls": "xlsx" for i in range(2)}, **{f"deck{i}.ppt": "pptx" for i in range(2)}}
    assert batch_candidates(collection, paths, max_bytes=100) == []  # over the size limit: left to the worker


def test_a_batch_that_fails_outright_only_costs_time(collection, tmp_path, monkeypatch):
    """The batch is a shortcut: if it raises (here a full temp disk, simulated: the one patched call),
    the chunk is still read, each file converted alone in its worker."""
    from lpo.ingest import legacy

    def full_disk(*args, **kwargs):  # noqa: ANN002, ANN003
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(legacy, "preconvert", full_disk)
    with WorkerPool(tmp_path / "content", workers=2) as pool:
        results = pool.extract(collection, ["memo4.doc", "prices0.xls"])
        assert pool.preconverted == 0
    content = ContentStore(tmp_path / "content")
    texts = [_outcome(r, content)[2] for r in results]
    assert "the rebate for Globex is 12 percent" in texts[0] and "Price list 0" in texts[1]
