"""What goes into a production, from the final coding in the store, and in which volumes.

Rules, family by family (a family is a top-level document and its attachments):
- the final decision is the attorney's QA call where there is one, else first pass;
  an exact duplicate that was not routed takes the coding of its first copy;
- a family is produced when any member is coded responsive. Its members then go
  out together, parent first, in one volume: a member withheld for privilege
  (attorney-client, work product) is replaced by a slip sheet and logged; a member
  coded not responsive is slip-sheeted too, or produced in full when matter.yaml
  says `production.nonresponsive_family_members: produce`; a partially privileged
  member is produced redacted;
- a family whose responsive members are all withheld produces nothing and is logged;
- duplicates per the protocol: ingest marks exact duplicates globally or per
  custodian (`processing.dedupe`); a family whose top-level document is a duplicate
  is not produced again (its master carries every custodian in ALLCUSTODIANS);
  de-NISTed documents are never produced;
- a family is held back (neither produced nor logged, and listed with the reason)
  while a member is uncoded, partially privileged without redaction spans, or
  not accepted by QA (`accepted`, when the caller gives QA's verdicts);
- a family already produced, or a withheld document already logged, in an earlier
  volume of the matter is not produced or logged again;
- volumes: families in control-number order, a new volume when the next family
  would take the current one past `production.volume_max_mb` (estimated from
  native sizes and page counts; a family larger than the cap gets a volume alone,
  and an estimate that fell short is reported as a note).
"""

from __future__ import annotations

import hashlib

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lpo.models import Document, Privilege, ReviewDecision
from lpo.review.batching import propagated_decisions
from lpo.workspace import Workspace

# Bytes a produced page takes, for the volume-size estimate (Group 4 TIFF at 300 dpi of a
# text page is 30-60 KB; a rendered or endorsed PDF page 5-20 KB on top of the native).
PAGE_BYTES = {"tiff": 80_000, "pdf": 25_000}


@dataclass
class FamilyPlan:
    family_id: str
    produce: list[Document]                 # in order; slip-sheeted members included
    slip_sheets: dict[str, str]             # control number -> volume.SLIP_PRIVILEGED / SLIP_NONRESPONSIVE
    family_members: set[str]                # produced in full although coded not responsive
    withheld: list[Document]                # onto the privilege log


@dataclass
class Selection:
    families: list[FamilyPlan] = field(default_factory=list)
    withheld_only: list[Document] = field(default_factory=list)   # logged, nothing of the family produced
    held: dict[str, str] = field(default_factory=dict)            # control number -> why it waits
    final: dict[str, ReviewDecision] = field(default_factory=dict)


def final_coding(ws: Workspace, docs: list[Document]) -> dict[str, ReviewDecision]:
    return propagated_decisions(docs, ws.store.final_decisions())


def logged_before(ws: Workspace) -> set[str]:
    """Control numbers put on a privilege log by an earlier volume (the produce audit events say)."""
    out: set[str] = set()
    for ev in ws.store.audit_events():
        if ev.action == "produce":
            out.update(ev.detail.get("logged", []))
    return out


def select(ws: Workspace, accepted: Callable[[str], bool] | None = None) -> Selection:
    """The families to produce and the documents to log, by the rules above.

    `accepted(control_number)`: whether QA accepted the document's batch; None
    when QA's verdicts are not given (every coded document counts as accepted).
    """
    docs = ws.store.documents()
    final = final_coding(ws, docs)
    already = {pd.control_number for pd in ws.store.production_documents()}
    logged = logged_before(ws)
    produce_nonresponsive = ws.matter.production.nonresponsive_family_members == "produce"
    from lpo.production.volume import SLIP_NONRESPONSIVE, SLIP_PRIVILEGED

    families: dict[str, list[Document]] = {}
    for d in docs:  # store order: a parent, then its attachments
        families.setdefault(d.family_id, []).append(d)
    by_cn = {d.control_number: d for d in docs}
    sel = Selection(final=final)
    for fid, members in families.items():
        top = by_cn.get(fid)
        if top is not None and top.duplicate_of:
            continue
        members = [m for m in members if not m.filtered]
        decs = {m.control_number: final.get(m.control_number) for m in members}
        if not any(dec is not None and dec.responsive is True for dec in decs.values()):
            continue
        if any(m.control_number in already for m in members):
            continue
        why = _held(members, decs, accepted)
        if why:
            sel.held.update({cn: why[cn] for cn in why})
            continue
        withheld = [m for m in members if decs[m.control_number].privilege.withheld]
        shown = [m for m in members if not decs[m.control_number].privilege.withheld
                 and decs[m.control_number].responsive is True]
        if not shown:
            sel.withheld_only.extend(m for m in withheld if decs[m.control_number].responsive is True
                                     and m.control_number not in logged)
            continue
        slips: dict[str, str] = {}
        in_full: set[str] = set()
        for m in members:
            dec = decs[m.control_number]
            if dec.privilege.withheld:
                slips[m.control_number] = SLIP_PRIVILEGED
            elif dec.responsive is not True:
                if produce_nonresponsive:
                    in_full.add(m.control_number)
                else:
                    slips[m.control_number] = SLIP_NONRESPONSIVE
        sel.families.append(FamilyPlan(fid, members, slips, in_full, withheld))
    return sel


def _held(members: list[Document], decs: dict[str, ReviewDecision | None],
          accepted: Callable[[str], bool] | None) -> dict[str, str]:
    """Why each member of the family waits (empty when the family can go out)."""
    why: dict[str, str] = {}
    for m in members:
        cn, dec = m.control_number, decs[m.control_number]
        if dec is None or dec.responsive is None:
            why[cn] = "not coded (responsive or not): the family waits for it"
        elif dec.privilege is Privilege.partial and not dec.redactions:
            why[cn] = "partially privileged without redaction spans: mark the redactions"
        elif accepted is not None and not accepted(cn):
            why[cn] = "its batch is not accepted by QA"
    if why:
        for m in members:
            why.setdefault(m.control_number, "a family member is held")
    return why


def estimate_bytes(doc: Document, image_format: str, redacted: bool = False) -> int:
    pages = doc.page_count or max(1, doc.size // 4000 if doc.email is None else 1)
    native = 0 if redacted else doc.size
    image = doc.size if image_format == "pdf" and doc.extension.lower().lstrip(".") == "pdf" else 0
    return native + image + pages * PAGE_BYTES.get(image_format, 80_000) + doc.size // 2


def plan_volumes(families: list[FamilyPlan], image_format: str, max_mb: float | None) -> list[list[FamilyPlan]]:
    """Families grouped into volumes under the size cap (families are never split)."""
    if not families:
        return []
    if max_mb is None:
        return [families]
    cap = max_mb * 1024 * 1024
    volumes: list[list[FamilyPlan]] = [[]]
    size = 0
    for fam in families:
        est = sum(estimate_bytes(d, image_format, d.control_number in fam.slip_sheets) for d in fam.produce)
        if volumes[-1] and size + est > cap:
            volumes.append([])
            size = 0
        volumes[-1].append(fam)
        size += est
    return volumes


def produce_matter(ws: Workspace, out: str | Path, *, accepted: Callable[[str], bool] | None = None,
                   workers: int | None = None, dpi: int | None = None) -> dict:
    """Produce everything the matter has ready, in as many volumes as the size cap needs."""
    from lpo.production import ProductionItem, produce_volume
    from lpo.production.imaging import DEFAULT_DPI
    from lpo.production.manifest import MANIFEST

    sel = select(ws, accepted)
    final = sel.final

    def item(d: Document, slip: str | None = None, family_member: bool = False) -> ProductionItem:
        return ProductionItem(document=d, native_path=ws.content.path(d.sha256), text=ws.text(d.text_sha256),
                              decision=final[d.control_number], slip_sheet=slip, family_member=family_member)

    cfg = ws.matter.production
    issue_labels = {c.code: c.description for c in ws.matter.protocol.issue_codes}
    previous = ws.store.productions()
    # Bates numbers continue across volumes (a volume of only a privilege log has no range).
    ends = [int(p.end_bates[len(cfg.prefix):]) for p in previous if p.end_bates]
    start = max(ends) + 1 if ends else cfg.start
    groups = plan_volumes(sel.families, cfg.image_format, cfg.volume_max_mb)
    if not groups and sel.withheld_only:
        groups = [[]]
    results = []
    notes: list[str] = []
    for n, group in enumerate(groups):
        volume = f"{cfg.prefix}{len(previous) + n + 1:03d}"
        items = [item(d, fam.slip_sheets.get(d.control_number), d.control_number in fam.family_members)
                 for fam in group for d in fam.produce]
        withheld = [item(d) for fam in group for d in fam.withheld] + \
                   ([item(d) for d in sel.withheld_only] if n == 0 else [])
        result = produce_volume(items, withheld, Path(out), cfg, volume, start, issue_labels=issue_labels,
                                workers=workers, dpi=dpi or DEFAULT_DPI)
        start = result.next_number
        ws.store.add_production(result.production, result.documents)
        p = result.production
        manifest = hashlib.sha256((result.paths.volume_dir / MANIFEST).read_bytes()).hexdigest()
        ws.store.audit("lpo", "produce", volume, {"documents": p.documents, "pages": p.pages, "withheld": p.withheld,
                                                  "begin_bates": p.begin_bates, "end_bates": p.end_bates,
                                                  "manifest_sha256": manifest,  # every delivered file, by hash
                                                  "logged": [w.document.control_number for w in withheld]},
                       input_hashes=[i.document.sha256 for i in items if i.slip_sheet is None])
        notes += result.notes
        if cfg.volume_max_mb is not None:
            import json
            size = json.loads((result.paths.volume_dir / MANIFEST).read_text())["counts"]["bytes"]
            if size > cfg.volume_max_mb * 1024 * 1024 and len(group) > 1:
                notes.append(f"{volume}: {size / 2**20:.1f} MB, over the {cfg.volume_max_mb} MB cap "
                             f"(the size estimate fell short); split it by producing again with a lower cap")
            elif size > cfg.volume_max_mb * 1024 * 1024:
                notes.append(f"{volume}: one family of {size / 2**20:.1f} MB, larger than the cap on its own")
        results.append(result)
    prods = [r.production for r in results]
    if not prods:
        notes.append("nothing to produce: no responsive family is ready (see held) and nothing new to log")
    return {
        "volume": ", ".join(p.volume for p in prods), "volumes": [p.volume for p in prods],
        "documents": sum(p.documents for p in prods), "pages": sum(p.pages for p in prods),
        "withheld": sum(p.withheld for p in prods),
        "begin_bates": next((p.begin_bates for p in prods if p.begin_bates), ""),
        "end_bates": next((p.end_bates for p in reversed(prods) if p.end_bates), ""),
        "path": prods[0].path if len(prods) == 1 else str(Path(out)),   # the volume, or the folder of them
        "paths": [p.path for p in prods],
        "held": sel.held, "held_for_redaction": sorted(cn for cn, why in sel.held.items() if "redaction" in why),
        "notes": notes,
    }


def draft_privilege_log(ws: Workspace, out: str | Path) -> int:
    """The privilege log the next production would deliver, by control number, for attorneys to
    review before anything goes out. Written as XLSX (or CSV when `out` ends in .csv); returns rows."""
    from lpo.production import privlog

    sel = select(ws)
    labels = {c.code: c.description for c in ws.matter.protocol.issue_codes}
    rows = [privlog.privlog_row(d, sel.final[d.control_number], labels)
            for fam in sel.families for d in fam.withheld]
    rows += [privlog.privlog_row(d, sel.final[d.control_number], labels) for d in sel.withheld_only]
    for fam in sel.families:
        for d in fam.produce:
            dec = sel.final[d.control_number]
            if d.control_number not in fam.slip_sheets and dec.redactions:
                row = privlog.redaction_row(d, dec, labels, "", ("", ""), [r.reason for r in dec.redactions])
                rows.append({**row, "Bates": ""})   # numbered when produced
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        privlog.write_privlog(out, rows)
    else:
        privlog.write_privlog_xlsx(out, rows, "Draft Privilege Log")
    # An export: what left the matter, when, and its hash (to match a copy found later).
    ws.store.audit("lpo", "export", "privilege-log draft", {"file": out.name, "rows": len(rows),
                                                           "sha256": hashlib.sha256(out.read_bytes()).hexdigest()},
                   input_hashes=[d.sha256 for fam in sel.families for d in fam.withheld])
    return len(rows)
