"""Search: documents/second indexed and query latency p50/p95, FTS5 and Elasticsearch, same collection.

    .venv/bin/python -m bench.search [--docs 100000] [--rounds 5] [--engines fts5 elasticsearch]

The collection is generated (lpo.search.generate, ~100 words a document, families, dates). Elasticsearch
is LPO_ELASTICSEARCH_URL, or a real single node started from tests/es_server.py (Maven Central's jars,
1 GiB heap). Goals: >= 2,000 documents/second bulk into Elasticsearch; FTS5 p95 < 100 ms for Boolean
queries. Baseline in the same run: a plain FTS5 MATCH of one word, the cheapest query there is.
Figures only; they depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import statistics
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


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def latencies(engine, queries: list[str], rounds: int) -> tuple[list[float], int]:  # noqa: ANN001
    out, hits = [], 0
    engine.search(queries[0])  # warm the connection and caches once
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            hits += engine.search(q).total
            out.append((time.perf_counter() - t) * 1000)
    return out, hits


def run(engine, docs: int, rounds: int) -> None:  # noqa: ANN001
    t = time.perf_counter()
    n = engine.rebuild(generate(docs, chunk=2000), total=docs)
    secs = time.perf_counter() - t
    print(f"\n{engine.name}: indexed {n:,} documents in {secs:.1f} s = {n / secs:,.0f} documents/second")
    for label, qs in (("baseline (one word)", BASELINE), ("Boolean", BOOLEAN), ("proximity", PROXIMITY),
                      ("wildcard/fuzzy", EXPANDING)):
        ms, hits = latencies(engine, qs, rounds)
        print(f"  {label:<20} {len(ms):4d} queries  p50 {pct(ms, 50):7.1f} ms  p95 {pct(ms, 95):7.1f} ms  "
              f"(mean hits {hits / len(ms):,.0f}, every hit fetched)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--engines", nargs="+", default=["fts5", "elasticsearch"], choices=["fts5", "elasticsearch"])
    args = ap.parse_args()
    print(f"search bench: {args.docs:,} generated documents, {args.rounds} rounds of each query")
    if "fts5" in args.engines:
        with tempfile.TemporaryDirectory(prefix="lpo-bench-") as d:
            engine = FTS5Engine(Path(d) / "search.db")
            run(engine, args.docs, args.rounds)
            print(f"  index file {os.path.getsize(engine.path) / 2**20:,.0f} MiB")
            engine.close()
    if "elasticsearch" in args.engines:
        url, node = os.environ.get("LPO_ELASTICSEARCH_URL"), None
        if not url:
            from tests.es_server import ElasticsearchNode

            node = ElasticsearchNode()
            url = node.start()
            print(f"\nstarted a single Elasticsearch node at {url} (heap 1 GiB)")
        engine = ElasticsearchEngine(make_client(url, request_timeout=300), f"lpo-bench-{uuid.uuid4().hex[:8]}")
        try:
            run(engine, args.docs, args.rounds)
        finally:
            engine.drop()
            engine.close()
            if node:
                node.stop()
    print("\ngoals: Elasticsearch bulk >= 2,000 documents/second; FTS5 Boolean p95 < 100 ms")


if __name__ == "__main__":
    main()
