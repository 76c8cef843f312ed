"""[Attorney QA] the acceptance rule at its edge, against a real Label Studio.

First-pass and QA decisions are written straight into the store (as collect would), so the
counts are exact: a batch whose overturn rate is under the threshold but whose interval is not
is rejected; a batch's verdict, its re-review batch and the audit trail are recorded once.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

import pytest

from lpo.matter import QAConfig
from lpo.models import Privilege, ReviewDecision, Stage
from lpo.qa import workflow as qa
from lpo.qa.stats import wilson
from lpo.review import workflow
from tests.test_qa_e2e import _add

pytestmark = pytest.mark.labelstudio

T = datetime(2026, 2, 1, tzinfo=timezone.utc)
_ids = itertools.count(10_000)


def _code(ws, cn: str, stage: Stage, batch: str, reviewer: str, *, responsive: bool = True,
          overturned: bool | None = None, privilege: Privilege = Privilege.not_privileged) -> None:
    n = next(_ids)
    ws.store.add_decisions([ReviewDecision(
        control_number=cn, stage=stage, reviewer=reviewer, decided_at=T + timedelta(seconds=n), responsive=responsive,
        privilege=privilege, overturned=overturned, note="wrong call" if overturned else None, site="x",
        project_id=1, task_id=n, annotation_id=n, batch=batch)])


@pytest.fixture()
def matter(tmp_path, label_studio, monkeypatch):
    from tests.test_qa_e2e import _matter
    from lpo.workspace import Workspace

    monkeypatch.setenv("LPO_QA_T", label_studio.token)
    m = _matter(label_studio.url).model_copy(update={
        "name": f"QA judge {uuid.uuid4().hex[:6]}",
        "qa": QAConfig(confidence=0.95, margin=0.10, threshold=0.15, seed=99, all_privileged=True)})
    ws = Workspace(dir=tmp_path / "matter", matter=m)
    _add(ws, {}, range(1, 101))
    workflow.route_first_pass(ws)
    return ws


def test_a_rate_under_the_threshold_with_an_interval_over_it_is_rejected(matter):
    ws = matter
    b1, b2 = ws.store.batches(Stage.first_pass)
    for b in (b1, b2):
        for k, cn in enumerate(b.control_numbers):
            _code(ws, cn, Stage.first_pass, b.name, "r1@x" if k % 2 else "r2@x",
                  privilege=Privilege.work_product if k % 7 == 0 else Privilege.not_privileged)
    s = qa.sample_batches(ws)
    sample = ws.store.qa_samples()[0]
    random_part = {cn for st in sample.strata for cn in st.control_numbers}
    assert s.batches == [b1.name, b2.name] and s.size == len(random_part) == 68
    # every privilege call is checked: in the random sample, or else in the census beside it
    privileged = {cn for b in (b1, b2) for k, cn in enumerate(b.control_numbers) if k % 7 == 0}
    assert set(sample.census) == privileged - random_part == set(sample.control_numbers) - random_part
    # both reviewers of a batch are sampled, in proportion
    assert {(st.batch, st.reviewer): st.size for st in sample.strata} == {
        (b1.name, "r1@x"): 17, (b1.name, "r2@x"): 17, (b2.name, "r1@x"): 17, (b2.name, "r2@x"): 17}
    site = workflow.Sites(ws).client("onshore-qa")
    for qb in ws.store.batches(Stage.qa):
        assert set(site.task_index(qb.project_id)) == set(qb.control_numbers)

    # The attorney checks everything sampled: 3 overturns in batch 1 (8.8%, under the 15% threshold), none in 2.
    drawn = {b.name: [cn for st in sample.strata if st.batch == b.name for cn in st.control_numbers] for b in (b1, b2)}
    assert qa.judge_batches(ws)["awaiting"] == [b1.name, b2.name]  # nothing checked yet: no verdict
    for name, cns in drawn.items():
        for k, cn in enumerate(cns):
            _code(ws, cn, Stage.qa, f"QA-{name}", "atty@x", overturned=name == b1.name and k < 3)
    # a privilege call of the census still open: its batch waits (the census is confirmed here, and is not
    # counted in the rate)
    open_census = [b.name for b in (b1, b2) if set(b.control_numbers) & set(sample.census)]
    assert open_census and qa.judge_batches(ws)["awaiting"] == open_census
    for cn in sample.census:
        _code(ws, cn, Stage.qa, "census", "atty@x", overturned=False, privilege=Privilege.work_product)
    # The judge is cut off after recording its verdicts, before sending the re-review batch (a kill there
    # once stranded it: the verdict is not given twice); the next judge sends it.
    with patch.object(qa, "send_pending", side_effect=RuntimeError("cut off")):
        with pytest.raises(RuntimeError, match="cut off"):
            qa.judge_batches(ws)
    assert {n: v.accepted for n, v in ws.store.verdicts().items()} == {b1.name: False, b2.name: True}
    (planned,) = [b for b in ws.store.batches(Stage.first_pass) if b.reviews_batch == b1.name]
    assert planned.routed_at is None
    r = qa.judge_batches(ws)
    assert r["accepted"] == r["rejected"] == [] and len(r["sent"]) == 1
    v = ws.store.verdicts()[b1.name]
    expected = wilson(3, 34, 0.95, population=50)
    assert (v.checked, v.overturned) == (34, 3) and v.rate < 0.15 <= v.upper == pytest.approx(expected.upper)
    assert not v.accepted and v.rereview_batch == f"{b1.name}-RR1"

    # The re-review batch: the documents QA did not check (sample and census), on the same pool's site.
    rr = next(b for b in ws.store.batches(Stage.first_pass) if b.reviews_batch == b1.name)
    assert set(rr.control_numbers) == set(b1.control_numbers) - set(drawn[b1.name]) - set(sample.census)
    assert rr.site == b1.site and rr.pool == b1.pool and rr.routed_at is not None
    assert set(workflow.Sites(ws).client(rr.site).task_index(rr.project_id)) == set(rr.control_numbers)
    assert qa.judge_batches(ws) == {"accepted": [], "rejected": [], "awaiting": [], "rereview": [], "sent": []}

    # Production may take the accepted batch and the attorney's calls; the rest of batch 1 waits.
    accepted = qa.acceptance(ws)
    assert all(accepted(cn) for cn in b2.control_numbers)
    assert all(accepted(cn) for cn in drawn[b1.name]) and not any(accepted(cn) for cn in rr.control_numbers)
    assert qa.acceptance(ws.__class__(dir=ws.dir, matter=ws.matter.model_copy(update={
        "qa": ws.matter.qa.model_copy(update={"require_acceptance": False})}))) is None

    # Who decided what, when, from what: the sample and each verdict are in the audit trail.
    events = [e for e in ws.store.audit_events() if e.action in ("qa-sample", "qa-verdict")]
    assert [e.action for e in events] == ["qa-sample", "qa-verdict", "qa-verdict"]
    assert events[0].detail["seed"] == sample.seed and events[0].detail["population_sha256"] == sample.population_sha256
    assert {e.subject: e.detail["accepted"] for e in events[1:]} == {b1.name: False, b2.name: True}
