"""One store API over SQLite (embedded default) and PostgreSQL."""

from lpo.store.store import Store, make_engine, migrate

__all__ = ["Store", "make_engine", "migrate"]
