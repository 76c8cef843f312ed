"""What an ingestor returns, and the registry that picks one per file.

Pattern of OCCRP's ingest-file: each ingestor declares the MIME types and extensions
it takes; the registry picks the best match; a failure is recorded, never raised
through the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from lpo.models import EmailFields


class IngestError(Exception):
    """A file that cannot be processed. `reason` is short and machine-readable."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Child:
    """A member of a container (an email attachment, a file in a zip)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class IngestContext:
    """What every ingestor may need beyond the bytes: the password bank and the limits."""

    passwords: tuple[str, ...] = ()
    max_depth: int = 8
    max_expansion_ratio: float = 200.0
    max_expanded_bytes: int = 10 * 1024**3
    ocr: bool = True
    # A private folder of legacy Office files LibreOffice already converted in one batch, each
    # named by the SHA-256 of its bytes (lpo.ingest.legacy.preconvert); None: convert one by one.
    converted: str | None = None

    @classmethod
    def from_config(cls, cfg, extra_passwords: tuple[str, ...] = ()) -> "IngestContext":  # noqa: ANN001
        return cls(passwords=tuple(cfg.passwords) + tuple(extra_passwords), max_depth=cfg.max_depth,
                   max_expansion_ratio=cfg.max_expansion_ratio, max_expanded_bytes=cfg.max_expanded_mb * 1024**2)


DEFAULT_CONTEXT = IngestContext()


@dataclass
class Extracted:
    text: str = ""
    page_count: int | None = None
    author: str | None = None
    title: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    email: EmailFields | None = None
    ocr: bool = False
    children: list[Child] = field(default_factory=list)


class Ingestor:
    name: ClassVar[str] = "base"
    mime_types: ClassVar[tuple[str, ...]] = ()
    extensions: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        """True when the bytes look like this format, whatever the extension says."""
        return False

    @classmethod
    def fallback(cls, data: bytes) -> bool:
        """True when this ingestor can still read bytes nothing else claimed (e.g. plain text)."""
        return False

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        raise NotImplementedError


REGISTRY: list[type[Ingestor]] = []


def base_name(name: str) -> str:
    """The last component of a name: a zip member is named by its path in the archive ('docs/a.pdf')."""
    return name.rsplit("/", 1)[-1]


def extension(name: str) -> str:
    """Lower-case extension of the last component, without the dot ('' when none): 'v1.2/README' has none."""
    base = base_name(name)
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def register(cls: type[Ingestor]) -> type[Ingestor]:
    REGISTRY.append(cls)
    return cls


def pick(name: str, data: bytes) -> type[Ingestor] | None:
    """Content first (a PDF renamed .txt is still a PDF), then the extension. A `sniff` that fails on
    damaged bytes means "not this format": the file must still reach an ingestor that says what is wrong."""
    for cls in REGISTRY:
        try:
            if cls.sniff(data):
                return cls
        except Exception:  # noqa: BLE001, S112  found by fuzzing: zipfile's NotImplementedError in a sniff
            continue
    ext = extension(name)
    for cls in REGISTRY:
        if ext in cls.extensions:
            return cls
    for cls in REGISTRY:
        if cls.fallback(data):
            return cls
    return None
