"""Secrets (review-site tokens, the Elasticsearch password): from the environment, or from a secrets
file only its owner can read. Never from matter.yaml, never logged, never written to the store.

`LPO_SECRETS_FILE` names the file: `NAME=value` lines (blank lines and `#` comments ignored), as
Docker and systemd write them. A file that its group or others can read, or that another user
owns, is refused: a token that leaked to the machine's other accounts is a leaked token.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SECRETS_FILE_ENV = "LPO_SECRETS_FILE"


class SecretsError(Exception):
    pass


def read_secrets_file(path: Path | str) -> dict[str, str]:
    path = Path(path)
    try:
        st = path.stat()
    except OSError as e:
        raise SecretsError(f"{path}: cannot read the secrets file ({e.strerror}); fix {SECRETS_FILE_ENV} or create "
                           "it with mode 600") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsError(f"{path}: the secrets file can be read by other users (mode {stat.S_IMODE(st.st_mode):o}); "
                           f"run `chmod 600 {path}`, and rotate its tokens if others could have read them")
    if st.st_uid != os.geteuid():
        raise SecretsError(f"{path}: the secrets file belongs to another user (uid {st.st_uid}); it must be owned by "
                           "the account that runs lpo")
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise SecretsError(f"{path}, line {n}: not NAME=value")  # the line itself may hold a secret
        out[name.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return out


def secret(name: str | None) -> str | None:
    """The value of a secret: the environment first, then the secrets file, if one is named."""
    if not name:
        return None
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(SECRETS_FILE_ENV)
    return read_secrets_file(path).get(name) or None if path else None
