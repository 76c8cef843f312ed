"""Pre-tagging stage: run the nlp/ pipeline over documents and store spans and the privilege screen.

Incremental and resumable: each document's pre-tags are replaced in one
transaction together with the text hash they were computed on, and
``Store.unpretagged(version)`` lists only documents that are new, whose text
changed, or that an older pipeline version tagged; a run that stops half-way
resumes where it stopped.
"""

from __future__ import annotations

from collections import Counter

from lpo.matter import Protocol
from lpo.workspace import Workspace

_CACHE: dict[str, object] = {}


def pretagger(protocol: Protocol):  # noqa: ANN201
    """One pipeline per protocol per process: loading spaCy costs a second or two."""
    from nlp.pipeline import Pretagger

    key = protocol.model_dump_json()
    if key not in _CACHE:
        _CACHE[key] = Pretagger(protocol)
    return _CACHE[key]


def close_pretaggers() -> None:
    """Stop the worker processes of the cached pipelines (they restart on next use)."""
    for tagger in _CACHE.values():
        tagger.close()


def pretag_documents(ws: Workspace, control_numbers: list[str]) -> int:
    tagger = pretagger(ws.matter.protocol)
    docs = ws.store.documents(control_numbers)
    items = ((d.control_number, ws.text(d.text_sha256)) for d in docs)
    text_hash = {d.control_number: d.text_sha256 for d in docs}
    n = 0
    for cn, tags, score, reasons in tagger.tag(items):
        ws.store.replace_pretags(cn, tags, tagger.version, score, reasons, text_hash[cn])
        n += 1
    return n


def _pii_type(source: str, label: str) -> str:
    # rules are named "pii:<type>"; fall back on the label for tags from elsewhere
    if source.startswith("pii:"):
        return source.split(":", 1)[1]
    return label.removeprefix("PII_").lower()


def pretag_report(ws: Workspace) -> list[dict]:
    """One object per document, in control-number order: what pre-tagging found in it.

    ``privilege_flag`` is ``privilege_score >= protocol.privilege_threshold``;
    ``pii`` counts PII spans by type; ``terms`` counts search-term hits by term.
    A document not pre-tagged yet (or without text) has ``pretagged`` false and
    null score and flag.
    """
    threshold = ws.matter.protocol.privilege_threshold
    screen = ws.store.privilege_screen()
    rows = []
    for d in ws.store.documents():
        cn = d.control_number
        row: dict = {"control_number": cn, "file_name": d.file_name, "custodian": d.custodian,
                     "pretagged": cn in screen, "privilege_score": None, "privilege_flag": None,
                     "privilege_reasons": [], "pii": {}, "terms": {}}
        if cn in screen:
            score, reasons = screen[cn]
            tags = ws.store.pretags(cn)
            pii = Counter(_pii_type(t.source, t.label) for t in tags if t.label.startswith("PII_"))
            terms = Counter(t.source.split(":", 1)[1] for t in tags if t.label == "TERM" and ":" in t.source)
            row.update(privilege_score=score, privilege_flag=score >= threshold, privilege_reasons=list(reasons),
                       pii=dict(sorted(pii.items())), terms=dict(sorted(terms.items())))
        rows.append(row)
    return rows
