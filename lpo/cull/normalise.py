"""Normalising emails and text so that copies made by different mail systems compare equal.

One mail travels through servers and clients that each rewrite it a little: Received and
X- headers, header folding, "RE: Re:" prefixes, address case, line wrapping, quote marks.
Dedupe, threading and inclusive marking compare what is left after these are ironed out.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from datetime import datetime, timezone

from lpo.content import ContentStore
from lpo.models import EmailFields

# Reply and forward prefixes of common mail clients and languages (RE, FW, Fwd, German AW/WG,
# French TR, Nordic SV/VS/VL, Dutch Antw, Italian R/Rif, Polish Odp, Spanish/Portuguese RES/ENC,
# Turkish YNT), with counters such as "RE[2]:" and full-width colons.
REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|tr|sv|vs|vl|antw|antwort|r|rif|ref|odp|res|enc|fs|ynt)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*)+", re.I)
QUOTE_MARKS = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)


def collapse(text: str) -> str:
    """Whitespace runs to one space: re-wrapped or re-encoded line ends stop mattering."""
    return " ".join(text.split())


def subject_key(subject: str | None) -> tuple[str, bool]:
    """The subject without reply/forward prefixes, case-folded; and whether it had any."""
    s = subject or ""
    stripped = REPLY_PREFIX.sub("", s)
    return collapse(stripped).casefold(), stripped != s


def address(value: str | None) -> str:
    """'Jane Doe <Jane@Acme.com>' -> 'jane@acme.com'; a bare display name is kept, lower-cased."""
    if not value:
        return ""
    name, addr = email.utils.parseaddr(value)
    return (addr or name or value).strip().lower()


def addresses(values: list[str]) -> list[str]:
    return sorted({a for a in (address(v) for v in values) if a})


def participants(f: EmailFields) -> frozenset[str]:
    return frozenset(a for a in (address(f.from_), *addresses(f.to), *addresses(f.cc), *addresses(f.bcc)) if a)


def message_id(value: str | None) -> str | None:
    """'<ABC@host>' -> 'abc@host': clients disagree on brackets, spacing and case."""
    v = (value or "").strip().strip("<>").strip().lower()
    return v or None


def utc_minute(dt: datetime | None) -> str:
    """Sent time to the minute in UTC: servers add or drop seconds and time zones."""
    if dt is None:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M")


def email_body(text: str, fields: EmailFields | None = None) -> str:
    """The body of an email document's text: ingest puts a header block (From, To, Date,
    Subject, ...) first, then a blank line, then the body (lpo.ingest.email)."""
    if fields is not None:
        from lpo.ingest.email import email_header_block

        head = email_header_block(fields) + "\n\n"
        if text.startswith(head):
            return text[len(head):]
    if text.startswith("From:") and "\n\n" in text:  # the block as another ingestor wrote it
        return text.split("\n\n", 1)[1]
    return text


def unquoted(body: str) -> str:
    """Body for containment tests: quote marks ('> ') gone, whitespace collapsed, case-folded,
    so a reply that quotes an earlier message contains that message's normalised body."""
    return collapse(QUOTE_MARKS.sub("", body)).casefold()


def email_hash(fields: EmailFields, body: str) -> str:
    """SHA-256 of the normalised message: sender, recipients (To, Cc, Bcc: each sorted), sent
    to the minute in UTC, subject without prefixes, body and attachment names, whitespace
    collapsed. The attachment names keep a copy stripped of its attachments apart."""
    record = "\x1e".join([
        address(fields.from_),
        ",".join(addresses(fields.to)), ",".join(addresses(fields.cc)), ",".join(addresses(fields.bcc)),
        utc_minute(fields.sent),
        subject_key(fields.subject)[0],
        collapse(body),
        ",".join(sorted(collapse(n).casefold() for n in fields.attachment_names)),
    ])
    return hashlib.sha256(record.encode("utf-8")).hexdigest()


def stored_text(content: ContentStore, text_sha256: str | None) -> str:
    """A document's extracted text from the content store; a missing blob says how to repair it."""
    if not text_sha256:
        return ""
    try:
        return content.read_text(text_sha256)
    except FileNotFoundError:
        raise FileNotFoundError(f"{content.path(text_sha256)}: extracted text missing from the content store; "
                                "ingest the source again to restore it, then run cull again") from None
