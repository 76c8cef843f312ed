"""Throughput of the pre-tagging pipeline on generated e-mail text.

    .venv/bin/python -m bench.pretag [--words 200000] [--seed 7]

Prints words/s (whitespace-separated words of input) for Pretagger.tag in the
mode available (and rules-only), and for the sourced NER alone as a reference.
Figures only, never assertions: timings depend on the machine. The generated
e-mails (``corpus``) are also used by tests/test_nlp.py. bench/nlp_speed.py
compares 2-process throughput with the bare pretrained pipeline and Presidio.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator

from lpo.matter import Counsel, Protocol

FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Susan",
         "William", "Karen", "Thomas", "Nancy", "Daniel", "Lisa", "Mark", "Sandra", "Paul", "Ashley"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Moore",
        "Taylor", "Anderson", "Thomas", "Jackson", "White", "Harris", "Martin", "Thompson", "Clark", "Lewis"]
ORGS = ["Acme Corporation", "Globex Inc.", "Initech", "Umbrella Holdings", "Stark Industries",
        "Wayne Enterprises", "Hooli", "Vandelay Industries", "Soylent Corp", "Cyberdyne Systems"]
PLACES = ["Houston", "New York", "Chicago", "London", "Denver", "Atlanta", "San Francisco", "Toronto"]
WORDS = ("the a of to and in for on with as by at from that this we will please review attached "
         "contract pricing forecast quarter meeting schedule supply agreement customer revenue margin "
         "shipment invoice budget draft approval team update call discuss proposal terms delivery "
         "market volume plan risk report numbers week month board deal vendor order").split()
COUNSEL = Counsel(names=["Richard B. Sanders"], emails=["rsanders@sidley.com"], domains=["sidley.com"])
TERMS = ["merger", "\"price fixing\"", "antitrust*", "Project Falcon", "gas contract*"]


def protocol() -> Protocol:
    return Protocol(instructions="benchmark", counsel=COUNSEL, search_terms=TERMS)


def _luhn_card(rng: random.Random) -> str:
    from nlp.pii import luhn_ok
    body = "4" + "".join(rng.choice("0123456789") for _ in range(14))
    check = next(d for d in "0123456789" if luhn_ok(body + d))
    n = body + check
    return " ".join(n[i:i + 4] for i in range(0, 16, 4))


def email(rng: random.Random, words: int) -> str:
    """One generated business e-mail of about ``words`` words, with entities, PII and cues."""
    a, b = (f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(2))
    lines = [f"From: {a} <{a.split()[0].lower()}.{a.split()[1].lower()}@acme.com>",
             f"To: {b} <{b.split()[0].lower()}@globex.com>",
             f"Sent: {rng.randint(1, 28)} March {rng.randint(1999, 2024)}",
             f"Subject: {rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(ORGS)}", ""]
    if rng.random() < 0.1:
        lines.insert(0, "PRIVILEGED & CONFIDENTIAL - ATTORNEY-CLIENT COMMUNICATION")
    body: list[str] = []
    n = 0
    while n < words:
        sentence = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
        r = rng.random()
        if r < 0.25:
            sentence.insert(rng.randrange(len(sentence)), rng.choice(ORGS))
        elif r < 0.4:
            sentence.insert(rng.randrange(len(sentence)), f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        elif r < 0.5:
            sentence.insert(rng.randrange(len(sentence)), f"in {rng.choice(PLACES)}")
        elif r < 0.55:
            sentence.append(f"${rng.randint(1, 900)},000")
        elif r < 0.58:
            sentence.append(f"call me at ({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}")
        elif r < 0.6:
            sentence.append(f"SSN {rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}")
        elif r < 0.61:
            sentence.append(f"card {_luhn_card(rng)}")
        elif r < 0.64:
            sentence += rng.choice([["the", "merger"], ["price", "fixing"], ["antitrust", "exposure"],
                                    ["ask", "Richard", "Sanders"], ["Project", "Falcon"]])
        text = " ".join(sentence)
        body.append(text[0].upper() + text[1:] + ".")
        n += len(text.split())
    lines += [" ".join(body[i:i + 4]) for i in range(0, len(body), 4)]
    lines += ["", "Thanks,", a]
    return "\n".join(lines)


def corpus(total_words: int = 200_000, seed: int = 7) -> Iterator[tuple[str, str]]:
    """``(control_number, text)`` e-mails of 50-800 words until ``total_words``."""
    rng = random.Random(seed)
    n = i = 0
    while n < total_words:
        text = email(rng, rng.randint(50, 800))
        i += 1
        n += len(text.split())
        yield f"BENCH{i:07d}", text


def _rate(fn, items: list[tuple[str, str]]) -> str:
    """words/s of wall-clock time, and of this process's CPU time (steadier on a shared machine)."""
    words = sum(len(t.split()) for _, t in items)
    w0, c0 = time.perf_counter(), time.process_time()
    count = fn(items)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return f"{words / wall:,.0f} words/s wall, {words / cpu:,.0f} words/s CPU ({wall:.1f} s, {count} results)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    from nlp.pipeline import MODEL_PACKAGE, Pretagger, model_installed

    items = list(corpus(args.words, args.seed))
    words = sum(len(t.split()) for _, t in items)
    print(f"corpus: {len(items)} documents, {words} words, {sum(len(t) for _, t in items)} chars")

    def run(tagger):
        return lambda docs: sum(len(tags) for _, tags, _, _ in tagger.tag(docs))

    taggers = [Pretagger(protocol(), n_process=1)]  # one process: bench/nlp_speed.py measures two
    if taggers[0].mode == "model":
        taggers.append(Pretagger(protocol(), model_package="lpo_no_such_package", n_process=1))
    for tagger in taggers:
        print(f"Pretagger.tag [{tagger.version}]: {_rate(run(tagger), items)}")
    if model_installed(MODEL_PACKAGE):
        import spacy
        nlp = spacy.load(MODEL_PACKAGE, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
        rate = _rate(lambda docs: sum(len(d.ents) for d in nlp.pipe((t for _, t in docs), batch_size=64)), items)
        print(f"reference, spacy.load({MODEL_PACKAGE}) with {nlp.pipe_names}: {rate}")


if __name__ == "__main__":
    main()
