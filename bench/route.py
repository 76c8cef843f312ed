"""Route and collect throughput against a real Label Studio, beside one request per task.

    .venv/bin/python -m bench.route                  # 10,000 documents, batches of 500
    .venv/bin/python -m bench.route --docs 2000 --batch-size 250
    .venv/bin/python -m bench.route --sites 2        # two pools on two Label Studio instances

Route: lpo.review.workflow.route_first_pass on a generated matter (planning, task building with
pre-tags as predictions, bulk import, the check of every project), in tasks/second. Collect:
workflow.collect over the same batches once coded (snapshot export, validation, store), in
decisions/second. Baselines in the same run on the same server: the SDK's one-request-per-task
calls (tasks.create per task; annotations.list per task), timed on a sample and reported per second.

Coding 10,000 tasks one annotation request at a time would take half an hour (about 5/s), so the
coded copies are imported with their annotations (Label Studio's import takes annotations), and the
bench's store is pointed at those projects before collect. Nothing here is used by the pipeline.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import update

from lpo.matter import IssueCode, Matter, ProductionConfig, Protocol, ReviewSite, RoutingRule
from lpo.models import Document, EmailFields, PreTag, Stage
from lpo.review import config as c
from lpo.review import workflow
from lpo.review.server import DEFAULT_VENV, LabelStudioServer, free_port
from lpo.review.server import WORKERS as LS_WORKERS
from lpo.store import tables as t
from lpo.workspace import Workspace

WORDS = ("surcharge allocation bearing failure invoice shipment warranty notice contract amendment pricing "
         "delivery quality supplier customer forecast schedule report meeting review agreement").split()
T0 = datetime(2023, 1, 2, 9, 0, tzinfo=timezone.utc)


def generate(ws: Workspace, n: int, seed: int = 5) -> None:
    """n email documents of ~150 words, families of 1-3, threads of up to 6, two pre-tags each."""
    rng = random.Random(seed)
    docs, tags = [], []
    i = 0
    thread = 0
    while i < n:
        thread += 1
        who = f"custodian{rng.randint(1, 12)}"  # a thread lives in one custodian's mailbox
        for _ in range(rng.randint(1, 6)):
            if i >= n:
                break
            fam = f"BR-{i + 1:07d}"
            for k in range(rng.randint(1, 3)):
                if i >= n:
                    break
                i += 1
                cn = f"BR-{i:07d}"
                text = (f"From {who}@acme.example to buyer@globex.example. "
                        + " ".join(rng.choice(WORDS) for _ in range(150)) + f" Call 555-01{i % 100:02d}.")
                sha = ws.content.put_text(text)
                h = hashlib.sha256(cn.encode()).hexdigest()
                docs.append(Document(
                    control_number=cn, custodian=who, parent=None if k == 0 else fam, family_id=fam,
                    thread_id=f"T{thread}", md5=h[:32], sha1=h[:40], sha256=h, source_path=f"{who}/{cn}.eml",
                    file_name=f"{cn}.eml", extension="eml", mime_type="message/rfc822", size=len(text),
                    email=EmailFields(**{"from": f"{who}@acme.example"}, to=["buyer@globex.example"],
                                      subject=f"Thread {thread}", sent=T0 + timedelta(hours=i)),
                    text_sha256=sha, language="en"))
                em = f"{who}@acme.example"
                ph = text.rindex("555-01")
                tags.append((cn, sha, [
                    PreTag(control_number=cn, start=5, end=5 + len(em), label="PII_EMAIL", text=em, score=1.0,
                           source="pii:email", version="bench"),
                    PreTag(control_number=cn, start=ph, end=ph + 8, label="PII_PHONE", text=text[ph:ph + 8],
                           score=0.9, source="pii:phone", version="bench")]))
    ws.store.add_documents(docs)
    with ws.store.transaction():
        for cn, sha, tg in tags:
            ws.store.replace_pretags(cn, tg, "bench", 0.0, [], sha)


def _coded(task: dict, rng: random.Random, user_id: int) -> dict:
    responsive = rng.random() < 0.3
    result = [{"from_name": c.RESPONSIVE, "to_name": c.TEXT, "type": "choices",
               "value": {"choices": [c.RESPONSIVE_CHOICES[responsive]]}}]
    if responsive:
        result.append({"from_name": c.ISSUES, "to_name": c.TEXT, "type": "choices",
                       "value": {"choices": ["PRICING"]}})
    return {**task, "annotations": [{"result": result, "completed_by": user_id,
                                     "lead_time": round(rng.uniform(20, 240), 1)}]}


def run(n: int, batch_size: int, baseline: int, url: str | None, token: str | None, n_sites: int = 1) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lpo-bench-route-"))
    servers: list[LabelStudioServer] = []
    try:
        urls: list[str] = []
        if url is None or n_sites > 1:
            from tests.conftest_labelstudio import TEST_PASSWORD, TEST_TOKEN, TEST_USERNAME, _template

            template = _template(DEFAULT_VENV)
            for k in range(n_sites):
                data = tmp / f"labelstudio{k}"
                if template is not None:
                    shutil.copytree(template / "data", data, ignore=shutil.ignore_patterns("server.log"))
                srv = LabelStudioServer(data, free_port(), TEST_USERNAME, TEST_PASSWORD, TEST_TOKEN)
                servers.append(srv.start())
                urls.append(srv.url)
                print(f"Label Studio started in {srv.started_in:.1f} s at {srv.url}")
            token = TEST_TOKEN
        else:
            urls = [url]
        import os
        os.environ["LPO_BENCH_LS_TOKEN"] = token
        # With two sites (two pools, two Label Studio processes), half the custodians go to the second.
        sites = [ReviewSite(name="offshore" if k == 0 else f"pool{k + 1}", url=u, token_env="LPO_BENCH_LS_TOKEN",
                            role="first_pass") for k, u in enumerate(urls)]
        rules = [RoutingRule(pool="pool2", custodians=[f"custodian{i}" for i in range(1, 7)])] if n_sites > 1 else []
        matter = Matter(name=f"Bench {int(time.time())}", client="Bench", control_prefix="BR",
                        protocol=Protocol(instructions="Bench.", issue_codes=[IssueCode(code="PRICING",
                                                                                      description="p")]),
                        batch_size=batch_size, production=ProductionConfig(prefix="BR"),
                        review_sites=sites, routing=rules)
        ws = Workspace(dir=tmp / "matter", matter=matter)
        t0 = time.perf_counter()
        generate(ws, n)
        print(f"generated {n:,} documents with pre-tags in {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        r = workflow.route_first_pass(ws)
        route_s = time.perf_counter() - t0
        assert r.documents == n, r
        batches = ws.store.batches(Stage.first_pass)

        clients = workflow.Sites(ws)
        site = clients.client("offshore")
        sdk = site.client
        # Baseline: one request per task (the SDK's tasks.create), on a sample, into a scratch project.
        from lpo.review.config import render_config
        from lpo.review.tasks import build_first_pass_task
        scratch = site.create_project(f"bench baseline {int(time.time())}", render_config("first_pass",
                                                                                        matter.protocol))
        sample_docs = ws.store.documents([cn for b in batches for cn in b.control_numbers][:baseline])
        tasks = [build_first_pass_task(d, ws.text(d.text_sha256), ws.store.pretags(d.control_number), "X")
                 for d in sample_docs]
        t0 = time.perf_counter()
        for task in tasks:
            created = sdk.tasks.create(project=scratch, data=task["data"])
            sdk.predictions.create(task=created.id, result=task["predictions"][0]["result"],
                                   model_version=task["predictions"][0]["model_version"])
        one_by_one = time.perf_counter() - t0

        # Coded copies of the routed projects, imported with their annotations.
        rng = random.Random(9)
        uids = {st.name: clients.client(st.name).ensure_user("bench.reviewer@lpo.example", "Bench", "Reviewer")
                for st in sites}
        t0 = time.perf_counter()
        for b in batches:
            docs = ws.store.documents(b.control_numbers)
            coded = [_coded(build_first_pass_task(d, ws.text(d.text_sha256), ws.store.pretags(d.control_number),
                                                  b.name), rng, uids[b.site]) for d in docs]
            bsite = clients.client(b.site)
            pid = bsite.create_project(workflow.project_title(ws, b.name + " coded"),
                                       render_config("first_pass", matter.protocol))
            bsite.import_tasks(pid, coded)
            with ws.store.engine.begin() as conn:
                conn.execute(update(t.batches).where(t.batches.c.name == b.name).values(project_id=pid))
        coded_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        col = workflow.collect(ws, Stage.first_pass)
        collect_s = time.perf_counter() - t0
        assert col["inserted"] == n and col["rejected"] == 0, col
        t0 = time.perf_counter()
        again = workflow.collect(ws, Stage.first_pass)
        recollect_s = time.perf_counter() - t0
        assert again["inserted"] == again["updated"] == 0

        # Where collect's time goes: Label Studio's export alone, and lpo's side alone (parse, validate,
        # store) on those exports into a fresh store.
        from lpo.review.collect import parse_export
        batches = ws.store.batches(Stage.first_pass)
        t0 = time.perf_counter()
        exports = [(b, workflow.export_for_collect(clients.client(b.site), b)) for b in batches]
        export_s = time.perf_counter() - t0
        (tmp / "matter2").mkdir()
        fresh = Workspace(dir=tmp / "matter2", matter=matter)
        fresh.store.add_documents(ws.store.documents())
        t0 = time.perf_counter()
        for b, exported in exports:
            decisions, _ = parse_export(exported, b.site, Stage.first_pass, issue_codes=["PRICING"])
            fresh.store.add_decisions(decisions)
        lpo_side_s = time.perf_counter() - t0

        # Baseline: one request per task to read its annotations.
        first = ws.store.batches(Stage.first_pass)[0]
        ids = list(site.task_ids_by_control_number(first.project_id).values())[:baseline]
        t0 = time.perf_counter()
        got = sum(len(sdk.annotations.list(id=i)) for i in ids)
        per_task_read = time.perf_counter() - t0
        assert got == len(ids)

        print()
        print(f"{'':34}{'documents':>10}{'seconds':>10}{'per second':>12}")
        print(f"{'route (lpo, bulk import)':34}{n:>10,}{route_s:>10.1f}{n / route_s:>12.0f}   goal >= 250")
        print(f"{'  one request per task (SDK)':34}{len(tasks):>10,}{one_by_one:>10.1f}"
              f"{len(tasks) / one_by_one:>12.1f}   (task + prediction, sample)")
        print(f"{'collect (lpo, snapshot export)':34}{n:>10,}{collect_s:>10.1f}{n / collect_s:>12.0f}   "
              f"goal >= 1,000")
        print(f"{'  collect again (nothing new)':34}{n:>10,}{recollect_s:>10.1f}{n / recollect_s:>12.0f}")
        print(f"{'  Label Studio export alone':34}{n:>10,}{export_s:>10.1f}{n / export_s:>12.0f}   "
              f"(every project, one after another)")
        print(f"{'  lpo alone (validate + store)':34}{n:>10,}{lpo_side_s:>10.1f}{n / lpo_side_s:>12.0f}   "
              f"(validation and store alone)")
        print(f"{'  one request per task (SDK)':34}{len(ids):>10,}{per_task_read:>10.1f}"
              f"{len(ids) / per_task_read:>12.1f}   (annotations.list, sample)")
        print(f"\n{len(sites)} review site(s), each its own Label Studio instance (gunicorn, {LS_WORKERS} worker "
              f"processes; collect runs {sites[0].exports_in_parallel} exports at once on each): "
              + ", ".join(f"{k} {v:,} documents" for k, v in sorted(r.sites.items())))
        print(f"route: {len(batches)} batches of up to {batch_size}; {r.tasks_imported:,} tasks imported; "
              f"route is {n / route_s / (len(tasks) / one_by_one):.0f}x one request per task")
        print(f"collect is {n / collect_s / (len(ids) / per_task_read):.0f}x one request per task; "
              f"(setup: coded copies imported in {coded_s:.1f} s)")
        sizes = [len(b.control_numbers) for b in batches]
        print(f"batch sizes: min {min(sizes)}, median {statistics.median(sizes):.0f}, max {max(sizes)} "
              f"(families and threads are never split)")
    finally:
        for srv in servers:
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--baseline", type=int, default=200, help="tasks timed one request at a time")
    ap.add_argument("--url", help="an existing Label Studio (default: start one)")
    ap.add_argument("--token", help="its API token")
    ap.add_argument("--sites", type=int, default=1, choices=(1, 2),
                    help="review sites (pools), each its own Label Studio; 2 starts two servers")
    a = ap.parse_args()
    run(a.docs, a.batch_size, a.baseline, a.url, a.token, a.sites)


if __name__ == "__main__":
    main()
