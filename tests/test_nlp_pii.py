"""PII detectors (nlp/pii.py, nlp/checksums.py, nlp/address.py): each type, its checks and its traps.

Pure functions over text: no pipeline, no model. The hand-written hard cases of
the evaluation set (nlp/eval/hard_cases.py) are run here too, span for span.
"""

from __future__ import annotations

import pytest

from nlp.checksums import (
    card_issuer,
    iban_mod97,
    luhn_ok,
    nanp_ok,
    real_date,
    valid_aba,
    valid_card,
    valid_iban,
    valid_ssn,
)
from nlp.eval.build import hard_cases, parse_marked
from nlp.pii import LABELS, expand_types, find_pii

ALL = list(LABELS)


def found(text: str, types=ALL) -> list[tuple[str, str]]:
    """(type, text) of each hit, in text order."""
    return [(rule.split(":")[1], text[s:e]) for s, e, _, rule, _ in find_pii(text, types)]


# --- checksums ------------------------------------------------------------------------

def test_ssn_ranges():
    assert valid_ssn("123-45-6789") and valid_ssn("899 12 3456") and valid_ssn("001010001")
    for bad in ("000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "078-05-1120",
                "219-09-9999", "12-345-678"):
        assert not valid_ssn(bad), bad


def test_luhn_and_issuers():
    for card, issuer in [("4111111111111111", "visa"), ("5555555555554444", "mastercard"),
                         ("2221000000000009", "mastercard"), ("378282246310005", "amex"),
                         ("6011111111111117", "discover"), ("3566002020360505", "jcb"),
                         ("30569309025904", "diners")]:
        assert luhn_ok(card) and card_issuer(card) == issuer and valid_card(card)
        for i in range(len(card)):  # any one changed digit fails
            changed = card[:i] + str((int(card[i]) + 3) % 10) + card[i + 1:]
            assert not valid_card(changed), changed
    assert luhn_ok("1234567812345670") and not valid_card("1234567812345670")  # no network starts with 1
    assert luhn_ok("41111111111114") and not valid_card("41111111111114")      # Visa is 13, 16 or 19 long


@pytest.mark.parametrize("iban", ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000",
                                  "FR14 2004 1010 0505 0001 3M02 606", "NL91ABNA0417164300", "NO9386011117947"])
def test_iban_valid(iban):
    assert valid_iban(iban) and iban_mod97(iban) == 1


@pytest.mark.parametrize("iban", ["GB82 WEST 1234 5698 7654 33",  # check digits do not match
                                  "DE89 3704 0044 0532 0130",        # too short for Germany
                                  "XX82 WEST 1234 5698 7654 32",     # no such country
                                  "GB82-WEST-1234"])
def test_iban_invalid(iban):
    assert not valid_iban(iban)


def test_aba_checksum_and_prefix():
    assert valid_aba("021000021") and valid_aba("011000015")
    assert not valid_aba("123456789")            # checksum
    assert not valid_aba("921000021")            # no Federal Reserve prefix 92
    assert not valid_aba("02100002")


def test_nanp_and_dates():
    assert nanp_ok("212", "555") and not nanp_ok("112", "555") and not nanp_ok("212", "911")
    assert not nanp_ok("291", "555")  # N9X area codes are reserved
    assert real_date(1985, 4, 12) and real_date(2024, 2, 29) and not real_date(2023, 2, 29)


# --- detectors --------------------------------------------------------------------------

def test_ssn_forms_and_context():
    assert found("SSN: 123-45-6789") == [("ssn", "123-45-6789")]
    assert found("Social Security No. 123 45 6789") == [("ssn", "123 45 6789")]
    assert found("SSN#123456789") == [("ssn", "123456789")]
    assert found("Purchase order 123456789 shipped") == []
    assert found("part no. 412-33-1907 and model 220-45-1001") == []
    assert found("run 231-11-2023 held") == []           # date-like without its keyword
    assert found("SSN 231-11-2023") == [("ssn", "231-11-2023")]
    # the label governs only the number right after it
    assert found("SSN: 512-44-8793; replacement part 412-33-1908") == [("ssn", "512-44-8793")]


def test_ssn_scores_rise_with_the_keyword():
    hits = {text[s:e]: score for text in ["SSN 123-45-6789. Unrelated words follow here, then 487-65-4321."]
            for s, e, *_, score in find_pii(text, ["ssn"])}
    assert hits == {"123-45-6789": 0.99, "487-65-4321": 0.85}


def test_cards():
    text = "Visa 4111 1111 1111 1111, order 1234 5678 1234 5670, amex 3782-822463-10005, bad 4111 1111 1111 1112"
    assert found(text) == [("payment_card", "4111 1111 1111 1111"), ("payment_card", "3782-822463-10005")]
    assert found("Tracking number 4000 1234 5678 9010") == []
    assert found("4111-1111 1111-1111") == []  # mixed separators are not a printed card number


def test_iban_in_text_stops_at_the_next_code():
    text = "IBAN GB82 WEST 1234 5698 7654 32 BIC NWBKGB2L, or DE89370400440532013000."
    assert found(text) == [("iban", "GB82 WEST 1234 5698 7654 32"), ("iban", "DE89370400440532013000")]


def test_iban_comes_with_bank_account():
    assert expand_types(["ssn", "bank_account"]) == ["ssn", "bank_account", "iban"]
    assert found("IBAN GB82 WEST 1234 5698 7654 32", ["bank_account"]) == []  # the type list is expanded upstream
    assert found("IBAN GB82 WEST 1234 5698 7654 32", expand_types(["bank_account"])) == \
        [("iban", "GB82 WEST 1234 5698 7654 32")]


def test_routing_and_account_numbers_follow_their_labels():
    text = "ABA routing number: 021000021\nAccount number: 4471190023\nOrder 021000021 shipped."
    assert found(text) == [("aba_routing", "021000021"), ("bank_account", "4471190023")]
    assert found("Routing: 123456789") == []                      # fails the checksum
    assert found("Account number: 021000021") == [("bank_account", "021000021")]  # labelled account, not routing
    assert found("The account ending 4821 is closed. Account manager 3 of 5.") == []


def test_phones():
    text = "Call (212) 555-0147 or 212.555.0148, fax +1 212 555 0149, London +44 20 7946 0958, ext: 937-555-0150 x204"
    assert [t for _, t in found(text)] == ["(212) 555-0147", "212.555.0148", "+1 212 555 0149", "+44 20 7946 0958",
                                           "937-555-0150 x204"]
    assert found("Dial 911; (123) 456-7890; 212-911-1234") == []
    assert found("cell 2125550147") == [("phone", "2125550147")]
    assert found("Ref 2125550147") == []


def test_emails():
    assert found("write to jane.doe+legal@mail.acme-corp.co.uk today") == [("email", "jane.doe+legal@mail.acme-corp.co.uk")]
    assert found("cid:image001.png@01D2ABCD.12345670") == []


def test_dates_of_birth_need_their_label():
    text = "DOB: 04/12/1985. Date of birth: April 12, 1985. Born 12 April 1985. D.O.B. 1985-04-12. Shipped 04/12/2023."
    assert [t for _, t in found(text)] == ["04/12/1985", "April 12, 1985", "12 April 1985", "1985-04-12"]
    assert found("Date of birth: 02/31/1985") == []
    assert found("DOB 4/12/85") == [("dob", "4/12/85")]


def test_passport_and_drivers_licence():
    text = ("Passport No. 531847296; Ohio driver's license number RS123456; DL# S530-4602-8731; "
            "DL 754 726 071; software license 12345678")
    assert found(text) == [("passport", "531847296"), ("drivers_license", "RS123456"),
                           ("drivers_license", "S530-4602-8731"), ("drivers_license", "754 726 071")]
    assert found("Passport photos taken 2023") == []


def test_street_addresses():
    text = ("Ship to 311 South Wacker Drive, Suite 4400, Chicago, IL 60606 and bill 2200 Kettering Blvd\n"
            "Dayton, OH 45439. Returns: P.O. Box 1234, Columbus, OH 43215. Visit 12 Oak Way. Or 9 Main St. today.")
    assert [t for _, t in found(text)] == ["311 South Wacker Drive, Suite 4400, Chicago, IL 60606",
                                           "2200 Kettering Blvd\nDayton, OH 45439",
                                           "P.O. Box 1234, Columbus, OH 43215", "12 Oak Way", "9 Main St."]
    assert found("We bought 3 belt sanders way too late. In 2023 Globex shipped 400 units.") == []


def test_scores_in_range_and_rules_named_by_type():
    text = "SSN 123-45-6789, card 4111 1111 1111 1111, call (212) 555-0147, 311 Oak Street, Dayton, OH"
    for s, e, label, rule, score in find_pii(text, ALL):
        assert 0 < score <= 1 and rule == f"pii:{label and rule.split(':')[1]}" and LABELS[rule[4:]] == label


def test_overlapping_candidates_keep_the_stronger():
    # nine digits after "routing" that also pass the SSN ranges: the label decides
    assert found("Routing number 021000021") == [("aba_routing", "021000021")]
    # an account label before a Luhn-valid card number: the checksum decides
    assert found("Account: 4111-1111-1111-1111") == [("payment_card", "4111-1111-1111-1111")]


# --- the hand-written hard cases, span for span ------------------------------------------

def test_markup_is_removed_and_offsets_point_at_the_values():
    text, gold = parse_marked("a [[ssn|123-45-6789]] b 😀 [[email|x@y.com]]")
    assert text == "a 123-45-6789 b 😀 x@y.com"
    assert [text[g.start:g.end] for g in gold] == ["123-45-6789", "x@y.com"]


@pytest.mark.parametrize("case", hard_cases(), ids=lambda c: c.id)
def test_hard_case(case):
    got = sorted((rule.split(":")[1], s, e) for s, e, _, rule, _ in find_pii(case.text, case.types))
    want = sorted((g.type, g.start, g.end) for g in case.pii)
    assert got == want, case.note
