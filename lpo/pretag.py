"""Pre-tagging stage: run the nlp/ pipeline over documents and store spans and the privilege screen."""

from __future__ import annotations

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
