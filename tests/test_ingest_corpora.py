"""Every real-world file in ../shared/corpora (pdf, email, office, loadfiles) is a document or an
exception, through `lpo ingest` with the password bank the corpora's README lists.

Some pdf.js files are fuzzed or built to exhaust resources: the run must complete anyway.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bench.corpora_passwords import write_bank
from lpo.cli import app
from lpo.store import Store

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
FOLDERS = ["pdf", "email", "office", "loadfiles"]
runner = CliRunner()


@pytest.mark.corpora
def test_every_corpora_file_is_accounted_for(tmp_path, prefect_harness):
    missing = [f for f in FOLDERS if not (CORPORA / f).is_dir()]
    if missing:
        pytest.skip(f"{', '.join(str(CORPORA / f) for f in missing)} absent: ../shared/corpora is not beside this checkout")
    matter = tmp_path / "m"
    assert runner.invoke(app, ["init", str(matter), "--name", "Corpora"]).exit_code == 0
    cfg = yaml.safe_load((matter / "matter.yaml").read_text())
    # Tighter than the defaults so files built to hang cost seconds, not minutes; the limits still hold.
    cfg["processing"] = {"timeout_seconds": 30}
    (matter / "matter.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    bank = write_bank(tmp_path / "passwords.txt", CORPORA)

    on_disk = 0
    for folder in FOLDERS:
        on_disk += sum(1 for p in (CORPORA / folder).rglob("*") if p.is_file() and not p.is_symlink())
        r = runner.invoke(app, ["ingest", str(matter), str(CORPORA / folder), "--custodian", folder,
                                "--passwords", str(bank)])
        assert r.exit_code == 0, f"{folder}: {r.output}\n{r.exception!r}"

    status = json.loads(runner.invoke(app, ["status", str(matter), "--json"]).stdout)
    assert status["files_accounted"] == status["files_seen"] == on_disk
    store = Store.for_matter(matter)
    reasons = Counter(e.reason for e in store.exceptions())
    print(f"\n{on_disk} files: {status['documents']} documents, exceptions {dict(reasons.most_common())}")
    # The password bank did its work: the README's encrypted PDFs are documents, not exceptions.
    docs = {d.source_path for d in store.documents()}
    assert {"pdfplumber/tests/pdfs/password-example.pdf", "pdfminer.six/samples/encryption/aes-256-r6.pdf"} <= docs
    store.close()
