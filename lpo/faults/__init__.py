"""Fault injection: the pipeline killed and its servers restarted mid-run must end where an undisturbed run ends.

The harness drives the pipeline through the `lpo` command line, each stage a process of its own
(so a SIGKILL is what a crashed worker or an OOM kill is), and plays the reviewers and attorneys
itself through Label Studio's API, outside the processes it kills. A disturbed run re-runs a
stage after each fault, as an operator would; the comparison then counts what was lost or
doubled against an undisturbed run of the same sample.

    harness.py   the pipeline as steps, run clean or with faults
    inject.py    one step under a fault: SIGKILL of its process group, or a server stopped and started
    services.py  the servers a fault restarts (Label Studio, PostgreSQL, Elasticsearch)
    compare.py   store, review-site and production snapshots, and their differences
"""

from lpo.faults.compare import Comparison, compare_runs
from lpo.faults.harness import FaultSpec, Harness, RunRecord
from lpo.faults.inject import Fault
from lpo.faults.services import Service

__all__ = ["Comparison", "Fault", "FaultSpec", "Harness", "RunRecord", "Service", "compare_runs"]
