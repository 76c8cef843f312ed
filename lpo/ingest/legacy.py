"""Legacy binary Office files (.doc, .xls, .ppt) and password-protected Office files.

Both are OLE2 compound files. The legacy formats are converted by LibreOffice headless
(Debian libreoffice-writer-nogui, -calc-nogui, -impress-nogui) into their OOXML
equivalents, which the ingestors of `lpo.ingest.office` then read. A password-protected
.docx/.xlsx/.pptx is an OLE2 file holding the encrypted zip; msoffcrypto-tool decrypts it
(and encrypted .doc/.xls/.ppt) with the matter's password bank first.

Outlook .msg files are OLE2 too: they are not claimed here (no Word/Excel/PowerPoint
stream), so the mail ingestors get them.
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import signal
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)
from lpo.ingest.office import DocxIngestor, PptxIngestor, XlsxIngestor

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CONVERT_TIMEOUT = 100  # seconds; below the worker's default per-file limit so the reason is precise
# Excel "encrypts" read-only workbooks with this well-known password; it opens them without asking.
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"


def ole_streams(data: bytes) -> set[str]:
    """Lower-cased stream paths of an OLE2 compound file; empty when it is not one."""
    if not data.startswith(OLE_MAGIC):
        return set()
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            return {"/".join(p).lower() for p in ole.listdir(streams=True, storages=False)}
    except Exception:  # noqa: BLE001 - olefile raises many types on damaged directories
        return set()


def _ole_meta(data: bytes) -> dict:
    """Author, title, dates and page/slide counts from the SummaryInformation streams."""
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            m = ole.get_metadata()
    except Exception:  # noqa: BLE001
        return {}
    cp = {1200: "utf-16-le", 65001: "utf-8"}.get(m.codepage or 0, f"cp{m.codepage}" if m.codepage else "cp1252")

    def s(v: object) -> str | None:
        if isinstance(v, bytes):
            try:
                v = v.decode(cp, "replace")
            except LookupError:
                v = v.decode("cp1252", "replace")
        return str(v).strip("\x00 ").strip() or None if v is not None else None

    def t(v: object) -> datetime | None:  # FILETIME, UTC; 1601 means "never set"
        return v.replace(tzinfo=timezone.utc) if isinstance(v, datetime) and v.year > 1601 else None

    return {"author": s(m.author), "title": s(m.title), "created": t(m.create_time),
            "modified": t(m.last_saved_time), "pages": m.num_pages or m.slides or None}


def decrypt(data: bytes, name: str, passwords: tuple[str, ...]) -> bytes | None:
    """Decrypted bytes when the file is encrypted and a password opens it; None when not encrypted."""
    import msoffcrypto
    from msoffcrypto import exceptions

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        if not office.is_encrypted():
            return None
    except Exception:  # noqa: BLE001 - not a format msoffcrypto knows: treat as not encrypted
        return None
    tried = 0
    for pw in (EXCEL_DEFAULT_PASSWORD, *passwords):
        out = io.BytesIO()
        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(data))
            if office.format == "ooxml":  # otherwise a wrong password "decrypts" into garbage
                office.load_key(password=pw, verify_password=True)
            else:
                office.load_key(password=pw)
            office.decrypt(out)
            return out.getvalue()
        except (exceptions.InvalidKeyError, exceptions.DecryptionError):
            tried += pw != EXCEL_DEFAULT_PASSWORD
        except Exception as e:  # noqa: BLE001 - e.g. an encryption scheme msoffcrypto does not support
            raise IngestError("encrypted", f"{name}: the file is password-protected with a scheme that "
                              f"cannot be opened here ({type(e).__name__}: {e}); ask the client for an "
                              "unprotected copy") from None
    bank = (f"none of the {tried} passwords in the matter's password bank opens it" if tried
            else "the matter's password bank is empty")
    raise IngestError("encrypted", f"{name}: the file is password-protected and {bank}; ask the client for the "
                      "password, add it to the bank (matter.yaml passwords or --passwords FILE) and ingest again")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _profile_dir() -> Path:
    """One LibreOffice profile per process: parallel workers never share (and lock) one,
    and a process converting many files pays the profile's first-start cost once.
    Keyed by pid, so a worker forked after its parent converted gets its own; worker
    processes may end without running atexit, so profiles of dead pids are swept here."""
    base = Path(tempfile.gettempdir()) / "lpo-soffice"
    mine = base / str(os.getpid())
    if not mine.exists():
        base.mkdir(exist_ok=True)
        for old in base.iterdir():
            if old.name.isdigit() and not _alive(int(old.name)):
                shutil.rmtree(old, ignore_errors=True)
        mine.mkdir(exist_ok=True)
        atexit.register(shutil.rmtree, mine, True)
    return mine


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        raise IngestError("converter_unavailable", "LibreOffice is not installed, so legacy Office files cannot be "
                          "read; install the Debian packages libreoffice-writer-nogui, libreoffice-calc-nogui and "
                          "libreoffice-impress-nogui (make setup does) and ingest the file again")
    return path


def convert(data: bytes, name: str, src_ext: str, dst_ext: str, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """Convert with `soffice --headless --convert-to` in a private temp dir; the converted bytes."""
    exe = soffice()
    with tempfile.TemporaryDirectory(prefix="lpo-convert-") as tmp:
        src = Path(tmp) / f"input.{src_ext}"
        src.write_bytes(data)
        cmd = [exe, f"-env:UserInstallation={_profile_dir().as_uri()}", "--headless", "--norestore", "--nologo",
               "--nolockcheck", "--nodefault", "--convert-to", dst_ext, "--outdir", str(Path(tmp) / "out"), str(src)]
        # Its own session, so a timeout kills oosplash and soffice.bin together.
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                             env=dict(os.environ, HOME=tmp, SAL_USE_VCLPLUGIN="svp"))
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise IngestError("timeout", f"{name}: LibreOffice did not convert it within {timeout:.0f} s; "
                              "review the native or convert it by hand") from None
        out = Path(tmp) / "out" / f"input.{dst_ext}"
        if not out.exists() or out.stat().st_size == 0:
            msg = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {p.returncode}"]
            raise IngestError("corrupt", f"{name}: LibreOffice could not read it ({msg[0][:200]}); "
                              "ask the client for a fresh copy or the file in a current format")
        return out.read_bytes()


class _LegacyOffice(Ingestor):
    """Convert to the OOXML twin with LibreOffice, then read that with the modern ingestor."""

    stream: str = ""
    target: str = ""
    modern: type[Ingestor] = DocxIngestor

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        streams = ole_streams(data)
        return bool(streams) and cls.claims(streams)

    @classmethod
    def claims(cls, streams: set[str]) -> bool:
        return cls.stream in streams

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        plain = decrypt(data, name, ctx.passwords) or data
        meta = _ole_meta(plain)
        ex = self.modern().extract(convert(plain, name, self.extensions[0], self.target), name, ctx)
        # The original's own properties, not the converter's (LibreOffice stamps its own dates).
        ex.author = meta.get("author") or ex.author
        ex.title = meta.get("title") or ex.title
        ex.created = meta.get("created") or ex.created
        ex.modified = meta.get("modified") or ex.modified
        ex.page_count = ex.page_count or meta.get("pages")
        return ex


@register
class DocIngestor(_LegacyOffice):
    name = "doc"
    mime_types = ("application/msword",)
    extensions = ("doc", "dot")
    stream, target, modern = "worddocument", "docx", DocxIngestor


@register
class XlsIngestor(_LegacyOffice):
    name = "xls"
    mime_types = ("application/vnd.ms-excel",)
    extensions = ("xls", "xlt")
    target, modern = "xlsx", XlsxIngestor

    @classmethod
    def claims(cls, streams: set[str]) -> bool:
        return "workbook" in streams or "book" in streams  # 'Book' is Excel 5/95


@register
class PptIngestor(_LegacyOffice):
    name = "ppt"
    mime_types = ("application/vnd.ms-powerpoint",)
    extensions = ("ppt", "pps", "pot")
    stream, target, modern = "powerpoint document", "pptx", PptxIngestor


@register
class EncryptedOoxmlIngestor(Ingestor):
    """A password-protected .docx/.xlsx/.pptx: decrypt with the bank, then read the zip inside."""

    name = "ooxml_encrypted"
    mime_types = ("application/x-ole-storage",)
    extensions = ()

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return "encryptedpackage" in ole_streams(data)

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        plain = decrypt(data, name, ctx.passwords)
        if plain is None:
            raise IngestError("encrypted", f"{name}: a protected Office file whose encryption cannot be read; "
                              "ask the client for an unprotected copy")
        for modern in (DocxIngestor, XlsxIngestor, PptxIngestor):
            if modern.sniff(plain):
                return modern().extract(plain, name, ctx)
        raise IngestError("unsupported", f"{name}: decrypted, but the content is not a Word, Excel or PowerPoint "
                          "file; review the native")
