"""Prioritised review: continuous active learning ranks the unreviewed documents (cal), the knee
and target methods say when to stop (stopping), replayed over labeled collections (simulate)."""
