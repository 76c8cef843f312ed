"""Email threads and inclusive emails.

Threads come from the reference graph: an email is linked to its own Message-ID, its
In-Reply-To and every References entry, and the connected groups (union-find) are threads,
even when a message in the middle is missing from the collection. Emails without In-Reply-To
and References (some clients, exports from PST/MSG, forwarded copies) fall back to their
subject: a reply or forward ("RE:", "FW:", "AW:", ...) joins the latest earlier email with the
same normalised subject that shares a participant and was sent within FALLBACK_WINDOW.

An email is inclusive when reviewing it cannot be skipped: no later email of its thread
contains its body (quoted in a reply) together with all its attachments. Reviewers read the
inclusive emails only and still see every word and attachment of the thread.
"""

from __future__ import annotations

import bisect
import hashlib
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lpo.content import ContentStore
from lpo.cull.normalise import (email_body, message_id, participants, stored_text, subject_key, unquoted,
                                  utc_minute)
from lpo.cull.unionfind import UnionFind
from lpo.models import EmailFields
from lpo.store import Store

FALLBACK_WINDOW = timedelta(days=30)
FALLBACK_SCAN = 200  # earlier same-subject emails examined per headerless reply
INCLUSIVE_COMPARE = 500  # longer emails of the thread tested for containing one email


@dataclass(slots=True)
class _Mail:
    seq: int
    control_number: str
    text_sha256: str | None
    sent: datetime | None
    subject: str
    reply: bool  # subject had a reply/forward prefix
    headers: bool  # has In-Reply-To or References
    root: str | None  # first References entry, else In-Reply-To, else own Message-ID
    people: frozenset[str]
    attachments: frozenset[str]
    thread_id: str | None
    inclusive: bool | None

    @property
    def copy_key(self) -> str | None:
        # Without a Message-ID, the same subject, participant and minute is the same message
        # saved twice; with less than that to go on, an email is only itself.
        if self.sent is None or not self.people:
            return None
        return f"{self.subject}|{min(self.people)}|{utc_minute(self.sent)}"

    @property
    def when(self) -> tuple:
        return (self.sent is None, self.sent or datetime.min.replace(tzinfo=timezone.utc), self.seq)


def _utc(dt: datetime | None) -> datetime | None:
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt


def _node(mid: str) -> int:
    # A Message-ID as a negative int: union-find keys stay small, apart from sequence numbers.
    return -1 - int.from_bytes(hashlib.blake2b(mid.encode("utf-8"), digest_size=8).digest(), "little")


def _load(store: Store, links: UnionFind, chunk: int) -> list[_Mail]:
    # About 400 bytes an email (strings interned): the reference graph needs every email at once.
    mails: list[_Mail] = []
    for rows in store.scan_documents(["control_number", "email", "text_sha256", "thread_id", "inclusive"],
                                     emails_only=True, chunk=chunk):
        for r in rows:
            f = EmailFields.model_validate(r.email)
            mid, irt = message_id(f.message_id), message_id(f.in_reply_to)
            refs = [m for m in (message_id(x) for x in f.references) if m]
            key, reply = subject_key(f.subject)
            for m in (mid, irt, *refs):
                if m:
                    links.union(r.seq, _node(m))
            sent = _utc(f.sent)
            mail = _Mail(
                seq=r.seq, control_number=r.control_number, text_sha256=r.text_sha256, sent=sent,
                subject=sys.intern(key), reply=reply, headers=bool(irt or refs),
                root=(refs[0] if refs else None) or irt or mid,
                people=frozenset(sys.intern(a) for a in participants(f)),
                attachments=frozenset(n.casefold() for n in f.attachment_names),
                thread_id=r.thread_id, inclusive=r.inclusive)
            if mail.root is None and mail.copy_key:
                links.union(r.seq, _node("copy:" + mail.copy_key))
            mails.append(mail)
    return mails


def _fallback(mails: list[_Mail], links: UnionFind) -> int:
    """Link headerless replies and forwards to the conversation their subject names."""
    by_subject: dict[str, list[tuple[datetime, int, int]]] = {}
    for i, m in enumerate(mails):
        if m.subject and m.sent is not None:
            by_subject.setdefault(m.subject, []).append((m.sent, m.seq, i))
    for lst in by_subject.values():
        lst.sort()
    linked = 0
    for m in mails:
        if m.headers or not m.reply or not m.subject or m.sent is None:
            continue
        earlier = by_subject.get(m.subject, [])
        pos = bisect.bisect_left(earlier, (m.sent, m.seq, -1))
        for sent, _, j in reversed(earlier[max(0, pos - FALLBACK_SCAN):pos]):
            if m.sent - sent > FALLBACK_WINDOW:
                break
            if mails[j].people & m.people:
                links.union(m.seq, mails[j].seq)
                linked += 1
                break
    return linked


def _thread_id(first: _Mail) -> str:
    # From the root Message-ID when there is one: the same conversation gets the same id in
    # every matter and every run. Otherwise from the subject, a participant and the sent minute,
    # and failing those from the control number.
    key = first.copy_key
    basis = first.root or (f"fallback:{key}" if key else f"doc:{first.control_number}")
    return "T-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]


def _inclusive(thread: list[_Mail], content: ContentStore) -> dict[int, bool]:
    if len(thread) == 1:
        return {thread[0].seq: True}
    bodies = {}
    for m in thread:
        bodies[m.seq] = unquoted(email_body(stored_text(content, m.text_sha256)))
    longest = sorted(thread, key=lambda m: (-len(bodies[m.seq]), m.seq))
    out = {}
    for e in thread:
        body, covered = bodies[e.seq], False
        for f in longest[:INCLUSIVE_COMPARE]:
            fb = bodies[f.seq]
            if len(fb) < len(body):
                break
            if f is e or (e.sent and f.sent and f.sent < e.sent):  # only a later email can quote it
                continue
            if len(fb) == len(body):
                covered = fb == body and e.attachments < f.attachments
            else:
                covered = body in fb and e.attachments <= f.attachments
            if covered:
                break
        out[e.seq] = not covered
    return out


def thread(store: Store, content: ContentStore, chunk: int = 2000) -> dict[str, int]:
    """Set thread_id and inclusive on every email; returns figures."""
    links = UnionFind()
    mails = _load(store, links, chunk)
    fallback = _fallback(mails, links)
    threads: dict[int, list[_Mail]] = {}
    for m in mails:
        threads.setdefault(links.find(m.seq), []).append(m)
    changes: list[tuple[str, dict]] = []
    changed = inclusive = 0
    for members in threads.values():
        members.sort(key=lambda m: m.when)
        tid = _thread_id(members[0])
        incl = _inclusive(members, content)
        for m in members:
            inclusive += incl[m.seq]
            if m.thread_id != tid or m.inclusive is not incl[m.seq]:
                changes.append((m.control_number, {"thread_id": tid, "inclusive": incl[m.seq]}))
        if len(changes) >= chunk:
            changed += store.update_culling(changes)
            changes = []
    changed += store.update_culling(changes)
    return {"emails": len(mails), "threads": len(threads), "inclusive": inclusive,
            "linked_by_subject": fallback, "changed": changed}
