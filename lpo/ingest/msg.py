"""Outlook .msg (an OLE compound file of MAPI properties) through extract-msg.

Emails become email documents like .eml (same header block, so an email exported both
ways is recognised as one); attachments are children, and an email attached inside an
email is exported as its own .msg child, so it is ingested as an email in turn.
Appointments, contacts, tasks and notes are documents too: their text is what they hold
(location, start, organiser, phone numbers, ...), not an exception.
"""

from __future__ import annotations

import email
import email.policy
import functools
import io
import logging
import mimetypes
import re
from datetime import datetime

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Child,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)
from lpo.ingest.email import (
    Headers,
    clean,
    decode_text,
    email_header_block,
    html_to_text,
    message_ids,
)
from lpo.models import EmailFields

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MSG_MARK = "__properties_version1.0".encode("utf-16-le")  # the root property stream of every .msg
# extract-msg logs every oddity of a message at WARNING; the outcome goes to the exception report instead.
logging.getLogger("extract_msg").setLevel(logging.CRITICAL)

# ANSI code page by Windows language (LCID & 0x3FF) for 8-bit .msg files that do not
# name their code page: without it a Japanese subject decodes as Latin-1 noise.
_LANG_CODEPAGE = {0x11: "cp932", 0x12: "cp949", 0x1E: "cp874", 0x2A: "cp1258", 0x08: "cp1253", 0x1F: "cp1254",
                  0x0D: "cp1255", 0x01: "cp1256", 0x29: "cp1256", 0x20: "cp1256",
                  **dict.fromkeys((0x19, 0x22, 0x23, 0x02, 0x2F, 0x3F, 0x40, 0x44, 0x50), "cp1251"),
                  **dict.fromkeys((0x25, 0x26, 0x27), "cp1257"),
                  **dict.fromkeys((0x05, 0x0E, 0x15, 0x18, 0x1B, 0x24, 0x1C), "cp1250")}
_CHINESE = {0x0404: "cp950", 0x0C04: "cp950", 0x1404: "cp950", 0x0804: "gb18030", 0x1004: "gb18030"}
# Properties of a class (appointment, contact, ...) that are not text a reviewer needs.
_SKIP = {"businessCard", "attachments", "recipients", "props", "named", "namedProperties", "treePath", "kwargs"}


def codepage_for(msg) -> str | None:
    """The code page of an 8-bit .msg without PR_MESSAGE_CODEPAGE, from its locale."""
    if msg.areStringsUnicode or "3FFD0003" in msg.props:
        return None
    lcid = msg.getPropertyVal("3FF10003") or msg.getPropertyVal("66A10003")
    if not isinstance(lcid, int):
        return None
    return _CHINESE.get(lcid) or _LANG_CODEPAGE.get(lcid & 0x3FF)


def _attr(obj, name: str):
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001  a property extract-msg cannot decode is just absent
        return None


def _s(msg, prop: str) -> str:
    try:
        return clean(msg.getStringStream(f"__substg1.0_{prop}") or "")
    except Exception:  # noqa: BLE001
        return ""


def _date(msg, *names: str) -> datetime | None:
    for n in names:
        v = _attr(msg, n) if not n[0].isdigit() else _attr_prop(msg, n)
        if isinstance(v, datetime) and v.year > 1601:  # 1601-01-01 is MAPI's "no date"
            return v
    return None


def _attr_prop(msg, prop: str):
    try:
        return msg.getPropertyVal(prop)
    except Exception:  # noqa: BLE001
        return None


def _address(name: str | None, addr: str | None) -> str | None:
    name, addr = clean(name or "").strip().strip('"').strip(), clean(addr or "").strip()
    if addr.upper().startswith("/O="):
        addr = ""  # an Exchange X.500 path is no address for a reviewer
    if name and addr and name.lower() != addr.lower():
        return f"{name} <{addr}>"
    return addr or name or None


def transport_headers(msg) -> Headers | None:
    """The internet headers the message arrived with (PR_TRANSPORT_MESSAGE_HEADERS), when it
    arrived over SMTP. extract-msg's own `header` makes some up when they are absent."""
    text = _s(msg, "007D")
    if not text.strip():
        return None
    try:
        return Headers(email.message_from_string(text, policy=email.policy.compat32))
    except Exception:  # noqa: BLE001
        return None


def _sender(msg, headers: Headers | None) -> str | None:
    """From the transport headers when the message has them, else from the sender properties
    (name 0C1A; SMTP address 5D01, else the address 0C1F unless it is an Exchange path),
    else from the 'sent representing' ones."""
    if headers is not None and headers.addresses("from"):
        return headers.addresses("from")[0]
    return (_address(_s(msg, "0C1A"), _s(msg, "5D01") or _s(msg, "0C1F"))
            or _address(_s(msg, "0042"), _s(msg, "5D02") or _s(msg, "0065")))


def _recipients(msg) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {1: [], 2: [], 3: []}
    for r in _attr(msg, "recipients") or []:
        kind = int(_attr(r, "type") or 1)
        a = _address(_attr(r, "name"), _attr(r, "smtpAddress") or _attr(r, "email"))
        if a:
            out.setdefault(kind, []).append(a)
    return out


def rtf_to_text(rtf: bytes) -> str:
    """Visible text of an RTF body: groups of fonts, colours, styles, pictures and '\\*'
    destinations dropped; \\par as a line break; \\'hh bytes in the document's code page.
    In HTML encapsulated in RTF (Outlook's usual body) the tags are '\\*' groups and the
    RTF-only renderings sit between \\htmlrtf and \\htmlrtf0, so the text is what remains."""
    tokens = re.finditer(rb"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+", rtf)
    skip_words = {b"fonttbl", b"colortbl", b"stylesheet", b"info", b"pict", b"object", b"header", b"footer",
                  b"listtable", b"listoverridetable", b"themedata", b"datastore", b"xmlnstbl", b"rsidtbl",
                  b"latentstyles", b"generator", b"colorschememapping", b"fldinst", b"mmathPr", b"filetbl"}
    out, pending, stack = [], bytearray(), []
    skip, uc, codepage, to_skip, htmlrtf = False, 1, "cp1252", 0, False

    def flush() -> None:
        if pending:
            out.append(pending.decode(codepage, "replace"))
            pending.clear()

    for m in tokens:
        word, arg, hexbyte, symbol, brace, text = m.groups()
        if brace == b"{":
            stack.append((skip, uc, htmlrtf))
            continue
        if brace == b"}":
            flush()
            skip, uc, htmlrtf = stack.pop() if stack else (False, 1, False)
            continue
        if to_skip and (hexbyte or text):
            if text and len(text) > to_skip:
                text, to_skip = text[to_skip:], 0
            else:
                to_skip -= 1 if hexbyte else len(text or b"")
                continue
        if symbol == b"*" or word in skip_words:
            skip = True
            continue
        if word == b"htmlrtf":
            flush()
            htmlrtf = arg != b"0"
            continue
        if skip or htmlrtf:
            continue
        if word:
            if word == b"ansicpg" and arg:
                codepage = f"cp{int(arg)}"
                try:
                    b"".decode(codepage)
                except LookupError:
                    codepage = "cp1252"
            elif word == b"uc" and arg:
                uc = int(arg)
            elif word == b"u" and arg:
                flush()
                out.append(chr(int(arg) % 65536))
                to_skip = uc
            elif word in (b"par", b"line", b"row", b"sect", b"page"):
                flush()
                out.append("\n")
            elif word in (b"tab", b"cell"):
                flush()
                out.append("\t")
        elif hexbyte:
            pending.append(int(hexbyte, 16))
        elif symbol in (b"\\", b"{", b"}"):
            flush()
            out.append(symbol.decode())
        elif symbol == b"~":
            out.append(" ")
        elif text:
            flush()
            out.append(text.decode(codepage, "replace"))
    flush()
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()


def _body(msg) -> str:
    """Plain text body, else the HTML body as text, else the RTF body as text. The HTML is read
    from its own property, never de-encapsulated from RTF by extract-msg: that path parses
    the RTF with a grammar and takes seconds per message."""
    plain = _attr(msg, "body") or _s(msg, "1000")  # the bare MSGFile of an unknown class has no .body
    if isinstance(plain, str) and plain.strip():
        return clean(plain.replace("\r\n", "\n"))
    html = None
    try:
        html = msg.getStream("__substg1.0_10130102")
    except Exception:  # noqa: BLE001
        pass
    if html:
        m = re.search(rb"charset=[\"']?([\w-]+)", html[:4096])
        return clean(html_to_text(decode_text(html, m.group(1).decode() if m else None)))
    if _s(msg, "1013"):
        return clean(html_to_text(_s(msg, "1013")))
    rtf = _attr(msg, "rtfBody")
    if rtf:
        return clean(rtf_to_text(rtf))
    return ""


def _class_fields(msg) -> list[str]:
    """'location: A place' lines for what an appointment, contact, task or note holds beyond an email."""
    from extract_msg.msg_classes.message_base import MessageBase
    from extract_msg.msg_classes.msg import MSGFile

    if type(msg).__name__ in ("Message", "MessageSigned"):
        return []
    lines, seen = [], set(vars(MessageBase)) | set(vars(MSGFile)) | _SKIP
    for cls in type(msg).__mro__:
        if cls in (MessageBase, MSGFile, object):
            break
        for k, v in vars(cls).items():
            if k.startswith("_") or k in seen or not isinstance(v, (property, functools.cached_property)):
                continue
            seen.add(k)
            val = _attr(msg, k)
            if isinstance(val, datetime):
                val = val.isoformat()
            elif isinstance(val, (list, tuple)) and val and all(isinstance(x, str) for x in val):
                val = "; ".join(val)
            if isinstance(val, str) and val.strip():
                lines.append(f"{k}: {clean(val).strip()}")
    return sorted(lines)


def _children(msg, name: str) -> tuple[list[Child], list[str]]:
    """Attachments as children; embedded messages as .msg bytes. Links and attachments
    extract-msg cannot read are named in the text so nothing disappears silently."""
    from extract_msg.msg_classes.msg import MSGFile

    children, notes = [], []
    for i, att in enumerate(_attr(msg, "attachments") or [], start=1):
        aname = clean(_attr(att, "name") or _attr(att, "displayName") or "").strip()
        aname = aname.replace("/", "_").replace("\\", "_")
        data = _attr(att, "data")
        if isinstance(data, MSGFile):
            try:
                payload = data.exportBytes()
            except Exception:  # noqa: BLE001
                try:
                    payload = data.exportBytes(allowBadEmbed=True)
                except Exception as e:  # noqa: BLE001
                    notes.append(f"Unreadable embedded message {aname or i}: {type(e).__name__}: {e}")
                    continue
            aname = aname or _s(data, "0037") or f"attached-message-{i}"
            children.append(Child(name=aname if aname.lower().endswith(".msg") else aname + ".msg", data=payload))
        elif isinstance(data, (bytes, bytearray)):
            if not aname:
                mime = _attr(att, "mimetype") or ""
                ext = _attr(att, "extension") or mimetypes.guess_extension(mime) or ".bin"
                aname = f"attachment-{i}{ext}"
            children.append(Child(name=aname, data=bytes(data)))
        elif isinstance(data, str):  # a web attachment: a link, not a file
            notes.append(f"Linked attachment {aname or i}: {clean(data)}")
        else:
            notes.append(f"Attachment {aname or i} could not be read from the message (type "
                         f"{getattr(_attr(att, 'type'), 'name', '?')})")
    return children, notes


NOTE_CLASSES = ("ipm.note", "report", "ipm.skypeteams.message")


def _open(data: bytes, name: str, **kwargs):
    """Open as an email first (nearly every .msg is one): extract-msg's openMsg parses the
    compound file twice, once to read the item's class, once more for the class it picks,
    which doubles the cost of a message with hundreds of recipients. Other items reopen."""
    import extract_msg
    from extract_msg.enums import ErrorBehavior

    opts = dict(delayAttachments=False, errorBehavior=ErrorBehavior.SUPPRESS_ALL, **kwargs)
    try:
        msg = extract_msg.Message(io.BytesIO(data), **opts)
        kind = (msg.classType or "").lower()
        if kind.startswith(NOTE_CLASSES) and "smime" not in kind:
            return msg
        msg.close()
        return extract_msg.openMsg(io.BytesIO(data), strict=False, **opts)
    except Exception as e:  # noqa: BLE001  olefile and extract-msg raise many types on damaged files
        raise IngestError("corrupt", f"{name}: the Outlook message cannot be opened ({type(e).__name__}: {e}); "
                          "the file is damaged or not an Outlook item: ask the client for a fresh export") from None


@register
class MsgIngestor(Ingestor):
    name = "msg"
    mime_types = ("application/vnd.ms-outlook",)
    extensions = ("msg",)

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        # Word, Excel and PowerPoint 97-2003 are OLE files too; only a .msg has this stream.
        return data.startswith(OLE) and MSG_MARK in data

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        if not data.startswith(OLE):
            raise IngestError("corrupt", f"{name}: named .msg but not an Outlook file (no OLE signature); check "
                              "the file type and review the native")
        msg = _open(data, name)
        try:
            cp = codepage_for(msg)
            if cp:
                msg.close()
                msg = _open(data, name, overrideEncoding=cp)
            return self._extract(msg, name)
        finally:
            try:
                msg.close()
            except Exception:  # noqa: BLE001
                pass

    def _extract(self, msg, name: str) -> Extracted:
        children, notes = _children(msg, name)
        rcpt = _recipients(msg)
        headers = transport_headers(msg)
        refs = " ".join(headers.all("references")) if headers else ""
        subject = clean(_attr(msg, "subject") or _s(msg, "0037")).strip() or None
        fields = EmailFields(
            from_=_sender(msg, headers), to=rcpt.get(1, []), cc=rcpt.get(2, []), bcc=rcpt.get(3, []), subject=subject,
            sent=_date(msg, "date", "00390040"), received=_date(msg, "receivedTime", "0E060040"),
            message_id=clean(_attr(msg, "messageId") or _s(msg, "1035")).strip() or None,
            in_reply_to=(message_ids(clean(_attr(msg, "inReplyTo") or _s(msg, "1042"))) or [None])[0],
            references=message_ids(refs or _s(msg, "1039")),
            attachment_names=[c.name for c in children])
        # Header block, blank line, body: the layout lpo.cull.normalise expects of an email's text.
        parts = [email_header_block(fields) + "\n\n" + _body(msg)]
        kind = clean(_attr(msg, "classType") or "")
        extra = _class_fields(msg)
        if extra:
            parts.append(f"Outlook item: {kind}\n" + "\n".join(extra))
        if notes:
            parts.append("\n".join(notes))
        return Extracted(text="\n\n".join(p for p in parts if p), email=fields, children=children,
                         title=subject, author=fields.from_,
                         created=_date(msg, "30070040") or fields.sent, modified=_date(msg, "30080040"))
