"""Build the evaluation set: ``python -m nlp.eval.build [--seed 7] [--synthetic 240]``.

Writes nlp/eval/generated.jsonl and nlp/eval/hard_cases.jsonl (see
nlp/eval/__init__.py for the format). The same seed gives the same files; the
files are checked in, so a benchmark or test never needs to rebuild them.

Gold comes from outside the detectors: the sample matter's ground truth (its
generator knows which values it put where), the synthetic generator (it knows
what it wrote) and the hand-written markup of nlp/eval/hard_cases.py.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
from pathlib import Path
from typing import ClassVar

from . import CHECKSUM_TYPES, HERE, EvalDoc, Gold
from .hard_cases import CASES

MARK = re.compile(r"\[\[(\w+)\|(.+?)\]\]", re.S)
PRIVILEGED = {"attorney_client", "work_product", "partial"}


# --- hand-written cases ------------------------------------------------------------------

def parse_marked(text: str) -> tuple[str, list[Gold]]:
    """Text without its ``[[type|value]]`` marks, and the gold spans they marked."""
    out, gold, pos = [], [], 0
    n = 0
    for m in MARK.finditer(text):
        out.append(text[pos:m.start()])
        n += m.start() - pos
        value = m.group(2)
        gold.append(Gold(m.group(1), n, n + len(value), value))
        out.append(value)
        n += len(value)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), gold


def _check_gold(doc: EvalDoc) -> None:
    from nlp.checksums import valid_aba, valid_card, valid_iban, valid_ssn
    from nlp.pii import LABELS

    checks = {"ssn": valid_ssn, "payment_card": valid_card, "iban": valid_iban, "aba_routing": valid_aba}
    for g in doc.pii:
        if g.type not in LABELS:
            raise ValueError(f"{doc.id}: unknown PII type {g.type!r}")
        if g.type in CHECKSUM_TYPES and not checks[g.type](g.text):
            raise ValueError(f"{doc.id}: gold {g.type} {g.text!r} fails its own check; fix the case")


def hard_cases() -> list[EvalDoc]:
    from nlp.pii import LABELS

    docs = []
    for case in CASES:
        text, gold = parse_marked(case.text)
        doc = EvalDoc(f"hard/{case.id}", "hard", text, list(LABELS), gold, case.privileged, case.note)
        _check_gold(doc)
        docs.append(doc)
    return docs


# --- synthetic documents ---------------------------------------------------------------

FIRST = ["Dana", "Marcus", "Priya", "Greg", "Elena", "Tom", "Rachel", "Jason", "Brian", "Lisa", "Victor",
         "Sandra", "Ken", "Alan", "Paula", "Sam", "Tina", "Omar", "Mei", "Carlos"]
LAST = ["Whitmore", "Feld", "Raman", "Tanaka", "Novak", "Becker", "Kim", "Wu", "Holt", "Moreno", "Hale",
        "Ortiz", "Mabry", "Cho", "Grant", "Ridley", "Alvarez", "Haddad", "Lin", "Reyes"]
DOMAINS = ["acme-mfg.com", "globex-corp.com", "initechmotion.com", "northfield-ag.com", "gmail.com",
           "outlook.com", "yahoo.com", "buckeyecorrugated.com"]
FILLER = [
    "Following up on the GX-400 shipment schedule for next quarter.",
    "The revised forecast is attached; please review before Thursday.",
    "Finance needs the signed form before the payroll cut-off.",
    "We confirmed the delivery window with the carrier this morning.",
    "Please keep this on file with the onboarding packet.",
    "Let me know if anything below is out of date.",
    "The plant team flagged two more lots for inspection.",
    "HR will process the change in the next pay cycle.",
    "I have copied the accounts payable team for visibility.",
    "Thanks for pulling this together so quickly.",
    "Our auditors asked for the supporting documents by month end.",
    "The new vendor form replaces the one from last year.",
]
STREETS = ["Kettering", "Wacker", "Main", "Oak", "Maple", "Commerce Park", "Arlingate", "High", "Elm",
           "Washington", "Lincoln", "Cedar Ridge", "Industrial", "Riverside", "5th", "Martin Luther King Jr"]
SUFFIXES = ["Street", "St", "St.", "Avenue", "Ave", "Blvd", "Boulevard", "Road", "Rd", "Drive", "Dr.", "Lane",
            "Way", "Court", "Parkway", "Pkwy", "Place", "Circle"]
CITIES = [("Dayton", "OH", "45439"), ("Columbus", "Ohio", "43228"), ("Chicago", "IL", "60606"),
          ("Fort Wayne", "IN", "46825"), ("Peoria", "IL", "61615"), ("Springfield", "OH", "45505"),
          ("San Jose", "CA", "95112"), ("Austin", "TX", "78701")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
IBAN_SHAPES = {"GB": "4a14n", "DE": "18n", "FR": "10n11c2n", "NL": "4a10n", "ES": "20n", "IT": "1a10n12c",
               "CH": "5n12c", "BE": "12n"}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _luhn_complete(body: str) -> str:
    from nlp.checksums import luhn_ok

    return body + next(d for d in "0123456789" if luhn_ok(body + d))


def _iban(rng: random.Random, country: str) -> str:
    from nlp.checksums import iban_mod97

    bban = ""
    for n, kind in re.findall(r"(\d+)([anc])", IBAN_SHAPES[country]):
        alphabet = {"a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "n": "0123456789",
                    "c": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}[kind]
        bban += "".join(rng.choice(alphabet) for _ in range(int(n)))
    check = 98 - iban_mod97(country + "00" + bban)
    return f"{country}{check:02d}{bban}"


class Synth:
    """Synthetic documents: every PII type in several written forms, among distractors."""

    def __init__(self, seed: int):
        from lpo.sample.pii import PiiFactory

        self.rng = random.Random(f"nlp-eval-synthetic-{seed}")
        self.pii = PiiFactory(random.Random(f"nlp-eval-pii-{seed}"))

    # each returns (text before, value, text after)
    def ssn(self):
        r, v = self.rng, self.pii.ssn()
        form = r.random()
        if form < 0.6:
            return r.choice(["SSN: ", "Social Security Number: ", "SSN ", "Employee SSN ", "", ""]), v, ""
        if form < 0.8:
            return r.choice(["SSN: ", "Social Security No. ", "SS# "]), v.replace("-", " "), ""
        return r.choice(["SSN: ", "SSN#", "Social Security Number "]), v.replace("-", ""), ""

    def payment_card(self):
        r = self.rng
        brand = r.choice(["visa", "mastercard", "amex", "discover", "jcb"])
        if brand in ("discover", "jcb"):
            digits = _luhn_complete(("6011" if brand == "discover" else "3566") + _digits(r, 11))
            sep = r.choice([" ", "-", ""])
            v = sep.join(digits[i:i + 4] for i in range(0, 16, 4))
        else:
            v = self.pii.payment_card(brand, sep=r.choice([" ", "-"]))
            if r.random() < 0.2:
                v = re.sub(r"[ -]", "", v)
        pre = r.choice(["Card number: ", "Visa ending in the full number ", "charge card ", "Corporate card ",
                        "Please charge ", "CC# ", ""])
        return pre, v, ""

    def iban(self):
        r = self.rng
        v = _iban(r, r.choice(sorted(IBAN_SHAPES)))
        if r.random() < 0.6:
            v = " ".join(v[i:i + 4] for i in range(0, len(v), 4))
        return r.choice(["IBAN: ", "IBAN ", "Beneficiary IBAN ", "Pay to "]), v, ""

    def aba_routing(self):
        r = self.rng
        return r.choice(["Routing number: ", "ABA routing number ", "ABA: ", "RTN ", "Routing/transit no. "]), \
            self.pii.aba_routing(), ""

    def bank_account(self):
        r = self.rng
        return r.choice(["Account number: ", "Acct #", "Acct. no. ", "checking account ", "Savings account no. ",
                         "deposit to account "]), self.pii.bank_account(), ""

    def phone(self):
        r = self.rng
        area = r.choice(["937", "312", "614", "260", "309", "212", "415", "713"])
        line = f"{r.randint(100, 199):04d}" if r.random() < 0.7 else _digits(r, 4)
        form = r.randrange(6)
        v = [f"({area}) 555-{line}", f"{area}-555-{line}", f"{area}.555.{line}", f"+1 {area} 555 {line}",
             f"{area}-555-{line} ext. {r.randint(10, 999)}", f"1-{area}-555-{line}"][form]
        if r.random() < 0.1:
            v = r.choice(["+44 20 7946 0" + _digits(r, 3), "+49 30 901820" + _digits(r, 2)])
        return r.choice(["Call ", "cell: ", "T ", "Phone: ", "reach me at ", "Mobile ", "fax ", ""]), v, ""

    def email(self):
        r = self.rng
        f, la = r.choice(FIRST).lower(), r.choice(LAST).lower()
        local = r.choice([f"{f}.{la}", f"{f[0]}{la}", f"{f}_{la}{r.randint(1, 99)}", f"{f}"])
        return r.choice(["Email ", "write to ", "cc ", "", "e-mail: "]), f"{local}@{r.choice(DOMAINS)}", ""

    def dob(self):
        r = self.rng
        m, d, y = (int(x) for x in self.pii.dob().split("/"))
        v = r.choice([f"{m:02d}/{d:02d}/{y}", f"{MONTHS[m - 1]} {d}, {y}", f"{y}-{m:02d}-{d:02d}",
                      f"{d} {MONTHS[m - 1]} {y}", f"{m}/{d}/{y}"])
        return r.choice(["DOB: ", "Date of birth: ", "born ", "Birth date ", "D.O.B. "]), v, ""

    def passport(self):
        r = self.rng
        v = _digits(r, 9) if r.random() < 0.5 else r.choice("ACEFGHKLMN") + _digits(r, 8)
        return r.choice(["Passport No. ", "passport number ", "Passport #", "U.S. passport "]), v, ""

    def drivers_license(self):
        r = self.rng
        v = r.choice([
            r.choice("ABCDEFGHJKLMNPRSTUW") + r.choice("ABCDEFGHJKLMNPRSTUW") + _digits(r, 6),   # Ohio
            f"{r.choice('ABDFGHMS')}{_digits(r, 3)}-{_digits(r, 4)}-{_digits(r, 4)}",          # Illinois
            r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + _digits(r, 7),                             # California
            _digits(r, 8),                                                                        # Texas
            _digits(r, 9),                                                                        # New York
            f"{_digits(r, 3)} {_digits(r, 3)} {_digits(r, 3)}",                                 # New York, spaced
        ])
        return r.choice(["Driver's license: ", "DL# ", "Ohio driver's license number ", "driver license no. ",
                         "Driver's License "]), v, ""

    def address(self):
        r = self.rng
        num = str(r.randint(1, 9999))
        street = f"{r.choice(['', '', '', 'North ', 'S. ', 'W ', 'East '])}{r.choice(STREETS)} {r.choice(SUFFIXES)}"
        unit = r.choice(["", "", "", f", Suite {r.randint(100, 4400)}", f" Apt {r.randint(1, 40)}{r.choice('AB')}",
                         f", Unit {r.randint(1, 30)}"])
        city, state, zip_ = r.choice(CITIES)
        place = r.choice([f", {city}, {state} {zip_}", f"\n{city}, {state} {zip_}", f", {city}, {state}", ""])
        if r.random() < 0.06:  # streets without a suffix exist too
            street = r.choice(["Broadway", "Avenue of the Americas", "Via Appia"])
        v = f"{num} {street}{unit}{place}"
        return r.choice(["Ship to ", "Address: ", "mail it to ", "Home address: ", "", "located at "]), v, ""

    DISTRACTORS: ClassVar[list] = [
        lambda s: f"Order #{_digits(s.rng, 9)} shipped on {s.rng.randint(1, 12)}/{s.rng.randint(1, 28)}/2023.",
        lambda s: f"PO {_digits(s.rng, 10)} covers the bearings.",
        lambda s: f"Invoice INV-{_digits(s.rng, 6)} for ${s.rng.randint(1, 99)},{_digits(s.rng, 3)}.{_digits(s.rng, 2)}.",
        lambda s: f"Replace part no. {s.rng.randint(100, 665)}-{s.rng.randint(10, 99)}-{s.rng.randint(1000, 9999)}.",
        lambda s: f"Lot {s.rng.randint(2019, 2024)}-{s.rng.randint(1, 12):02d}-{s.rng.randint(1, 28):02d} passed QA.",
        lambda s: f"The meeting is on {s.rng.choice(MONTHS)} {s.rng.randint(1, 28)}, {s.rng.randint(2022, 2024)}.",
        lambda s: f"Tracking {_luhn_complete('4' + _digits(s.rng, 14))} per the carrier.",
        lambda s: f"Reference {_digits(s.rng, 16)} on the remittance.",
        lambda s: f"Model {s.rng.randint(100, 899)}-{s.rng.randint(10, 99)}-{s.rng.randint(1000, 9999)} ships next week.",
        lambda s: f"Room {s.rng.randint(100, 4400)} on floor {s.rng.randint(1, 40)}.",
        lambda s: f"ISBN 978-0-{_digits(s.rng, 3)}-{_digits(s.rng, 5)}-{s.rng.randint(0, 9)} is the manual.",
        lambda s: f"Call the 800 number or dial 911 in an emergency; ext. {s.rng.randint(100, 999)} is the desk.",
        lambda s: f"Version {s.rng.randint(1, 9)}.{s.rng.randint(0, 20)}.{s.rng.randint(0, 99)} fixed the report.",
        lambda s: f"We shipped {s.rng.randint(100, 4000)} units to {s.rng.choice(CITIES)[0]} last week.",
        lambda s: f"Case {s.rng.randint(1, 9)}:{s.rng.randint(20, 24)}-cv-{_digits(s.rng, 5)} was stayed.",
        lambda s: f"The old card 4111 1111 1111 {s.rng.choice(['1112', '1113', '1114', '1115'])} was declined.",
    ]
    TYPES: ClassVar[list[str]] = ["ssn", "payment_card", "iban", "aba_routing", "bank_account", "phone", "email", "dob", "passport",
             "drivers_license", "address"]

    def document(self, i: int) -> EvalDoc:
        r = self.rng
        parts: list[str | tuple[str, str]] = []  # text, or (type, value)
        a, b = f"{r.choice(FIRST)} {r.choice(LAST)}", f"{r.choice(FIRST)} {r.choice(LAST)}"
        parts.append(f"From: {a}\nTo: {b}\nSubject: {r.choice(['Forms', 'Update', 'Details', 'Vendor setup', 'HR'])}\n\n"
                     f"{b.split()[0]},\n\n")
        items = [r.choice(self.TYPES) for _ in range(r.randint(3, 6))]
        items += ["distractor"] * r.randint(2, 5)
        r.shuffle(items)
        for item in items:
            parts.append(r.choice(FILLER) + " ")
            if item == "distractor":
                parts.append(r.choice(self.DISTRACTORS)(self) + " ")
            else:
                pre, value, post = getattr(self, item)()
                parts += [pre, (item, value), post + r.choice([".", ";", ". ", ".\n", "\n"]) + " "]
            if r.random() < 0.3:
                parts.append("\n\n")
        parts.append(f"\n\nThanks,\n{a.split()[0]}\n")
        text, gold, n = [], [], 0
        for p in parts:
            if isinstance(p, tuple):
                t, value = p
                gold.append(Gold(t, n, n + len(value), value))
                p = value
            text.append(p)
            n += len(p)
        doc = EvalDoc(f"synthetic/{i:04d}", "synthetic", "".join(text), list(self.TYPES), gold, None,
                      "generated by nlp.eval.build")
        _check_gold(doc)
        return doc


# --- the sample matter -------------------------------------------------------------------

def _extract_all(sources: Path) -> dict[tuple[str, str], str]:
    """``(custodian, path) -> text`` for every file and attachment, by the project's ingestors."""
    from lpo.ingest import catalog
    from lpo.ingest.base import IngestError, pick

    catalog.load()
    out: dict[tuple[str, str], str] = {}

    def walk(custodian: str, path: str, name: str, data: bytes) -> None:
        cls = pick(name, data)
        if cls is None:
            return
        try:
            ex = cls().extract(data, name)
        except IngestError:
            return
        out[(custodian, path)] = ex.text
        for child in ex.children:
            walk(custodian, f"{path}/{child.name}", child.name, child.data)

    for cdir in sorted(p for p in sources.iterdir() if p.is_dir()):
        for f in sorted(cdir.rglob("*")):
            if f.is_file():
                walk(cdir.name, f.relative_to(cdir).as_posix(), f.name, f.read_bytes())
    return out


def sample_documents(seed: int) -> tuple[list[EvalDoc], int]:
    """The sample matter's unique documents with gold from its ground truth; and values not found in the text."""
    from lpo.sample.cast import PEOPLE
    from lpo.sample.generator import generate_sample_matter, sample_matter_config

    types = list(sample_matter_config().protocol.pii_types)
    with tempfile.TemporaryDirectory(prefix="lpo-nlp-eval-") as tmp:
        generate_sample_matter(Path(tmp), seed=seed)
        gt = json.loads((Path(tmp) / "ground_truth.json").read_text(encoding="utf-8"))
        texts = _extract_all(Path(tmp) / "sources")
    addresses = {p.email.lower() for p in PEOPLE.values()}
    addresses |= {v["value"].lower() for d in gt["documents"] for v in d["pii"] if v["type"] == "email"}
    from nlp.pii import EMAIL_RE

    docs, missing = [], 0
    for i, d in enumerate(gt["documents"]):
        if d["duplicate_of"]:
            continue
        text = texts.get((d["custodian"], d["path"]))
        if text is None:
            missing += 1
            continue
        gold: dict[tuple[int, int], Gold] = {}
        for v in d["pii"]:
            if v["type"] == "email":
                continue
            hits = [m.start() for m in re.finditer(re.escape(v["value"]), text)]
            if not hits:
                missing += 1
            for s in hits:
                gold[(s, s + len(v["value"]))] = Gold(v["type"], s, s + len(v["value"]), v["value"])
        # every known address (work or personal) is gold "email": the detector finds addresses,
        # the protocol decides which to redact
        for m in EMAIL_RE.finditer(text):
            if m.group(0).lower() in addresses:
                gold[(m.start(), m.end())] = Gold("email", m.start(), m.end(), m.group(0))
        docs.append(EvalDoc(f"sample/{i:03d}", "sample", text, types, sorted(gold.values(), key=lambda g: g.start),
                            d["privilege"] in PRIVILEGED, f"{d['custodian']}: {d['path']} ({d['privilege']})"))
    return docs, missing


def write(docs: list[EvalDoc], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d.to_json(), ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--synthetic", type=int, default=240, help="number of synthetic documents")
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args(argv)
    sample, missing = sample_documents(args.seed)
    synth = Synth(args.seed)
    generated = sample + [synth.document(i) for i in range(args.synthetic)]
    hard = hard_cases()
    write(generated, args.out / "generated.jsonl")
    write(hard, args.out / "hard_cases.jsonl")
    n_pii = sum(len(d.pii) for d in generated + hard)
    print(f"wrote {len(sample)} sample, {args.synthetic} synthetic and {len(hard)} hand-written documents "
          f"({n_pii} gold PII spans) to {args.out}; {missing} ground-truth values not found in extracted text")


if __name__ == "__main__":
    main()
