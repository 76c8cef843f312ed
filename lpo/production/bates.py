"""Bates numbers: prefix + zero-padded number, one number per produced page.

Numbers run contiguously within a volume and continue across volumes: a volume
ends at N and the next starts at N + 1 (`ProductionResult.next_number`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lpo.matter import ProductionConfig


class BatesError(ValueError):
    """A Bates number cannot be formed (overflowed its padding, negative...)."""


def format_bates(prefix: str, number: int, padding: int) -> str:
    if number < 0:
        raise BatesError(f"Bates number {number} is negative")
    digits = str(number)
    if len(digits) > padding:
        raise BatesError(f"Bates number {number} does not fit {padding} digits; "
                         f"raise production.padding in matter.yaml before producing")
    return f"{prefix}{digits.zfill(padding)}"


def parse_bates(bates: str, prefix: str) -> int:
    """The number of a Bates stamp made with `prefix` (used by tests and QA)."""
    m = re.fullmatch(re.escape(prefix) + r"(\d+)", bates)
    if not m:
        raise BatesError(f"{bates!r} is not a Bates number with prefix {prefix!r}")
    return int(m.group(1))


@dataclass
class BatesCounter:
    """Hands out Bates numbers in page order."""

    config: ProductionConfig
    next_number: int

    def take(self, pages: int) -> list[str]:
        if pages < 1:
            raise BatesError("a produced document has at least one page")
        stamps = [format_bates(self.config.prefix, self.next_number + i, self.config.padding)
                  for i in range(pages)]
        self.next_number += pages
        return stamps
