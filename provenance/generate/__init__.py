"""Twin generation with diffusers (extra ``generate``; imported lazily)."""

from provenance.generate.demo import DEMO_DESCRIPTION, DEMO_NAME, model_label
from provenance.generate.pipeline import (
    DEFAULT_PROMPT,
    LoadedModel,
    LoadOptions,
    TwinSettings,
    describe,
    load_pipeline,
    pixels_digest,
    run_img2img,
)
from provenance.generate.tiny import TINY_NAME

__all__ = [
    "DEFAULT_PROMPT",
    "DEMO_DESCRIPTION",
    "DEMO_NAME",
    "TINY_NAME",
    "LoadOptions",
    "LoadedModel",
    "TwinSettings",
    "describe",
    "load_pipeline",
    "model_label",
    "pixels_digest",
    "run_img2img",
]
