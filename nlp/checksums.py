"""Validators behind the PII detectors: the published rules a number must obey.

Pure functions over strings (no spaCy), so tests, the evaluation set's
generator and the detectors share one definition of "valid":

- US Social Security number: area, group and serial ranges the SSA issues;
- payment card: issuer (IIN) prefix and length, then the Luhn check;
- IBAN: the country's registered length, then ISO 13616 mod-97;
- ABA routing number: Federal Reserve prefix, then the 3-7-1 weighted checksum;
- NANP telephone number: area code and exchange rules;
- calendar dates (for dates of birth).
"""

from __future__ import annotations

import re
from datetime import date

# --- US Social Security number ---------------------------------------------------

# Numbers the Social Security Administration voided after they were printed in ads.
SSN_VOIDED = frozenset({"078051120", "219099999"})


def valid_ssn(value: str) -> bool:
    """True for a 9-digit SSN (spaces and dashes ignored) the SSA could have issued.

    Never issued: area 000, 666 or 900-999 (900-999 are ITINs), group 00,
    serial 0000, and the voided advertising numbers.
    """
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{9}", digits):
        return False
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    if area == 0 or area == 666 or area >= 900:
        return False
    if group == 0 or serial == 0:
        return False
    return digits not in SSN_VOIDED


# --- payment cards ---------------------------------------------------------------

def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# network, [(first prefix, last prefix, prefix width)], allowed lengths; IIN ranges as published
# by the networks (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro).
ISSUERS: list[tuple[str, list[tuple[int, int, int]], frozenset[int]]] = [
    ("visa", [(4, 4, 1)], frozenset({13, 16, 19})),
    ("mastercard", [(51, 55, 2), (2221, 2720, 4)], frozenset({16})),
    ("amex", [(34, 34, 2), (37, 37, 2)], frozenset({15})),
    ("discover", [(6011, 6011, 4), (644, 649, 3), (65, 65, 2), (622126, 622925, 6)], frozenset({16, 17, 18, 19})),
    ("diners", [(300, 305, 3), (36, 36, 2), (38, 39, 2)], frozenset({14, 15, 16, 17, 18, 19})),
    ("jcb", [(3528, 3589, 4)], frozenset({16, 17, 18, 19})),
    ("unionpay", [(62, 62, 2)], frozenset({16, 17, 18, 19})),
    ("maestro", [(5018, 5018, 4), (5020, 5020, 4), (5038, 5038, 4), (5893, 5893, 4),
                 (6304, 6304, 4), (6759, 6759, 4), (6761, 6763, 4)], frozenset({13, 14, 15, 16, 17, 18, 19})),
]


def card_issuer(digits: str) -> str | None:
    """The network whose prefix and length fit ``digits``, or None."""
    for name, ranges, lengths in ISSUERS:
        if len(digits) not in lengths:
            continue
        for lo, hi, width in ranges:
            if len(digits) >= width and lo <= int(digits[:width]) <= hi:
                return name
    return None


def valid_card(value: str) -> bool:
    """True for a card number (spaces/dashes ignored): issuer prefix, length and Luhn."""
    digits = re.sub(r"[\s-]", "", value)
    return digits.isdigit() and 13 <= len(digits) <= 19 and card_issuer(digits) is not None and luhn_ok(digits)


# --- IBAN ------------------------------------------------------------------------

# ISO 13616 lengths by country, from the SWIFT IBAN registry.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def iban_mod97(value: str) -> int:
    """ISO 7064 MOD 97-10 of an IBAN (spaces ignored): 1 for a valid one."""
    s = value.replace(" ", "").upper()
    rotated = s[4:] + s[:4]
    n = 0
    for ch in rotated:
        # letters are 10..35; fold as we go to keep the number small
        n = (n * (100 if ch.isalpha() else 10) + (ord(ch) - 55 if ch.isalpha() else ord(ch) - 48)) % 97
    return n


def valid_iban(value: str) -> bool:
    """True for an IBAN (printed with spaces or not): known country, its length, mod-97 == 1."""
    s = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", s):
        return False
    if IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    return iban_mod97(s) == 1


# --- ABA routing number ----------------------------------------------------------

def valid_aba(value: str) -> bool:
    """ABA routing transit number: 9 digits, a Federal Reserve prefix and the 3-7-1 checksum.

    Prefixes: 00-12 (banks), 21-32 (thrifts), 61-72 (electronic), 80 (traveller's cheques).
    """
    if not re.fullmatch(r"\d{9}", value):
        return False
    prefix = int(value[:2])
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    d = [ord(c) - 48 for c in value]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


# --- NANP telephone numbers ------------------------------------------------------

def nanp_ok(area: str, exchange: str) -> bool:
    """North American Numbering Plan: area code and exchange [2-9]XX, neither N11, no N9X area."""
    if area[0] in "01" or exchange[0] in "01":
        return False
    if area[1:] == "11" or exchange[1:] == "11":  # N11 service codes (411, 911, ...)
        return False
    return area[1] != "9"  # area codes N9X are reserved for expansion


# --- dates -----------------------------------------------------------------------

def real_date(year: int, month: int, day: int) -> date | None:
    """The calendar date, or None when there is no such day (31 April, 29 February 2023)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def full_year(year: int) -> int:
    """A two-digit year of birth as four digits: 00-29 -> 20xx, 30-99 -> 19xx."""
    if year >= 100:
        return year
    return 2000 + year if year < 30 else 1900 + year
