"""What a search index holds per document, read from the matter or from a production volume."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass
class IndexDoc:
    id: str                      # control number (matter) or beginning Bates number (production)
    family_id: str               # parent's id: families are searched and counted together
    text: str = ""
    subject: str = ""
    from_: str = ""
    to: str = ""                 # to, cc and bcc
    custodian: str = ""
    file_name: str = ""
    date: str | None = None      # YYYY-MM-DD: sent for an email, else last modified, else created
    extra: dict = field(default_factory=dict)


def _day(*candidates: object) -> str | None:
    for v in candidates:
        if isinstance(v, datetime):
            return v.date().isoformat()
        if isinstance(v, str) and len(v) >= 10:
            return v[:10]
    return None


def matter_documents(ws, chunk: int = 500) -> Iterator[list[IndexDoc]]:  # noqa: ANN001
    """Every document of the matter with its extracted text, a chunk at a time (memory holds one chunk)."""
    fields = ["control_number", "family_id", "custodian", "file_name", "email", "text_sha256", "modified",
              "created", "title"]
    for rows in ws.store.scan_documents(fields, chunk=chunk):
        out = []
        for r in rows:
            e = r.email or {}
            out.append(IndexDoc(
                id=r.control_number, family_id=r.family_id or r.control_number, text=ws.text(r.text_sha256),
                subject=e.get("subject") or r.title or "", from_=e.get("from_") or e.get("from") or "",  # stored by field name
                to=" ; ".join([*e.get("to", []), *e.get("cc", []), *e.get("bcc", [])]),
                custodian=r.custodian or "", file_name=r.file_name or "",
                date=_day(e.get("sent"), r.modified, r.created)))
        yield out


def production_documents(ws, volume: str, chunk: int = 500) -> Iterator[list[IndexDoc]]:  # noqa: ANN001
    """A production as the receiving party sees it: the produced (redacted) text by Bates number, the
    family by attachment range, the custodian. Nothing else: metadata a redaction covered stays out."""
    prods = {p.volume: p for p in ws.store.productions()}
    if volume not in prods:
        known = ", ".join(sorted(prods)) or "none yet"
        raise KeyError(f"no production volume {volume!r} in {ws.dir} (volumes: {known}); run `lpo produce` first")
    root = Path(prods[volume].path)
    custodians = {}
    out: list[IndexDoc] = []
    for pd in ws.store.production_documents(volume):
        if pd.control_number not in custodians:
            custodians.update({d.control_number: d.custodian for d in ws.store.documents([pd.control_number])})
        text_file = root / pd.text_path
        text = text_file.read_text(encoding="utf-8-sig") if text_file.exists() else ""
        out.append(IndexDoc(id=pd.beg_bates, family_id=pd.beg_attach or pd.beg_bates, text=text,
                            custodian=custodians.get(pd.control_number, "")))
        if len(out) >= chunk:
            yield out
            out = []
    if out:
        yield out
