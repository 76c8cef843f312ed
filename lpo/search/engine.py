"""One search API over the matter's engine: matter.yaml `search.engine` decides, callers never branch."""

from __future__ import annotations

import re

from lpo.search.base import SearchEngine, SearchResult
from lpo.search.documents import matter_documents, production_documents
from lpo.search.elastic import ElasticsearchEngine, make_client, slug
from lpo.search.fts5 import FTS5Engine

FTS5_FILE = "search.db"


def _fts5_file(volume: str | None) -> str:
    return FTS5_FILE if volume is None else f"search-{re.sub(r'[^A-Za-z0-9_-]+', '_', volume)}.db"


def open_engine(ws, production: str | None = None) -> SearchEngine:  # noqa: ANN001
    """The engine holding the matter's documents, or (production=VOLUME) that production's."""
    cfg = ws.matter.search
    if cfg.engine == "fts5":
        return FTS5Engine(ws.dir / _fts5_file(production))
    es = cfg.elasticsearch
    client = make_client(es.resolved_url(), username=es.username, password=es.secret(es.password_env),
                         api_key=es.secret(es.api_key_env))
    alias = f"{es.index_prefix}-{slug(ws.matter.name)}"
    if production is not None:
        alias += f"-prod-{slug(production)}"
    return ElasticsearchEngine(client, alias, prefix=es.index_prefix, replicas=es.replicas)


def reindex(ws, production: str | None = None) -> int:  # noqa: ANN001
    """Build the index afresh from the store (or the production volume); searches go on meanwhile."""
    engine = open_engine(ws, production)
    try:
        if production is None:
            return engine.rebuild(matter_documents(ws), total=ws.store.counts()["documents"])
        return engine.rebuild(production_documents(ws, production))
    finally:
        engine.close()


def search(ws, query: str, production: str | None = None, limit: int | None = None) -> SearchResult:  # noqa: ANN001
    engine = open_engine(ws, production)
    try:
        return engine.search(query, limit)
    finally:
        engine.close()
