"""[Review routing] against real Label Studio servers: pools on separate instances, routing twice,
an outage mid-route, two reviewers coding through the API with updates and deletions, malformed
annotations, purge.

Two servers: the session's (fixture `label_studio`) and a second one started here from the same
migrated template, which the outage test stops and starts again.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid

import pytest
from sqlalchemy import update

from lpo.matter import ReviewSite, RoutingRule
from lpo.models import Privilege, Stage
from lpo.review import config as c
from lpo.review import workflow
from lpo.review.people import invite_token, sign_up
from lpo.review.server import DEFAULT_VENV
from lpo.review.site import LabelStudioSite, SiteUnreachable
from lpo.store import tables as t
from tests.conftest_labelstudio import _server, _template
from tests.review_matter import ROUTABLE, build, review_matter

pytestmark = pytest.mark.labelstudio

GERMAN = {"RT-0024", "RT-0025", "RT-0026", "RT-0027"}


@pytest.fixture(scope="module")
def second_server(label_studio, tmp_path_factory):
    """Another Label Studio instance (another pool's review site); tests may stop and restart it."""
    template = _template(DEFAULT_VENV)
    data_dir = tmp_path_factory.mktemp("labelstudio2") / "data"
    if template is not None:
        shutil.copytree(template / "data", data_dir, ignore=shutil.ignore_patterns("server.log"))
    server = _server(data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def sites_env(label_studio, second_server, monkeypatch):
    monkeypatch.setenv("LPO_T1", label_studio.token)
    monkeypatch.setenv("LPO_T2", second_server.token)
    return label_studio.url, second_server.url


def _matter(urls, batch_size: int = 4, german: bool = True, first_on_second: bool = False):
    one, two = urls
    sites = [ReviewSite(name="offshore", url=two if first_on_second else one, token_env="LPO_T2"
                        if first_on_second else "LPO_T1", role="first_pass")]
    if german:
        sites.append(ReviewSite(name="german-desk", url=two, token_env="LPO_T2", role="first_pass", pool="german"))
    sites.append(ReviewSite(name="onshore-qa", url=one, token_env="LPO_T1", role="qa"))
    m = review_matter(batch_size=batch_size, sites=sites,
                      routing=[RoutingRule(pool="german", languages=["de"])] if german else [])
    return m.model_copy(update={"name": f"Routing {uuid.uuid4().hex[:8]}"})


def _tasks_on_site(ws, site_name: str) -> dict[str, int]:
    """Control number -> number of tasks, over every project of this matter on the site."""
    client = workflow.Sites(ws).client(site_name)
    out: dict[str, int] = {}
    for title, pid in client.projects_by_title().items():
        if title.startswith(ws.matter.name[:36]):
            for cn, ids in client.task_index(pid).items():
                out[cn] = out.get(cn, 0) + len(ids)
    return out


def test_each_pool_gets_only_its_documents_and_routing_twice_adds_nothing(tmp_path, sites_env):
    ws = build(tmp_path, _matter(sites_env))
    r = workflow.route_first_pass(ws)
    assert r.documents == r.tasks_imported == ROUTABLE
    german, offshore = _tasks_on_site(ws, "german-desk"), _tasks_on_site(ws, "offshore")
    assert set(german) == GERMAN and set(german.values()) == {1}
    assert not set(offshore) & GERMAN and len(offshore) == ROUTABLE - len(GERMAN)
    assert set(offshore.values()) == {1}
    assert all(b.routed_at is not None and b.pool in ("offshore", "german") for b in ws.store.batches())

    again = workflow.route_first_pass(ws)
    assert (again.documents, again.tasks_imported, again.planned) == (0, 0, [])
    assert _tasks_on_site(ws, "offshore") == offshore and _tasks_on_site(ws, "german-desk") == german

    # A run that died after importing (a task gone, a batch not marked routed) and a duplicate import
    # from a lost response: sending again fills the gap and removes the duplicate.
    b = ws.store.batches()[0]
    client = workflow.Sites(ws).client(b.site)
    index = client.task_index(b.project_id)
    client.delete_tasks([index[b.control_numbers[0]][0]])
    twin = [{"data": {"control_number": b.control_numbers[1], "text": "twin", "batch": b.name}}]
    client.client.projects.import_tasks(b.project_id, request=twin)
    with ws.store.engine.begin() as conn:
        conn.execute(update(t.batches).where(t.batches.c.name == b.name).values(routed_at=None))
    fixed = workflow.route_first_pass(ws)
    assert (fixed.sent, fixed.tasks_imported, fixed.duplicates_removed) == ([b.name], 1, 1)
    assert {cn: len(ids) for cn, ids in client.task_index(b.project_id).items()} == \
        {cn: 1 for cn in b.control_numbers}


def test_an_outage_mid_route_is_resumed_without_duplicates_or_gaps(tmp_path, sites_env, second_server):
    ws = build(tmp_path, _matter(sites_env, batch_size=1, german=False, first_on_second=True))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            workflow.route_first_pass(ws, sites=workflow.Sites(ws, retry_seconds=3))
        except BaseException as e:  # noqa: BLE001 - the test inspects it
            failure.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 120
    while sum(b.routed_at is not None for b in ws.store.batches()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    second_server.stop()
    worker.join(120)
    assert failure and isinstance(failure[0], SiteUnreachable), failure
    assert "run the step again" in str(failure[0])
    batches = ws.store.batches()
    routed = sum(b.routed_at is not None for b in batches)
    assert 2 <= routed < len(batches)  # stopped mid-route, the plan recorded whole

    # The site comes back while a second run is waiting for it: it retries, then finishes the route.
    # (Started only once the route has met the outage: how soon it first calls the site is not the test's.)
    sites = workflow.Sites(ws, retry_seconds=120)

    def restart_once_refused() -> None:
        deadline = time.monotonic() + 60
        while sites.retries == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        second_server.start()

    restarter = threading.Thread(target=restart_once_refused)
    restarter.start()
    r = workflow.route_first_pass(ws, sites=sites)
    restarter.join()
    assert r.retries > 0
    assert r.planned == [] and len(r.sent) == len(batches) - routed
    assert all(b.routed_at is not None for b in ws.store.batches())
    assert _tasks_on_site(ws, "offshore") == {cn: 1 for b in batches for cn in b.control_numbers}
    assert sum(len(b.control_numbers) for b in batches) == ROUTABLE


def _choice(name: str, *values: str) -> dict:
    return {"from_name": name, "to_name": c.TEXT, "type": "choices", "value": {"choices": list(values)}}


def _redact(text: str, needle: str, label: str) -> dict:
    start = text.index(needle)
    return {"from_name": c.REDACT, "to_name": c.TEXT, "type": "labels",
            "value": {"start": start, "end": start + len(needle), "text": needle, "labels": [label]}}


def test_two_reviewers_code_and_collect_stores_exactly_what_they_submitted(tmp_path, sites_env, label_studio):
    ws = build(tmp_path, _matter(sites_env, batch_size=50, german=False))
    workflow.route_first_pass(ws)
    (batch,) = ws.store.batches(Stage.first_pass)
    invite = invite_token(label_studio.url, label_studio.token)
    uid = uuid.uuid4().hex[:6]
    people = {}
    for who in ("ana", "ben"):
        email = f"{who}-{uid}@review.example"
        people[email] = LabelStudioSite(label_studio.url, sign_up(label_studio.url, invite, email,
                                                                   f"pw-{who}-{uid}-long"), name="offshore")
    emails = sorted(people)
    admin = workflow.Sites(ws).client("offshore")
    task_ids = admin.task_ids_by_control_number(batch.project_id)
    texts = {d.control_number: ws.text(d.text_sha256) for d in ws.store.documents(batch.control_numbers)}
    submitted: dict[str, dict] = {}
    ann_ids: dict[str, tuple[str, int]] = {}
    for i, cn in enumerate(batch.control_numbers[:10]):
        who = emails[i % 2]
        responsive = i % 3 != 0
        result = [_choice(c.RESPONSIVE, "Responsive" if responsive else "Not Responsive")]
        want = {"reviewer": who, "responsive": responsive, "privilege": Privilege.not_privileged, "issues": [],
                "redactions": [], "lead_time": 20.0 + i}
        if i == 1:
            result += [_choice(c.ISSUES, "PRICING", "DEFECT"), _choice(c.DESIGNATION, "Confidential")]
            want["issues"] = ["DEFECT", "PRICING"]
        if i == 2:
            needle = texts[cn].split()[1]
            result += [_choice(c.PRIVILEGE, "Partially Privileged - Redact"),
                       _redact(texts[cn], needle, "Privileged")]
            want["privilege"] = Privilege.partial
            want["redactions"] = [needle]
        ann_ids[cn] = (who, people[who].create_annotation(task_ids[cn], result, lead_time=want["lead_time"]))
        submitted[cn] = want

    first = workflow.collect(ws, Stage.first_pass)
    assert (first["inserted"], first["updated"], first["retracted"], first["rejected"]) == (10, 0, 0, 0)
    stored = ws.store.latest_decisions(Stage.first_pass)
    assert set(stored) == set(submitted)
    for cn, want in submitted.items():
        d = stored[cn]
        assert (d.reviewer, d.responsive, d.privilege, d.issue_codes, d.lead_time) == \
            (want["reviewer"], want["responsive"], want["privilege"], want["issues"], want["lead_time"]), cn
        assert [r.text for r in d.redactions] == want["redactions"]
        assert d.site == "offshore" and d.batch == batch.name and d.annotation_id == ann_ids[cn][1]

    # An update replaces the decision (history kept); a deletion retracts it.
    upd_cn, del_cn = batch.control_numbers[0], batch.control_numbers[3]
    time.sleep(1.1)  # Label Studio's updated_at must move on
    who, aid = ann_ids[upd_cn]
    people[who].client.annotations.update(aid, result=[_choice(c.RESPONSIVE, "Responsive")])
    who_del, did = ann_ids[del_cn]
    people[who_del].client.annotations.delete(did)
    second = workflow.collect(ws, Stage.first_pass)
    assert (second["inserted"], second["updated"], second["retracted"]) == (0, 1, 1)
    now = ws.store.latest_decisions(Stage.first_pass)
    assert now[upd_cn].responsive is True and del_cn not in now
    versions = [d for d in ws.store.decisions(history=True) if d.annotation_id == aid]
    assert [v.responsive for v in versions] == [False, True] and versions[0].superseded_at is not None

    # A malformed annotation (Label Studio's API takes any choice value) is refused with its reason.
    bad_cn = batch.control_numbers[12]
    bad = people[emails[0]].create_annotation(task_ids[bad_cn], [_choice(c.RESPONSIVE, "Maybe")])
    third = workflow.collect(ws, Stage.first_pass)
    assert third["rejected"] == 1 and (third["inserted"], third["updated"], third["retracted"]) == (0, 0, 0)
    (rej,) = ws.store.rejections()
    assert (rej.control_number, rej.reviewer, rej.annotation_id) == (bad_cn, emails[0], bad)
    assert "'Maybe' is not one of" in rej.reason
    assert bad_cn not in ws.store.latest_decisions(Stage.first_pass)
    from lpo.review.productivity import productivity
    prog = {b["batch"]: b for b in productivity(ws.store)["batches"]}
    assert prog[batch.name]["rejected"] == 1 and prog[batch.name]["coded"] == 9

    # Fixed by the reviewer: collected, the rejection cleared; collecting again changes nothing.
    time.sleep(1.1)
    people[emails[0]].client.annotations.update(bad, result=[_choice(c.RESPONSIVE, "Not Responsive")])
    fourth = workflow.collect(ws, Stage.first_pass)
    assert (fourth["inserted"], fourth["rejected"]) == (1, 0) and ws.store.rejections() == []
    fifth = workflow.collect(ws, Stage.first_pass)
    assert (fifth["inserted"], fifth["updated"], fifth["retracted"], fifth["rejected"]) == (0, 0, 0, 0)
    stats = {r["reviewer"]: r for r in productivity(ws.store)["reviewers"]}
    assert set(stats) == set(emails) and sum(r["documents"] for r in stats.values()) == 10


def test_purge_deletes_only_fully_coded_projects(tmp_path, sites_env):
    ws = build(tmp_path, _matter(sites_env, batch_size=8, german=False))
    workflow.route_first_pass(ws)
    done, open_ = ws.store.batches(Stage.first_pass)[:2]
    client = workflow.Sites(ws).client("offshore")
    ids = client.task_ids_by_control_number(done.project_id)
    for cn in done.control_numbers:
        client.create_annotation(ids[cn], [_choice(c.RESPONSIVE, "Responsive")])
    r = workflow.purge(ws, "offshore")
    assert done.name in r["purged"] and open_.name in r["kept"] and "not coded" in r["kept"][open_.name]
    assert done.project_id not in client.projects_by_title().values()
    assert len(ws.store.latest_decisions(Stage.first_pass)) == len(done.control_numbers)  # collected first
    again = workflow.collect(ws, Stage.first_pass)  # a purged batch is not exported (nor retracted)
    assert again["retracted"] == 0
    assert len(ws.store.latest_decisions(Stage.first_pass)) == len(done.control_numbers)

