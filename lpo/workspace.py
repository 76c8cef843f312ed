"""An open matter: its configuration, store and content store, resolved from the folder."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lpo.content import ContentStore
from lpo.matter import Matter, load_matter
from lpo.store import Store


@dataclass
class Workspace:
    dir: Path
    matter: Matter

    @classmethod
    def open(cls, matter_dir: Path | str) -> "Workspace":
        d = Path(matter_dir).resolve()
        return cls(dir=d, matter=load_matter(d))

    @cached_property
    def store(self) -> Store:
        return Store.for_matter(self.dir, self.matter.store_url)

    @cached_property
    def content(self) -> ContentStore:
        return ContentStore(self.dir / "content")

    def text(self, text_sha256: str | None) -> str:
        return self.content.read_text(text_sha256) if text_sha256 else ""
