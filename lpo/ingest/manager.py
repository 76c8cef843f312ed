"""Ingest: files in, documents or processing exceptions out; nothing lost.

Two steps, so the heavy one can run in parallel and the numbering stays deterministic:
1. `extract_file` parses a file and its members (attachments) into an ExtractionNode,
   storing natives and text in the content store; the node itself is stored there too,
   so what crosses between tasks is a hash, never text.
2. `register_file` gives each node a control number (stable across re-runs: a document
   already ingested from the same custodian and path keeps its number) and writes
   documents and exceptions to the store.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from lpo.content import ContentStore
from lpo.ingest import catalog
from lpo.ingest.base import DEFAULT_CONTEXT, IngestContext, IngestError, pick
from lpo.models import Document, EmailFields, ProcessingException, SourceFile
from lpo.store import Store

catalog.load()


class ExtractionNode(BaseModel):
    name: str
    sha256: str
    md5: str
    sha1: str
    size: int
    mime_type: str
    ingestor: str | None = None
    text_sha256: str | None = None
    page_count: int | None = None
    author: str | None = None
    title: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    email: EmailFields | None = None
    ocr: bool = False
    language: str | None = None
    error_reason: str | None = None
    error_detail: str | None = None
    children: list["ExtractionNode"] = []


@dataclass(frozen=True)
class FileResult:
    """What crosses from the extract task to the register task: a path and hashes."""

    path: str
    sha256: str
    size: int
    node_sha256: str


def list_files(root: Path) -> list[str]:
    """Every regular file under root (or root itself), as sorted '/'-separated relative paths."""
    root = Path(root)
    if root.is_file():
        return [root.name]
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in filenames:
            p = Path(dirpath) / f
            if p.is_file() and not p.is_symlink():
                out.append(p.relative_to(root).as_posix())
    return sorted(out)


def _extract(content: ContentStore, name: str, data: bytes, depth: int, ctx: IngestContext) -> ExtractionNode:
    sha256 = content.put_bytes(data)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    node = ExtractionNode(name=name, sha256=sha256, md5=hashlib.md5(data).hexdigest(),
                          sha1=hashlib.sha1(data).hexdigest(), size=len(data),
                          mime_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
    if not data:
        node.error_reason, node.error_detail = "empty", f"{name}: the file is empty (0 bytes); nothing to review"
        return node
    ingestor = pick(name, data)
    if ingestor is None:
        node.error_reason = "unsupported"
        node.error_detail = (f"{name}: no ingestor for this file type (.{ext or '?'}); "
                             "it is kept as a native and listed as an exception for manual review")
        return node
    node.ingestor = ingestor.name
    node.mime_type = ingestor.mime_types[0]
    try:
        ex = ingestor().extract(data, name, ctx)
    except IngestError as e:
        node.error_reason, node.error_detail = e.reason, e.detail
        return node
    node.text_sha256 = content.put_text(ex.text)
    node.page_count, node.author, node.title = ex.page_count, ex.author, ex.title
    node.created, node.modified, node.email, node.ocr = ex.created, ex.modified, ex.email, ex.ocr
    if ex.children and depth >= ctx.max_depth:
        # Attachments of attachments this deep are a bomb, not a business record.
        node.error_reason, node.error_detail = "container_bomb", f"{name}: containers nested deeper than {ctx.max_depth}"
        return node
    seen: set[str] = set()
    for child in ex.children:
        cname = child.name
        n = 1
        while cname in seen:  # two attachments with one name must stay two documents
            n += 1
            cname = f"{n}-{child.name}"
        seen.add(cname)
        node.children.append(_extract(content, cname, child.data, depth + 1, ctx))
    return node


def extract_file(content: ContentStore, root: Path, rel_path: str, ctx: IngestContext = DEFAULT_CONTEXT) -> FileResult:
    path = Path(root) / rel_path if Path(root).is_dir() else Path(root)
    data = path.read_bytes()
    node = _extract(content, Path(rel_path).name, data, 0, ctx)
    node_sha = content.put_bytes(node.model_dump_json().encode())
    return FileResult(path=rel_path, sha256=node.sha256, size=len(data), node_sha256=node_sha)


def _walk(node: ExtractionNode, path: str, parent: str | None) -> Iterator[tuple[ExtractionNode, str, str | None]]:
    yield node, path, parent
    for c in node.children:
        yield from _walk(c, f"{path}/{c.name}", path)


def thread_id(e: EmailFields | None) -> str | None:
    if e is None:
        return None
    root = (e.references[0] if e.references else None) or e.in_reply_to or e.message_id
    return "T-" + hashlib.sha1(root.encode()).hexdigest()[:12] if root else None


def register_file(store: Store, content: ContentStore, prefix: str, custodian: str, result: FileResult) -> int:
    """Write one ingested file's documents and exceptions. Returns new documents written."""
    node = ExtractionNode.model_validate_json(content.read_bytes(result.node_sha256))
    sf_id = store.upsert_source_file(SourceFile(custodian=custodian, path=result.path, sha256=result.sha256,
                                                size=result.size))
    if node.error_reason and node.text_sha256 is None:
        # The file itself could not be read: an exception, not a document.
        store.record_exception(ProcessingException(source_file_id=sf_id, custodian=custodian,
                                                   source_path=result.path, sha256=node.sha256,
                                                   reason=node.error_reason, detail=node.error_detail or ""))
        return 0
    store.clear_exception(custodian, result.path)
    seq = store.next_seq()
    by_path: dict[str, str] = {}
    new: list[Document] = []
    family = None
    for n, path, parent in _walk(node, result.path, None):
        existing = store.find_document(custodian, path)
        if existing:
            cn = existing.control_number
        else:
            cn = f"{prefix}-{seq:08d}"
            seq += 1
        by_path[path] = cn
        family = family or cn
        if n.error_reason:  # a member we could not read: still a document of the family, and an exception
            store.record_exception(ProcessingException(source_file_id=sf_id, custodian=custodian, source_path=path,
                                                       sha256=n.sha256, reason=n.error_reason,
                                                       detail=n.error_detail or ""))
        if existing:
            continue
        dup = store.first_with_sha256(n.sha256) or next((d.control_number for d in new if d.sha256 == n.sha256), None)
        new.append(Document(
            control_number=cn, custodian=custodian, source_file_id=sf_id,
            parent=by_path[parent] if parent else None, family_id=family, thread_id=thread_id(n.email),
            duplicate_of=dup, md5=n.md5, sha1=n.sha1, sha256=n.sha256, source_path=path, file_name=n.name,
            extension=(n.name.rsplit(".", 1)[-1].lower() if "." in n.name else ""), mime_type=n.mime_type,
            size=n.size, created=n.created, modified=n.modified, author=n.author, title=n.title, email=n.email,
            text_sha256=n.text_sha256, page_count=n.page_count, ocr=n.ocr, language=n.language))
    return store.add_documents(new)
