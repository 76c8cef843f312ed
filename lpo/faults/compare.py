"""What a disturbed run must equal: the store, the review site and the production of an undisturbed one.

Store rows are compared without what legitimately differs between two runs: row ids (a
PostgreSQL sequence does not roll back with a killed transaction), timestamps of when a row
was written, and Label Studio's own ids and times (projects, tasks, annotations are new on
every run). Control numbers, Bates numbers, batch names, samples and verdicts must be equal.

Production files are compared byte for byte. A file whose bytes may legitimately differ is
compared by its content instead, and listed as such: an XLSX is a zip whose members carry the
time they were written (openpyxl stamps docProps/core.xml), so its cells are compared.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lpo.models import Stage

# Per table: fields that legitimately differ between two runs of the same matter.
VOLATILE = {
    "source_files": {"id", "seen_at"},
    "documents": {"source_file_id", "ingested_at"},
    "exceptions": {"id", "source_file_id", "at"},
    "batches": {"id", "project_id", "created_at", "routed_at", "purged_at"},
    "decisions": {"id", "decided_at", "project_id", "task_id", "annotation_id", "collected_at", "superseded_at",
                  "retracted_at"},
    "qa_samples": {"id", "created_at"},
    "verdicts": {"id", "decided_at"},
    "productions": {"id", "created_at", "path"},
}
# Compared by content, not bytes (see the module's docstring).
BY_CONTENT = {".xlsx"}


def _rows(records, table: str) -> list[str]:
    return sorted(json.dumps(r.model_dump(mode="json", exclude=VOLATILE.get(table, set())), sort_keys=True,
                             ensure_ascii=False) for r in records)


def store_snapshot(ws) -> dict[str, list[str]]:
    """Every table that says what the matter holds, as sorted JSON rows."""
    s = ws.store
    docs = s.documents()
    batches = s.batches()
    snap = {
        "source_files": _rows(s.source_files(), "source_files"),
        "documents": _rows(docs, "documents"),
        "exceptions": _rows(s.exceptions(), "exceptions"),
        "batches": _rows(batches, "batches"),
        "decisions": _rows(s.decisions(), "decisions"),
        "qa_samples": _rows(s.qa_samples(), "qa_samples"),
        "verdicts": _rows(s.verdicts().values(), "verdicts"),
        "productions": _rows(s.productions(), "productions"),
        "production_documents": _rows(s.production_documents(), "production_documents"),
    }
    tags = s.pretags_of(d.control_number for d in docs)
    snap["pretags"] = sorted(json.dumps([cn, sorted((p.start, p.end, p.label, p.source, p.text) for p in ps)],
                                        ensure_ascii=False) for cn, ps in tags.items())
    # Routed and purged are states, not times: a batch that is routed in one run is routed in the other.
    snap["batch_states"] = sorted(f"{b.name} routed={b.routed_at is not None} purged={b.purged_at is not None}"
                                  for b in batches)
    return snap


def duplicate_decisions(ws) -> list[str]:
    """A document coded twice in one batch of one stage (current decisions): a task imported twice and
    coded twice, or an annotation collected twice."""
    n = Counter((d.stage.value, d.batch, d.control_number) for d in ws.store.decisions())
    return sorted(f"{st} {b} {cn} x{k}" for (st, b, cn), k in n.items() if k > 1)


@dataclass
class SiteCheck:
    projects: int = 0
    tasks: int = 0
    duplicate_projects: list[str] = field(default_factory=list)  # titles made more than once
    duplicate_tasks: list[str] = field(default_factory=list)     # "batch control-number xN"
    missing_tasks: list[str] = field(default_factory=list)       # a batch's document with no task
    duplicate_annotations: list[str] = field(default_factory=list)  # a task annotated more than once


def site_check(ws) -> SiteCheck:
    """Each batch's project on its site: every document once, annotated once."""
    from lpo.review.workflow import Sites, project_title

    sites = Sites(ws, retry_seconds=30)
    out = SiteCheck()
    titles: dict[str, Counter] = {}
    for b in ws.store.batches():
        if b.project_id is None or b.purged_at is not None:
            continue
        client = sites.client(b.site)
        if b.site not in titles:
            titles[b.site] = Counter(p.title for p in client.client.projects.list())
        if titles[b.site][project_title(ws, b.name)] > 1:
            out.duplicate_projects.append(f"{b.site}: {project_title(ws, b.name)}")
        out.projects += 1
        index = client.task_index(b.project_id)
        out.tasks += sum(len(ids) for ids in index.values())
        out.duplicate_tasks += [f"{b.name} {cn} x{len(ids)}" for cn, ids in index.items() if len(ids) > 1]
        out.missing_tasks += [f"{b.name} {cn}" for cn in b.control_numbers if cn not in index]
        for task in client.export_snapshot(b.project_id):
            done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
            if len(done) > 1:
                out.duplicate_annotations.append(f"{b.name} {task['data'].get('control_number')} x{len(done)}")
    return out


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _xlsx_cells(p: Path) -> list:
    from openpyxl import load_workbook

    wb = load_workbook(p, read_only=True)
    try:
        return [[ws.title, [list(r) for r in ws.iter_rows(values_only=True)]] for ws in wb.worksheets]
    finally:
        wb.close()


@dataclass
class ProductionCheck:
    files: int = 0
    identical: int = 0
    same_content: list[str] = field(default_factory=list)   # bytes differ, content equal (see BY_CONTENT)
    different: list[str] = field(default_factory=list)      # content differs
    missing: list[str] = field(default_factory=list)        # in the undisturbed production only
    extra: list[str] = field(default_factory=list)          # in the disturbed production only


def production_check(ref: Path, dist: Path) -> ProductionCheck:
    """Two production folders (volumes and all), file by file."""
    def files(root: Path) -> dict[str, Path]:
        return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()} if root.exists() else {}

    a, b = files(ref), files(dist)
    out = ProductionCheck(files=len(a), missing=sorted(set(a) - set(b)), extra=sorted(set(b) - set(a)))
    manifests = []
    for rel in sorted(set(a) & set(b)):
        if _sha(a[rel]) == _sha(b[rel]):
            out.identical += 1
        elif Path(rel).suffix.lower() in BY_CONTENT and _xlsx_cells(a[rel]) == _xlsx_cells(b[rel]):
            out.same_content.append(rel)
        elif Path(rel).name == "manifest.json":
            manifests.append(rel)
        else:
            out.different.append(rel)
    for rel in manifests:  # equal but for the hashes of the files compared by content
        def norm(p: Path, vol: str) -> dict:
            m = json.loads(p.read_text(encoding="utf-8"))
            for f in m.get("files", []):
                if f"{vol}/{f['path']}" in out.same_content:
                    f.pop("sha256", None)
                    f.pop("size", None)
            m.get("counts", {}).pop("bytes", None)
            return m
        vol = str(Path(rel).parent)
        if norm(a[rel], vol) == norm(b[rel], vol):
            out.same_content.append(rel)
        else:
            out.different.append(rel)
    return out


@dataclass
class SearchCheck:
    indexes: int = 0                                     # the matter's and each volume's
    different: list[str] = field(default_factory=list)   # an index or a query whose answer differs
    leftover_indices: list[str] = field(default_factory=list)  # Elasticsearch indices no alias points at


def search_check(ref_ws, ws, queries: list[str]) -> SearchCheck:
    """The matter's index and each production volume's answer as the undisturbed run's do: the same
    documents (and families), the same hits for each query; no orphan index of a killed re-index."""
    from lpo.search import SearchError, open_engine

    out = SearchCheck()
    for volume in [None, *sorted(p.volume for p in ws.store.productions())]:
        what = volume or "matter"
        a, b = open_engine(ref_ws, volume), open_engine(ws, volume)
        try:
            out.indexes += 1
            try:
                found = b.families()
            except SearchError as e:  # e.g. the volume's index was never built: a killed produce
                out.different.append(f"{what}: {e}")
                continue
            if a.families() != found:
                out.different.append(f"{what}: indexed documents differ ({a.count()} against {b.count()})")
            for q in queries:
                if a.search(q).ids() != b.search(q).ids():
                    out.different.append(f"{what}: {q!r}")
            if getattr(b, "name", "") == "elasticsearch":
                out.leftover_indices += b._orphans()
        finally:
            a.close()
            b.close()
    return out


@dataclass
class Comparison:
    """The disturbed run against the undisturbed one; every list empty is a pass."""

    documents: int = 0
    documents_lost: list[str] = field(default_factory=list)      # custodian/path of documents not in the run
    documents_extra: list[str] = field(default_factory=list)
    tables: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> {"missing": n, "extra": n}
    differences: dict[str, list[str]] = field(default_factory=dict)  # table -> first rows that differ
    duplicate_decisions: list[str] = field(default_factory=list)
    site: SiteCheck = field(default_factory=SiteCheck)
    production: ProductionCheck = field(default_factory=ProductionCheck)
    search: SearchCheck | None = None
    audit_problems: list[str] = field(default_factory=list)  # the audit log's hash chain, checked after the run

    @property
    def duplicate_tasks(self) -> int:
        return len(self.site.duplicate_tasks) + len(self.site.duplicate_projects)

    @property
    def ok(self) -> bool:
        return not (self.documents_lost or self.documents_extra or self.differences or self.duplicate_decisions
                    or self.duplicate_tasks or self.site.missing_tasks or self.site.duplicate_annotations
                    or self.production.different or self.production.missing or self.production.extra
                    or (self.search is not None and (self.search.different or self.search.leftover_indices))
                    or self.audit_problems)

    def as_dict(self) -> dict:
        return {**asdict(self), "duplicate_tasks": self.duplicate_tasks, "ok": self.ok}

    def summary(self) -> str:
        if self.ok:
            return "equal"
        parts = [f"{k}: {len(v)} rows differ, e.g. {v[:2]}" for k, v in self.differences.items()]
        for name, items in [("documents lost", self.documents_lost), ("documents extra", self.documents_extra),
                            ("duplicate decisions", self.duplicate_decisions),
                            ("duplicate tasks", self.site.duplicate_tasks + self.site.duplicate_projects),
                            ("missing tasks", self.site.missing_tasks),
                            ("duplicate annotations", self.site.duplicate_annotations),
                            ("production files differ", self.production.different),
                            ("production files missing", self.production.missing),
                            ("production files extra", self.production.extra),
                            ("search answers differ", self.search.different if self.search else []),
                            ("leftover search indices", self.search.leftover_indices if self.search else []),
                            ("audit chain problems", self.audit_problems)]:
            if items:
                parts.append(f"{name}: {len(items)}, e.g. {items[:3]}")
        return "; ".join(parts)


def compare_runs(ref_snapshot: dict[str, list[str]], ref_production: Path, ws, production: Path,
                 ref_ws=None) -> Comparison:
    """The disturbed matter `ws` and its production folder against the undisturbed run's snapshot (and,
    given the undisturbed matter `ref_ws`, their search indexes)."""
    snap = store_snapshot(ws)
    out = Comparison()
    for table in ref_snapshot:
        a, b = Counter(ref_snapshot[table]), Counter(snap.get(table, []))
        missing, extra = a - b, b - a
        out.tables[table] = {"rows": sum(a.values()), "missing": sum(missing.values()), "extra": sum(extra.values())}
        if missing or extra:
            out.differences[table] = [f"- {r[:300]}" for r in list(missing)[:3]] + \
                                     [f"+ {r[:300]}" for r in list(extra)[:3]]

    def keys(rows: list[str]) -> Counter:
        return Counter(f"{d['custodian']}/{d['source_path']}" for d in map(json.loads, rows))

    a, b = keys(ref_snapshot["documents"]), keys(snap["documents"])
    out.documents = sum(a.values())
    out.documents_lost = sorted((a - b).elements())
    out.documents_extra = sorted((b - a).elements())
    out.duplicate_decisions = duplicate_decisions(ws)
    out.site = site_check(ws)
    out.production = production_check(ref_production, production)
    if ref_ws is not None:
        out.search = search_check(ref_ws, ws, list(ws.matter.protocol.search_terms)[:5])
    out.audit_problems = audit_problems(ws)
    return out


def audit_problems(ws) -> list[str]:
    """The audit log's hash chain after kills mid-write: an event and the chain's head are written in one
    transaction, so a killed process leaves both or neither."""
    from lpo.audit import verify_chain

    check = verify_chain(ws.store.audit_events(), ws.store.audit_head())
    return [f"event {i}: {what}" for i, what in check.problems]


__all__ = ["Comparison", "ProductionCheck", "SearchCheck", "SiteCheck", "Stage", "compare_runs",
           "duplicate_decisions", "production_check", "search_check", "site_check", "store_snapshot"]
