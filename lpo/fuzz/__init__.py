"""Hostile-input fuzzing of the ingest parsers: seed files per parser family (seeds), Hypothesis
mutations of them (mutate), and a runner that puts them through ingest's worker pool and counts
what became of each (runner). bench/fuzz.py runs it at full size, tests/test_fuzz_parsers.py at
CI size; lpo.fuzz.atheris_target is the optional coverage-guided engine."""
