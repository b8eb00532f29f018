"""Twin generation with diffusers (extra ``generate``; imported lazily)."""

from provenance.generate.pipeline import (
    DEFAULT_PROMPT,
    TwinSettings,
    describe,
    load_pipeline,
    run_img2img,
)
from provenance.generate.tiny import TINY_NAME

__all__ = ["DEFAULT_PROMPT", "TINY_NAME", "TwinSettings", "describe", "load_pipeline", "run_img2img"]
