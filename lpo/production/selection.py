"""What goes into a production, from the final coding in the store.

Rules (the [Production] issue deepens them):
- the final decision is the attorney's QA call where there is one, else first pass;
  an exact duplicate that was not routed takes the coding of its first copy;
- produced: responsive and not withheld for privilege (partially privileged documents
  are produced redacted); withheld: responsive and privileged, onto the privilege log;
- a family whose top-level document is an exact duplicate of another family is not
  produced again (family-level de-duplication);
- a document already produced in an earlier volume is not produced again;
- a partially privileged document with no redaction spans is held back (neither
  produced nor logged): it needs its redactions marked before it can go out.
"""

from __future__ import annotations

from pathlib import Path

from lpo.models import Document, Privilege, ReviewDecision
from lpo.workspace import Workspace


def final_coding(ws: Workspace, docs: list[Document]) -> dict[str, ReviewDecision]:
    final = ws.store.final_decisions()
    for d in docs:
        if d.control_number not in final and d.duplicate_of in final:
            final[d.control_number] = final[d.duplicate_of].model_copy(update={"control_number": d.control_number})
    return final


def select(ws: Workspace) -> tuple[list[Document], list[Document], list[Document], dict[str, ReviewDecision]]:
    docs = ws.store.documents()
    by_cn = {d.control_number: d for d in docs}
    final = final_coding(ws, docs)
    already = {pd.control_number for pd in ws.store.production_documents()}
    produce, withhold, held = [], [], []
    for d in docs:  # store order: a parent, then its attachments
        dec = final.get(d.control_number)
        top = by_cn.get(d.family_id)
        if dec is None or dec.responsive is not True or d.control_number in already:
            continue
        if top is not None and top.duplicate_of:
            continue
        if dec.privilege.withheld:
            withhold.append(d)
        elif dec.privilege is Privilege.partial and not dec.redactions:
            held.append(d)
        else:
            produce.append(d)
    return produce, withhold, held, final


def produce_matter(ws: Workspace, out: str | Path) -> dict:
    from lpo.production import ProductionItem, produce_volume

    produce, withhold, held, final = select(ws)

    def item(d: Document) -> ProductionItem:
        return ProductionItem(document=d, native_path=ws.content.path(d.sha256), text=ws.text(d.text_sha256),
                              decision=final[d.control_number])

    cfg = ws.matter.production
    previous = ws.store.productions()
    volume = f"{cfg.prefix}{len(previous) + 1:03d}"
    # Bates numbers continue across volumes (a volume of only a privilege log has no range).
    ends = [int(p.end_bates[len(cfg.prefix):]) for p in previous if p.end_bates]
    start = max(ends) + 1 if ends else cfg.start
    result = produce_volume([item(d) for d in produce], [item(d) for d in withhold], Path(out), cfg, volume, start)
    ws.store.add_production(result.production, result.documents)
    ws.store.audit("lpo", "produce", volume, {"documents": result.production.documents,
                                              "pages": result.production.pages,
                                              "withheld": result.production.withheld,
                                              "begin_bates": result.production.begin_bates,
                                              "end_bates": result.production.end_bates},
                   input_hashes=[d.sha256 for d in produce])
    p = result.production
    return {"volume": p.volume, "documents": p.documents, "pages": p.pages, "withheld": p.withheld,
            "held_for_redaction": [d.control_number for d in held],
            "begin_bates": p.begin_bates, "end_bates": p.end_bates, "path": p.path}
