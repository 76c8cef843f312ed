"""Pre-tagging a matter (lpo/pretag.py) and `lpo pretags DIR --json`: per-document results.

The store is filled directly (no ingest flow, no Prefect): the pre-tag stage and
its report are Prefect-free.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from lpo.cli import app
from lpo.matter import Counsel, default_matter, write_matter
from lpo.models import Document
from lpo.pretag import pretag_documents, pretag_report, pretagger
from lpo.workspace import Workspace

TEXTS = {
    "memo.txt": "PRIVILEGED & CONFIDENTIAL\nElaine, my legal advice on the surcharge: do not pay. Richard B. Sanders",
    "payroll.txt": "Direct deposit form\nSSN: 512-44-8790\nRouting number: 021000021\nAccount number: 4471190023\n"
                   "Call (937) 555-0123 about the surcharge.",
    "lunch.txt": "Lunch on Friday? The sanders in line 3 are loud.",
}


@pytest.fixture
def ws(tmp_path):
    matter = default_matter("Acme v. Globex")
    protocol = matter.protocol.model_copy(update={
        "counsel": Counsel(names=["Richard B. Sanders"], emails=["rsanders@hollistervance.com"],
                           domains=["hollistervance.com"]),
        "search_terms": ["surcharge"],
        "pii_types": ["ssn", "payment_card", "bank_account", "aba_routing", "phone", "dob", "email"],
        "privilege_threshold": 0.5})
    write_matter(tmp_path / "m", matter.model_copy(update={"protocol": protocol}))
    ws = Workspace.open(tmp_path / "m")
    docs = []
    for i, (name, text) in enumerate(TEXTS.items(), start=1):
        h = hashlib.sha256(text.encode()).hexdigest()
        docs.append(Document(control_number=f"ACME-{i:06d}", custodian="Dana Whitmore", family_id=f"ACME-{i:06d}",
                             md5=h[:32], sha1=h[:40], sha256=h, source_path=f"Documents/{name}", file_name=name,
                             extension="txt", mime_type="text/plain", size=len(text),
                             text_sha256=ws.content.put_text(text)))
    ws.store.add_documents(docs)
    return ws


def test_pretag_report_per_document(ws):
    version = pretagger(ws.matter.protocol).version
    assert ws.store.unpretagged(version) == ["ACME-000001", "ACME-000002", "ACME-000003"]
    before = {r["control_number"]: r for r in pretag_report(ws)}
    assert not any(r["pretagged"] for r in before.values()) and before["ACME-000001"]["privilege_score"] is None
    assert pretag_documents(ws, ["ACME-000001", "ACME-000002"]) == 2
    assert ws.store.unpretagged(version) == ["ACME-000003"]  # incremental: the rest is still to do
    pretag_documents(ws, ws.store.unpretagged(version))
    rows = pretag_report(ws)
    assert [r["control_number"] for r in rows] == ["ACME-000001", "ACME-000002", "ACME-000003"]
    memo, payroll, lunch = rows
    assert memo["file_name"] == "memo.txt" and memo["privilege_flag"] is True and memo["privilege_score"] >= 0.6
    assert [r.split(" ")[0] for r in memo["privilege_reasons"]] == ["legend", "legal_advice", "counsel_name"]
    assert payroll["pii"] == {"aba_routing": 1, "bank_account": 1, "phone": 1, "ssn": 1}
    assert payroll["terms"] == {"surcharge": 1} and payroll["privilege_flag"] is False
    assert lunch == {**lunch, "pii": {}, "privilege_score": 0.0, "privilege_flag": False, "privilege_reasons": []}


def test_cli_pretags_json(ws):
    pretag_documents(ws, ["ACME-000001", "ACME-000002", "ACME-000003"])
    runner = CliRunner()
    r = runner.invoke(app, ["pretags", str(ws.dir), "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [set(row) >= {"control_number", "file_name", "privilege_score", "privilege_flag", "privilege_reasons",
                         "pii"} for row in rows] == [True] * 3
    assert rows == json.loads(json.dumps(pretag_report(ws)))
    table = runner.invoke(app, ["pretags", str(ws.dir)])
    assert table.exit_code == 0 and "ACME-000001" in table.output and "memo.txt" in table.output
