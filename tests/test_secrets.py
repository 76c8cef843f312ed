"""[Hardening] Review-site tokens come from the environment or from a secrets file only its owner can
read; a file others can read is refused, and no message ever carries the token.
"""

from __future__ import annotations

import pytest

from lpo.matter import ElasticsearchConfig, MatterError, ReviewSite
from lpo.ops.sites import check_site
from lpo.secrets import SecretsError, read_secrets_file, secret

TOKEN = "0123456789abcdef0123456789abcdef01234567"
SITE = ReviewSite(name="offshore", url="http://127.0.0.1:9", token_env="LPO_T_SECRET", role="first_pass")


@pytest.fixture()
def secrets_file(tmp_path, monkeypatch):
    p = tmp_path / "lpo.secrets"
    p.write_text(f"# review sites\nLPO_T_SECRET={TOKEN}\nexport LPO_ES_PW='s3cret pw'\n\n")
    p.chmod(0o600)
    monkeypatch.delenv("LPO_T_SECRET", raising=False)
    monkeypatch.delenv("LPO_ES_PW", raising=False)
    monkeypatch.setenv("LPO_SECRETS_FILE", str(p))
    return p


def test_a_token_from_a_secrets_file_of_mode_600(secrets_file):
    assert SITE.token() == TOKEN
    assert ElasticsearchConfig(password_env="LPO_ES_PW").secret("LPO_ES_PW") == "s3cret pw"
    assert read_secrets_file(secrets_file) == {"LPO_T_SECRET": TOKEN, "LPO_ES_PW": "s3cret pw"}


def test_the_environment_comes_before_the_file(secrets_file, monkeypatch):
    monkeypatch.setenv("LPO_T_SECRET", "from-the-environment")
    assert SITE.token() == "from-the-environment"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_secrets_file_others_can_read_is_refused_without_showing_the_token(secrets_file, mode):
    secrets_file.chmod(mode)
    with pytest.raises(MatterError) as e:
        SITE.token()
    msg = str(e.value)
    assert f"chmod 600 {secrets_file}" in msg and "offshore" in msg and TOKEN not in msg
    check = check_site(SITE)  # `lpo sites check` says the same, before calling any site
    assert check.state == "unset" and "chmod 600" in check.detail and TOKEN not in check.detail


def test_a_malformed_line_is_named_by_number_not_shown(secrets_file):
    secrets_file.write_text(f"LPO_T_SECRET={TOKEN}\n{TOKEN}\n")
    with pytest.raises(SecretsError) as e:
        secret("LPO_T_SECRET")
    assert "line 2" in str(e.value) and TOKEN not in str(e.value)


def test_no_secrets_file_and_no_variable_says_what_to_do(monkeypatch):
    monkeypatch.delenv("LPO_T_SECRET", raising=False)
    monkeypatch.delenv("LPO_SECRETS_FILE", raising=False)
    with pytest.raises(MatterError, match="LPO_T_SECRET is not set"):
        SITE.token()
