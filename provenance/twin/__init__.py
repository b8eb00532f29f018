"""Twins: generate with a diffusers model, then stamp; chains, batches and replay.

Nothing here writes an unstamped image: every output goes through
:func:`provenance.stamp.stamp_pixels`.
"""

from provenance.twin.make import TwinMaker, make_twin, stamp_file

__all__ = ["TwinMaker", "make_twin", "stamp_file"]
