"""manifest.json: what a volume holds, and the SHA-256 and size of every delivered file.

    {"volume": "ACME001", "bates": {"begin": "ACME00000001", "end": "ACME00000147"},
     "counts": {"documents": 105, "pages": 147, ...},
     "files": [{"path": "DATA/ACME001.dat", "sha256": "...", "size": 1234}, ...]}

Paths are POSIX, relative to the folder holding manifest.json (the volume root),
sorted; the manifest does not list itself. The recipient (and lpo's own QA of a
production) checks a delivery with `verify_production` (`lpo verify-production OUT`):
files missing, added or altered, and load files pointing at files that are not there.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
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


def build_manifest(root: Path, summary: dict | None = None) -> dict:
    files = [{"path": p.relative_to(root).as_posix(), "sha256": file_sha256(p), "size": p.stat().st_size}
             for p in delivered_files(root)]
    out = dict(summary or {})
    out.setdefault("counts", {})
    out["counts"] = {**out["counts"], "files": len(files), "bytes": sum(f["size"] for f in files)}
    out["files"] = files
    return out


def write_manifest(root: Path, summary: dict | None = None) -> Path:
    path = root / MANIFEST
    path.write_text(json.dumps(build_manifest(root, summary), indent=1) + "\n", encoding="utf-8")
    return path


def verify_manifest(root: Path | str) -> list[str]:
    """Problems found (empty when every file is listed, present and unchanged, and nothing else is there)."""
    root = Path(root)
    path = root / MANIFEST
    if not path.is_file():
        return [f"{MANIFEST}: missing; {root} is not a delivered volume (or its manifest was lost)"]
    try:
        listed = {e["path"]: e for e in json.loads(path.read_text(encoding="utf-8"))["files"]}
    except (ValueError, KeyError, TypeError) as e:
        return [f"{MANIFEST}: unreadable ({e}); ask the producing party for the volume's manifest again"]
    present = {p.relative_to(root).as_posix(): p for p in delivered_files(root)}
    problems = [f"{rel}: listed in the manifest but missing" for rel in sorted(listed.keys() - present.keys())]
    problems += [f"{rel}: present but not in the manifest" for rel in sorted(present.keys() - listed.keys())]
    for rel in sorted(listed.keys() & present.keys()):
        p, e = present[rel], listed[rel]
        if p.stat().st_size != e["size"]:
            problems.append(f"{rel}: altered (size {p.stat().st_size}, the manifest says {e['size']})")
        elif file_sha256(p) != e["sha256"]:
            problems.append(f"{rel}: altered (SHA-256 differs from the manifest)")
    return problems


def _load_file_problems(root: Path) -> list[str]:
    """Paths the DAT and OPT name that are not in the volume."""
    from lpo.production.loadfiles import (
        LoadFileError,
        read_dat,
        read_opt,
        volume_relative,
    )

    problems: list[str] = []
    volume = root.name
    for dat in sorted((root / "DATA").glob("*.dat")):
        try:
            rows = read_dat(dat)
        except LoadFileError as e:
            problems.append(f"{dat.relative_to(root).as_posix()}: {e}")
            continue
        for row in rows:
            for col in ("TEXTPATH", "NATIVEPATH"):
                if row.get(col) and not (root / volume_relative(row[col], volume)).is_file():
                    problems.append(f"{dat.relative_to(root).as_posix()}: {row.get('BEGBATES')} {col} "
                                    f"{row[col]} is not in the volume")
    for opt in sorted((root / "DATA").glob("*.opt")):
        try:
            lines = read_opt(opt)
        except LoadFileError as e:
            problems.append(f"{opt.relative_to(root).as_posix()}: {e}")
            continue
        for line in lines:
            if not (root / volume_relative(line[2], volume)).is_file():
                problems.append(f"{opt.relative_to(root).as_posix()}: image {line[2]} of {line[0]} "
                                f"is not in the volume")
    return problems


@dataclass
class VolumeCheck:
    volume: Path
    problems: list[str] = field(default_factory=list)
    files: int = 0
    bates: tuple[str, str] = ("", "")

    @property
    def ok(self) -> bool:
        return not self.problems


def volumes_under(out: Path) -> list[Path]:
    """`out` itself when it is a volume, else the volumes directly inside it."""
    out = Path(out)
    if (out / MANIFEST).is_file():
        return [out]
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")) if out.is_dir() else []


def verify_production(out: Path | str) -> list[VolumeCheck]:
    """Check every volume of a delivered production against its manifest."""
    out = Path(out)
    checks = []
    for vol in volumes_under(out):
        check = VolumeCheck(vol, verify_manifest(vol))
        if (vol / MANIFEST).is_file() and not any(p.startswith(MANIFEST) for p in check.problems):
            data = json.loads((vol / MANIFEST).read_text(encoding="utf-8"))
            check.files = len(data["files"])
            check.bates = (data.get("bates", {}).get("begin", ""), data.get("bates", {}).get("end", ""))
            check.problems += _load_file_problems(vol)
        checks.append(check)
    return checks
