"""[Review routing]: batching, pools, decision history, rejections and productivity (no server needed).

The round trips against real Label Studio servers are in tests/test_review_sites.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lpo.matter import MatterError, ReviewSite, RoutingRule
from lpo.models import Privilege, RedactionSpan, ReviewDecision, Stage
from lpo.review import batching
from lpo.review import config as c
from lpo.review.collect import parse_export
from lpo.review.productivity import batch_progress, reviewer_stats
from tests.review_matter import ROUTABLE, build, review_matter

T = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
TWO_POOLS = [ReviewSite(name="offshore", url="http://127.0.0.1:1", token_env="LPO_T1", role="first_pass"),
             ReviewSite(name="german-desk", url="http://127.0.0.1:2", token_env="LPO_T2", role="first_pass",
                        pool="german"),
             ReviewSite(name="onshore-qa", url="http://127.0.0.1:1", token_env="LPO_T1", role="qa")]


def _batch_of(plan: list[batching.PlannedBatch]) -> dict[str, int]:
    return {cn: i for i, b in enumerate(plan) for cn in b.control_numbers}


def test_batches_never_split_a_family_thread_or_near_duplicate_group(tmp_path):
    ws = build(tmp_path, review_matter(batch_size=3))
    docs = ws.store.documents()
    plan = batching.plan(docs, ws.matter)
    where = _batch_of(plan)
    routed = [cn for b in plan for cn in b.control_numbers]
    assert len(routed) == len(set(routed)) == ROUTABLE
    by = {d.control_number: d for d in docs}
    for key in ("family_id", "thread_id", "near_duplicate_group"):
        groups: dict[str, set[int]] = {}
        for cn in routed:
            g = getattr(by[cn], key)
            if g is not None:
                groups.setdefault(g, set()).add(where[cn])
        assert all(len(bs) == 1 for bs in groups.values()), (key, groups)
    # The family RT-0001 (3) joined by its thread (RT-0004) is 4 > batch size 3: a batch of its own.
    assert sorted(plan[where["RT-0001"]].control_numbers) == ["RT-0001", "RT-0002", "RT-0003", "RT-0004"]
    assert all(len(b.control_numbers) <= 3 for b in plan if "RT-0001" not in b.control_numbers)


def test_duplicates_and_culled_documents_are_not_routed_and_take_their_masters_coding(tmp_path):
    ws = build(tmp_path, review_matter())
    docs = ws.store.documents()
    routed = {cn for b in batching.plan(docs, ws.matter) for cn in b.control_numbers}
    assert not routed & {"RT-0019", "RT-0020", "RT-0021", "RT-0022", "RT-0023"}
    master = ReviewDecision(control_number="RT-0007", stage=Stage.first_pass, reviewer="r@x", decided_at=T,
                            responsive=True, privilege=Privilege.not_privileged, issue_codes=["PRICING"],
                            site="s", project_id=1, task_id=1, annotation_id=1)
    final = batching.propagated_decisions(docs, {"RT-0007": master})
    assert final["RT-0019"].responsive is True and final["RT-0019"].issue_codes == ["PRICING"]
    assert final["RT-0019"].control_number == "RT-0019" and "RT-0007" in final["RT-0019"].note
    assert "RT-0020" not in final  # its master RT-0008 is not coded yet


def test_routing_rules_send_whole_units_to_their_pool(tmp_path):
    m = review_matter(sites=TWO_POOLS, routing=[RoutingRule(pool="german", languages=["de"])])
    ws = build(tmp_path, m)
    plan = batching.plan(ws.store.documents(), ws.matter)
    german = {cn for b in plan if b.pool == "german" for cn in b.control_numbers}
    # RT-0027 is English, but in a German family: the family goes together.
    assert german == {"RT-0024", "RT-0025", "RT-0026", "RT-0027"}
    assert {b.pool for b in plan} == {"offshore", "german"}


def test_privilege_score_rule_and_ranking_order(tmp_path):
    m = review_matter(batch_size=50, sites=TWO_POOLS, routing=[RoutingRule(pool="german",
                                                                           privilege_score_at_least=0.7)])
    ws = build(tmp_path, m)
    plan = batching.plan(ws.store.documents(), ws.matter, privilege={"RT-0009": 0.8, "RT-0010": 0.69})
    assert [b.control_numbers for b in plan if b.pool == "german"] == [["RT-0009"]]
    ranked = batching.plan(ws.store.documents(), review_matter(batch_size=50), ranking={"RT-0017": 0.99,
                                                                                        "RT-0003": 0.5})
    order = ranked[0].control_numbers
    assert order[0] == "RT-0017"
    assert order[1:5] == ["RT-0001", "RT-0002", "RT-0003", "RT-0004"]  # the unit of RT-0003, whole


def test_matter_refuses_a_rule_for_an_unknown_pool_and_two_sites_for_one_pool():
    with pytest.raises(ValueError, match="pool 'nowhere' is served by no first-pass site"):
        review_matter(routing=[RoutingRule(pool="nowhere", languages=["de"])])
    with pytest.raises(ValueError, match="has no criterion"):
        RoutingRule(pool="x")
    twins = [ReviewSite(name="a", url="http://h:1", token_env="T", role="first_pass", pool="p"),
             ReviewSite(name="b", url="http://h:2", token_env="T", role="first_pass", pool="p")]
    with pytest.raises(ValueError, match="same pool"):
        review_matter(sites=twins)
    with pytest.raises(MatterError, match="no site named 'gone'"):
        review_matter().site_named("gone")


# ---- decision history -----------------------------------------------------------------------------------

def _decision(ann: int, when: datetime, responsive: bool = True, cn: str = "RT-0007", project: int = 5,
              reviewer: str = "r@x") -> ReviewDecision:
    return ReviewDecision(control_number=cn, stage=Stage.first_pass, reviewer=reviewer, decided_at=when,
                          responsive=responsive, site="offshore", project_id=project, task_id=ann * 10,
                          annotation_id=ann, batch="FP-0001", lead_time=30.0)


def test_updates_supersede_with_history_and_deletions_retract(tmp_path):
    ws = build(tmp_path, review_matter())
    s = ws.store
    assert s.add_decisions([_decision(1, T), _decision(2, T, cn="RT-0008")]) == (2, 0)
    assert s.add_decisions([_decision(1, T), _decision(2, T, cn="RT-0008")]) == (0, 0)  # idempotent
    assert s.add_decisions([_decision(1, T + timedelta(minutes=5), responsive=False)]) == (0, 1)
    current = {d.control_number: d for d in s.decisions(Stage.first_pass)}
    assert current["RT-0007"].responsive is False
    history = [d for d in s.decisions(Stage.first_pass, history=True) if d.annotation_id == 1]
    assert [(d.responsive, d.superseded_at is not None) for d in history] == [(True, True), (False, False)]
    # Annotation 2 deleted on the site: retracted, kept as history, not current.
    assert s.retract_missing("offshore", 5, present={1}) == 1
    assert s.retract_missing("offshore", 5, present={1}) == 0
    assert "RT-0008" not in s.latest_decisions(Stage.first_pass)
    gone = [d for d in s.decisions(history=True) if d.annotation_id == 2]
    assert len(gone) == 1 and gone[0].retracted_at is not None
    assert s.counts()["reviewed"] == 1


# ---- validation of annotations ----------------------------------------------------------------------------

def _task(tid: int, cn: str, results: list[dict], ann_id: int, text: str = "Pricing memo with SSN 123-45-6789."):
    return {"id": tid, "project": 5, "data": {"control_number": cn, "text": text, "batch": "FP-0001"},
            "annotations": [{"id": ann_id, "project": 5, "result": results, "lead_time": 12.5,
                             "completed_by": {"id": 3, "email": "rev@x"}, "created_at": "2024-05-01T12:00:00Z",
                             "updated_at": "2024-05-01T12:00:00Z"}]}


def _choice(name: str, *values: str) -> dict:
    return {"from_name": name, "to_name": c.TEXT, "type": "choices", "value": {"choices": list(values)}}


def test_malformed_annotations_are_refused_whole_with_a_reason_and_the_rest_kept():
    good = [_choice(c.RESPONSIVE, "Responsive"), _choice(c.ISSUES, "PRICING")]
    export = [
        _task(1, "RT-0001", good, 11),
        _task(2, "RT-0002", [_choice(c.RESPONSIVE, "Maybe")], 12),
        _task(3, "RT-0003", [_choice(c.PRIVILEGE, "Attorney-Client")], 13),
        _task(4, "RT-0004", [_choice(c.RESPONSIVE, "Responsive"), _choice(c.ISSUES, "GOSSIP")], 14),
        _task(5, "RT-0005", [_choice(c.RESPONSIVE, "Responsive"),
                             _choice(c.PRIVILEGE, "Partially Privileged - Redact")], 15),
        _task(6, "RT-0006", [_choice(c.RESPONSIVE, "Responsive"),
                             {"from_name": c.REDACT, "to_name": c.TEXT, "type": "labels",
                              "value": {"start": 22, "end": 33, "labels": ["PII"], "text": "wrong text"}}], 16),
    ]
    decisions, rejected = parse_export(export, "offshore", Stage.first_pass, issue_codes=["PRICING", "DEFECT"])
    assert [d.control_number for d in decisions] == ["RT-0001"]
    assert decisions[0].lead_time == 12.5 and decisions[0].reviewer == "rev@x"
    why = {r.control_number: r.reason for r in rejected}
    assert set(why) == {"RT-0002", "RT-0003", "RT-0004", "RT-0005", "RT-0006"}
    assert "'Maybe' is not one of" in why["RT-0002"]
    assert "no 'responsive' choice" in why["RT-0003"]
    assert "['GOSSIP'] are not in the matter's protocol" in why["RT-0004"]
    assert "no redaction labelled 'Privileged'" in why["RT-0005"]
    assert "offsets do not match" in why["RT-0006"]
    assert all(r.reviewer == "rev@x" and r.batch == "FP-0001" and r.annotation_id for r in rejected)


# ---- productivity -----------------------------------------------------------------------------------------

def test_reviewer_productivity_and_batch_progress():
    fp = [_decision(i, T + timedelta(minutes=i), responsive=i % 2 == 0, cn=f"RT-{i:04d}", reviewer="a@x")
          for i in range(1, 7)]
    fp += [_decision(10, T, cn="RT-0010", reviewer="b@x").model_copy(
        update={"privilege": Privilege.attorney_client, "lead_time": None})]
    qa = [_decision(100 + i, T + timedelta(hours=1), cn=f"RT-{i:04d}", reviewer="atty@x").model_copy(
        update={"stage": Stage.qa, "overturned": i == 2}) for i in (1, 2, 3, 4)]
    stats = {s.reviewer: s for s in reviewer_stats(fp, qa)}
    a = stats["a@x"]
    assert a.documents == 6 and a.hours == pytest.approx(6 * 30 / 3600, abs=1e-3)
    assert a.docs_per_hour == 120.0 and a.responsive_rate == 0.5 and a.privilege_rate == 0
    assert (a.qa_checked, a.overturned, a.overturn_rate) == (4, 1, 0.25)
    b = stats["b@x"]
    assert b.hours is None and b.docs_per_hour is None and b.privilege_rate == 1 and b.overturn_rate is None

    from lpo.models import Batch, CollectRejection
    batches = [Batch(name="FP-0001", stage=Stage.first_pass, site="offshore", control_numbers=[
        f"RT-{i:04d}" for i in range(1, 9)], routed_at=T),
        Batch(name="FP-0002", stage=Stage.first_pass, site="offshore", control_numbers=["RT-0010"])]
    rej = [CollectRejection(site="offshore", project_id=5, task_id=1, annotation_id=9, stage=Stage.first_pass,
                            reason="x", batch="FP-0001")]
    prog = {p.batch: p for p in batch_progress(batches, fp, rej)}
    assert (prog["FP-0001"].coded, prog["FP-0001"].documents, prog["FP-0001"].rejected) == (6, 8, 1)
    assert prog["FP-0001"].state == "in review" and prog["FP-0001"].percent == 75.0
    assert prog["FP-0002"].state == "planned"


def test_redaction_spans_round_trip_through_parse():
    text = "Pricing memo with SSN 123-45-6789."
    res = [_choice(c.RESPONSIVE, "Responsive"), _choice(c.PRIVILEGE, "Partially Privileged - Redact"),
           {"from_name": c.REDACT, "to_name": c.TEXT, "type": "labels",
            "value": {"start": 0, "end": 12, "labels": ["Privileged"], "text": "Pricing memo"}},
           {"from_name": c.REDACT, "to_name": c.TEXT, "type": "labels",
            "value": {"start": 22, "end": 33, "labels": ["PII"], "text": "123-45-6789"}}]
    (d,), rejected = parse_export([_task(1, "RT-0001", res, 11, text)], "offshore", Stage.first_pass)
    assert not rejected
    assert d.privilege is Privilege.partial
    assert d.redactions == [RedactionSpan(start=0, end=12, reason="privileged", text="Pricing memo"),
                            RedactionSpan(start=22, end=33, reason="pii", text="123-45-6789")]


def test_instructions_carry_issue_definitions_privilege_examples_and_counsel_escaped():
    from lpo.matter import Counsel, IssueCode, PrivilegeExamples, Protocol
    from lpo.review.config import instructions_html

    html = instructions_html(Protocol(
        instructions="Code <carefully>.", issue_codes=[IssueCode(code="PRICING", description="price & terms")],
        counsel=Counsel(names=["Ann Law"], domains=["firm.example"]),
        privilege_examples=PrivilegeExamples(privileged=["Email asking <counsel> for advice"],
                                             not_privileged=["Counsel cc'd on a sales update"])))
    assert "Code &lt;carefully&gt;." in html and "<b>PRICING</b>: price &amp; terms" in html
    assert "<p>Privileged, for example:</p><ul><li>Email asking &lt;counsel&gt; for advice</li></ul>" in html
    assert "<p>Not privileged, for example:</p><ul><li>Counsel cc'd on a sales update</li></ul>" in html
    assert "Ann Law, @firm.example" in html
