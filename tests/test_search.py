"""Both search engines, FTS5 and a real Elasticsearch: the same answers on a generated collection (parity),
each engine's proximity, wildcard and fuzzy semantics, re-indexing without downtime, the term report."""

from __future__ import annotations

import uuid

import pytest

from lpo.search.documents import IndexDoc
from lpo.search.elastic import ElasticsearchEngine, make_client
from lpo.search.fts5 import FTS5Engine
from lpo.search.generate import generate
from lpo.search.terms import report_csv, term_report

PARITY_DOCS = 3000

# One suite, every feature of the language; each query must hit something and not everything.
SUITE = [
    "negligence", "negligen*", "neglig*ly", "neglig?nt", "*ages", "contract~1", "contarct~1", "contract~2",
    '"energy trading"', "energy AND trading", "energy OR fraud", "energy NOT trading", "NOT damage",
    "negligen* w/3 damage", "negligen* w/1 damage", "damage pre/2 negligen*", "negligen* pre/2 damage",
    "(contract OR contact) pre/2 (swap OR hedge)", "neglig?nt w/2 harm~1", '"energy trading" w/30 (price OR swap OR hedge)', '(power OR outage) w/2 (california OR price)',
    "(audit w/2 report) w/6 fraud", "(negligen* w/3 damage) OR (settlement AND NOT counsel)",
    "from:jsmith", "from:jsmith@enron.com", "to:(jdoe OR klay)", 'custodian:"jane doe"', "custodian:lay",
    "subject:(audit OR fraud)", "file:pdf AND fraud", "date:2000-06-15", "date:[2001-01-01 TO 2001-06-30]",
    "date:[* TO 2000-03-31] AND privileged", "damage AND NOT date:[2001-01-01 TO 2001-06-30]",
    "(privileged OR counsel OR attorney) AND NOT from:klay", "subject:((merger* OR audit*) w/3 (pipeline OR fraud OR energy))",
]


@pytest.fixture(scope="module")
def collection():
    return [d for chunk in generate(PARITY_DOCS, seed=20) for d in chunk]


@pytest.fixture(scope="module")
def fts5(collection, tmp_path_factory):
    engine = FTS5Engine(tmp_path_factory.mktemp("fts5") / "search.db")
    assert engine.rebuild([collection]) == PARITY_DOCS
    yield engine
    engine.close()


def _es_engine(es_url) -> ElasticsearchEngine:
    return ElasticsearchEngine(make_client(es_url), f"lpo-test-{uuid.uuid4().hex[:8]}", prefix="lpo")


@pytest.fixture(scope="module")
def elastic(collection, es_url):
    engine = _es_engine(es_url)
    assert engine.rebuild(generate(PARITY_DOCS, seed=20, chunk=700)) == PARITY_DOCS
    yield engine
    engine.drop()
    engine.close()


@pytest.mark.parametrize("query", SUITE)
def test_both_engines_return_the_same_documents(query, fts5, elastic):
    a, b = fts5.search(query), elastic.search(query)
    assert 0 < a.total < PARITY_DOCS, f"{query!r} should hit some documents, not none or all"
    assert a.ids() == b.ids() and a.total == b.total
    assert [h.id for h in a.hits] == sorted(a.ids()) == [h.id for h in b.hits]  # both in control-number order
    assert {h.id: h.family_id for h in a.hits} == {h.id: h.family_id for h in b.hits}
    pa, pb = fts5.search(query, limit=100), elastic.search(query, limit=100)  # what a reviewer sees first
    assert (pa.total, pb.total) == (a.total, a.total)
    assert [h.id for h in pa.hits] == [h.id for h in pb.hits] == [h.id for h in a.hits][:100]


def test_a_limit_returns_the_first_hits_and_the_full_total(fts5, elastic):
    for engine in (fts5, elastic):
        r = engine.search("negligen*", limit=7)
        assert len(r.hits) == 7 and r.total > 7
        assert [h.id for h in r.hits] == sorted(fts5.search("negligen*").ids())[:7]


@pytest.mark.parametrize("near, same", [
    ("negligen* w/3 damage", "(negligen* pre/3 damage) OR (damage pre/3 negligen*)"),
    ("(contract OR contact) w/2 (swap OR hedge)",
     "((contract OR contact) pre/2 (swap OR hedge)) OR ((swap OR hedge) pre/2 (contract OR contact))"),
    ('"energy trading" w/4 price', '("energy trading" pre/4 price) OR (price pre/4 "energy trading")'),
])
def test_fts5_near_and_word_positions_agree(fts5, near, same):
    # w/N between operands that cannot overlap runs as FTS5's NEAR; pre/N reads word positions: for
    # such operands, w/N is exactly pre/N either way round.
    a, b = fts5.search(near), fts5.search(same)
    assert a.total > 0 and a.ids() == b.ids()


def test_fts5_orders_hits_by_id_whatever_order_documents_arrive_in(collection, fts5, tmp_path):
    import random

    shuffled = collection[:]
    random.Random(3).shuffle(shuffled)
    engine = FTS5Engine(tmp_path / "search.db")
    engine.rebuild([shuffled[:1000], shuffled[1000:]])
    for q in ("negligen* w/3 damage", "damage pre/2 negligen*", "energy AND date:[2001-01-01 TO 2001-06-30]"):
        got, want = engine.search(q, limit=50), fts5.search(q, limit=50)
        assert got.total == want.total and got.hits == want.hits == sorted(want.hits, key=lambda h: h.id)
    engine.close()


def test_fts5_index_from_an_older_lpo_asks_for_a_rebuild(tmp_path):
    import sqlite3

    from lpo.search import SearchError

    sqlite3.connect(tmp_path / "search.db").executescript("CREATE TABLE docs (id TEXT)")
    with pytest.raises(SearchError, match="older lpo.*lpo index"):
        FTS5Engine(tmp_path / "search.db").search("x")


# ---- each engine's semantics, on documents written for the purpose ------------------------------------

SMALL = [
    IndexDoc("A1", "A1", "the negligence of the board caused damage", subject="Quarterly report",
             from_="John Smith <jsmith@enron.com>", custodian="John Smith", date="2001-03-01"),
    IndexDoc("A2", "A1", "damage was caused by negligent drivers", subject="re: test", date="2001-08-01"),
    IndexDoc("A3", "A3", "a contract, a contact and a contrast", custodian="Jane Doe", date="2002-01-01"),
    IndexDoc("A4", "A4", "negligently one two three four five damages", custodian="Jane Doe"),
    IndexDoc("A5", "A5", "test tent text toast tests", custodian="Kenneth Lay"),
]
SEMANTICS = [
    # w/N: either order, at most N - 1 words between
    ("negligen* w/5 damage", {"A1", "A2"}),
    ("negligence w/5 damage", {"A1"}),          # 4 words between: within 5 words, not within 4
    ("negligence w/4 damage", set()),
    ("negligence w/4 caused", {"A1"}),
    ("negligently w/6 damages", {"A4"}),         # 5 words between
    ("negligently w/5 damages", set()),
    # pre/N: left first
    ("damage pre/4 negligen*", {"A2"}),
    ("negligen* pre/5 damage", {"A1"}),
    ("negligent pre/4 damage", set()),
    ('"caused by" pre/1 negligent', {"A2"}),
    # wildcards and prefixes match within one word, case-insensitively
    ("NEGLIGEN*", {"A1", "A2", "A4"}),
    ("te?t", {"A5"}),
    ("te*t", {"A5"}),
    ("*ast", {"A3", "A5"}),
    ("con??act", {"A3"}),
    ("subject:quarter*", {"A1"}),
    # fuzzy: insert, delete, substitute, transpose
    ("contarct~1", {"A3"}),
    ("tezt~1", {"A5"}),
    ("subject:te?t", {"A2"}),
    ("negligense~1", {"A1"}),
    # fields and dates
    ("from:jsmith", {"A1"}),
    ('custodian:"jane doe" AND contrast', {"A3"}),
    ("date:[2001-01-01 TO 2001-12-31]", {"A1", "A2"}),
    ("NOT date:[* TO *]", {"A4", "A5"}),
]


@pytest.fixture(params=["fts5", "elasticsearch"])
def small_engine(request, tmp_path):
    if request.param == "fts5":
        engine = FTS5Engine(tmp_path / "search.db")
    else:
        engine = _es_engine(request.getfixturevalue("es_url"))
    engine.rebuild([SMALL])
    yield engine
    if request.param == "elasticsearch":
        engine.drop()
    engine.close()


@pytest.mark.parametrize("query, expected", SEMANTICS)
def test_proximity_wildcard_and_fuzzy_semantics(small_engine, query, expected):
    assert small_engine.search(query).ids() == expected


def test_reindex_swaps_in_the_new_index_while_searches_go_on(small_engine):
    assert small_engine.search("contrast").ids() == {"A3"}
    small_engine.rebuild([[IndexDoc("B1", "B1", "a new contrast"), IndexDoc("B2", "B1", "attachment")]])
    assert small_engine.search("contrast").ids() == {"B1"} and small_engine.count() == 2
    if isinstance(small_engine, ElasticsearchEngine):
        # the alias points at exactly one concrete index; the old one is gone
        assert len(small_engine.es.indices.get_alias(name=small_engine.alias)) == 1


def test_a_missing_fts5_index_says_how_to_build_it(tmp_path):
    from lpo.search import SearchError

    with pytest.raises(SearchError, match="lpo index"):
        FTS5Engine(tmp_path / "search.db").search("x")


def test_fts5_rejects_a_wildcard_that_matches_too_many_words(tmp_path):
    from lpo.search import SearchError

    engine = FTS5Engine(tmp_path / "search.db")
    engine.rebuild([[IndexDoc("D1", "D1", " ".join(f"w{i}" for i in range(1100)))]])
    with pytest.raises(SearchError, match="more specific"):
        engine.search("w?*")  # a prefix (w*) is native and unlimited; other wildcards expand
    assert engine.search("w10*").total == 1


def test_term_report_counts_hits_unique_hits_and_families(small_engine):
    rows, total = term_report(small_engine, ["negligen*", "contract~1", "drivers"])
    got = {r.term: (r.hits, r.unique_hits, r.hits_with_families) for r in rows}
    # negligen*: A1 A2 A4, A2 also hit by 'drivers'; A1's family holds A2
    assert got == {"negligen*": (3, 2, 3), "contract~1": (1, 1, 1), "drivers": (1, 0, 2)}
    assert (total.hits, total.hits_with_families) == (4, 4)
    csv = report_csv(rows, total).splitlines()
    assert csv[0] == "term,hits,unique_hits,hits_with_families" and csv[-1] == "Total (any term),4,4,4"
