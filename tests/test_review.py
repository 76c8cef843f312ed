"""Review in Label Studio: configs, tasks, the site client, collect, and simulated reviewers.

The tests marked `labelstudio` run against a real server (fixture `label_studio`,
tests/conftest_labelstudio.py). Timings on the dev machine: the server restarts from the
cached migrated template in ~11 s (first ever start ~95 s); the rest of the file ~10 s.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from lpo.matter import IssueCode, Protocol
from lpo.models import (Designation, Document, EmailFields, PreTag, Privilege, RedactionSpan, ReviewDecision,
                        Stage)
from lpo.review import config as c
from lpo.review.collect import decisions_from_export
from lpo.review.config import PRETAG_LABELS, instructions_html, render_config
from lpo.review.server import DEFAULT_VENV, LabelStudioError, LabelStudioServer
from lpo.review.simulate import Coding, SimulatedAttorney, SimulatedReviewers
from lpo.review.tasks import build_first_pass_task, build_qa_task

PROTOCOL = Protocol(
    instructions="Code for responsiveness to RFP 1-12.\n\nPrivilege: counsel is Richard B. Sanders & Co.",
    issue_codes={
        "PRICING": "Pricing & rebates over $10,000 (\"PRICING\" <tag>)",
        "LEGAL": "Regulatory or litigation matters",
    },
)

SSN = "123-45-6789"
PRIV_SENTENCE = "Per counsel's advice, hold the contracts until review."


# ---------------------------------------------------------------------------------------------- corpus


def _doc(cn: str, custodian: str, subject: str, sender: str, to: list[str], text: str) -> Document:
    h = hashlib.sha256(text.encode()).hexdigest()
    return Document(
        control_number=cn, custodian=custodian, family_id=cn, md5=h[:32], sha1=h[:40], sha256=h,
        source_path=f"{custodian}/inbox/{cn}.eml", file_name=f"{cn}.eml", extension="eml",
        mime_type="message/rfc822", size=len(text),
        email=EmailFields(**{"from": sender}, to=to, cc=["cc@acme.example"], subject=subject,
                          sent=datetime(2001, 5, 3, 14, 30, tzinfo=timezone.utc)),
    )


def _span(cn: str, text: str, needle: str, label: str, source: str, nth: int = 0) -> PreTag:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return PreTag(control_number=cn, start=start, end=start + len(needle), label=label, text=needle,
                  source=source, version="lpo-nlp-test 0.1", score=0.9)


def make_corpus(n: int = 18):
    """Documents with text, pre-tags and the truth a careful reviewer would code."""
    docs, texts, pretags, truth = [], {}, {}, {}
    for i in range(n):
        cn = f"TEST{i:06d}"
        kind = i % 6
        batch = f"B{i // 6 + 1:03d}"
        if kind == 0:
            text = f"Alice Smith wrote: the pricing for Q3 rebates is attached. Ref {i}."
            t = {"responsive": True, "privilege": "not_privileged", "issue_codes": ["PRICING"], "designation": None,
                 "redactions": []}
            tags = [_span(cn, text, "Alice Smith", "PERSON", "ner"), _span(cn, text, "pricing", "TERM", "terms")]
        elif kind == 1:
            text = f"\U0001F355 Lunch on Friday with Alice Smith? \U0001F600 {i}"
            t = {"responsive": False, "privilege": "not_privileged", "issue_codes": [], "designation": None,
                 "redactions": []}
            tags = [_span(cn, text, "Alice Smith", "PERSON", "ner")]
        elif kind == 2:
            text = f"Richard B. Sanders (counsel): our advice on the FERC inquiry follows. Privileged. {i}"
            t = {"responsive": True, "privilege": "attorney_client", "issue_codes": ["LEGAL"], "designation": None,
                 "redactions": []}
            tags = [_span(cn, text, "Richard B. Sanders", "PRIV_COUNSEL", "priv:counsel"),
                    _span(cn, text, "Privileged", "PRIV_LEGEND", "priv:legend")]
        elif kind == 3:
            text = f"Team, the contract pricing is final. {PRIV_SENTENCE} Thanks, Bob. {i}"
            t = {"responsive": True, "privilege": "partial", "issue_codes": ["PRICING"], "designation": "Confidential",
                 "redactions": [{"text": PRIV_SENTENCE, "reason": "privileged"}]}
            tags = [_span(cn, text, "pricing", "TERM", "terms")]
        elif kind == 4:
            text = f"Payroll change for J. Doe, SSN {SSN}. Please confirm SSN {SSN} in HR. {i}"
            t = {"responsive": True, "privilege": "not_privileged", "issue_codes": ["LEGAL"],
                 "designation": "Highly Confidential - AEO", "redactions": [{"text": SSN, "reason": "PII"}]}
            tags = [_span(cn, text, SSN, "PII_SSN", "pii:ssn"), _span(cn, text, SSN, "PII_SSN", "pii:ssn", nth=1)]
        else:
            text = f"Quarterly pricing and the regulatory filing, for the board. {i}"
            t = {"responsive": True, "privilege": "not_privileged", "issue_codes": ["LEGAL", "PRICING"],
                 "designation": "Highly Confidential - AEO", "redactions": []}
            tags = []
        doc = _doc(cn, ["jskilling", "kgay", "sbeck"][i % 3], f"Subject {i} <&> \"q\"", "alice@acme.example",
                   ["bob@acme.example", "carol@acme.example"], text)
        docs.append((doc, batch))
        texts[cn], pretags[cn], truth[cn] = text, tags, t
    return docs, texts, pretags, truth


DOCS, TEXTS, PRETAGS, TRUTH = make_corpus()


def truth_lookup(data: dict) -> dict | None:
    return TRUTH.get(data["control_number"])


def first_pass_tasks() -> list[dict]:
    return [build_first_pass_task(d, TEXTS[d.control_number], PRETAGS[d.control_number], batch) for d, batch in DOCS]


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------------------------------------- no server


@pytest.mark.parametrize("kind", ["first_pass", "attorney_qa"])
def test_render_config_is_wellformed_and_escapes_protocol_text(kind):
    xml = render_config(kind, PROTOCOL)
    root = ET.fromstring(xml)  # well-formed despite & < > " and $ in the protocol
    names = {e.get("name"): e for e in root.iter() if e.get("name")}
    assert names["text"].get("value") == "$text"
    issues = names["issues"]
    assert issues.get("choice") == "multiple"
    hints = {ch.get("value"): ch.get("hint") for ch in issues.iter("Choice")}
    assert hints == {"PRICING": "Pricing & rebates over $10,000 (\"PRICING\" <tag>)",
                     "LEGAL": "Regulatory or litigation matters"}
    assert [ch.get("value") for ch in names["responsive"].iter("Choice")] == ["Responsive", "Not Responsive"]
    assert [ch.get("value") for ch in names["privilege"].iter("Choice")] == list(c.PRIVILEGE_CHOICES.values())
    assert [ch.get("value") for ch in names["designation"].iter("Choice")] == [d.value for d in Designation]
    assert [lb.get("value") for lb in names["redact"].iter("Label")] == list(c.REDACTION_REASONS.values())
    if kind == "first_pass":
        assert names["responsive"].get("required") == "true"
        assert [lb.get("value") for lb in names["pretags"].iter("Label")] == list(PRETAG_LABELS)
        assert names["note"].tag == "TextArea"
        assert "qa_outcome" not in names
    else:
        assert [ch.get("value") for ch in names["qa_outcome"].iter("Choice")] == ["Confirm", "Overturn"]
        assert names["qa_outcome"].get("required") == "true"
        assert names["qa_reason"].tag == "TextArea"
        assert "pretags" not in names
    headers = " ".join(h.get("value") for h in root.iter("Header"))
    for field in ("$control_number", "$custodian", "$from", "$to", "$date", "$subject"):
        assert field in headers


def test_render_config_without_issue_codes_and_instructions_html():
    bare = Protocol(instructions="a < b & c")
    root = ET.fromstring(render_config("first_pass", bare))
    assert not [e for e in root.iter() if e.get("name") == "issues"]
    html = instructions_html(PROTOCOL)
    assert "Richard B. Sanders &amp; Co." in html and "&lt;tag&gt;" in html and "<li><b>PRICING</b>" in html
    with pytest.raises(ValueError, match="unknown review config kind"):
        render_config("second_pass", PROTOCOL)  # type: ignore[arg-type]


def test_first_pass_task_has_header_fields_and_pretag_predictions():
    doc, batch = DOCS[1]  # emoji before the pre-tag: offsets are code points
    task = build_first_pass_task(doc, TEXTS[doc.control_number], PRETAGS[doc.control_number], batch)
    data = task["data"]
    assert data["control_number"] == "TEST000001" and data["batch"] == "B001"
    assert data["from"] == "alice@acme.example"
    assert data["to"] == "bob@acme.example; carol@acme.example (cc: cc@acme.example)"
    assert data["date"] == "2001-05-03 14:30 UTC"
    assert data["subject"].startswith("Subject 1") and data["custodian"] == "kgay"
    assert data["source_path"] == "kgay/inbox/TEST000001.eml"
    [pred] = task["predictions"]
    assert pred["model_version"] == "lpo-nlp-test 0.1"
    [res] = pred["result"]
    v = res["value"]
    assert res["from_name"] == "pretags" and v["labels"] == ["PERSON"]
    assert data["text"][v["start"]:v["end"]] == "Alice Smith" == v["text"]
    # no pre-tags: no predictions
    doc5, batch5 = DOCS[5]
    assert "predictions" not in build_first_pass_task(doc5, TEXTS[doc5.control_number], [], batch5)


def test_first_pass_task_refuses_pretags_that_do_not_fit():
    doc, batch = DOCS[0]
    text = TEXTS[doc.control_number]
    good = PRETAGS[doc.control_number][0]
    with pytest.raises(ValueError, match="PRETAG_LABELS"):
        build_first_pass_task(doc, text, [good.model_copy(update={"label": "WEAPON"})], batch)
    with pytest.raises(ValueError, match="do not match"):
        build_first_pass_task(doc, text, [good.model_copy(update={"start": good.start + 1, "end": good.end + 1})],
                              batch)
    with pytest.raises(ValueError, match="outside the text"):
        build_first_pass_task(doc, text, [good.model_copy(update={"end": len(text) + 5})], batch)
    with pytest.raises(ValueError, match="belongs to"):
        build_first_pass_task(doc, text, [good.model_copy(update={"control_number": "OTHER"})], batch)


def _export_task(task_id: int, data: dict, annotations: list[dict]) -> dict:
    return {"id": task_id, "project": 7, "data": data, "annotations": annotations, "predictions": []}


def _ann(ann_id: int, result: list[dict], completed_by, cancelled: bool = False) -> dict:
    return {"id": ann_id, "project": 7, "completed_by": completed_by, "result": result, "was_cancelled": cancelled,
            "created_at": "2026-01-02T03:04:05.000001Z", "updated_at": "2026-01-02T03:09:05.5Z"}


def test_decisions_from_export_parses_codings_without_a_server():
    doc, batch = DOCS[4]
    data = build_first_pass_task(doc, TEXTS[doc.control_number], [], batch)["data"]
    right = Coding.from_truth(TRUTH[doc.control_number], data["text"])
    result = right.result(data["text"]) + [
        {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": ["check HR"]}},
        {"from_name": "pretags", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 7, "text": "Payroll", "labels": ["TERM"]}},
    ]
    export = [_export_task(11, data, [
        _ann(101, result, 3),                                       # completed_by as a user id
        _ann(102, [], {"id": 4, "email": "skipper@x"}, cancelled=True),  # a skip is not a decision
        _ann(103, right.result(data["text"]), {"id": 5, "email": "second@x", "first_name": ""}),
    ])]
    d1, d2 = decisions_from_export(export, site="offshore", stage=Stage.first_pass, users={3: "rev3@x"})
    assert (d1.reviewer, d1.annotation_id, d1.task_id, d1.project_id, d1.site) == ("rev3@x", 101, 11, 7, "offshore")
    assert d1.decided_at == datetime(2026, 1, 2, 3, 9, 5, 500000, tzinfo=timezone.utc)
    assert d1.responsive is True and d1.privilege is Privilege.not_privileged and d1.issue_codes == ["LEGAL"]
    assert d1.designation is Designation.highly_confidential_aeo and d1.note == "check HR"
    assert d1.batch == "B001" and d1.overturned is None
    assert [(r.start, r.end, r.reason, r.text) for r in d1.redactions] == [
        (m, m + len(SSN), "pii", SSN) for m in (data["text"].index(SSN), data["text"].rindex(SSN))]
    assert d2.reviewer == "second@x"

    with pytest.raises(ValueError, match=r"task 11 \(TEST000004\).*user id 3 is unknown"):
        decisions_from_export(export, site="offshore", stage=Stage.first_pass)
    bad = copy.deepcopy(export)
    bad[0]["annotations"][0]["result"][0]["value"]["choices"] = ["Maybe"]
    with pytest.raises(ValueError, match=r"task 11 \(TEST000004\).*'Maybe' is not one of"):
        decisions_from_export(bad, site="offshore", stage=Stage.first_pass, users={3: "r@x"})
    bad = copy.deepcopy(export)
    bad[0]["annotations"][0]["result"].append({"from_name": "mystery", "type": "choices", "value": {}})
    with pytest.raises(ValueError, match="unknown control 'mystery'"):
        decisions_from_export(bad, site="offshore", stage=Stage.first_pass, users={3: "r@x"})
    bad = copy.deepcopy(export)
    redaction = next(r for r in bad[0]["annotations"][0]["result"] if r["from_name"] == "redact")
    redaction["value"]["start"] += 1
    with pytest.raises(ValueError, match="offsets do not match"):
        decisions_from_export(bad, site="offshore", stage=Stage.first_pass, users={3: "r@x"})
    bad = copy.deepcopy(export)
    bad[0]["annotations"][0]["result"] = [r for r in bad[0]["annotations"][0]["result"]
                                          if r["from_name"] != "responsive"]
    with pytest.raises(ValueError, match="every first-pass coding needs one"):
        decisions_from_export(bad, site="offshore", stage=Stage.first_pass, users={3: "r@x"})


def test_qa_collect_falls_back_to_first_pass_fields():
    doc, _ = DOCS[3]
    text = TEXTS[doc.control_number]
    start = text.index(PRIV_SENTENCE)
    fp = ReviewDecision(
        control_number=doc.control_number, stage=Stage.first_pass, reviewer="rev@x",
        decided_at=datetime(2026, 1, 1, tzinfo=timezone.utc), responsive=True, privilege=Privilege.partial,
        issue_codes=["PRICING"], designation=Designation.confidential, note="see para 2",
        redactions=[RedactionSpan(start=start, end=start + len(PRIV_SENTENCE), reason="privileged",
                                  text=PRIV_SENTENCE)],
        site="offshore", project_id=1, task_id=2, annotation_id=3, batch="B001")
    task = build_qa_task(doc, text, fp, sample="QA-1")
    assert task["data"]["fp_privilege"] == "Partially Privileged - Redact" and task["data"]["batch"] == "B001"
    assert task["predictions"][0]["result"][0]["value"]["labels"] == ["Privileged"]
    outcome = {"from_name": "qa_outcome", "to_name": "text", "type": "choices", "value": {"choices": ["Overturn"]}}
    fix = {"from_name": "privilege", "to_name": "text", "type": "choices", "value": {"choices": ["Attorney-Client"]}}
    why = {"from_name": "qa_reason", "to_name": "text", "type": "textarea", "value": {"text": ["all advice"]}}
    confirm = dict(outcome, value={"choices": ["Confirm"]})
    export = [_export_task(21, task["data"], [_ann(201, [outcome, fix, why], {"email": "atty@x"}),
                                               _ann(202, [confirm], {"email": "atty2@x"})])]
    over, conf = decisions_from_export(export, site="onshore", stage=Stage.qa)
    assert over.overturned is True and over.privilege is Privilege.attorney_client and over.note == "all advice"
    # fields the attorney left empty keep the first-pass values
    assert over.responsive is True and over.issue_codes == ["PRICING"] and over.designation is Designation.confidential
    assert over.redactions == fp.redactions and over.stage is Stage.qa and over.batch == "B001"
    assert conf.overturned is False and conf.privilege is Privilege.partial and conf.note is None
    with pytest.raises(ValueError, match="Confirm or Overturn"):
        decisions_from_export([_export_task(21, task["data"], [_ann(203, [fix], {"email": "a@x"})])],
                              site="onshore", stage=Stage.qa)
    # An overturn says why; a confirmation that changes the coding is refused, not guessed at.
    with pytest.raises(ValueError, match="with no 'qa_reason'"):
        decisions_from_export([_export_task(21, task["data"], [_ann(204, [outcome, fix], {"email": "a@x"})])],
                              site="onshore", stage=Stage.qa)
    with pytest.raises(ValueError, match="Confirm' but the corrections change privilege"):
        decisions_from_export([_export_task(21, task["data"], [_ann(205, [confirm, fix], {"email": "a@x"})])],
                              site="onshore", stage=Stage.qa)
    same = dict(fix, value={"choices": ["Partially Privileged - Redact"]})  # set, but to what it was: no change
    assert decisions_from_export([_export_task(21, task["data"], [_ann(206, [confirm, same], {"email": "a@x"})])],
                                 site="onshore", stage=Stage.qa)[0].overturned is False


def test_server_refuses_missing_venv_and_bad_credentials(tmp_path):
    server = LabelStudioServer(tmp_path / "ls", 1, "admin@x.local", "password123", "token12345",
                               venv=tmp_path / "no-venv")
    with pytest.raises(LabelStudioError, match="make setup"):
        server.start()
    with pytest.raises(ValueError, match="email"):
        LabelStudioServer(tmp_path, 1, "admin", "password123", "token12345")


def _fake_label_studio(tmp_path, script: str):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    exe = venv / "bin" / "label-studio"
    exe.write_text("#!/bin/sh\n" + script)
    exe.chmod(0o755)
    return venv


def test_server_start_failures_quote_the_log(tmp_path):
    from lpo.review.server import free_port

    venv = _fake_label_studio(tmp_path, 'echo "django.db.utils.OperationalError: disk I/O error"; exit 3\n')
    server = LabelStudioServer(tmp_path / "a", free_port(), "admin@x.local", "password123", "token12345", venv=venv)
    with pytest.raises(LabelStudioError, match=r"(?s)exited with code 3.*disk I/O error"):
        server.start()
    venv = _fake_label_studio(tmp_path / "b", 'echo "Initializing database.."; exec sleep 30\n')
    server = LabelStudioServer(tmp_path / "b", free_port(), "admin@x.local", "password123", "token12345", venv=venv,
                               start_timeout=1.5)
    with pytest.raises(LabelStudioError, match=r"(?s)did not answer .*/health within 2 s.*Initializing database"):
        server.start()
    assert server.process is None  # the stuck process was stopped


def test_server_without_gunicorn_says_to_run_setup(tmp_path):
    from lpo.review.server import INITIALISED, free_port

    venv = _fake_label_studio(tmp_path, "exit 0\n")  # a venv from before gunicorn was in its requirements
    data = tmp_path / "data"
    data.mkdir()
    server = LabelStudioServer(data, free_port(), "admin@x.local", "password123", "token12345", venv=venv)
    (data / INITIALISED).write_text(server.version() + "\n")  # set up already: gunicorn would serve it
    with pytest.raises(LabelStudioError, match="gunicorn is not installed.*make setup"):
        server.start()


def test_server_refuses_a_busy_port(tmp_path):
    import socket

    if not (DEFAULT_VENV / "bin" / "label-studio").exists():
        pytest.skip("Label Studio is not installed: run `make setup`")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = LabelStudioServer(tmp_path / "ls", port, "admin@x.local", "password123", "token12345")
        with pytest.raises(LabelStudioError, match=f"port {port} .* is in use"):
            server.start()  # Label Studio itself would silently move to another port


# ---------------------------------------------------------------------------------------------- real server

pytestmark_ls = pytest.mark.labelstudio


@pytest.fixture(scope="module")
def site(label_studio):
    return label_studio.site("offshore")


@pytestmark_ls
def test_configs_accepted_by_label_studio_and_broken_config_rejected(site):
    from lpo.review.site import SiteError

    ids = []
    for kind in ("first_pass", "attorney_qa"):
        title = unique(f"config {kind}")
        pid = site.create_project(title, render_config(kind, PROTOCOL), instructions_html(PROTOCOL))
        ids.append(pid)
        assert site.create_project(title, render_config(kind, PROTOCOL), instructions_html(PROTOCOL)) == pid
        stored = site.client.projects.get(pid)
        assert stored.label_config == render_config(kind, PROTOCOL)
        assert "Richard B. Sanders &amp; Co." in stored.expert_instruction
    # the protocol gains an issue code mid-review: same project, config updated
    grown = PROTOCOL.model_copy(update={"issue_codes": [*PROTOCOL.issue_codes,
                                                        IssueCode(code="HR", description="Personnel")]})
    assert site.create_project(title, render_config("attorney_qa", grown)) == pid
    assert 'value="HR"' in site.client.projects.get(pid).label_config
    broken = render_config("first_pass", PROTOCOL).replace('toName="text"', 'toName="no_such_object"', 1)
    with pytest.raises(SiteError, match="HTTP 400"):
        site.create_project(unique("broken"), broken)
    unclosed = render_config("first_pass", PROTOCOL).replace("</View>\n", "", 1)
    with pytest.raises(SiteError, match="HTTP 400"):
        site.create_project(unique("unclosed"), unclosed)
    for pid in ids:
        site.delete_project(pid)


@pytestmark_ls
def test_import_round_trips_predictions_and_is_idempotent(site):
    pid = site.create_project(unique("import"), render_config("first_pass", PROTOCOL))
    tasks = first_pass_tasks()
    ids = site.import_tasks(pid, tasks[:10])
    assert len(ids) == len(set(ids)) == 10
    again = site.import_tasks(pid, tasks, max_request_bytes=4000)  # the first 10 are there; the rest in chunks
    assert again[:10] == ids and len(set(again)) == len(tasks)
    assert site.import_tasks(pid, tasks) == again
    snap = site.export_snapshot(pid)
    assert len(snap) == len(tasks)
    by_cn = {t["data"]["control_number"]: t for t in snap}
    assert {cn: t["id"] for cn, t in by_cn.items()} == {t["data"]["control_number"]: i for t, i in zip(tasks, again)}
    for t in tasks:
        got = by_cn[t["data"]["control_number"]]
        assert got["data"] == t["data"]
        sent = t.get("predictions", [])
        assert [(p["model_version"], p["result"]) for p in got["predictions"]] == \
            [(p["model_version"], p["result"]) for p in sent]
    progress = site.progress(pid)
    assert (progress.tasks, progress.annotated, progress.finished) == (len(tasks), 0, False)
    site.delete_project(pid)


@pytest.fixture(scope="module")
def coded_first_pass(site):
    """A first-pass project coded by simulated reviewers with deliberate mistakes."""
    pid = site.create_project(unique("first pass"), render_config("first_pass", PROTOCOL),
                              instructions_html(PROTOCOL))
    site.import_tasks(pid, first_pass_tasks())
    reviewers = SimulatedReviewers(truth_lookup, error_rate=0.3, seed=11, threads=3)
    report = reviewers.code_project(site, pid)
    yield pid, reviewers, report
    site.delete_project(pid)


@pytestmark_ls
def test_simulated_reviewers_code_every_task_and_collect_returns_their_decisions(site, coded_first_pass):
    pid, reviewers, report = coded_first_pass
    assert report.annotated == len(DOCS) and report.already_annotated == 0 and not report.without_truth
    assert 0 < len(report.mistakes) < len(DOCS)
    assert site.progress(pid).finished
    again = reviewers.code_project(site, pid)  # nothing left to code: no second annotation
    assert (again.annotated, again.already_annotated) == (0, len(DOCS))

    decisions = site.collect(pid, Stage.first_pass)
    assert [d.control_number for d in decisions] == sorted(TRUTH)
    for (doc, batch), d in zip(DOCS, decisions):
        data = {"control_number": doc.control_number, "text": TEXTS[doc.control_number], "batch": batch}
        expected, mistake = reviewers.coding_for(data)
        assert mistake == report.mistakes.get(doc.control_number)
        assert d.reviewer == reviewers.reviewer_for(batch)
        assert (d.stage, d.site, d.project_id, d.batch) == (Stage.first_pass, "offshore", pid, batch)
        got = Coding(d.responsive, d.privilege, d.issue_codes, d.designation,
                     [(r.start, r.end, r.reason) for r in d.redactions])
        assert got == expected, doc.control_number
        right = Coding.from_truth(TRUTH[doc.control_number], TEXTS[doc.control_number])
        assert (got == right) == (mistake is None)
        for r in d.redactions:
            assert TEXTS[doc.control_number][r.start:r.end] == r.text
    assert len({d.annotation_id for d in decisions}) == len(decisions)
    assert site.collect(pid, Stage.first_pass) == decisions  # collecting again changes nothing


@pytestmark_ls
def test_qa_round_trip_marks_overturns(site, coded_first_pass):
    pid, _, report = coded_first_pass
    decisions = site.collect(pid, Stage.first_pass)
    docs = {d.control_number: d for d, _ in DOCS}
    qa_pid = site.create_project(unique("qa"), render_config("attorney_qa", PROTOCOL), instructions_html(PROTOCOL))
    site.import_tasks(qa_pid, [build_qa_task(docs[d.control_number], TEXTS[d.control_number], d, sample="QA-001")
                               for d in decisions])
    qa_report = SimulatedAttorney(truth_lookup).code_project(site, qa_pid)
    assert sorted(qa_report.overturned) == sorted(report.mistakes)

    qa = site.collect(qa_pid, Stage.qa)
    assert len(qa) == len(decisions)
    first = {d.control_number: d for d in decisions}
    for d in qa:
        assert d.stage is Stage.qa and d.reviewer == "attorney@lpo-demo.local"
        assert d.overturned == (d.control_number in report.mistakes)
        assert d.batch == first[d.control_number].batch
        right = Coding.from_truth(TRUTH[d.control_number], TEXTS[d.control_number])
        assert Coding(d.responsive, d.privilege, d.issue_codes, d.designation,
                      [(r.start, r.end, r.reason) for r in d.redactions]) == right, d.control_number
        if d.overturned:
            assert d.note and ":" in d.note
    site.delete_project(qa_pid)


@pytestmark_ls
def test_server_keeps_documents_on_the_machine(label_studio, site):
    """No analytics or browser error reports leave the machine, and nobody can sign up from the login page."""
    import httpx

    assert label_studio.url.startswith("http://127.0.0.1:")

    def form(web: httpx.Client, path: str, **fields) -> httpx.Response:
        web.get(path)
        csrf = web.cookies.get("csrftoken")
        assert csrf, "no CSRF cookie: the check would pass for the wrong reason"
        return web.post(path, data={"csrfmiddlewaretoken": csrf, **fields},
                        headers={"Referer": f"{label_studio.url}{path}"})

    with httpx.Client(base_url=label_studio.url, follow_redirects=True, timeout=30) as web:
        assert "APP_SETTINGS.collect_analytics = false" in web.get("/user/login/").text
        r = form(web, "/user/signup/", email="intruder@example.com", password="intruder-password-1")
        assert r.status_code == 403
        assert "intruder@example.com" not in site.users().values()
        form(web, "/user/login/", email=label_studio.username, password=label_studio.password)
        page = web.get("/projects/").text
        assert "sentry_dsn: null" in page and "sentry-cdn" not in page


def test_simulated_reviewer_finds_redactions_across_reflowed_lines():
    from lpo.review.simulate import locate, reason_code

    text = "Per counsel's\n  advice, hold.  Per counsel's advice, hold."
    assert locate("Per counsel's advice, hold.", text) == [(0, 29), (31, 58)]
    coding = Coding.from_truth({"responsive": True, "privilege": "partial", "redactions": [
        {"text": "Per counsel's advice, hold.", "reason": "Privileged"}, {"text": "not there", "reason": "PII"}]},
        text)
    assert coding.redactions == [(0, 29, "privileged"), (31, 58, "privileged")]
    assert coding.unlocated == ["not there"]
    assert [reason_code(r) for r in ("PII", "Privileged", "Confidential third party")] == \
        ["pii", "privileged", "third_party_confidential"]
    with pytest.raises(ValueError, match="redaction reason"):
        reason_code("because")
