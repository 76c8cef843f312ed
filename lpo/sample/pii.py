"""Synthetic PII for the sample matter: values that look real and pass the checks
real detectors use (SSN area/group/serial ranges, Luhn, ABA checksum), drawn from
a seeded `random.Random` so a run is reproducible.

Phone numbers use the 555-0100..555-0199 block reserved for fiction, so no real
line is ever printed.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

_SSN_RE = re.compile(r"^(\d{3})-(\d{2})-(\d{4})$")


def ssn_is_valid(value: str) -> bool:
    """SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    m = _SSN_RE.match(value)
    if not m:
        return False
    area, group, serial = (int(g) for g in m.groups())
    return 0 < area < 900 and area != 666 and group != 0 and serial != 0


# Kept apart from nlp.checksums on purpose: the sample is the ground truth the detector is scored
# against, so it does not borrow the detector's checks.
def luhn_is_valid(value: str) -> bool:
    digits = [int(c) for c in value if c.isdigit()]
    if len(digits) < 12:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def aba_is_valid(value: str) -> bool:
    """ABA routing number: 9 digits, Federal Reserve prefix, weighted checksum 3-7-1."""
    if not re.fullmatch(r"\d{9}", value):
        return False
    prefix = int(value[:2])
    if not (0 <= prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    d = [int(c) for c in value]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


class PiiFactory:
    """Draws distinct PII values from one seeded RNG."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.registry: dict[str, str] = {}  # value -> PII type, for every value handed out

    def _unique(self, make, kind: str) -> str:
        while True:
            v = make()
            if v not in self.registry:
                self.registry[v] = kind
                return v

    def personal_email(self, address: str) -> str:
        """A personal (non-work) email address: fixed by the story, recorded as PII type "email"."""
        self.registry[address] = "email"
        return address

    def ssn(self) -> str:
        def make():
            area = self.rng.randint(1, 899)
            while area == 666:
                area = self.rng.randint(1, 899)
            return f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"
        return self._unique(make, "ssn")

    def payment_card(self, brand: str = "visa", sep: str = " ") -> str:
        def make():
            if brand == "amex":
                body = self.rng.choice(["34", "37"]) + "".join(str(self.rng.randint(0, 9)) for _ in range(12))
            elif brand == "mastercard":
                body = f"5{self.rng.randint(1, 5)}" + "".join(str(self.rng.randint(0, 9)) for _ in range(13))
            else:
                body = "4" + "".join(str(self.rng.randint(0, 9)) for _ in range(14))
            digits = body + _luhn_check_digit(body)
            groups = [digits[:4], digits[4:10], digits[10:]] if brand == "amex" else \
                [digits[i:i + 4] for i in range(0, 16, 4)]
            return sep.join(groups)
        return self._unique(make, "payment_card")

    def aba_routing(self) -> str:
        def make():
            prefix = self.rng.choice(["04", "07", "11", "12", "21", "22", "26", "31", "32"])
            body = prefix + "".join(str(self.rng.randint(0, 9)) for _ in range(6))
            d = [int(c) for c in body]
            partial = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
            return body + str((10 - partial % 10) % 10)
        return self._unique(make, "aba_routing")

    def bank_account(self) -> str:
        return self._unique(lambda: str(self.rng.randint(10 ** 9, 10 ** 12 - 1)), "bank_account")

    def phone(self, area: str = "937") -> str:
        return self._unique(lambda: f"{area}-555-01{self.rng.randint(0, 99):02d}", "phone")

    def dob(self) -> str:
        def make():
            d = date(1960, 1, 1) + timedelta(days=self.rng.randint(0, 35 * 365))
            return f"{d.month:02d}/{d.day:02d}/{d.year}"
        return self._unique(make, "dob")


def _luhn_check_digit(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)
