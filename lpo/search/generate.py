"""A generated collection for the engines' parity tests and the search benchmark: reproducible from a seed,
with emails and attachments in families, custodians, dates, and words close to each other in spelling
(negligence, negligent, negligently; contract, contact, contrast) so wildcards, fuzzy and proximity
have something to tell apart."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from lpo.search.documents import IndexDoc

LEGAL = ("negligence negligent negligently damage damages harm contract contact contrast contracts settlement "
         "backdate backdated invoice payment privileged counsel attorney merger pipeline trading energy "
         "california power outage price forward swap hedge audit report quarterly revenue losses fraud").split()
CUSTODIANS = ["John Smith", "Jane Doe", "Kenneth Lay", "Sara Shackleton", "Vince Kaminski"]
PEOPLE = ["jsmith", "jdoe", "klay", "sshackleton", "vkaminski", "tbelden", "jskilling"]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    cons, vow = "bcdfghklmnprstvz", "aeiou"
    words = set()
    while len(words) < size:
        n = rng.randint(2, 4)
        words.add("".join(rng.choice(cons) + rng.choice(vow) for _ in range(n)))
    return sorted(words)


def generate(n: int, seed: int = 8, chunk: int = 1000, words: tuple[int, int] = (40, 160)) -> Iterator[list[IndexDoc]]:
    """`n` documents, `chunk` at a time. Every fifth starts a family whose next one or two are its attachments."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 3000)
    pool = vocab + LEGAL * 20  # legal words are frequent, as in a real collection's hot terms
    start = date(2000, 1, 1)
    out: list[IndexDoc] = []
    family = ""
    for i in range(1, n + 1):
        did = f"DOC-{i:08d}"
        if i % 5 == 1 or not family:
            family = did
        body = []
        for k in range(rng.randint(*words)):
            w = rng.choice(pool)
            body.append(w + ("." if k % 17 == 16 else "," if k % 11 == 10 else ""))
        sender, rcpt = rng.sample(PEOPLE, 2)
        out.append(IndexDoc(
            id=did, family_id=family, text=" ".join(body).capitalize(),
            subject=" ".join(rng.choice(pool) for _ in range(rng.randint(2, 6))),
            from_=f"{sender.title()} <{sender}@enron.com>", to=f"{rcpt}@enron.com",
            custodian=rng.choice(CUSTODIANS), file_name=f"{did}.{rng.choice(['eml', 'pdf', 'docx'])}",
            date=(start + timedelta(days=rng.randint(0, 1000))).isoformat()))
        if len(out) >= chunk:
            yield out
            out = []
    if out:
        yield out
