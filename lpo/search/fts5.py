"""The embedded search engine: SQLite FTS5 in its own file in the matter folder (search.db).

Its own file, not a table of the store: the store may be PostgreSQL, and a re-index builds a new
file beside the old one and swaps it in with one rename, so searches never see a half-built index.

Rows are numbered in id (control number / Bates) order, so FTS5's own rowid order is the order
hits are shown in: the first page is a LIMIT that stops early, the total a separate count(*).

The AST compiles to one SQL statement: runs of plain Boolean text become a single FTS5 MATCH;
dates, unary NOT and proximity join them in SQL. Wildcards inside a word and fuzzy words expand
against the index's word list (table `words`, written once at index time). w/N between words,
phrases and prefixes that cannot overlap is FTS5's own NEAR, which is then exact; every other
proximity (pre/N, nested, overlapping operands) reads the word positions FTS5 stored
(lpo.search.positions) with the semantics of Elasticsearch's span_near.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from lpo import progress
from lpo.search.base import MAX_EXPANSIONS, Hit, SearchError, SearchResult
from lpo.search.documents import IndexDoc
from lpo.search.positions import Positions
from lpo.search.query import And, DateRange, Fuzzy, Near, Not, Or, Phrase, Prefix, Term, Wildcard, parse

# query field -> FTS5 column ("from" and "to" are SQL words)
COLUMNS = {"text": "text", "subject": "subject", "from": "from_", "to": "to_", "custodian": "custodian",
           "file_name": "file_name"}
FORMAT = "2"  # meta.format: rowids in id order, table words
SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, family_id TEXT NOT NULL, date TEXT);
CREATE VIRTUAL TABLE fts USING fts5({", ".join(COLUMNS.values())},
    tokenize = "unicode61 remove_diacritics 0", prefix = '2 3');
CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, 'col');
"""
# fts5vocab computes counts by reading every doclist; a plain copy of the word list makes wildcard and
# fuzzy expansion a cheap index scan.
FINISH = f"""
CREATE INDEX docs_date ON docs(date); CREATE INDEX docs_family ON docs(family_id);
INSERT INTO fts(fts) VALUES ('optimize');
CREATE TABLE words (col TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (col, term)) WITHOUT ROWID;
INSERT INTO words SELECT col, term FROM vocab;
INSERT INTO meta VALUES ('format', '{FORMAT}');
"""
FTS_COLUMNS = ", ".join(COLUMNS.values())
PREFIX_AS_OR = 16   # a prefix standing for at most this many words is searched as their OR
MAX_NEAR_PAIRS = 64  # w/N over OR groups becomes one NEAR per pair of operands, up to this many


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
    """A sub-query as an FTS5 MATCH expression, an SQL condition on docs d, or a set of rowids
    (proximity answered from word positions)."""

    def __init__(self, match: str | None = None, sql: str | None = None, params: list | None = None,
                 rowids: set[int] | None = None):
        self.match, self.sql, self.params, self.rowids = match, sql, params or [], rowids
        self.lead: tuple[str, _Compiled] | None = None  # (MATCH, the rest) of an AND that has a MATCH part

    def as_sql(self) -> tuple[str, list]:
        if self.match is not None:
            return "d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)", [self.match]
        if self.rowids is not None:
            return "d.rowid IN (SELECT value FROM json_each(?))", [json.dumps(sorted(self.rowids))]
        return self.sql, self.params


NEVER = _Compiled(sql="0")


class FTS5Engine:
    name = "fts5"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()

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
        try:
            fmt = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.OperationalError:
            fmt = None
        if fmt is None or fmt[0] != FORMAT:
            conn.close()
            raise SearchError(f"{self.path} was built by an older lpo: rebuild it with `lpo index "
                              f"{self.path.parent}`")
        # word positions of every token, for proximity FTS5's NEAR cannot answer exactly (temp: read-only file)
        conn.execute("CREATE VIRTUAL TABLE temp.instances USING fts5vocab(main, fts, 'instance')")
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
        staged = self.path.with_name(self.path.name + ".unsorted")
        for f in (tmp, staged):
            f.unlink(missing_ok=True)
        try:
            with progress.step(f"indexing {self.path.name}", total) as advance:
                n, in_order = self._fill(tmp, chunks, advance)
            if not in_order:
                # Rowid order must be id order (first pages stop early): copy the rows over, sorted.
                os.replace(tmp, staged)
                self._sorted_copy(staged, tmp, n)
                staged.unlink()
            conn = sqlite3.connect(tmp)
            conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + FINISH)
            conn.commit()
            conn.close()
        except sqlite3.IntegrityError as e:
            for f in (tmp, staged):
                f.unlink(missing_ok=True)
            raise SearchError(f"two documents share an id while indexing {self.path}: {e}") from None
        os.replace(tmp, self.path)  # atomic: readers hold the old file until they reopen
        return n

    @staticmethod
    def _new(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path)
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;" + SCHEMA)
        return conn

    def _fill(self, path: Path, chunks: Iterable[list[IndexDoc]], advance) -> tuple[int, bool]:  # noqa: ANN001
        conn = self._new(path)
        n, last, in_order = 0, "", True
        try:
            for chunk in chunks:
                for d in chunk:
                    in_order = in_order and d.id > last
                    last = d.id
                conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)",
                                 [(n + i + 1, d.id, d.family_id, d.date) for i, d in enumerate(chunk)])
                conn.executemany(f"INSERT INTO fts(rowid, {FTS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 [(n + i + 1, d.text, d.subject, d.from_, d.to, d.custodian, d.file_name)
                                  for i, d in enumerate(chunk)])
                n += len(chunk)
                advance(len(chunk))
            conn.commit()
        finally:
            conn.close()
        return n, in_order

    def _sorted_copy(self, src: Path, dst: Path, n: int) -> None:
        conn = self._new(dst)
        try:
            conn.execute("ATTACH ? AS src", (str(src),))
            conn.execute("INSERT INTO docs SELECT row_number() OVER (ORDER BY id), id, family_id, date FROM src.docs")
            with progress.step(f"ordering {self.path.name} by id", n) as advance:
                rows = conn.execute(f"SELECT d.rowid, {', '.join('f.' + c for c in COLUMNS.values())} "
                                    "FROM docs d JOIN src.docs s ON s.id = d.id JOIN src.fts f ON f.rowid = s.rowid "
                                    "ORDER BY d.rowid")
                while batch := rows.fetchmany(2000):
                    conn.executemany(f"INSERT INTO fts(rowid, {FTS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
                    advance(len(batch))
            conn.commit()
            conn.execute("DETACH src")
        finally:
            conn.close()

    # ---- searching ----------------------------------------------------------------------------

    def search(self, query: str, limit: int | None = None) -> SearchResult:
        """The hits in id order (the first `limit` of them if given) and the exact total."""
        ast = parse(query)
        conn = self._conn()
        c = self._compile(ast, conn)
        try:
            if c.rowids is not None:  # answered by word positions already
                rowids = sorted(c.rowids)
                total = len(rowids)
                page = rowids if limit is None else rowids[:limit]
                rows = conn.execute("SELECT d.id, d.family_id FROM docs d WHERE d.rowid IN "
                                    "(SELECT value FROM json_each(?)) ORDER BY d.rowid", [json.dumps(page)]).fetchall()
            elif c.match is not None:
                # FTS5 hands rowids over in order: the page stops early, the count reads no content
                sql = "SELECT d.id, d.family_id FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? " \
                      "ORDER BY fts.rowid"
                rows = conn.execute(sql + ("" if limit is None else f" LIMIT {int(limit)}"), [c.match]).fetchall()
                total = len(rows) if limit is None or len(rows) < limit else \
                    conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", [c.match]).fetchone()[0]
            elif c.lead is not None:
                m, rest = c.lead
                where, params = rest.as_sql()
                sql = f"FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? AND ({where})"
                rows = conn.execute(f"SELECT d.id, d.family_id {sql} ORDER BY fts.rowid"
                                    + ("" if limit is None else f" LIMIT {int(limit)}"), [m, *params]).fetchall()
                total = len(rows) if limit is None or len(rows) < limit else \
                    conn.execute(f"SELECT count(*) {sql}", [m, *params]).fetchone()[0]
            else:
                where, params = c.as_sql()
                sql = f"SELECT d.id, d.family_id FROM docs d WHERE {where} ORDER BY d.rowid"
                rows = conn.execute(sql + ("" if limit is None else f" LIMIT {int(limit)}"), params).fetchall()
                total = len(rows) if limit is None or len(rows) < limit else \
                    conn.execute(f"SELECT count(*) FROM docs d WHERE {where}", params).fetchone()[0]
        except sqlite3.OperationalError as e:
            raise SearchError(f"{self.path}: FTS5 could not run {query!r}: {e}") from None
        return SearchResult(query, total, [Hit(i, f) for i, f in rows])

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
            if len(out) == 1:
                return out[0]
            joined = self._sql_join(out, "AND")
            if pos:  # at the top, FTS5 leads: rows come in rowid order and the rest filters them
                joined.lead = (m, self._sql_join(rest, "AND"))
            return joined
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
            # A few words: their OR streams in rowid order, where FTS5's prefix query first merges every
            # matching word's list (the first page would wait for all of it).
            words = [t for (t,) in conn.execute("SELECT term FROM words WHERE col = ? AND term GLOB ? LIMIT ?",
                                                 (col, node.stem + "*", PREFIX_AS_OR + 1))]
            if not words:
                return None
            if len(words) <= PREFIX_AS_OR:
                body = "(" + " OR ".join(_quote(w) for w in words) + ")"
            else:
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
            words = {r[0] for r in conn.execute("SELECT term FROM words WHERE col = ? AND term GLOB ?",
                                                (col, node.pattern))}
        else:
            k = node.distance
            words = {t for (t,) in conn.execute(
                "SELECT term FROM words WHERE col = ? AND length(term) BETWEEN ? AND ?",
                (col, len(node.word) - k, len(node.word) + k)) if osa_distance(node.word, t, k) <= k}
        if len(words) > MAX_EXPANSIONS:
            shown = node.pattern if isinstance(node, Wildcard) else f"{node.word}~{node.distance}"
            raise SearchError(f"{shown} matches {len(words)} different words (more than {MAX_EXPANSIONS}): "
                              "make it longer or more specific")
        return words

    def _compile_near(self, node: Near, conn: sqlite3.Connection) -> _Compiled:
        match = self._exact_near(node)
        if match is not None:
            return _Compiled(match=match)
        expanded = {leaf: self._expand(leaf, conn) for leaf in _span_leaves(node) if isinstance(leaf, (Fuzzy, Wildcard))}
        cands = _candidates(node, expanded)
        if cands is None:
            return NEVER
        col = COLUMNS[node.field]
        return _Compiled(rowids=Positions(conn, col, expanded, f"{col} : ({cands})").docs(node))

    @staticmethod
    def _exact_near(node: Near) -> str | None:
        """w/N as FTS5 NEAR(a b, N-1) when that is exact: FTS5 counts the words between the two operands,
        in either order, which is span_near's unordered slop as long as the operands cannot overlap
        (share a word). (a OR b) w/N c is NEAR(a c) OR NEAR(b c)."""
        if node.ordered:
            return None
        sides = [_or_leaves(node.left), _or_leaves(node.right)]
        if any(s is None for s in sides) or len(sides[0]) * len(sides[1]) > MAX_NEAR_PAIRS:
            return None
        if any(_may_overlap(a, b) for a in sides[0] for b in sides[1]):
            return None
        nears = [f"NEAR({_near_phrase(a)} {_near_phrase(b)}, {node.distance - 1})" for a in sides[0] for b in sides[1]]
        return f"{COLUMNS[node.field]} : ({' OR '.join(nears)})"


def _candidates(node, expanded: dict) -> str | None:  # noqa: ANN001
    """A MATCH body (no column) for a superset of a proximity's documents, or None if none can match:
    FTS5's unordered NEAR where the operands cannot overlap (a superset of pre/N too), else all
    operands present."""
    if isinstance(node, (Term, Phrase, Prefix)):
        return _near_phrase(node)
    if isinstance(node, (Wildcard, Fuzzy)):
        words = expanded[node]
        return "(" + " OR ".join(_quote(w) for w in sorted(words)) + ")" if words else None
    if isinstance(node, Or):
        parts = [p for p in (_candidates(c, expanded) for c in node.children) if p is not None]
        return "(" + " OR ".join(parts) + ")" if parts else None
    sides = [_or_leaves(node.left), _or_leaves(node.right)]
    if None not in sides and len(sides[0]) * len(sides[1]) <= MAX_NEAR_PAIRS and \
            not any(_may_overlap(a, b) for a in sides[0] for b in sides[1]):
        return "(" + " OR ".join(f"NEAR({_near_phrase(a)} {_near_phrase(b)}, {node.distance - 1})"
                                 for a in sides[0] for b in sides[1]) + ")"
    left, right = _candidates(node.left, expanded), _candidates(node.right, expanded)
    return None if left is None or right is None else f"({left}) AND ({right})"


def _or_leaves(node) -> list | None:  # noqa: ANN001
    """The words, phrases and prefixes an operand stands for, or None if it is anything else."""
    if isinstance(node, (Term, Phrase, Prefix)):
        return [node]
    if isinstance(node, Or):
        out = []
        for c in node.children:
            sub = _or_leaves(c)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return None


def _may_overlap(a, b) -> bool:  # noqa: ANN001
    """Whether some word of `a` could be the same token as some word of `b`."""
    def pats(x) -> list[tuple[str, bool]]:  # noqa: ANN001
        return [(x.stem, True)] if isinstance(x, Prefix) else [(w, False) for w in x.words]
    for wa, pa in pats(a):
        for wb, pb in pats(b):
            if wa == wb or (pa and wb.startswith(wa)) or (pb and wa.startswith(wb)):
                return True
    return False


def _near_phrase(node) -> str:  # noqa: ANN001
    return _quote(node.stem) + "*" if isinstance(node, Prefix) else _quote(" ".join(node.words))


def _span_leaves(node) -> list:  # noqa: ANN001
    if isinstance(node, Near):
        return _span_leaves(node.left) + _span_leaves(node.right)
    if isinstance(node, Or):
        return [x for c in node.children for x in _span_leaves(c)]
    return [node]
