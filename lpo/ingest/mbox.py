"""MBOX mailboxes: the mailbox a container document, each message a child .eml.

Messages start at a "From_" line (RFC 4155: "From sender asctime-date"). Body lines that
begin with "From " are quoted as ">From " by the writer; mboxrd quotes ">From " as
">>From " too, so one ">" is taken off every ">...>From " line (mboxo files differ only
on lines that already began with ">From ", which are rare).
"""

from __future__ import annotations

import email.header
import email.parser
import email.policy
import re

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Child,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)

# "From sender Tue Apr  4 10:00:00 2023" and variants ("From - Tue, ...", two spaces, a zone):
# a weekday then a time on the line, so "From the desk of..." in a body never splits a message.
FROM_LINE = re.compile(rb"^From \S*[ \t]+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b[^\r\n]*\d{1,2}:\d{2}[^\r\n]*\r?$", re.MULTILINE)
QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
UNSAFE = re.compile(r"[^\w\-. ]+")


def is_mbox(data: bytes) -> bool:
    """Two messages at least: one .eml saved with its From_ line is an email, not a mailbox."""
    first = FROM_LINE.match(data[:1024]) if data.startswith(b"From ") else None
    return first is not None and FROM_LINE.search(data, first.end()) is not None


def _subject(raw: bytes) -> str:
    try:
        head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:65536])
        value = head.get("subject") or ""
        parts = email.header.decode_header(str(value))
        return "".join(p.decode(c or "utf-8", "replace") if isinstance(p, bytes) else p for p, c in parts)
    except Exception:  # noqa: BLE001  a broken header only costs the file its subject in its name
        return ""


def message_name(index: int, subject: str) -> str:
    """'0001-Quarterly pricing.eml': numbered so the mailbox order shows, safe in any folder."""
    s = UNSAFE.sub("_", subject).strip(" ._")[:60].rstrip(" ._")
    return f"{index:04d}-{s or 'message'}.eml"


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of a mailbox, From_ lines removed and >From quoting undone."""
    starts = [m.start() for m in FROM_LINE.finditer(data)]
    out = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        body_start = data.find(b"\n", start, end)
        msg = data[body_start + 1:end] if body_start >= 0 else b""
        msg = QUOTED_FROM.sub(rb"\1", msg)
        if msg.endswith(b"\r\n"):  # the blank line before the next From_ belongs to the mailbox
            msg = msg[:-2]
        elif msg.endswith(b"\n"):
            msg = msg[:-1]
        out.append(msg)
    return out


@register
class MboxIngestor(Ingestor):
    name = "mbox"
    mime_types = ("application/mbox",)
    extensions = ("mbox", "mbx")

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return is_mbox(data)

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        messages = split_mbox(data)
        if not messages:
            raise IngestError("corrupt", f"{name}: no 'From ' separator line found, so it holds no message an mbox "
                              "reader can find; check that it is a mailbox, or export the mailbox again")
        children, listing = [], []
        for i, raw in enumerate(messages, start=1):
            subject = _subject(raw)
            children.append(Child(name=message_name(i, subject), data=raw))
            listing.append(f"{i:04d}\t{subject}")
        return Extracted(text="\n".join(listing), children=children)
