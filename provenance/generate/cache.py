"""What models are here: the Hugging Face cache and the home's own models folder.

Only diffusers pipelines count (a snapshot with ``model_index.json``); each is
marked with whether :class:`diffusers.AutoPipelineForImage2Image` can run it,
so ``provenance models list`` answers "what could I make a twin with offline?".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from provenance.config import Home
from provenance.generate.demo import DEMO_FOLDER, DEMO_NAME
from provenance.generate.tiny import TINY_FOLDER, TINY_NAME


@dataclass
class LocalModel:
    name: str  # what to pass to --model
    location: str  # package (the demo model), home or hub-cache
    path: str
    pipeline: str | None
    image_to_image: bool
    size_bytes: int
    revisions: list[str] = field(default_factory=list)


@cache
def image_to_image_pipelines() -> frozenset[str]:
    """Pipeline classes whose family has an image-to-image variant."""
    from provenance.generate.pipeline import quiet_libraries

    quiet_libraries()
    from diffusers.pipelines import auto_pipeline as auto

    families = auto.AUTO_IMAGE2IMAGE_PIPELINES_MAPPING
    names: set[str] = set()
    for mapping in (auto.AUTO_TEXT2IMAGE_PIPELINES_MAPPING, families, auto.AUTO_INPAINT_PIPELINES_MAPPING):
        names.update(cls.__name__ for key, cls in mapping.items() if key in families)
    return frozenset(names)


def _pipeline_class(folder: Path) -> str | None:
    try:
        value = json.loads((folder / "model_index.json").read_text(encoding="utf-8")).get("_class_name")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def list_models(home: Home) -> list[LocalModel]:
    """The packaged demo model, diffusers pipelines in the home's models folder and in the Hugging Face cache."""
    capable = image_to_image_pipelines()
    found: list[LocalModel] = []
    if (DEMO_FOLDER / "model_index.json").is_file():
        cls = _pipeline_class(DEMO_FOLDER)
        found.append(LocalModel(DEMO_NAME, "package", str(DEMO_FOLDER), cls, cls in capable, _size(DEMO_FOLDER)))
    if home.models_dir.is_dir():
        for folder in sorted(p for p in home.models_dir.iterdir() if (p / "model_index.json").is_file()):
            cls = _pipeline_class(folder)
            name = TINY_NAME if folder.name == TINY_FOLDER else str(folder)
            found.append(LocalModel(name, "home", str(folder), cls, cls in capable, _size(folder)))
    found.extend(_hub_models(capable))
    return found


def _hub_models(capable: frozenset[str]) -> list[LocalModel]:
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir()
    except CacheNotFound:
        return []
    out = []
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model":
            continue
        snapshots = [r for r in repo.revisions if (Path(r.snapshot_path) / "model_index.json").is_file()]
        if not snapshots:
            continue
        cls = _pipeline_class(Path(snapshots[0].snapshot_path))
        out.append(
            LocalModel(
                repo.repo_id,
                "hub-cache",
                str(repo.repo_path),
                cls,
                cls in capable,
                repo.size_on_disk,
                sorted(r.commit_hash for r in snapshots),
            )
        )
    return out
