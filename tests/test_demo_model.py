"""The offline demo model: shipped in the package, the default, says what it is, keeps the
picture, and drifts in a chain."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance import fingerprint
from provenance.config import Home
from provenance.fingerprint import PDQ
from provenance.generate import DEMO_NAME, TwinSettings, load_pipeline, run_img2img
from provenance.generate.components import check_model_folder
from provenance.generate.demo import DEMO_FOLDER
from provenance.registry.matching import distances
from provenance.twin import drift
from tests.conftest import ROOT, SAMPLES, run_cli


def _fit(img: Image.Image, side: int) -> Image.Image:
    scale = side / max(img.size)
    return img.resize((round(img.width * scale) // 8 * 8, round(img.height * scale) // 8 * 8), Image.Resampling.LANCZOS)


def _psnr(a: Image.Image, b: Image.Image) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return 10 * math.log10(255.0**2 / float(np.mean((x - y) ** 2)))


def _pdq(a: Image.Image, b: Image.Image) -> int:
    return distances(fingerprint.compute(a), fingerprint.compute(b))[PDQ]


def _held_out_photo() -> Image.Image:
    """matplotlib's Grace Hopper: an allowed photo the model was NOT trained on (design set)."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    return Image.open(path).convert("RGB")


def test_demo_model_ships_in_the_package_as_small_safetensors() -> None:
    files = [p for p in DEMO_FOLDER.rglob("*") if p.is_file()]
    weights = [p for p in files if p.suffix in {".safetensors", ".bin", ".ckpt", ".pt", ".pth"}]
    assert {p.suffix for p in weights} == {".safetensors"}
    assert {p.parent.name for p in weights} == {"vae", "unet", "text_encoder"}
    assert sum(p.stat().st_size for p in files) <= 30 * 1024 * 1024
    assert check_model_folder(DEMO_FOLDER) == {
        "scheduler": "DDIMScheduler",
        "text_encoder": "CLIPTextModel",
        "tokenizer": "CLIPTokenizer",
        "unet": "UNet2DConditionModel",
        "vae": "AutoencoderKL",
    }
    card = (DEMO_FOLDER / "README.md").read_text(encoding="utf-8")
    for needed in ("Training data", "Losses", "Known limits", "fixtures"):
        assert needed in card
    training = json.loads((DEMO_FOLDER / "training.json").read_text(encoding="utf-8"))
    assert "fixtures" not in json.dumps(training["photos"])  # never trained on the evaluation photos
    assert {p["package"] for p in training["photos"]} <= {"skimage", "sklearn", "matplotlib"}
    # pip install carries it: the package data covers every file of the model folder.
    assert '"generate/models/demo/**/*"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_demo_is_the_default_with_its_own_faithful_settings() -> None:
    assert TwinSettings().model == DEMO_NAME
    demo = TwinSettings.for_model(DEMO_NAME)
    assert (demo.steps, demo.guidance) == (20, 1.0)
    assert 0 < demo.strength <= 0.5
    demo.validate()


@pytest.mark.slow
def test_demo_twin_of_a_photo_it_never_saw_is_the_same_picture(tmp_path: Path) -> None:
    loaded = load_pipeline(DEMO_NAME, Home(tmp_path))
    assert loaded.revision.startswith("sha256:")
    source = _fit(_held_out_photo(), 512)
    settings = TwinSettings.for_model(DEMO_NAME)
    twin = run_img2img(loaded, source, settings)
    assert twin.size == source.size
    # Measured 21.04 dB with the retrained model (19.98 with the first one; a detailed
    # portrait; the model's mean on the fixtures' camera photos is in
    # benchmarks/results/demo_model.md).
    assert _psnr(source, twin) >= 20.5
    assert _pdq(source, twin) <= 31
    again = run_img2img(load_pipeline(DEMO_NAME, Home(tmp_path)), source, settings)
    assert np.array_equal(np.asarray(twin), np.asarray(again))  # same seed, same twin


@pytest.mark.slow
def test_demo_chain_drifts_away_from_the_source(tmp_path: Path) -> None:
    loaded = load_pipeline(DEMO_NAME, Home(tmp_path))
    source = _fit(Image.open(SAMPLES / "chelsea.png").convert("RGB"), 256)
    settings = TwinSettings.for_model(DEMO_NAME)
    images = [source]
    for k in range(6):
        settings.seed = k
        images.append(run_img2img(loaded, images[-1], settings))
    report = drift.measure(
        source, images[1:], source_name="chelsea.png", model=DEMO_NAME, files=[""] * 6, record_ids=[None] * 6,
        seeds=list(range(6)),
    )  # fmt: skip
    to_source = [s.to_source[PDQ] for s in report.steps[1:]]
    assert to_source[-1] > to_source[0]
    assert sum(b >= a for a, b in itertools.pairwise(to_source)) >= 4  # mostly rising
    sharp = [s.sharpness_ratio for s in report.steps[1:]]
    assert sharp[-1] < sharp[0] < 1.0  # each generation is softer
    assert to_source[0] <= 31  # yet the first one is still the same picture


@pytest.mark.slow
def test_twin_without_model_uses_the_demo_model_and_says_so(keyed_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "cat-twin.png"
    made = run_cli("twin", SAMPLES / "chelsea.png", "-o", out, "--user", "dana", home=keyed_home)
    assert made.code == 0, made.stderr
    assert "offline demo model" in made.stderr
    assert "no --model given" in made.stderr
    assert "model       demo (offline demo model" in made.stdout
    verified = run_cli("verify", out, home=keyed_home)
    assert verified.code == 0, verified.stderr
    assert "demo (offline demo model" in verified.stdout
    # said once: the manifest names the model in its claim, its action and the AI evidence, and the
    # report repeated the description each time (a walkthrough counted it five times)
    assert verified.stdout.count("offline demo model") == 1
    assert "action c2pa.created by demo, trainedAlgorithmicMedia" in verified.stdout
    report = json.loads(run_cli("verify", "--json", out, home=keyed_home).stdout)
    cred = report["credentials"]
    assert cred["model"].startswith("demo (offline demo model")
    assert cred["generation"]["model"] == DEMO_NAME
    assert cred["generation"]["strength"] == TwinSettings.for_model(DEMO_NAME).strength
    with Image.open(out) as twin, Image.open(SAMPLES / "chelsea.png") as source:
        assert _pdq(source.convert("RGB"), twin.convert("RGB")) <= 31
