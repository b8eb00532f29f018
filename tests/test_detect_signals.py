"""Issue 6: every AI signal a file carries, explained, with a verdict that never says "fake"."""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from provenance import detect
from provenance.config import Home
from provenance.credentials import _c2pa, init_identity
from provenance.credentials.claims import StampClaims, manifest_definition
from provenance.detect import sd_watermark
from provenance.detect.metadata import read_metadata
from provenance.fingerprint import PHASH, Fingerprint
from provenance.imaging import load_image
from provenance.report import Signal
from provenance.verify import VerifyOptions, verify_image, verify_path
from provenance.watermark import _imwatermark
from tests import metadata_files as mf
from tests.conftest import FIXTURES, SAMPLES, run_cli

AI = FIXTURES / "ai"
PHOTOS = FIXTURES / "photos"
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def _ai_rows() -> list[tuple[str, str]]:
    manifest = AI / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as fh:
        return [(r["filename"], r["generator"]) for r in csv.DictReader(fh, delimiter="\t")]


AI_ROWS = _ai_rows()
# What the generator column says -> what our signal must name.
_NAMED = {"AUTOMATIC1111": "AUTOMATIC1111", "ComfyUI": "ComfyUI", "Fooocus": "Fooocus", "InvokeAI": "InvokeAI",
          "NovelAI": "NovelAI"}  # fmt: skip


@pytest.mark.skipif(not AI_ROWS, reason="../shared/fixtures/ai is not present")
@pytest.mark.parametrize(("filename", "generator"), AI_ROWS, ids=[r[0] for r in AI_ROWS])
def test_every_ai_fixture_is_flagged_with_its_generator(filename: str, generator: str, tmp_path: Path) -> None:
    report = verify_path(AI / filename, home=Home(tmp_path))
    if filename.endswith("empty_file.png"):
        assert report.exit_code == 4
        assert report.error
        return
    if generator == "none":  # valid but empty 1x1 images: no metadata, no crash
        assert report.ai.verdict == "no-evidence"
        return
    assert report.ai.verdict == "ai-generated", report.ai
    expected = next(v for k, v in _NAMED.items() if k in generator)
    assert expected in (report.ai.signals[0].generator or ""), report.ai.signals[0]
    for signal in report.ai.signals:
        assert "\n" not in signal.evidence
        assert len(signal.evidence) < 400


def test_generator_models_and_prompts_are_read_out() -> None:
    sdxl = AI / "comfyui" / "sdxl_sdxl_simple_example.png"
    if not sdxl.exists():
        pytest.skip("../shared/fixtures/ai is not present")
    signals = detect.metadata_signals(read_metadata(sdxl.read_bytes(), "image/png"))
    assert signals[0].model == "sd_xl_base_1.0.safetensors, sd_xl_refiner_1.0.safetensors"
    assert signals[0].prompt is not None
    assert "sunset" in signals[0].prompt
    a1111 = detect.metadata_signals(
        read_metadata(
            (AI / "sd-parsers" / "parsers__AUTOMATIC1111__automatic1111_cropped.jpg").read_bytes(), "image/jpeg"
        )
    )
    assert (a1111[0].source, a1111[0].model, a1111[0].prompt) == (
        "EXIF UserComment",
        "realistic_realisticVisionV20_v20",
        "photo of a duck",
    )
    assert a1111[0].negative_prompt == "monochrome"


def test_camera_photos_are_never_called_ai(tmp_path: Path) -> None:
    photos = sorted(PHOTOS.glob("*.jpg"))
    if not photos:
        pytest.skip("../shared/fixtures/photos is not present")
    for photo in [*photos, *sorted(SAMPLES.glob("*.*g"))]:
        report = verify_path(photo, home=Home(tmp_path), options=VerifyOptions(pixels="always"))
        assert report.ai.verdict in ("no-evidence", "captured"), (photo.name, report.ai.signals)


def _pixels(path: Path) -> int:
    with Image.open(path) as img:
        return img.size[0] * img.size[1]


def _mark(img: Image.Image, payload: np.ndarray, order: str, floating: bool) -> Image.Image:
    """Embed exactly as the pipelines do: SD 1/2 scripts uint8 BGR, diffusers float RGB,
    Stability's SDXL code float BGR."""
    arr = np.asarray(img.convert("RGB"))
    arr = arr[:, :, ::-1] if order == "BGR" else arr
    arr = arr.astype(np.float32) if floating else np.ascontiguousarray(arr)
    embedder = _imwatermark.dwt_dct().EmbedMaxDct(watermarks=list(payload), wmLen=payload.size)
    out = embedder.encode(arr)
    out = out[:, :, ::-1] if order == "BGR" else out
    return Image.fromarray(np.clip(np.round(out), 0, 255).astype(np.uint8))


def _library_reads(marked: Image.Image, payload: np.ndarray, order: str, floating: bool, need: float) -> bool:
    """Does invisible-watermark's own decoder, in the embedding's domain, read the payload back?"""
    arr = np.asarray(marked)
    arr = np.ascontiguousarray(arr[:, :, ::-1] if order == "BGR" else arr)
    arr = arr.astype(np.float32) if floating else arr
    bits = _imwatermark.dwt_dct().EmbedMaxDct(watermarks=[], wmLen=payload.size).decode(arr)
    return bool(np.mean(bits.astype(np.uint8) == payload) >= need)


PIPELINES = [
    ("Stable Diffusion 1.x", "BGR", False),
    ("Stable Diffusion 2.x", "BGR", False),
    ("SDXL", "RGB", True),  # diffusers
    ("SDXL", "BGR", True),  # Stability's generative-models
]


def test_stable_diffusion_watermarks_are_flagged_on_photos_and_absent_ones_are_not() -> None:
    photos = [p for p in sorted(PHOTOS.glob("*.jpg")) if _pixels(p) >= sd_watermark.MIN_PIXELS]
    if not photos:
        pytest.skip("../shared/fixtures/photos is not present")
    marks = {m.name: m for m in sd_watermark.KNOWN_MARKS}
    flagged = readable = total = 0
    for photo in photos:
        img = Image.open(photo).convert("RGB")
        assert sd_watermark.detect(img) == [], f"false SD watermark on {photo.name}"
        for name, order, floating in PIPELINES:
            mark = marks[name]
            buf = io.BytesIO()
            _mark(img, mark.bits, order, floating).save(buf, "PNG")
            saved = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
            found = {m.name for m in sd_watermark.detect(saved)}
            can_read = _library_reads(saved, mark.bits, order, floating, mark.min_agreement)
            total += 1
            flagged += name in found
            readable += can_read
            if can_read:
                assert name in found, (photo.name, name, order)
    # Every mark invisible-watermark itself can read back is flagged; dwtDct loses the
    # mark on some images at embedding time, which no detector can undo.
    assert flagged >= readable
    assert flagged / total >= 0.8, (flagged, readable, total)


def test_vectorised_decode_matches_invisible_watermark_bit_for_bit() -> None:
    img = np.ascontiguousarray(np.asarray(Image.open(SAMPLES / "rocket.jpg").convert("RGB"))[:, :, ::-1])
    for length in (32, 48, 136):
        ours = sd_watermark.decode_bits(sd_watermark._block_votes(img), length)
        theirs = _imwatermark.dwt_dct().EmbedMaxDct(watermarks=[], wmLen=length).decode(img)
        assert np.array_equal(ours, theirs.astype(np.uint8))


def test_metadata_only_path_never_decodes_pixels(tmp_path: Path) -> None:
    path = AI / "comfyui" / "flux_flux_dev_example.png"
    if not path.exists():
        pytest.skip("../shared/fixtures/ai is not present")
    image = load_image(path)
    report = verify_image(image, home=Home(tmp_path), options=VerifyOptions(pixels="never"))
    assert report.ai.verdict == "ai-generated"
    assert report.ai.pixels_checked is False
    assert image._pixels is None, "the metadata-only path decoded the pixels"


def _png_with_text(key: str, text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text(key, text)
    buf = io.BytesIO()
    Image.open(SAMPLES / "chelsea.png").convert("RGB").save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def test_signed_capture_claim_contradicted_by_generator_metadata_is_a_conflict(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    identity = init_identity(home, org="Desk")
    asset = _png_with_text("parameters", "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, Model: dreamshaper_8")
    claims = StampClaims(
        title="x.png",
        author="a",
        model="Camera",
        record_id="0000000001",
        fingerprints=[Fingerprint(PHASH, "0" * 16)],
        digital_source_type=IPTC + "digitalCapture",
    )
    signed, _ = _c2pa.sign(manifest_definition(claims), identity, "image/png", asset)
    path = tmp_path / "x.png"
    path.write_bytes(signed)
    report = verify_path(path, home=home)
    assert report.credentials.state == "trusted"
    assert report.ai.verdict == "ai-generated"
    assert report.ai.conflicts
    assert "captured" in report.ai.conflicts[0]
    assert report.ai.signals[0].strength == "ai-generated"


def test_unsigned_xmp_can_say_ai_but_never_captured(tmp_path: Path) -> None:
    def with_xmp(term: str) -> Path:
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
            f' Iptc4xmpExt:DigitalSourceType="{IPTC}{term}"/></rdf:RDF></x:xmpmeta>'
        )
        path = tmp_path / f"{term}.jpg"
        Image.open(SAMPLES / "rocket.jpg").save(path, "JPEG", xmp=xmp.encode())
        return path

    assert verify_path(with_xmp("trainedAlgorithmicMedia"), home=Home(tmp_path)).ai.verdict == "ai-generated"
    assert verify_path(with_xmp("digitalCapture"), home=Home(tmp_path)).ai.verdict == "no-evidence"


def test_generator_names_come_from_data_and_ordinary_software_is_not_flagged(tmp_path: Path) -> None:
    def with_software(name: str) -> Path:
        exif = Image.Exif()
        exif[0x0131] = name
        path = tmp_path / f"{len(name)}.jpg"
        Image.open(SAMPLES / "rocket.jpg").save(path, "JPEG", exif=exif)
        return path

    made = verify_path(with_software("Midjourney v6.1"), home=Home(tmp_path))
    assert made.ai.verdict == "ai-generated"
    assert made.ai.signals[0].generator == "Midjourney"
    for ordinary in ("Adobe Photoshop 25.0 (Windows)", "GIMP 2.10", "Imagen Studio"):
        assert verify_path(with_software(ordinary), home=Home(tmp_path)).ai.verdict == "no-evidence", ordinary


def test_a_caption_that_mentions_a_generator_is_no_evidence_but_a_makers_line_is(tmp_path: Path) -> None:
    """A walkthrough: camera photos captioned "A firefly glows over a meadow" or "A student uses
    ChatGPT on a laptop" read "AI-generated" (the file itself says so), and stamp refused them as
    captured. A caption about a generator is listed as a mention, not counted; a caption that is a
    maker's line ("Created with Midjourney v6.1", "Adobe Firefly Image 3") still says AI."""

    def captioned(text: str, tag: int = 0x010E) -> Path:
        exif = Image.Exif()
        exif[tag] = text
        path = tmp_path / f"c{abs(hash((text, tag)))}.jpg"
        Image.open(SAMPLES / "rocket.jpg").save(path, "JPEG", exif=exif)
        return path

    for prose in (
        "A firefly glows over a meadow near Gatlinburg, Tennessee",
        "Firefly Aerospace Alpha rocket lifts off from Vandenberg Space Force Base",
        "Firefly (2002)",  # a red-team's: a name that is also a word or another's needs its brand
        "Photo: Firefly Aerospace",
        "Kandinsky",
        "Children draw things on the pavement with chalk",
        "A student uses ChatGPT on a laptop in a library",
        'Protesters hold a banner reading "Stable Diffusion stole our art"',
    ):
        report = verify_path(captioned(prose), home=Home(tmp_path))
        assert report.ai.verdict == "no-evidence", (prose, report.ai.signals)
        assert not any(s.strength in ("ai-generated", "ai-edited") for s in report.ai.signals), prose
    mention = verify_path(captioned("A student uses ChatGPT on a laptop in a library"), home=Home(tmp_path))
    [said] = [s for s in mention.ai.signals if s.kind == "metadata.mention"]
    assert "mentions ChatGPT (OpenAI)" in said.evidence
    assert said.strength == "info"
    assert said.generator is None
    artist = verify_path(captioned("ComfyUI Photography Ltd", tag=0x013B), home=Home(tmp_path))
    assert artist.ai.verdict == "no-evidence"
    for line, name in (
        ("Created with Midjourney v6.1", "Midjourney"),
        ("Adobe Firefly Image 3", "Adobe Firefly"),
        ("AI generated with Stable Diffusion XL", "Stable Diffusion"),
        ("DALL-E 3", "DALL-E (OpenAI)"),
        ("Image by Midjourney", "Midjourney"),  # a red-team's credit lines, missed at first
        ("AI generated image (Midjourney)", "Midjourney"),
        ("Image Creator from Microsoft Designer", "Microsoft Designer / Bing Image Creator"),
        ("Created with Midjourney v6.1. Prompt: a cat on a windowsill at dusk, cinematic light", "Midjourney"),
    ):
        made = verify_path(captioned(line), home=Home(tmp_path))
        assert made.ai.verdict == "ai-generated", line
        assert made.ai.signals[0].generator == name, line


def test_hostile_text_chunks_are_bounded(tmp_path: Path) -> None:
    bomb = zlib.compress(b"A" * (20 * 1024 * 1024), 9)
    base = (SAMPLES / "chelsea.png").read_bytes()
    chunk_body = b"parameters\x00\x00" + bomb
    chunk = len(chunk_body).to_bytes(4, "big") + b"zTXt" + chunk_body
    chunk += zlib.crc32(b"zTXt" + chunk_body).to_bytes(4, "big")
    hostile = base[:33] + chunk + base[33:]
    meta = read_metadata(hostile, "image/png")
    assert "parameters" not in meta.png_text
    assert any("inflates past" in p for p in meta.problems)


def test_text_report_explains_each_signal_in_one_line(tmp_path: Path) -> None:
    path = AI / "sd-parsers" / "parsers__NovelAI__novelai1_cropped.png"
    if not path.exists():
        pytest.skip("../shared/fixtures/ai is not present")
    result = run_cli("verify", path, home=tmp_path)
    lines = [ln for ln in result.stdout.splitlines() if ln.strip().startswith("- ")]
    assert lines
    assert "NovelAI" in lines[0]
    assert "made by NovelAI" in lines[0]
    json_report = json.loads(run_cli("verify", "--json", path, home=tmp_path).stdout)
    assert json_report["ai"]["signals"][0]["prompt"].startswith("masterpiece")


def test_the_reference_algorithmic_media_file_is_not_called_ai(tmp_path: Path) -> None:
    """c2pa-rs's C.jpg is signed as algorithmicMedia: computer-made, no trained model (issue 19, 7)."""
    path = FIXTURES / "c2pa" / "c2pa-rs" / "C.jpg"
    if not path.exists():
        pytest.skip("../shared/fixtures/c2pa is not present")
    report = verify_path(path, home=Home(tmp_path))
    assert report.credentials.state in ("trusted", "valid")
    assert report.ai.verdict == "no-evidence", report.ai
    sources = [s for s in report.ai.signals if s.kind == "c2pa.digitalSourceType"]
    assert [s.strength for s in sources] == ["info"]
    assert "algorithmicMedia" in sources[0].evidence
    assert "not by a trained AI model" in sources[0].evidence


# Issue 19, case 16: every signal, in every container tools write it to.
_POSITIVE = "a red fox standing in deep snow, golden hour, telephoto"
_NEGATIVE = "blurry, lowres, watermark"
_SAMPLER = {"seed": 1, "steps": 20, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0}
_COMFY_GRAPH = {
    # The negative encoder comes first in the file: the sampler's inputs decide which is which.
    "2": {"class_type": "CLIPTextEncode", "inputs": {"text": _NEGATIVE, "clip": ["4", 1]}},
    "3": {"class_type": "CLIPTextEncode", "inputs": {"text": _POSITIVE, "clip": ["4", 1]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "dreamshaper_8.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
    "6": {
        "class_type": "KSampler",
        "inputs": _SAMPLER | {"model": ["4", 0], "positive": ["3", 0], "negative": ["2", 0], "latent_image": ["5", 0]},
    },
    "7": {"class_type": "VAEDecode", "inputs": {"samples": ["6", 0], "vae": ["4", 2]}},
    "8": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["7", 0]}},
}
_A1111 = f"{_POSITIVE}\nNegative prompt: {_NEGATIVE}\nSteps: 20, Sampler: Euler a, CFG scale: 7, Model: dreamshaper_8"
_INVOKEAI = {"generation_mode": "txt2img", "positive_prompt": _POSITIVE, "negative_prompt": _NEGATIVE, "model": {}}
_SWARMUI = {"prompt": _POSITIVE, "negativeprompt": _NEGATIVE, "model": "OfficialStableDiffusion/sd_xl_base_1.0"}
_FOOOCUS = {"prompt": _POSITIVE, "negative_prompt": _NEGATIVE, "base_model": "juggernautXL_v8", "steps": 30}
# (name, text, signal kind, generator named, prompt): what a tool writes, and what we must report.
_SIGNALS = [
    ("a1111", _A1111, "a1111.parameters", "AUTOMATIC1111", _POSITIVE),
    ("comfyui", json.dumps(_COMFY_GRAPH), "comfyui.workflow", "ComfyUI", _POSITIVE),
    ("comfyui-prefixed", "prompt:" + json.dumps(_COMFY_GRAPH), "comfyui.workflow", "ComfyUI", _POSITIVE),
    ("invokeai", json.dumps(_INVOKEAI), "invokeai.metadata", "InvokeAI", _POSITIVE),
    ("fooocus", json.dumps(_FOOOCUS), "fooocus.parameters", "Fooocus", _POSITIVE),
    ("swarmui", json.dumps({"sui_image_params": _SWARMUI}), "swarmui.parameters", "SwarmUI", _POSITIVE),
    ("generator-name", "Created with Midjourney v6.1", "metadata.generator", "Midjourney", None),
]


def _exif_with(where: str, text: str, encoding: str, big_endian: bool = True) -> mf.Exif:
    exif = mf.Exif(big_endian=big_endian)
    if where == "ImageDescription":
        exif.ifd0.append(mf.ascii_tag(0x010E, text))
    elif where == "ImageDescription-exif-ifd":
        exif.exif.append(mf.ascii_tag(0x010E, text))
    elif where == "XPComment":
        exif.ifd0.append(mf.Tag(0x9C9C, mf.BYTE, text.encode("utf-16-le") + b"\0\0"))
    else:
        tags = exif.ifd0 if where == "UserComment-ifd0" else exif.exif
        tags.append(mf.Tag(0x9286, mf.UNDEFINED, mf.user_comment(text, encoding)))
    return exif


def _xmp(text: str) -> bytes:
    return mf.xmp_packet({"exif:UserComment": text})


# container name -> (text -> (file bytes, mime))
_CONTAINERS: dict[str, Callable[[str], tuple[bytes, str]]] = {
    "png-tEXt": lambda t: (mf.png(mf.text_chunk("tEXt", "Comment", t)), "image/png"),
    "png-zTXt": lambda t: (mf.png(mf.text_chunk("zTXt", "Comment", t)), "image/png"),
    "png-iTXt": lambda t: (mf.png(mf.text_chunk("iTXt", "Comment", t)), "image/png"),
    "png-iTXt-compressed": lambda t: (mf.png(mf.text_chunk("iTXt-z", "Comment", t)), "image/png"),
    "png-text-after-IDAT": lambda t: (mf.png(mf.text_chunk("tEXt", "Comment", t), after_idat=True), "image/png"),
    "png-eXIf-UserComment": lambda t: (
        mf.png(mf.png_chunk(b"eXIf", _exif_with("UserComment", t, "unicode-be").tobytes()[6:])),
        "image/png",
    ),
    "png-XMP": lambda t: (mf.png(mf.text_chunk("iTXt", "XML:com.adobe.xmp", _xmp(t).decode())), "image/png"),
    "jpeg-UserComment-unicode-be": lambda t: (
        mf.jpeg(mf.exif_segment(_exif_with("UserComment", t, "unicode-be"))),
        "image/jpeg",
    ),
    "jpeg-UserComment-unicode-le": lambda t: (
        mf.jpeg(mf.exif_segment(_exif_with("UserComment", t, "unicode-le", big_endian=False))),
        "image/jpeg",
    ),
    "jpeg-UserComment-unicode-le-in-big-endian-file": lambda t: (
        mf.jpeg(mf.exif_segment(_exif_with("UserComment", t, "unicode-le", big_endian=True))),
        "image/jpeg",
    ),
    "jpeg-UserComment-unicode-bom": lambda t: (
        mf.jpeg(mf.exif_segment(_exif_with("UserComment", t, "unicode-bom"))),
        "image/jpeg",
    ),
    "jpeg-UserComment-ascii": lambda t: (mf.jpeg(mf.exif_segment(_exif_with("UserComment", t, "ascii"))), "image/jpeg"),
    "jpeg-UserComment-jis": lambda t: (mf.jpeg(mf.exif_segment(_exif_with("UserComment", t, "jis"))), "image/jpeg"),
    "jpeg-UserComment-undefined": lambda t: (
        mf.jpeg(mf.exif_segment(_exif_with("UserComment", t, "undefined"))),
        "image/jpeg",
    ),
    "jpeg-UserComment-no-prefix": lambda t: (
        mf.jpeg(mf.exif_segment(_exif_with("UserComment", t, "none"))),
        "image/jpeg",
    ),
    "jpeg-UserComment-in-IFD0": lambda t: (
        mf.jpeg(mf.exif_segment(_exif_with("UserComment-ifd0", t, "unicode-le", big_endian=False))),
        "image/jpeg",
    ),
    "jpeg-ImageDescription": lambda t: (mf.jpeg(mf.exif_segment(_exif_with("ImageDescription", t, ""))), "image/jpeg"),
    "jpeg-ImageDescription-in-Exif-IFD": lambda t: (
        mf.jpeg(mf.exif_segment(_exif_with("ImageDescription-exif-ifd", t, ""))),
        "image/jpeg",
    ),
    "jpeg-XPComment": lambda t: (mf.jpeg(mf.exif_segment(_exif_with("XPComment", t, ""))), "image/jpeg"),
    "jpeg-COM": lambda t: (mf.jpeg(mf.com_segment(t)), "image/jpeg"),
    "jpeg-XMP": lambda t: (mf.jpeg(mf.xmp_segment(_xmp(t))), "image/jpeg"),
    "webp-EXIF-UserComment": lambda t: (
        mf.webp(exif=_exif_with("UserComment", t, "unicode-le", big_endian=False).tobytes()[6:]),
        "image/webp",
    ),
    "webp-EXIF-ImageDescription": lambda t: (
        mf.webp(exif=_exif_with("ImageDescription", t, "").tobytes()),
        "image/webp",
    ),
    "webp-XMP": lambda t: (mf.webp(xmp=_xmp(t)), "image/webp"),
}
_MATRIX = [(c, *s) for c in _CONTAINERS for s in _SIGNALS]


@pytest.mark.parametrize(
    ("container", "name", "text", "kind", "generator", "prompt"), _MATRIX, ids=[f"{m[1]}-in-{m[0]}" for m in _MATRIX]
)
def test_every_signal_is_found_in_every_container(  # noqa: PLR0917 - one parameter per matrix column
    container: str, name: str, text: str, kind: str, generator: str, prompt: str | None
) -> None:
    data, mime = _CONTAINERS[container](text)
    signals = detect.metadata_signals(read_metadata(data, mime))
    found = [s for s in signals if s.kind == kind]
    assert found, (container, [(s.kind, s.source) for s in signals])
    assert generator in (found[0].generator or "")
    assert found[0].prompt == prompt
    assert detect.verdict(signals).verdict == "ai-generated"


@pytest.mark.parametrize("container", ["png-XMP", "jpeg-XMP", "webp-XMP"])
def test_the_iptc_source_type_is_read_from_xmp_in_every_container(container: str) -> None:
    def xmp(term: str) -> bytes:
        return mf.xmp_packet({"Iptc4xmpExt:DigitalSourceType": IPTC + term})

    builders: dict[str, Callable[[bytes], tuple[bytes, str]]] = {
        "png-XMP": lambda p: (mf.png(mf.text_chunk("iTXt", "XML:com.adobe.xmp", p.decode())), "image/png"),
        "jpeg-XMP": lambda p: (mf.jpeg(mf.xmp_segment(p)), "image/jpeg"),
        "webp-XMP": lambda p: (mf.webp(xmp=p), "image/webp"),
    }
    for term, expected in (("trainedAlgorithmicMedia", "ai-generated"), ("algorithmicMedia", "no-evidence")):
        data, mime = builders[container](xmp(term))
        signals = detect.metadata_signals(read_metadata(data, mime))
        assert [s.kind for s in signals] == ["xmp.digitalSourceType"]
        assert detect.verdict(signals).verdict == expected


def test_a_comfyui_graph_in_a_jpeg_user_comment_is_found_by_verify(tmp_path: Path) -> None:
    """End to end: a JPEG saver's UTF-16 UserComment in IFD0, through ``provenance verify --json``."""
    path = tmp_path / "comfy.jpg"
    path.write_bytes(mf.jpeg(mf.exif_segment(_exif_with("UserComment-ifd0", json.dumps(_COMFY_GRAPH), "unicode-le"))))
    result = run_cli("verify", "--json", path, home=tmp_path / "home")
    report = json.loads(result.stdout)
    assert report["ai"]["verdict"] == "ai-generated"
    signal = report["ai"]["signals"][0]
    assert (signal["kind"], signal["source"]) == ("comfyui.workflow", "EXIF UserComment (in IFD0)")
    assert (signal["prompt"], signal["negative_prompt"]) == (_POSITIVE, _NEGATIVE)


# Issue 19, case 9: the positive prompt is what the sampler's `positive` input reaches.
def _comfy_fixture(name: str) -> Signal:
    path = AI / "sd-parsers" / f"parsers__ComfyUI__{name}.png"
    if not path.exists():
        pytest.skip("../shared/fixtures/ai is not present")
    signals = detect.metadata_signals(read_metadata(path.read_bytes(), "image/png"))
    return next(s for s in signals if s.kind == "comfyui.workflow")


def test_comfyui_negative_prompt_is_never_shown_as_the_prompt() -> None:
    signal = _comfy_fixture("noisy_latents_3_subjects_cropped")
    assert signal.prompt is not None
    assert signal.negative_prompt is not None
    assert signal.negative_prompt.startswith("(hands), text, error, cropped")
    assert "(hands), text, error" not in signal.prompt
    assert "(fennec ears:1.0)" in signal.prompt


def test_comfyui_prompts_match_what_sd_parsers_expects() -> None:
    """Upstream's expected prompts (d3x-at/sd-parsers tests/resources/parsers/ComfyUI/
    night_evening_day_morning_cropped.py): five area prompts and a second pass, one negative."""
    signal = _comfy_fixture("night_evening_day_morning_cropped")
    assert signal.prompt is not None
    assert set(signal.prompt.split("\n\n")) == {
        "(best quality) (daytime:1.2) sky (blue)",
        "(best quality) (night:1.3) (darkness) sky (black) (stars:1.2) (galaxy:1.2) (space) (universe)",
        "(best quality) (evening:1.2) (sky:1.2) (clouds) (colorful) (HDR:1.2) (sunset:1.3)",
        "(masterpiece) (best quality) morning sky",
        "(masterpiece) (best quality) beautiful landscape breathtaking amazing view nature photograph forest"
        " mountains ocean (sky) national park scenery",
        "(best quality) beautiful (HDR:1.2) (realistic:1.2) landscape breathtaking amazing view nature scenery"
        " photograph forest mountains ocean daytime night evening morning, (sky:1.2)",
    }
    assert signal.negative_prompt is not None
    assert signal.negative_prompt.startswith("(hands), text, error, cropped, (worst quality:1.2)")
    assert "\n\n" not in signal.negative_prompt  # the same negative text twice is listed once


def test_comfyui_prompts_through_guiders_zeroed_negatives_and_controlnets() -> None:
    enc = "CLIPTextEncode"
    flux = {  # SamplerCustomAdvanced -> BasicGuider -> FluxGuidance -> encoder: no negative at all
        "1": {"class_type": enc, "inputs": {"text": "a lighthouse at dusk", "clip": ["9", 0]}},
        "2": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["1", 0]}},
        "3": {"class_type": "BasicGuider", "inputs": {"model": ["9", 0], "conditioning": ["2", 0]}},
        "4": {"class_type": "SamplerCustomAdvanced", "inputs": {"guider": ["3", 0], "latent_image": ["5", 0]}},
        "5": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 64, "height": 64}},
        "9": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors"}},
    }
    sd3 = {  # the negative is the positive encoder zeroed out: its text is not a negative prompt
        "1": {"class_type": "CLIPTextEncodeSD3", "inputs": {"clip_l": "a cat", "clip_g": "a cat",
                                                             "t5xxl": "a cat on a mat"}},
        "2": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["1", 0]}},
        "3": {"class_type": "KSampler", "inputs": {"positive": ["1", 0], "negative": ["2", 0],
                                                    "latent_image": ["5", 0]}},
        "5": {"class_type": "EmptySD3LatentImage", "inputs": {}},
    }  # fmt: skip
    controlnet = {  # ControlNetApplyAdvanced carries both sides: each follows its own input
        "1": {"class_type": "CLIPTextEncodeSDXL", "inputs": {"text_g": "negative words", "text_l": "negative words"}},
        "2": {"class_type": enc, "inputs": {"text": ["7", 0]}},
        "3": {"class_type": "ControlNetApplyAdvanced", "inputs": {"positive": ["2", 0], "negative": ["1", 0],
                                                                   "control_net": ["8", 0], "image": ["8", 0]}},
        "4": {"class_type": "KSamplerAdvanced", "inputs": {"positive": ["3", 0], "negative": ["3", 1],
                                                            "latent_image": ["5", 0]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {}},
        "7": {"class_type": "PrimitiveString", "inputs": {"value": "a harbour in the rain"}},
        "8": {"class_type": "ControlNetLoader", "inputs": {}},
    }  # fmt: skip
    got = {}
    for name, graph in (("flux", flux), ("sd3", sd3), ("controlnet", controlnet)):
        data = mf.png(mf.text_chunk("tEXt", "prompt", json.dumps(graph)))
        signal = detect.metadata_signals(read_metadata(data, "image/png"))[0]
        got[name] = (signal.prompt, signal.negative_prompt)
    assert got == {
        "flux": ("a lighthouse at dusk", None),
        "sd3": ("a cat on a mat\n\na cat", None),
        "controlnet": ("a harbour in the rain", "negative words"),
    }


def test_prompts_are_carried_whole_in_json(tmp_path: Path) -> None:
    long_prompt = ", ".join(f"detail {i} {{with (weights:1.{i % 10})}}" for i in range(120))  # ~3,500 characters
    graph = json.loads(json.dumps(_COMFY_GRAPH).replace(_POSITIVE, long_prompt))
    comfy = tmp_path / "comfy.png"
    comfy.write_bytes(mf.png(mf.text_chunk("tEXt", "prompt", json.dumps(graph))))
    a1111 = tmp_path / "a1111.png"
    a1111.write_bytes(
        mf.png(mf.text_chunk("tEXt", "parameters", f"{long_prompt}\nline two\nSteps: 20, Sampler: Euler"))
    )
    for path, expected in ((comfy, long_prompt), (a1111, f"{long_prompt}\nline two")):
        report = json.loads(run_cli("verify", "--json", "--metadata-only", path, home=tmp_path / "home").stdout)
        assert report["ai"]["signals"][0]["prompt"] == expected


def test_corrupt_exif_is_a_noted_problem_and_other_containers_are_still_read() -> None:
    exif = _exif_with("UserComment", _A1111, "unicode-be").tobytes()
    broken = exif[:-40]  # the UserComment's data runs past the end of the block
    data = mf.jpeg(mf.jpeg_segment(0xE1, broken), mf.com_segment("Made with Midjourney"))
    meta = read_metadata(data, "image/jpeg")  # tests turn warnings into errors: none may escape
    assert meta.problems
    assert [s.generator for s in detect.metadata_signals(meta)] == ["Midjourney"]


def _app11_segments(jpeg: bytes) -> bytes:
    """The JUMBF (APP11) segments of a JPEG, as bytes to insert into another."""
    out, pos = b"", 2
    while jpeg[pos] == 0xFF and jpeg[pos + 1] != 0xDA:  # up to the start of scan
        size = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        if jpeg[pos + 1] == 0xEB:
            out += jpeg[pos : pos + 2 + size]
        pos += 2 + size
    return out


def test_a_manifest_moved_onto_another_picture_claims_nothing_about_it(tmp_path: Path) -> None:
    """Issue 19: an AI manifest moved onto a camera photo is broken (exit 1), and its AI claim
    is about other pixels: reported as a claim, never the AI verdict of this picture."""
    home = Home(tmp_path / "home")
    identity = init_identity(home, org="Desk")
    claims = StampClaims(
        title="made.jpg",
        author="a",
        model="Some Model",
        record_id="0000000001",
        fingerprints=[Fingerprint(PHASH, "0" * 16)],
        digital_source_type=IPTC + "trainedAlgorithmicMedia",
    )
    buf = io.BytesIO()
    Image.open(SAMPLES / "chelsea.png").convert("RGB").save(buf, "JPEG", quality=90)
    signed, _ = _c2pa.sign(manifest_definition(claims), identity, "image/jpeg", buf.getvalue())
    as_signed = tmp_path / "made.jpg"
    as_signed.write_bytes(signed)
    assert verify_path(as_signed, home=home).ai.verdict == "ai-generated"

    photo = (SAMPLES / "rocket.jpg").read_bytes()
    moved = tmp_path / "moved.jpg"
    moved.write_bytes(photo[:2] + _app11_segments(signed) + photo[2:])
    report = verify_path(moved, home=home)
    assert report.credentials.state == "invalid"
    assert report.exit_code == 1
    assert report.ai.verdict == "no-evidence", report.ai
    claim = next(s for s in report.ai.signals if s.kind == "c2pa.digitalSourceType")
    assert claim.strength == "info"
    assert "moved from another picture" in claim.evidence
