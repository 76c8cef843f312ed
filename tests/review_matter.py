"""A small review matter built straight into a store (no ingest): families, threads, near-duplicates,
exact duplicates, a de-NISTed file and German documents, with text in the content store."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lpo.matter import IssueCode, Matter, ProductionConfig, Protocol, ReviewSite, RoutingRule
from lpo.models import Document, EmailFields
from lpo.workspace import Workspace

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def review_matter(batch_size: int = 4, sites: list[ReviewSite] | None = None,
                  routing: list[RoutingRule] | None = None) -> Matter:
    return Matter(
        name="Routing test", client="Acme", control_prefix="RT",
        protocol=Protocol(instructions="Code for the surcharge dispute.",
                          issue_codes=[IssueCode(code="PRICING", description="pricing"),
                                       IssueCode(code="DEFECT", description="defects")]),
        batch_size=batch_size, production=ProductionConfig(prefix="RT"),
        review_sites=sites or [ReviewSite(name="offshore", url="http://127.0.0.1:1", token_env="LPO_T1",
                                          role="first_pass")],
        routing=routing or [],
    )


def _doc(ws: Workspace, cn: str, custodian: str, text: str, *, family: str | None = None, parent: str | None = None,
         thread: str | None = None, near: str | None = None, dup: str | None = None, filtered: str | None = None,
         language: str = "en", day: int = 0, email: bool = True) -> Document:
    h = hashlib.sha256(f"{cn}:{text}".encode()).hexdigest()
    sha = ws.content.put_text(text)
    em = EmailFields(**{"from": f"{custodian}@acme.example"}, to=["buyer@globex.example"], subject=f"Re: {cn}",
                     sent=T0 + timedelta(days=day)) if email else None
    return Document(control_number=cn, custodian=custodian, parent=parent, family_id=family or cn, thread_id=thread,
                    duplicate_of=dup, md5=h[:32], sha1=h[:40], sha256=h, source_path=f"{custodian}/{cn}.eml",
                    file_name=f"{cn}.eml", extension="eml", mime_type="message/rfc822", size=len(text),
                    created=T0 + timedelta(days=day), email=em, text_sha256=sha, language=language,
                    near_duplicate_group=near, filtered=filtered)


def build(dir: Path, matter: Matter) -> Workspace:
    """27 documents: 22 to review, 4 exact duplicates and 1 de-NISTed file that are not."""
    ws = Workspace(dir=Path(dir), matter=matter)
    d = []
    # A family: email with two attachments; its thread continues in RT0004 (another family).
    d += [_doc(ws, "RT-0001", "kim", "Surcharge notice from Globex, see attachments.", thread="T1", day=1),
          _doc(ws, "RT-0002", "kim", "Attachment: price table for GX-400.", family="RT-0001", parent="RT-0001", day=1),
          _doc(ws, "RT-0003", "kim", "Attachment: the surcharge letter.", family="RT-0001", parent="RT-0001", day=1),
          _doc(ws, "RT-0004", "kim", "Re: Surcharge notice - we dispute it.", thread="T1", day=2)]
    # Near-duplicates across custodians: must be coded together.
    d += [_doc(ws, "RT-0005", "lee", "Draft supply amendment version 1, clause 4 pricing.", near="RT-0005", day=3),
          _doc(ws, "RT-0006", "kim", "Draft supply amendment version 2, clause 4 pricing.", near="RT-0005", day=9)]
    # Singletons.
    d += [_doc(ws, f"RT-{i:04d}", "lee" if i % 2 else "kim", f"Ordinary business email number {i}.", day=i)
          for i in range(7, 19)]
    # Exact duplicates of routed documents and a de-NISTed file: not routed.
    d += [_doc(ws, f"RT-{i:04d}", "pat", f"Ordinary business email number {i - 12}.", dup=f"RT-{i - 12:04d}", day=i)
          for i in range(19, 23)]
    d += [_doc(ws, "RT-0023", "pat", "setup.exe license text", filtered="nist", email=False)]
    # German documents (a family of two and a singleton): the German pool when there is one.
    d += [_doc(ws, "RT-0024", "mueller", "Bitte die Preiserhöhung prüfen.", language="de", day=4),
          _doc(ws, "RT-0025", "mueller", "Anhang: Preisliste.", family="RT-0024", parent="RT-0024", language="de", day=4),
          _doc(ws, "RT-0026", "mueller", "Lieferverzug GX-250.", language="de", day=5),
          _doc(ws, "RT-0027", "mueller", "English cover note for the German price list.", family="RT-0024",
               parent="RT-0024", day=4)]
    ws.store.add_documents(d)
    return ws


ROUTABLE = 22
