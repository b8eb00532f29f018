"""Load any diffusers image-to-image model and make a twin with it.

Everything heavy (torch, diffusers, transformers) is imported inside these
functions so that importing :mod:`provenance` (and verifying) never pays for it.
The hub's own offline failure is a misleading "does not appear to have a file
named model_index.json" after ~23 s of retries; we check the cache and the
network first and say plainly what is missing and what to do.
"""

from __future__ import annotations

import hashlib
import os
import socket
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from PIL import Image

from provenance.config import Home
from provenance.errors import MissingExtraError, ModelError, UsageError
from provenance.generate.components import check_model_folder
from provenance.generate.demo import DEMO_FOLDER, DEMO_GUIDANCE, DEMO_NAME, DEMO_STRENGTH, model_label
from provenance.generate.tiny import TINY_FOLDER, TINY_NAME, build_tiny_pipeline

DEFAULT_PROMPT = (
    "a faithful photographic reproduction of the input image, same subject, same composition, "
    "same colours, same lighting"
)
MAX_SIDE = 1024


@dataclass
class TwinSettings:
    """Generation parameters; recorded in the manifest so a twin can be replayed."""

    model: str = DEMO_NAME
    prompt: str = DEFAULT_PROMPT
    strength: float = 0.35
    steps: int = 20
    guidance: float = 7.5
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_model(cls, model: str, **overrides: Any) -> TwinSettings:
        """Faithful-twin defaults for ``model``'s family; ``None`` overrides are ignored.

        Distilled "turbo" models are trained for a few steps without guidance;
        the classic defaults (20 steps, guidance 7.5) burn them out. The demo
        model keeps a picture only at low strength and ignores text.
        """
        base = cls(model=model)
        if "turbo" in model.lower():
            base.steps, base.guidance = 4, 0.0
        elif model == DEMO_NAME:
            base.strength, base.guidance = DEMO_STRENGTH, DEMO_GUIDANCE
        for key, value in overrides.items():
            if value is not None:
                setattr(base, key, value)
        return base

    def validate(self) -> None:
        if not 0.0 < self.strength <= 1.0:
            raise UsageError(f"--strength must be in (0, 1], got {self.strength}")
        if self.steps < 1:
            raise UsageError(f"--steps must be at least 1, got {self.steps}")
        if int(self.steps * self.strength) < 1:
            raise UsageError(
                f"--steps {self.steps} at --strength {self.strength} runs no denoising step",
                hint="Raise --steps or --strength.",
            )


@dataclass(frozen=True)
class LoadOptions:
    """Where and how to run the model. Defaults pick the best device found."""

    device: str = "auto"  # auto, cuda, mps, cpu
    dtype: str = "auto"  # auto (fp16 on a GPU, fp32 on CPU), fp32, fp16, bf16
    revision: str | None = None  # a Hub branch, tag or commit
    cpu_offload: bool = False  # keep sub-models on the CPU until used (needs accelerate)
    attention_slicing: bool = False  # compute attention in slices: less memory, a bit slower
    vae_tiling: bool = False  # decode large images tile by tile


@dataclass
class LoadedModel:
    """A ready pipeline and what identifies it, for the manifest."""

    pipe: Any
    model: str
    revision: str
    device: str
    dtype: str


def quiet_libraries() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _imports() -> tuple[Any, Any]:
    quiet_libraries()
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
    if model == DEMO_NAME:
        if not (DEMO_FOLDER / "model_index.json").is_file():
            raise ModelError(
                f"the demo model's weights are not installed (no {DEMO_FOLDER}/model_index.json)",
                hint="Reinstall provenance, or train them: python scripts/train_demo_model.py",
            )
        return str(DEMO_FOLDER), True
    if model == TINY_NAME:
        folder = home.models_dir / TINY_FOLDER
        if not (folder / "model_index.json").exists():
            build_tiny_pipeline(folder)
        return str(folder), True
    path = Path(model).expanduser()
    if path.exists():
        check_model_folder(path)
        return str(path), True
    if model.count("/") != 1 or model.startswith(("/", ".")):
        raise ModelError(
            f"model '{model}' is neither a local folder nor a Hugging Face id (owner/name)",
            hint="Leave out --model (or pass --model demo) for the offline demo model.",
        )
    return model, _offline()


def pick_device(torch: Any, wanted: str) -> str:
    """cuda, then Apple's mps, then cpu; an explicit choice must exist."""
    available = {
        "cuda": bool(torch.cuda.is_available()),
        "mps": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()),
        "cpu": True,
    }
    if wanted == "auto":
        return next(name for name, ok in available.items() if ok)
    if wanted not in available:
        raise UsageError(f"--device must be auto, cuda, mps or cpu, got '{wanted}'")
    if not available[wanted]:
        raise UsageError(f"--device {wanted} is not available on this machine")
    return wanted


def pick_dtype(torch: Any, wanted: str, device: str) -> tuple[Any, str]:
    names = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
    if wanted == "auto":
        wanted = "fp32" if device == "cpu" else "fp16"
    if wanted not in names:
        raise UsageError(f"--dtype must be auto, fp32, fp16 or bf16, got '{wanted}'")
    return names[wanted], wanted


def load_pipeline(model: str, home: Home, *, options: LoadOptions | None = None) -> LoadedModel:
    """Load ``model`` (Hub id, local folder, ``demo`` or ``tiny``) as an image-to-image pipeline."""
    options = options or LoadOptions()
    target, local_only = resolve_model(model, home)
    local = Path(target).exists()
    if not local and _cached_index(model, options.revision) is None and (local_only or not _hub_reachable()):
        # Decided before torch and diffusers are imported: seconds saved on every miss.
        raise _not_available(model, FileNotFoundError("model_index.json"), offline=True)
    torch, auto = _imports()
    device = pick_device(torch, options.device)
    dtype, dtype_name = pick_dtype(torch, options.dtype, device)
    kwargs: dict[str, Any] = {"torch_dtype": dtype}
    if options.revision:
        kwargs["revision"] = options.revision
    try:
        pipe = _from_pretrained(auto, target, local_files_only=True, **kwargs)
    except Exception as exc:  # noqa: BLE001 - third-party loaders raise anything; we name the model
        if local_only or target != model:
            raise _not_available(model, exc, offline=_offline()) from None
        if not _hub_reachable():
            raise _not_available(model, exc, offline=True) from None
        try:
            pipe = _from_pretrained(auto, target, **kwargs)
        except Exception as exc2:  # noqa: BLE001
            raise _not_available(model, exc2, offline=False) from None
    _place(pipe, device, options)
    pipe.set_progress_bar_config(disable=True)
    revision = _revision(model, target, options.revision, local=local)
    return LoadedModel(pipe=pipe, model=model, revision=revision, device=device, dtype=dtype_name)


def _place(pipe: Any, device: str, options: LoadOptions) -> None:
    if options.cpu_offload and device != "cpu":
        try:
            pipe.enable_model_cpu_offload(device=device)
        except (ImportError, RuntimeError) as exc:
            raise ModelError(f"--cpu-offload is not available here ({str(exc).splitlines()[0]})") from None
    else:
        pipe.to(device)
    if options.attention_slicing:
        pipe.enable_attention_slicing()
    if options.vae_tiling:
        pipe.vae.enable_tiling()


def _cached_index(model: str, revision: str | None) -> str | None:
    """Path of this Hub id's pipeline index in the Hugging Face cache, if it is there (no network)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(model, "model_index.json", revision=revision)
    except ValueError:  # not a valid id or revision (HFValidationError): the loader will say so
        return None
    return cached if isinstance(cached, str) else None


def _revision(model: str, target: str, asked: str | None, *, local: bool) -> str:
    """The exact weights used: the Hub commit, or a digest of a local folder's files."""
    if local:
        return "sha256:" + folder_digest(Path(target))
    cached = _cached_index(model, asked)
    if cached is not None:
        return Path(cached).parent.name  # .../snapshots/<commit>/model_index.json
    return asked or "main"


@cache
def folder_digest(folder: Path) -> str:
    """SHA-256 over every file's relative path and content (once per process)."""
    total = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        total.update(str(path.relative_to(folder)).encode() + b"\0")
        with path.open("rb") as handle:
            total.update(hashlib.file_digest(handle, "sha256").digest())
    return total.hexdigest()


def _from_pretrained(auto: Any, target: str, **kwargs: Any) -> Any:
    # Loading warns about deprecated arguments the libraries pass each other
    # (torch_dtype, local_dir_use_symlinks): noise for a user, not theirs to fix.
    with warnings.catch_warnings():
        for category in (FutureWarning, DeprecationWarning, UserWarning):
            warnings.simplefilter("ignore", category)
        return auto.from_pretrained(target, **kwargs)


def _not_available(model: str, exc: Exception, *, offline: bool) -> ModelError:
    if Path(model).exists() or model in (TINY_NAME, DEMO_NAME):
        return ModelError(f"model '{model}' could not be loaded ({str(exc).splitlines()[0]})")
    if offline:
        return ModelError(
            f"model '{model}' is not in the local cache and the Hugging Face Hub cannot be reached (offline)",
            hint=(
                "Download it where there is network (huggingface-cli download "
                f"{model}), copy the cache or a save_pretrained folder here and pass that, "
                "or leave out --model to use the offline demo model."
            ),
        )
    return ModelError(
        f"model '{model}' could not be downloaded: no such repository, no access, or not a "
        "diffusers image-to-image model",
        hint="Check the id on the Hub, log in with huggingface-cli login for gated models.",
    )


def fit(img: Image.Image, max_side: int) -> Image.Image:
    """Scale so the long side is at most ``max_side`` and both sides divide by 8."""
    scale = min(1.0, max_side / max(img.size))
    width = max(8, int(img.width * scale) // 8 * 8)
    height = max(8, int(img.height * scale) // 8 * 8)
    if (width, height) == img.size:
        return img
    return img.resize((width, height), Image.Resampling.LANCZOS)


def run_img2img(loaded: LoadedModel, source: Image.Image, settings: TwinSettings) -> Image.Image:
    """One image-to-image pass. Noise comes from a seeded CPU generator, so a
    seed gives the same twin on any machine with the same weights and device."""
    torch, _ = _imports()
    generator = torch.Generator(device="cpu").manual_seed(settings.seed)
    with torch.inference_mode():
        result = loaded.pipe(
            prompt=settings.prompt,
            image=fit(source, MAX_SIDE),
            strength=settings.strength,
            num_inference_steps=settings.steps,
            guidance_scale=settings.guidance,
            generator=generator,
        )
    image: Image.Image = result.images[0]
    return image.convert("RGB")


def pixels_digest(image: Image.Image) -> str:
    """SHA-256 of decoded RGB pixels and size: what "bit for bit" compares."""
    rgb = image.convert("RGB")
    return hashlib.sha256(f"{rgb.width}x{rgb.height}:".encode() + rgb.tobytes()).hexdigest()


def describe(loaded: LoadedModel, settings: TwinSettings, *, source_sha256: str, output: Image.Image) -> dict[str, Any]:
    """Everything needed to replay the twin, recorded in the manifest and registry."""
    import diffusers
    import torch

    return {
        "model": settings.model,
        "model_label": model_label(settings.model),
        "revision": loaded.revision,
        "pipeline": type(loaded.pipe).__name__,
        "scheduler": type(loaded.pipe.scheduler).__name__,
        "prompt": settings.prompt,
        "strength": settings.strength,
        "steps": settings.steps,
        "guidance": settings.guidance,
        "seed": settings.seed,
        "device": loaded.device,
        "dtype": loaded.dtype,
        "width": output.width,  # scalars: c2pa turns small integer arrays into byte strings
        "height": output.height,
        "source_sha256": source_sha256,
        "output_pixels_sha256": pixels_digest(output),
        "software": {"diffusers": diffusers.__version__, "torch": torch.__version__},
    }
