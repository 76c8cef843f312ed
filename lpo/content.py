"""Content-addressed store of natives and extracted text, by SHA-256.

Blobs live at content/ab/cd/<sha256>; writing the same bytes twice is a no-op,
which makes ingest re-runs idempotent and de-duplicates storage for free.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ContentStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put_bytes(self, data: bytes) -> str:
        sha = sha256_bytes(data)
        dest = self.path(sha)
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename: a reader never sees a half-written blob.
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, dest)
        return sha

    def put_text(self, text: str) -> str:
        return self.put_bytes(text.encode("utf-8"))

    def read_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def read_text(self, sha256: str) -> str:
        return self.read_bytes(sha256).decode("utf-8")
