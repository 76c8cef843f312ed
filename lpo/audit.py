"""The audit log as a hash chain: each event's SHA-256 covers who, when, what, the input hashes and the
hash of the event before it, so an edited event no longer matches its hash and a deleted one breaks
the link of the next; the chain's head (count and last hash) shows a deleted last event. The store
refuses UPDATE and DELETE on the log (triggers); `lpo audit verify` finds what someone with the
database's owner rights changed anyway. Record the head hash it prints outside the matter (in the
letter that goes with a production, say) and even a chain rewritten whole shows. Each production's
event carries its manifest's SHA-256, so the chain also vouches for every delivered file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pydantic_core import to_jsonable_python

from lpo.models import AuditEvent


@dataclass(slots=True)
class Entry:
    """An event to append, built by the store from values it trusts (a pydantic model per coding
    decision cost more than the rest of its write)."""

    actor: str
    action: str
    subject: str
    detail: dict
    input_hashes: list[str] = field(default_factory=list)
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    prev_sha256: str | None = None
    sha256: str | None = None


def event_sha256(ev: AuditEvent | Entry, prev_sha256: str | None) -> str:
    """The canonical form: sorted-key JSON of the event's contents (not its id) and the previous hash."""
    body = {"prev": prev_sha256, "at": ev.at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
            "actor": ev.actor, "action": ev.action, "subject": ev.subject,
            "detail": to_jsonable_python(ev.detail), "input_hashes": list(ev.input_hashes)}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class ChainCheck:
    events: int = 0
    head_seq: int = 0
    head_sha256: str | None = None
    problems: list[tuple[int | None, str]] = field(default_factory=list)  # (event id, what is wrong)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(events, head: tuple[int, str | None]) -> ChainCheck:  # noqa: ANN001  Iterable[AuditEvent]
    check = ChainCheck(head_seq=head[0], head_sha256=head[1])
    prev = None
    for ev in events:
        check.events += 1
        if ev.prev_sha256 != prev:
            check.problems.append((ev.id, "its link to the event before it does not match: an event before it "
                                          "was deleted, or the chain was rewritten"))
        if ev.sha256 != event_sha256(ev, ev.prev_sha256):
            check.problems.append((ev.id, f"its contents ({ev.action} {ev.subject!r} by {ev.actor}) do not match "
                                          "its hash: it was edited"))
        prev = ev.sha256
    if check.events != head[0] or prev != head[1]:
        check.problems.append((None, f"the chain's head records {head[0]} events ending {str(head[1])[:16]}, the log "
                                     f"has {check.events} ending {str(prev)[:16]}: events at its end were deleted "
                                     "or added around the store"))
    return check
