from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance.config import Home
from provenance.errors import ModelError, UsageError
from provenance.generate import LoadOptions, TwinSettings, load_pipeline, run_img2img
from provenance.generate.pipeline import fit, resolve_model
from tests.conftest import SAMPLES


def test_tiny_model_is_saved_once_and_loaded_through_from_pretrained(tmp_path: Path) -> None:
    home = Home(tmp_path)
    pipe = load_pipeline("tiny", home)
    assert (home.models_dir / "tiny-sd-img2img" / "model_index.json").exists()
    assert type(pipe.pipe).__name__ == "StableDiffusionImg2ImgPipeline"
    assert (pipe.device, pipe.dtype) == ("cpu", "fp32")
    source = Image.open(SAMPLES / "chelsea.png").convert("RGB")
    settings = TwinSettings(steps=2, strength=0.5, seed=11)
    first = run_img2img(pipe, source, settings)
    again = run_img2img(load_pipeline("tiny", home), source, settings)
    other = run_img2img(pipe, source, TwinSettings(steps=2, strength=0.5, seed=12))
    assert first.size == (448, 296)
    assert np.array_equal(np.asarray(first), np.asarray(again))
    assert not np.array_equal(np.asarray(first), np.asarray(other))


def test_folder_without_model_index_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    with pytest.raises(ModelError, match="not a diffusers model folder"):
        resolve_model(str(tmp_path / "m"), Home(tmp_path))
    with pytest.raises(ModelError, match="neither a local folder"):
        resolve_model("not-a-model-id", Home(tmp_path))


def test_hub_unreachable_gives_offline_advice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No HF_HUB_OFFLINE: the loader must notice by itself that the hub is unreachable.
    # The endpoint is a closed port on loopback, so nothing leaves the machine.
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelError) as info:
        load_pipeline("someone/not-cached-model", Home(tmp_path))
    message = info.value.diagnostics()
    assert "someone/not-cached-model" in message
    assert "cannot be reached" in message


def test_settings_are_validated_before_loading() -> None:
    with pytest.raises(UsageError, match="strength"):
        TwinSettings(strength=0).validate()
    with pytest.raises(UsageError, match="no denoising step"):
        TwinSettings(steps=2, strength=0.2).validate()


def test_fit_keeps_multiples_of_eight_and_caps_size() -> None:
    assert fit(Image.new("RGB", (451, 300)), 1024).size == (448, 296)
    assert fit(Image.new("RGB", (4000, 2000)), 1024).size == (1024, 512)


def test_turbo_models_get_few_step_no_guidance_defaults() -> None:
    turbo = TwinSettings.for_model("stabilityai/sdxl-turbo", seed=5, steps=None)
    assert (turbo.steps, turbo.guidance, turbo.seed) == (4, 0.0, 5)
    classic = TwinSettings.for_model("runwayml/stable-diffusion-v1-5", strength=0.6)
    assert (classic.steps, classic.guidance, classic.strength) == (20, 7.5, 0.6)
    turbo.validate()


def test_an_unavailable_device_is_a_usage_error(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(UsageError, match="--device cuda is not available"):
        load_pipeline("tiny", Home(tmp_path), options=LoadOptions(device="cuda"))
