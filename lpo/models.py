"""Typed records that cross a boundary: the store, Label Studio, delivered files.

These pydantic models are the contract; `schemas/` is generated from them
(`lpo schemas --write`) and a test fails when the two drift.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Stage(str, Enum):
    first_pass = "first_pass"
    qa = "qa"


class Privilege(str, Enum):
    not_privileged = "not_privileged"
    attorney_client = "attorney_client"
    work_product = "work_product"
    partial = "partial"  # partially privileged: produce with redactions

    @property
    def withheld(self) -> bool:
        """Withheld in full (a privilege-log entry), as opposed to redacted."""
        return self in (Privilege.attorney_client, Privilege.work_product)


class Designation(str, Enum):
    confidential = "Confidential"
    highly_confidential_aeo = "Highly Confidential - AEO"


class Custodian(Record):
    name: str
    title: str | None = None


class SourceFile(Record):
    """A file handed to ingest. Every one ends as documents or an exception."""

    id: int | None = None
    custodian: str
    path: str = Field(description="path as given to ingest, relative to the ingest root")
    sha256: str
    size: int
    seen_at: datetime = Field(default_factory=utcnow)


class EmailFields(Record):
    from_: str | None = Field(default=None, alias="from")
    to: list[str] = []
    cc: list[str] = []
    bcc: list[str] = []
    subject: str | None = None
    sent: datetime | None = None
    received: datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = []
    attachment_names: list[str] = []

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Document(Record):
    control_number: str = Field(description="DocID: matter prefix + sequence, stable across re-runs")
    custodian: str
    source_file_id: int | None = None
    parent: str | None = Field(default=None, description="control number of the family parent")
    family_id: str = Field(description="control number of the top-level parent of the family")
    thread_id: str | None = None
    duplicate_of: str | None = Field(default=None, description="control number of the first exact duplicate")
    md5: str
    sha1: str
    sha256: str
    source_path: str = Field(description="original path; container members as 'outer.eml/inner.pdf'")
    file_name: str
    extension: str
    mime_type: str
    size: int
    created: datetime | None = None
    modified: datetime | None = None
    author: str | None = None
    title: str | None = None
    email: EmailFields | None = None
    text_sha256: str | None = Field(default=None, description="extracted text in the content store")
    page_count: int | None = None
    language: str | None = Field(default=None, description="ISO 639-1 code of the text's main language")
    ocr: bool = Field(default=False, description="text came from OCR (scanned PDF or image)")
    custodians: list[str] = Field(default=[], description="every custodian holding an exact duplicate "
                                  "(kept on the master)")
    email_hash: str | None = Field(default=None, description="normalised hash of sender, recipients, sent, "
                                   "subject and body: email duplicates whose natives differ")
    near_duplicate_group: str | None = Field(default=None, description="control number of the group's pivot")
    near_duplicate_similarity: float | None = Field(default=None, description="estimated Jaccard to the pivot")
    inclusive: bool | None = Field(default=None, description="email: its thread's content is all in it")
    filtered: str | None = Field(default=None, description="culled before review, e.g. 'nist' (de-NIST)")
    ingested_at: datetime = Field(default_factory=utcnow)


class ProcessingException(Record):
    id: int | None = None
    source_file_id: int | None = None
    custodian: str
    source_path: str
    sha256: str | None = None
    stage: str = "ingest"
    reason: str = Field(description="short machine-readable cause, e.g. 'encrypted', 'corrupt'")
    detail: str = Field(description="what happened and what to do, for a person")
    at: datetime = Field(default_factory=utcnow)


class PreTag(Record):
    id: int | None = None
    control_number: str
    start: int
    end: int
    label: str = Field(description="e.g. PERSON, ORG, PII_SSN, PRIV_COUNSEL, TERM")
    text: str
    score: float = 1.0
    source: str = Field(description="component or rule that fired, e.g. 'ner', 'pii:ssn'")
    version: str = Field(description="pipeline name and version")


class Batch(Record):
    id: int | None = None
    name: str
    stage: Stage
    site: str
    project_id: int | None = None
    control_numbers: list[str]
    created_at: datetime = Field(default_factory=utcnow)
    pool: str | None = Field(default=None, description="the reviewer pool the batch is routed to")
    routed_at: datetime | None = Field(default=None, description="every task is on the site; None while planned")
    purged_at: datetime | None = Field(default=None, description="its project was deleted from the site after "
                                                                  "every decision was collected")
    reviews_batch: str | None = Field(default=None, description="a QA batch: the first-pass batch it checks; a "
                                      "re-review batch: the batch QA rejected that it codes again")


class RedactionSpan(Record):
    start: int
    end: int
    reason: str
    text: str | None = None


class ReviewDecision(Record):
    """One coding: who decided what about which document, when, and from where."""

    id: int | None = None
    control_number: str
    stage: Stage
    reviewer: str
    decided_at: datetime
    responsive: bool | None = None
    privilege: Privilege = Privilege.not_privileged
    issue_codes: list[str] = []
    redactions: list[RedactionSpan] = []
    designation: Designation | None = None
    note: str | None = None
    overturned: bool | None = Field(default=None, description="QA only: the attorney changed the first-pass coding")
    site: str
    project_id: int
    task_id: int
    annotation_id: int = Field(description="with site, the identity of this decision: collect is idempotent on it")
    batch: str | None = None
    lead_time: float | None = Field(default=None, description="seconds the reviewer spent on the task (Label Studio)")
    collected_at: datetime | None = None
    superseded_at: datetime | None = Field(default=None, description="a later version of the same annotation "
                                                                      "replaced this one (history kept)")
    retracted_at: datetime | None = Field(default=None, description="the annotation was deleted in Label Studio")

    @property
    def current(self) -> bool:
        return self.superseded_at is None and self.retracted_at is None


class CollectRejection(Record):
    """An annotation collect refused (unknown choice, missing required field, bad span): nothing of it is stored."""

    id: int | None = None
    site: str
    project_id: int
    task_id: int
    annotation_id: int
    control_number: str | None = None
    reviewer: str | None = None
    batch: str | None = None
    stage: Stage
    reason: str
    annotation_updated_at: str | None = Field(default=None, description="the version refused, as Label Studio said")
    at: datetime = Field(default_factory=utcnow)


class QAStratum(Record):
    """One cell of a stratified QA sample: a reviewer's decisions in one batch, sampled on their own seed."""

    batch: str
    reviewer: str
    population: int
    size: int
    seed: int
    control_numbers: list[str]


class QASample(Record):
    """A seeded, recorded QA sample: the same population (its hash), sizes and seeds draw it again."""

    id: int | None = None
    name: str
    kind: str = Field(default="acceptance", description="acceptance (first-pass batches, stratified by batch "
                      "and reviewer) or elusion (documents coded not responsive)")
    plan: str = Field(default="margin", description="margin (sample size for a margin of error) or "
                      "accept_on_zero (smallest sample in which no error shows the rate below the threshold)")
    population: int
    size: int = Field(description="random sample size (the census of privilege calls is not counted)")
    confidence: float
    margin: float
    seed: int
    control_numbers: list[str] = Field(description="every document sent to QA: the random sample and the census")
    strata: list[QAStratum] = []
    census: list[str] = Field(default=[], description="checked in full, outside the estimate: every "
                              "privilege call when the protocol asks for 100% privilege QA")
    population_sha256: str | None = Field(default=None, description="SHA-256 of the sorted population's "
                                          "control numbers, one per line")
    created_at: datetime = Field(default_factory=utcnow)


class BatchVerdict(Record):
    """QA's verdict on a first-pass batch: accepted, or rejected and sent back for re-review."""

    id: int | None = None
    batch: str
    sample: str
    population: int
    checked: int
    overturned: int
    rate: float
    lower: float
    upper: float
    threshold: float
    confidence: float
    accepted: bool
    rereview_batch: str | None = Field(default=None, description="the batch that codes the rest again")
    decided_by: str = Field(default="lpo", description="the rule applied the protocol's threshold")
    decided_at: datetime = Field(default_factory=utcnow)


class Production(Record):
    id: int | None = None
    volume: str
    prefix: str
    begin_bates: str
    end_bates: str
    documents: int
    pages: int
    withheld: int
    path: str
    created_at: datetime = Field(default_factory=utcnow)


class ProductionDocument(Record):
    production: str = Field(description="volume name")
    control_number: str
    beg_bates: str
    end_bates: str
    beg_attach: str
    end_attach: str
    pages: int
    native_path: str | None = None
    text_path: str
    image_paths: list[str]


class AuditEvent(Record):
    id: int | None = None
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: str = Field(description="e.g. ingest, pretag, route, collect, qa, produce")
    subject: str
    detail: dict = {}
    input_hashes: list[str] = []
    prev_sha256: str | None = Field(default=None, description="the event before's sha256 (hash chain)")
    sha256: str | None = Field(default=None, description="SHA-256 of this event's contents and prev_sha256")


# Every model whose JSON Schema is checked in under schemas/.
SCHEMA_MODELS: list[type[BaseModel]] = [
    Custodian, SourceFile, EmailFields, Document, ProcessingException, PreTag, Batch,
    RedactionSpan, ReviewDecision, CollectRejection, QAStratum, QASample, BatchVerdict, Production, ProductionDocument, AuditEvent,
]
