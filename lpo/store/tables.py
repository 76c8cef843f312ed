"""SQLAlchemy tables behind the store. Alembic migrations are generated from this metadata.

Lists and nested records (email fields, issue codes, redaction spans) are JSON columns:
they are read and written whole, never queried into, so normalising them buys nothing.
"""

from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Table,
                        Text, UniqueConstraint, false)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

TS = DateTime(timezone=True)

source_files = Table(
    "source_files", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("custodian", String(200), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("seen_at", TS, nullable=False),
    UniqueConstraint("custodian", "path"),
)

documents = Table(
    "documents", metadata,
    Column("control_number", String(64), primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("custodian", String(200), nullable=False, index=True),
    Column("source_file_id", Integer, ForeignKey("source_files.id"), index=True),
    Column("parent", String(64)),
    Column("family_id", String(64), nullable=False, index=True),
    Column("thread_id", String(128), index=True),
    Column("duplicate_of", String(64)),
    Column("md5", String(32), nullable=False),
    Column("sha1", String(40), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("source_path", Text, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("extension", String(32), nullable=False),
    Column("mime_type", String(128), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created", TS),
    Column("modified", TS),
    Column("author", Text),
    Column("title", Text),
    Column("email", JSON),
    Column("text_sha256", String(64)),
    Column("page_count", Integer),
    Column("language", String(8)),
    Column("ocr", Boolean, nullable=False, server_default=false()),
    Column("custodians", JSON, nullable=False, server_default="[]"),
    Column("email_hash", String(64), index=True),
    Column("near_duplicate_group", String(64), index=True),
    Column("near_duplicate_similarity", Float),
    Column("inclusive", Boolean),
    Column("filtered", String(32)),
    Column("ingested_at", TS, nullable=False),
    UniqueConstraint("custodian", "source_path", name="uq_documents_custodian_source_path"),
)

processing_exceptions = Table(
    "processing_exceptions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_file_id", Integer, ForeignKey("source_files.id"), index=True),
    Column("custodian", String(200), nullable=False),
    Column("source_path", Text, nullable=False),
    Column("sha256", String(64)),
    Column("stage", String(32), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("at", TS, nullable=False),
    UniqueConstraint("custodian", "source_path", "stage", name="uq_exceptions_custodian_path_stage"),
)

pretags = Table(
    "pretags", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("control_number", String(64), ForeignKey("documents.control_number"), nullable=False, index=True),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("label", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("source", String(64), nullable=False),
    Column("version", String(200), nullable=False),
)

# One row per pre-tagged document: which pipeline ran, and its privilege screen.
pretag_runs = Table(
    "pretag_runs", metadata,
    Column("control_number", String(64), ForeignKey("documents.control_number"), primary_key=True),
    Column("version", String(200), nullable=False),
    Column("text_sha256", String(64)),  # the text it ran on: changed text is pre-tagged again
    Column("privilege_score", Float, nullable=False),
    Column("privilege_reasons", JSON, nullable=False),
    Column("at", TS, nullable=False),
)

batches = Table(
    "batches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("stage", String(16), nullable=False),
    Column("site", String(128), nullable=False),
    Column("project_id", Integer),
    Column("control_numbers", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("pool", String(128)),
    Column("routed_at", TS),
    Column("purged_at", TS),
    Column("reviews_batch", String(128)),
)

review_decisions = Table(
    "review_decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("control_number", String(64), ForeignKey("documents.control_number"), nullable=False, index=True),
    Column("stage", String(16), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("decided_at", TS, nullable=False),
    Column("responsive", Boolean),
    Column("privilege", String(32), nullable=False),
    Column("issue_codes", JSON, nullable=False),
    Column("redactions", JSON, nullable=False),
    Column("designation", String(64)),
    Column("note", Text),
    Column("overturned", Boolean),
    Column("site", String(128), nullable=False),
    Column("project_id", Integer, nullable=False),
    Column("task_id", Integer, nullable=False),
    Column("annotation_id", Integer, nullable=False),
    Column("batch", String(128)),
    Column("lead_time", Float),
    Column("collected_at", TS),
    Column("superseded_at", TS),
    Column("retracted_at", TS),
    # One row per version of an annotation: an update supersedes the row, history kept.
    UniqueConstraint("site", "annotation_id", "decided_at", name="uq_decisions_site_annotation_version"),
    Index("ix_decisions_site_project", "site", "project_id"),
)

collect_rejections = Table(
    "collect_rejections", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(128), nullable=False),
    Column("project_id", Integer, nullable=False),
    Column("task_id", Integer, nullable=False),
    Column("annotation_id", Integer, nullable=False),
    Column("control_number", String(64)),
    Column("reviewer", String(200)),
    Column("batch", String(128)),
    Column("stage", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("annotation_updated_at", String(64)),
    Column("at", TS, nullable=False),
    UniqueConstraint("site", "annotation_id", name="uq_rejections_site_annotation"),
)

qa_samples = Table(
    "qa_samples", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("population", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("margin", Float, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("control_numbers", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("kind", String(16), nullable=False, server_default="acceptance"),
    Column("plan", String(32), nullable=False, server_default="margin"),
    Column("strata", JSON, nullable=False, server_default="[]"),
    Column("census", JSON, nullable=False, server_default="[]"),
    Column("population_sha256", String(64)),
)

batch_verdicts = Table(
    "batch_verdicts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch", String(128), nullable=False, unique=True),
    Column("sample", String(128), nullable=False),
    Column("population", Integer, nullable=False),
    Column("checked", Integer, nullable=False),
    Column("overturned", Integer, nullable=False),
    Column("rate", Float, nullable=False),
    Column("lower", Float, nullable=False),
    Column("upper", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("rereview_batch", String(128)),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", TS, nullable=False),
)

productions = Table(
    "productions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("volume", String(64), nullable=False, unique=True),
    Column("prefix", String(32), nullable=False),
    Column("begin_bates", String(64), nullable=False),
    Column("end_bates", String(64), nullable=False),
    Column("documents", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("withheld", Integer, nullable=False),
    Column("path", Text, nullable=False),
    Column("created_at", TS, nullable=False),
)

production_documents = Table(
    "production_documents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("production", String(64), ForeignKey("productions.volume"), nullable=False, index=True),
    Column("control_number", String(64), ForeignKey("documents.control_number"), nullable=False),
    Column("beg_bates", String(64), nullable=False),
    Column("end_bates", String(64), nullable=False),
    Column("beg_attach", String(64), nullable=False),
    Column("end_attach", String(64), nullable=False),
    Column("pages", Integer, nullable=False),
    Column("native_path", Text),
    Column("text_path", Text, nullable=False),
    Column("image_paths", JSON, nullable=False),
    UniqueConstraint("production", "control_number", name="uq_proddocs_production_control"),
)

audit_events = Table(
    "audit_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("detail", JSON, nullable=False),
    Column("input_hashes", JSON, nullable=False),
    # Hash chain (lpo.audit): each event's SHA-256 covers its contents and the event before's hash.
    Column("prev_sha256", String(64), nullable=True),
    Column("sha256", String(64), nullable=True),
)

# The chain's head: how many events and the last one's hash. A deleted last event shows here.
audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("sha256", String(64), nullable=True),
)
