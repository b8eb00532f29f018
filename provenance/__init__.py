"""provenance: make, sign and check AI-generated images.

The public API is small: :func:`verify_path` for checking, :func:`stamp_file`
and :func:`make_twin` for making signed images, :func:`register_paths` for
registering originals, :class:`Home` for where state lives, and
:class:`ProvenanceError` as the one error root. Importing this package never
imports torch or diffusers.
"""

from __future__ import annotations

from provenance.config import Home
from provenance.errors import ExitCode, ProvenanceError
from provenance.register import register_paths
from provenance.report import VerifyReport
from provenance.twin import make_twin, stamp_file
from provenance.verify import verify_path
from provenance.version import __version__

__all__ = [
    "ExitCode",
    "Home",
    "ProvenanceError",
    "VerifyReport",
    "__version__",
    "make_twin",
    "register_paths",
    "stamp_file",
    "verify_path",
]
