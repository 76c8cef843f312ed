"""The backup archive: a plain tar whose last member, manifest.json, lists every other member
with its SHA-256 and size.

The manifest comes last because it is written as the members stream in (each file is read
once); a reader finds it by name. Extraction checks each member against it and refuses the
archive at the first member that is missing, unlisted or altered, naming it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

MANIFEST = "manifest.json"
FORMAT = "lpo-matter-backup"
VERSION = 1


class ArchiveError(ValueError):
    """The archive is damaged, altered or not an lpo backup; the message names the member."""


class _Hashing:
    """A file object that hashes what tarfile reads through it."""

    def __init__(self, f: BinaryIO):
        self.f, self.sha, self.size = f, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        b = self.f.read(n)
        self.sha.update(b)
        self.size += len(b)
        return b


class ArchiveWriter:
    def __init__(self, path: Path):
        self.tar = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)  # noqa: SIM115 (closed by close())
        self.members: dict[str, dict] = {}

    def add_file(self, name: str, src: Path) -> None:
        with open(src, "rb") as f:
            st = os.fstat(f.fileno())
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), 0o644
            h = _Hashing(f)
            self.tar.addfile(info, h)
        self.members[name] = {"sha256": h.sha.hexdigest(), "size": h.size}

    def add_bytes(self, name: str, data: bytes, mtime: float | None = None) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, int(time.time() if mtime is None else mtime)
        self.tar.addfile(info, io.BytesIO(data))
        self.members[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    def close(self, header: dict) -> dict:
        manifest = {"format": FORMAT, "version": VERSION, **header, "members": self.members}
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()
        return manifest


def _safe(name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise ArchiveError(f"member {name!r} would be written outside the restore folder; refusing the archive")
    return p


def open_archive(path: Path) -> tuple[tarfile.TarFile, dict]:
    """The open archive and its manifest, after checking that both are what a backup writes."""
    try:
        tar = tarfile.open(path, "r:")  # noqa: SIM115 (handed to the caller)
        names = tar.getnames()
    except (tarfile.TarError, OSError) as e:
        raise ArchiveError(f"{path} is damaged or not an lpo backup ({e}); restore from another copy") from None
    if MANIFEST not in names:
        tar.close()
        raise ArchiveError(f"{path} has no {MANIFEST}: it is not an lpo backup, or it was cut short")
    try:
        manifest = json.loads(tar.extractfile(MANIFEST).read())
    except (ValueError, tarfile.TarError, OSError) as e:
        tar.close()
        raise ArchiveError(f"{path}: {MANIFEST} is damaged ({e}); restore from another copy") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        tar.close()
        raise ArchiveError(f"{path}: {MANIFEST} is not an lpo matter backup of version {VERSION}")
    return tar, manifest


def extract_verified(tar: tarfile.TarFile, manifest: dict, dest: Path, archive: Path,
                     advance: Callable[[int], None] = lambda n=1: None) -> None:
    """Every member into dest, each checked against the manifest; ArchiveError at the first that differs."""
    expected: dict[str, dict] = manifest["members"]
    seen: set[str] = set()
    for info in tar:
        if info.name == MANIFEST:
            continue
        if info.name not in expected:
            raise ArchiveError(f"{archive}: member {info.name} is not in the manifest: the archive was altered; "
                               f"restore from another copy")
        if not info.isfile():
            raise ArchiveError(f"{archive}: member {info.name} is not a regular file; refusing the archive")
        if info.name in seen:
            raise ArchiveError(f"{archive}: member {info.name} appears twice: the archive was altered")
        seen.add(info.name)
        out = dest / _safe(info.name)
        out.parent.mkdir(parents=True, exist_ok=True)
        sha, size = hashlib.sha256(), 0
        src = tar.extractfile(info)
        with open(out, "wb") as f:
            while chunk := src.read(1 << 20):
                sha.update(chunk)
                size += len(chunk)
                f.write(chunk)
        want = expected[info.name]
        if (sha.hexdigest(), size) != (want["sha256"], want["size"]):
            raise ArchiveError(f"{archive}: member {info.name} does not match the manifest (SHA-256 "
                               f"{sha.hexdigest()[:12]}..., {size} bytes; expected {want['sha256'][:12]}..., "
                               f"{want['size']} bytes): the archive is damaged; restore from another copy")
        os.utime(out, (info.mtime, info.mtime))
        advance(1)
    missing = sorted(set(expected) - seen)
    if missing:
        raise ArchiveError(f"{archive}: member {missing[0]} is in the manifest but not in the archive"
                           + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                           + ": the archive is incomplete; restore from another copy")
