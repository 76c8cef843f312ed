"""The store: one API over SQLite (embedded default, WAL) and PostgreSQL (teams).

Callers never branch on the engine; the URL decides. The schema is owned by Alembic
migrations (lpo/store/migrations), applied when a store is opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine, create_engine, event, func, insert, select, update
from sqlalchemy.engine import Connection

from lpo.models import (AuditEvent, Batch, Document, PreTag, ProcessingException, Production, ProductionDocument,
                        QASample, ReviewDecision, SourceFile, Stage)
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


def migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    def __init__(self, url: str, *, migrate_schema: bool = True):
        self.url = url
        self.engine = make_engine(url)
        if migrate_schema:
            migrate(self.engine)

    @classmethod
    def for_matter(cls, matter_dir: Path | str, url: str | None = None) -> "Store":
        return cls(url or f"sqlite:///{Path(matter_dir).resolve() / 'lpo.db'}")

    def close(self) -> None:
        self.engine.dispose()

    def _tx(self) -> Connection:
        return self.engine.begin()

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

    def source_files(self) -> list[SourceFile]:
        with self.engine.connect() as c:
            return [_row(SourceFile, r) for r in c.execute(select(t.source_files).order_by(t.source_files.c.id))]

    def find_document(self, custodian: str, source_path: str) -> Document | None:
        with self.engine.connect() as c:
            r = c.execute(select(t.documents).where(t.documents.c.custodian == custodian,
                                                    t.documents.c.source_path == source_path)).first()
            return _row(Document, r, drop=("seq",)) if r else None

    def next_seq(self) -> int:
        with self.engine.connect() as c:
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
        with self.engine.connect() as c:
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

    def exceptions(self) -> list[ProcessingException]:
        with self.engine.connect() as c:
            return [_row(ProcessingException, r) for r in
                    c.execute(select(t.processing_exceptions).order_by(t.processing_exceptions.c.id))]

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

    def batches(self, stage: Stage | None = None) -> list[Batch]:
        q = select(t.batches).order_by(t.batches.c.id)
        if stage is not None:
            q = q.where(t.batches.c.stage == stage.value)
        with self.engine.connect() as c:
            return [_row(Batch, r) for r in c.execute(q)]

    def batched(self, stage: Stage) -> set[str]:
        return {cn for b in self.batches(stage) for cn in b.control_numbers}

    def add_decisions(self, decisions: Iterable[ReviewDecision]) -> tuple[int, int]:
        """Upsert by (site, annotation_id): collecting twice changes nothing; an edited
        annotation updates its decision. Returns (inserted, updated)."""
        tbl = t.review_decisions
        ins = upd = 0
        with self._tx() as c:
            for d in decisions:
                v = _values(d)
                key = (tbl.c.site == d.site, tbl.c.annotation_id == d.annotation_id)
                old = c.execute(select(tbl.c.id, tbl.c.decided_at).where(*key)).first()
                if old is None:
                    c.execute(insert(tbl).values(**v))
                    ins += 1
                elif _utc(old.decided_at) != d.decided_at:
                    c.execute(update(tbl).where(*key).values(**v))
                    upd += 1
        return ins, upd

    def decisions(self, stage: Stage | None = None) -> list[ReviewDecision]:
        q = select(t.review_decisions).order_by(t.review_decisions.c.decided_at, t.review_decisions.c.id)
        if stage is not None:
            q = q.where(t.review_decisions.c.stage == stage.value)
        with self.engine.connect() as c:
            return [_row(ReviewDecision, r) for r in c.execute(q)]

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

    def qa_samples(self) -> list[QASample]:
        with self.engine.connect() as c:
            return [_row(QASample, r) for r in c.execute(select(t.qa_samples).order_by(t.qa_samples.c.id))]

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
            c.execute(insert(t.audit_events).values(**_values(ev)))

    def audit_events(self) -> Iterator[AuditEvent]:
        with self.engine.connect() as c:
            rows = c.execute(select(t.audit_events).order_by(t.audit_events.c.id)).all()
        return (_row(AuditEvent, r) for r in rows)

    # ---- status --------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        out = self._table_counts()
        out["routed"] = len(self.batched(Stage.first_pass))
        out["qa_sampled"] = len({cn for s in self.qa_samples() for cn in s.control_numbers})
        return out

    def _table_counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            def n(q):  # noqa: ANN001
                return int(c.execute(q).scalar() or 0)
            sf, d, e = t.source_files, t.documents, t.processing_exceptions
            accounted = n(select(func.count()).select_from(sf).where(
                sf.c.id.in_(select(d.c.source_file_id)) | sf.c.id.in_(select(e.c.source_file_id))))
            return {
                "files_seen": n(select(func.count()).select_from(sf)),
                "files_accounted": accounted,
                "documents": n(select(func.count()).select_from(d)),
                "exceptions": n(select(func.count()).select_from(e)),
                "pretagged": n(select(func.count()).select_from(t.pretag_runs)),
                "reviewed": n(select(func.count(func.distinct(t.review_decisions.c.control_number)))
                              .where(t.review_decisions.c.stage == Stage.first_pass.value)),
                "qa_reviewed": n(select(func.count(func.distinct(t.review_decisions.c.control_number)))
                                 .where(t.review_decisions.c.stage == Stage.qa.value)),
                "produced": n(select(func.count(func.distinct(t.production_documents.c.control_number)))),
            }
