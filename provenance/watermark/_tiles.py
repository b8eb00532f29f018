"""The tiled layer's geometric search, shared by provenance-wm-2 and provenance-wm-1 marks.

Both schemes tile the same sync pattern, so one search finds either: the picture's own
geometry first, then one padded spectrum of a central window scored at every scale from
0.7 to 1.45 and every rotation to 45 degrees either way (wm1.py explains the scoring:
an interpolated read of the spectrum and a small inverse FFT per geometry), and, for crops
resized for the web (issue 19), scales 0.4 to 0.7 in the same spectrum and 1.45 to 3.2 in
the spectrum of a shrunk copy. A cheap screen ranks all geometries; the best peaks are
scored in full; those over a gate are refined and decoded, each decode trying the wm-2
codeword and then wm-1's. However many geometries are screened, at most MAX_DECODED are
decoded (the false-decode budget); the gate was raised with the number of geometries
screened, so that unmarked pictures reach it no more often (docs/watermark-research.md,
session 10).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from provenance.watermark import wm1, wm2

Array = NDArray[Any]

SCALES = np.exp(np.arange(np.log(0.7), np.log(1.45), np.log(1.0075)))
ANGLES = np.array([a for a in np.arange(-45.0, 45.01, 0.5) if abs(a) > 1e-9])
# Crops resized for the web (issue 19): the tiles can then be anywhere from 0.4 to 3.2 times
# their stamped size. Small scales are read from the main spectrum on a finer grid: a step
# moves a tile frequency k by k W (1/s - 1/s') / TILE bins (W: the window), so the grid is
# even in 1/s, its step making the band edge move as far as a step over SCALES does at 0.7.
# Large scales are read from a copy of a window twice as large shrunk by HALF: there they
# are SCALES again (the same tiles per window, the same grid).
_INVERSE_STEP = 1 / 0.7 - 1 / (0.7 * 1.0075)
SMALL_SCALES = np.sort(1 / np.arange(1 / 0.7 + _INVERSE_STEP, 1 / 0.4 + 1e-9, _INVERSE_STEP))
LARGE_SCALES = np.exp(np.arange(np.log(1.45), np.log(3.2), np.log(1.0075)))
HALF = 2
# A large scale is searched only where the picture holds this many tiles across its short
# side: fewer fold too little of the mark to decode (measured), and each is a trial.
MIN_TILES = 1.5
# The screens: a band of tile frequencies on a grid of offsets (wm1._Band). Rotations need
# a wider band than wm-1's screen: with it a rotated mark's angle ranks first on every design
# picture (rotations by 10, 30 and 45 degrees, cropped or not, 0.25 degree off the grid: measured);
# so do the scales (below). The rotations' grid of offsets is wm-1's too (every 1.6 px of
# the tile): every 2 px (64) lost the sync peak of a dark photo's smooth centre turned 30 degrees
# and cropped (sample1.avif, 3 of 6 payloads: the true turn ranked 3rd to 17th, its full score
# 12.9; first with 72 or 80), for 2.5% less "no mark" time (docs/watermark-research.md, session 11).
# The scales' screen reads the band to 32 cycles per tile: with wm-1's (24) a scanned greyscale print
# cropped to 80% and resized back (the fourth evaluation set's vezina.jpg, now design) had its true
# scale ranked 20th to 23rd by the screen though its full score passed the gate, on 5 of 6 payloads;
# the mark's tile is high-passed (wm2.tile_filter), so the band's upper part holds most of it. Whole
# design set, that attack, 1 payload: 3 -> 0 copies lost (56 cycles: 1); unmarked design pictures and
# variants (1,789 searches) reach the second chance 288 times against 264, the gate as often (2), the
# search 4% dearer (docs/watermark-research.md, session 16).
SCALE_SCREEN = wm1._Band(64, 80)
# The small and large scales' screen: the rotations' band on a coarser grid of offsets, as good there
# as the finer one on the design set (measured). With wm-1's band (24 cycles per tile), every 3rd design
# picture's crops resized for the web (issue 19) lost 54 of 570 copies; with 28 cycles, 50, as with 32
# on either grid. With the scales' wider band, "no mark" 6% dearer (paired; docs/watermark-research.md,
# session 16).
WIDE_SCREEN = wm1._Band(56, 64)
ANGLE_SCREEN = wm1._Band(56, 80)
# LARGE_PICTURE_SWEEP: a picture whose short side holds the large spectrum's whole window (1024 px)
# is swept there too, at half scale: scales 0.7 to 1.45 and the turns. The embedder sizes the
# tiles for all that a turned copy keeps, so a large picture's mark is at its faintest, and the
# main sweep's 512 px window holds a 16th of a 4000 x 3000 picture's tiles. Design photographs of
# 3000 x 4000 px turned 2 to 30 degrees (and the 80% crop resized back), then JPEG 75: the sync
# match at the true geometry was 5.0-6.6 in the 512 px window, under the gate, and 9.2-10.1 in the
# shrunk 1024 px one. With this sweep and DECODE_WINDOW, that photograph's misses went 11 -> 0 of
# 36 copies (2 payloads); the cost, one more sweep (about 9 ms) on pictures of 1 MP and more
# (docs/watermark-research.md, session 12).
SCALE_PEAKS = 4
WIDE_PEAKS = 2  # peaks of each of the two extra spectra scored in full
ANGLE_PEAKS = 2
# The gate and the second chance, raised with the number of geometries screened (482 at
# most, against 276 before the small and large scales): on 600 unmarked design pictures and
# variants the best score reached 5.30 as often as the narrower search's reached 5.25
# (125 and 128 times), and the small and large sweeps' own best never passed 5.93
# (docs/watermark-research.md, session 10).
GATE = 6.3
SECOND_CHANCE = 5.3
SHORTLIST = 8
FINE_TRIES = 2
MAX_DECODED = 1 + SHORTLIST * FINE_TRIES

Spectrum = tuple[Array, Array]


@dataclass(frozen=True)
class Luma:
    """The picture's luminance as the search reads it: its shape, and ``central(size)``, its
    central ``size`` square (wm1._central's crop). Only central squares are read, up to
    :data:`LARGEST_WINDOW`, so a large picture's need never be held whole (wm2.detect)."""

    shape: tuple[int, int]
    central: Callable[[int], Array]


def whole(y: Array) -> Luma:
    """:class:`Luma` of a luminance plane held whole."""
    h, w = y.shape
    return Luma((h, w), lambda size: wm1._central(y, size))


@cache
def geometries(shrink: int = 1) -> tuple[tuple[float, float], ...]:
    """The sweep's scales, then its turns, as a spectrum of a copy shrunk ``shrink`` times reads them."""
    return tuple((float(s) / shrink, 0.0) for s in SCALES) + tuple((1.0 / shrink, float(a)) for a in ANGLES)


@cache
def _screen_lookups(shrink: int = 1) -> tuple[tuple[Array, Array, Array], tuple[Array, Array, Array]]:
    count, where = len(SCALES), geometries(shrink)
    return wm1._lookups(where[:count], SCALE_SCREEN), wm1._lookups(where[count:], ANGLE_SCREEN)


@cache
def _matched(band: wm1._Band) -> Array:
    """The sync pattern's spectrum over ``band`` as wm-2 lays it: high-passed by the tile's
    shaping (wm2.tile_filter), so each score is the matched filter of the laid pattern. The
    plain pattern weighed the low tile frequencies, which the shaping leaves faint, as much as
    the rest: on design copies cropped to 80% and resized back whose mark was lost, the screen
    ranked the true scale 5th to 8th though its full score passed the gate; matched, with
    session 14's embedder, all 1,454 of those copies read (727 pictures, 2 payloads; 5 lost
    before), 1,452 with this one, and unmarked pictures and their variants scored as before
    (docs/watermark-research.md, session 15)."""
    rows = np.fft.fftfreq(band.width, 1 / band.width).astype(int)
    gain = wm2.tile_filter()[rows, : band.width // 2 + 1]
    out: Array = (wm1._band_sync(band) * gain).astype(np.complex64)
    return out


def _scores(spectrum: Spectrum, lookups: tuple[Array, Array, Array], band: wm1._Band = wm1._FULL) -> list[float]:
    """The matched sync score (:func:`_matched`) of each geometry in ``lookups``."""
    return [float(v) for v in wm1._sync_scores(spectrum, lookups, band, _matched(band))]


def _scored(spectrum: Spectrum, geometries: list[tuple[float, float]]) -> list[float]:
    """The matched full sync score of each of ``geometries``."""
    return _scores(spectrum, wm1._lookups(geometries)) if geometries else []


@cache
def _wide_lookups(which: str) -> tuple[Array, Array, Array]:
    """The screen's lookups of the small or large scales, as each extra spectrum reads them."""
    return wm1._lookups([(s, 0.0) for s in _spectrum_scales(which)], WIDE_SCREEN)


def _spectrum_scales(which: str) -> Array:
    """Scales of the small or large sweep as read in their own spectrum (the shrunk copy's are halved)."""
    out: Array = SMALL_SCALES if which == "small" else LARGE_SCALES / HALF
    return out


def _decode(folded: Array, *, own: bool) -> tuple[str, int, int] | None:
    """(scheme, record, errors) from a residual folded into one tile, at its own geometry: the
    wm-2 codeword, then wm-1's (fewer Chase trials away from the picture's own geometry: the
    false-decode budget)."""
    _, soft = wm2.tile_soft_folded(folded)
    current = wm2.TILE_CODE.decode_soft(soft)
    if current is not None:
        return wm2.SCHEME, *current
    legacy = wm2._chase(soft[: wm1.payload_bits()], wm1.decode_payload, wm1._CHASE_BITS if own else wm2._LEGACY_CHASE)
    if legacy is not None:
        return wm1.SCHEME, *legacy
    return None


def _peaks(z: Sequence[float], count: int) -> list[int]:
    return wm1._peak_indices(list(z), count)


def sweep(spectrum: Spectrum, shrink: int = 1) -> list[tuple[float, float, float]]:
    """(z, scale, angle) at the best peaks of the screen over scales and over rotations,
    each scored in full with its neighbours either side; of a copy shrunk ``shrink`` times,
    with the scales as its spectrum reads them."""
    by_scale, by_angle = _screen_lookups(shrink)
    screen = _scores(spectrum, by_scale, SCALE_SCREEN) + _scores(spectrum, by_angle, ANGLE_SCREEN)
    where = geometries(shrink)
    count = len(SCALES)
    groups = [[j for j in (i - 1, i, i + 1) if 0 <= j < count] for i in _peaks(screen[:count], SCALE_PEAKS)]
    angles = len(where) - count
    groups += [[count + j for j in (i - 1, i, i + 1) if 0 <= j < angles] for i in _peaks(screen[count:], ANGLE_PEAKS)]
    return _full_scores(spectrum, where, groups)


def _full_scores(
    spectrum: Spectrum, where: Sequence[tuple[float, float]], groups: list[list[int]]
) -> list[tuple[float, float, float]]:
    """The best full score of each group of geometries (a screen peak and its neighbours)."""
    z = _scored(spectrum, [where[j] for g in groups for j in g])
    out, start = [], 0
    for group in groups:
        out.append(max((z[start + n], *where[j]) for n, j in enumerate(group)))
        start += len(group)
    return out


def wide_sweep(spectrum: Spectrum, which: str, largest: float = np.inf) -> list[tuple[float, float, float]]:
    """:func:`sweep` over the small or large scales (no rotation) of their own spectrum, up
    to ``largest`` (as that spectrum reads it); scales are returned as that spectrum reads them."""
    scales = _spectrum_scales(which)
    count = int(np.searchsorted(scales, largest, side="right"))
    if count < 3:
        return []
    fx, fy, sign = _wide_lookups(which)
    rows = slice(0, count * WIDE_SCREEN.width)
    screen = _scores(spectrum, (fx[rows], fy[rows], sign[rows]), WIDE_SCREEN)
    where = [(float(s), 0.0) for s in scales[:count]]
    groups = [[j for j in (i - 1, i, i + 1) if 0 <= j < count] for i in _peaks(screen, WIDE_PEAKS)]
    return _full_scores(spectrum, where, groups)


Candidate = tuple[float, float, float, str]  # (z, scale, angle, spectrum): the scale as that spectrum reads it


def _shortlist(scored: list[Candidate]) -> list[Candidate]:
    ranked = sorted(scored, reverse=True)
    over = [g for g in ranked if g[0] >= GATE][:SHORTLIST]
    if over or not ranked:
        return over
    return ranked[:1] if ranked[0][0] >= SECOND_CHANCE else []


FINE_STEP = 0.0015  # relative scale
FINE_STEPS = 4
ANGLE_STEP = 0.125  # degrees
ANGLE_STEPS = 2
# A refined geometry whose sync is this strong is a mark, and the refinement's estimate is
# still a few tenths of a percent off on small turned copies (0.2-0.3% typical: a 512 px
# window's spectrum): where its decode fails, NEAR's geometries around it are decoded too,
# within the same MAX_DECODED. On the design set (69 pictures turned 10-45 degrees, cropped
# or not, 3 payloads) copies left more than 6 bits wrong went 9 -> 3 of 891; unmarked
# design pictures never refine this high (docs/watermark-research.md, session 9).
NEAR_Z = 8.0
NEAR = ((0.0025, 0.0), (-0.0025, 0.0), (0.0, 0.15), (0.0, -0.15))


def _vertex(z: Sequence[float], best: int) -> float:
    """Where the parabola through a peak and its two neighbours peaks, in steps from the peak."""
    if best == 0 or best == len(z) - 1:
        return 0.0
    return wm2._vertex(z[best - 1], z[best], z[best + 1])


def refine(spectrum: tuple[Array, Array], scale: float, angle: float) -> list[tuple[float, float, float]]:
    """(z, scale, angle) near a sweep peak, best first: the scale, then the angle, each at
    the vertex of the parabola through the best fine step and its neighbours (the sync match
    is smooth there; a scale 0.2% off costs several bit errors), then the best fine step."""
    steps = range(-FINE_STEPS, FINE_STEPS + 1)
    scales = [scale * (1 + k * FINE_STEP) for k in steps]
    z = _scored(spectrum, [(s, angle) for s in scales])
    best = int(np.argmax(z))
    fine_scale = scale * (1 + (best - FINE_STEPS + _vertex(z, best)) * FINE_STEP)
    angles = [angle + k * ANGLE_STEP for k in range(-ANGLE_STEPS, ANGLE_STEPS + 1)]
    za = _scored(spectrum, [(fine_scale, a) for a in angles])
    best_a = int(np.argmax(za))
    fine_angle = angle + (best_a - ANGLE_STEPS + _vertex(za, best_a)) * ANGLE_STEP
    out = [(max(za), fine_scale, fine_angle)]
    if (scales[best], angles[best_a]) != (fine_scale, fine_angle):
        out.append((max(za), scales[best], angles[best_a]))
    return out


def spectra(y: Luma, seen: Array) -> dict[str, Spectrum]:
    """The sweep's spectra of luminance ``y`` whose central residual window is ``seen``: the
    main one (which the small scales read too) and, where the picture holds MIN_TILES tiles
    at the larger scales, the large scales' (a window twice as large, shrunk by HALF)."""
    import cv2

    out = {"main": wm1._spectrum(seen)}
    if min(y.shape) >= MIN_TILES * wm1.TILE * LARGE_SCALES[2]:
        window = y.central(HALF * wm1._SWEEP_WINDOW)
        h, w = window.shape
        shrunk = cv2.resize(window, (w // HALF, h // HALF), interpolation=cv2.INTER_AREA)
        out["large"] = wm1._spectrum(wm2.residual(shrunk))
    return out


def candidates(y: Luma, seen: Array) -> tuple[list[Candidate], dict[str, Spectrum]]:
    """(z, scale, angle, spectrum) of every sweep's best peaks, and the spectra."""
    found = spectra(y, seen)
    out = [(*g, "main") for g in sweep(found["main"])]
    out += [(*g, "main") for g in wide_sweep(found["main"], "small")]
    if "large" in found:
        largest = min(y.shape) / (MIN_TILES * wm1.TILE * HALF)
        out += [(*g, "large") for g in wide_sweep(found["large"], "large", largest)]
        if min(y.shape) >= HALF * wm1._SWEEP_WINDOW:  # LARGE_PICTURE_SWEEP
            out += [(*g, "large") for g in sweep(found["large"], HALF)]
    return out, found


def search(y: Array) -> wm2.Reading:
    """Find a tiled mark (wm-2 or wm-1) in luminance ``y``."""
    folded, seen = wm2.residual_fold(y, wm1._SWEEP_WINDOW)
    return search_folded(whole(y), folded, seen)


# A copy mirrored, flipped or given quarter turns, and cropped (so the global layer, which reads the
# whole picture, cannot place it), at the picture's own scale: its folded tile is the fold turned
# the same way, up to a shift the sync match finds. Each other orientation's sync match is read
# from the fold's spectrum (one batched inverse FFT, 0.27 ms a picture in all); one that is this
# strong is decoded, within MAX_DECODED. Design set (docs/watermark-research.md, session 10):
# unmarked pictures and copies, 1,343 folds, at most 6.6 (median 4.3); marked copies mirrored or
# turned and cropped, JPEG 75 after, at least 8.2 (median 16-23): the gate is between.
ORIENT_Z = 7.5
ORIENTATIONS = ((0, True), (2, True), (2, False), (1, False), (3, False), (3, True), (1, True))  # (turns, mirrored)


def oriented(a: Array, turns: int, mirrored: bool) -> Array:
    """``a`` turned ``turns`` quarter turns counter-clockwise, then mirrored left to right: how a
    reading's ``turns`` and ``mirrored`` bring a copy back (watermark.upright uses it too)."""
    out = np.rot90(a, turns)
    return np.ascontiguousarray(out[:, ::-1] if mirrored else out)


@cache
def _oriented_sync_spectra() -> Array:
    """The sync pattern's (conjugate) spectrum for each of ORIENTATIONS, turned the inverse way:
    matching it against the fold as it is scores the fold turned that way (the transforms keep
    inner products)."""
    from numpy import fft

    sync, _ = wm1._patterns()
    out = []
    for turns, mirrored in ORIENTATIONS:
        inverse = np.rot90(sync[:, ::-1] if mirrored else sync, -turns)
        out.append(np.conj(fft.rfft2(np.ascontiguousarray(inverse))).astype(np.complex64))
    return np.stack(out)


def orientation_z(folded: Array) -> list[float]:
    """The sync match (z-score) of the fold turned each way of ORIENTATIONS: the best of the
    match over every offset, less its mean, over its spread, which Parseval gives from the
    spectrum (a weighted sum of its power) without a pass over the offsets."""
    from numpy import fft

    spectra, weighted = _oriented_sync_spectra(), _oriented_sync_power()
    spectrum = fft.rfft2(folded).astype(np.complex64)
    best = fft.irfft2(spectrum * spectra, s=folded.shape, axes=(1, 2)).reshape(len(spectra), -1).max(axis=1)
    count = folded.size
    mean = (spectrum[0, 0] * spectra[:, 0, 0]).real / count
    power = (spectrum.real**2 + spectrum.imag**2).ravel()
    spread = np.sqrt(np.maximum(weighted @ power / count**2 - mean**2, 1e-18))
    return [float(v) for v in (best - mean) / spread]


@cache
def _oriented_sync_power() -> Array:
    """Each oriented sync spectrum's power, weighted as a half spectrum counts in Parseval's sum
    (the columns with a mirror image twice)."""
    spectra = _oriented_sync_spectra()
    n = 2 * (spectra.shape[2] - 1)
    weight = np.full(spectra.shape[2], 2.0, np.float32)
    weight[0] = weight[n // 2] = 1.0
    power: Array = ((spectra.real**2 + spectra.imag**2) * weight).reshape(len(spectra), -1)
    return power


def search_folded(y: Luma, folded: Array, seen: Array) -> wm2.Reading:
    """:func:`search` of a picture whose residual's fold and central _SWEEP_WINDOW are known."""
    direct = _decode(folded, own=True)
    if direct is not None:
        return _found(direct, 1.0, 0.0, 1)
    tried: list[tuple[float, float]] = [(1.0, 0.0)]
    for (turns, mirrored), z in zip(ORIENTATIONS, orientation_z(folded), strict=True):
        if z >= ORIENT_Z:
            tried.append((1.0, 360.0 + 90 * turns + 45 * mirrored))  # a key no geometry of the sweep has
            decoded = _decode(oriented(folded, turns, mirrored), own=False)
            if decoded is not None:
                return replace(_found(decoded, 1.0, 0.0, len(tried)), turns=turns, mirrored=mirrored)
    found, spectrum_of = candidates(y, seen)
    for z, scale, angle, which in _shortlist(found):
        factor = HALF if which == "large" else 1
        fine = refine(spectrum_of[which], scale, angle)[: FINE_TRIES if z >= GATE else 1]
        tries = [(s * factor, a) for fine_z, s, a in fine if fine_z >= wm1._DECODE_Z]
        if fine[0][0] >= NEAR_Z:
            s, a = tries[0]
            tries += [(s * (1 + ds), a + da) for ds, da in NEAR]
        for fine_scale, fine_angle in tries:
            if (fine_scale, fine_angle) in tried or len(tried) >= MAX_DECODED:
                continue
            tried.append((fine_scale, fine_angle))
            back = wm2.turned_back(y.central(_decode_window(fine_scale)), fine_scale, fine_angle)
            decoded = _decode(wm1._fold(back), own=False)
            if decoded is not None:
                return _found(decoded, fine_scale, fine_angle, len(tried))
    return wm2.Reading(False, wm2.SCHEME, None, 0.0, decoded=len(tried))


# A decode away from the picture's own geometry folds the central square of this side (16 x 16
# tiles at the stamped scale), or more where the tiles are larger. The embedder sizes the tiles
# for what a turned copy keeps of the whole picture, so on a large picture the mark is at its
# faintest (the strength's floor) and a 1024 px window folded too few tiles: design photographs
# of 3000 x 4000 px turned by 2 to 45 degrees left 4 bits of 64 wrong (10 after JPEG 75, past
# what BCH corrects) at 1024 px, 0 at 2048 (docs/watermark-research.md, session 12).
DECODE_WINDOW = 2048


def _decode_window(scale: float) -> int:
    """The central window of the picture that a decode at ``scale`` warps back: DECODE_WINDOW
    pixels, or _WINDOW of the stamped picture's (8 x 8 tiles) where that is larger."""
    return round(max(DECODE_WINDOW, wm1._WINDOW * scale))


# The largest central square a search reads: a decode at the largest scale a refinement
# reaches (the large sweep's last, FINE_STEPS fine steps up); the rest read DECODE_WINDOW px or less.
LARGEST_WINDOW = _decode_window(float(max(LARGE_SCALES[-1], SCALES[-1])) * (1 + FINE_STEPS * FINE_STEP))


def _found(decoded: tuple[str, int, int], scale: float, angle: float, tries: int) -> wm2.Reading:
    scheme, record, errors = decoded
    code_t, chase = (wm2.TILE_CODE.t, wm2.TILE_CODE.chase) if scheme == wm2.SCHEME else (wm1._BCH_T, wm1._CHASE_BITS)
    confidence = round(max(0.0, 1.0 - errors / (code_t + chase + 1)), 3)
    record_id = f"{record:016x}"
    return wm2.Reading(True, scheme, record_id, confidence, "tiles", round(scale, 3), round(angle, 2), decoded=tries)
