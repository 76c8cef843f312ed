"""De-NIST: documents whose hash is on a list of known software and system files.

NIST's National Software Reference Library (NSRL) publishes hashes of files that come with
operating systems and applications: DLLs, fonts, help files, license texts. A collection
imaged from a laptop is full of them and none is evidence. Such a document stays a document
(counted, accounted for, searchable) with `filtered = "nist"`, and is not routed for review.

The list is matter.yaml's `processing.nist_list`, relative to the matter folder. Accepted:
one MD5 or SHA-1 (hex) a line, or NSRL's CSV (NSRLFile.txt: "SHA-1","MD5",...); '#' starts a
comment. The file is streamed against the matter's own hashes, so an NSRL-sized list (tens
of millions of lines) needs memory for the matter, not for the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lpo.store import Store

FILTER = "nist"
EXAMPLE_LIST = Path(__file__).parent / "data" / "nist-example.txt"
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{32})(?![0-9A-Fa-f])")


class NistListError(ValueError):
    """The de-NIST list named in matter.yaml cannot be used; the message says what to do."""


def nist_path(matter_dir: Path, nist_list: str | None) -> Path | None:
    """The list file matter.yaml names, checked: None when there is none."""
    if not nist_list:
        return None
    path = (Path(matter_dir) / nist_list).resolve()
    if not path.is_file():
        raise NistListError(f"processing.nist_list: {path} not found; put the hash list there (one MD5 or SHA-1 "
                            "a line, or NSRL's NSRLFile.txt) or correct the path, relative to the matter folder, "
                            "in matter.yaml")
    return path


def read_hashes(path: Path) -> Iterator[str]:
    """Lower-case MD5 and SHA-1 hex strings of the list, in file order."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.lstrip().startswith("#"):
                continue
            # NSRL rows: the first two fields are the hashes; a file name later on may look like one.
            for h in _HEX.findall(",".join(line.split(",", 2)[:2])):
                yield h.lower()


def denist(store: Store, path: Path | None, chunk: int = 5000) -> dict[str, int]:
    """Mark documents on the list `filtered = "nist"`; clear the mark from those no longer on it.
    Other filters (set by someone else) are left alone."""
    ours: set[str] = set()
    if path is not None:
        for rows in store.scan_documents(["md5", "sha1"], chunk=chunk):
            for r in rows:
                ours.add(r.md5.lower())
                ours.add(r.sha1.lower())
    listed = read = 0
    hits: set[str] = set()
    if path is not None:
        for h in read_hashes(path):
            read += 1
            if h in ours:
                hits.add(h)
    ours.clear()
    changed = 0
    for rows in store.scan_documents(["control_number", "md5", "sha1", "filtered"], chunk=chunk):
        changes = []
        for r in rows:
            on_list = r.md5.lower() in hits or r.sha1.lower() in hits
            listed += on_list
            if on_list and r.filtered is None:
                changes.append((r.control_number, {"filtered": FILTER}))
            elif not on_list and r.filtered == FILTER:
                changes.append((r.control_number, {"filtered": None}))
        changed += store.update_culling(changes)
    return {"hashes_read": read, "filtered": listed, "changed": changed}
