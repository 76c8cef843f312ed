"""A matter is a folder: matter.yaml, the store, and the content store.

    MATTER/
      matter.yaml      what the case team decided (protocol, batches, QA, Bates)
      lpo.db           the store (SQLite, WAL) unless `store_url` points elsewhere
      content/         natives and extracted text, addressed by SHA-256
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

MATTER_FILE = "matter.yaml"


class MatterError(ValueError):
    """matter.yaml is missing or invalid; the message names the key and what is expected."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Counsel(Strict):
    names: list[str] = Field(default_factory=list, description="counsel names as written, e.g. 'Richard B. Sanders'")
    emails: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list, description="law-firm domains, e.g. 'sidley.com'")


class IssueCode(Strict):
    code: str
    description: str


class PrivilegeExamples(Strict):
    """What counsel means by privileged here, shown to reviewers with the instructions."""

    privileged: list[str] = Field(default_factory=list, description="e.g. 'Email to outside counsel asking ...'")
    not_privileged: list[str] = Field(default_factory=list, description="e.g. 'A lawyer copied on a sales update'")


class Protocol(Strict):
    instructions: str = Field(description="shown to reviewers as the Label Studio project's instructions")
    issue_codes: list[IssueCode] = Field(default_factory=list)
    privilege_examples: PrivilegeExamples = Field(default_factory=PrivilegeExamples)
    counsel: Counsel = Field(default_factory=Counsel)
    search_terms: list[str] = Field(default_factory=list)
    pii_types: list[str] = Field(default_factory=lambda: ["ssn", "payment_card", "bank_account", "email", "phone"])
    privilege_threshold: float = Field(default=0.5, ge=0, le=1)

    @field_validator("issue_codes", mode="before")
    @classmethod
    def _codes(cls, v):
        # Accept the short form {CODE: description} as well as a list of objects.
        if isinstance(v, dict):
            return [{"code": k, "description": d} for k, d in v.items()]
        return v


class QAConfig(Strict):
    """The QA protocol: how many first-pass decisions the attorneys check, and what passes."""

    confidence: float = Field(default=0.95, gt=0, lt=1, description="of every sample size and interval")
    margin: float = Field(default=0.05, gt=0, lt=1, description="margin of error of a batch's sample (plan: margin)")
    plan: Literal["margin", "accept_on_zero"] = Field(
        default="margin", description="margin: sample for the margin of error; accept_on_zero: the smallest "
        "sample in which no error shows the batch's error rate below the threshold")
    threshold: float = Field(default=0.10, gt=0, lt=1, description="a batch is accepted when the upper bound of "
                             "its error (overturn) rate is below this; otherwise it goes back for re-review")
    all_privileged: bool = Field(default=True, description="also check every privilege call (100% privilege QA), "
                                 "outside the random sample and its estimates")
    max_rereview_rounds: int = Field(default=2, ge=0, le=10, description="re-review rounds the pipeline waits for "
                                     "before it produces what is accepted and holds the rest")
    elusion: bool = Field(default=True, description="sample the documents coded not responsive for an elusion "
                          "test and a recall estimate")
    elusion_margin: float = Field(default=0.05, gt=0, lt=1, description="margin of error of the elusion sample")
    elusion_includes_unreviewed: bool = Field(default=True, description="the elusion population also holds the "
                                              "reviewable documents never routed (review stopped before them)")
    require_acceptance: bool = Field(default=True, description="produce only documents whose batch QA accepted "
                                     "or that an attorney coded")
    seed: int = 20261123


class TARConfig(Strict):
    """Prioritised review: continuous active learning decides what is routed next, and when to stop."""

    enabled: bool = Field(default=False, description="route in rounds from the top of the ranking (else all "
                          "documents at once, by custodian and date)")
    seed_query: str | None = Field(default=None, description="words of a responsive document, to rank before "
                                   "anything is coded (e.g. the requests' key terms)")
    first_round: int | None = Field(default=None, ge=1, description="documents in the first round (default: "
                                    "batch_size); each round then grows by a tenth (the AutoTAR schedule)")
    random_share: float = Field(default=0.0, ge=0, le=0.5, description="share of each round drawn at random from "
                                "the unreviewed documents: the target set of the target method")
    target_recall: float = Field(default=0.8, gt=0, lt=1, description="recall the target method guarantees")
    confidence: float = Field(default=0.95, gt=0, lt=1)
    stop_rule: Literal["knee", "target"] = Field(default="knee", description="knee: the gain curve flattens "
                                                 "(Cormack & Grossman); target: every random target found")
    seed: int = 20261124


class ProcessingConfig(Strict):
    """How ingest treats the collection; the limits keep one hostile file from taking a run down."""

    dedupe: Literal["global", "custodian"] = Field(
        default="global", description="exact duplicates across the matter, or only within a custodian")
    passwords: list[str] = Field(default_factory=list, description="password bank for encrypted files "
                                 "(also `lpo ingest --passwords FILE`)")
    nist_list: str | None = Field(default=None, description="de-NIST hash list file, relative to the matter")
    near_duplicate_threshold: float = Field(default=0.8, gt=0, le=1, description="estimated Jaccard similarity")
    max_file_mb: int = Field(default=2048, ge=1, description="larger files are exceptions ('too_large')")
    timeout_seconds: float = Field(default=120, gt=0, description="per file, in its worker process")
    # A worker holds ~220 MB of address space before reading any file (parsers, language models).
    memory_mb: int = Field(default=1536, ge=512, description="address-space limit of a worker process")
    max_depth: int = Field(default=8, ge=1, description="containers nested deeper are bombs")
    max_expansion_ratio: float = Field(default=200, gt=1, description="container: expanded / compressed size")
    max_expanded_mb: int = Field(default=10240, ge=1, description="container: total expanded size")


class ProductionConfig(Strict):
    prefix: str = Field(description="Bates prefix, e.g. 'ACME'")
    start: int = Field(default=1, ge=0)
    padding: int = Field(default=8, ge=1, le=12)
    image_format: Literal["tiff", "pdf"] = Field(
        default="tiff", description="tiff: single-page Group 4 TIFFs (the classic image load); pdf: one "
        "searchable PDF per document, text kept and redactions burned in")
    dat_encoding: Literal["utf-8", "cp1252"] = Field(
        default="utf-8", description="DAT encoding: utf-8 (written with a BOM) or cp1252 for older Concordance")
    volume_max_mb: float | None = Field(default=None, gt=0, description="cap on a volume's size; families are "
                                        "never split, so a single larger family gets a volume of its own")
    nonresponsive_family_members: Literal["slip_sheet", "produce"] = Field(
        default="slip_sheet", description="members of a responsive family coded not responsive: a slip sheet "
        "keeps the family's Bates range whole, or produce them in full (family completeness)")

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{0,15}", v):
            raise ValueError("must be 1-16 capital letters, digits, '-' or '_', e.g. 'ACME'")
        return v


class ReviewSite(Strict):
    name: str
    url: str = Field(description="Label Studio base URL, e.g. http://localhost:8080")
    token_env: str = Field(description="name of the environment variable holding the site's API token")
    role: Literal["first_pass", "qa"]
    pool: str | None = Field(default=None, description="the reviewer pool this instance serves (its isolation "
                             "boundary: every user of an instance can read all of it); default: the site name")
    exports_in_parallel: int = Field(default=2, ge=1, le=8, description="snapshot exports collect runs at once on "
                                     "this instance: its gunicorn workers, at most (lpo's own server runs one a core)")

    @property
    def pool_name(self) -> str:
        return self.pool or self.name

    def token(self) -> str:
        from lpo.secrets import SecretsError, secret

        try:
            tok = secret(self.token_env)
        except SecretsError as e:
            raise MatterError(f"review site {self.name!r}: {e}") from None
        if not tok:
            raise MatterError(f"review site {self.name!r}: environment variable {self.token_env} is not set; "
                              f"export it with the Label Studio API token of {self.url}, or put it in the "
                              f"secrets file LPO_SECRETS_FILE names (mode 600)")
        return tok


class RoutingRule(Strict):
    """Send a family (with its thread and near-duplicates) to a pool when any member matches every criterion given."""

    pool: str
    languages: list[str] = Field(default_factory=list, description="ISO 639-1 codes, e.g. ['de', 'fr']")
    custodians: list[str] = Field(default_factory=list)
    privilege_score_at_least: float | None = Field(default=None, ge=0, le=1,
                                                   description="pre-tag privilege score, e.g. to an onshore pool")

    @model_validator(mode="after")
    def _some_criterion(self):
        if not (self.languages or self.custodians or self.privilege_score_at_least is not None):
            raise ValueError(f"routing rule for pool {self.pool!r} has no criterion; give languages, custodians "
                             f"or privilege_score_at_least (documents no rule takes go to the first first-pass site)")
        return self


class ElasticsearchConfig(Strict):
    url: str = Field(default="http://localhost:9200", description="used when the url_env variable is not set")
    url_env: str | None = Field(default="LPO_ES_URL", description="environment variable holding the URL")
    username: str | None = Field(default="elastic", description="basic auth user (with password_env)")
    password_env: str | None = Field(default="LPO_ES_PASSWORD", description="environment variable holding "
                                     "the password; credentials never live in matter.yaml")
    api_key_env: str | None = Field(default=None, description="environment variable holding an API key "
                                    "(used instead of username and password when set)")
    index_prefix: str = Field(default="lpo", pattern=r"^[a-z0-9][a-z0-9_-]*$",
                              description="indices and aliases are named <prefix>-<matter>[-prod-<volume>]")
    replicas: int = Field(default=0, ge=0, description="replica shards per index (0 on a single node)")

    def resolved_url(self) -> str:
        return (os.environ.get(self.url_env) if self.url_env else None) or self.url

    def secret(self, env: str | None) -> str | None:
        from lpo.secrets import secret

        return secret(env)


class SearchConfig(Strict):
    engine: Literal["fts5", "elasticsearch"] = Field(
        default="fts5", description="fts5: an SQLite file in the matter folder; elasticsearch: a cluster")
    elasticsearch: ElasticsearchConfig = Field(default_factory=ElasticsearchConfig)


class Matter(Strict):
    name: str = Field(description="matter name, also the control-number prefix source")
    client: str
    control_prefix: str | None = Field(default=None, description="DocID prefix; defaults to production.prefix")
    protocol: Protocol
    processing: ProcessingConfig = Field(default_factory=ProcessingConfig)
    batch_size: int = Field(default=50, ge=1, le=10000)
    qa: QAConfig = Field(default_factory=QAConfig)
    tar: TARConfig = Field(default_factory=TARConfig)
    production: ProductionConfig
    review_sites: list[ReviewSite] = Field(default_factory=list)
    routing: list[RoutingRule] = Field(default_factory=list, description="first rule that matches decides the "
                                       "pool; otherwise the first first-pass site's pool")
    store_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite file in the matter")
    search: SearchConfig = Field(default_factory=SearchConfig)

    @model_validator(mode="after")
    def _sites(self):
        names = [s.name for s in self.review_sites]
        if len(names) != len(set(names)):
            raise ValueError("review_sites: each site needs a distinct name")
        pools = [s.pool_name for s in self.review_sites if s.role == "first_pass"]
        if len(pools) != len(set(pools)):
            raise ValueError("review_sites: two first-pass sites serve the same pool; a pool is one instance")
        for rule in self.routing:
            if rule.pool not in pools:
                raise ValueError(f"routing: pool {rule.pool!r} is served by no first-pass site (pools: {pools})")
        return self

    @property
    def doc_prefix(self) -> str:
        return self.control_prefix or self.production.prefix

    def site(self, role: str) -> ReviewSite:
        """The first site with this role (the QA site; the default first-pass pool)."""
        for s in self.review_sites:
            if s.role == role:
                return s
        raise MatterError(f"review_sites: no site with role {role!r}; add one to matter.yaml")

    def site_named(self, name: str) -> ReviewSite:
        for s in self.review_sites:
            if s.name == name:
                return s
        raise MatterError(f"review_sites: no site named {name!r} (sites: {[s.name for s in self.review_sites]}); "
                          f"it was removed from matter.yaml after batches were routed to it")

    def site_for_pool(self, pool: str) -> ReviewSite:
        for s in self.review_sites:
            if s.role == "first_pass" and s.pool_name == pool:
                return s
        raise MatterError(f"review_sites: no first-pass site serves pool {pool!r}")


def _explain(err: ValidationError, path: Path) -> str:
    lines = [f"{path}: invalid matter configuration"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "missing":
            msg = "is required"
        elif e["type"] == "extra_forbidden":
            msg = "is not a known key (check spelling)"
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def load_matter(matter_dir: Path | str) -> Matter:
    path = Path(matter_dir) / MATTER_FILE
    if not path.exists():
        raise MatterError(f"{path} not found: create the matter with `lpo init {matter_dir}`")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise MatterError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(raw, dict):
        raise MatterError(f"{path}: expected a mapping of keys (name, client, protocol, ...)")
    try:
        return Matter.model_validate(raw)
    except ValidationError as e:
        raise MatterError(_explain(e, path)) from None


def write_matter(matter_dir: Path | str, matter: Matter) -> Path:
    path = Path(matter_dir) / MATTER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    data = matter.model_dump(mode="json", exclude_none=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def default_matter(name: str) -> Matter:
    prefix = re.sub(r"[^A-Z0-9]", "", name.upper())[:8] or "LPO"
    return Matter(
        name=name,
        client="(client name)",
        protocol=Protocol(
            instructions="Code each document for responsiveness to the requests, privilege, and issues.",
            issue_codes=[IssueCode(code="GENERAL", description="Relevant to the claims or defenses")],
        ),
        production=ProductionConfig(prefix=prefix),
        review_sites=[
            ReviewSite(name="offshore", url="http://localhost:8080", token_env="LPO_LS_TOKEN", role="first_pass"),
            ReviewSite(name="onshore-qa", url="http://localhost:8080", token_env="LPO_LS_TOKEN", role="qa"),
        ],
    )
