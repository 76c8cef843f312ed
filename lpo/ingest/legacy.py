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
import hashlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import time
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


def _input_name(data: bytes, ext: str) -> str:
    """The name LibreOffice sees, alone or in a batch: it shows through (a file it reads as text
    becomes a sheet named after it), so it depends on the bytes only."""
    return f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}"


def convert(data: bytes, name: str, src_ext: str, dst_ext: str, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """Convert with `soffice --headless --convert-to` in a private temp dir; the converted bytes."""
    exe = soffice()
    with tempfile.TemporaryDirectory(prefix="lpo-convert-") as tmp:
        src = Path(tmp) / _input_name(data, src_ext)
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
        out = Path(tmp) / "out" / f"{src.stem}.{dst_ext}"
        if not out.exists() or out.stat().st_size == 0:
            msg = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {p.returncode}"]
            raise IngestError("corrupt", f"{name}: LibreOffice could not read it ({msg[0][:200]}); "
                              "ask the client for a fresh copy or the file in a current format")
        return out.read_bytes()


# ---- batch conversion ---------------------------------------------------------------------------
# LibreOffice spends about a second starting and a few hundredths of one converting a small file,
# so the pool converts a chunk's legacy files in one LibreOffice process (preconvert) before its
# workers parse them: each converted file waits in a private folder under the SHA-256 of its bytes,
# and the worker reads it there instead of starting LibreOffice again (take_converted). What the
# batch does not convert (a file it cannot load, one it hangs or crashes on) is converted one by
# one in the worker as before, under the worker's limits, and gets its precise reason there.

BATCH_TARGETS = {"doc": "docx", "dot": "docx", "xls": "xlsx", "xlt": "xlsx", "ppt": "pptx", "pps": "pptx",
                 "pot": "pptx"}
BATCH_SIZE = 64
BATCH_STALL = 30.0  # seconds with no file converted before a batch is stopped


def converted_dir() -> Path:
    """A new private (0700) folder for a pool's batch conversions; those of dead processes are swept."""
    base = Path(tempfile.gettempdir()) / "lpo-converted"
    base.mkdir(exist_ok=True)
    for old in base.iterdir():
        pid = old.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base))


def converted_name(data: bytes, dst_ext: str) -> str:
    return f"{hashlib.sha256(data).hexdigest()}.{dst_ext}"


def take_converted(ctx: IngestContext, data: bytes, dst_ext: str) -> bytes | None:
    """The batch's conversion of these bytes, removed from the folder; None when there is none."""
    if not ctx.converted:
        return None
    path = Path(ctx.converted) / converted_name(data, dst_ext)
    try:
        out = path.read_bytes()
    except OSError:
        return None
    path.unlink(missing_ok=True)
    return out or None


def batch_candidates(root: Path, paths: list[str], max_bytes: int) -> list[tuple[str, str]]:
    """(path, target extension) of the files worth converting in a batch: named .doc/.xls/.ppt (or
    their templates), an OLE2 file by its first bytes, within the size limit. Nothing else is read:
    the caller is not a worker, so it must not parse hostile bytes."""
    out = []
    for rel in paths:
        dst = BATCH_TARGETS.get(rel.rsplit(".", 1)[-1].lower()) if "." in rel else None
        if not dst:
            continue
        try:
            path = root / rel
            if not 0 < path.stat().st_size <= max_bytes:
                continue
            with path.open("rb") as f:
                if f.read(len(OLE_MAGIC)) == OLE_MAGIC:
                    out.append((rel, dst))
        except OSError:
            continue  # the worker reports it
    return out


def _capped(cmd: list[str], memory_mb: int | None) -> list[str]:
    """The command under the worker's address-space cap (util-linux prlimit, not preexec_fn:
    the pool's caller runs threads, and a fork with threads may deadlock before the exec)."""
    tool = shutil.which("prlimit")
    if not memory_mb or not tool:
        return cmd
    return [tool, f"--as={memory_mb * 1024**2}", "--core=0", "--", *cmd]


def convert_batch(files: list[Path], dst_ext: str, dst_dir: Path, memory_mb: int | None = None,
                  stall: float = BATCH_STALL) -> int:
    """Convert `files` in one LibreOffice process at a time, each saved in `dst_dir` under the
    SHA-256 of its bytes; the number converted. LibreOffice converts in the order given, so when
    it stalls (no file converted in `stall` seconds) or dies, the files before the first one left
    without output are done, the one it stopped on is left for the worker, and the rest go on in
    a new process. Files it cannot load are skipped and left for the worker too."""
    exe = soffice()
    src_ext = {"docx": "doc", "xlsx": "xls", "pptx": "ppt"}[dst_ext]  # the extension convert() gives it
    done = 0
    with tempfile.TemporaryDirectory(prefix="lpo-batch-") as tmp:
        src_dir, out_dir = Path(tmp) / "in", Path(tmp) / "out"
        src_dir.mkdir()
        inputs, names = [], []
        for f in files:
            data = f.read_bytes()
            src = src_dir / _input_name(data, src_ext)
            if not src.exists():  # a duplicate is converted once (and its twin alone, in its worker)
                src.write_bytes(data)
                inputs.append(src)
                names.append(converted_name(data, dst_ext))
        pending = list(range(len(inputs)))
        while pending:
            shutil.rmtree(out_dir, ignore_errors=True)
            out_dir.mkdir()
            cmd = _capped([exe, f"-env:UserInstallation={_profile_dir().as_uri()}", "--headless", "--norestore",
                           "--nologo", "--nolockcheck", "--nodefault", "--convert-to", dst_ext, "--outdir", str(out_dir),
                           *(str(inputs[i]) for i in pending)], memory_mb)
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                                 env=dict(os.environ, HOME=tmp, SAL_USE_VCLPLUGIN="svp"))
            seen, last = 0, time.monotonic()
            stopped = False
            while p.poll() is None:
                time.sleep(0.05)
                now_seen = sum(1 for _ in os.scandir(out_dir))
                if now_seen != seen:
                    seen, last = now_seen, time.monotonic()
                elif time.monotonic() - last > stall:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
                    stopped = True
            made = [i for i in pending if (out_dir / f"{inputs[i].stem}.{dst_ext}").is_file()]
            last_made = made[-1] if made else -1
            if stopped and made:  # it may have been writing the last one when it was stopped
                (out_dir / f"{inputs[made.pop()].stem}.{dst_ext}").unlink()
            for i in made:
                out = out_dir / f"{inputs[i].stem}.{dst_ext}"
                if out.stat().st_size:
                    os.replace(out, dst_dir / names[i])
                    done += 1
            if not stopped and p.returncode == 0:
                break
            # Stopped or died: the first file after the last one converted is the one it was on.
            pending = [i for i in pending if i > last_made][1:]
    return done


def preconvert(root: Path, candidates: list[tuple[str, str]], dst_dir: Path, memory_mb: int | None = None) -> int:
    """Convert `batch_candidates` in batches of BATCH_SIZE by target format; the number converted.
    LibreOffice missing: nothing (the workers say so file by file)."""
    if not candidates or not (shutil.which("soffice") or shutil.which("libreoffice")):
        return 0
    done = 0
    for dst in sorted({d for _, d in candidates}):
        files = [root / rel for rel, d in candidates if d == dst]
        for k in range(0, len(files), BATCH_SIZE):
            done += convert_batch(files[k:k + BATCH_SIZE], dst, dst_dir, memory_mb)
    return done


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
        converted = take_converted(ctx, plain, self.target) or convert(plain, name, self.extensions[0], self.target)
        ex = self.modern().extract(converted, name, ctx)
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
