"""`lpo index`, `lpo search` and `lpo search-terms` on a matter whose documents are in the store,
with the FTS5 engine and with a real Elasticsearch (search.engine in matter.yaml)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timezone

import pytest
import yaml
from typer.testing import CliRunner

from lpo.cli import app
from lpo.models import Document, EmailFields
from lpo.workspace import Workspace

runner = CliRunner()


def _doc(cn: str, family: str, text_sha: str, **kw) -> Document:
    return Document(control_number=cn, custodian=kw.pop("custodian", "Jane Doe"), family_id=family,
                    parent=None if family == cn else family, md5="0" * 32, sha1="0" * 40,
                    sha256=uuid.uuid4().hex * 2, source_path=f"{cn}.eml", file_name=f"{cn}.eml", extension="eml",
                    mime_type="message/rfc822", size=10, text_sha256=text_sha, **kw)


@pytest.fixture(params=["fts5", "elasticsearch"])
def matter(request, tmp_path, monkeypatch):
    m = tmp_path / "m"
    assert runner.invoke(app, ["init", str(m), "--name", f"Search {uuid.uuid4().hex[:6]}"]).exit_code == 0
    if request.param == "elasticsearch":
        monkeypatch.setenv("LPO_ES_URL", request.getfixturevalue("es_url"))
        data = yaml.safe_load((m / "matter.yaml").read_text())
        data["search"] = {"engine": "elasticsearch"}
        (m / "matter.yaml").write_text(yaml.safe_dump(data))
    ws = Workspace.open(m)
    put = ws.content.put_text
    sent = datetime(2001, 5, 3, 9, 30, tzinfo=timezone.utc)
    ws.store.add_documents([
        _doc("ACME-00000001", "ACME-00000001", put("The negligence claim and the damages."),
             email=EmailFields(**{"from": "John Smith <jsmith@enron.com>"}, to=["jdoe@enron.com"],
                               subject="Side letter", sent=sent)),
        _doc("ACME-00000002", "ACME-00000001", put("Attachment: damages schedule for the side letter.")),
        _doc("ACME-00000003", "ACME-00000003", put("Unrelated lunch order."), custodian="Kenneth Lay"),
    ])
    yield m
    if request.param == "elasticsearch":
        from lpo.search import open_engine

        open_engine(Workspace.open(m)).drop()


def test_index_search_and_term_report(matter, tmp_path):
    r = runner.invoke(app, ["index", str(matter)])
    assert r.exit_code == 0 and "indexed 3 documents" in r.output, r.output

    r = runner.invoke(app, ["search", str(matter), "negligen* w/3 damages OR subject:letter", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["total"] == 1 and out["hits"] == [{"id": "ACME-00000001", "family_id": "ACME-00000001"}]
    r = runner.invoke(app, ["search", str(matter), "from:jsmith AND date:[2001-05-01 TO 2001-05-31]", "--json"])
    assert [h["id"] for h in json.loads(r.stdout)["hits"]] == ["ACME-00000001"]

    terms = tmp_path / "terms.txt"
    terms.write_text("# agreed with opposing counsel\ndamages\nside w/2 letter\nlunch\n")
    r = runner.invoke(app, ["search-terms", str(matter), str(terms), "--csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["term"], x["hits"], x["unique_hits"], x["hits_with_families"]) for x in rows] == [
        ("damages", "2", "1", "2"), ("side w/2 letter", "1", "0", "2"), ("lunch", "1", "1", "1"),
        ("Total (any term)", "3", "3", "3")]


def test_a_malformed_query_points_at_the_column(matter):
    runner.invoke(app, ["index", str(matter)])
    r = runner.invoke(app, ["search", str(matter), "(damages OR negligence"])
    assert r.exit_code == 2 and "column 23" in r.output and "expected ')'" in r.output
