"""Check a diffusers model folder before loading it.

``from_pretrained`` on a folder with a missing or damaged component fails deep
inside transformers or safetensors with a message about some internal path. A
user needs to hear which component is missing or corrupt, so we read
``model_index.json`` and look at each component's files first. Weight files are
opened with safetensors, which checks the header and that the file covers all
its tensors (a truncated download fails here, not halfway through loading).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from provenance.errors import ModelError

_TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "tokenizer_config.json", "spiece.model", "vocab.txt")
_WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.ckpt", "*.pt", "*.pth", "*.msgpack", "*.onnx")


def read_model_index(folder: Path) -> dict[str, Any]:
    path = folder / "model_index.json"
    if not path.is_file():
        raise ModelError(
            f"{folder}: not a diffusers model folder (no model_index.json)",
            hint="Pass a folder saved with save_pretrained, or a Hugging Face model id.",
        )
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: unreadable model index ({exc})") from None
    if not isinstance(index, dict):
        raise ModelError(f"{path}: the model index is not a JSON object")
    return index


def components(index: dict[str, Any]) -> dict[str, str]:
    """Component name -> class name, for the components the index says are present."""
    out: dict[str, str] = {}
    for name, value in index.items():
        if name.startswith("_") or not isinstance(value, list) or len(value) != 2:
            continue
        library, cls = value
        if library and cls:
            out[name] = str(cls)
    return out


def check_model_folder(folder: Path) -> dict[str, str]:
    """Raise :class:`ModelError` naming the first missing or corrupt component."""
    found = components(read_model_index(folder))
    if not found:
        raise ModelError(f"{folder}/model_index.json names no components")
    for name, cls in found.items():
        _check_component(folder, name, cls)
    return found


def _check_component(folder: Path, name: str, cls: str) -> None:
    where = folder / name
    if not where.is_dir():
        raise ModelError(f"model folder {folder}: component '{name}' ({cls}) is missing (no folder {name}/)")
    if cls.endswith("Scheduler"):
        _need(where, name, ("scheduler_config.json",))
    elif "Tokenizer" in cls:
        _need(where, name, _TOKENIZER_FILES)
    elif cls.endswith(("FeatureExtractor", "ImageProcessor")):
        _need(where, name, ("preprocessor_config.json",))
    else:
        _need(where, name, ("config.json",))
        _check_config(where / "config.json", name)
        _check_weights(where, name, cls)


def _need(where: Path, name: str, any_of: tuple[str, ...]) -> None:
    if not any((where / f).is_file() for f in any_of):
        raise ModelError(f"component '{name}' is incomplete: {where} has none of {', '.join(any_of)}")


def _check_config(path: Path, name: str) -> None:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"component '{name}': {path} is corrupt ({exc})") from None


def _check_weights(where: Path, name: str, cls: str) -> None:
    weights = [p for pattern in _WEIGHT_PATTERNS for p in where.glob(pattern)]
    if not weights:
        raise ModelError(f"component '{name}' ({cls}) has no weights file in {where}")
    from safetensors import SafetensorError, safe_open

    for path in weights:
        if path.suffix != ".safetensors":
            continue
        try:
            with safe_open(str(path), framework="numpy"):
                pass
        except (SafetensorError, OSError) as exc:
            raise ModelError(
                f"component '{name}': weights file {path} is corrupt or truncated ({exc})",
                hint="Download or save the model again.",
            ) from None
