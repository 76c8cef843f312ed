"""[Review routing] webhook-triggered collect against the session's real Label Studio: annotations
created, updated and deleted through the API reach the store without anyone calling collect;
a burst of saves is one export; requests without the token are refused and trigger nothing.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from lpo.matter import ReviewSite
from lpo.models import Stage
from lpo.review import config as c
from lpo.review import workflow
from lpo.review.webhook import HEADER, CollectListener, hook_path, register, unregister
from tests.review_matter import build, review_matter

pytestmark = pytest.mark.labelstudio

WAIT = 30.0


def _until(what: str, ok) -> None:
    """Poll the store until ok() (bounded); the listener, not the test, collects."""
    deadline = time.monotonic() + WAIT
    while not ok():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT:.0f} s: {what}")
        time.sleep(0.1)


def _responsive(value: str) -> list[dict]:
    return [{"from_name": c.RESPONSIVE, "to_name": c.TEXT, "type": "choices", "value": {"choices": [value]}}]


@pytest.fixture()
def routed(tmp_path, label_studio, monkeypatch):
    monkeypatch.setenv("LPO_T1", label_studio.token)
    m = review_matter(batch_size=50, sites=[ReviewSite(name="offshore", url=label_studio.url, token_env="LPO_T1",
                                                       role="first_pass")])
    ws = build(tmp_path, m.model_copy(update={"name": f"Webhook {uuid.uuid4().hex[:8]}"}))
    workflow.route_first_pass(ws)
    (batch,) = ws.store.batches(Stage.first_pass)
    return ws, batch


def test_annotation_events_are_collected_without_calling_collect(routed):
    ws, batch = routed
    collected: list[tuple[str, int]] = []
    listener = CollectListener(ws, debounce=0.5, on_collect=lambda b, r: collected.append((b.name, r.inserted)))
    client = workflow.Sites(ws).client("offshore")
    tasks = client.task_ids_by_control_number(batch.project_id)
    cns = batch.control_numbers
    try:
        # Listening but not collecting: three saves queue one collect of their project.
        listener.listen()
        assert register(ws, listener) == 1 and register(ws, listener) == 0  # idempotent
        (hook,) = [w for w in client.client.webhooks.list() if w.project == batch.project_id]
        assert hook.url == listener.hook_url("offshore", batch.project_id) and hook.send_payload is False
        ann = {cn: client.create_annotation(tasks[cn], _responsive("Responsive")) for cn in cns[:3]}
        assert listener.stats.events == 3 and listener.pending() == [("offshore", batch.project_id)]
        assert ws.store.latest_decisions(Stage.first_pass) == {}

        listener.start()
        # The store is written before the collect is counted: wait for the count, then check the store.
        _until("the first collect", lambda: listener.stats.collects == 1)
        assert set(ws.store.latest_decisions(Stage.first_pass)) == set(cns[:3])
        assert collected == [(batch.name, 3)]

        # An update replaces the decision; a deletion retracts it.
        time.sleep(1.1)  # Label Studio's updated_at must move on
        client.client.annotations.update(ann[cns[0]], result=_responsive("Not Responsive"))
        _until("the update's collect", lambda: listener.stats.collects == 2)
        assert ws.store.latest_decisions(Stage.first_pass)[cns[0]].responsive is False
        client.client.annotations.delete(ann[cns[1]])
        _until("the deletion's collect", lambda: listener.stats.collects == 3)
        assert set(ws.store.latest_decisions(Stage.first_pass)) == {cns[0], cns[2]}

        # Without the token (or with a wrong one): 401, nothing queued, nothing collected.
        before = (listener.stats.events, listener.stats.collects)
        url = listener.hook_url("offshore", batch.project_id)
        for headers in ({}, {HEADER: "guess"}):
            r = httpx.post(url, json={"action": "ANNOTATION_CREATED"}, headers=headers)
            assert r.status_code == 401
            assert listener.pending() == []
        assert (listener.stats.events, listener.stats.collects) == before and listener.stats.refused == 2

        # With the token, a project that is no batch of this matter is ignored (logged), not collected.
        stranger = listener.url + hook_path(ws, "offshore", 999999)
        r = httpx.post(stranger, json={"action": "ANNOTATION_UPDATED"}, headers={HEADER: listener.secret})
        assert r.status_code == 200
        _until("the stranger ignored", lambda: listener.stats.ignored == 1)
        assert listener.stats.collects == before[1] and listener.stats.failures == 0
    finally:
        listener.stop()
        removed = unregister(ws, listener)
    assert removed == 1
    assert [w for w in client.client.webhooks.list() if w.project == batch.project_id] == []


def test_a_new_listener_takes_over_the_hooks_of_a_dead_one(routed):
    ws, batch = routed
    client = workflow.Sites(ws).client("offshore")
    old = CollectListener(ws)
    register(ws, old)
    old.stop()  # died without unregistering: its hook points to a closed port
    new = CollectListener(ws, debounce=0.2).start()
    try:
        assert register(ws, new) == 1
        (hook,) = [w for w in client.client.webhooks.list() if w.project == batch.project_id]
        assert hook.url == new.hook_url("offshore", batch.project_id)
        assert hook.headers == {HEADER: new.secret}
        cn = batch.control_numbers[5]
        client.create_annotation(client.task_ids_by_control_number(batch.project_id)[cn], _responsive("Responsive"))
        _until("the decision", lambda: cn in ws.store.latest_decisions(Stage.first_pass))
    finally:
        new.stop()
        assert unregister(ws) == 1  # every port of this matter
