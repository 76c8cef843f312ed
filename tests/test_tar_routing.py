"""[Prioritised review] in a matter, against a real Label Studio: rounds from the top of the ranking
(seeded by a query), retrained after each collect, growing by the AutoTAR schedule, a random share
for the recall estimate, features kept and extended as documents arrive, the stop in `lpo status`."""

from __future__ import annotations

import uuid

import pytest
from typer.testing import CliRunner

from lpo.cli import app
from lpo.matter import TARConfig, write_matter
from lpo.models import Stage
from lpo.review import workflow
from lpo.review.simulate import SimulatedReviewers
from lpo.tar import review as tar
from lpo.workspace import Workspace
from tests.test_qa_e2e import _add, _matter
from tests.test_tar import TOPIC, collection

pytestmark = pytest.mark.labelstudio


def _add_texts(ws: Workspace, texts: list[str]) -> None:
    """Documents QT-00001.. with these texts (the memo builder of test_qa_e2e, other words)."""
    import hashlib

    from lpo.models import Document

    docs = []
    for i, text in enumerate(texts, 1):
        native = text.encode("utf-8")
        docs.append(Document(
            control_number=f"QT-{i:05d}", custodian="kim", family_id=f"QT-{i:05d}", md5=hashlib.md5(native).hexdigest(),
            sha1=hashlib.sha1(native).hexdigest(), sha256=ws.content.put_bytes(native), source_path=f"kim/{i}.txt",
            file_name=f"{i}.txt", extension="txt", mime_type="text/plain", size=len(native),
            text_sha256=ws.content.put_text(text), language="en", page_count=1))
    ws.store.add_documents(docs)


def _round(ws: Workspace, lookup) -> dict:  # noqa: ANN001
    r = tar.route_round(ws)
    people = SimulatedReviewers(lookup, error_rate=0.0, reviewers=["tar.reviewer@lpo-test.local"],
                                assign=lambda b: "tar.reviewer@lpo-test.local")
    sites = workflow.Sites(ws)
    for b in ws.store.batches(Stage.first_pass):
        people.code_project(sites.client(b.site), b.project_id)
    workflow.collect(ws, Stage.first_pass, sites)
    return r


def test_rounds_come_from_the_top_of_the_ranking_and_grow(tmp_path, label_studio, monkeypatch):
    monkeypatch.setenv("LPO_QA_T", label_studio.token)
    m = _matter(label_studio.url)
    m = m.model_copy(update={"name": f"TAR {uuid.uuid4().hex[:6]}", "batch_size": 10,
                             "tar": TARConfig(enabled=True, seed_query=" ".join(TOPIC[:4]), first_round=20,
                                              random_share=0.1, seed=5)})
    ws = Workspace(dir=tmp_path / "matter", matter=m)
    texts, y = collection(n=300, relevant=45, seed=11)  # 15% about the surcharge dispute, all with noise
    _add_texts(ws, texts)
    responsive = {f"QT-{i + 1:05d}" for i in range(300) if y[i]}
    lookup = lambda data: {"responsive": data["control_number"] in responsive,  # noqa: E731
                           "privilege": "not_privileged", "issue_codes": [], "designation": None, "redactions": []}

    r1 = _round(ws, lookup)
    assert r1["round"] == 1 and r1["ranked"] and r1["random"] == 2 and r1["planned"] >= 20
    batches1 = set(r1["batches"])
    first = ws.store.latest_decisions(Stage.first_pass)
    randoms = tar.random_share(ws)
    ranked1 = [cn for cn in first if cn not in randoms]
    assert sum(cn in responsive for cn in ranked1) / len(ranked1) > 0.45  # the query's pick; the collection: 15%

    r2 = _round(ws, lookup)
    assert r2["round"] == 2 and not set(r2["batches"]) & batches1
    assert r2["planned"] >= tar.round_size(ws, 2) == 22  # 20 + a tenth
    events = tar.rounds(ws)
    assert [e["round"] for e in events] == [1, 2]
    assert events[1]["trained_on"]["responsive"] == 1 + sum(cn in responsive for cn in ranked1)  # + the query
    assert events[1]["unrouted"] == 300 - len(first)
    # Once coded, the ranking has learnt the topic: round 2 is richer than the collection.
    second = [cn for b in ws.store.batches(Stage.first_pass) if b.name in r2["batches"] for cn in b.control_numbers
              if cn not in tar.random_share(ws)]
    assert sum(cn in responsive for cn in second) / len(second) > 0.45

    # Features are kept in the matter and only new documents are featurized.
    rows, counts = tar.FeatureCache(ws).load()
    assert len(rows) == counts.shape[0] == 300
    _add(ws, {}, range(301, 311))
    rows2, counts2 = tar.FeatureCache(ws).update()
    assert rows2[:300] == rows and len(rows2) == 310 and (counts2[:300] != counts).nnz == 0

    # lpo status shows where prioritised review stands, with the recall estimate from the random share.
    write_matter(ws.dir, ws.matter)
    out = CliRunner().invoke(app, ["status", str(ws.dir), "--json"])
    assert out.exit_code == 0, out.output
    import json

    s = json.loads(out.stdout)["prioritised"]
    assert s["rounds"] == 2 and s["reviewed"] == len(ws.store.latest_decisions(Stage.first_pass))
    assert s["estimate"] is not None and 0 <= s["estimate"]["lower"] <= s["estimate"]["recall"] <= 1
    text = CliRunner().invoke(app, ["status", str(ws.dir)]).output
    assert "Prioritised review" in text and "estimated recall" in text

    # ... and so does the QA report.
    from lpo.qa.report import render_html, render_markdown
    from lpo.qa.results import results_for

    data = results_for(ws)
    assert data["prioritised"]["rounds"] == 2
    page = render_html(data)
    assert 'id="table-prioritised"' in page and "Estimated recall" in page
    assert "## Prioritised review" in render_markdown(data)
