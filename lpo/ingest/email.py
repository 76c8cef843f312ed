"""RFC 822 email (.eml): headers into email fields, the body as text, attachments as children."""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from email.message import EmailMessage

from lpo.ingest.base import Child, DEFAULT_CONTEXT, Extracted, IngestContext, IngestError, Ingestor, register
from lpo.models import EmailFields

HEADER = re.compile(rb"^(From|To|Subject|Date|Message-ID|Received|Return-Path|MIME-Version):", re.I | re.M)


def _addresses(msg: EmailMessage, key: str) -> list[str]:
    values = msg.get_all(key) or []
    # "Name <addr>" without RFC quoting: these strings go to reviewers and privilege logs.
    return [f"{name} <{addr}>" if name else addr
            for name, addr in email.utils.getaddresses([str(v) for v in values]) if addr or name]


def _date(msg: EmailMessage, key: str):  # noqa: ANN202
    v = msg.get(key)
    if not v:
        return None
    try:
        return email.utils.parsedate_to_datetime(str(v))
    except (TypeError, ValueError):
        return None


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        # Minimal tag strip; the [Processing] work renders HTML properly.
        text = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", text, flags=re.S | re.I)
        text = re.sub(r"<br\s*/?>|</p>", "\n", text, flags=re.I)
        text = re.sub(r"<[^>]+>", "", text)
    return text


def email_header_block(f: EmailFields) -> str:
    lines = [f"From: {f.from_ or ''}", f"To: {', '.join(f.to)}"]
    if f.cc:
        lines.append(f"Cc: {', '.join(f.cc)}")
    lines.append(f"Date: {f.sent.isoformat() if f.sent else ''}")
    lines.append(f"Subject: {f.subject or ''}")
    if f.attachment_names:
        lines.append(f"Attachments: {'; '.join(f.attachment_names)}")
    return "\n".join(lines)


@register
class EmailIngestor(Ingestor):
    name = "email"
    mime_types = ("message/rfc822",)
    extensions = ("eml",)

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        head = data[:2048]
        return len(HEADER.findall(head)) >= 3

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        try:
            msg = email.message_from_bytes(data, policy=email.policy.default)
            children: list[Child] = []
            for i, part in enumerate(msg.iter_attachments()):
                payload = part.get_payload(decode=True)
                if payload is None:  # message/rfc822 attachment: keep it whole
                    payload = part.get_content().as_bytes() if part.get_content_type() == "message/rfc822" else b""
                fname = part.get_filename() or f"attachment-{i + 1}"
                children.append(Child(name=fname, data=payload))
            fields = EmailFields(
                from_=(_addresses(msg, "from") or [None])[0], to=_addresses(msg, "to"), cc=_addresses(msg, "cc"),
                bcc=_addresses(msg, "bcc"), subject=str(msg.get("subject") or "") or None,
                sent=_date(msg, "date"), message_id=(str(msg.get("message-id") or "").strip() or None),
                in_reply_to=(str(msg.get("in-reply-to") or "").strip() or None),
                references=str(msg.get("references") or "").split(),
                attachment_names=[c.name for c in children])
            body = _body(msg)
        except Exception as e:
            raise IngestError("corrupt", f"{name}: the email cannot be parsed ({type(e).__name__}: {e})") from None
        # The review text carries the header block, as a reviewer expects to see it.
        return Extracted(text=email_header_block(fields) + "\n\n" + body, email=fields, children=children,
                         title=fields.subject, author=fields.from_, created=fields.sent)
