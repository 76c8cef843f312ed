"""The store: one API over SQLite (embedded default, WAL) and PostgreSQL (teams).

Callers never branch on the engine; the URL decides. The schema is owned by Alembic
migrations (lpo/store/migrations), applied when a store is opened.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import Engine, Row, String, Text, bindparam, cast, create_engine, event, func, insert, select, update
from sqlalchemy.engine import Connection

from lpo.models import (AuditEvent, Batch, BatchVerdict, CollectRejection, Document, PreTag, ProcessingException, Production, ProductionDocument,
                        QASample, ReviewDecision, SourceFile, Stage)
from lpo.audit import Entry, event_sha256
from lpo.store import tables as t

M = TypeVar("M", bound=BaseModel)
MIGRATIONS = Path(__file__).parent / "migrations"


def _utc(v: Any) -> Any:
    # SQLite hands back naive datetimes; every time we store is UTC.
    if isinstance(v, datetime) and v.tzinfo is None:
        return v.replace(tzinfo=timezone.utc)
    return v


def _row(model: type[M], row: Any, drop: tuple[str, ...] = ()) -> M:
    data = {k: _utc(v) for k, v in row._mapping.items() if k not in drop}
    return model.model_validate(data)


def _values(obj: BaseModel, drop: tuple[str, ...] = ("id",)) -> dict:
    data = obj.model_dump(mode="python", exclude=set(drop))
    for k, v in list(data.items()):
        # Nested models and enums into JSON-able values for JSON columns.
        if isinstance(v, (list, dict)):
            data[k] = obj.model_dump(mode="json", include={k})[k]
        elif hasattr(v, "value"):
            data[k] = v.value
    return data


def _json_present(col):  # noqa: ANN001, ANN202
    # A JSON column given None holds JSON 'null', not SQL NULL; as text it compares alike on both engines.
    return func.coalesce(cast(col, Text), "null") != "null"


def _chunks(items: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _group_ids(pairs: Iterable[tuple[str, int]]) -> list[tuple[str, set[int]]]:
    out: dict[str, set[int]] = defaultdict(set)
    for site, i in pairs:
        out[site].add(i)
    return list(out.items())


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _chain(c: Connection, events: list[AuditEvent | Entry]) -> None:
    """Append events to the audit log's hash chain, in order, in the caller's transaction. Taking the
    head first (a write) serialises writers: no two events ever link to the same one."""

    head = t.audit_head
    c.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq + len(events)))
    prev = c.execute(select(head.c.sha256).where(head.c.id == 1)).scalar_one()
    rows = []
    for ev in events:
        ev.prev_sha256 = prev
        ev.sha256 = prev = event_sha256(ev, prev)
        # (rows by hand: _values' model dumps cost more than the rest of a decision's write)
        rows.append({"at": ev.at, "actor": ev.actor, "action": ev.action, "subject": ev.subject,
                     "detail": to_jsonable_python(ev.detail), "input_hashes": list(ev.input_hashes),
                     "prev_sha256": ev.prev_sha256, "sha256": ev.sha256})
    c.execute(insert(t.audit_events), rows)
    c.execute(update(head).where(head.c.id == 1).values(sha256=prev))


def _decision_event(d: ReviewDecision, text_sha256: str | None, supersedes: bool) -> Entry:
    """A coding decision in the audit log: who, when, what was decided, on which text. The note (an
    attorney's reason may quote the document) is there by its hash; the decision itself is in the store."""
    import hashlib

    action = "code" if d.stage is Stage.first_pass else ("qa-overturn" if d.overturned else "qa-confirm")
    detail = {"stage": d.stage.value, "decided_at": d.decided_at.isoformat(), "batch": d.batch, "site": d.site,
              "project_id": d.project_id, "task_id": d.task_id, "annotation_id": d.annotation_id,
              "responsive": d.responsive, "privilege": d.privilege.value, "issue_codes": list(d.issue_codes),
              "designation": d.designation.value if d.designation else None, "redactions": len(d.redactions),
              "overturned": d.overturned, "supersedes": supersedes,
              "note_sha256": hashlib.sha256(d.note.encode()).hexdigest() if d.note else None}
    return Entry(actor=d.reviewer, action=action, subject=d.control_number, detail=detail,
                 input_hashes=[text_sha256] if text_sha256 else [])


class Store:
    def __init__(self, url: str, *, migrate_schema: bool = True):
        self.url = url
        self.engine = make_engine(url)
        self._local = threading.local()  # the open `transaction()` of this thread, if any
        if migrate_schema:
            migrate(self.engine)

    @classmethod
    def for_matter(cls, matter_dir: Path | str, url: str | None = None) -> "Store":
        return cls(url or f"sqlite:///{Path(matter_dir).resolve() / 'lpo.db'}")

    def close(self) -> None:
        self.engine.dispose()

    def _tx(self) -> Connection:
        # Inside `transaction()` a write joins it instead of committing on its own.
        conn = getattr(self._local, "conn", None)
        return nullcontext(conn) if conn is not None else self.engine.begin()

    def _read(self) -> Connection:
        # Inside `transaction()` a read goes through it, and sees its writes.
        conn = getattr(self._local, "conn", None)
        return nullcontext(conn) if conn is not None else self.engine.connect()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes in this block commit together or not at all (e.g. ingest registers source files with
        their documents, exceptions and rows this way). find_document, next_seq and first_with_sha256
        inside it see its writes; other reads see committed data only."""
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self.engine.begin() as c:
            self._local.conn = c
            try:
                yield
            finally:
                self._local.conn = None

    # ---- source files and documents (ingest) -------------------------------------------------

    def upsert_source_file(self, sf: SourceFile) -> int:
        with self._tx() as c:
            row = c.execute(select(t.source_files.c.id).where(
                t.source_files.c.custodian == sf.custodian, t.source_files.c.path == sf.path)).first()
            if row:
                c.execute(update(t.source_files).where(t.source_files.c.id == row.id)
                          .values(sha256=sf.sha256, size=sf.size))
                return row.id
            return c.execute(insert(t.source_files).values(**_values(sf))).inserted_primary_key[0]

    def upsert_source_files(self, files: Sequence[SourceFile]) -> list[int]:
        """upsert_source_file for a chunk of one custodian's files, in a few statements: their ids, in order."""
        if not files:
            return []
        (custodian,) = {sf.custodian for sf in files}
        tbl = t.source_files
        with self._tx() as c:
            ids = self._source_file_ids(c, custodian, [sf.path for sf in files])
            for sf in files:  # seen before and changed since: rare, one statement each
                if sf.path in ids:
                    c.execute(update(tbl).where(tbl.c.id == ids[sf.path]).values(sha256=sf.sha256, size=sf.size))
            new = [_values(sf) for sf in files if sf.path not in ids]
            if new:
                c.execute(insert(tbl), new)
                ids.update(self._source_file_ids(c, custodian, [v["path"] for v in new]))
        return [ids[sf.path] for sf in files]

    @staticmethod
    def _source_file_ids(c: Connection, custodian: str, paths: list[str]) -> dict[str, int]:
        tbl, out = t.source_files, {}
        for i in range(0, len(paths), 500):
            out.update(c.execute(select(tbl.c.path, tbl.c.id).where(
                tbl.c.custodian == custodian, tbl.c.path.in_(paths[i:i + 500]))).tuples().all())
        return out

    def documents_at(self, custodian: str, source_paths: Sequence[str]) -> dict[str, Document]:
        """find_document for many paths at once: {source path: document} for those registered."""
        d, out = t.documents, {}
        with self._read() as c:
            for i in range(0, len(source_paths), 500):
                for r in c.execute(select(d).where(d.c.custodian == custodian,
                                                   d.c.source_path.in_(source_paths[i:i + 500]))):
                    out[r.source_path] = _row(Document, r, drop=("seq",))
        return out

    def first_with_sha256s(self, sha256s: Iterable[str]) -> dict[str, str]:
        """first_with_sha256 for many hashes at once: {SHA-256: control number of its first document}."""
        d, wanted, out = t.documents, sorted(set(sha256s)), {}
        with self._read() as c:
            for i in range(0, len(wanted), 500):
                first = (select(d.c.sha256, func.min(d.c.seq).label("seq"))
                         .where(d.c.sha256.in_(wanted[i:i + 500])).group_by(d.c.sha256).subquery())
                out.update(c.execute(select(d.c.sha256, d.c.control_number).join(
                    first, (d.c.sha256 == first.c.sha256) & (d.c.seq == first.c.seq))).tuples().all())
        return out

    def source_files(self) -> list[SourceFile]:
        with self.engine.connect() as c:
            return [_row(SourceFile, r) for r in c.execute(select(t.source_files).order_by(t.source_files.c.id))]

    def find_document(self, custodian: str, source_path: str) -> Document | None:
        with self._read() as c:
            r = c.execute(select(t.documents).where(t.documents.c.custodian == custodian,
                                                    t.documents.c.source_path == source_path)).first()
            return _row(Document, r, drop=("seq",)) if r else None

    def next_seq(self) -> int:
        with self._read() as c:
            return (c.execute(select(func.max(t.documents.c.seq))).scalar() or 0) + 1

    def add_documents(self, docs: Iterable[Document]) -> int:
        """Insert new documents. Control numbers end in their sequence number."""
        rows = []
        for d in docs:
            v = _values(d, drop=())
            v["seq"] = int(d.control_number.rsplit("-", 1)[-1].lstrip("0") or 0)
            rows.append(v)
        if not rows:
            return 0
        with self._tx() as c:
            c.execute(insert(t.documents), rows)
        return len(rows)

    def first_with_sha256(self, sha256: str) -> str | None:
        with self._read() as c:
            return c.execute(select(t.documents.c.control_number).where(t.documents.c.sha256 == sha256)
                             .order_by(t.documents.c.seq).limit(1)).scalar()

    def document(self, control_number: str) -> Document:
        docs = self.documents([control_number])
        if not docs:
            raise KeyError(f"no document {control_number}")
        return docs[0]

    def documents(self, control_numbers: Iterable[str] | None = None) -> list[Document]:
        q = select(t.documents).order_by(t.documents.c.seq)
        with self.engine.connect() as c:
            if control_numbers is None:
                return [_row(Document, r, drop=("seq",)) for r in c.execute(q)]
            wanted = list(control_numbers)
            out: dict[str, Document] = {}
            for i in range(0, len(wanted), 500):
                for r in c.execute(q.where(t.documents.c.control_number.in_(wanted[i:i + 500]))):
                    out[r.control_number] = _row(Document, r, drop=("seq",))
            return [out[cn] for cn in wanted if cn in out]

    def control_numbers(self) -> list[str]:
        with self.engine.connect() as c:
            return list(c.execute(select(t.documents.c.control_number).order_by(t.documents.c.seq)).scalars())

    def record_exception(self, exc: ProcessingException) -> None:
        with self._tx() as c:
            tbl = t.processing_exceptions
            key = (tbl.c.custodian == exc.custodian, tbl.c.source_path == exc.source_path, tbl.c.stage == exc.stage)
            if c.execute(select(tbl.c.id).where(*key)).first():
                c.execute(update(tbl).where(*key).values(reason=exc.reason, detail=exc.detail, at=exc.at,
                                                         sha256=exc.sha256, source_file_id=exc.source_file_id))
            else:
                c.execute(insert(tbl).values(**_values(exc)))

    def clear_exception(self, custodian: str, source_path: str, stage: str = "ingest") -> None:
        tbl = t.processing_exceptions
        with self._tx() as c:
            c.execute(tbl.delete().where(tbl.c.custodian == custodian, tbl.c.source_path == source_path,
                                         tbl.c.stage == stage))

    def clear_exceptions(self, custodian: str, source_paths: Sequence[str], stage: str = "ingest") -> None:
        """clear_exception for many paths in one statement (per 500)."""
        tbl = t.processing_exceptions
        with self._tx() as c:
            for i in range(0, len(source_paths), 500):
                c.execute(tbl.delete().where(tbl.c.custodian == custodian, tbl.c.stage == stage,
                                             tbl.c.source_path.in_(source_paths[i:i + 500])))

    def exceptions(self) -> list[ProcessingException]:
        with self.engine.connect() as c:
            return [_row(ProcessingException, r) for r in
                    c.execute(select(t.processing_exceptions).order_by(t.processing_exceptions.c.id))]

    # ---- culling: duplicates, near-duplicates, threads, de-NIST (lpo.cull) ---------------------

    CULL_FIELDS = ("duplicate_of", "custodians", "email_hash", "near_duplicate_group",
                   "near_duplicate_similarity", "thread_id", "inclusive", "filtered")

    def _select_documents(self, fields: Sequence[str], emails_only: bool, null: Sequence[str],
                          not_null: Sequence[str]):  # noqa: ANN202
        d = t.documents
        unknown = [f for f in (*fields, *null, *not_null) if f not in d.c]
        if unknown:
            raise ValueError(f"documents have no column {unknown[0]!r}")
        if any(not isinstance(d.c[f].type, (String, Text)) for f in (*null, *not_null)):
            raise ValueError("null/not_null filters take text columns")
        q = select(*(d.c[f] for f in dict.fromkeys(["seq", *fields])))
        if emails_only:
            q = q.where(_json_present(d.c.email))
        # Through coalesce, not IS NULL: an index on the column (email_hash, duplicate_of) would
        # otherwise win over seq's, and each keyset page would sort every match, O(n) a page.
        for f in null:
            q = q.where(func.coalesce(d.c[f], "") == "")
        for f in not_null:
            q = q.where(func.coalesce(d.c[f], "") != "")
        return q

    def scan_documents(self, fields: Sequence[str], *, emails_only: bool = False, null: Sequence[str] = (),
                       not_null: Sequence[str] = (), chunk: int = 2000) -> Iterator[list[Row]]:
        """Documents in control-number order, `chunk` rows at a time, with the named columns (and seq).
        Keyset paging (seq > last) holds no cursor open between chunks, so a caller may write
        between them, and memory holds one chunk whatever the size of the matter."""
        q = self._select_documents(fields, emails_only, null, not_null)
        last = -1
        while True:
            with self.engine.connect() as c:
                rows = c.execute(q.where(t.documents.c.seq > last).order_by(t.documents.c.seq).limit(chunk)).all()
            if not rows:
                return
            last = rows[-1].seq
            yield rows

    def documents_sharing(self, column: str, fields: Sequence[str]) -> list[Row]:
        """Documents whose `column` value (e.g. sha256, email_hash) another document also has, ordered
        by that value then control number: the candidates for deduplication, and only those."""
        d = t.documents
        col = d.c[column]
        shared = select(col).where(col.is_not(None)).group_by(col).having(func.count() > 1)
        q = self._select_documents([column, *fields], False, (), ()).where(col.in_(shared)).order_by(col, d.c.seq)
        with self.engine.connect() as c:
            return c.execute(q).all()

    def update_culling(self, changes: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Set culling fields: (control_number, {field: value}) pairs, written in one transaction
        with one executemany per set of fields. Returns the number of documents updated."""
        d = t.documents
        groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
        for cn, values in changes:
            bad = set(values) - set(self.CULL_FIELDS)
            if bad:
                raise ValueError(f"update_culling sets only {', '.join(self.CULL_FIELDS)}, not {sorted(bad)}")
            groups[tuple(sorted(values))].append({"_cn": cn, **{f"v_{k}": v for k, v in values.items()}})
        n = 0
        with self._tx() as c:
            for keys, rows in groups.items():
                stmt = (update(d).where(d.c.control_number == bindparam("_cn"))
                        .values({k: bindparam(f"v_{k}", type_=d.c[k].type) for k in keys}))
                c.execute(stmt, rows)
                n += len(rows)
        return n

    # ---- pre-tags ------------------------------------------------------------------------------

    def unpretagged(self, version: str) -> list[str]:
        """Documents whose text has not been pre-tagged by this pipeline version: new documents,
        documents whose text changed since, and all of them when the version changes."""
        d, r = t.documents, t.pretag_runs
        q = (select(d.c.control_number).outerjoin(r, r.c.control_number == d.c.control_number)
             .where(d.c.text_sha256.is_not(None))
             .where((r.c.control_number.is_(None)) | (r.c.version != version)
                    | (r.c.text_sha256.is_(None)) | (r.c.text_sha256 != d.c.text_sha256))
             .order_by(d.c.seq))
        with self.engine.connect() as c:
            return list(c.execute(q).scalars())

    def replace_pretags(self, control_number: str, tags: list[PreTag], version: str,
                        privilege_score: float, reasons: list[str], text_sha256: str | None = None) -> None:
        """Idempotent: a re-run replaces the document's pre-tags instead of adding to them."""
        with self._tx() as c:
            c.execute(t.pretags.delete().where(t.pretags.c.control_number == control_number))
            c.execute(t.pretag_runs.delete().where(t.pretag_runs.c.control_number == control_number))
            if tags:
                c.execute(insert(t.pretags), [_values(tag) for tag in tags])
            c.execute(insert(t.pretag_runs).values(control_number=control_number, version=version,
                                                   text_sha256=text_sha256,
                                                   privilege_score=privilege_score, privilege_reasons=reasons,
                                                   at=datetime.now(timezone.utc)))

    def pretags(self, control_number: str) -> list[PreTag]:
        with self.engine.connect() as c:
            return [_row(PreTag, r) for r in c.execute(
                select(t.pretags).where(t.pretags.c.control_number == control_number).order_by(t.pretags.c.start))]

    def pretags_of(self, control_numbers: Iterable[str]) -> dict[str, list[PreTag]]:
        """Pre-tags of many documents in a few queries (routing builds a batch of tasks at once)."""
        out: dict[str, list[PreTag]] = defaultdict(list)
        with self.engine.connect() as c:
            for chunk in _chunks(sorted(set(control_numbers)), 500):
                for r in c.execute(select(t.pretags).where(t.pretags.c.control_number.in_(chunk))
                                   .order_by(t.pretags.c.control_number, t.pretags.c.start)):
                    out[r.control_number].append(_row(PreTag, r))
        return out

    def privilege_screen(self) -> dict[str, tuple[float, list[str]]]:
        with self.engine.connect() as c:
            return {r.control_number: (r.privilege_score, r.privilege_reasons)
                    for r in c.execute(select(t.pretag_runs))}

    # ---- batches and decisions (route, collect) ------------------------------------------------

    def add_batch(self, batch: Batch) -> Batch:
        with self._tx() as c:
            bid = c.execute(insert(t.batches).values(**_values(batch))).inserted_primary_key[0]
        return batch.model_copy(update={"id": bid})

    def set_batch_project(self, name: str, project_id: int) -> None:
        with self._tx() as c:
            c.execute(update(t.batches).where(t.batches.c.name == name).values(project_id=project_id))

    def mark_batch(self, name: str, *, routed: bool = False, purged: bool = False) -> None:
        """Record that every task of the batch is on its site (routed) or that its project was deleted."""
        now = datetime.now(timezone.utc)
        values = {**({"routed_at": now} if routed else {}), **({"purged_at": now} if purged else {})}
        if values:
            with self._tx() as c:
                c.execute(update(t.batches).where(t.batches.c.name == name).values(**values))

    def batches(self, stage: Stage | None = None) -> list[Batch]:
        q = select(t.batches).order_by(t.batches.c.id)
        if stage is not None:
            q = q.where(t.batches.c.stage == stage.value)
        with self.engine.connect() as c:
            return [_row(Batch, r) for r in c.execute(q)]

    def batched(self, stage: Stage) -> set[str]:
        return {cn for b in self.batches(stage) for cn in b.control_numbers}

    def add_decisions(self, decisions: Iterable[ReviewDecision]) -> tuple[int, int]:
        """Store collected decisions, idempotent on (site, annotation_id, decided_at).

        A new version of an annotation (a later updated_at) supersedes the current row,
        which is kept as history; an annotation seen again unchanged adds nothing. A
        retracted annotation that comes back (restored on the site) is current again.
        Returns (inserted, updated).
        """
        tbl = t.review_decisions
        ins = upd = 0
        now = datetime.now(timezone.utc)
        latest: dict[tuple[str, int], ReviewDecision] = {}
        for d in decisions:  # one version per annotation per call: the newest
            k = (d.site, d.annotation_id)
            if k not in latest or d.decided_at > latest[k].decided_at:
                latest[k] = d
        decisions = list(latest.values())
        with self._tx() as c:
            known: dict[tuple[str, int], list[Row]] = defaultdict(list)
            for site, ids in _group_ids((d.site, d.annotation_id) for d in decisions):
                for chunk in _chunks(sorted(ids), 500):
                    for r in c.execute(select(tbl.c.id, tbl.c.annotation_id, tbl.c.decided_at, tbl.c.superseded_at,
                                              tbl.c.retracted_at).where(tbl.c.site == site,
                                                                        tbl.c.annotation_id.in_(chunk))):
                        known[(site, r.annotation_id)].append(r)
            rows, audited, restored = [], [], []
            for d in decisions:
                old = known.get((d.site, d.annotation_id), [])
                same = [r for r in old if _utc(r.decided_at) == d.decided_at]
                if same:
                    if same[0].retracted_at is not None:
                        c.execute(update(tbl).where(tbl.c.id == same[0].id).values(retracted_at=None))
                        upd += 1
                        restored.append(Entry(actor="lpo", action="restore", subject=d.control_number, detail={
                            "site": d.site, "project_id": d.project_id, "annotation_id": d.annotation_id,
                            "why": "the annotation is back in Label Studio"}))
                    continue
                current = [r.id for r in old if r.superseded_at is None]
                if current:
                    c.execute(update(tbl).where(tbl.c.id.in_(current)).values(superseded_at=now))
                    upd += 1
                else:
                    ins += 1
                rows.append(_values(d.model_copy(update={"collected_at": d.collected_at or now,
                                                         "superseded_at": None, "retracted_at": None})))
                audited.append((d, bool(current)))
            if rows:
                c.execute(insert(tbl), rows)
                texts = self._text_hashes(c, {d.control_number for d, _ in audited})
                _chain(c, [_decision_event(d, texts.get(d.control_number), sup) for d, sup in audited])
            if restored:
                _chain(c, restored)
        return ins, upd

    @staticmethod
    def _text_hashes(c: Connection, control_numbers: set[str]) -> dict[str, str | None]:
        docs = t.documents
        out: dict[str, str | None] = {}
        for chunk in _chunks(sorted(control_numbers), 500):
            for r in c.execute(select(docs.c.control_number, docs.c.text_sha256)
                               .where(docs.c.control_number.in_(chunk))):
                out[r.control_number] = r.text_sha256
        return out

    def retract_missing(self, site: str, project_id: int, present: Iterable[int]) -> int:
        """Retract the current decisions of a project whose annotation is gone from the site (deleted there).

        Call only with a complete export of the project. History is kept: the rows stay, marked.
        """
        tbl = t.review_decisions
        present = set(present)
        with self._tx() as c:
            rows = c.execute(select(tbl.c.id, tbl.c.annotation_id, tbl.c.control_number).where(
                tbl.c.site == site, tbl.c.project_id == project_id, tbl.c.superseded_at.is_(None),
                tbl.c.retracted_at.is_(None))).all()
            gone = [r for r in rows if r.annotation_id not in present]
            if gone:
                c.execute(update(tbl).where(tbl.c.id.in_([r.id for r in gone]))
                          .values(retracted_at=datetime.now(timezone.utc)))
                _chain(c, [Entry(actor="lpo", action="retract", subject=r.control_number,
                                      detail={"site": site, "project_id": project_id, "annotation_id": r.annotation_id,
                                              "why": "the annotation was deleted in Label Studio"})
                           for r in gone])
        return len(gone)

    def decisions(self, stage: Stage | None = None, *, history: bool = False) -> list[ReviewDecision]:
        """Current decisions (history=True: every version, superseded and retracted included), oldest first."""
        tbl = t.review_decisions
        q = select(tbl).order_by(tbl.c.decided_at, tbl.c.id)
        if stage is not None:
            q = q.where(tbl.c.stage == stage.value)
        if not history:
            q = q.where(tbl.c.superseded_at.is_(None), tbl.c.retracted_at.is_(None))
        with self.engine.connect() as c:
            return [_row(ReviewDecision, r) for r in c.execute(q)]

    def record_rejection(self, rej: CollectRejection) -> bool:
        """Record (or refresh) why an annotation was refused; True when it is new or its reason changed."""
        tbl = t.collect_rejections
        with self._tx() as c:
            old = c.execute(select(tbl.c.id, tbl.c.reason, tbl.c.annotation_updated_at).where(
                tbl.c.site == rej.site, tbl.c.annotation_id == rej.annotation_id)).first()
            if old is None:
                c.execute(insert(tbl).values(**_values(rej)))
                return True
            if (old.reason, old.annotation_updated_at) == (rej.reason, rej.annotation_updated_at):
                return False
            c.execute(update(tbl).where(tbl.c.id == old.id).values(**_values(rej)))
            return True

    def clear_rejections(self, site: str, annotation_ids: Iterable[int]) -> int:
        """Forget rejections of annotations that were fixed (now collected) or deleted."""
        tbl = t.collect_rejections
        n = 0
        with self._tx() as c:
            for chunk in _chunks(sorted(set(annotation_ids)), 500):
                n += c.execute(tbl.delete().where(tbl.c.site == site, tbl.c.annotation_id.in_(chunk))).rowcount
        return n

    def rejections(self, site: str | None = None, project_id: int | None = None) -> list[CollectRejection]:
        """Annotations collect refused and that are still refused (of one site's project when given)."""
        tbl = t.collect_rejections
        q = select(tbl).order_by(tbl.c.id)
        if site is not None:
            q = q.where(tbl.c.site == site)
        if project_id is not None:
            q = q.where(tbl.c.project_id == project_id)
        with self._read() as c:
            return [_row(CollectRejection, r) for r in c.execute(q)]

    def latest_decisions(self, stage: Stage) -> dict[str, ReviewDecision]:
        out: dict[str, ReviewDecision] = {}
        for d in self.decisions(stage):  # ordered by time: the last one wins
            out[d.control_number] = d
        return out

    def final_decisions(self) -> dict[str, ReviewDecision]:
        """The coding that counts: an attorney's QA call replaces the first-pass one."""
        final = self.latest_decisions(Stage.first_pass)
        final.update(self.latest_decisions(Stage.qa))
        return final

    # ---- QA ------------------------------------------------------------------------------------

    def add_qa_sample(self, sample: QASample) -> QASample:
        with self._tx() as c:
            sid = c.execute(insert(t.qa_samples).values(**_values(sample))).inserted_primary_key[0]
        return sample.model_copy(update={"id": sid})

    def qa_samples(self, kind: str | None = None) -> list[QASample]:
        q = select(t.qa_samples).order_by(t.qa_samples.c.id)
        if kind is not None:
            q = q.where(t.qa_samples.c.kind == kind)
        with self.engine.connect() as c:
            return [_row(QASample, r) for r in c.execute(q)]

    def add_verdict(self, verdict: BatchVerdict) -> BatchVerdict:
        """Record QA's verdict on a batch; a batch has one (a re-review batch gets its own)."""
        with self._tx() as c:
            vid = c.execute(insert(t.batch_verdicts).values(**_values(verdict))).inserted_primary_key[0]
        return verdict.model_copy(update={"id": vid})

    def verdicts(self) -> dict[str, BatchVerdict]:
        with self._read() as c:
            return {r.batch: _row(BatchVerdict, r)
                    for r in c.execute(select(t.batch_verdicts).order_by(t.batch_verdicts.c.id))}

    # ---- production ----------------------------------------------------------------------------

    def add_production(self, prod: Production, docs: list[ProductionDocument]) -> None:
        with self._tx() as c:
            c.execute(insert(t.productions).values(**_values(prod)))
            if docs:
                c.execute(insert(t.production_documents), [_values(d, drop=()) for d in docs])

    def productions(self) -> list[Production]:
        with self.engine.connect() as c:
            return [_row(Production, r) for r in c.execute(select(t.productions).order_by(t.productions.c.id))]

    def production_documents(self, volume: str | None = None) -> list[ProductionDocument]:
        q = select(t.production_documents).order_by(t.production_documents.c.id)
        if volume:
            q = q.where(t.production_documents.c.production == volume)
        with self.engine.connect() as c:
            return [_row(ProductionDocument, r, drop=("id",)) for r in c.execute(q)]

    # ---- audit ---------------------------------------------------------------------------------

    def audit(self, actor: str, action: str, subject: str, detail: dict | None = None,
              input_hashes: list[str] | None = None) -> None:
        ev = AuditEvent(actor=actor, action=action, subject=subject, detail=detail or {},
                        input_hashes=input_hashes or [])
        with self._tx() as c:
            _chain(c, [ev])

    def audit_events(self) -> Iterator[AuditEvent]:
        with self.engine.connect() as c:
            rows = c.execute(select(t.audit_events).order_by(t.audit_events.c.id)).all()
        return (_row(AuditEvent, r) for r in rows)

    def audit_head(self) -> tuple[int, str | None]:
        """(events in the chain, the last one's hash), as the store recorded them."""
        with self.engine.connect() as c:
            r = c.execute(select(t.audit_head.c.seq, t.audit_head.c.sha256).where(t.audit_head.c.id == 1)).one()
        return r.seq, r.sha256

    # ---- status --------------------------------------------------------------------------------

    def counts(self) -> dict[str, Any]:
        out: dict[str, Any] = self._table_counts()
        out["routed"] = len(self.batched(Stage.first_pass))
        out["qa_sampled"] = len({cn for s in self.qa_samples() for cn in s.control_numbers})
        out.update(self._culling_counts())
        return out

    def _culling_counts(self) -> dict[str, Any]:
        d, e = t.documents, t.processing_exceptions
        groups = select(d.c.near_duplicate_group).where(d.c.near_duplicate_group.is_not(None)) \
            .group_by(d.c.near_duplicate_group).having(func.count() > 1).subquery()
        with self.engine.connect() as c:
            def n(q):  # noqa: ANN001
                return int(c.execute(q).scalar() or 0)
            return {
                "duplicates": n(select(func.count()).select_from(d).where(d.c.duplicate_of.is_not(None))),
                "near_duplicate_groups": n(select(func.count()).select_from(groups)),
                "threads": n(select(func.count(func.distinct(d.c.thread_id))).where(_json_present(d.c.email))),
                "filtered": n(select(func.count()).select_from(d).where(d.c.filtered.is_not(None))),
                "exceptions_by_reason": {r: int(k) for r, k in c.execute(
                    select(e.c.reason, func.count()).group_by(e.c.reason).order_by(e.c.reason))},
            }

    def _table_counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            def n(q):  # noqa: ANN001
                return int(c.execute(q).scalar() or 0)
            sf, d, e, rd = t.source_files, t.documents, t.processing_exceptions, t.review_decisions
            current = (rd.c.superseded_at.is_(None), rd.c.retracted_at.is_(None))
            accounted = n(select(func.count()).select_from(sf).where(
                sf.c.id.in_(select(d.c.source_file_id)) | sf.c.id.in_(select(e.c.source_file_id))))
            return {
                "files_seen": n(select(func.count()).select_from(sf)),
                "files_accounted": accounted,
                "documents": n(select(func.count()).select_from(d)),
                "exceptions": n(select(func.count()).select_from(e)),
                "pretagged": n(select(func.count()).select_from(t.pretag_runs)),
                "reviewed": n(select(func.count(func.distinct(rd.c.control_number)))
                              .where(rd.c.stage == Stage.first_pass.value, *current)),
                "qa_reviewed": n(select(func.count(func.distinct(rd.c.control_number)))
                                 .where(rd.c.stage == Stage.qa.value, *current)),
                "collect_rejections": n(select(func.count()).select_from(t.collect_rejections)),
                "produced": n(select(func.count(func.distinct(t.production_documents.c.control_number)))),
            }
