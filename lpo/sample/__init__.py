"""A deterministic sample matter (Acme v. Globex) with ground truth.

    from lpo.sample.generator import generate_sample_matter, sample_matter_config
"""
