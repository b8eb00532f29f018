"""Twin generation in depth: drift chains, replay, generation records, batches, model folders."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance.config import Home
from provenance.registry import read_home_registry
from tests.conftest import SAMPLES, run_cli

GENERATIONS = 5


@dataclass
class Chain:
    home: Path
    outdir: Path
    stdout: str


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    base = tmp_path_factory.mktemp("chain")
    home = base / "home"
    assert run_cli("keys", "init", "--org", "Chain Newsroom", home=home).code == 0
    outdir = base / "OUT"
    result = run_cli(
        "twin", SAMPLES / "chelsea.png", "--generations", GENERATIONS, "-o", outdir, "--model", "tiny",
        "--user", "carol", "--steps", "2", "--strength", "0.5", "--seed", "40", home=home,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    return Chain(home, outdir, result.stdout)


def _lineage(ingredients: list[dict[str, object]]) -> list[dict[str, object]]:
    """The parent chain, nearest first, following the first ingredient down."""
    out: list[dict[str, object]] = []
    while ingredients:
        out.append(ingredients[0])
        ingredients = ingredients[0]["ingredients"]  # type: ignore[assignment]
    return out


def test_chain_writes_stamped_generations_plot_contact_sheet_and_json(chain: Chain) -> None:
    names = sorted(p.name for p in chain.outdir.iterdir())
    assert names == sorted([f"gen-0{k}.png" for k in range(1, 6)] + ["contact-sheet.png", "drift.json", "drift.png"])
    for picture in ("drift.png", "contact-sheet.png"):
        with Image.open(chain.outdir / picture) as img:
            assert img.format == "PNG"
            assert img.width > 400
            assert img.height > 200
    report = json.loads((chain.outdir / "drift.json").read_text())
    assert [s["generation"] for s in report["steps"]] == list(range(GENERATIONS + 1))
    assert report["steps"][0]["file"] == "chelsea.png"
    assert [s["seed"] for s in report["steps"][1:]] == [40, 41, 42, 43, 44]
    for step in report["steps"][1:]:
        assert set(step["to_source"]) == {"pdq-256/pdqhash-0.2", "phash-64/imagehash-4"}
        assert step["to_previous"]["phash-64/imagehash-4"] >= 0
        assert -180 < step["hue_shift_deg"] <= 180
        assert step["temperature"] in {"warmer", "cooler", "same"}
        assert (step["temperature"] == "warmer") == (step["warmth_shift"] >= 0.005)
        assert step["sharpness_ratio"] > 0
        assert 0 <= step["colour"]["sharpness"] <= 1
    # The tiny model's output is noise: it must be measured as far from the source.
    assert report["steps"][-1]["to_source"]["phash-64/imagehash-4"] > 12
    assert "drift.png" in chain.stdout
    assert "contact-sheet.png" in chain.stdout


def test_verify_generation_five_shows_the_lineage_to_the_source_all_trusted(chain: Chain) -> None:
    result = run_cli("verify", "--json", chain.outdir / "gen-05.png", home=chain.home)
    assert result.code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["credentials"]["state"] == "trusted"
    lineage = _lineage(report["credentials"]["ingredients"])
    assert [i["title"] for i in lineage] == ["gen-04.png", "gen-03.png", "gen-02.png", "gen-01.png", "chelsea.png"]
    for ingredient in lineage[:-1]:
        assert ingredient["state"] == "trusted", ingredient
        assert ingredient["problems"] == []
    assert lineage[-1]["has_manifest"] is False
    relations = [(m["relation"], m["title"]) for m in report["ownership"]["matches"]]
    assert relations[-1] == ("ancestor", "chelsea.png")
    text = run_cli("verify", chain.outdir / "gen-05.png", home=chain.home).stdout
    for k in range(1, 5):
        assert f"gen-0{k}.png (parentOf, image/png, trusted" in text
    assert "untrusted" not in text


def test_manifest_and_registry_hold_the_generation_settings(chain: Chain) -> None:
    result = run_cli("verify", "--json", chain.outdir / "gen-02.png", home=chain.home)
    generation = json.loads(result.stdout)["credentials"]["generation"]
    assert generation["model"] == "tiny"
    assert generation["seed"] == 41
    assert generation["strength"] == 0.5
    assert generation["steps"] == 2
    assert generation["scheduler"] == "EulerAncestralDiscreteScheduler"
    assert generation["pipeline"] == "StableDiffusionImg2ImgPipeline"
    assert generation["prompt"].startswith("a faithful photographic reproduction")
    assert generation["revision"].startswith("sha256:")
    assert (generation["device"], generation["dtype"]) == ("cpu", "fp32")
    registry = read_home_registry(Home(chain.home))
    assert registry is not None
    with registry:
        record = registry.get(json.loads(result.stdout)["credentials"]["record_id"])
    assert record is not None
    assert record.generation == generation


def test_replay_reproduces_a_twin_bit_for_bit(chain: Chain) -> None:
    # The source of generation 3 is generation 2, found beside it by its recorded hash.
    result = run_cli("twin", "--replay", chain.outdir / "gen-03.png", home=chain.home)
    assert result.code == 0, result.stderr
    assert "identical, bit for bit" in result.stdout
    data = json.loads(run_cli("twin", "--replay", chain.outdir / "gen-01.png", SAMPLES / "chelsea.png", "--json",
                              home=chain.home).stdout)  # fmt: skip
    assert data["identical"] is True
    assert data["pixels_sha256"] == data["recorded_pixels_sha256"]


def test_a_copy_that_lost_its_manifest_is_replayed_from_the_recovered_one(chain: Chain, tmp_path: Path) -> None:
    """A walkthrough re-saved a twin as JPEG: verify recovered its manifest by the watermark, but
    replay said "no C2PA manifest found (or recovered)". The recovered manifest's record is replayed;
    the copy is compared, not called identical."""
    copy = tmp_path / "gen-01-copy.jpg"
    with Image.open(chain.outdir / "gen-01.png") as img:
        img.convert("RGB").save(copy, quality=85)
    result = run_cli("twin", "--replay", copy, SAMPLES / "chelsea.png", home=chain.home)
    assert result.code == 0, result.stderr
    assert "the regeneration is identical to the recorded output, bit for bit" in result.stdout
    assert "manifest recovered" in result.stdout
    assert "this copy lost its manifest" in result.stdout


def test_a_copy_with_a_caption_laid_over_it_is_not_vouched_for_by_the_replay(chain: Chain, tmp_path: Path) -> None:
    """A walkthrough replayed a twin's copy with a caption bar over it: "identical, bit for bit", and
    only a distance of 30 bits (the bound is 31) hinted at the change, which verify called "parts
    differ". The regeneration is the twin's; the replay says the copy's parts differ from it."""
    from PIL import ImageDraw

    copy = tmp_path / "gen-01-captioned.jpg"
    with Image.open(chain.outdir / "gen-01.png") as img:
        picture = img.convert("RGB")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, round(picture.height * 0.75), picture.width, picture.height), fill=(20, 20, 20))
    draw.text((10, round(picture.height * 0.8)), "BREAKING: not what it seems", fill=(255, 255, 255))
    picture.save(copy, quality=90)
    result = run_cli("twin", "--replay", copy, SAMPLES / "chelsea.png", home=chain.home)
    assert result.code == 0, result.stderr
    assert "this copy lost its manifest and parts of it differ from the twin" in result.stdout, result.stdout
    assert "the replay vouches for the twin, not for what was changed" in result.stdout


def test_replay_with_other_weights_reports_the_difference(chain: Chain, tmp_path: Path) -> None:
    from safetensors.numpy import load_file, save_file

    other = tmp_path / "other-model"
    shutil.copytree(chain.home / "models" / "tiny-sd-img2img", other)
    weights = next((other / "unet").glob("*.safetensors"))
    tensors = load_file(str(weights))
    name = next(k for k in tensors if k.endswith("conv_out.bias"))
    tensors[name] = tensors[name] + np.float32(0.5)
    save_file(tensors, str(weights))
    result = run_cli("twin", "--replay", chain.outdir / "gen-03.png", "--model", other, "--json", home=chain.home)
    assert result.code == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["identical"] is False
    assert data["revision"] != data["recorded_revision"]


def test_replay_refuses_a_wrong_source_and_an_unstamped_image(chain: Chain) -> None:
    wrong = run_cli("twin", "--replay", chain.outdir / "gen-03.png", SAMPLES / "coffee.png", home=chain.home)
    assert wrong.code == 2
    assert "not the source this twin was made from" in wrong.stderr
    plain = run_cli("twin", "--replay", SAMPLES / "rocket.jpg", home=chain.home)
    assert plain.code == 2
    assert "nothing to replay" in plain.stderr
    assert "Traceback" not in wrong.stderr + plain.stderr


def test_batch_twins_a_folder_and_survives_an_unreadable_file(keyed_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "chelsea.png", folder / "a-chelsea.png")
    shutil.copy(SAMPLES / "rocket.jpg", folder / "c-rocket.jpg")
    (folder / "b-broken.jpg").write_bytes((SAMPLES / "rocket.jpg").read_bytes()[:2000])
    (folder / "notes.txt").write_text("not an image, not a candidate")
    out = tmp_path / "out"
    result = run_cli("twin", folder, "-o", out, "--steps", "2", "--strength", "0.5", "--user", "alice", home=keyed_home)
    assert result.code == 4, result.stderr
    assert "[1/3]" in result.stdout
    assert "[3/3]" in result.stdout
    errors = [line for line in result.stderr.splitlines() if "b-broken.jpg" in line]
    assert len(errors) == 1
    assert errors[0].startswith("[2/3] error")
    assert "truncated" in errors[0]
    assert sorted(p.name for p in out.iterdir()) == ["a-chelsea-twin.png", "c-rocket-twin.png"]
    for made in out.iterdir():
        assert run_cli("verify", made, home=keyed_home).code == 0
    assert "Traceback" not in result.stderr


def test_broken_model_folders_name_the_missing_or_corrupt_component(keyed_home: Path, tmp_path: Path) -> None:
    built = run_cli("models", "build-tiny", home=keyed_home)
    assert built.code == 0, built.stderr
    tiny = keyed_home / "models" / "tiny-sd-img2img"
    listed = json.loads(run_cli("models", "list", "--json", home=keyed_home).stdout)
    assert [(m["name"], m["pipeline"], m["image_to_image"]) for m in listed if m["location"] == "home"] == [
        ("tiny", "StableDiffusionImg2ImgPipeline", True)
    ]
    packaged = [(m["name"], m["pipeline"], m["image_to_image"]) for m in listed if m["location"] == "package"]
    assert packaged == [("demo", "StableDiffusionImg2ImgPipeline", True)]
    missing = tmp_path / "missing"
    shutil.copytree(tiny, missing)
    shutil.rmtree(missing / "unet")
    corrupt = tmp_path / "corrupt"
    shutil.copytree(tiny, corrupt)
    weights = next((corrupt / "vae").glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:5000])
    out = tmp_path / "t.png"
    for folder, expected in ((missing, "component 'unet'"), (corrupt, "component 'vae'")):
        result = run_cli(
            "twin", SAMPLES / "chelsea.png", "-o", out, "--model", folder, "--user", "alice", home=keyed_home
        )
        assert result.code == 2
        assert expected in result.stderr
        assert "missing" in result.stderr or "corrupt" in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 2
        assert "Traceback" not in result.stderr
        assert not out.exists()


def test_a_pipeline_watermark_and_ours_are_both_reported(
    keyed_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipeline that marks its own output (diffusers' SDXL watermarker): stamp it, both marks read."""
    import torch
    from diffusers.pipelines.stable_diffusion_xl.watermark import StableDiffusionXLWatermarker

    from provenance.credentials.keys import resolve_identity
    from provenance.generate import TwinSettings
    from provenance.twin import TwinMaker, make
    from provenance.verify import verify_path

    def sdxl_like(loaded: object, source: Image.Image, settings: TwinSettings) -> Image.Image:
        del loaded, settings  # a stand-in pipeline: the source, watermarked the way SDXL pipelines do
        pixels = torch.from_numpy(np.asarray(source, dtype=np.float32) / 127.5 - 1).permute(2, 0, 1)[None]
        marked = StableDiffusionXLWatermarker().apply_watermark(pixels)[0].permute(1, 2, 0).numpy()
        return Image.fromarray(((marked + 1) * 127.5).clip(0, 255).round().astype(np.uint8))

    monkeypatch.setattr(make, "run_img2img", sdxl_like)
    home = Home(keyed_home)
    identity = resolve_identity(home, None, None)
    maker = TwinMaker(TwinSettings(steps=2, strength=0.5), user="dan", identity=identity, home=home)
    maker._model = _FakeLoaded()  # type: ignore[assignment]
    from provenance.imaging import load_image

    out = tmp_path / "sdxl-twin.png"
    maker.make(load_image(SAMPLES / "astronaut.png"), out)
    report = verify_path(out, home=home)
    assert report.watermark.found
    assert report.watermark.scheme == "provenance-wm-2"
    kinds = {s.kind: s for s in report.ai.signals}
    assert "sd.watermark" in kinds
    assert kinds["sd.watermark"].generator == "SDXL"


class _FakeLoaded:
    """What describe() reads from a loaded model, for the stand-in pipeline above."""

    model = "stabilityai/sdxl-like"
    revision = "test"
    device = "cpu"
    dtype = "fp32"

    class pipe:  # the attribute layout of a diffusers pipeline
        class scheduler:
            pass
