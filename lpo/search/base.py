"""What every search engine answers, whichever holds the index."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from lpo.search.documents import IndexDoc

MAX_EXPANSIONS = 1024  # words one wildcard or fuzzy term may stand for (Elasticsearch's clause limit)


class SearchError(RuntimeError):
    """The engine could not answer (index missing, server down, a wildcard too broad): says what to do."""


@dataclass(frozen=True)
class Hit:
    id: str
    family_id: str


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]          # in id (control number / Bates) order; all of them unless a limit was given

    def ids(self) -> set[str]:
        return {h.id for h in self.hits}


class SearchEngine(Protocol):
    name: str

    def rebuild(self, chunks: Iterable[list[IndexDoc]], total: int | None = None) -> int:
        """Index every document afresh; searches keep answering from the old index until the new one is
        complete. Returns the number of documents indexed."""

    def search(self, query: str, limit: int | None = None) -> SearchResult: ...

    def families(self) -> dict[str, str]:
        """id -> family id of every indexed document (for family counts)."""

    def count(self) -> int: ...

    def close(self) -> None: ...
