"""Search: one query language (lpo.search.query), two engines (SQLite FTS5, Elasticsearch), one API.

    from lpo.search import open_engine, reindex, search
    reindex(ws)                                   # matter.yaml search.engine picks the engine
    search(ws, 'negligen* w/5 damage AND date:[2001-01-01 TO 2001-06-30]').hits
"""

from lpo.search.base import Hit, SearchEngine, SearchError, SearchResult
from lpo.search.engine import open_engine, reindex, search
from lpo.search.query import QueryError, parse
from lpo.search.terms import read_terms, term_report

__all__ = ["Hit", "QueryError", "SearchEngine", "SearchError", "SearchResult", "open_engine", "parse", "read_terms",
           "reindex", "search", "term_report"]
