"""provenance: make, sign and check AI-generated images.

The public API is small: :func:`verify_path` for checking, :func:`stamp_file`
and :func:`make_twin` for making signed images, :func:`register_paths` for
registering originals, :class:`Home` for where state lives, and
:class:`ProvenanceError` as the one error root. Importing this package never
imports torch or diffusers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from provenance.version import __version__

if TYPE_CHECKING:
    from provenance.config import Home
    from provenance.errors import ProvenanceError
    from provenance.register import register_paths
    from provenance.report import VerifyReport
    from provenance.twin import make_twin, stamp_file
    from provenance.verdicts import ExitCode
    from provenance.verify import verify_path

# Each public name is imported from its module on first use, so that importing
# the package (and `provenance --help`) costs nothing until a part is needed.
_HOMES = {
    "ExitCode": "provenance.verdicts",
    "Home": "provenance.config",
    "ProvenanceError": "provenance.errors",
    "VerifyReport": "provenance.report",
    "make_twin": "provenance.twin",
    "register_paths": "provenance.register",
    "stamp_file": "provenance.twin",
    "verify_path": "provenance.verify",
}


def __getattr__(name: str) -> Any:
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module 'provenance' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


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
