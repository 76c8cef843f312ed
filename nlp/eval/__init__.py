"""The pre-tagging evaluation set: documents with gold PII spans and privilege coding.

Files (JSON Lines, one document a line, built by ``python -m nlp.eval.build``):

- ``generated.jsonl``: the sample matter *Acme v. Globex* (lpo.sample, seed 7),
  every document's text as the project's ingestors extract it, gold PII from
  the sample's ground truth (every occurrence of each value) and its privilege
  coding; plus synthetic documents carrying every PII type in many written
  forms among distractors (order, part, invoice and tracking numbers, dates
  that are not birth dates, numbers that fail their checksums).
- ``hard_cases.jsonl``: hand-written traps (nlp/eval/hard_cases.py).

A row::

    {"id": "...", "source": "sample" | "synthetic" | "hard", "text": "...",
     "types": ["ssn", ...],            # PII types annotated exhaustively in this row
     "pii": [{"type": "ssn", "start": 10, "end": 21, "text": "123-45-6789"}, ...],
     "privileged": true | false | null, # null: not part of the privilege figures
     "note": "..."}

Offsets are Python string indices (code points) into ``text``. A prediction of
a type outside ``types`` is not counted either way (the sample matter's ground
truth lists only its protocol's PII types).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lpo.matter import Protocol

HERE = Path(__file__).parent
FILES = ("generated.jsonl", "hard_cases.jsonl")
# Types whose values carry a check a detector can verify: the >= 0.95 goal applies to them.
CHECKSUM_TYPES = ("ssn", "payment_card", "iban", "aba_routing")


@dataclass(frozen=True)
class Gold:
    type: str
    start: int
    end: int
    text: str


@dataclass
class EvalDoc:
    id: str
    source: str
    text: str
    types: list[str]
    pii: list[Gold]
    privileged: bool | None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, row: dict) -> EvalDoc:
        doc = cls(row["id"], row["source"], row["text"], list(row["types"]),
                  [Gold(g["type"], g["start"], g["end"], g["text"]) for g in row["pii"]],
                  row.get("privileged"), row.get("note", ""))
        for g in doc.pii:
            if doc.text[g.start:g.end] != g.text:
                raise ValueError(f"eval row {doc.id}: gold {g.type} [{g.start}, {g.end}) is "
                                 f"{doc.text[g.start:g.end]!r}, not {g.text!r}; rebuild with python -m nlp.eval.build")
        return doc

    def to_json(self) -> dict:
        return {"id": self.id, "source": self.source, "text": self.text, "types": self.types,
                "pii": [{"type": g.type, "start": g.start, "end": g.end, "text": g.text} for g in self.pii],
                "privileged": self.privileged, "note": self.note}


def load(folder: Path = HERE) -> list[EvalDoc]:
    """Every document of the evaluation set, in file order."""
    docs: list[EvalDoc] = []
    for name in FILES:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: build it with `python -m nlp.eval.build`")
        with path.open(encoding="utf-8") as f:
            docs += [EvalDoc.from_json(json.loads(line)) for line in f if line.strip()]
    return docs


def eval_protocol() -> Protocol:
    """The protocol the set is judged under: the sample matter's, asking for every PII type."""
    from lpo.sample.generator import sample_matter_config
    from nlp.pii import LABELS

    return sample_matter_config().protocol.model_copy(update={"pii_types": list(LABELS)})
