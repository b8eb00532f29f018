"""``provenance-wm-1``: a 64-bit record id that survives compression, crops, resizing and rotation.

Design (measured in docs/watermark-research.md and benchmarks/results/watermark.md):

* Payload: 64-bit record id + CRC-16, protected by BCH (t=8, m=8, bchlib): 144 bits.
* Carrier: 144 pseudo-random +-1 patterns on a 64x64 grid, upsampled to a 128 px tile,
  summed with the payload bits as signs (spread spectrum), plus a known sync pattern
  carrying 35% of the energy. The tile repeats over the luminance, scaled by a texture
  mask on an absolute scale: busy pictures, which hide a mark and drown a weak one, carry
  more; flat pictures less (PSNR about 40 dB and SSIM 0.98 on average). Informed embedding:
  the marked copy goes through JPEG 50 and WebP 80 and is read back; a picture that loses
  more than 3 bits gets a stronger pattern, step by step (large flat areas, where codecs
  throw a weak mark away). Patterns come from SHAKE-256 of the scheme name, so they never
  change with a library version.
* Decoding needs no original: the residual (luminance minus a Gaussian blur, divided by
  its local standard deviation so texture does not drown the mark) is folded into one
  tile; a cyclic correlation with the sync pattern finds the crop offset (its z-score says
  how well the geometry fits); correlations with the patterns give soft bits, decoded by
  BCH and, failing that, Chase decoding (the 32 flips of the 5 least reliable bits).
* Rescaled or rotated copies: geometries come from the tile lattice in the residual's
  autocorrelation, and from a coarse sweep of scales (0.62 to 1.62) and of small rotations
  scored by the sync match, which still finds the mark where the picture is small or busy.
  Each is scored near its estimate, the best are refined on a fine grid, and only
  geometries with a clear sync peak are decoded.
* False decodes: BCH and the CRC must both accept. A random word passes with p = 3.3e-12;
  a decode tries at most 39 geometries x 32 Chase words: 4.1e-9 per image.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import zlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from provenance.errors import WatermarkError

SCHEME = "provenance-wm-1"
ID_BITS = 64
TILE = 128
_GRID = 64
_CRC_BYTES = 2
_BCH_T = 8
_CHASE_BITS = 5  # least reliable bits flipped in turn when BCH alone fails (32 trials)
_ALPHA = 2.2
_SYNC_SHARE = 0.35
# texture mask (texture / _MASK_REF) ** _MASK_GAMMA, clipped: absolute, so busy pictures carry more (research doc)
_MASK_REF = 7.0
_MASK_GAMMA = 0.7
_MASK_LO = 0.35
_MASK_HI = 2.5
MIN_SIDE = 256
_WINDOW = 1024  # geometric search looks at a central window this big: the mark is everywhere
_PEAKS = 6
_SWEEP_WINDOW = 512
_SWEEP_SCALES = np.exp(np.arange(np.log(0.62), np.log(1.62), np.log(1.0075)))
_SWEEP_PEAKS = 5
_SWEEP_ANGLES = np.concatenate([np.arange(-4, 0, 0.5), np.arange(0.5, 4.01, 0.5)])
_SWEEP_ANGLE_PEAKS = 2
_NEAR = 0.0025  # a third of a sweep step each side
_REFINE_Z = 5.5  # sync z-score that makes a geometry worth refining; most unmarked pictures stay below
_DECODE_Z = 5.0  # refined geometries below this are not decoded (BCH would fail anyway)
_FINE_STEP = 0.0015
_FINE_STEPS = 4
_FINE_TRIES = 2
_BOOSTS = (1.0, 1.5, 2.25, 3.4)  # strength steps of informed embedding
_SELF_CHECK_ERRORS = 3  # bit errors after JPEG 50 / WebP 80 that an embedding may leave (BCH corrects 8)
# (format, save options): JPEG 50, and WebP 80 with its fastest method (3x quicker to
# encode than the default, and as hard on a weak mark in flat areas: measured)
_SELF_CHECKS: tuple[tuple[str, dict[str, int]], ...] = (
    ("JPEG", {"quality": 50}),
    ("WEBP", {"quality": 80, "method": 0}),
)

Array = NDArray[Any]  # float32 arrays; numpy's stubs lose the dtype through OpenCV and FFTs


@dataclass(frozen=True)
class Reading:
    found: bool
    record_id: str | None
    confidence: float
    scale: float = 1.0
    angle: float = 0.0


@cache
def _bch() -> object:
    import bchlib

    return bchlib.BCH(t=_BCH_T, m=8)


@cache
def _patterns() -> tuple[Array, Array]:
    """(sync pattern, payload patterns): zero-mean, unit-variance 128x128 tiles."""
    import cv2

    nbits = payload_bits()
    count = nbits + 1
    raw = hashlib.shake_256(SCHEME.encode()).digest(count * _GRID * _GRID // 8)
    signs = np.unpackbits(np.frombuffer(raw, dtype=np.uint8)).astype(np.float32) * 2 - 1
    grids = signs.reshape(count, _GRID, _GRID)
    tiles: Array = np.stack([cv2.resize(g, (TILE, TILE), interpolation=cv2.INTER_LINEAR) for g in grids])
    tiles = (tiles - tiles.mean(axis=(1, 2), keepdims=True)) / tiles.std(axis=(1, 2), keepdims=True)
    return tiles[0], tiles[1:]


def payload_bits() -> int:
    return int((ID_BITS // 8 + _CRC_BYTES + _bch().ecc_bytes) * 8)  # type: ignore[attr-defined]


def _crc(data: bytes) -> bytes:
    return (zlib.crc32(SCHEME.encode() + data) & 0xFFFF).to_bytes(_CRC_BYTES, "big")


def encode_payload(record: int) -> NDArray[np.uint8]:
    data = record.to_bytes(ID_BITS // 8, "big")
    data += _crc(data)
    ecc = _bch().encode(data)  # type: ignore[attr-defined]
    return np.unpackbits(np.frombuffer(data + bytes(ecc), dtype=np.uint8))


def decode_payload(bits: NDArray[np.uint8]) -> tuple[int, int] | None:
    """(record id, corrected bit errors) when BCH and the CRC both accept, else None."""
    packet = np.packbits(bits.astype(np.uint8)).tobytes()
    size = ID_BITS // 8 + _CRC_BYTES
    data, ecc = bytearray(packet[:size]), bytearray(packet[size:])
    bch = _bch()
    errors = bch.decode(bytes(data), bytes(ecc))  # type: ignore[attr-defined]
    if errors < 0:
        return None
    bch.correct(data, ecc)  # type: ignore[attr-defined]
    body, crc = bytes(data[: ID_BITS // 8]), bytes(data[ID_BITS // 8 :])
    if _crc(body) != crc:
        return None
    return int.from_bytes(body, "big"), int(errors)


def decode_soft(soft: Array) -> tuple[int, int] | None:
    """Chase decoding: the hard decision first, then with the least reliable bits flipped.

    BCH alone corrects 8 errors; trying the 2^5 flips of the 5 weakest soft bits recovers
    words with a few more errors, most of which sit among the weakest bits. Every trial
    still has to pass BCH and the CRC, so the false-decode figure grows only by the
    number of trials (docs/watermark-research.md)."""
    hard = (soft > 0).astype(np.uint8)
    first = decode_payload(hard)
    if first is not None:
        return first
    weakest = [int(i) for i in np.argsort(np.abs(soft))[:_CHASE_BITS]]
    for count in range(1, _CHASE_BITS + 1):
        for flipped in itertools.combinations(weakest, count):
            trial = hard.copy()
            trial[list(flipped)] ^= 1
            decoded = decode_payload(trial)
            if decoded is not None:
                return decoded[0], decoded[1] + count
    return None


def _luma(rgb: NDArray[np.uint8]) -> Array:
    x = rgb.astype(np.float32)
    luma: Array = (0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]).astype(np.float32)
    return luma


def _tile_pattern(record: int) -> Array:
    sync, patterns = _patterns()
    signs = encode_payload(record).astype(np.float32) * 2 - 1
    payload = np.tensordot(signs, patterns, axes=1) / np.sqrt(len(signs))
    tile: Array = (np.sqrt(1 - _SYNC_SHARE**2) * payload + _SYNC_SHARE * sync).astype(np.float32)
    return tile


def embed(img: Image.Image, record_id: str, *, strength: float = 1.0) -> Image.Image:
    """A copy of ``img`` carrying ``record_id`` (16 hex digits, or fewer).

    ``strength`` scales the pattern (1.0: PSNR about 40 dB). Informed embedding: the
    marked copy is put through JPEG quality 50 and read back; where more than a few
    bits come back wrong (large flat areas, where JPEG throws the mark away), the
    pattern is made stronger for that picture only, up to :data:`_BOOSTS`."""
    if min(img.size) < MIN_SIDE:
        raise WatermarkError(
            f"image is {img.width}x{img.height}; watermarking needs at least {MIN_SIDE} px on the short side"
        )
    record = int(record_id, 16)
    if not 0 <= record < 1 << ID_BITS:
        raise ValueError(f"record id {record_id!r} does not fit {ID_BITS} bits")
    rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    pattern = _masked_pattern(rgb, record)
    truth = encode_payload(record)
    for boost in _BOOSTS:
        marked = _apply(rgb, pattern, strength * boost)
        if _errors_after_compression(marked, truth) <= _SELF_CHECK_ERRORS:
            break
    return marked


def _masked_pattern(rgb: NDArray[np.uint8], record: int) -> Array:
    """The tiled pattern scaled by a texture mask: more where texture hides it."""
    import cv2

    h, w = rgb.shape[:2]
    tiled = np.tile(_tile_pattern(record), (h // TILE + 1, w // TILE + 1))[:h, :w]
    y = _luma(rgb)
    texture = cv2.GaussianBlur(np.abs(y - cv2.GaussianBlur(y, (0, 0), 2)), (0, 0), 4)
    mask = np.clip((texture / _MASK_REF) ** _MASK_GAMMA, _MASK_LO, _MASK_HI)
    pattern: Array = (_ALPHA * tiled * mask).astype(np.float32)
    return pattern


def _apply(rgb: NDArray[np.uint8], pattern: Array, strength: float) -> Image.Image:
    marked = rgb.astype(np.float32) + (strength * pattern)[..., None]
    return Image.fromarray(np.clip(np.round(marked), 0, 255).astype(np.uint8), "RGB")


def _errors_after_compression(marked: Image.Image, truth: NDArray[np.uint8]) -> int:
    """Bit errors of the worst of JPEG 50 and WebP 80: the two codecs that erase a weak mark
    in different places (JPEG in 8x8 blocks, WebP's smoothing of flat areas)."""
    worst = 0
    for fmt, options in _SELF_CHECKS:
        buf = io.BytesIO()
        marked.save(buf, fmt, **options)
        buf.seek(0)
        with Image.open(buf) as attacked:
            _, soft = _read(_residual(_luma(np.asarray(attacked.convert("RGB"), dtype=np.uint8))))
        worst = max(worst, int(np.count_nonzero((soft > 0).astype(np.uint8) != truth)))
        if worst > _SELF_CHECK_ERRORS:
            break
    return worst


def _residual(y: Array) -> Array:
    import cv2

    r = y - cv2.GaussianBlur(y, (0, 0), 1.2)
    local = np.sqrt(cv2.GaussianBlur(r * r, (0, 0), 4)) + 1.0
    return (r / local).astype(np.float32)


def _fold(r: Array) -> Array:
    h, w = r.shape
    ph, pw = -(-h // TILE) * TILE, -(-w // TILE) * TILE
    padded = r if (ph, pw) == (h, w) else np.pad(r, ((0, ph - h), (0, pw - w)))
    folded: Array = padded.reshape(ph // TILE, TILE, pw // TILE, TILE).sum(axis=(0, 2))
    return folded


@cache
def _sync_spectrum() -> Array:
    sync, _ = _patterns()
    return np.conj(np.fft.rfft2(sync)).astype(np.complex64)


def _sync(folded: Array) -> tuple[float, int, int]:
    """(z-score, dy, dx) of the sync pattern's best cyclic match in a folded tile."""
    corr = np.fft.irfft2(np.fft.rfft2(folded) * _sync_spectrum(), s=folded.shape)
    dy, dx = np.unravel_index(int(np.argmax(corr)), corr.shape)
    z = float((corr[dy, dx] - corr.mean()) / (corr.std() + 1e-9))
    return z, int(dy), int(dx)


def _read(r: Array) -> tuple[float, Array]:
    """(sync peak z-score, soft bits) of a residual, aligned by the sync pattern."""
    folded = _fold(r)
    z, dy, dx = _sync(folded)
    aligned = np.roll(folded, (-dy, -dx), axis=(0, 1))
    _, patterns = _patterns()
    soft = patterns.reshape(len(patterns), -1) @ aligned.reshape(-1)
    return z, soft.astype(np.float32)


def _try(r: Array) -> tuple[int, int] | None:
    """(record id, bit errors) read from residual ``r`` at its own geometry, or None."""
    _, soft = _read(r)
    return decode_soft(soft)


def _candidates(r: Array) -> list[tuple[float, float]]:
    """Likely (scale, angle) of the tile lattice in residual ``r``, best first."""
    import cv2
    from scipy.ndimage import maximum_filter

    h, w = r.shape
    window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    power = (np.abs(np.fft.rfft2(r * window)) ** 2).astype(np.float32)
    power /= cv2.GaussianBlur(power, (0, 0), 4) + 1e-6  # keep sharp lines, drop broadband content
    auto = np.fft.fftshift(np.fft.irfft2(power, s=r.shape)).astype(np.float32)
    cy, cx = h // 2, w // 2
    radii = np.arange(0.7 * TILE, 1.5 * TILE, 0.5)
    angles = np.deg2rad(np.arange(-8, 8.01, 0.25))
    rr, aa = np.meshgrid(radii, angles, indexing="ij")

    def sample(rad: Array, ang: Array) -> Array:
        mx = (cx + rad * np.cos(ang)).astype(np.float32)
        my = (cy + rad * np.sin(ang)).astype(np.float32)
        return cv2.remap(auto, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    score = sample(rr, aa) + sample(rr, aa + np.pi / 2) + sample(2 * rr, aa) + sample(2 * rr, aa + np.pi / 2)
    peaks = np.argwhere(score == maximum_filter(score, size=(9, 9)))
    ranked = sorted(peaks, key=lambda p: -float(score[p[0], p[1]]))[:_PEAKS]
    found = [(float(radii[i] / TILE), float(np.degrees(angles[j]))) for i, j in ranked]
    out: list[tuple[float, float]] = []
    for scale, angle in found:
        out += [(scale, angle), (scale, -angle)] if angle else [(scale, angle)]
    return out


def _sweep(r: Array) -> list[tuple[float, float, float]]:
    """(z, scale, angle) at the best peaks of the sync match over a coarse sweep of scales
    (no rotation) and of small rotations (no rescale).

    The lattice finder needs several tiles' worth of picture, and on small or heavily
    textured pictures it misses; the sync match at the right geometry still stands out.
    The residual is warped instead of the picture: no blur per step."""
    r = _central(r, _SWEEP_WINDOW)
    by_scale = [_score(r, float(scale), 0.0, grow=False) for scale in _SWEEP_SCALES]
    by_angle = [_score(r, 1.0, float(angle)) for angle in _SWEEP_ANGLES]
    return _peaks(by_scale, [(float(s), 0.0) for s in _SWEEP_SCALES], _SWEEP_PEAKS) + _peaks(
        by_angle, [(1.0, float(a)) for a in _SWEEP_ANGLES], _SWEEP_ANGLE_PEAKS
    )


def _peaks(z: list[float], where: list[tuple[float, float]], count: int) -> list[tuple[float, float, float]]:
    """The ``count`` highest local maxima of a 1-D sweep, as (z, scale, angle)."""
    n = len(z)
    local = [i for i in range(n) if z[i] >= z[max(0, i - 1)] and z[i] >= z[min(n - 1, i + 1)]]
    best = sorted(local, key=lambda i: -z[i])[:count]
    return [(z[i], *where[i]) for i in best]


def _refine(r: Array, scale: float, angle: float) -> list[tuple[float, float, float]]:
    """Geometries near (scale, angle) ranked by the sync match: scale first, then angle."""
    tried = {(scale * (1 + k * _FINE_STEP), angle) for k in range(-_FINE_STEPS, _FINE_STEPS + 1)}
    ranked = sorted(((_score(r, s, a), s, a) for s, a in tried), reverse=True)
    _, best_scale, _ = ranked[0]
    if angle:
        turned = [(best_scale, angle + da) for da in (-0.25, -0.125, 0.125, 0.25)]
        ranked += [(_score(r, s, a), s, a) for s, a in turned]
        ranked.sort(reverse=True)
    return ranked[:_FINE_TRIES]


def _warp(y: Array, scale: float, angle: float, *, grow: bool = True) -> Array:
    """``y`` brought back to the embedding's scale and orientation (around its centre).

    ``grow=False`` keeps the output no larger than the input: a scoring pass needs the
    same number of tiles at every scale, not the whole enlarged picture."""
    import cv2

    h, w = y.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0 / scale)
    nw, nh = round(w / scale), round(h / scale)
    if not grow:
        nw, nh = min(nw, w), min(nh, h)
    matrix[0, 2] += (nw - w) / 2
    matrix[1, 2] += (nh - h) / 2
    warped = cv2.warpAffine(y, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return warped.astype(np.float32)


def detect(img: Image.Image) -> Reading:
    """Find a ``provenance-wm-1`` mark; never claims one that BCH and the CRC reject."""
    y = _luma(np.asarray(img.convert("RGB"), dtype=np.uint8))
    if min(y.shape) < TILE:
        return Reading(False, None, 0.0)
    direct = _try(_residual(y))
    if direct is not None:
        return _found(direct, 1.0, 0.0)
    window = _central(y, _WINDOW)
    residual = _residual(window)
    geometries = _candidates(residual) + [(scale, angle) for _, scale, angle in _sweep(residual)]
    shortlist = sorted(((_score_near(residual, s, a), s, a) for s, a in geometries), reverse=True)
    tried: set[tuple[float, float]] = set()
    for z, scale, angle in shortlist:
        if z < _REFINE_Z:
            break  # sorted: no later geometry is closer to a mark
        for fine_z, fine_scale, fine_angle in _refine(residual, scale, angle):
            if fine_z < _DECODE_Z or (fine_scale, fine_angle) in tried:
                continue
            tried.add((fine_scale, fine_angle))
            decoded = _try(_residual(_warp(window, fine_scale, fine_angle)))
            if decoded is not None:
                return _found(decoded, fine_scale, fine_angle)
    return Reading(False, None, 0.0)


def _score(r: Array, scale: float, angle: float, *, grow: bool = True) -> float:
    """The sync match (z-score) of residual ``r`` brought back by (scale, angle)."""
    return _sync(_fold(_warp(r, scale, angle, grow=grow)))[0]


def _score_near(r: Array, scale: float, angle: float) -> float:
    """The best sync match within half a sweep step of ``scale``: a cheap first look."""
    return max(_score(r, scale * (1 + d), angle) for d in (-_NEAR, 0.0, _NEAR))


def _central(y: Array, size: int) -> Array:
    h, w = y.shape
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return y[top : top + size, left : left + size]


def _found(decoded: tuple[int, int], scale: float, angle: float) -> Reading:
    record, errors = decoded
    confidence = round(max(0.0, 1.0 - errors / (_BCH_T + _CHASE_BITS + 1)), 3)
    return Reading(True, f"{record:016x}", confidence, round(scale, 3), round(angle, 2))
