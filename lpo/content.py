"""Content-addressed store of natives and extracted text, by SHA-256.

Blobs live at content/ab/cd/<sha256>; writing the same bytes twice is a no-op,
which makes ingest re-runs idempotent and de-duplicates storage for free.

A blob appears whole or not at all: it is written unnamed (O_TMPFILE) and linked
under its name once complete, or, where the file system cannot do that, written
under a temporary name and renamed. There is no fsync: a blob lost in a power cut
belongs to a file whose registration (one database transaction, after the blob
is written) is lost too, and an ingest started again writes it again.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path

HEX64 = re.compile(r"[0-9a-f]{64}")
# O_TMPFILE is Linux only, and not every file system there has it (NFS, some FUSE mounts).
NO_TMPFILE = (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOSYS)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ContentStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self._unnamed = hasattr(os, "O_TMPFILE")  # until the file system says otherwise

    def path(self, sha256: str) -> Path:
        if not (isinstance(sha256, str) and HEX64.fullmatch(sha256)):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put_bytes(self, data: bytes) -> str:
        sha = sha256_bytes(data)
        self._store(self.path(sha), data)
        return sha

    def _store(self, dest: Path, data: bytes) -> None:
        if dest.exists():
            return
        if self._unnamed:
            try:
                self._link_unnamed(dest, data)
                return
            except OSError as e:
                if e.errno not in NO_TMPFILE and not (e.errno == errno.ENOENT and dest.parent.is_dir()):
                    raise  # ENOENT with the folder there: no /proc to link through
                self._unnamed = False
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, dest)

    @staticmethod
    def _link_unnamed(dest: Path, data: bytes) -> None:
        folder = str(dest.parent)
        try:
            fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600)
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600)
        try:
            _write_all(fd, data)
            # linkat(AT_SYMLINK_FOLLOW) through /proc: os.link only calls linkat when given a dir fd.
            try:
                os.link(f"/proc/self/fd/{fd}", dest, src_dir_fd=fd, follow_symlinks=True)
            except FileExistsError:  # another worker stored the same bytes first
                pass
        finally:
            os.close(fd)

    def put_text(self, text: str) -> str:
        return self.put_bytes(text.encode("utf-8"))

    def read_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def read_text(self, sha256: str) -> str:
        return self.read_bytes(sha256).decode("utf-8")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
