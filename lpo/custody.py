"""Chain of custody: every file received, from its SHA-256 to what became of it.

One row per document or processing exception: the source file (custodian, path, SHA-256, when it
was received), the document (control number, its hash, the hash of its text), who coded it and
when (first pass and attorney QA), the final call, and where it went: the production volume, its
Bates range and every delivered file with the SHA-256 the manifest gives and whether the file on
disk still has it; or why it was withheld or held back. With the audit log's chain check, so a
reader knows the decisions behind the rows were not edited since.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lpo.audit import verify_chain
from lpo.models import Stage
from lpo.workspace import Workspace

MANIFEST = "manifest.json"


@dataclass
class CustodyRow:
    custodian: str
    source_path: str
    source_sha256: str | None
    received_at: str | None
    control_number: str | None = None
    document_sha256: str | None = None
    text_sha256: str | None = None
    family: str | None = None
    duplicate_of: str | None = None
    exception: str | None = None
    first_pass: str | None = None      # "reviewer at time: responsive/privilege"
    qa: str | None = None              # "attorney at time: confirmed/overturned"
    final_responsive: bool | None = None
    final_privilege: str | None = None
    production: str | None = None
    beg_bates: str | None = None
    end_bates: str | None = None
    produced_files: list[dict] = field(default_factory=list)  # path, sha256 (manifest), intact (on disk)
    outcome: str = ""                  # produced, withheld (privilege log), not produced, exception, ...


@dataclass
class CustodyReport:
    matter: str
    audit_events: int
    audit_head: str | None
    audit_intact: bool
    rows: list[CustodyRow]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.outcome] = out.get(r.outcome, 0) + 1
        return dict(sorted(out.items()))


def _call(d) -> str:  # noqa: ANN001
    return f"{d.reviewer} at {d.decided_at.isoformat()}: " + \
        ("responsive" if d.responsive else "not responsive") + f", {d.privilege.value}"


def _manifests(ws: Workspace) -> dict[str, tuple[Path, dict[str, str]]]:
    """Each production volume's folder and its manifest's path -> SHA-256 (empty when the folder is gone)."""
    out = {}
    for p in ws.store.productions():
        folder = Path(p.path)
        folder = folder / p.volume if (folder / p.volume / MANIFEST).exists() else folder
        try:
            files = json.loads((folder / MANIFEST).read_text())["files"]
        except (OSError, ValueError, KeyError):
            files = []
        out[p.volume] = (folder, {f["path"]: f["sha256"] for f in files})
    return out


def _intact(folder: Path, rel: str, sha: str | None, cache: dict[str, bool]) -> bool:
    key = str(folder / rel)
    if key not in cache:
        try:
            cache[key] = sha is not None and hashlib.sha256((folder / rel).read_bytes()).hexdigest() == sha
        except OSError:
            cache[key] = False
    return cache[key]


def custody_report(ws: Workspace) -> CustodyReport:
    store = ws.store
    check = verify_chain(store.audit_events(), store.audit_head())
    files = {(f.custodian, f.path): f for f in store.source_files()}
    by_id = {f.id: f for f in files.values()}
    fp, qa = store.latest_decisions(Stage.first_pass), store.latest_decisions(Stage.qa)
    final = store.final_decisions()
    produced = {pd.control_number: pd for pd in store.production_documents()}
    manifests = _manifests(ws)
    logged = {cn for e in store.audit_events() if e.action == "produce" for cn in e.detail.get("logged", [])}
    seen: dict[str, bool] = {}
    rows = []
    for d in store.documents():
        sf = by_id.get(d.source_file_id)
        r = CustodyRow(custodian=d.custodian, source_path=d.source_path, source_sha256=sf.sha256 if sf else None,
                       received_at=sf.seen_at.isoformat() if sf else None, control_number=d.control_number,
                       document_sha256=d.sha256, text_sha256=d.text_sha256, family=d.family_id,
                       duplicate_of=d.duplicate_of)
        if d.control_number in fp:
            r.first_pass = _call(fp[d.control_number])
        if d.control_number in qa:
            q = qa[d.control_number]
            r.qa = f"{q.reviewer} at {q.decided_at.isoformat()}: " + ("overturned" if q.overturned else "confirmed")
        if d.control_number in final:
            f = final[d.control_number]
            r.final_responsive, r.final_privilege = f.responsive, f.privilege.value
        pd = produced.get(d.control_number)
        if pd is not None:
            folder, hashes = manifests.get(pd.production, (Path("."), {}))
            r.production, r.beg_bates, r.end_bates = pd.production, pd.beg_bates, pd.end_bates
            for rel in [*pd.image_paths, pd.text_path, *([pd.native_path] if pd.native_path else [])]:
                sha = hashes.get(rel)
                r.produced_files.append({"path": rel, "sha256": sha, "intact": _intact(folder, rel, sha, seen)})
            r.outcome = "produced"
        elif d.control_number in logged:
            r.outcome = "withheld (privilege log)"
        elif d.duplicate_of:
            r.outcome = f"duplicate of {d.duplicate_of}"
        else:
            r.outcome = "not produced"
        rows.append(r)
    at_path: dict[tuple[str, str], list[CustodyRow]] = {}
    for r in rows:
        at_path.setdefault((r.custodian, r.source_path), []).append(r)
    for e in store.exceptions():
        if (e.custodian, e.source_path) in at_path:
            for r in at_path[(e.custodian, e.source_path)]:  # a member that could not be read is still a document
                r.exception = e.reason
            continue
        sf = files.get((e.custodian, e.source_path))
        rows.append(CustodyRow(custodian=e.custodian, source_path=e.source_path,
                               source_sha256=e.sha256 or (sf.sha256 if sf else None),
                               received_at=sf.seen_at.isoformat() if sf else None, exception=e.reason,
                               outcome=f"exception: {e.reason}"))
    return CustodyReport(matter=ws.matter.name, audit_events=check.events, audit_head=check.head_sha256,
                         audit_intact=check.ok, rows=rows)


COLUMNS = ["custodian", "source_path", "source_sha256", "received_at", "control_number", "document_sha256",
           "text_sha256", "family", "duplicate_of", "exception", "first_pass", "qa", "final_responsive",
           "final_privilege", "production", "beg_bates", "end_bates", "produced_files", "outcome"]


def write_csv(report: CustodyReport, out: Path) -> None:
    import csv

    with open(out, "w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel opens it as UTF-8
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in report.rows:
            row = asdict(r)
            row["produced_files"] = "; ".join(f"{p['path']} {p['sha256']}" + ("" if p["intact"] else " CHANGED")
                                              for p in r.produced_files)
            w.writerow(["" if row[c] is None else row[c] for c in COLUMNS])


def as_json(report: CustodyReport) -> dict:
    return {"matter": report.matter, "audit": {"events": report.audit_events, "head_sha256": report.audit_head,
                                               "intact": report.audit_intact},
            "counts": report.counts(), "rows": [asdict(r) for r in report.rows]}
