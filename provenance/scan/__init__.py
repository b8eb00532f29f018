"""Batch verification of folders and archives, locally or on a Ray cluster.

:class:`Scanner` plans the files, resumes from a checkpoint, runs an engine
(process pool or Ray Data) over the one per-image function in :mod:`.item`,
and writes a JSON, JSONL, CSV or self-contained HTML report.
"""

from provenance.scan.item import ScanRow
from provenance.scan.run import FAIL_ON, Scanner, ScanOptions, ScanSummary

__all__ = ["FAIL_ON", "ScanOptions", "ScanRow", "ScanSummary", "Scanner"]
