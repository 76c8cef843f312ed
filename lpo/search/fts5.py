"""The embedded search engine: SQLite FTS5 in its own file in the matter folder (search.db).

Its own file, not a table of the store: the store may be PostgreSQL, and a re-index builds a new
file beside the old one and swaps it in with one rename, so searches never see a half-built index.

The AST compiles to one SQL statement: runs of plain Boolean text become a single FTS5 MATCH;
dates, unary NOT and proximity join them in SQL. Wildcards inside a word and fuzzy words expand
against the index's vocabulary (fts5vocab); w/N and pre/N take FTS5 candidates and confirm the
word positions in Python (lpo.search.spans), with the semantics of Elasticsearch's span_near.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from lpo import progress
from lpo.search.base import MAX_EXPANSIONS, Hit, SearchError, SearchResult
from lpo.search.documents import IndexDoc
from lpo.search.query import And, DateRange, Fuzzy, Near, Not, Or, Phrase, Prefix, Term, Wildcard, parse, tokens
from lpo.search.spans import spans

# query field -> FTS5 column ("from" and "to" are SQL words)
COLUMNS = {"text": "text", "subject": "subject", "from": "from_", "to": "to_", "custodian": "custodian",
           "file_name": "file_name"}
SCHEMA = f"""
CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, family_id TEXT NOT NULL, date TEXT);
CREATE VIRTUAL TABLE fts USING fts5({", ".join(COLUMNS.values())},
    tokenize = "unicode61 remove_diacritics 0", prefix = '2 3');
CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, 'col');
"""
INDEXES = "CREATE INDEX docs_date ON docs(date); CREATE INDEX docs_family ON docs(family_id);"


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def osa_distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, substitute, swap two adjacent) from a to b: Lucene's fuzzy distance.
    Stops early once every path costs more than `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class _Compiled:
    """A sub-query as either an FTS5 MATCH expression or an SQL condition on docs d."""

    def __init__(self, match: str | None = None, sql: str | None = None, params: list | None = None):
        self.match, self.sql, self.params = match, sql, params or []

    def as_sql(self) -> tuple[str, list]:
        if self.match is not None:
            return "d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)", [self.match]
        return self.sql, self.params


NEVER = _Compiled(sql="0")


class FTS5Engine:
    name = "fts5"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()
        self._near: dict[int, tuple] = {}
        self._near_ids = itertools.count()

    # ---- connection ---------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        ino = self.path.stat().st_ino if self.path.exists() else None
        if conn is not None and getattr(self._local, "ino", None) == ino:
            return conn
        if conn is not None:
            conn.close()  # a re-index swapped the file in: reopen on the new one
        if ino is None:
            raise SearchError(f"{self.path} does not exist: build the search index with `lpo index "
                              f"{self.path.parent}`")
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        conn.create_function("lpo_near", 2, self._near_check, deterministic=True)
        self._local.conn, self._local.ino = conn, ino
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ---- indexing -----------------------------------------------------------------------------

    def rebuild(self, chunks: Iterable[list[IndexDoc]], total: int | None = None) -> int:
        tmp = self.path.with_name(self.path.name + ".building")
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp)
        n = 0
        try:
            conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
            with progress.step(f"indexing {self.path.name}", total) as advance:
                for chunk in chunks:
                    rows = [(n + i + 1, d.id, d.family_id, d.date) for i, d in enumerate(chunk)]
                    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", rows)
                    conn.executemany("INSERT INTO fts(rowid, text, subject, from_, to_, custodian, file_name) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                     [(n + i + 1, d.text, d.subject, d.from_, d.to, d.custodian, d.file_name)
                                      for i, d in enumerate(chunk)])
                    n += len(chunk)
                    advance(len(chunk))
            conn.executescript(INDEXES + "INSERT INTO fts(fts) VALUES ('optimize');")
            conn.commit()
        except sqlite3.IntegrityError as e:
            conn.close()
            tmp.unlink(missing_ok=True)
            raise SearchError(f"two documents share an id while indexing {self.path}: {e}") from None
        conn.close()
        os.replace(tmp, self.path)  # atomic: readers hold the old file until they reopen
        return n

    # ---- searching ----------------------------------------------------------------------------

    def search(self, query: str, limit: int | None = None) -> SearchResult:
        ast = parse(query)
        conn = self._conn()
        self._near.clear()
        c = self._compile(ast, conn)
        if c.match is not None:
            sql = "SELECT d.id, d.family_id FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?"
            params = [c.match]
        else:
            where, params = c.as_sql()
            sql = f"SELECT d.id, d.family_id FROM docs d WHERE {where}"
        try:
            rows = conn.execute(sql + " ORDER BY d.id", params).fetchall()
        except sqlite3.OperationalError as e:
            raise SearchError(f"{self.path}: FTS5 could not run {query!r}: {e}") from None
        hits = [Hit(i, f) for i, f in rows]
        return SearchResult(query, len(hits), hits[:limit] if limit is not None else hits)

    def families(self) -> dict[str, str]:
        return dict(self._conn().execute("SELECT id, family_id FROM docs"))

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM docs").fetchone()[0]

    # ---- compiling the AST --------------------------------------------------------------------

    def _compile(self, node, conn: sqlite3.Connection) -> _Compiled:  # noqa: ANN001, C901
        if isinstance(node, (Term, Phrase, Prefix, Wildcard, Fuzzy)):
            m = self._leaf_match(node, conn)
            return NEVER if m is None else _Compiled(match=m)
        if isinstance(node, DateRange):
            conds, params = ["d.date IS NOT NULL"], []
            if node.start:
                conds.append("d.date >= ?")
                params.append(node.start)
            if node.end:
                conds.append("d.date <= ?")
                params.append(node.end)
            return _Compiled(sql="(" + " AND ".join(conds) + ")", params=params)
        if isinstance(node, Near):
            return self._compile_near(node, conn)
        if isinstance(node, Not):
            inner = self._compile(node.child, conn)
            sql, params = inner.as_sql()
            return _Compiled(sql=f"NOT ({sql})", params=params)
        if isinstance(node, Or):
            parts = [self._compile(ch, conn) for ch in node.children]
            parts = [p for p in parts if p is not NEVER]
            if not parts:
                return NEVER
            if all(p.match is not None for p in parts):
                return _Compiled(match=" OR ".join(f"({p.match})" for p in parts))
            return self._sql_join(parts, "OR")
        if isinstance(node, And):
            parts = [self._compile(ch, conn) for ch in node.children]
            if any(p is NEVER for p in parts):
                return NEVER
            pos = [p.match for p in parts if p.match is not None]
            # NOT x whose x is plain text folds into the MATCH as FTS5's binary NOT
            neg_match = []
            rest = []
            for ch, p in zip(node.children, parts):
                if p.match is not None:
                    continue
                if isinstance(ch, Not) and pos:
                    inner = self._compile(ch.child, conn)
                    if inner.match is not None:
                        neg_match.append(inner.match)
                        continue
                    if inner is NEVER:
                        continue  # NOT nothing: no constraint
                rest.append(p)
            out = []
            if pos:
                m = " AND ".join(f"({x})" for x in pos)
                for x in neg_match:
                    m = f"({m}) NOT ({x})"
                out.append(_Compiled(match=m))
            out.extend(rest)
            return out[0] if len(out) == 1 else self._sql_join(out, "AND")
        raise TypeError(f"cannot compile {type(node).__name__}")

    @staticmethod
    def _sql_join(parts: list[_Compiled], op: str) -> _Compiled:
        sqls, params = [], []
        for p in parts:
            s, ps = p.as_sql()
            sqls.append(f"({s})")
            params.extend(ps)
        return _Compiled(sql=f" {op} ".join(sqls), params=params)

    def _leaf_match(self, node, conn: sqlite3.Connection) -> str | None:  # noqa: ANN001
        col = COLUMNS[node.field]
        if isinstance(node, (Term, Phrase)):
            body = _quote(" ".join(node.words))
        elif isinstance(node, Prefix):
            body = _quote(node.stem) + "*"
        else:
            words = self._expand(node, conn)
            if not words:
                return None
            body = "(" + " OR ".join(_quote(w) for w in sorted(words)) + ")"
        return f"{col} : {body}"

    def _expand(self, node, conn: sqlite3.Connection) -> set[str]:  # noqa: ANN001
        col = COLUMNS[node.field]
        if isinstance(node, Wildcard):
            words = {r[0] for r in conn.execute("SELECT term FROM vocab WHERE col = ? AND term GLOB ?",
                                                (col, node.pattern))}
        else:
            k = node.distance
            words = {t for (t,) in conn.execute(
                "SELECT term FROM vocab WHERE col = ? AND length(term) BETWEEN ? AND ?",
                (col, len(node.word) - k, len(node.word) + k)) if osa_distance(node.word, t, k) <= k}
        if len(words) > MAX_EXPANSIONS:
            shown = node.pattern if isinstance(node, Wildcard) else f"{node.word}~{node.distance}"
            raise SearchError(f"{shown} matches {len(words)} different words (more than {MAX_EXPANSIONS}): "
                              "make it longer or more specific")
        return words

    def _compile_near(self, node: Near, conn: sqlite3.Connection) -> _Compiled:
        expanded: dict = {}
        for leaf in _span_leaves(node):
            if isinstance(leaf, Fuzzy):
                expanded[leaf] = self._expand(leaf, conn)
        # Candidates: FTS5's own NEAR when both sides are words, phrases or prefixes (it ignores order, so
        # it is a superset of pre/N), else every operand present; lpo_near confirms the positions.
        cands = []
        if all(isinstance(x, (Term, Phrase, Prefix)) for x in (node.left, node.right)):
            body = " ".join(_near_phrase(x) for x in (node.left, node.right))
            cands.append(f"{COLUMNS[node.field]} : NEAR({body}, {node.distance - 1})")
        for leaf_group in ([] if cands else _operands(node)):
            c = self._compile(leaf_group, conn)
            if c is NEVER:
                return NEVER
            if c.match is not None:  # (a w/2 b) OR c as an operand: no MATCH of its own, lpo_near decides
                cands.append(c.match)
        key = next(self._near_ids)
        self._near[key] = (node, expanded)
        col = COLUMNS[node.field]
        if not cands:
            return _Compiled(sql=f"d.rowid IN (SELECT rowid FROM fts WHERE lpo_near(fts.{col}, ?))", params=[key])
        match = " AND ".join(f"({m})" for m in cands)
        return _Compiled(sql=f"d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ? AND lpo_near(fts.{col}, ?))",
                         params=[match, key])

    def _near_check(self, text: str | None, key: int) -> int:
        node, expanded = self._near[key]
        return 1 if text and spans(node, tokens(text), expanded) else 0


def _near_phrase(node) -> str:  # noqa: ANN001
    return _quote(node.stem) + "*" if isinstance(node, Prefix) else _quote(" ".join(node.words))


def _operands(node):  # noqa: ANN001, ANN202
    """The Boolean skeleton of a proximity: all its operands must occur."""
    if isinstance(node, Near):
        return [*_operands(node.left), *_operands(node.right)]
    return [node]


def _span_leaves(node) -> list:  # noqa: ANN001
    if isinstance(node, Near):
        return _span_leaves(node.left) + _span_leaves(node.right)
    if isinstance(node, Or):
        return [x for c in node.children for x in _span_leaves(c)]
    return [node]
