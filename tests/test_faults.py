"""Faults at CI size: the pipeline SIGKILLed in ingest, pre-tag, route, collect and produce, and Label
Studio, PostgreSQL and Elasticsearch restarted mid-stage, each stage re-run after; the matter must end
as an undisturbed run of the same sample ends: store, review site, production and search indexes.

One custodian of the generated sample (62 files, 67 documents), no attorney QA (production without
acceptance): six `lpo` commands a run. The matter's store is on
PostgreSQL (so its restart means something) and its search on Elasticsearch. The full size (every
stage killed at random in several runs, QA re-review rounds and elusion included) is bench/faults.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from lpo.faults import FaultSpec
from lpo.faults.compare import (
    compare_runs,
    production_check,
    site_check,
    store_snapshot,
)
from lpo.faults.inject import KILL
from lpo.workspace import Workspace

pytestmark = [pytest.mark.labelstudio, pytest.mark.postgres]

# The five stages of the issue each killed once (where the store shows progress, the kill lands inside the
# work), and each server restarted while a command that talks to it runs. bench/faults.py also runs attorney
# QA (sample, judge, re-review rounds, elusion) and kills those commands and indexing too.
PLAN = [
    FaultSpec("ingest", KILL, trigger="progress"),
    FaultSpec("ingest", "postgresql", trigger="progress"),  # on the re-run, among the files still to do
    FaultSpec("pretag", KILL, trigger="progress"),
    FaultSpec("route", KILL, trigger="progress"),
    FaultSpec("route", "labelstudio", trigger="delay"),      # on the re-run, sending what is left
    FaultSpec("collect", KILL, trigger="progress"),
    FaultSpec("produce", KILL, trigger="progress"),
    FaultSpec("index", "elasticsearch", trigger="delay"),
]


def _unavailable() -> str | None:
    from lpo.review.server import DEFAULT_VENV
    from tests.es_server import tools_missing
    from tests.pg_server import pg_bindir

    if not (DEFAULT_VENV / "bin" / "label-studio").exists():
        return f"Label Studio is not installed ({DEFAULT_VENV}): run `make setup`"
    if pg_bindir() is None:
        return "PostgreSQL is not installed: run `make setup`"
    return tools_missing()


@pytest.fixture(scope="module")
def runs(prefect_harness, tmp_path_factory):
    from prefect.settings import PREFECT_API_URL

    from bench.faults import (
        Servers,
        elasticsearch,
        labelstudio,
        make_harness,
        postgresql,
    )

    why = _unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    work = tmp_path_factory.mktemp("faults")
    seed = random.randrange(1 << 30)
    print(f"fault seed {seed}")  # the kill points of a failing run, to replay it
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(1) as pool:
        es_stack = stack.enter_context(contextlib.ExitStack())
        es_started = pool.submit(es_stack.enter_context, elasticsearch())  # a JVM: start it meanwhile
        ls, ls_service = stack.enter_context(labelstudio(work))
        pg_url, pg_service = stack.enter_context(postgresql())
        es_url, es_service = es_started.result()
        servers = Servers(ls.url, ls.token, {"labelstudio": ls_service, "postgresql": pg_service,
                                             "elasticsearch": es_service}, pg_url, es_url,
                          {"PREFECT_API_URL": PREFECT_API_URL.value()})
        h = make_harness(work, servers, ["Dana Whitmore"], seed, log=print)
        h.qa = False
        ref = h.run("ref")
        print(f"undisturbed: {ref.seconds:.0f} s", {k: round(v, 1) for k, v in ref.steps.items()})
        ref_ws = Workspace.open(ref.matter_dir)
        ref_snap = store_snapshot(ref_ws)
        run = h.run("run", PLAN, reference=ref)
        print(f"disturbed: {run.seconds:.0f} s, {run.reruns} re-runs")
        ws = Workspace.open(run.matter_dir)
        cmp = compare_runs(ref_snap, ref.production, ws, run.production, ref_ws)
        print(json.dumps(cmp.as_dict(), indent=1, default=str)[:4000])
        yield ref, run, cmp, ref_ws, ws, work
        ws.store.close()
        ref_ws.store.close()


def test_every_stage_was_killed_and_every_server_restarted_midway(runs):
    _, run, _, _, _, _ = runs
    fired = {(f.stage, f.kind) for f in run.faults if f.fired}
    assert fired == {(f.stage, f.kind) for f in PLAN}, [f.as_dict() for f in run.faults]
    assert all(f.exit_code == -9 for f in run.faults if f.kind == KILL and f.fired)


def test_nothing_is_lost_or_duplicated(runs):
    _, _, cmp, _, _, _ = runs
    assert cmp.documents == 67
    assert cmp.documents_lost == [] and cmp.documents_extra == []
    assert cmp.site.projects >= 2 and cmp.site.duplicate_projects == []
    assert cmp.site.duplicate_tasks == [] and cmp.site.missing_tasks == []
    assert cmp.site.duplicate_annotations == [] and cmp.duplicate_decisions == []


def test_the_store_is_the_undisturbed_runs(runs):
    _, _, cmp, _, _, _ = runs
    assert cmp.differences == {}, cmp.summary()
    assert cmp.tables["decisions"]["rows"] >= 60 and cmp.tables["production_documents"]["rows"] >= 20
    assert cmp.audit_problems == []


def test_the_production_is_the_same_byte_for_byte_but_the_xlsx_timestamp(runs):
    _, _, cmp, _, _, _ = runs
    p = cmp.production
    assert p.files > 50 and p.missing == [] and p.extra == [] and p.different == []
    # openpyxl stamps the workbook's creation time: the privilege log's cells are equal, and the manifest
    # is equal but for that file's hash and size.
    assert set(p.same_content) <= {"ACME001/privilege_log.xlsx", "ACME001/manifest.json"}
    assert p.identical == p.files - len(p.same_content)


def test_the_search_indexes_answer_the_same(runs):
    _, _, cmp, _, _, _ = runs
    assert cmp.search is not None and cmp.search.indexes == 2  # the matter's and the volume's
    assert cmp.search.different == [] and cmp.search.leftover_indices == []


def test_the_comparison_sees_a_lost_document_a_changed_file_and_a_duplicate_task(runs):
    """The checks above could not pass by seeing nothing."""
    ref, run, _, _, ws, work = runs
    snap = store_snapshot(ws)
    docs = snap["documents"]
    assert compare_runs(snap, run.production, ws, run.production).ok  # itself: equal
    lost = json.loads(docs[0])
    gone = {**snap, "documents": docs + [json.dumps({**lost, "source_path": "lost.pdf"}, sort_keys=True)]}
    assert compare_runs(gone, run.production, ws, run.production).documents_lost == [f"{lost['custodian']}/lost.pdf"]

    copy = work / "changed-production"
    shutil.copytree(run.production, copy)
    dat = next(copy.rglob("*.dat"))
    dat.write_bytes(dat.read_bytes().replace(b"ACME", b"ACMF", 1))
    assert production_check(ref.production, copy).different == [dat.relative_to(copy).as_posix()]

    from lpo.review.workflow import Sites

    b = next(b for b in ws.store.batches() if b.project_id is not None)
    site = Sites(ws).client(b.site)
    task = site.client.tasks.get(site.task_index(b.project_id)[b.control_numbers[0]][0])
    extra = site.client.tasks.create(project=b.project_id, data=task.data)
    try:
        assert site_check(ws).duplicate_tasks == [f"{b.name} {b.control_numbers[0]} x2"]
    finally:
        site.delete_tasks([extra.id])
