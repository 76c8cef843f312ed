"""The whole pipeline on the sample matter, against a real Label Studio and Prefect's test harness.

Reviewers and attorneys are simulated from the sample's ground truth (people cannot run
in CI); everything they touch is real: annotations go through Label Studio's API and come
back through a snapshot export.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from lpo.matter import write_matter
from lpo.models import Privilege, Stage
from lpo.production import read_dat, read_opt
from lpo.sample.generator import generate_sample_matter, sample_matter_config
from lpo.workspace import Workspace

pytestmark = pytest.mark.labelstudio


@pytest.fixture(scope="module")
def ran(label_studio, prefect_harness, tmp_path_factory):
    from flows.pipeline import matter_pipeline

    root = tmp_path_factory.mktemp("e2e")
    generate_sample_matter(root / "sample", seed=7)
    matter = sample_matter_config()
    for site in matter.review_sites:
        site.url, site.token_env = label_studio.url, "LPO_TEST_LS_TOKEN"
    os.environ["LPO_TEST_LS_TOKEN"] = label_studio.token
    write_matter(root / "matter", matter)
    sources = [{"path": str(p), "custodian": p.name} for p in sorted((root / "sample" / "sources").iterdir())]
    result = matter_pipeline(str(root / "matter"), sources, str(root / "production"),
                             truth_path=str(root / "sample" / "ground_truth.json"), poll_seconds=1,
                             review_timeout_seconds=60)
    ws = Workspace.open(root / "matter")
    return root, ws, result


def test_every_generated_file_is_accounted_for(ran):
    root, ws, _ = ran
    truth = json.loads((root / "sample" / "ground_truth.json").read_text())
    seen = {(s.custodian, s.path) for s in ws.store.source_files()}
    assert seen == {(f["custodian"], f["path"]) for f in truth["files"]}
    c = ws.store.counts()
    assert c["files_seen"] == c["files_accounted"] == len(truth["files"])
    expected_exceptions = {(f["custodian"], f["path"]) for f in truth["files"] if f["expect"] == "exception"}
    assert {(e.custodian, e.source_path) for e in ws.store.exceptions()} >= expected_exceptions


def test_the_status_command_reports_every_stage(ran):
    from typer.testing import CliRunner

    from lpo.cli import app

    root, ws, _ = ran
    out = CliRunner().invoke(app, ["status", str(root / "matter"), "--json"])
    assert out.exit_code == 0, out.output
    status = json.loads(out.stdout)
    for key in ("files_seen", "files_accounted", "documents", "exceptions", "pretagged", "routed", "reviewed",
                "qa_sampled", "produced"):
        assert status[key] > 0 or key == "exceptions", key
    assert status["reviewed"] == status["routed"]
    # Productivity: every simulated reviewer, their documents adding up to the routed count (a document
    # coded again in a re-review batch by another reviewer counts for both); every batch done.
    reviewers = status["reviewers"]
    coded_by = {(d.reviewer, d.control_number) for d in ws.store.decisions(Stage.first_pass)}
    assert any(b.reviews_batch for b in ws.store.batches(Stage.first_pass))
    assert len(reviewers) >= 2 and sum(r["documents"] for r in reviewers) == len(coded_by) >= status["routed"]
    assert all(r["docs_per_hour"] and 0 <= r["responsive_rate"] <= 1 for r in reviewers)
    assert any(r["qa_checked"] for r in reviewers) and all(r["overturn_rate"] is None or r["qa_checked"]
                                                            for r in reviewers)
    fp = [b for b in status["batches"] if b["stage"] == "first_pass"]
    assert fp and all(b["state"] == "complete" and b["percent"] == 100 for b in fp)


def test_every_batch_was_judged_by_qa_and_only_accepted_work_is_produced(ran):
    _, ws, result = ran
    from lpo.qa.workflow import acceptance

    verdicts = ws.store.verdicts()
    first_pass = [b for b in ws.store.batches(Stage.first_pass) if b.reviews_batch is None]
    assert first_pass and all(b.name in verdicts for b in first_pass)
    # The simulated reviewers err on 8% of documents against a 10% threshold: some batches go back.
    rejected = [v for v in verdicts.values() if not v.accepted]
    assert rejected and all(v.upper >= v.threshold for v in rejected)
    assert all(v.upper < v.threshold for v in verdicts.values() if v.accepted)
    accepted = acceptance(ws)
    assert all(accepted(pd.control_number) for pd in ws.store.production_documents(result["volume"]))
    assert ws.store.qa_samples("elusion"), "the pipeline runs an elusion test"


def test_the_qa_report_is_a_prefect_artifact_without_document_text(ran):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    _, ws, _ = ran
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["qa-report"])))
    assert found, "no qa-report artifact"
    report = found[0].data
    assert all(v.batch in report for v in ws.store.verdicts().values())
    assert "Elusion" in report and "Overturns by reviewer" in report
    texts = [ws.text(d.text_sha256) for d in ws.store.documents()[:50] if d.text_sha256]
    assert not any(len(t) > 40 and t[:40] in report for t in texts)  # figures and names, no document text
    reasons = [d.note for d in ws.store.decisions(Stage.qa) if d.overturned and d.note]
    assert reasons and not any(r in report for r in reasons)  # a reason may quote the document


def test_produced_documents_are_responsive_and_never_privileged(ran):
    _, ws, result = ran
    final = {cn: d for cn, d in ws.store.final_decisions().items()}
    produced = ws.store.production_documents(result["volume"])
    assert produced
    docs = {d.control_number: d for d in ws.store.documents()}
    for pd in produced:
        cn = pd.control_number
        dec = final.get(cn) or final[docs[cn].duplicate_of]
        assert dec.responsive is True, cn
        assert dec.privilege not in (Privilege.attorney_client, Privilege.work_product), cn


def test_bates_dat_opt_and_manifest(ran):
    _, ws, result = ran
    vol = Path(result["path"])
    dat = read_dat(vol / "DATA" / f"{result['volume']}.dat")
    opt = read_opt(vol / "DATA" / f"{result['volume']}.opt")
    assert len(dat) == result["documents"]
    assert len(opt) == result["pages"]
    keys = [line[0] for line in opt]
    numbers = [int(k[len("ACME"):]) for k in keys]
    assert len(set(keys)) == len(keys) and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert sum(1 for line in opt if line[3] == "Y") == len(dat)
    manifest = json.loads((vol / "manifest.json").read_text())
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {p.relative_to(vol).as_posix() for p in vol.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert listed == on_disk
    for f in manifest["files"]:
        assert hashlib.sha256((vol / f["path"]).read_bytes()).hexdigest() == f["sha256"], f["path"]


def test_privileged_documents_are_on_the_privilege_log_and_nowhere_else(ran):
    root, ws, result = ran
    vol = Path(result["path"])
    log = (vol / "privilege_log.csv").read_text(encoding="utf-8")
    withheld = [cn for cn, d in ws.store.final_decisions().items()
                if d.responsive and d.privilege in (Privilege.attorney_client, Privilege.work_product)]
    assert withheld and result["withheld"] >= 1
    produced = {pd.control_number for pd in ws.store.production_documents()}
    for cn in withheld:
        assert cn in log and cn not in produced


def test_collect_is_idempotent(ran):
    from flows.review import collect_flow

    _, ws, _ = ran
    before = len(ws.store.decisions())
    r = collect_flow(str(ws.dir), "first_pass")
    assert (r["inserted"], r["updated"]) == (0, 0)
    assert len(ws.store.decisions()) == before


def _privileged_snippets(root: Path, ws) -> list[str]:  # noqa: ANN001
    """Runs of 32 characters from the middle of each privileged document's text: what must not leak."""
    truth = json.loads((root / "sample" / "ground_truth.json").read_text())
    privileged = {(d["custodian"], d["path"]) for d in truth["documents"] if d["privilege"] != "not_privileged"}
    out = []
    for d in ws.store.documents():
        if (d.custodian, d.source_path) in privileged and d.text_sha256:
            words = " ".join(ws.text(d.text_sha256).split())
            for at in (len(words) // 3, len(words) // 2):
                s = words[at:at + 32]
                if len(s) == 32 and s.isascii():
                    out.append(s)
    return out


def test_no_privileged_text_or_token_reaches_prefect(ran, label_studio):
    """Prefect's database (flow and task runs, parameters, states, logs, artifacts), its home folder
    (result storage, caches, logs) and the API's logs and artifacts hold no privileged document text and
    no review-site token: tasks pass ids and hashes; results are not persisted."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_HOME, PREFECT_SERVER_DATABASE_CONNECTION_URL

    root, ws, _ = ran
    secrets = _privileged_snippets(root, ws)
    assert len(secrets) >= 10, "the sample matter has privileged documents with text"
    needles = [s.encode() for s in secrets] + [label_studio.token.encode()]
    db = Path(PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split(":///", 1)[1])
    files = [p for p in db.parent.rglob("*") if p.is_file()] + \
            [p for p in Path(PREFECT_HOME.value()).rglob("*") if p.is_file()]
    assert any(p.name.startswith(db.name) for p in files), f"Prefect's database not found at {db}"
    hits = [(str(p), n[:20]) for p in files for n in needles if n in p.read_bytes()]
    assert hits == [], hits
    with get_client(sync_client=True) as client:
        logs = client.read_logs()
        artifacts = client.read_artifacts()
        runs = client.read_flow_runs()
    assert artifacts and runs  # (logs: only warnings reach the API, flows/__init__.py; any there are scanned)
    seen = "\n".join([lg.message for lg in logs] + [json.dumps(a.data, default=str) for a in artifacts]
                     + [json.dumps(r.parameters, default=str) for r in runs])
    assert not [s for s in secrets if s in seen]
    assert label_studio.token not in seen
    # and the matter's own store keeps the token out too (it names the variable, never the value)
    assert label_studio.token.encode() not in (root / "matter" / "lpo.db").read_bytes()


def test_chain_of_custody_from_source_hashes_to_produced_files(ran, tmp_path):
    from typer.testing import CliRunner

    from lpo.cli import app
    from lpo.custody import custody_report

    root, ws, _ = ran
    report = custody_report(ws)
    assert report.audit_intact and report.audit_events > 0
    truth = json.loads((root / "sample" / "ground_truth.json").read_text())
    # every file received is there by its hash, as a document or an exception
    received = {(f["custodian"], f["sha256"]) for f in truth["files"]}
    assert received <= {(r.custodian, r.source_sha256) for r in report.rows}, "a received file has no custody row"
    produced = [r for r in report.rows if r.outcome == "produced"]
    assert produced and all(r.produced_files and all(f["intact"] and f["sha256"] for f in r.produced_files)
                            for r in produced)
    assert not [r.control_number for r in produced if r.final_privilege in ("attorney_client", "work_product")]
    assert all(r.first_pass or r.qa or r.duplicate_of or r.outcome != "produced" for r in produced)
    # a delivered file changed after production shows, and the command fails
    victim = next(r for r in produced if any(f["path"].startswith("TEXT/") for f in r.produced_files))
    rel = next(f["path"] for f in victim.produced_files if f["path"].startswith("TEXT/"))
    volume = next(p for p in ws.store.productions() if p.volume == victim.production)
    path = next(q for q in (Path(volume.path) / rel, Path(volume.path) / volume.volume / rel) if q.exists())
    before = path.read_bytes()
    out = tmp_path / "custody.csv"
    try:
        r = CliRunner().invoke(app, ["custody", str(ws.dir), "--out", str(out)])
        assert r.exit_code == 0 and "chain intact" in r.output, r.output
        path.write_bytes(before + b"tampered")
        r = CliRunner().invoke(app, ["custody", str(ws.dir), "--out", str(out)])
        assert r.exit_code == 1 and "no longer match" in r.output
        assert f"{rel} " in out.read_text(encoding="utf-8-sig") and "CHANGED" in out.read_text(encoding="utf-8-sig")
    finally:
        path.write_bytes(before)
