"""Search: documents/second indexed and query latency p50/p95, FTS5 and Elasticsearch, same collection.

    .venv/bin/python -m bench.search [--docs 100000] [--rounds 5] [--engines fts5 elasticsearch]
                                     [--page 100] [--heap 2g] [--bulk-docs 5000] [--bulk-threads 2] [--warmup 20000]

What a reviewer waits for is the first page of hits (in control-number order) and the exact total,
so that is the headline latency per query class (`page`); fetching every hit (`all hits`, what the
search term report does) is shown beside it for comparison.

The collection is generated (lpo.search.generate, ~100 words a document, families, dates) into memory
first, at a rate printed on its own, so documents/second measures the engine, not the generator.
Elasticsearch is LPO_ELASTICSEARCH_URL, or a real single node started from tests/es_server.py (Maven
Central's jars, --heap). Goals: >= 2,000 documents/second bulk into Elasticsearch; FTS5 p95 < 100 ms
for Boolean queries (first page and total). Baseline in the same run: one plain word, the cheapest
query there is. The load average (as `uptime` shows it) is printed before and after each engine:
figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from lpo.search.elastic import ElasticsearchEngine, make_client
from lpo.search.fts5 import FTS5Engine
from lpo.search.generate import generate

BASELINE = ["negligence"]
BOOLEAN = ["negligence AND damage", "energy OR fraud", "contract AND NOT counsel", "(audit OR fraud) AND revenue",
           "settlement AND (privileged OR counsel) AND NOT attorney", "subject:merger AND from:klay",
           'custodian:"jane doe" AND trading', "damage AND date:[2001-01-01 TO 2001-06-30]",
           '"energy trading" OR "power outage"', "negligen* AND damage*"]
PROXIMITY = ["negligen* w/5 damage", "damage pre/3 negligen*", "(contract OR contact) w/3 (swap OR hedge)"]
EXPANDING = ["neglig?nt", "contarct~1", "*ages"]
CLASSES = (("baseline (one word)", BASELINE), ("Boolean", BOOLEAN), ("proximity", PROXIMITY),
           ("wildcard/fuzzy", EXPANDING))


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def latencies(engine, queries: list[str], rounds: int, limit: int | None) -> tuple[list[float], int]:  # noqa: ANN001
    out, hits = [], 0
    for q in queries:
        engine.search(q, limit)  # warm: the first run of a query reads its pages from disk
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            hits += engine.search(q, limit).total
            out.append((time.perf_counter() - t) * 1000)
    return out, hits


def run(engine, docs: list, rounds: int, page: int) -> None:  # noqa: ANN001
    print(f"\n{engine.name}: {load()}")
    t = time.perf_counter()
    n = engine.rebuild(docs[i:i + 2000] for i in range(0, len(docs), 2000))
    secs = time.perf_counter() - t
    print(f"  indexed {n:,} documents in {secs:.1f} s = {n / secs:,.0f} documents/second  ({load()})")
    print(f"  {'':<20} {'queries':>7}  {'first ' + str(page) + ' hits + total':>26}  {'all hits':>22}  mean total")
    for label, qs in CLASSES:
        ms, hits = latencies(engine, qs, rounds, page)
        all_ms, _ = latencies(engine, qs, rounds, None)
        print(f"  {label:<20} {len(ms):7d}  p50 {pct(ms, 50):7.1f} p95 {pct(ms, 95):7.1f} ms  "
              f"p50 {pct(all_ms, 50):7.1f} p95 {pct(all_ms, 95):7.1f} ms  {hits / len(ms):,.0f}")
    print(f"  ({load()})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--page", type=int, default=100, help="hits on the first page (the headline latency)")
    ap.add_argument("--engines", nargs="+", default=["fts5", "elasticsearch"], choices=["fts5", "elasticsearch"])
    ap.add_argument("--heap", default="2g", help="heap of the Elasticsearch node the bench starts (tests use 1g); "
                    "its indexing buffer is a tenth of it")
    ap.add_argument("--bulk-docs", type=int, default=5000, help="documents per bulk request")
    ap.add_argument("--bulk-threads", type=int, default=2, help="bulk requests in flight")
    ap.add_argument("--warmup", type=int, default=20_000,
                    help="documents indexed into a throwaway index first when the bench starts the node (0: none)")
    args = ap.parse_args()
    print(f"search bench: {args.docs:,} generated documents, {args.rounds} rounds of each query ({load()})")
    t = time.perf_counter()
    docs = [d for chunk in generate(args.docs, chunk=2000) for d in chunk]
    secs = time.perf_counter() - t
    print(f"generated in {secs:.1f} s ({args.docs / secs:,.0f} documents/second, not part of the indexing figures)")
    if "fts5" in args.engines:
        with tempfile.TemporaryDirectory(prefix="lpo-bench-") as d:
            engine = FTS5Engine(Path(d) / "search.db")
            run(engine, docs, args.rounds, args.page)
            print(f"  index file {os.path.getsize(engine.path) / 2**20:,.0f} MiB")
            engine.close()
    if "elasticsearch" in args.engines:
        url, node = os.environ.get("LPO_ELASTICSEARCH_URL"), None
        if not url:
            from tests import es_server

            es_server.HEAP = [f"-Xms{args.heap}", f"-Xmx{args.heap}"]
            node = es_server.ElasticsearchNode()
            url = node.start()
            print(f"\nstarted a single Elasticsearch node at {url} (heap {args.heap})")
        engine = ElasticsearchEngine(make_client(url, request_timeout=300), f"lpo-bench-{uuid.uuid4().hex[:8]}",
                                     bulk_docs=args.bulk_docs, bulk_threads=args.bulk_threads)
        print(f"  bulk: {args.bulk_docs} documents a request, {args.bulk_threads} requests in flight")
        try:
            if node and args.warmup:
                # A fresh JVM compiles its hot paths during the first tens of thousands of documents; a
                # long-running server has done so. Both figures are printed.
                warm = ElasticsearchEngine(make_client(url, request_timeout=300), f"lpo-warmup-{uuid.uuid4().hex[:8]}",
                                           bulk_docs=args.bulk_docs, bulk_threads=args.bulk_threads)
                t = time.perf_counter()
                warm.rebuild([docs[:args.warmup]])
                secs = time.perf_counter() - t
                print(f"  cold node: warm-up indexed {args.warmup:,} documents at {args.warmup / secs:,.0f} "
                      f"documents/second ({load()})")
                warm.drop()
                warm.close()
            run(engine, docs, args.rounds, args.page)
        finally:
            engine.drop()
            engine.close()
            if node:
                node.stop()
    print("\ngoals: Elasticsearch bulk >= 2,000 documents/second; FTS5 Boolean p95 < 100 ms (first page + total)")


if __name__ == "__main__":
    main()
