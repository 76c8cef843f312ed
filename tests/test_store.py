"""The same store suite against both engines: SQLite (embedded default) and real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from lpo.models import (Batch, Document, EmailFields, PreTag, Privilege, ProcessingException, Production,
                        ProductionDocument, QASample, RedactionSpan, ReviewDecision, SourceFile, Stage)
from lpo.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'lpo.db'}")
        yield s
        s.close()
        return
    server = request.getfixturevalue("pg_url")
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    s = Store(server.rsplit("/", 1)[0] + "/" + name)
    yield s
    s.close()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def doc(cn: str, sf: int, **kw) -> Document:
    base = dict(control_number=cn, custodian="Jane Doe", source_file_id=sf, family_id=cn, md5="0" * 32,
                sha1="0" * 40, sha256=uuid.uuid4().hex * 2, source_path=f"{cn}.eml", file_name=f"{cn}.eml",
                extension="eml", mime_type="message/rfc822", size=10)
    base.update(kw)
    return Document(**base)


def decision(cn: str, ann: int, stage=Stage.first_pass, at=None, **kw) -> ReviewDecision:
    base = dict(control_number=cn, stage=stage, reviewer="r1@lpo", decided_at=at or datetime.now(timezone.utc),
                responsive=True, site="offshore", project_id=1, task_id=ann, annotation_id=ann)
    base.update(kw)
    return ReviewDecision(**base)


def test_documents_round_trip_with_email_fields_and_timezones(store):
    sf = store.upsert_source_file(SourceFile(custodian="Jane Doe", path="a.eml", sha256="a" * 64, size=10))
    sent = datetime(2023, 4, 5, 10, 30, tzinfo=timezone(timedelta(hours=-5)))
    d = doc("ACME-00000001", sf, email=EmailFields(**{"from": "a@acme.com"}, to=["b@globex.com"], sent=sent,
                                                   subject="Pricing"), page_count=2)
    store.add_documents([d])
    back = store.document("ACME-00000001")
    assert back.email.from_ == "a@acme.com" and back.email.to == ["b@globex.com"]
    assert back.email.sent == sent  # the same instant, whatever the engine does with zones
    assert back.page_count == 2 and back.sha256 == d.sha256
    assert store.next_seq() == 2


def test_source_file_upsert_is_idempotent(store):
    a = store.upsert_source_file(SourceFile(custodian="J", path="x.pdf", sha256="a" * 64, size=1))
    b = store.upsert_source_file(SourceFile(custodian="J", path="x.pdf", sha256="b" * 64, size=2))
    assert a == b
    assert [s.sha256 for s in store.source_files()] == ["b" * 64]


def test_control_numbers_are_unique(store):
    sf = store.upsert_source_file(SourceFile(custodian="J", path="x", sha256="a" * 64, size=1))
    store.add_documents([doc("ACME-00000001", sf)])
    with pytest.raises(IntegrityError):
        store.add_documents([doc("ACME-00000001", sf, source_path="other.eml")])


def test_every_file_is_accounted_for_by_a_document_or_an_exception(store):
    sf1 = store.upsert_source_file(SourceFile(custodian="J", path="ok.eml", sha256="a" * 64, size=1))
    sf2 = store.upsert_source_file(SourceFile(custodian="J", path="bad.pdf", sha256="b" * 64, size=1))
    store.upsert_source_file(SourceFile(custodian="J", path="lost.bin", sha256="c" * 64, size=1))
    store.add_documents([doc("ACME-00000001", sf1)])
    store.record_exception(ProcessingException(source_file_id=sf2, custodian="J", source_path="bad.pdf",
                                               reason="corrupt", detail="bad.pdf: cannot be parsed"))
    c = store.counts()
    assert (c["files_seen"], c["files_accounted"], c["documents"], c["exceptions"]) == (3, 2, 1, 1)


def test_exception_recorded_twice_is_one_exception(store):
    exc = ProcessingException(custodian="J", source_path="bad.pdf", reason="corrupt", detail="x")
    store.record_exception(exc)
    store.record_exception(exc.model_copy(update={"detail": "y"}))
    assert [e.detail for e in store.exceptions()] == ["y"]


def test_pretags_are_replaced_not_appended(store):
    sf = store.upsert_source_file(SourceFile(custodian="J", path="x", sha256="a" * 64, size=1))
    store.add_documents([doc("ACME-00000001", sf, text_sha256="f" * 64)])
    tag = PreTag(control_number="ACME-00000001", start=0, end=3, label="PII_SSN", text="123", source="pii:ssn",
                 version="v1")
    assert store.unpretagged("v1") == ["ACME-00000001"]
    store.replace_pretags("ACME-00000001", [tag, tag], "v1", 0.2, ["legend"], "e" * 64)
    assert store.unpretagged("v1") == ["ACME-00000001"]  # ran on other text than the document has now
    store.replace_pretags("ACME-00000001", [tag], "v1", 0.3, ["legend"], "f" * 64)
    assert len(store.pretags("ACME-00000001")) == 1
    assert store.unpretagged("v1") == [] and store.unpretagged("v2") == ["ACME-00000001"]
    assert store.privilege_screen()["ACME-00000001"] == (0.3, ["legend"])


def test_collect_twice_adds_nothing_and_an_edit_updates(store):
    sf = store.upsert_source_file(SourceFile(custodian="J", path="x", sha256="a" * 64, size=1))
    store.add_documents([doc("ACME-00000001", sf)])
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    d = decision("ACME-00000001", 7, at=t0, redactions=[RedactionSpan(start=1, end=4, reason="PII")])
    assert store.add_decisions([d]) == (1, 0)
    assert store.add_decisions([d]) == (0, 0)
    edited = d.model_copy(update={"responsive": False, "decided_at": t0 + timedelta(minutes=5)})
    assert store.add_decisions([edited]) == (0, 1)
    [back] = store.decisions()
    assert back.responsive is False and back.redactions[0].reason == "PII"


def test_attorney_qa_call_replaces_first_pass(store):
    sf = store.upsert_source_file(SourceFile(custodian="J", path="x", sha256="a" * 64, size=1))
    store.add_documents([doc("ACME-00000001", sf), doc("ACME-00000002", sf, source_path="y")])
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    store.add_decisions([decision("ACME-00000001", 1, at=t0), decision("ACME-00000002", 2, at=t0)])
    store.add_decisions([decision("ACME-00000001", 3, stage=Stage.qa, at=t0 + timedelta(hours=1),
                                  privilege=Privilege.attorney_client, overturned=True, site="onshore-qa")])
    final = store.final_decisions()
    assert final["ACME-00000001"].privilege is Privilege.attorney_client
    assert final["ACME-00000001"].stage is Stage.qa
    assert final["ACME-00000002"].stage is Stage.first_pass


def test_batches_samples_productions_and_status(store):
    sf = store.upsert_source_file(SourceFile(custodian="J", path="x", sha256="a" * 64, size=1))
    store.add_documents([doc("ACME-00000001", sf), doc("ACME-00000002", sf, source_path="y")])
    store.add_batch(Batch(name="FP-0001", stage=Stage.first_pass, site="offshore",
                          control_numbers=["ACME-00000001", "ACME-00000002"]))
    store.set_batch_project("FP-0001", 42)
    assert store.batches(Stage.first_pass)[0].project_id == 42
    with pytest.raises(IntegrityError):
        store.add_batch(Batch(name="FP-0001", stage=Stage.first_pass, site="offshore", control_numbers=[]))
    store.add_qa_sample(QASample(name="QA-0001", population=2, size=1, confidence=0.95, margin=0.1, seed=3,
                                 control_numbers=["ACME-00000002"]))
    store.add_production(
        Production(volume="ACME001", prefix="ACME", begin_bates="ACME00000001", end_bates="ACME00000002",
                   documents=1, pages=2, withheld=0, path="/p"),
        [ProductionDocument(production="ACME001", control_number="ACME-00000001", beg_bates="ACME00000001",
                            end_bates="ACME00000002", beg_attach="ACME00000001", end_attach="ACME00000002",
                            pages=2, text_path="TEXT/a.txt", image_paths=["IMAGES/a.tif", "IMAGES/b.tif"])])
    c = store.counts()
    assert (c["routed"], c["qa_sampled"], c["produced"]) == (2, 1, 1)
    assert store.production_documents("ACME001")[0].image_paths == ["IMAGES/a.tif", "IMAGES/b.tif"]


def test_audit_events_keep_who_what_and_inputs(store):
    store.audit("reviewer@lpo", "collect", "FP-0001", {"inserted": 3}, ["ab" * 32])
    [ev] = list(store.audit_events())
    assert ev.actor == "reviewer@lpo" and ev.detail == {"inserted": 3} and ev.input_hashes == ["ab" * 32]
    assert ev.at.tzinfo is not None


def test_migrations_match_the_models(store):
    """Alembic's head schema is the tables' schema: a model change needs a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from lpo.store.tables import metadata

    with store.engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), metadata)
    assert diff == []
