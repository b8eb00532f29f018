"""Load any diffusers image-to-image model and make a twin with it.

Everything heavy (torch, diffusers, transformers) is imported inside these
functions so that importing :mod:`provenance` (and verifying) never pays for it.
The hub's own offline failure is a misleading "does not appear to have a file
named model_index.json" after ~23 s of retries; we check the cache and the
network first and say plainly what is missing and what to do.
"""

from __future__ import annotations

import os
import socket
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from PIL import Image

from provenance.config import Home
from provenance.errors import MissingExtraError, ModelError
from provenance.generate.tiny import TINY_FOLDER, TINY_NAME, build_tiny_pipeline

DEFAULT_PROMPT = (
    "a faithful photographic reproduction of the input image, same subject, same composition, "
    "same colours, same lighting"
)
MAX_SIDE = 1024


@dataclass
class TwinSettings:
    """Generation parameters; recorded in the manifest so a twin can be replayed."""

    model: str = TINY_NAME
    prompt: str = DEFAULT_PROMPT
    strength: float = 0.35
    steps: int = 20
    guidance: float = 7.5
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        from provenance.errors import UsageError

        if not 0.0 < self.strength <= 1.0:
            raise UsageError(f"--strength must be in (0, 1], got {self.strength}")
        if self.steps < 1:
            raise UsageError(f"--steps must be at least 1, got {self.steps}")
        if int(self.steps * self.strength) < 1:
            raise UsageError(
                f"--steps {self.steps} at --strength {self.strength} runs no denoising step",
                hint="Raise --steps or --strength.",
            )


def _quiet() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _imports() -> tuple[Any, Any]:
    _quiet()
    try:
        import torch
        from diffusers import AutoPipelineForImage2Image
    except ImportError:
        raise MissingExtraError("Twin generation", "generate") from None
    from diffusers.utils import logging as diffusers_logging

    diffusers_logging.disable_progress_bar()
    return torch, AutoPipelineForImage2Image


def _hub_reachable(timeout: float = 3.0) -> bool:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    host = urlparse(endpoint).hostname or "huggingface.co"
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def resolve_model(model: str, home: Home) -> tuple[str, bool]:
    """(what to pass to from_pretrained, whether to stay local-only)."""
    if model == TINY_NAME:
        folder = home.models_dir / TINY_FOLDER
        if not (folder / "model_index.json").exists():
            build_tiny_pipeline(folder)
        return str(folder), True
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "model_index.json").exists():
            raise ModelError(
                f"{path}: not a diffusers model folder (no model_index.json)",
                hint="Pass a folder saved with save_pretrained, or a Hugging Face model id.",
            )
        return str(path), True
    if model.count("/") != 1 or model.startswith(("/", ".")):
        raise ModelError(
            f"model '{model}' is neither a local folder nor a Hugging Face id (owner/name)",
            hint="Use --model tiny for the offline demo model.",
        )
    return model, _offline()


def load_pipeline(model: str, home: Home, *, device: str | None = None) -> Any:
    torch, auto = _imports()
    target, local_only = resolve_model(model, home)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.float16 if device == "cuda" else torch.float32
    kwargs: dict[str, Any] = {"torch_dtype": dtype}
    try:
        pipe = _from_pretrained(auto, target, local_files_only=True, **kwargs)
    except (OSError, ValueError) as exc:
        if local_only or target != model:
            raise _not_available(model, exc, offline=_offline()) from None
        if not _hub_reachable():
            raise _not_available(model, exc, offline=True) from None
        try:
            pipe = _from_pretrained(auto, target, **kwargs)
        except (OSError, ValueError) as exc2:
            raise _not_available(model, exc2, offline=False) from None
    pipe = pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _from_pretrained(auto: Any, target: str, **kwargs: Any) -> Any:
    # Loading warns about deprecated arguments the libraries pass each other
    # (torch_dtype, local_dir_use_symlinks): noise for a user, not theirs to fix.
    with warnings.catch_warnings():
        for category in (FutureWarning, DeprecationWarning, UserWarning):
            warnings.simplefilter("ignore", category)
        return auto.from_pretrained(target, **kwargs)


def _not_available(model: str, exc: Exception, *, offline: bool) -> ModelError:
    if Path(model).exists() or model == TINY_NAME:
        return ModelError(f"model '{model}' could not be loaded ({str(exc).splitlines()[0]})")
    if offline:
        return ModelError(
            f"model '{model}' is not in the local cache and the Hugging Face Hub cannot be reached (offline)",
            hint=(
                "Download it where there is network (huggingface-cli download "
                f"{model}), copy the cache or a save_pretrained folder here and pass that, "
                "or use --model tiny to try the pipeline offline."
            ),
        )
    return ModelError(
        f"model '{model}' could not be downloaded: no such repository, no access, or not a "
        "diffusers image-to-image model",
        hint="Check the id on the Hub, log in with huggingface-cli login for gated models.",
    )


def _fit(img: Image.Image, max_side: int) -> Image.Image:
    """Scale so the long side is at most ``max_side`` and both sides divide by 8."""
    scale = min(1.0, max_side / max(img.size))
    width = max(8, int(img.width * scale) // 8 * 8)
    height = max(8, int(img.height * scale) // 8 * 8)
    if (width, height) == img.size:
        return img
    return img.resize((width, height), Image.Resampling.LANCZOS)


def run_img2img(pipe: Any, source: Image.Image, settings: TwinSettings) -> Image.Image:
    torch, _ = _imports()
    generator = torch.Generator(device="cpu").manual_seed(settings.seed)
    result = pipe(
        prompt=settings.prompt,
        image=_fit(source, MAX_SIDE),
        strength=settings.strength,
        num_inference_steps=settings.steps,
        guidance_scale=settings.guidance,
        generator=generator,
    )
    image: Image.Image = result.images[0]
    return image.convert("RGB")


def describe(pipe: Any, settings: TwinSettings) -> dict[str, Any]:
    """The generation parameters to record in the manifest and registry."""
    return {
        "model": settings.model,
        "pipeline": type(pipe).__name__,
        "scheduler": type(pipe.scheduler).__name__,
        "prompt": settings.prompt,
        "strength": settings.strength,
        "steps": settings.steps,
        "guidance": settings.guidance,
        "seed": settings.seed,
    }
