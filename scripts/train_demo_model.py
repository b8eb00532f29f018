#!/usr/bin/env python
"""Train the offline demo model: a small Stable-Diffusion-shaped img2img pipeline.

Usage (from the repository root; needs the ``generate`` and ``train`` extras):

  nice -n 19 python scripts/train_demo_model.py [--work build/demo-train] [--out provenance/generate/models/demo]
                                                [--stage all|vae|unet|assemble] [--seed 20261203]
                                                [--device cpu|cuda] [--vae-steps 2400] [--unet-steps 150]
                                                [--vae-batch 4] [--vae-crop 64] [--vae-lr 6e-4] [--vae-warmup 100]

The defaults are the committed model's recipe, chosen on the held-out design photos: at
the same compute, more steps of small batches beat larger crops and larger batches, and a
deeper or wider autoencoder was no better at the same step count. ``--device cuda`` runs
the same seeded recipe on a GPU for a reproducibility check.

Why it exists: offline no real weights can be downloaded, and random weights
(the ``tiny`` model) turn every twin into noise. This trains, on two CPU cores
in well under an hour, the same component classes as Stable Diffusion 1.x at
small size:

1. an ``AutoencoderKL`` (8x downsampling, 4 latent channels, like SD) trained
   for reconstruction (L1 + MSE + a little KL) on random, augmented crops;
2. a ``UNet2DConditionModel`` trained as an epsilon-prediction denoiser on the
   autoencoder's latents with SD's noise schedule, on random prompts so it
   learns to ignore the text (classifier-free guidance then changes nothing);
3. a CLIP text encoder and tokenizer, random and untrained (as in ``tiny``).

Training data: ONLY pictures that installed packages ship (scikit-image's
bundled photos, scikit-learn's two sample images, matplotlib's Grace Hopper),
listed in PHOTOS below and recorded with their SHA-256 in the model card. Two
are held out as the design set for checking reconstruction. The camera photos
in ../shared/fixtures are never read here: they are the evaluation set.

Everything is seeded (torch, the data order, the augmentations) and runs with
two torch threads; a re-run gives a model whose fidelity and drift figures are
within a few percent of the committed one's (bit-identical weights are not
promised: CPU kernels may differ between machines).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261203
PHOTOS: dict[str, list[str]] = {
    "skimage": [
        "data/astronaut.png",
        "data/brick.png",
        "data/camera.png",
        "data/cell.png",
        "data/chelsea.png",
        "data/clock_motion.png",
        "data/coffee.png",
        "data/coins.png",
        "data/color.png",
        "data/grass.png",
        "data/gravel.png",
        "data/hubble_deep_field.jpg",
        "data/ihc.png",
        "data/moon.png",
        "data/motorcycle_left.png",
        "data/motorcycle_right.png",
        "data/page.png",
        "data/retina.jpg",
        "data/rocket.jpg",
        "data/text.png",
    ],
    "sklearn": ["datasets/images/china.jpg", "datasets/images/flower.jpg"],
    "matplotlib": ["mpl-data/sample_data/grace_hopper.jpg"],
}
HELD_OUT = ("grace_hopper.jpg", "china.jpg")  # design set: never trained on, checked after the VAE
PROMPTS = (
    "",
    "a faithful photographic reproduction of the input image, same subject, same composition, "
    "same colours, same lighting",
    "a photo",
    "a high quality photograph",
    "recreate this picture, change nothing",
    "a picture of a cat",
    "a portrait",
    "a landscape at sunset",
)
MAX_SIDE = 768  # photos are kept at most this size in memory


@dataclass(frozen=True)
class VaeRecipe:
    """The autoencoder's training: batch of ``batch`` random ``crop`` px crops, AdamW with a
    linear warm-up over ``warmup`` steps to ``lr``, then a cosine down to 5% of it at step
    ``schedule`` (0: at the last step)."""

    batch: int = 4
    crop: int = 64
    lr: float = 6e-4
    warmup: int = 100
    schedule: int = 0


# --------------------------------------------------------------------------- data


def package_dir(name: str) -> Path:
    """The installed package's folder, found without importing it (no dependencies needed)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"error: {name} is not installed; install the 'train' extra: pip install -e '.[generate,train]'")
    return Path(next(iter(spec.submodule_search_locations)))


def photo_paths() -> list[Path]:
    paths = []
    for package, files in PHOTOS.items():
        base = package_dir(package)
        for rel in files:
            path = base / rel
            if not path.is_file():
                sys.exit(f"error: {path} is missing (a different {package} version?)")
            paths.append(path)
    return paths


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_photos(paths: list[Path]) -> list[Any]:
    """RGB float tensors (3, H, W) in [0, 1], long side at most MAX_SIDE."""
    import torch

    out = []
    for path in paths:
        img = Image.open(path).convert("RGB")
        scale = min(1.0, MAX_SIDE / max(img.size))
        if scale < 1.0:
            img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
        out.append(torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1).contiguous())
    return out


def augment(img: Any, crop: int, rng: np.random.Generator, *, long_side: tuple[int, int] = (288, 768)) -> Any:
    """A random crop of a randomly rescaled, flipped, colour-jittered photo, in [-1, 1]."""
    import torch
    import torch.nn.functional as F

    _, h, w = img.shape
    target = rng.uniform(*long_side)
    scale = max(target / max(h, w), (crop + 1) / min(h, w))
    size = (max(crop, round(h * scale)), max(crop, round(w * scale)))
    x = F.interpolate(img[None], size=size, mode="bilinear", antialias=True, align_corners=False)[0]
    top = int(rng.integers(0, size[0] - crop + 1))
    left = int(rng.integers(0, size[1] - crop + 1))
    x = x[:, top : top + crop, left : left + crop]
    if rng.random() < 0.5:
        x = x.flip(-1)
    gains = torch.tensor(rng.uniform(0.9, 1.1, 3), dtype=torch.float32)[:, None, None]  # white balance
    x = x * gains * float(rng.uniform(0.85, 1.15))  # exposure
    grey = x.mean(0, keepdim=True)
    x = grey + (x - grey) * float(rng.uniform(0.7, 1.3))  # saturation
    return (x.clamp(0, 1) * 2 - 1).contiguous()


def fit512(img: Image.Image) -> Image.Image:
    scale = min(1.0, 512 / max(img.size))
    size = (max(8, int(img.width * scale) // 8 * 8), max(8, int(img.height * scale) // 8 * 8))
    return img.resize(size, Image.Resampling.LANCZOS)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * math.log10(255.0**2 / max(mse, 1e-12))


# --------------------------------------------------------------------------- models


def new_vae() -> Any:
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        block_out_channels=(16, 32, 64, 64),
        layers_per_block=1,
        norm_num_groups=4,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        sample_size=512,
        mid_block_add_attention=False,
    )


# The linear start: before training, the autoencoder is set up as a plain codec whose
# latents are the 8x8 mean colour (channels 0-2; channel 3 starts empty) and whose
# decoder upsamples them smoothly. Every residual branch starts at zero (its last
# conv zeroed), so the network is exactly this codec plus what training adds. The
# two GroupNorms in front of the output convs would throw away each image's mean
# colour and contrast; so each signal channel travels with its negative and a large
# constant pair (+K, -K) in the same group: the group mean is then exactly 0 and its
# spread is set by K alone, and the norm passes the signal through unchanged.
_K, _GAMMA, _BETA = 40.0, 10.0, 10.0


def _identity(conv: Any) -> None:
    conv.weight.zero_()
    conv.bias.zero_()
    centre = conv.weight.shape[2] // 2
    for c in range(min(conv.weight.shape[0], conv.weight.shape[1])):
        conv.weight[c, c, centre, centre] = 1.0


def linear_start(vae: Any, sample: Any) -> None:
    """Make ``vae`` the plain codec described above; fit its two output convs on ``sample``."""
    import torch
    import torch.nn.functional as F
    from diffusers.models.resnet import ResnetBlock2D

    enc, dec = vae.encoder, vae.decoder
    with torch.no_grad():
        for module in vae.modules():
            if isinstance(module, ResnetBlock2D):
                module.conv2.weight.zero_()
                module.conv2.bias.zero_()
                if module.conv_shortcut is not None:
                    _identity(module.conv_shortcut)
                # The branch's first norm divides by the constants' spread: scale the signal
                # back to its own size and hide the constants, so the branch sees the picture.
                module.norm1.weight.zero_()
                module.norm1.bias.zero_()
                for g in range(4):
                    module.norm1.weight[4 * g : 4 * g + 2] = _K / math.sqrt(2)
        for conv, inputs in ((enc.conv_in, 3), (dec.conv_in, 4)):
            conv.weight.zero_()
            conv.bias.zero_()
            for g in range(4):  # channel 4g: signal g, 4g+1: its negative, 4g+2 and 4g+3: +K and -K
                if g < inputs:
                    conv.weight[4 * g, g, 1, 1] = 1.0
                    conv.weight[4 * g + 1, g, 1, 1] = -1.0
                conv.bias[4 * g + 2] = _K
                conv.bias[4 * g + 3] = -_K
        for block in enc.down_blocks:
            for down in block.downsamplers or []:
                down.conv.weight.zero_()
                down.conv.bias.zero_()
                for c in range(down.conv.weight.shape[0]):
                    down.conv.weight[c, c, 0:2, 0:2] = 0.25  # 2x2 mean
        taps = torch.tensor([1.0, 2.0, 1.0])
        smooth = torch.outer(taps, taps) / 16
        for block in dec.up_blocks:
            for up in block.upsamplers or []:
                up.conv.weight.zero_()
                up.conv.bias.zero_()
                for c in range(up.conv.weight.shape[0]):
                    up.conv.weight[c, c] = smooth  # nearest x2, then smoothed: about bilinear
        for norm in (enc.conv_norm_out, dec.conv_norm_out):
            norm.weight.fill_(_GAMMA)
            norm.bias.fill_(_BETA)
        _identity(vae.quant_conv)
        _identity(vae.post_quant_conv)
        box = F.avg_pool2d(sample, 8)
        spread = torch.full_like(box[:, :1], -20.0).repeat(1, 4, 1, 1)  # log-variance: about no noise
        _fit_conv(enc.conv_out, _conv_input(enc, sample, enc.conv_out), torch.cat([box, box[:, :1] * 0, spread], 1))
        latents = vae.encode(sample).latent_dist.mode()
        _fit_conv(dec.conv_out, _conv_input(dec, latents, dec.conv_out), sample)


def _conv_input(module: Any, x: Any, conv: Any) -> Any:
    seen: dict[str, Any] = {}
    hook = conv.register_forward_hook(lambda _m, args, _out: seen.setdefault("x", args[0]))
    module(x)
    hook.remove()
    return seen["x"]


def _fit_conv(conv: Any, features: Any, target: Any, ridge: float = 1e-5) -> None:
    """Ridge least-squares weights for a 3x3 conv from ``features`` to ``target``. The
    features are nearly collinear (each signal beside its negative); the ridge, relative
    to their mean energy, keeps the weights small, so training does not start unstable."""
    import torch
    import torch.nn.functional as F

    channels = features.shape[1]
    x = F.unfold(features, 3, padding=1).permute(0, 2, 1).reshape(-1, channels * 9).double()
    x = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype)], 1)
    y = target.permute(0, 2, 3, 1).reshape(-1, target.shape[1]).double()
    gram = x.T @ x
    penalty = ridge * float(gram.diagonal().mean()) * torch.eye(x.shape[1], dtype=x.dtype)
    solution = torch.linalg.solve(gram + penalty, x.T @ y)
    conv.weight.copy_(solution[:-1].T.reshape(-1, channels, 3, 3).float())
    conv.bias.copy_(solution[-1].float())


def new_unet() -> Any:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=64,
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 64, 64),
        layers_per_block=1,
        down_block_types=("DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
    )


def noise_schedule() -> Any:
    from diffusers import DDPMScheduler

    return DDPMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)


def text_parts(seed: int) -> tuple[Any, Any]:
    """CLIP tokenizer and a random 2-layer text encoder (as the tiny model's)."""
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel

    from provenance.generate.tiny import _tokenizer

    torch.manual_seed(seed)
    encoder = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=32,
            intermediate_size=64,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=1000,
            max_position_embeddings=77,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    )
    tokenizer = _tokenizer()
    encoder.resize_token_embeddings(len(tokenizer))
    return tokenizer, encoder.eval()


# --------------------------------------------------------------------------- stages


def lr_at(step: int, total: int, peak: float, warmup: int = 20) -> float:
    """Linear warm-up, then a cosine down to 5% of ``peak`` at ``total``."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def train_vae(
    work: Path,
    photos: list[Any],
    steps: int,
    seed: int,
    log: list[dict[str, Any]],
    *,
    recipe: VaeRecipe,
    device: str = "cpu",
) -> None:
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    vae = new_vae()
    start = torch.stack([augment(photos[int(rng.integers(len(photos)))], 128, rng) for _ in range(16)])
    linear_start(vae, start)
    vae.save_pretrained(work / "vae-start", safe_serialization=True)
    vae.to(device).train()
    # Only the residual branches learn; the codec path (input, resampling and output convs,
    # whose inputs carry the large constant channels) stays as set up: training it with
    # Adam shifts every output by the constants and undoes the start.
    branches = [p for n, p in vae.named_parameters() if ".resnets." in n and "conv_shortcut" not in n]
    for param in vae.parameters():
        param.requires_grad_(False)
    for param in branches:
        param.requires_grad_(True)
    opt = torch.optim.AdamW(branches, lr=recipe.lr, weight_decay=0.0)
    batch, crop, kl_weight, peak = recipe.batch, recipe.crop, 1e-6, recipe.lr
    schedule = recipe.schedule or steps
    begin = time.time()
    running: list[float] = []
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, schedule, peak, recipe.warmup)
        x = torch.stack([augment(photos[int(rng.integers(len(photos)))], crop, rng) for _ in range(batch)]).to(device)
        post = vae.encode(x).latent_dist
        rec = vae.decode(post.sample()).sample
        err = rec - x
        mse = err.pow(2).mean()
        loss = err.abs().mean() + mse + kl_weight * post.kl().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(branches, 1.0)
        opt.step()
        running.append(float(mse.detach()))
        if (step + 1) % 25 == 0 or step + 1 == steps:
            mse_avg = sum(running) / len(running)
            entry = {
                "stage": "vae",
                "step": step + 1,
                "loss": round(float(loss.detach()), 5),
                "mse": round(mse_avg, 6),
                "psnr_train_crops": round(10 * math.log10(4.0 / mse_avg), 2),  # range [-1, 1]
                "seconds": round(time.time() - begin, 1),
            }
            log.append(entry)
            print(json.dumps(entry), flush=True)
            running = []
        if (step + 1) % 50 == 0 or step + 1 == steps:
            vae.save_pretrained(work / "vae", safe_serialization=True)
    write_log(work, log)


def check_vae(folder: Path, paths: list[Path]) -> dict[str, float]:
    """PSNR of the VAE round trip at 512 px (posterior mean) on the given photos."""
    import torch
    from diffusers import AutoencoderKL

    vae = AutoencoderKL.from_pretrained(folder).eval()
    out = {}
    for path in paths:
        img = fit512(Image.open(path).convert("RGB"))
        x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 127.5 - 1).permute(2, 0, 1)[None]
        with torch.inference_mode():
            rec = vae.decode(vae.encode(x).latent_dist.mode()).sample
        arr = ((rec[0].permute(1, 2, 0).clamp(-1, 1) + 1) * 127.5).round().byte().numpy()
        out[path.name] = round(psnr(np.asarray(img), arr), 2)
    return out


def encode_latents(work: Path, photos: list[Any], seed: int, device: str = "cpu") -> Any:
    """Latents of every training photo at several scales, flips and colour jitters."""
    import torch
    from diffusers import AutoencoderKL

    vae = AutoencoderKL.from_pretrained(work / "vae").to(device).eval()
    rng = np.random.default_rng(seed + 1)
    latents = []
    with torch.inference_mode():
        for img in photos:
            for side in (320, 512):
                for _ in range(2):
                    _, h, w = img.shape
                    scale = side / max(h, w)
                    size = (max(128, round(h * scale) // 8 * 8), max(128, round(w * scale) // 8 * 8))
                    z = vae.encode(augment_full(img, size, rng)[None].to(device)).latent_dist.sample()
                    latents.append(z[0].cpu())
    return latents


def augment_full(img: Any, size: tuple[int, int], rng: np.random.Generator) -> Any:
    """The whole photo at ``size``, flipped and colour-jittered like :func:`augment`, in [-1, 1]."""
    import torch
    import torch.nn.functional as F

    x = F.interpolate(img[None], size=size, mode="bilinear", antialias=True, align_corners=False)[0]
    if rng.random() < 0.5:
        x = x.flip(-1)
    gains = torch.tensor(rng.uniform(0.9, 1.1, 3), dtype=torch.float32)[:, None, None]
    x = x * gains * float(rng.uniform(0.85, 1.15))
    grey = x.mean(0, keepdim=True)
    x = grey + (x - grey) * float(rng.uniform(0.7, 1.3))
    return (x.clamp(0, 1) * 2 - 1).contiguous()


def train_unet(
    work: Path, photos: list[Any], steps: int, seed: int, log: list[dict[str, Any]], *, device: str = "cpu"
) -> None:
    import torch

    torch.manual_seed(seed)
    latents = encode_latents(work, photos, seed, device)
    flat = torch.cat([z.reshape(4, -1) for z in latents], dim=1)
    scaling = round(1.0 / float(flat.std()), 5)
    print(json.dumps({"stage": "unet", "latent_sets": len(latents), "scaling_factor": scaling}), flush=True)
    tokenizer, encoder = text_parts(seed)
    with torch.inference_mode():
        ids = tokenizer(list(PROMPTS), padding="max_length", max_length=77, truncation=True, return_tensors="pt")
        embeddings = encoder(ids.input_ids)[0].clone()
    schedule = noise_schedule()
    alphas = schedule.alphas_cumprod
    rng = np.random.default_rng(seed + 2)
    unet = new_unet().to(device).train()
    opt = torch.optim.AdamW(unet.parameters(), lr=5e-4, weight_decay=0.0)
    batch, size = 8, 16
    begin = time.time()
    running: list[float] = []
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = 5e-4 * min(1.0, (step + 1) / 20)
        crops = []
        for _ in range(batch):
            z = latents[int(rng.integers(len(latents)))]
            top = int(rng.integers(0, z.shape[1] - size + 1))
            left = int(rng.integers(0, z.shape[2] - size + 1))
            crops.append(z[:, top : top + size, left : left + size])
        z0 = torch.stack(crops) * scaling
        # img2img at the default strength only visits the low end of the schedule: weight it.
        low = rng.random(batch) < 0.8
        t = np.where(low, rng.integers(0, 300, batch), rng.integers(0, 1000, batch))
        timesteps = torch.from_numpy(t).long()
        noise = torch.randn(z0.shape)  # drawn on the CPU: the same noise on every device
        a = alphas[timesteps].sqrt()[:, None, None, None]
        s = (1 - alphas[timesteps]).sqrt()[:, None, None, None]
        noisy = (a * z0 + s * noise).to(device)
        cond = embeddings[torch.from_numpy(rng.integers(0, len(PROMPTS), batch)).long()].to(device)
        pred = unet(noisy, timesteps.to(device), encoder_hidden_states=cond).sample
        loss = (pred - noise.to(device)).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        running.append(float(loss.detach()))
        if (step + 1) % 25 == 0 or step + 1 == steps:
            entry = {
                "stage": "unet",
                "step": step + 1,
                "loss": round(sum(running) / len(running), 5),
                "seconds": round(time.time() - begin, 1),
            }
            log.append(entry)
            print(json.dumps(entry), flush=True)
            running = []
        if (step + 1) % 100 == 0 or step + 1 == steps:
            unet.save_pretrained(work / "unet", safe_serialization=True)
    (work / "scaling.json").write_text(json.dumps({"scaling_factor": scaling}))
    write_log(work, log)


def assemble(work: Path, out: Path, seed: int, paths: list[Path], extra: dict[str, Any]) -> None:
    """Save the pipeline with ``save_pretrained`` into ``out`` and write its model card."""
    import shutil

    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionImg2ImgPipeline, UNet2DConditionModel

    scaling = json.loads((work / "scaling.json").read_text())["scaling_factor"]
    vae = AutoencoderKL.from_pretrained(work / "vae")
    vae.register_to_config(scaling_factor=scaling)
    unet = UNet2DConditionModel.from_pretrained(work / "unet")
    tokenizer, encoder = text_parts(seed)
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        num_train_timesteps=1000,
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
        timestep_spacing="leading",
    )
    pipe = StableDiffusionImg2ImgPipeline(
        vae=vae,
        text_encoder=encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    pipe.save_pretrained(tmp, safe_serialization=True)
    log = json.loads((work / "log.json").read_text())
    training = {
        "seed": seed,
        "photos": [{"file": p.name, "package": package_of(p), "sha256": sha256(p)} for p in paths],
        "held_out": list(HELD_OUT),
        "log": log,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "torch_threads": 2,
        "git_commit": git_commit(),
        **extra,
    }
    (tmp / "training.json").write_text(json.dumps(training, indent=1) + "\n")
    (tmp / "README.md").write_text(model_card(training, scaling), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)


def model_card(training: dict[str, Any], scaling: float) -> str:
    """The model card: what it is, what it was trained on, how long, the losses, its limits."""
    log = training["log"]
    vae = [e for e in log if e["stage"] == "vae"]
    unet = [e for e in log if e["stage"] == "unet"]
    trained = [p for p in training["photos"] if p["file"] not in training["held_out"]]
    held = training["vae_psnr_512_held_out"]
    recipe = training["vae_recipe"]
    held_mean = {k: round(sum(v.values()) / len(v), 2) for k, v in held.items()}
    load = training["load_average"]
    rows = "\n".join(f"| {p['file']} | {p['package']} | `{p['sha256'][:16]}` |" for p in training["photos"])

    def curve(entries: list[dict[str, Any]], key: str) -> str:
        every = max(50, entries[-1]["step"] // 12 // 50 * 50)  # about a dozen points
        picks = [e for e in entries if e["step"] in {entries[0]["step"], *range(0, 10**6, every)}] + entries[-1:]
        seen: dict[int, Any] = {e["step"]: e[key] for e in picks}
        return ", ".join(f"{step}: {value}" for step, value in sorted(seen.items()))

    return f"""# provenance demo model (offline, img2img)

A small Stable-Diffusion-shaped image-to-image pipeline (`StableDiffusionImg2ImgPipeline`:
`AutoencoderKL`, `UNet2DConditionModel`, CLIP text encoder and tokenizer, `DDIMScheduler`),
trained on two CPU cores so that provenance can make twins that look like their source with
no network and no downloaded weights. It is `provenance twin`'s default when no `--model` is
given, and it says so: the CLI output, the manifest's model and the verify report call it the
offline demo model. Load it like any hub model:
`StableDiffusionImg2ImgPipeline.from_pretrained("provenance/generate/models/demo")`.

Made by `scripts/train_demo_model.py` (seed {training["seed"]}, git {training["git_commit"]},
{training["machine"]}, {training["torch_threads"]} torch threads).

## Components

- `vae`: AutoencoderKL, 8x downsampling, 4 latent channels (as SD), blocks (16, 32, 64, 64),
  no attention; scaling factor {scaling}. It starts as a plain codec (latents = the 8x8 mean
  colour, smooth upsampling, output convs fitted by least squares; see `linear_start` in the
  script); then its residual branches are trained {training["vae_steps"]} steps (batch {recipe["batch"]}, random
  {recipe["crop"]} px crops; L1 + MSE + 1e-6 KL; AdamW, peak learning rate {recipe["lr"]:g},
  {recipe["warmup"]}-step linear warm-up, then a cosine down to 5% of the peak at step
  {recipe["schedule"] or training["vae_steps"]}).
- `unet`: UNet2DConditionModel, blocks (32, 64, 64), cross-attention at the lowest level only;
  trained {training["unet_steps"]} steps (batch 8, 16x16 crops of the latents of every training photo
  at long sides 320 and 512 px, twice each with flips and colour jitter; AdamW, 5e-4) to predict the
  noise (epsilon) with SD's schedule (scaled linear, 0.00085 to 0.012, 1000 steps), timesteps
  drawn mostly below 300, on random prompts (the empty one included): it learned to ignore text.
- `text_encoder` and `tokenizer`: a random 2-layer CLIP text model (hidden size 32) and a
  byte-level CLIP tokenizer, untrained, as in the `tiny` model. Prompts change nothing.
- `scheduler`: DDIM (eta 0), SD's schedule, leading timestep spacing.

## Training data

Only photos that installed packages ship: scikit-image 0.26.0 (`skimage/data`), scikit-learn
(`sklearn/datasets/images`) and matplotlib (`mpl-data/sample_data`), with random rescaling
(long side 288 to 768 px), flips and colour jitter (white balance, exposure, saturation).
{len(trained)} photos were trained on; {", ".join(training["held_out"])} were held out as the design
set (defaults were chosen on them). The camera photos in ../shared/fixtures were never read by
the training: they are the evaluation set (benchmarks/results/demo_model.md).

| photo | package | SHA-256 (first 16) |
|---|---|---|
{rows}

## Losses

- VAE mean squared error on training crops (range -1..1), by step: {curve(vae, "mse")}
  (PSNR on training crops at the end: {vae[-1]["psnr_train_crops"]} dB).
- VAE round trip at 512 px on the held-out design photos (PSNR, dB): before training
  {held["start"]} (mean {held_mean["start"]}), after {held["trained"]} (mean {held_mean["trained"]}).
- UNet epsilon MSE, by step: {curve(unet, "loss")}.
- Wall time on {training["device"]} ({training["torch_threads"]} torch threads) of a shared 2-core machine
  (1-minute load average {load["start"]} at the start, {load["end"]} at the end, other jobs included):
  VAE {vae[-1]["seconds"]:.0f} s, UNet {unet[-1]["seconds"]:.0f} s; with loading the photos and encoding
  the latents, {training["total_seconds"]:.0f} s ({training["total_seconds"] / 60:.0f} min).

## Known limits

- It reproduces its input; it cannot make anything new. Prompts are ignored. Its denoiser is
  weak ({training["unet_steps"]} steps of training): a higher strength than the default leaves more
  noise in the picture.
- Twins are softer than their source (an 8x-downsampling autoencoder this small, trained this
  briefly, loses fine detail and texture); the twins' PSNR and PDQ distance on the evaluation
  camera photos are measured in benchmarks/results/demo_model.md. Each generation of a chain
  loses more detail and shifts colour, which is what makes chains drift.
- Trained on about twenty photos: unusual content (text, fine patterns) reconstructs worse.
- Not a production generator and not a stand-in for one: figures measured with it say how
  provenance handles a faithful img2img twin, not how any real model behaves.
- Reproducibility: everything is seeded (torch, the data order, the augmentations, the UNet's
  noise, drawn on the CPU whatever the device), and `python scripts/train_demo_model.py` with its
  defaults reproduces this recipe; `--device cuda` runs the same recipe on a GPU. CPU and GPU
  kernels differ between machines, so expect close, not bit-identical, weights.
"""


def package_of(path: Path) -> str:
    for package in PHOTOS:
        if package in path.parts:
            return package
    return "?"


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_log(work: Path, log: list[dict[str, Any]]) -> None:
    (work / "log.json").write_text(json.dumps(log, indent=1) + "\n")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "demo-train")
    parser.add_argument("--out", type=Path, default=ROOT / "provenance" / "generate" / "models" / "demo")
    parser.add_argument("--stage", choices=["all", "vae", "unet", "assemble"], default="all")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--vae-steps", type=int, default=2400)
    parser.add_argument("--unet-steps", type=int, default=150)
    parser.add_argument("--vae-batch", type=int, default=VaeRecipe.batch)
    parser.add_argument("--vae-crop", type=int, default=VaeRecipe.crop, help="crop side in px (a multiple of 8)")
    parser.add_argument("--vae-lr", type=float, default=VaeRecipe.lr, help="peak learning rate")
    parser.add_argument("--vae-warmup", type=int, default=VaeRecipe.warmup)
    parser.add_argument(
        "--vae-schedule", type=int, default=VaeRecipe.schedule, help="steps the cosine spans (0: --vae-steps)"
    )
    parser.add_argument(
        "--device",
        default="cpu",
        help="torch device to train on (cpu, cuda, cuda:1); data, augmentation and noise stay seeded on the CPU",
    )
    args = parser.parse_args()
    import torch

    if args.device != "cpu" and torch.device(args.device).type != "cuda":
        parser.error(f"--device {args.device}: only cpu and cuda devices are supported")
    if args.device != "cpu" and not torch.cuda.is_available():
        parser.error(f"--device {args.device}: this torch sees no CUDA device")
    return args


def main() -> None:
    import torch

    args = parse_args()
    recipe = VaeRecipe(args.vae_batch, args.vae_crop, args.vae_lr, args.vae_warmup, args.vae_schedule)
    torch.set_num_threads(2)
    args.work.mkdir(parents=True, exist_ok=True)
    paths = photo_paths()
    train_paths = [p for p in paths if p.name not in HELD_OUT]
    held = [p for p in paths if p.name in HELD_OUT]
    timing_path = args.work / "timing.json"  # seconds and load per training stage, for the card
    timing: dict[str, Any] = json.loads(timing_path.read_text()) if timing_path.exists() else {}
    log_path = args.work / "log.json"
    log: list[dict[str, Any]] = json.loads(log_path.read_text()) if log_path.exists() else []
    begin = time.time()
    if args.stage in ("all", "vae"):
        load = round(os.getloadavg()[0], 2)
        log = [e for e in log if e.get("stage") != "vae"]
        train_vae(
            args.work, load_photos(train_paths), args.vae_steps, args.seed, log, recipe=recipe, device=args.device
        )
        timing["vae"] = {"seconds": round(time.time() - begin, 1), "load_start": load}
    if args.stage in ("all", "vae", "unet"):
        check = {"start": check_vae(args.work / "vae-start", held), "trained": check_vae(args.work / "vae", held)}
        print(json.dumps({"vae_psnr_512_held_out": check}), flush=True)
        (args.work / "vae_check.json").write_text(json.dumps(check))
    if args.stage in ("all", "unet"):
        started = time.time()
        log = [e for e in log if e.get("stage") != "unet"]
        train_unet(args.work, load_photos(train_paths), args.unet_steps, args.seed, log, device=args.device)
        timing["unet"] = {"seconds": round(time.time() - started, 1), "load_end": round(os.getloadavg()[0], 2)}
    if args.stage != "assemble":
        timing_path.write_text(json.dumps(timing))
    if args.stage in ("all", "assemble"):
        check = json.loads((args.work / "vae_check.json").read_text())
        extra = {
            "vae_psnr_512_held_out": check,
            "vae_steps": args.vae_steps,
            "vae_recipe": asdict(recipe),
            "unet_steps": args.unet_steps,
            "device": args.device,
            "load_average": {"start": timing["vae"]["load_start"], "end": timing["unet"]["load_end"]},
            # wall time of the training stages (the VAE's includes loading the photos, the UNet's
            # the encoding of the latents; the VAE check between them is not counted)
            "total_seconds": round(timing["vae"]["seconds"] + timing["unet"]["seconds"], 1),
        }
        assemble(args.work, args.out, args.seed, paths, extra)
        print(f"wrote {args.out}", flush=True)
    print(json.dumps({"total_seconds": round(time.time() - begin, 1)}), flush=True)


if __name__ == "__main__":
    main()
