"""manifest.json: the SHA-256 and size of every delivered file of a volume.

    {"files": [{"path": "DATA/VOL001.dat", "sha256": "...", "size": 1234}, ...]}

Paths are POSIX, relative to the folder holding manifest.json (the volume root),
sorted; the manifest does not list itself. The recipient (and lpo's own QA of a
production) checks a delivery with `verify_manifest`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST = "manifest.json"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def delivered_files(root: Path) -> list[Path]:
    return sorted((p for p in root.rglob("*") if p.is_file() and p.relative_to(root).as_posix() != MANIFEST),
                  key=lambda p: p.relative_to(root).as_posix())


def build_manifest(root: Path) -> dict:
    return {"files": [{"path": p.relative_to(root).as_posix(), "sha256": file_sha256(p), "size": p.stat().st_size}
                      for p in delivered_files(root)]}


def write_manifest(root: Path) -> Path:
    path = root / MANIFEST
    path.write_text(json.dumps(build_manifest(root), indent=1) + "\n", encoding="utf-8")
    return path


def verify_manifest(root: Path | str) -> list[str]:
    """Problems found (empty when every file is listed, present and unchanged, and nothing else is there)."""
    root = Path(root)
    listed = {e["path"]: e for e in json.loads((root / MANIFEST).read_text(encoding="utf-8"))["files"]}
    present = {p.relative_to(root).as_posix(): p for p in delivered_files(root)}
    problems = [f"{rel}: listed in the manifest but missing" for rel in sorted(listed.keys() - present.keys())]
    problems += [f"{rel}: present but not in the manifest" for rel in sorted(present.keys() - listed.keys())]
    for rel in sorted(listed.keys() & present.keys()):
        p, e = present[rel], listed[rel]
        if p.stat().st_size != e["size"] or file_sha256(p) != e["sha256"]:
            problems.append(f"{rel}: size or SHA-256 differs from the manifest")
    return problems
