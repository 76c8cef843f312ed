"""Exact duplicates (SHA-256 of the native) and email duplicates (normalised email hash).

Scope is the matter's `processing.dedupe`: "global" (one copy reviewed for the whole matter)
or "custodian" (one copy per custodian). The master is the first copy by control number; it
keeps every custodian holding a copy (`custodians`), and every other copy points at it
(`duplicate_of`). Email duplicates are the same message saved by different systems, so the
natives differ (Received and X- headers, folding) while the normalised hash agrees: they
join the group of the first such email. Only documents that share a value are loaded.
"""

from __future__ import annotations

from typing import Literal

from lpo.content import ContentStore
from lpo.cull.normalise import email_body, email_hash, stored_text
from lpo.cull.unionfind import UnionFind
from lpo.models import EmailFields
from lpo.store import Store

Scope = Literal["global", "custodian"]


def hash_emails(store: Store, content: ContentStore, chunk: int = 500) -> int:
    """Fill `email_hash` for emails that have none yet: it depends only on the document, so a
    re-run computes nothing."""
    done = 0
    for rows in store.scan_documents(["control_number", "email", "text_sha256"], emails_only=True,
                                     null=["email_hash"], chunk=chunk):
        changes = []
        for r in rows:
            fields = EmailFields.model_validate(r.email)
            body = email_body(stored_text(content, r.text_sha256), fields)
            changes.append((r.control_number, {"email_hash": email_hash(fields, body)}))
        done += store.update_culling(changes)
    return done


def dedupe(store: Store, scope: Scope = "global", chunk: int = 2000) -> dict[str, int]:
    groups = UnionFind()
    who: dict[int, tuple[str, str]] = {}  # seq -> (control number, custodian), for grouped documents only
    exact: set[int] = set()

    def key(r, value: str):  # noqa: ANN001, ANN202
        return (r.custodian, value) if scope == "custodian" else value

    first: dict = {}
    for r in store.documents_sharing("sha256", ["control_number", "custodian"]):
        who[r.seq] = (r.control_number, r.custodian)
        k = key(r, r.sha256)
        if k in first:
            groups.union(first[k], r.seq)
            exact.add(r.seq)
        else:
            first[k] = r.seq
    first.clear()
    email_dups = 0
    for r in store.documents_sharing("email_hash", ["control_number", "custodian"]):
        if r.seq in exact:  # already an exact duplicate of its master, which is compared here
            continue
        who[r.seq] = (r.control_number, r.custodian)
        k = key(r, r.email_hash)
        if k in first:
            groups.union(first[k], r.seq)
            email_dups += 1
        else:
            first[k] = r.seq
    first.clear()

    holders: dict[int, set[str]] = {}
    for s, (_, cust) in who.items():
        holders.setdefault(groups.find(s), set()).add(cust)

    def wanted(r) -> tuple[str | None, list[str]]:  # noqa: ANN001
        root = groups.find(r.seq)
        if root != r.seq:
            return who[root][0], []
        return None, sorted(holders.get(root, {r.custodian}))

    changed = duplicates = 0
    for rows in store.scan_documents(["control_number", "custodian", "duplicate_of", "custodians"], chunk=chunk):
        changes: list[tuple[str, dict]] = []
        for r in rows:
            dup, custs = wanted(r)
            duplicates += dup is not None
            if dup != r.duplicate_of or custs != list(r.custodians or []):
                changes.append((r.control_number, {"duplicate_of": dup, "custodians": custs}))
        changed += store.update_culling(changes)
    return {"duplicates": duplicates, "exact_duplicates": len(exact), "email_duplicates": email_dups,
            "changed": changed}

