"""Back up a matter while it is in use, and restore it into a new folder (and database).

A backup is one tar (lpo.ops.archive): the store first, then the matter folder's files.
The store comes first because the content store only ever grows and a document is
registered after its blobs are written: every blob the store's snapshot refers to is
already on disk when the folder is copied after it.

- SQLite files (the store, the search index) go through sqlite3's online backup API, one
  step under one read transaction: a consistent snapshot while writers go on (WAL), where a
  copy of the file would miss what is still in the -wal file.
- A PostgreSQL store goes through `pg_dump --format=custom` (lpo.ops.pg) as store.pgdump.
- Secrets never enter the archive: matter.yaml names the environment variables that hold
  tokens; a password in store_url and the processing.passwords bank are left out of the
  archived copy, and the manifest says so, so restore can tell the operator what to supply.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lpo.matter import MATTER_FILE, load_matter
from lpo.ops import pg
from lpo.ops.archive import ArchiveError, ArchiveWriter, extract_verified, open_archive
from lpo.progress import step
from lpo.workspace import Workspace

SQLITE_HEADER = b"SQLite format 3\x00"
STORE_DUMP = "store.pgdump"
MATTER_PREFIX = "matter"
# Half-written files of the stages (each is renamed into place when complete), and SQLite's
# side files, whose committed content the backup API already carries.
PARTIAL_PREFIXES = (".tmp-",)
PARTIAL_SUFFIXES = (".building", ".unsorted", ".tmp", ".tmp.npz", "-wal", "-shm", "-journal", ".partial")


class BackupError(RuntimeError):
    """Backup or restore refused or failed; the message names the file and says what to do."""


@dataclass
class BackupResult:
    archive: Path
    store: str                    # "sqlite" | "postgresql"
    files: int
    bytes: int
    left_out: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    matter_dir: Path
    store: str
    files: int
    store_url: str | None
    token_envs: list[str]
    left_out: list[str]


def _is_sqlite(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(16) == SQLITE_HEADER


def _partial(path: Path) -> bool:
    return path.name.startswith(PARTIAL_PREFIXES) or path.name.endswith(PARTIAL_SUFFIXES)


def _matter_files(matter_dir: Path) -> list[Path]:
    """Regular files of the folder to archive, content/ first (see the module docstring)."""
    files = [p for p in matter_dir.rglob("*") if p.is_file() and not p.is_symlink() and not _partial(p)]
    return sorted(files, key=lambda p: (p.relative_to(matter_dir).parts[0] != "content", str(p)))


def sqlite_snapshot(src: Path, dest: Path) -> None:
    """A consistent copy of a live SQLite database, as one self-contained file (no -wal)."""
    # Read-write, though it only reads: a read-only connection cannot create a WAL database's -shm.
    source = sqlite3.connect(src, timeout=60)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)  # pages=-1: the whole database in one step, one read transaction
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def _archived_matter_yaml(matter_dir: Path) -> tuple[bytes, list[str]]:
    """matter.yaml as archived: unchanged unless it holds a secret, which is left out (and listed)."""
    path = matter_dir / MATTER_FILE
    raw_text = path.read_bytes()
    raw = yaml.safe_load(raw_text) or {}
    left_out = []
    url = raw.get("store_url")
    if url and url.startswith("sqlite"):
        raw.pop("store_url")  # the store travels as the folder's lpo.db and comes back there
        left_out.append("store_url (a SQLite store: restored as the matter folder's lpo.db)")
    elif url and pg.has_password(url):
        raw["store_url"] = pg.without_password(url)
        left_out.append("the password of store_url")
    bank = (raw.get("processing") or {}).get("passwords")
    if bank:
        raw["processing"]["passwords"] = []
        left_out.append(f"processing.passwords ({len(bank)} passwords for encrypted files)")
    if not left_out:
        return raw_text, []
    note = (b"# lpo backup: left out of this copy: " + "; ".join(left_out).encode() + b"\n")
    return note + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True).encode(), left_out


def backup_matter(matter_dir: Path | str, out: Path | str) -> BackupResult:
    matter_dir, out = Path(matter_dir).resolve(), Path(out)
    matter = load_matter(matter_dir)
    if out.exists():
        raise BackupError(f"{out} already exists: choose another file name, or delete it first")
    if out.resolve().is_relative_to(matter_dir):
        raise BackupError(f"{out} is inside the matter folder {matter_dir}: write the backup elsewhere")
    out.parent.mkdir(parents=True, exist_ok=True)
    url = matter.store_url
    store = "postgresql" if url and not url.startswith("sqlite") else "sqlite"
    store_file = None if store == "postgresql" else (
        Path(url.removeprefix("sqlite:///")) if url else matter_dir / "lpo.db")
    partial = out.with_name(out.name + ".partial")
    writer = ArchiveWriter(partial)
    try:
        with tempfile.TemporaryDirectory(prefix=".lpo-backup-", dir=out.parent) as tmp:
            snap = Path(tmp) / "snapshot"
            if store == "postgresql":
                pg.dump(url, snap)
                writer.add_file(STORE_DUMP, snap)
            elif store_file.exists():
                sqlite_snapshot(store_file, snap)
                writer.add_file(f"{MATTER_PREFIX}/lpo.db", snap)
            snap.unlink(missing_ok=True)
            matter_yaml, left_out = _archived_matter_yaml(matter_dir)
            writer.add_bytes(f"{MATTER_PREFIX}/{MATTER_FILE}", matter_yaml, (matter_dir / MATTER_FILE).stat().st_mtime)
            skip = {matter_dir / MATTER_FILE, *( [store_file] if store_file else [])}
            files = [p for p in _matter_files(matter_dir) if p not in skip]
            with step("backing up the matter", len(files)) as advance:
                for p in files:
                    name = f"{MATTER_PREFIX}/{p.relative_to(matter_dir).as_posix()}"
                    try:
                        if _is_sqlite(p):
                            sqlite_snapshot(p, snap)
                            writer.add_file(name, snap)
                            snap.unlink()
                        else:
                            writer.add_file(name, p)
                    except FileNotFoundError:
                        pass  # replaced or removed by a stage since listed (a search index swapped in)
                    advance(1)
        manifest = writer.close({"matter": matter.name, "store": store, "created": dt.datetime.now(
            dt.UTC).isoformat(), "lpo_version": importlib.metadata.version("lpo"), "left_out": left_out})
    except BaseException:
        writer.tar.close()
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, out)
    members = manifest["members"]
    return BackupResult(out, store, len(members), sum(m["size"] for m in members.values()), left_out)


def _check_target(to: Path) -> None:
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise BackupError(f"{to} already exists and is not empty: restore into a new folder (a restore never "
                          f"overwrites a matter); move or delete {to} first if it is to be replaced")


def restore_matter(archive: Path | str, to: Path | str, store_url: str | None = None) -> RestoreResult:
    archive, to = Path(archive), Path(to).resolve()
    if not archive.is_file():
        raise BackupError(f"{archive} not found: give the backup file written by `lpo backup`")
    _check_target(to)
    try:
        tar, manifest = open_archive(archive)
    except ArchiveError as e:
        raise BackupError(str(e)) from None
    with tar:
        store = manifest.get("store")
        if store == "postgresql":
            if not store_url:
                raise BackupError(f"{archive} holds a PostgreSQL store: give --store-url with the URL of an empty "
                                  f"database to restore it into (create one with `createdb NAME`), e.g. "
                                  f"postgresql+psycopg://USER@HOST:5432/NAME (the password in PGPASSWORD or ~/.pgpass)")
            tables = pg.user_tables(store_url)
            if tables:
                raise BackupError(f"the database at {pg.without_password(store_url)} is not empty ({len(tables)} "
                                  f"tables, e.g. {tables[0]}): restore into a new, empty database (createdb NAME)")
        elif store_url:
            raise BackupError(f"{archive} holds a SQLite store, restored as {to / 'lpo.db'}: leave out --store-url")
        to.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{to.name}.restoring-", dir=to.parent))
        try:
            with step("restoring the matter", len(manifest["members"])) as advance:
                extract_verified(tar, manifest, staging, archive, advance)
            restored = staging / MATTER_PREFIX
            if store == "postgresql":
                pg.restore(staging / STORE_DUMP, store_url)
                _set_store_url(restored / MATTER_FILE, store_url)
            _check_target(to)  # again: someone may have written there while this ran
            if to.exists():
                to.rmdir()
            os.replace(restored, to)
        except ArchiveError as e:
            raise BackupError(str(e)) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    ws = Workspace.open(to)  # opening the store applies newer migrations, if lpo was upgraded since
    ws.store.close()
    return RestoreResult(to, store, len(manifest["members"]), ws.matter.store_url,
                         sorted({s.token_env for s in ws.matter.review_sites}), manifest.get("left_out", []))


def _set_store_url(path: Path, url: str) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["store_url"] = url
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
