"""Operations on a running deployment: back up and restore a matter, check review-site tokens.

Prefect-free, like the rest of lpo/: the runbook in README.md drives these through `lpo backup`,
`lpo restore` and `lpo sites check`.
"""

from lpo.ops.backup import BackupError, BackupResult, RestoreResult, backup_matter, restore_matter
from lpo.ops.sites import SiteCheck, check_sites

__all__ = ["BackupError", "BackupResult", "RestoreResult", "SiteCheck", "backup_matter", "check_sites",
           "restore_matter"]
