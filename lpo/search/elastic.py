"""The scale-out search engine: Elasticsearch, through the official `elasticsearch` client.

- An index template with explicit, strict mappings owns every lpo index (a stray field is an
  error, not a guessed mapping).
- One alias per matter (`lpo-<matter>`) and per production volume (`lpo-<matter>-prod-<volume>`).
  A re-index fills a new concrete index, then moves the alias in one atomic call and drops the
  old index: searches never see a missing or half-built index. A re-index first drops what one
  killed midway left (an index no alias points at): tests/test_faults.py kills and restarts it.
- Bulk indexing retries the documents Elasticsearch turned away with 429 (queue full), backing
  off exponentially; the client also retries whole requests on 429/502/503/504.
- The AST compiles to the query DSL; proximity compiles to span queries (span_near with
  slop = N - 1, in order for pre/N), the same semantics the FTS5 engine confirms in Python.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from lpo import progress
from lpo.search.base import MAX_EXPANSIONS, Hit, SearchError, SearchResult
from lpo.search.documents import IndexDoc
from lpo.search.query import And, DateRange, Fuzzy, Near, Not, Or, Phrase, Prefix, Term, Wildcard, parse

TEXT = {"type": "text", "analyzer": "standard", "norms": False}  # hits sort by id: no scoring, no norms to write
MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "family_id": {"type": "keyword"},
        "text": TEXT,
        "subject": TEXT,
        "from": TEXT,
        "to": TEXT,
        "custodian": {**TEXT, "fields": {"keyword": {"type": "keyword"}}},
        "file_name": TEXT,
        "date": {"type": "date", "format": "yyyy-MM-dd"},
    },
}
PAGE = 5000
# A bulk request is at most 5,000 documents (bulk_docs) or 16 MiB, whichever comes first: the size
# Elasticsearch's tuning guide starts from; on this machine 5,000 small documents a request indexed
# faster than 1,000 (bench/search.py --bulk-docs).
BULK_BYTES = 16 * 1024 * 1024


def slug(name: str) -> str:
    """An index-name-safe form of a matter or volume name (lower case, no spaces or commas)."""
    s = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")
    return s or "matter"


def make_client(url: str, *, username: str | None = None, password: str | None = None,
                api_key: str | None = None, request_timeout: float = 60):  # noqa: ANN201
    from elasticsearch import Elasticsearch

    auth: dict = {}
    if api_key:
        auth["api_key"] = api_key
    elif username and password:
        auth["basic_auth"] = (username, password)
    return Elasticsearch(url, **auth, request_timeout=request_timeout, max_retries=5, retry_on_timeout=True,
                         retry_on_status=(429, 502, 503, 504))


class ElasticsearchEngine:
    name = "elasticsearch"

    def __init__(self, client, alias: str, *, prefix: str = "lpo", replicas: int = 0,  # noqa: ANN001
                 bulk_docs: int = 5000, bulk_threads: int = 2, bulk_retries: int = 8, initial_backoff: float = 0.5):
        self.es, self.alias, self.prefix = client, alias, prefix
        self.replicas, self.bulk_docs, self.bulk_threads = replicas, bulk_docs, bulk_threads
        self.bulk_retries, self.initial_backoff = bulk_retries, initial_backoff

    def close(self) -> None:
        self.es.close()

    # ---- indexing -----------------------------------------------------------------------------

    def ensure_template(self) -> None:
        self.es.indices.put_index_template(
            name=f"{self.prefix}-documents", index_patterns=[f"{self.prefix}-*"], priority=100,
            template={"settings": {"number_of_shards": 1, "number_of_replicas": self.replicas},
                      "mappings": MAPPINGS},
            meta={"owner": "lpo", "about": "documents of a matter or a production volume"})

    def _current_indices(self) -> list[str]:
        if not self.es.indices.exists_alias(name=self.alias):
            return []
        return sorted(self.es.indices.get_alias(name=self.alias))

    def _orphans(self) -> list[str]:
        """This alias's concrete indices that no alias points at: a re-index killed before it moved the
        alias (or that lost the server midway) leaves its new index, a full copy of the documents' text,
        privileged ones included. The name pattern is exact: a volume's indices (`<alias>-prod-...`) are
        another alias's."""
        mine = re.compile(re.escape(self.alias) + r"-\d{14}-\d{6}")
        live = set(self._current_indices())
        return sorted(i for i in self.es.indices.get(index=f"{self.alias}-*", expand_wildcards="all")
                      if mine.fullmatch(i) and i not in live)

    def rebuild(self, chunks: Iterable[list[IndexDoc]], total: int | None = None) -> int:
        from elastic_transport import ConnectionError as Unreachable

        try:
            return self._rebuild(chunks, total)
        except Unreachable as e:
            raise SearchError(f"Elasticsearch did not answer while re-indexing {self.alias} ({e}); searches keep "
                              f"the index they had. Start Elasticsearch (or fix search.elasticsearch.url in "
                              f"matter.yaml), then run `lpo index` again") from None

    def _rebuild(self, chunks: Iterable[list[IndexDoc]], total: int | None = None) -> int:
        from elasticsearch import ApiError

        self.ensure_template()
        for o in self._orphans():  # left by a re-index that was killed: nobody searches it
            self.es.indices.delete(index=o, ignore_unavailable=True)
        new = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 1_000_000:06d}"
        try:
            # Nobody searches this index yet: no refreshes, no replicas to copy every document to, an
            # asynchronous translog flushed rarely. The matter's settings come back once it is complete.
            self.es.indices.create(index=new, settings={"refresh_interval": "-1", "number_of_replicas": 0,
                                                        "translog.durability": "async",
                                                        "translog.flush_threshold_size": "1gb"})
            n = self._bulk(new, chunks, total)
            self.es.indices.put_settings(index=new, settings={"refresh_interval": None, "number_of_replicas":
                                                              self.replicas, "translog.durability": "request",
                                                              "translog.flush_threshold_size": None})
            self.es.indices.refresh(index=new)
            old = self._current_indices()
            actions = [{"remove": {"index": o, "alias": self.alias}} for o in old]
            self.es.indices.update_aliases(actions=[*actions, {"add": {"index": new, "alias": self.alias}}])
        except ApiError as e:
            self.es.indices.delete(index=new, ignore_unavailable=True)
            raise SearchError(f"Elasticsearch refused the re-index of {self.alias}: {e}") from None
        for o in old:
            self.es.indices.delete(index=o, ignore_unavailable=True)
        return n

    def _actions(self, index: str, chunks: Iterable[list[IndexDoc]], count: list[int]) -> Iterator[dict]:
        for chunk in chunks:
            for d in chunk:
                count[0] += 1
                yield {"_index": index, "_id": d.id, "_source": {
                    "id": d.id, "family_id": d.family_id, "text": d.text, "subject": d.subject, "from": d.from_,
                    "to": d.to, "custodian": d.custodian, "file_name": d.file_name, "date": d.date}}

    def _bulk(self, index: str, chunks: Iterable[list[IndexDoc]], total: int | None) -> int:
        from elasticsearch.helpers import streaming_bulk

        count = [0]
        failed: list[dict] = []
        actions = self._actions(index, chunks, count)
        lock = threading.Lock()

        def shared() -> Iterator[dict]:  # one action stream, consumed by several senders
            while True:
                with lock:
                    a = next(actions, None)
                if a is None:
                    return
                yield a

        def send(advance) -> None:  # noqa: ANN001
            # streaming_bulk re-sends the documents rejected with 429, waiting initial_backoff * 2**n.
            for ok, item in streaming_bulk(self.es, shared(), chunk_size=self.bulk_docs,
                                           max_chunk_bytes=BULK_BYTES, max_retries=self.bulk_retries,
                                           initial_backoff=self.initial_backoff, max_backoff=30,
                                           raise_on_error=False, raise_on_exception=True):
                if not ok:
                    failed.append(item)
                advance(1)

        with progress.step(f"indexing {self.alias}", total) as advance:
            # Two requests in flight keep the node busy while this side encodes the next one.
            with ThreadPoolExecutor(self.bulk_threads) as pool:
                for f in [pool.submit(send, advance) for _ in range(self.bulk_threads)]:
                    f.result()
        if failed:
            first = next(iter(failed[0].values()))
            raise SearchError(f"{len(failed)} documents were not indexed into {self.alias}; the first, "
                              f"{first.get('_id')}: {first.get('error')}")
        return count[0]

    # ---- searching ----------------------------------------------------------------------------

    def _pages(self, query: dict, limit: int | None) -> tuple[int, list[Hit]]:
        from elasticsearch import NotFoundError

        hits: list[Hit] = []
        after = None
        total = 0
        while True:
            size = PAGE if limit is None else min(PAGE, limit - len(hits))
            try:
                r = self.es.search(index=self.alias, query=query, sort=[{"id": "asc"}], size=max(size, 0),
                                   source=False, docvalue_fields=["family_id"], track_total_hits=True,
                                   search_after=after)
            except NotFoundError:
                raise SearchError(f"no Elasticsearch index {self.alias}: build it with `lpo index`") from None
            total = r["hits"]["total"]["value"]
            page = r["hits"]["hits"]
            hits.extend(Hit(h["_id"], h["fields"]["family_id"][0]) for h in page)
            if len(page) < size or size == 0 or (limit is not None and len(hits) >= limit):
                return total, hits
            after = page[-1]["sort"]

    def search(self, query: str, limit: int | None = None) -> SearchResult:
        from elasticsearch import BadRequestError

        dsl = {"bool": {"filter": [to_dsl(parse(query))]}}  # hits sort by id: filter context, no scores
        try:
            total, hits = self._pages(dsl, limit)
        except BadRequestError as e:
            raise SearchError(f"Elasticsearch rejected {query!r}: {e}") from None
        return SearchResult(query, total, hits)

    def families(self) -> dict[str, str]:
        return {h.id: h.family_id for h in self._pages({"match_all": {}}, None)[1]}

    def count(self) -> int:
        return int(self.es.count(index=self.alias)["count"])

    def drop(self) -> None:
        """Delete the alias's indices, and any a killed re-index left (tests, a matter closed for good)."""
        for i in [*self._current_indices(), *self._orphans()]:
            self.es.indices.delete(index=i, ignore_unavailable=True)


# ---- the AST as query DSL ---------------------------------------------------------------------------

def to_dsl(node) -> dict:  # noqa: ANN001, C901
    if isinstance(node, (Term, Phrase)):
        return {"match_phrase": {node.field: {"query": node.text}}}
    if isinstance(node, Prefix):
        return {"prefix": {node.field: {"value": node.stem}}}
    if isinstance(node, Wildcard):
        return {"wildcard": {node.field: {"value": node.pattern}}}
    if isinstance(node, Fuzzy):
        return {"fuzzy": {node.field: {"value": node.word, "fuzziness": node.distance, "prefix_length": 0,
                                       "max_expansions": MAX_EXPANSIONS, "transpositions": True}}}
    if isinstance(node, DateRange):
        rng = {"format": "yyyy-MM-dd"}
        if node.start:
            rng["gte"] = node.start
        if node.end:
            rng["lte"] = node.end
        return {"range": {node.field: rng}}
    if isinstance(node, Near):
        return to_span(node)
    if isinstance(node, Not):
        return {"bool": {"must_not": [to_dsl(node.child)]}}
    if isinstance(node, Or):
        return {"bool": {"should": [to_dsl(c) for c in node.children], "minimum_should_match": 1}}
    if isinstance(node, And):
        must = [to_dsl(c) for c in node.children if not isinstance(c, Not)]
        must_not = [to_dsl(c.child) for c in node.children if isinstance(c, Not)]
        return {"bool": {k: v for k, v in (("filter", must), ("must_not", must_not)) if v}}
    raise TypeError(f"cannot compile {type(node).__name__}")


def to_span(node) -> dict:  # noqa: ANN001
    if isinstance(node, (Term, Phrase)):
        terms = [{"span_term": {node.field: w}} for w in node.words]
        return terms[0] if len(terms) == 1 else {"span_near": {"clauses": terms, "slop": 0, "in_order": True}}
    if isinstance(node, (Prefix, Wildcard, Fuzzy)):
        return {"span_multi": {"match": to_dsl(node)}}
    if isinstance(node, Or):
        return {"span_or": {"clauses": [to_span(c) for c in node.children]}}
    if isinstance(node, Near):
        return {"span_near": {"clauses": [to_span(node.left), to_span(node.right)], "slop": node.distance - 1,
                              "in_order": node.ordered}}
    raise TypeError(f"{type(node).__name__} cannot be part of a proximity search")
