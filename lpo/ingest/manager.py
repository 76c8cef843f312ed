"""Ingest: files in, documents or processing exceptions out; nothing lost.

Two steps, so the heavy one can run in parallel and the numbering stays deterministic:
1. `extract_file` parses a file and its members (attachments) into an ExtractionNode,
   storing natives and text in the content store. The node (metadata and hashes, no
   text) travels with the file's FileResult when small, else it is stored there too and
   travels as its hash: what crosses between tasks is never text.
2. `register_file` gives each node a control number (stable across re-runs: a document
   already ingested from the same custodian and path keeps its number) and writes the
   file's documents, exceptions and source-file row in one transaction, so a run killed
   midway leaves every file either fully registered or not at all.

A file already registered with the same path, size and SHA-256 (and no file-level
exception) is not extracted again: re-running an ingest adds nothing, and a run
started again after a crash resumes where it stopped. lpo.ingest.worker runs
`extract_file` in worker processes with time and memory limits.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from lpo.content import ContentStore
from lpo.ingest import catalog
from lpo.ingest.base import DEFAULT_CONTEXT, IngestContext, IngestError, base_name, extension, pick
from lpo.ingest.language import detect_language
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


# A node this size or smaller crosses in its FileResult: a blob a file in the content store
# costs more (an inode, often two new folders) than the bytes through a pipe.
INLINE_NODE_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileResult:
    """What crosses from the extract task to the register task: a path, hashes and the node."""

    path: str
    sha256: str
    size: int
    node_sha256: str | None  # the node in the content store, when it was too large to travel inline
    node_json: bytes | None = None  # the node itself, when small; neither: unchanged, nothing to do

    @property
    def unchanged(self) -> bool:
        return self.node_sha256 is None and self.node_json is None

    def node(self, content: ContentStore) -> ExtractionNode:
        return ExtractionNode.model_validate_json(self.node_json or content.read_bytes(self.node_sha256))


Known = tuple[str, int]  # (sha256, size) of a file as registered before


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
    ext = extension(name)
    node = ExtractionNode(name=name, sha256=sha256, md5=hashlib.md5(data).hexdigest(),
                          sha1=hashlib.sha1(data).hexdigest(), size=len(data),
                          mime_type=mimetypes.guess_type(base_name(name))[0] or "application/octet-stream")
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
    except MemoryError:
        node.error_reason = "out_of_memory"
        node.error_detail = (f"{name}: parsing it needed more memory than a worker may use; raise "
                             "processing.memory_mb in matter.yaml and ingest again, or process it by hand")
        return node
    except Exception as e:  # noqa: BLE001  a parser bug on one member must not lose its family
        node.error_reason = "corrupt"
        node.error_detail = (f"{name}: the {ingestor.name} parser failed on it ({type(e).__name__}: {e}); "
                             "the file is probably damaged: ask the client for a fresh copy")
        return node
    node.text_sha256 = content.put_text(ex.text)
    node.language = detect_language(ex.text)
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


def source_path(root: Path, rel_path: str) -> Path:
    return Path(root) / rel_path if Path(root).is_dir() else Path(root)


def hash_file(path: Path, content: ContentStore | None = None) -> tuple[str, str, str, int]:
    """SHA-256, MD5, SHA-1 and size, read in blocks so a file larger than memory never is in it.
    With `content`, the bytes are stored as a native on the way (write, then rename)."""
    hashes = hashlib.sha256(), hashlib.md5(), hashlib.sha1()
    size, out, tmp = 0, None, None
    if content is not None:
        content.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=content.root, prefix=".tmp-")
        out = os.fdopen(fd, "wb")
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                for h in hashes:
                    h.update(block)
                size += len(block)
                if out:
                    out.write(block)
        sha, md5, sha1 = (h.hexdigest() for h in hashes)
        if out:
            out.close()
            dest = content.path(sha)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, dest)
            tmp = None
        return sha, md5, sha1, size
    finally:
        if out and not out.closed:
            out.close()
        if tmp:
            os.unlink(tmp)


def _put_node(content: ContentStore, rel_path: str, node: ExtractionNode) -> FileResult:
    raw = node.model_dump_json().encode()
    if len(raw) <= INLINE_NODE_BYTES:
        return FileResult(path=rel_path, sha256=node.sha256, size=node.size, node_sha256=None, node_json=raw)
    return FileResult(path=rel_path, sha256=node.sha256, size=node.size, node_sha256=content.put_bytes(raw))


def failed_file(content: ContentStore, root: Path, rel_path: str, reason: str, detail: str,
                store_native: bool = True) -> FileResult:
    """A file whose parsing never returned (timeout, crash, out of memory): an exception node,
    hashed from the file on disk since the worker that read it is gone."""
    path = source_path(root, rel_path)
    try:
        sha, md5, sha1, size = hash_file(path, content if store_native else None)
    except OSError:  # gone or unreadable: no hashes to give, still accounted for
        sha, md5, sha1, size = "", "", "", 0
    node = ExtractionNode(name=path.name, sha256=sha, md5=md5, sha1=sha1, size=size,
                          mime_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                          error_reason=reason, error_detail=detail)
    return _put_node(content, rel_path, node)


def unchanged(root: Path, rel_path: str, known: Known) -> FileResult | None:
    """The file's result when it is as registered before (same size and SHA-256): only hashed."""
    path = source_path(root, rel_path)
    if path.stat().st_size != known[1]:
        return None
    with open(path, "rb") as f:
        sha = hashlib.file_digest(f, "sha256").hexdigest()
    return FileResult(path=rel_path, sha256=sha, size=known[1], node_sha256=None) if sha == known[0] else None


def extract_file(content: ContentStore, root: Path, rel_path: str, ctx: IngestContext = DEFAULT_CONTEXT, *,
                 max_bytes: int | None = None, known: Known | None = None) -> FileResult:
    """Parse one file into the content store. `known`: its (sha256, size) when registered before;
    an unchanged file is only hashed. Over `max_bytes` it is hashed, never loaded or parsed."""
    path = source_path(root, rel_path)
    size = path.stat().st_size
    if known is not None and (same := unchanged(root, rel_path, known)) is not None:
        return same
    if max_bytes is not None and size > max_bytes:
        return failed_file(content, root, rel_path, "too_large",
                           f"{rel_path}: {size / 1024**2:,.0f} MB is over the limit of "
                           f"{max_bytes / 1024**2:,.0f} MB, so it was not opened; raise processing.max_file_mb "
                           "in matter.yaml and ingest again, or split or process it by hand",
                           store_native=False)
    data = path.read_bytes()
    return _put_node(content, rel_path, _extract(content, path.name, data, 0, ctx))


def _walk(node: ExtractionNode, path: str, parent: str | None) -> Iterator[tuple[ExtractionNode, str, str | None]]:
    yield node, path, parent
    for c in node.children:
        yield from _walk(c, f"{path}/{c.name}", path)


def thread_id(e: EmailFields | None) -> str | None:
    if e is None:
        return None
    root = (e.references[0] if e.references else None) or e.in_reply_to or e.message_id
    return "T-" + hashlib.sha1(root.encode()).hexdigest()[:12] if root else None


def registered(store: Store, custodian: str) -> dict[str, Known]:
    """Files of this custodian registered before and read without a file-level exception, by path.
    A file that was an exception is tried again: a new password or a higher limit may open it."""
    failed = {e.source_path for e in store.exceptions() if e.custodian == custodian and e.stage == "ingest"}
    return {sf.path: (sf.sha256, sf.size) for sf in store.source_files()
            if sf.custodian == custodian and sf.path not in failed}


def register_file(store: Store, content: ContentStore, prefix: str, custodian: str, result: FileResult) -> int:
    """Write one ingested file's documents, exceptions and source-file row, all or none.
    Returns new documents written."""
    return register_files(store, content, prefix, custodian, [result])


def register_files(store: Store, content: ContentStore, prefix: str, custodian: str,
                   results: list[FileResult]) -> int:
    """Register a chunk of files in order, in one transaction: each file whole or not at all, as
    with register_file, for one commit a chunk instead of one a file. Returns new documents written.

    What the store knows about the chunk (source-file ids, documents at its paths, the first
    document of each hash) is read in a few statements per chunk, not five a file: the
    store's statements were most of registration's cost."""
    todo = [r for r in results if not r.unchanged]
    if not todo:
        return 0
    nodes = [r.node(content) for r in todo]
    with store.transaction():
        # Inside the transaction nobody else numbers documents: the next number is read once, and
        # the chunk's new documents are inserted together at its end.
        sf_ids = store.upsert_source_files([SourceFile(custodian=custodian, path=r.path, sha256=r.sha256,
                                                       size=r.size) for r in todo])
        read = [r.path for r, n in zip(todo, nodes) if not _unreadable(n)]
        store.clear_exceptions(custodian, read)
        chunk = _Chunk(seq=store.next_seq(), seen=store.documents_at(custodian, read),
                       first=store.first_with_sha256s(m.sha256 for n in nodes for m, _, _ in _walk(n, "", None)))
        for r, n, sf_id in zip(todo, nodes, sf_ids):
            _register(store, prefix, custodian, r, n, sf_id, chunk)
        return store.add_documents(chunk.new)


def _unreadable(node: ExtractionNode) -> bool:
    return bool(node.error_reason) and node.text_sha256 is None


@dataclass
class _Chunk:
    seq: int  # the next free sequence number
    seen: dict[str, Document]  # top paths of the chunk registered before, by path
    first: dict[str, str]  # SHA-256 -> control number of its first document: the store's, then the chunk's
    new: list[Document] = field(default_factory=list)  # to insert, in order


def _register(store: Store, prefix: str, custodian: str, result: FileResult, node: ExtractionNode, sf_id: int,
              chunk: _Chunk) -> None:
    if _unreadable(node):
        # The file itself could not be read: an exception, not a document.
        store.record_exception(ProcessingException(source_file_id=sf_id, custodian=custodian,
                                                   source_path=result.path, sha256=node.sha256 or None,
                                                   reason=node.error_reason, detail=node.error_detail or ""))
        return
    # A file's documents are registered together: if its top one is new, so are its members.
    seen_before = result.path in chunk.seen
    by_path: dict[str, str] = {}
    family = None
    for n, path, parent in _walk(node, result.path, None):
        existing = (chunk.seen[path] if path == result.path else store.find_document(custodian, path)) \
            if seen_before else None
        if existing:
            cn = existing.control_number
        else:
            cn = f"{prefix}-{chunk.seq:08d}"
            chunk.seq += 1
        by_path[path] = cn
        family = family or cn
        if n.error_reason:  # a member we could not read: still a document of the family, and an exception
            store.record_exception(ProcessingException(source_file_id=sf_id, custodian=custodian, source_path=path,
                                                       sha256=n.sha256, reason=n.error_reason,
                                                       detail=n.error_detail or ""))
        if existing:
            continue
        # Registered documents all come before this chunk's new ones: the store's first is the first.
        dup = chunk.first.setdefault(n.sha256, cn)
        chunk.new.append(Document(
            control_number=cn, custodian=custodian, source_file_id=sf_id,
            parent=by_path[parent] if parent else None, family_id=family, thread_id=thread_id(n.email),
            duplicate_of=dup if dup != cn else None, md5=n.md5, sha1=n.sha1, sha256=n.sha256, source_path=path,
            file_name=base_name(n.name), extension=extension(n.name), mime_type=n.mime_type,
            size=n.size, created=n.created, modified=n.modified, author=n.author, title=n.title, email=n.email,
            text_sha256=n.text_sha256, page_count=n.page_count, ocr=n.ocr, language=n.language))
