"""matter.yaml: a valid one loads; an invalid one says which key and what is expected."""

import pytest
import yaml

from lpo.matter import MatterError, default_matter, load_matter, write_matter


def test_default_matter_round_trips(tmp_path):
    m = default_matter("Acme v. Globex")
    write_matter(tmp_path, m)
    back = load_matter(tmp_path)
    assert back == m and back.production.prefix == "ACMEVGLO" and back.site("qa").name == "onshore-qa"


def _write(tmp_path, mutate):
    data = default_matter("x").model_dump(mode="json", exclude_none=True)
    mutate(data)
    (tmp_path / "matter.yaml").write_text(yaml.safe_dump(data))


@pytest.mark.parametrize("mutate, key, expected", [
    (lambda d: d.pop("client"), "client", "is required"),
    (lambda d: d["production"].update(prefix="acme bates"), "production.prefix", "capital letters"),
    (lambda d: d["qa"].update(confidence=1.5), "qa.confidence", "less than 1"),
    (lambda d: d["review_sites"][0].update(role="boss"), "review_sites.0.role", "first_pass"),
    (lambda d: d.update(batchsize=10), "batchsize", "not a known key"),
    (lambda d: d["protocol"].pop("instructions"), "protocol.instructions", "is required"),
])
def test_invalid_matter_names_the_key(tmp_path, mutate, key, expected):
    _write(tmp_path, mutate)
    with pytest.raises(MatterError) as e:
        load_matter(tmp_path)
    line = next(ln for ln in str(e.value).splitlines() if ln.strip().startswith(key + ":"))
    assert expected in line


def test_missing_matter_says_how_to_create_one(tmp_path):
    with pytest.raises(MatterError, match="lpo init"):
        load_matter(tmp_path)


def test_issue_codes_short_form(tmp_path):
    _write(tmp_path, lambda d: d["protocol"].update(issue_codes={"PRICING": "Pricing terms"}))
    assert load_matter(tmp_path).protocol.issue_codes[0].code == "PRICING"


def test_site_token_comes_from_the_environment(monkeypatch):
    site = default_matter("x").site("first_pass")
    monkeypatch.delenv(site.token_env, raising=False)
    with pytest.raises(MatterError, match=site.token_env):
        site.token()
    monkeypatch.setenv(site.token_env, "abc")
    assert site.token() == "abc"
