"""invisible-watermark's frequency-domain embedders, loaded without torch.

``import imwatermark`` runs the package ``__init__``, which imports its rivaGan
module and with it torch (about a second, and a gigabyte the verify path must
not need). The DWT/DCT embedders themselves only need numpy, OpenCV and
PyWavelets, so we load those two modules straight from the installed package's
files. The code that runs is invisible-watermark's own, unchanged.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from provenance.errors import MissingExtraError


@cache
def _module(filename: str) -> ModuleType:
    spec = importlib.util.find_spec("imwatermark")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("Watermarking", "invisible-watermark")
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    name = f"_provenance_imwatermark_{path.stem}"
    mod_spec = importlib.util.spec_from_file_location(name, path)
    if mod_spec is None or mod_spec.loader is None:
        raise MissingExtraError("Watermarking", "invisible-watermark")
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules[name] = module
    mod_spec.loader.exec_module(module)
    return module


def dwt_dct_svd() -> ModuleType:
    """Module holding ``EmbedDwtDctSvd`` (method ``dwtDctSvd``)."""
    return _module("dwtDctSvd.py")


def dwt_dct() -> ModuleType:
    """Module holding ``EmbedMaxDct`` (method ``dwtDct``, used by Stable Diffusion)."""
    return _module("maxDct.py")
