"""pg_dump and pg_restore for a matter store on PostgreSQL.

Debian installs the client programs under /usr/lib/postgresql/<major>/bin (the /usr/bin ones are
wrappers that need a configured cluster), so the newest there is used, else whatever is on PATH.
The password never goes on a command line (other users can read it in `ps`): it is handed to
the program in PGPASSWORD, and the URL it is given has none.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


class PgToolError(RuntimeError):
    """pg_dump/pg_restore is missing or failed; the message says which and what it printed."""


def pg_program(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise PgToolError(f"{name} not found: install PostgreSQL's client programs (apt-get install postgresql-client, "
                          f"or `make setup`)")
    return path


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL as a libpq URI without the password, and the environment that carries it."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    # URL.set() skips None values; a URL is a named tuple, so _replace drops the password.
    bare = u._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return bare, env


def without_password(url: str) -> str:
    return make_url(url)._replace(password=None).render_as_string(hide_password=False)


def has_password(url: str) -> bool:
    return bool(make_url(url).password)


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    r = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise PgToolError(f"{what} failed (exit {r.returncode}): {r.stderr.strip()[-2000:]}")


def dump(url: str, out: Path) -> None:
    """One consistent snapshot of the database (pg_dump runs in a single repeatable-read transaction)."""
    uri, env = libpq(url)
    _run([pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(out), uri],
         env, f"pg_dump of {without_password(url)}")


def restore(dump_file: Path, url: str) -> None:
    """Into an empty database, all or nothing (one transaction)."""
    uri, env = libpq(url)
    _run([pg_program("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          "--dbname", uri, str(dump_file)], env, f"pg_restore into {without_password(url)}")


def user_tables(url: str) -> list[str]:
    """Tables outside PostgreSQL's own schemas: a database to restore into must have none."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return list(c.execute(text(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")).scalars())
    finally:
        engine.dispose()
