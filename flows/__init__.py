"""Prefect flows: thin orchestration over lpo/ and nlp/.

Settings are fixed before Prefect is imported: no telemetry (privileged matters must
not talk to anyone), and no result persistence (task results would be pickles on
disk; tasks pass ids and hashes anyway).
"""

import os

for _k, _v in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    "PREFECT_TASKS_DEFAULT_PERSIST_RESULT": "false",
    "PREFECT_UI_ENABLED": "false",  # the embedded API needs no UI; `prefect server start` has its own
    "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING"),
}.items():
    os.environ.setdefault(_k, _v)
