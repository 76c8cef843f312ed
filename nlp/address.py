"""US street addresses, for the ``address`` PII type of ``lpo_pii``.

An address is a house number, a street name of one to four capitalised words
(or an ordinal: "5th") and a street suffix from the USPS list ("Street", "St.",
"Blvd", ...), with optional directions ("South", "NW"), an optional unit
("Suite 4400", "Apt 3B", "#200") and an optional city, state and ZIP code on
the same line or the next ("Chicago, IL 60606", "Dayton, Ohio"). Numbered
routes ("Route 9", "County Road 12") and post-office boxes count too.

The pattern is case-sensitive on purpose: a street name is written with
capitals, and "we bought 3 sanders way too late" is not an address. Streets
without a suffix ("Broadway", "Avenue of the Americas") are not found.

Scores: with a state (and so usually a city and ZIP) 0.95; with a unit 0.85;
a street line alone 0.75.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

SUFFIXES = [
    "Street", "St", "Avenue", "Ave", "Av", "Boulevard", "Blvd", "Road", "Rd", "Drive", "Dr", "Lane", "Ln",
    "Way", "Court", "Ct", "Place", "Pl", "Parkway", "Pkwy", "Highway", "Hwy", "Terrace", "Ter", "Circle",
    "Cir", "Square", "Sq", "Trail", "Trl", "Plaza", "Plz", "Alley", "Aly", "Loop", "Pike", "Turnpike", "Tpke",
    "Expressway", "Expy", "Freeway", "Fwy", "Crescent", "Cres", "Row", "Run", "Path", "Walk", "Commons",
    "Center", "Ctr", "Crossing", "Xing", "Bend", "Point", "Pt", "Ridge", "Heights", "Hts", "Cove", "Park",
]
FULL_SHORT = {"Road", "Lane", "Way", "Loop", "Pike", "Row", "Run", "Path", "Walk", "Bend", "Cove", "Park"}
STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
}


def _alts(words) -> str:  # noqa: ANN001
    forms = {w for word in words for w in (word, word.upper())}
    return "(?:" + "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True)) + ")"


_DIR = r"(?:North|South|East|West|Northeast|Northwest|Southeast|Southwest|NORTH|SOUTH|EAST|WEST|NE|NW|SE|SW|N|S|E|W)\.?"
_WORD = r"(?:[A-Z][a-z'’]+|[A-Z]{2,}|\d{1,3}(?:st|nd|rd|th|ST|ND|RD|TH)|[A-Z]\.)"
# only an abbreviation takes the period after it ("St."); "Street." ends a sentence
_SUFFIX = (r"(?:" + _alts(s for s in SUFFIXES if len(s) > 4 or s in FULL_SHORT) + r"\b"
           r"|" + _alts(s for s in SUFFIXES if len(s) <= 4 and s not in FULL_SHORT) + r"\b\.?)")
_STREET = (r"(?:" + _WORD + r"[ ]){0,3}" + _WORD + r"[ ]" + _SUFFIX + r"(?:[ ]" + _DIR + r"(?![\w]))?")
_ROUTE = r"(?:Route|Rte\.?|Highway|Hwy\.?|County[ ]Road|State[ ]Route|US[ ]Route|ROUTE|HIGHWAY)[ ]\d{1,4}\b"
_UNIT = (r"(?P<unit>,?[ ](?:Suite|SUITE|Ste\.?|STE\.?|Apt\.?|APT\.?|Apartment|Unit|UNIT|Floor|Fl\.?|Room|Rm\.?|"
         r"Bldg\.?|Building|Dept\.?)[ ]?\#?[A-Za-z0-9-]{1,6}\b|[ ]\#[A-Za-z0-9-]{1,6}\b)?")
_STATE = r"(?:" + "|".join(sorted(list(STATES) + list(STATES.values()), key=len, reverse=True)) + r")"
_CITY = r"[A-Z][A-Za-z.'’-]+(?:[ ][A-Z][A-Za-z.'’-]+){0,3}"
_PLACE = (r"(?P<place>,?[ \t]*(?:\r?\n[ \t]*)?" + _CITY + r",?[ ]" + _STATE + r"\b(?:[ ]{1,2}\d{5}(?:-\d{4})?\b)?)?")

ADDRESS_RE = re.compile(
    r"(?<![\w#/.-])(?:"
    r"\d{1,6}(?:-\d{1,5})?[A-Z]?(?:[ ]1/2)?[ ](?:" + _DIR + r"[ ])?(?:" + _STREET + "|" + _ROUTE + r")"
    r"|P\.?[ ]?O\.?[ ]Box[ ]\d{1,6}\b"
    r")" + _UNIT + _PLACE
)


def find_addresses(text: str) -> Iterator[tuple[int, int, float]]:
    """``(start, end, score)`` of each US street address in ``text``."""
    for m in ADDRESS_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in " \t,":
            end -= 1
        score = 0.95 if m.group("place") else 0.85 if m.group("unit") else 0.75
        yield m.start(), end, score
