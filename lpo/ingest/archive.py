"""ZIP archives: every member file a child document; hostile archives stopped before they expand.

A zip is hostile when it expands far beyond its own size (a zip bomb: one small file
declaring gigabytes), when it nests archives inside archives to multiply (42.zip:
42 KB that expands to 4.5 PB over five levels), or when its member names climb out of
any folder they are written to ("../../etc/passwd", "C:\\Windows\\..."). The checks:

- before reading anything, the members' declared sizes, and the declared sizes of
  every zip nested inside them (read one branch at a time, stopping at the first
  limit crossed, so 42.zip costs four small reads), against the expansion ratio and
  the total expanded size of the matter's processing settings;
- while reading, the bytes actually produced, streamed in blocks, against the same
  limits, so a header that lies about a member's size cannot exhaust memory;
- member names are made safe display paths: no "..", no absolute or drive paths,
  no backslashes, no control characters.

Nesting depth itself is the manager's (ctx.max_depth); this module only refuses to
scan deeper than it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Child,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
AES = 99  # WinZip AES "compression method"; the real method is in the AES extra field
BLOCK = 1 << 20
# Below this many expanded bytes a high ratio is harmless: a 20 KB zip of a sparse
# 3 MB spreadsheet is a business record, not a bomb. Bombs aim at gigabytes.
RATIO_FLOOR = 4 * 1024**2
# Members counted across all nesting levels of one file: a 42.zip variant with tiny
# leaves multiplies members, not bytes.
MAX_MEMBERS = 250_000
OFFICE_MARKERS = {"[Content_Types].xml", "mimetype"}
FIX = ("it is kept as a native and listed for manual review; if it is a genuine archive, raise the limit "
       "under processing: in matter.yaml and ingest again, or extract it by hand")


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"  # pragma: no cover


@dataclass
class Budget:
    """Expansion of one archive, counted over the members it declares and the bytes read,
    including archives nested inside it."""

    name: str
    compressed: int
    ctx: IngestContext
    declared: int = 0
    read: int = 0
    members: int = 0

    def _check(self, expanded: int, how: str) -> None:
        limit = self.ctx.max_expanded_bytes
        if expanded > limit:
            raise IngestError("container_bomb", f"{self.name}: container bomb: {how} {_size(expanded)}, more than "
                              f"the total expanded size limit of {_size(limit)} (processing.max_expanded_mb); {FIX}")
        ratio = expanded / max(self.compressed, 1)
        if expanded > RATIO_FLOOR and ratio > self.ctx.max_expansion_ratio:
            raise IngestError("container_bomb", f"{self.name}: container bomb: {how} {_size(expanded)} from "
                              f"{_size(self.compressed)}, an expansion ratio of {ratio:,.0f} above the limit of "
                              f"{self.ctx.max_expansion_ratio:,.0f} (processing.max_expansion_ratio); {FIX}")

    def declare(self, sizes: list[int], where: str) -> None:
        self.members += len(sizes)
        if self.members > MAX_MEMBERS:
            raise IngestError("container_bomb", f"{self.name}: container bomb: more than {MAX_MEMBERS:,} members "
                              f"across its nested archives (reached in {where}); {FIX}")
        self.declared += sum(sizes)
        self._check(self.declared, f"its members{'' if where == self.name else ' and nested archives'} declare")

    def consume(self, n: int) -> None:
        self.read += n
        self._check(self.read, "its members expand to at least")


def safe_member_name(raw: str, index: int) -> str:
    """A display path that stays inside whatever folder it is put in: '/'-separated, relative,
    no '.', '..', drive letters or control characters. Empty names get a numbered one."""
    s = raw.replace("\\", "/")
    s = "".join("_" if (c < " " or c == "\x7f") else c for c in s)
    parts = [p.strip() for p in s.split("/")]
    parts = [p[:255] for p in parts if p not in ("", ".", "..")]
    if parts:
        parts[0] = re.sub(r"^[A-Za-z]:", "", parts[0]) or "_"  # "C:" or "C:file": drive-relative paths
        if parts[0] == "_" and len(parts) > 1:
            parts = parts[1:]
    return "/".join(parts) or f"member-{index + 1:04d}"


def _display(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: zips without the UTF-8 flag are cp437 by the
    standard, but Mac and Linux tools write UTF-8 without setting the flag."""
    name = info.orig_filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _is_dir(info: zipfile.ZipInfo) -> bool:
    return info.orig_filename.replace("\\", "/").endswith("/")


def declared_entries(data: bytes) -> int:
    """The member count the end-of-central-directory record declares (zip64 aware), read before
    zipfile builds an object per member: a million empty members would cost gigabytes."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if eocd < 0 or eocd + 22 > len(data):
        return 0
    entries = int.from_bytes(data[eocd + 10:eocd + 12], "little")
    locator = eocd - 20
    if entries == 0xFFFF and locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        rec = int.from_bytes(data[locator + 8:locator + 16], "little")
        if data[rec:rec + 4] == b"PK\x06\x06":
            entries = int.from_bytes(data[rec + 32:rec + 40], "little")
    return entries


def _open_zip(data: bytes, name: str):
    """zipfile for everything it reads; pyzipper when a member is AES-encrypted."""
    if declared_entries(data) > MAX_MEMBERS:
        raise IngestError("container_bomb", f"{name}: container bomb: its directory declares "
                          f"{declared_entries(data):,} members, more than {MAX_MEMBERS:,}; {FIX}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        if data[:4] == b"PK\x03\x04":  # members present, central directory missing: cut short
            raise IngestError("truncated", f"{name}: the zip has no readable central directory ({e}); the file is "
                              "cut short or damaged: ask the client for a fresh copy, or try `zip -FF` on a "
                              "copy and ingest the repaired file") from None
        raise IngestError("corrupt", f"{name}: not a readable zip archive ({e}); ask the client for a fresh "
                          "copy") from None
    except NotImplementedError as e:
        if "version" in str(e):  # found by fuzzing: a member needs a zip version no tool has (6.3 is the latest)
            raise IngestError("unsupported", f"{name}: {e}: the zip asks for a newer format than this "
                              "installation reads, or its header is damaged; extract it with 7-Zip and ingest "
                              "the folder, or ask the client for a fresh copy") from None
        raise IngestError("unsupported", f"{name}: {e}: a split archive; gather all its parts (.z01, .z02, ...), "
                          "join them with `zip -s 0 in.zip --out joined.zip` and ingest the joined file") from None
    except (OSError, EOFError, ValueError, IndexError, OverflowError) as e:
        raise IngestError("corrupt", f"{name}: the zip directory is damaged ({type(e).__name__}: {e}); ask the "
                          "client for a fresh copy") from None
    if any(i.compress_type == AES for i in zf.infolist()):
        try:
            import pyzipper
        except ImportError:
            raise IngestError("encrypted", f"{name}: the zip is AES-encrypted (WinZip AES), which this installation "
                              "cannot decrypt: install pyzipper, or decrypt it with 7-Zip and the client's "
                              "password, then ingest again") from None
        zf = pyzipper.AESZipFile(io.BytesIO(data))
    return zf


def _read(zf, info: zipfile.ZipInfo, pwd: bytes | None, budget: Budget) -> bytes:
    """A member's bytes in blocks, stopping as soon as a limit is crossed or the member produces
    more than its header declared."""
    chunks, n = [], 0
    with zf.open(info, pwd=pwd) as f:
        while block := f.read(BLOCK):
            n += len(block)
            budget.consume(len(block))
            if n > info.file_size:
                raise IngestError("container_bomb", f"{budget.name}: member {info.filename!r} expands beyond the "
                                  f"{info.file_size} bytes its header declares: a forged header; {FIX}")
            chunks.append(block)
    return b"".join(chunks)


def _bad_member(name: str, member: str, e: Exception) -> IngestError:
    if isinstance(e, NotImplementedError):
        return IngestError("unsupported", f"{name}: member {member!r} uses a compression method this installation "
                           f"cannot read ({e}); extract the archive with 7-Zip and ingest the folder")
    return IngestError("corrupt", f"{name}: member {member!r} is damaged ({type(e).__name__}: {e}); ask the "
                       "client for a fresh copy of the archive")


class Passwords:
    """The matter's password bank, the one that last worked tried first (members of one
    archive nearly always share a password)."""

    def __init__(self, bank: tuple[str, ...]):
        self.bank = list(dict.fromkeys(bank))

    def read(self, zf, info: zipfile.ZipInfo, budget: Budget, name: str) -> bytes:
        for pwd in self.bank:
            before = budget.read
            try:
                data = _read(zf, info, pwd.encode("utf-8"), budget)
            except IngestError:
                raise
            except Exception:  # noqa: BLE001
                # "Bad password", or the 1-in-256 wrong password that passes the check byte and then
                # fails inflating or the CRC: what it produced is not counted against the archive.
                budget.read = before
                continue
            self.bank.remove(pwd)
            self.bank.insert(0, pwd)
            return data
        tried = f"none of the {len(self.bank)} passwords in the password bank opens it" if self.bank else \
            "the password bank is empty"
        raise IngestError("encrypted", f"{name}: member {info.filename!r} is password-protected and {tried}; add "
                          "the password (`lpo ingest ... --passwords FILE` or processing.passwords in matter.yaml) "
                          "and ingest again")


def _nested_scan(data: bytes, where: str, level: int, budget: Budget) -> None:
    """Add a nested zip's declared expansion to the budget, and that of zips nested in it,
    one branch at a time so the first limit crossed stops the scan. Unreadable nested
    archives are left to their own ingest."""
    if level >= budget.ctx.max_depth:
        return  # too deep: the manager's max_depth stops it
    if declared_entries(data) > MAX_MEMBERS - budget.members:
        # Counted here, not left to the nested zip's own ingest: 600 zips of 600 members each pass
        # one by one, and would become 360,000 documents.
        raise IngestError("container_bomb", f"{budget.name}: container bomb: more than {MAX_MEMBERS:,} members "
                          f"across its nested archives (reached in {where}); {FIX}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not _is_dir(i)]
    except Exception:  # noqa: BLE001  damaged or unsupported: reported when it is ingested itself
        return
    budget.declare([i.file_size for i in infos], where)
    if any(i.filename in OFFICE_MARKERS for i in infos):
        return  # a Word/Excel/ODF document: its parts are counted; their own parser opens them
    for info in infos:
        if info.flag_bits & 0x1 or info.file_size < 22 or info.compress_type == AES:
            continue
        try:
            with zf.open(info) as f:
                if f.read(4) not in ZIP_MAGIC:
                    continue
            inner = _read(zf, info, None, budget)
        except IngestError:
            raise
        except Exception:  # noqa: BLE001
            continue
        _nested_scan(inner, f"{where}/{info.filename}", level + 1, budget)


@register
class ZipIngestor(Ingestor):
    name = "zip"
    mime_types = ("application/zip",)
    extensions = ("zip",)

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        return data[:4] in ZIP_MAGIC

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        zf = _open_zip(data, name)
        budget = Budget(name=name, compressed=len(data), ctx=ctx)
        infos = [i for i in zf.infolist() if not _is_dir(i)]
        budget.declare([i.file_size for i in infos], name)
        passwords = Passwords(ctx.passwords)
        children, listing = [], []
        for index, info in enumerate(infos):
            member = safe_member_name(_display(info), index)
            try:
                if info.flag_bits & 0x1:
                    payload = passwords.read(zf, info, budget, name)
                else:
                    payload = _read(zf, info, None, budget)
            except IngestError:
                raise
            except Exception as e:  # noqa: BLE001  bad CRC, bad deflate stream, unknown method
                raise _bad_member(name, member, e) from None
            if payload[:4] in ZIP_MAGIC:
                _nested_scan(payload, f"{name}/{member}", 1, budget)
            children.append(Child(name=member, data=payload))
            y, mo, d, h, mi, sec = info.date_time
            stamp = f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{sec:02d}"
            listing.append(f"{member}\t{info.file_size}\t{stamp}")
        # The archive's own text is its listing: reviewers and search see what it held.
        return Extracted(text="\n".join(listing), children=children)
