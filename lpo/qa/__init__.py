"""Attorney QA: sample sizes and intervals (stats), seeded stratified samples (sampling), overturn rates,
batch verdicts and the elusion test (results), the report an attorney files (report)."""

from lpo.qa.sampling import draw_sample
from lpo.qa.stats import accept_on_zero, sample_size, wilson

__all__ = ["accept_on_zero", "draw_sample", "sample_size", "wilson"]
