"""RFC 822 email (.eml): headers into email fields, the body as text, attachments as children.

Real mail is often broken: unknown or wrong charsets, 8-bit bytes in headers, missing
boundaries, HTML-only bodies. None of that may stop the message from becoming a
document: text is decoded with replacement, headers that cannot be parsed are kept
raw, and only a message with no headers at all is an exception.
"""

from __future__ import annotations

import codecs
import email
import email.header
import email.policy
import email.utils
import mimetypes
import re
from datetime import datetime
from email.message import Message
from html.parser import HTMLParser

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Child,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)
from lpo.ingest.mbox import is_mbox
from lpo.models import EmailFields

FIELD = re.compile(rb"^[!-9;-~]+[ \t]*:")  # RFC 5322 field name, then a colon (obsolete syntax: after blanks)
OBS_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)
FROM_LINE = re.compile(rb"^From [^\r\n]*\r?\n")  # an mbox separator before a single message
CORE = {b"from", b"to", b"subject", b"date", b"message-id", b"received", b"return-path", b"mime-version",
        b"delivered-to", b"in-reply-to", b"references", b"content-type", b"cc", b"reply-to", b"sender"}
MSGID = re.compile(r"<[^<>\s]+>")
UNFOLD = re.compile(r"\r?\n(?=[ \t])")
# Labels that lie: mail declared ASCII or Latin-1 is most often Windows-1252, GB2312 is GBK.
SUPERSET = {"us-ascii": "cp1252", "ascii": "cp1252", "iso-8859-1": "cp1252", "latin-1": "cp1252",
            "latin1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "unknown-8bit": "",
            "x-unknown": "", "unknown": "", "8bit": "", "default": ""}


class _RawHeaders(email.policy.Compat32):
    """compat32 that hands back header values as written: stock compat32 turns 8-bit values
    into Header objects whose text is replacement characters, losing a Cyrillic file name."""

    def header_fetch_parse(self, name, value):
        return value


RAW = _RawHeaders()


def looks_like_email(data: bytes) -> bool:
    """The file opens with a header block: every line a field or a folded continuation up to
    the blank line, with at least two fields and one a mail header. Long Received and
    X- headers can push From and Subject far down, so the whole first 16 KB is read."""
    names: set[bytes] = set()
    if data.startswith(b"From ") and not FIELD.match(data):
        if is_mbox(data):  # whichever of the two registered first, a mailbox is the mbox ingestor's
            return False
        data = FROM_LINE.sub(b"", data[:16384], count=1)
    lines = data[:16384].split(b"\n")
    complete = len(data) <= 16384
    for i, line in enumerate(lines):
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t") and names:
            continue
        m = FIELD.match(line)
        if not m:
            if i == len(lines) - 1 and not complete:  # cut at the 16 KB mark
                break
            return False
        names.add(m.group()[:-1].rstrip().lower())
    return len(names) >= 2 and bool(names & CORE)


def normalise_headers(data: bytes) -> bytes:
    """What Python's parser needs of old or mbox-exported mail: no leading 'From ' separator
    line, and no blanks between a field name and its colon (RFC 822's obsolete syntax,
    'Subject  : Hello', which the parser would otherwise read as the start of the body)."""
    if data.startswith(b"From ") and not FIELD.match(data):
        data = FROM_LINE.sub(b"", data, count=1)
    end = data.find(b"\n\r\n") if b"\n\r\n" in data[:65536] else data.find(b"\n\n")
    head = data[:end] if end >= 0 else data
    if OBS_FIELD.search(head):
        data = OBS_FIELD.sub(rb"\1:", head) + data[len(head):]
    return data


def clean(s: str, hint: str | None = None) -> str:
    """A string safe for the store: 8-bit header bytes (kept as surrogates by the parser)
    decoded as UTF-8, else in the message's own charset (`hint`), else Windows-1252; NULs
    removed (PostgreSQL text refuses them)."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raw = s.encode("utf-8", "surrogateescape")
        s = decode_text(raw, hint)
        s = s.encode("utf-8", "replace").decode("utf-8")  # lone surrogates that were never bytes
    return s.replace("\x00", "")


def decode_text(payload: bytes, charset: str | None) -> str:
    """Bytes of a text part in its declared charset; an unknown or wrong charset never fails.
    Non-ASCII bytes that are valid UTF-8 are UTF-8 whatever the label says (mislabelled mail
    is common; Latin-1 or GBK text that happens to be valid UTF-8 is not)."""
    cs = (charset or "").strip().strip('"').lower()
    if not payload.isascii() and not cs.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
    cs = SUPERSET.get(cs, cs)
    if cs:
        try:
            codecs.lookup(cs)
            return payload.decode(cs, "replace")
        except (LookupError, ValueError):
            pass
    return payload.decode("cp1252", "replace")


class _Text(HTMLParser):
    SKIP = {"script", "style", "head", "title", "noscript", "template"}
    BREAK = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BREAK:
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append("\t")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BREAK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body: script, style and head dropped, block tags as line breaks."""
    p = _Text()
    try:
        p.feed(html)
        p.close()
    except Exception:  # noqa: BLE001  HTMLParser is lenient; a failure keeps what was read
        pass
    text = "\n".join(line.rstrip(" \t") for line in "".join(p.out).replace("\xa0", " ").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class Headers:
    """A message's headers as written (compat32 leaves them raw: the modern policy parses each
    one into objects, which is most of the cost of reading mail), decoded on demand."""

    def __init__(self, msg: Message, hint: str | None = None):
        self.hint = hint
        self.raw: dict[str, list[str]] = {}
        for k, v in msg.raw_items():
            self.raw.setdefault(k.lower(), []).append(v if isinstance(v, str) else str(v))

    def all(self, key: str) -> list[str]:
        return [UNFOLD.sub("", v) for v in self.raw.get(key, [])]

    def first(self, key: str) -> str:
        values = self.all(key)
        return values[0] if values else ""

    def text(self, key: str) -> str:
        return decode_words(self.first(key), self.hint)

    def addresses(self, key: str) -> list[str]:
        values = self.all(key)
        try:
            pairs = email.utils.getaddresses(values)
        except Exception:  # noqa: BLE001
            pairs = [("", v) for v in values]
        out = []
        for name, addr in pairs:
            name, addr = decode_words(name, self.hint), clean(addr, self.hint).strip()
            # "Name <addr>" without RFC quoting: these strings go to reviewers and privilege logs.
            a = f"{name} <{addr}>" if name and addr else (addr or name)
            if a and a != "<>":
                out.append(a)
        return out


def decode_words(raw: str, hint: str | None = None) -> str:
    """An RFC 2047 header value ('=?utf-8?B?...?=') as text; unknown charsets and 8-bit bytes
    decoded with replacement, never an error."""
    if "=?" not in raw:
        return clean(raw, hint).strip()
    try:
        parts = email.header.decode_header(raw)
    except Exception:  # noqa: BLE001
        return clean(raw, hint).strip()
    out = []
    for text, charset in parts:
        if isinstance(text, bytes):
            text = decode_text(text, charset) if charset else clean(text.decode("raw-unicode-escape", "replace"), hint)
        out.append(text)
    return clean("".join(out)).strip()


def parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def received_date(h: Headers) -> datetime | None:
    """When the message arrived: the date of the topmost Received header (the last hop)."""
    for v in h.all("received"):
        d = parse_date(v.rsplit(";", 1)[-1]) if ";" in v else None
        if d:
            return d
    return None


def message_ids(value: str) -> list[str]:
    return MSGID.findall(value) or value.split()


def payload_of(part: Message):
    """The part's payload as parsed (sub-parts, or the body still transfer-encoded). get_payload
    itself can fail on 8-bit bytes under a bad charset parameter; the parsed value is then taken as is."""
    try:
        return part.get_payload()
    except Exception:  # noqa: BLE001
        return getattr(part, "_payload", None)


def _payload(part: Message) -> bytes:
    """A leaf part's bytes: decoded transfer encoding, or the serialised message for message/*."""
    inner = payload_of(part)
    if isinstance(inner, (list, Message)):
        items = inner if isinstance(inner, list) else [inner]
        return b"\n".join(as_bytes(i) if isinstance(i, Message) else str(i).encode("utf-8", "replace")
                          for i in items)
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        data = None
    if data is None:
        data = (inner or "").encode("utf-8", "surrogateescape") if isinstance(inner, str) else b""
    return data


def as_bytes(msg: Message) -> bytes:
    """A parsed message back to bytes as faithfully as the generator allows."""
    try:
        return msg.as_bytes(policy=email.policy.compat32)
    except Exception:  # noqa: BLE001  a header the generator refuses to fold: write it out as parsed
        head = b"".join(f"{k}: {v}\n".encode("utf-8", "surrogateescape") for k, v in msg.raw_items())
        inner = payload_of(msg)
        if isinstance(inner, list):
            body = b"\n".join(as_bytes(m) for m in inner if isinstance(m, Message))
        else:
            body = str(inner or "").encode("utf-8", "surrogateescape")
        return head + b"\n" + body


def _is_inline_text(part: Message) -> bool:
    try:
        disposition, fname = part.get_content_disposition(), part.get_filename()
    except Exception:  # noqa: BLE001
        disposition, fname = None, None
    return part.get_content_type() in ("text/plain", "text/html") and disposition != "attachment" and not fname


def _leaves(part: Message, body: bool = True):
    """(leaf, is it body) in order. Of a multipart/alternative only one rendering is body
    (plain text first); the others are walked for the files they carry (inline images).
    Attached messages are leaves, not descended into."""
    ctype = part.get_content_type()
    subs = payload_of(part) if part.get_content_maintype() == "multipart" else None
    if not isinstance(subs, list):
        yield part, body
        return
    subs = [s for s in subs if isinstance(s, Message)]
    chosen = None
    if ctype == "multipart/alternative" and body:
        for want in ("text/plain", "text/html"):
            chosen = next((s for s in subs if s.get_content_type() == want and _is_inline_text(s)), None)
            if chosen is not None:
                break
        if chosen is None and subs:
            chosen = subs[-1]  # e.g. multipart/related holding the HTML and its images
    for sub in subs:
        yield from _leaves(sub, body and (chosen is None or sub is chosen))


def first_charset(msg: Message) -> str | None:
    """The charset the message declares first: the best guess for 8-bit bytes in its headers."""
    for part in msg.walk():
        try:
            cs = part.get_content_charset()
        except Exception:  # noqa: BLE001
            cs = None
        if cs:
            return cs
    return None


def _part_text(part: Message) -> str:
    text = decode_text(_payload(part), part.get_content_charset())
    return html_to_text(text) if part.get_content_type() == "text/html" else text


def attachment_name(part: Message, index: int) -> str:
    """The part's file name, or one made from its content type ('attachment-2.pdf')."""
    try:
        fname = part.get_filename()
    except Exception:  # noqa: BLE001
        fname = None
    ctype = part.get_content_type()
    if fname:
        fname = decode_words(str(fname), part.get_content_charset())
        fname = fname.replace("/", "_").replace("\\", "_").strip() or None
    if ctype == "message/rfc822":
        if not fname:
            inner = payload_of(part)
            inner = inner[0] if isinstance(inner, list) and inner else inner
            subject = Headers(inner).text("subject") if isinstance(inner, Message) else ""
            fname = re.sub(r"[^\w\-. ]+", "_", subject).strip(" ._")[:60] or f"attached-message-{index}"
        return fname if fname.lower().endswith(".eml") else fname + ".eml"
    if fname:
        return fname
    ext = {"message/delivery-status": ".txt", "text/rfc822-headers": ".txt", "message/disposition-notification":
           ".txt", "text/plain": ".txt"}.get(ctype) or mimetypes.guess_extension(ctype) or ".bin"
    return f"attachment-{index}{ext}"


def email_header_block(f: EmailFields) -> str:
    lines = [f"From: {f.from_ or ''}", f"To: {', '.join(f.to)}"]
    if f.cc:
        lines.append(f"Cc: {', '.join(f.cc)}")
    lines.append(f"Date: {f.sent.isoformat() if f.sent else ''}")
    lines.append(f"Subject: {f.subject or ''}")
    if f.attachment_names:
        lines.append(f"Attachments: {'; '.join(f.attachment_names)}")
    return "\n".join(lines)


def _body_and_children(msg: Message) -> tuple[str, list[Child]]:
    texts: list[str] = []
    children: list[Child] = []
    for part, body in _leaves(msg):
        if part.get_content_maintype() == "multipart":  # a multipart whose boundary is missing: raw text
            texts.append(decode_text(_payload(part), None))
        elif _is_inline_text(part):
            if body:
                texts.append(_part_text(part))
        else:
            children.append(Child(name=attachment_name(part, len(children) + 1), data=_payload(part)))
    body_text = "\n\n".join(t.strip("\r\n") for t in texts if t.strip())
    return clean(body_text), children


@register
class EmailIngestor(Ingestor):
    name = "email"
    mime_types = ("message/rfc822",)
    extensions = ("eml",)

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return looks_like_email(data)

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        try:
            msg = email.message_from_bytes(normalise_headers(data), policy=RAW)
        except Exception as e:  # noqa: BLE001
            raise IngestError("corrupt", f"{name}: the email cannot be parsed ({type(e).__name__}: {e}); ask the "
                              "client for a fresh export of the message") from None
        if not msg.keys():
            raise IngestError("corrupt", f"{name}: no email headers found; if it is a message, export it again "
                              "as .eml or .msg")
        try:
            body, children = _body_and_children(msg)
        except RecursionError:
            raise IngestError("corrupt", f"{name}: MIME parts nested too deeply to read; review the native or ask "
                              "the client for a fresh export") from None
        h = Headers(msg, hint=first_charset(msg))
        fields = EmailFields(
            from_=(h.addresses("from") or [None])[0], to=h.addresses("to"), cc=h.addresses("cc"),
            bcc=h.addresses("bcc"), subject=h.text("subject") or None,
            sent=parse_date(h.first("date")), received=received_date(h),
            message_id=clean(h.first("message-id")).strip() or None,
            in_reply_to=(message_ids(clean(h.first("in-reply-to"))) or [None])[0],
            references=message_ids(clean(" ".join(h.all("references")))),
            attachment_names=[c.name for c in children])
        # The review text carries the header block, as a reviewer expects to see it.
        return Extracted(text=email_header_block(fields) + "\n\n" + body, email=fields, children=children,
                         title=fields.subject, author=fields.from_, created=fields.sent)
