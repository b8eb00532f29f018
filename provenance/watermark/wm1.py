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
* Rescaled or rotated copies: a coarse sweep of scales (0.62 to 1.62, 0.75% steps) and of
  small rotations (to 4 degrees), plus the tile lattice found in the residual's
  autocorrelation, each scored by the sync match. The scores are read from one zero-padded
  spectrum of a 512 px window: folding a picture brought back by (scale, angle) samples its
  spectrum at R(angle) k / (128 scale), so a geometry costs an interpolated read and a small
  inverse FFT, not a warp (a tenth of the cost, the same z-scores). The sweep screens every
  geometry with a lower band of frequencies on a coarser grid of offsets (a third of the
  cost) and takes the full score only at the screen's best peaks. Only geometries whose
  z-score clears a gate (6.25; unmarked pictures stay near 5, rescaled marks reach 7 and
  more) are refined in the same spectrum and decoded from the warped picture; when none
  does, the best one alone from 5.25 (a weak mark in a small, busy picture), decoded at its
  best refinement only. An unmarked picture thus costs one read at its own geometry, one
  spectrum and one sweep.
* False decodes: BCH and the CRC must both accept. A random word passes with p = 3.3e-12;
  a decode tries at most 17 geometries (its own, then 8 shortlisted x 2 refined) x 32 Chase
  words: 1.8e-9 per image.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
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
_SCREEN_PEAKS = 6  # scale peaks of the screen scored in full (each with the sweep's scales either side)
_SWEEP_ANGLES = np.concatenate([np.arange(-4, 0, 0.5), np.arange(0.5, 4.01, 0.5)])
_SCREEN_ANGLE_PEAKS = 2
_SPECTRUM = 1024  # the sweep window's spectrum, zero-padded to this size: read between bins by interpolation
_CHUNK = 16  # geometries scored per batch (the batch stays in cache)
_GATE = 6.25  # sweep z-score a geometry needs to be refined and decoded; unmarked pictures stay below (measured)
# When no geometry clears _GATE, the best one alone is still refined and decoded from this
# z-score: a busy texture shrunk to 400 px (brick through the screenshot chain) scores 5.5
_SECOND_CHANCE = 5.25
_SHORTLIST = 8  # at most this many geometries refined per picture
_DECODE_Z = 5.0  # refined geometries below this are not decoded (BCH would fail anyway)
_FINE_STEP = 0.0015
_FINE_STEPS = 4
_FINE_TRIES = 2
MAX_DECODED = 1 + _SHORTLIST * _FINE_TRIES  # the picture's own geometry, then the refined shortlist
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
    decoded: int = 0  # geometries whose payload was decoded: each one a chance of a false decode (at most MAX_DECODED)


@cache
def _bch() -> object:
    import bchlib

    return bchlib.BCH(t=_BCH_T, m=8)


@cache
def _patterns() -> tuple[Array, Array]:
    """(sync pattern, payload patterns): zero-mean, unit-variance 128x128 tiles."""
    tiles = pattern_stream(payload_bits() + 1)
    return tiles[0], tiles[1:]


@cache
def pattern_stream(count: int) -> Array:
    """The first ``count`` tiles of the scheme's pattern stream: the sync pattern, then one
    per payload bit. SHAKE-256 is an extendable output, so a longer stream starts with the
    same tiles (provenance-wm-2 reads 152 payload patterns, the first 144 being these)."""
    import cv2

    grids = pattern_grids(count)
    tiles: Array = np.stack([cv2.resize(g, (TILE, TILE), interpolation=cv2.INTER_LINEAR) for g in grids])
    normalised: Array = (tiles - tiles.mean(axis=(1, 2), keepdims=True)) / tiles.std(axis=(1, 2), keepdims=True)
    return normalised


@cache
def pattern_grids(count: int) -> Array:
    """The +-1 grids (_GRID x _GRID) of :func:`pattern_stream`'s first ``count`` tiles, before upsampling."""
    raw = hashlib.shake_256(SCHEME.encode()).digest(count * _GRID * _GRID // 8)
    signs = np.unpackbits(np.frombuffer(raw, dtype=np.uint8)).astype(np.float32) * 2 - 1
    grids: Array = signs.reshape(count, _GRID, _GRID)
    return grids


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


_LUMA_ROWS_PIXELS = 1 << 18  # pixels converted to float at a time (3 MB of float RGB)


def _luma(rgb: NDArray[np.uint8], out: Array | None = None) -> Array:
    """Rec. 601 luminance as float32 (OpenCV's weights, three times faster than numpy).

    Converted a band of rows at a time through one float buffer: the same numbers (each row
    is converted alone either way) without a float copy of the whole picture, whose fresh
    memory cost more than the arithmetic (12 bytes a pixel, first touched). ``out``: a
    float32 plane of the picture's size to write into (a buffer used again)."""
    import cv2

    h, w = rgb.shape[:2]
    rows = max(1, _LUMA_ROWS_PIXELS // max(1, w))
    if out is None:
        out = np.empty((h, w), np.float32)
    if h <= rows:
        out[:] = cv2.cvtColor(rgb.astype(np.float32), cv2.COLOR_RGB2GRAY)
        return out
    buffer: Array = np.empty((rows, w, 3), np.float32)
    for top in range(0, h, rows):
        n = min(rows, h - top)
        buffer[:n] = rgb[top : top + n]
        out[top : top + n] = cv2.cvtColor(buffer[:n], cv2.COLOR_RGB2GRAY)
    return out


def picture_luma(img: Image.Image) -> Array:
    """:func:`_luma` of a picture, read a strip at a time: the same values, with no full
    RGB or float RGB copy of the picture (a 7000 x 7000 one would take 150 MB and 590 MB)."""
    from provenance.imaging import rgb_strips

    out: Array = np.empty((img.height, img.width), np.float32)
    top = 0
    for strip in rgb_strips(img):
        out[top : top + len(strip)] = _luma(strip)
        top += len(strip)
    return out


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
    h, w = rgb.shape[:2]
    tiled = np.tile(_tile_pattern(record), (h // TILE + 1, w // TILE + 1))[:h, :w]
    pattern: Array = (_ALPHA * tiled * texture_mask(_luma(rgb))).astype(np.float32)
    return pattern


def texture_mask(y: Array) -> Array:
    """How much mark each pixel of luminance ``y`` can hide: local texture on an absolute
    scale, (texture / 7) ** 0.7 clipped to 0.35..2.5 (docs/watermark-research.md, session 4)."""
    import cv2

    texture = cv2.GaussianBlur(np.abs(y - cv2.GaussianBlur(y, (0, 0), 2)), (0, 0), 4)
    mask: Array = np.clip((texture / _MASK_REF) ** _MASK_GAMMA, _MASK_LO, _MASK_HI)
    return mask


def _apply(rgb: NDArray[np.uint8], pattern: Array, strength: float) -> Image.Image:
    """``rgb`` plus the rounded pattern on every channel, saturated to 0..255.

    Saturating uint8 arithmetic on the pattern's positive and negative parts: the same
    pixels as adding in float and clipping, at a sixth of the cost (no float copy of rgb)."""
    import cv2

    delta = np.rint(strength * pattern)
    up = cv2.cvtColor(np.clip(delta, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2RGB)
    down = cv2.cvtColor(np.clip(-delta, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2RGB)
    return Image.fromarray(cv2.subtract(cv2.add(rgb, up), down), "RGB")


def _errors_after_compression(marked: Image.Image, truth: NDArray[np.uint8]) -> int:
    """Bit errors of the worst of JPEG 50 and WebP 80: the two codecs that erase a weak mark
    in different places (JPEG in 8x8 blocks, WebP's smoothing of flat areas)."""
    worst = 0
    for fmt, options in _SELF_CHECKS:
        buf = io.BytesIO()
        marked.save(buf, fmt, **options)
        buf.seek(0)
        with Image.open(buf) as attacked:
            _, soft = _read(_residual(_decoded_luma(attacked)))
        worst = max(worst, int(np.count_nonzero((soft > 0).astype(np.uint8) != truth)))
        if worst > _SELF_CHECK_ERRORS:
            break
    return worst


def _decoded_luma(img: Image.Image) -> Array:
    """Luminance of a decoded self-check copy; a JPEG's is its Y plane, decoded alone
    (no chroma upsampling or colour conversion: the mark lives in Y)."""
    if img.format == "JPEG":
        img.draft("L", img.size)
        return np.asarray(img.convert("L"), dtype=np.float32)
    return _luma(np.asarray(img.convert("RGB"), dtype=np.uint8))


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
    from numpy import fft

    sync, _ = _patterns()
    spectrum: Array = np.conj(fft.rfft2(sync)).astype(np.complex64)
    return spectrum


def _sync(folded: Array) -> tuple[float, int, int]:
    """(z-score, dy, dx) of the sync pattern's best cyclic match in a folded tile."""
    from numpy import fft

    corr = fft.irfft2(fft.rfft2(folded) * _sync_spectrum(), s=folded.shape)
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


@lru_cache(maxsize=4)  # a few window shapes: pictures of one batch tend to share a size
def _hann(h: int, w: int) -> Array:
    return np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)


@cache
def _lattice_grid() -> tuple[Array, Array]:
    """(radii in px, angles in radians) where the lattice finder looks for the tile period."""
    return np.arange(0.7 * TILE, 1.5 * TILE, 0.5), np.deg2rad(np.arange(-8, 8.01, 0.25))


@cache
def _lattice_offsets() -> tuple[tuple[Array, Array], ...]:
    """(dx, dy) from the centre of the lattice's four nearest points (one and two periods
    along each axis) at every radius and angle of :func:`_lattice_grid`."""
    radii, angles = _lattice_grid()
    rr, aa = np.meshgrid(radii, angles, indexing="ij")
    pairs = ((rr, aa), (rr, aa + np.pi / 2), (2 * rr, aa), (2 * rr, aa + np.pi / 2))
    return tuple(((rad * np.cos(ang)).astype(np.float32), (rad * np.sin(ang)).astype(np.float32)) for rad, ang in pairs)


def _candidates(r: Array) -> list[tuple[float, float]]:
    """Likely (scale, angle) of the tile lattice in residual ``r``, best first."""
    import cv2
    from numpy import fft

    h, w = r.shape
    spectrum = fft.rfft2(r * _hann(h, w))
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    power /= cv2.GaussianBlur(power, (0, 0), 4) + 1e-6  # keep sharp lines, drop broadband content
    auto = np.fft.fftshift(fft.irfft2(power, s=r.shape)).astype(np.float32)
    score: Array = np.add.reduce(
        [
            cv2.remap(auto, dx + w // 2, dy + h // 2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            for dx, dy in _lattice_offsets()
        ]
    )
    # a 9 x 9 maximum filter, scipy.ndimage's reflect border (OpenCV's BORDER_REFLECT): the same values
    peaks = np.argwhere(score == cv2.dilate(score, np.ones((9, 9), np.uint8), borderType=cv2.BORDER_REFLECT))
    ranked = sorted(peaks, key=lambda p: -float(score[p[0], p[1]]))[:_PEAKS]
    radii, angles = _lattice_grid()
    found = [(float(radii[i] / TILE), float(np.degrees(angles[j]))) for i, j in ranked]
    out: list[tuple[float, float]] = []
    for scale, angle in found:
        out += [(scale, angle), (scale, -angle)] if angle else [(scale, angle)]
    return out


def _spectrum(r: Array) -> tuple[Array, Array]:
    """(real, imaginary) half spectrum of a residual window, zero-padded so that it can be
    read between bins; two planes, because OpenCV interpolates one plane faster than pairs.

    OpenCV's DFT of the padded window, told how many rows are not padding (its first pass
    skips the rest), in its packed form (CCS: the picture's size, no complex copy), unpacked
    here: the same spectrum as numpy's FFT to 2e-7 of its largest value, 4-7 ms less of an
    unmarked picture's search (numpy transforms the columns one at a time; measured paired)."""
    import cv2

    h, w = r.shape
    size, half = _SPECTRUM, _SPECTRUM // 2
    padded = np.zeros((size, size), np.float32)
    padded[:h, :w] = r
    packed = cv2.dft(padded, nonzeroRows=h)
    real: Array = np.empty((size, half + 1), np.float32)
    imag: Array = np.empty((size, half + 1), np.float32)
    # columns 1 .. half - 1: (Re, Im) pairs of every row
    real[:, 1:half], imag[:, 1:half] = packed[:, 1 : size - 1 : 2], packed[:, 2 : size - 1 : 2]
    # columns 0 and half: the real sequences' own packing down the first and last column
    for column, k in ((packed[:, 0], 0), (packed[:, size - 1], half)):
        real[0, k], imag[0, k] = column[0], 0.0
        real[1:half, k], imag[1:half, k] = column[1 : size - 1 : 2], column[2 : size - 1 : 2]
        real[half, k], imag[half, k] = column[size - 1], 0.0
        real[half + 1 :, k], imag[half + 1 :, k] = real[half - 1 : 0 : -1, k], -imag[half - 1 : 0 : -1, k]
    return real, imag


@dataclass(frozen=True)
class _Band:
    """Which tile frequencies a sync score reads (|k| < width / 2 cycles per tile) and on how
    fine a grid of offsets the correlation is computed (grid x grid)."""

    width: int
    grid: int


# The sweep's score: the band the sync pattern has 98% of its power in, every offset of the tile.
_FULL = _Band(80, TILE)
# The screen: a lower band on a coarser grid of offsets (every 1.6 px), a third of the full
# score's cost (4.2 against 12 ms for the sweep's 145 geometries; a 96 grid took 5.2). A 64
# grid (3.4) merged the brick screenshot's peak into a neighbour's and lost it (measured).
# Its z-scores are lower, but it ranks the mark's geometry among its first few (measured).
_SCREEN = _Band(48, 80)


@cache
def _band_frequencies(band: _Band) -> tuple[Array, Array]:
    """(k_y, k_x), in cycles per tile, of the tile frequencies a score reads (rfft2 layout)."""
    ky = np.fft.fftfreq(band.width, 1 / band.width).astype(np.float32)
    kx = np.arange(band.width // 2 + 1, dtype=np.float32)
    grids = np.meshgrid(ky, kx, indexing="ij")
    return grids[0], grids[1]


@cache
def _band_sync(band: _Band) -> Array:
    rows = np.fft.fftfreq(band.width, 1 / band.width).astype(int)
    return np.ascontiguousarray(_sync_spectrum()[rows, : band.width // 2 + 1])


def _lookups(geometries: Sequence[tuple[float, float]], band: _Band = _FULL) -> tuple[Array, Array, Array]:
    """Where each geometry's tile frequencies lie in a padded spectrum: (x, y, sign), band.width rows per geometry.

    Folding a picture brought back by (scale, angle) into one tile samples its spectrum at
    R(angle) k / (TILE scale) for the tile frequencies k; a frequency in the left half-plane is
    read at its mirror image with the imaginary part negated (the picture is real). A frequency
    past the picture's Nyquist limit (a tile under 64 px: scales under 0.62 for the full band) is
    not in the picture at all: its sign is 0 and :func:`_sync_scores` reads nothing there."""
    ky, kx = _band_frequencies(band)
    scale = np.array([g[0] for g in geometries], np.float32)[:, None, None]
    angle = np.deg2rad(np.array([g[1] for g in geometries], np.float32))[:, None, None]
    cos, sin = np.cos(angle) * _SPECTRUM / (TILE * scale), np.sin(angle) * _SPECTRUM / (TILE * scale)
    fx = cos * kx - sin * ky
    fy = sin * kx + cos * ky
    inside = (np.abs(fx) <= _SPECTRUM / 2) & (np.abs(fy) <= _SPECTRUM / 2)
    fx -= _SPECTRUM * np.floor(fx / _SPECTRUM)  # np.mod is ten times slower
    mirror = fx > _SPECTRUM / 2
    fx, fy = np.where(mirror, _SPECTRUM - fx, fx), np.where(mirror, -fy, fy)
    fy -= _SPECTRUM * np.floor(fy / _SPECTRUM)  # OpenCV wraps negative rows too, but slowly
    sign = np.where(inside, np.where(mirror, np.float32(-1), np.float32(1)), np.float32(0))
    rows = len(geometries) * band.width
    return fx.reshape(rows, -1), fy.reshape(rows, -1), sign.reshape(rows, -1)


def _sync_scores(
    spectrum: tuple[Array, Array], lookups: tuple[Array, Array, Array], band: _Band = _FULL, sync: Array | None = None
) -> Array:
    """The sync match (z-score) of each geometry in ``lookups``, read from a padded spectrum;
    ``sync``: the pattern's conjugate spectrum over the band as matched (:func:`_band_sync` by default).

    The same figure as warping, folding and correlating (:func:`_warp`, :func:`_fold`,
    :func:`_sync`; tested) at a tenth of the cost: one interpolated read of the spectrum and
    one small inverse FFT per geometry. Only frequencies in the band are read (the full band
    holds 98% of the sync pattern's power); the correlation is computed at every offset of a
    band.grid x band.grid grid over the tile."""
    import cv2
    from numpy import fft

    real, imag = spectrum
    fx, fy, sign = lookups
    matched = _band_sync(band) if sync is None else sync
    z = []
    half, grid = band.width // 2, band.grid
    step = _CHUNK * band.width
    for start in range(0, len(fx), step):
        rows = slice(start, start + step)
        read = np.empty(fx[rows].shape, np.complex64)
        read.real = cv2.remap(real, fx[rows], fy[rows], cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        read.imag = cv2.remap(imag, fx[rows], fy[rows], cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        read.imag *= sign[rows]
        if not sign[rows].all():  # frequencies past the Nyquist limit read nothing
            read.real *= np.abs(sign[rows])
        read = read.reshape(-1, band.width, half + 1) * matched
        product = np.zeros((len(read), grid, half + 1), np.complex64)
        product[:, :half], product[:, grid - half :] = read[:, :half], read[:, half:]
        # irfft2 in two steps, so the zero columns above the band are never transformed
        corr = fft.irfft(fft.ifft(product, axis=1), n=grid, axis=2).reshape(len(read), -1)
        z.append(corr.max(axis=1) / np.sqrt(np.einsum("ij,ij->i", corr, corr) / corr.shape[1] + 1e-12))
    return np.concatenate(z)


@cache
def _sweep_geometries() -> tuple[tuple[float, float], ...]:
    by_scale = tuple((float(scale), 0.0) for scale in _SWEEP_SCALES)
    return by_scale + tuple((1.0, float(angle)) for angle in _SWEEP_ANGLES)


@cache
def _screen_lookups() -> tuple[Array, Array, Array]:
    return _lookups(_sweep_geometries(), _SCREEN)


def _sweep(spectrum: tuple[Array, Array]) -> list[tuple[float, float, float]]:
    """(z, scale, angle) at the best peaks of the sync match over a coarse sweep of scales
    (no rotation) and of small rotations (no rescale).

    The lattice finder needs several tiles' worth of picture, and on small or heavily
    textured pictures it misses; the sync match at the right geometry still stands out.
    Two stages, so that an unmarked picture stays cheap: the screen scores every geometry
    with the low band; the full score is then taken at the screen's best peaks (for scales,
    also at the sweep's steps either side, where the full score may peak instead). Over
    the benchmark's pictures, rescaled, cropped and rotated, the best full score found is
    the same as scoring every geometry in full (measured)."""
    screen = [float(v) for v in _sync_scores(spectrum, _screen_lookups(), _SCREEN)]
    count, where = len(_SWEEP_SCALES), _sweep_geometries()
    angles = len(where) - count
    groups = [[j for j in (i - 1, i, i + 1) if 0 <= j < count] for i in _peak_indices(screen[:count], _SCREEN_PEAKS)]
    groups += [
        [count + j for j in (i - 1, i, i + 1) if 0 <= j < angles]
        for i in _peak_indices(screen[count:], _SCREEN_ANGLE_PEAKS)
    ]
    z = [float(v) for v in _sync_scores(spectrum, _lookups([where[j] for group in groups for j in group]))]
    out, start = [], 0
    for group in groups:
        out.append(max((z[start + n], *where[j]) for n, j in enumerate(group)))
        start += len(group)
    return out


def _peak_indices(z: list[float], count: int) -> list[int]:
    """Indices of the ``count`` highest local maxima of a 1-D sweep."""
    n = len(z)
    local = [i for i in range(n) if z[i] >= z[max(0, i - 1)] and z[i] >= z[min(n - 1, i + 1)]]
    return sorted(local, key=lambda i: -z[i])[:count]


def _scored(spectrum: tuple[Array, Array], geometries: list[tuple[float, float]]) -> list[tuple[float, float, float]]:
    """(z, scale, angle) of each of ``geometries``."""
    if not geometries:
        return []
    z = _sync_scores(spectrum, _lookups(geometries))
    return [(float(v), scale, angle) for v, (scale, angle) in zip(z, geometries, strict=True)]


def _refine(spectrum: tuple[Array, Array], scale: float, angle: float) -> list[tuple[float, float, float]]:
    """Geometries near (scale, angle) ranked by the sync match: scale first, then angle."""
    ranked = sorted(
        _scored(spectrum, [(scale * (1 + k * _FINE_STEP), angle) for k in range(-_FINE_STEPS, _FINE_STEPS + 1)]),
        reverse=True,
    )
    _, best_scale, _ = ranked[0]
    if angle:
        ranked += _scored(spectrum, [(best_scale, angle + da) for da in (-0.25, -0.125, 0.125, 0.25)])
        ranked.sort(reverse=True)
    return ranked[:_FINE_TRIES]


def _warp_matrix(shape: tuple[int, int], scale: float, angle: float) -> tuple[Array, tuple[int, int]]:
    """(affine matrix, (width, height)) of :func:`_warp` for a plane of ``shape``."""
    import cv2

    h, w = shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0 / scale)
    nw, nh = round(w / scale), round(h / scale)
    matrix[0, 2] += (nw - w) / 2
    matrix[1, 2] += (nh - h) / 2
    return matrix, (nw, nh)


def _warp(y: Array, scale: float, angle: float) -> Array:
    """``y`` brought back to the embedding's scale and orientation (around its centre)."""
    import cv2

    matrix, size = _warp_matrix(y.shape, scale, angle)
    warped = cv2.warpAffine(y, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return warped.astype(np.float32, copy=False)  # a float32 plane warps to one: no second copy


def detect(img: Image.Image) -> Reading:
    """Find a ``provenance-wm-1`` mark; never claims one that BCH and the CRC reject.

    An unmarked picture costs one read at its own geometry, one spectrum and one sweep:
    only geometries whose sync match clears :data:`_GATE` (or the best one, from
    :data:`_SECOND_CHANCE`) are refined and decoded."""
    y = _luma(np.asarray(img.convert("RGB"), dtype=np.uint8))
    if min(y.shape) < TILE:
        return Reading(False, None, 0.0)
    full = _residual(y)
    direct = _try(full)
    if direct is not None:
        return _found(direct, 1.0, 0.0, 1)
    seen = _central(full, _SWEEP_WINDOW)
    spectrum = _spectrum(seen)
    scored = _sweep(spectrum) + _scored(spectrum, _candidates(seen))
    shortlist = _shortlist(scored)
    tried = [(1.0, 0.0)]
    for z, scale, angle in shortlist:
        # a second chance (under the gate) decodes its best refinement only: unmarked
        # pictures reach it too, and each decode costs a warp and a residual
        fine = _refine(spectrum, scale, angle)[: _FINE_TRIES if z >= _GATE else 1]
        for fine_z, fine_scale, fine_angle in fine:
            if fine_z < _DECODE_Z or (fine_scale, fine_angle) in tried:
                continue
            tried.append((fine_scale, fine_angle))
            decoded = _try(_residual(_warp(_central(y, _WINDOW), fine_scale, fine_angle)))
            if decoded is not None:
                return _found(decoded, fine_scale, fine_angle, len(tried))
    return Reading(False, None, 0.0, decoded=len(tried))


def _shortlist(scored: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """The geometries to refine and decode, best first: those over the gate; failing any, the
    best one if it clears the second-chance level (a weak mark in a small, busy picture)."""
    ranked = sorted(scored, reverse=True)
    over = [g for g in ranked if g[0] >= _GATE][:_SHORTLIST]
    if over or not ranked:
        return over
    return ranked[:1] if ranked[0][0] >= _SECOND_CHANCE else []


def _central(y: Array, size: int) -> Array:
    h, w = y.shape
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return y[top : top + size, left : left + size]


def _found(decoded: tuple[int, int], scale: float, angle: float, tries: int) -> Reading:
    record, errors = decoded
    confidence = round(max(0.0, 1.0 - errors / (_BCH_T + _CHASE_BITS + 1)), 3)
    return Reading(True, f"{record:016x}", confidence, round(scale, 3), round(angle, 2), tries)
