"""A small grey thumbnail per registered picture: is this image that picture, or part of it?

Global hashes (PDQ, pHash) compare whole pictures, so a crop of a picture is far from
it, and a whole-picture distance cannot tell a crop (a derivative) from another picture
that carries a copied watermark (a forgery). The registry therefore keeps, with each
record, the picture's luminance shrunk to :data:`LONG_SIDE` px on its long side (a grey
PNG of a few kilobytes). :func:`compare` finds where an image lies in that thumbnail,
over scales and positions (normalised cross-correlation, then a sub-pixel refinement),
and judges the fit block by block on fine detail (a band-pass of the luminance), so that
a caption or a logo over part of the picture costs only the blocks it covers:

* ``same-picture``: enough detailed blocks agree, and the image lies within the
  picture (a crop, a rescale, a re-encode, an edit of colour or tone, a border);
* ``different``: detail is there to compare and almost none of it agrees, or the
  picture fills only a small part of the image (shown inside a larger one: a screenshot, a page, a collage);
* ``cannot-tell``: anything between, or too little detail to judge (flat pictures).

Thresholds were chosen on a design set (scikit-image's bundled photographs and
samples/) and are reported with their margins in benchmarks/results/crop_match.md
(written by benchmarks/crop_match.py); docs/registry.md says how.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image, PngImagePlugin

ALGORITHM = "thumb-grey-128/provenance-1"
LONG_SIDE = 128
_KEY = "provenance-thumbnail"
_SIZE = "picture-size"

_BLUR = 0.8  # px of the thumbnail: both sides are compared a little blurred (sub-pixel misfit)
_MIN_SHOWN_SIDE = 0.4  # the search goes down to crops showing 40 % of the picture's side (16 % of its area)
_SCALE_STEP = 1.04
_BANDS = 3  # the scale range is cut in this many bands; each keeps its best candidates
_PER_BAND = 2
_BLOCK = 16  # px of the thumbnail; blocks overlap by half
_DETAIL = 1.5  # band-pass standard deviation (grey levels) that makes a block worth comparing
_BLOCK_DETAIL = 0.5  # a block agrees when its band-pass correlation reaches this...
_BLOCK_TONE = 0.7  # ...and its (blurred) luminance correlation this
_KNOWN_SCALE = 0.04  # a scale the mark measured is refined within +-4 % (its tiles decode only within ~1 %)
_TURNS = (-2.0, 2.0, -4.0, 4.0)  # degrees tried when the upright image does not fit (a slightly rotated copy)

# The verdict (design set: benchmarks/results/crop_match.md).
SAME_AGREE = 0.5  # same picture: this share of the detailed blocks agree...
SAME_BLOCKS = 12  # ...at least this many of them...
SAME_INSIDE = 0.7  # ...and this share of the image lies within the picture
APART_AGREE = 0.15  # different: at every placement with enough detail, at most this share agrees,
APART_STRAY = 3  # and at most this many blocks agree where there is little detail,
APART_SIZE = 0.8  # and the image is so large (long side, against the picture's) that a crop the search
#   cannot see (under 40 % of the side) would have been enlarged twice or more: no honest journey does that
APART_INSIDE = 0.5  # or the picture is found whole but fills under this share of the image (pasted in)
FLAT = 2.5  # grey levels (standard deviation): a margin this plain is what _margins cuts, not part of a picture
# a whole copy whose width and height were resized this far apart (relative) was stretched or squeezed:
# resizing programs round each side to a pixel, 0.4 % apart at worst on a 256 px side
STRETCHED = 0.03
WHOLE_SHOWN = 0.95  # share of the picture an image shows that counts as all of it (a placement rounds its edges)

Array = NDArray[Any]
Geometry = tuple[float, float, float]  # scale (thumbnail px per image px), x, y (thumbnail px)
Verdict = Literal["same-picture", "different", "cannot-tell"]


@dataclass(frozen=True)
class Placement:
    """Where an image lies in a record's picture, and what that says.

    ``shown``: share of the picture's area the image shows; ``inside``: share of the
    image that lies within the picture; ``agree`` of ``detailed`` blocks agree;
    ``correlation``: of the blurred luminance over the whole overlap; ``cut``: how much
    the part of the picture the image does not show varies (standard deviation of its grey
    levels; 0 when it shows all: under :data:`FLAT`, only a plain margin was cut, such as
    :func:`_margins` cuts from an image too)."""

    verdict: Verdict
    shown: float
    inside: float
    agree: int
    detailed: int
    correlation: float
    cut: float = 0.0
    beyond: float = 0.0  # share of the image lying beyond the picture that has detail (added content)
    # image px per picture px where it fits (0: not measured): from the fit itself, so a frame, a
    # border or a canvas around the picture does not count as size
    scale: float = 0.0
    # where the image's centre lies in the picture, as shares of its width and height (from the fit)
    centre: tuple[float, float] | None = None
    # the image's width and height without its plain margins (a frame, a bar, a canvas): the shape
    # its content has, which a stretch changes and a plain band added along an edge does not
    content: tuple[int, int] | None = None
    # the plain margins cut before the fit (top, bottom, left, right, image px): ``centre`` is the
    # centre of what is left, which :meth:`image_centre` turns into the whole image's
    margins: tuple[int, int, int, int] = (0, 0, 0, 0)
    # share of the image, plain margins aside, in a band beside the whole picture along one edge that
    # holds detail at full size, such as a meme's caption in text too small for ``beyond``'s blocks
    # (:func:`_side_band`); 0 when there is none
    band: float = 0.0
    # where the picture was found on a page around it (left, top, right, bottom, image px), when this
    # placement is of that box alone (verify's page screenshots): the fine comparison reads the box
    box: tuple[int, int, int, int] | None = None

    def image_centre(self, picture: tuple[int, int]) -> tuple[float, float] | None:
        """Where the whole image's centre lies in a picture of size ``picture`` (shares of its
        sides), margins and all: ``centre`` is that of the image less its plain margins, and a
        dark studio backdrop's cut rows put a copy laid by the whole image's centre up to 50 px
        off (an honest 9:16 crop of a product shot was then not laid at all)."""
        if self.centre is None or self.scale <= 0 or min(picture) <= 0:
            return None
        top, bottom, left, right = self.margins
        across = (right - left) / 2 / (self.scale * picture[0])
        down = (bottom - top) / 2 / (self.scale * picture[1])
        return self.centre[0] + across, self.centre[1] + down

    @property
    def pasted(self) -> bool:
        """Different because the picture was found, but as a small part of the image."""
        return self.verdict == "different" and self.agree >= SAME_BLOCKS and self.inside < APART_INSIDE

    @property
    def contained(self) -> bool:
        """The picture found whole as part of a larger image: pasted, or whole with other content
        around it filling more than a plain frame does (a picture at 60 % of a page: too much
        beyond it for the same picture, too little for different, and no crop of it either)."""
        whole = (
            self.verdict == "cannot-tell"
            and self.shown >= WHOLE_SHOWN
            and self.agree >= SAME_BLOCKS
            and self.agree >= SAME_AGREE * self.detailed
            and self.inside < SAME_INSIDE
        )
        return self.pasted or whole

    @property
    def words(self) -> str:
        """The evidence in a few words, for a report's note."""
        if self.contained:
            # of the image its plain margins aside (what the comparison keeps): "60%" of a post whose
            # white sides it trims, 46 % of its whole area, read as a miscount (a walkthrough)
            share = round(100 * self.inside)
            return (
                f"the record's picture fills only {share} % of this image, plain margins aside"
                " (shown inside a larger image: a screenshot, a page or a collage)"
            )
        if self.verdict == "different":
            return "no part of the record's picture matches this image's detail"
        if not self.detailed:
            return "the record's picture has too little detail to compare"
        if self.agree < SAME_BLOCKS and self.agree >= SAME_AGREE * self.detailed:
            # all or most agree, but too few areas to tell: "10 of 10 agree" alone reads like a pass
            return (
                f"{self.agree} of {self.detailed} detailed areas agree where it fits best, too few to tell:"
                f" it takes {SAME_BLOCKS}"
            )
        return f"{self.agree} of {self.detailed} detailed areas agree where it fits best"


@dataclass(frozen=True)
class _Fit:
    """One candidate placement, judged block by block."""

    where: Geometry
    score: float
    shown: float
    inside: float
    agree: int
    detailed: int
    cut: float = 0.0
    centre: tuple[float, float] | None = None  # the image's centre in the picture, shares of its sides

    @property
    def share(self) -> float:
        return self.agree / self.detailed if self.detailed else 0.0


def describe(img: Image.Image) -> bytes:
    """The thumbnail to store: a grey PNG, :data:`LONG_SIDE` px on its long side, naming its
    algorithm and the picture's size."""
    import cv2

    y = _luma(img)
    h, w = y.shape
    factor = min(1.0, LONG_SIDE / max(h, w))
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    small = cv2.resize(y, size, interpolation=cv2.INTER_AREA) if factor < 1 else y
    info = PngImagePlugin.PngInfo()
    info.add_text(_KEY, ALGORITHM)
    info.add_text(_SIZE, f"{w}x{h}")
    buf = io.BytesIO()
    Image.fromarray(np.clip(np.rint(small), 0, 255).astype(np.uint8), "L").save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def decode(data: bytes) -> tuple[Array, tuple[int, int]] | None:
    """(the stored thumbnail as float32 grey, the picture's width and height), or None when
    it is not one this version reads."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "PNG" or img.mode != "L" or img.info.get(_KEY) != ALGORITHM:
                return None
            width, height = (int(v) for v in str(img.info.get(_SIZE, "")).split("x"))
            return np.asarray(img, dtype=np.float32), (width, height)
    except (OSError, ValueError, SyntaxError):
        return None


def compare(img: Image.Image, stored: bytes, *, scale: float | None = None, frame: bool = False) -> Placement | None:
    """Where ``img`` lies in the stored thumbnail's picture; None when the thumbnail is unreadable.

    A watermark read from ``img`` may say more than the pixels: ``scale`` (image pixels per
    pixel of the picture, measured by the mark's tiles) or ``frame`` (the mark's global layer
    was read, so the image is the whole picture, resized). When the search alone cannot tell,
    the image is judged where the mark puts it: with the scale known, no crop is too small to
    place, so nothing fitting anywhere is ``different``."""
    decoded = decode(stored)
    if decoded is None or min(decoded[0].shape) < _BLOCK:
        return None
    thumb, size = decoded
    luma = _luma(img)
    top, bottom, left, right = _margins(luma)
    query = luma[top : luma.shape[0] - bottom, left : luma.shape[1] - right]
    # a plain band along one edge only may be a caption bar laid over the picture: the fit is
    # found without it, then judged with it (what it covers of the picture's detail differs)
    banded = (not top) != (not bottom) or (not left) != (not right)
    placement = _place(thumb, query, size, whole=(luma, top, left) if banded else None)
    placed_on_query = placement  # the fit of the image as it lies, which _side_band reads
    for angle in _TURNS if placement.verdict != "same-picture" and not placement.pasted else ():
        turned = _place(thumb, _turn(query, angle), size)
        if turned.verdict == "same-picture" or (placement.verdict == "different" != turned.verdict):
            placement = turned
        if placement.verdict == "same-picture":
            break
    cut = (top, bottom, left, right)  # what the fit's image lacks of the whole image
    if frame and placement.verdict != "same-picture":
        # the whole picture, resized: a stretched copy fits nowhere at its own shape (the search
        # keeps the shape), so a search that found it different is overruled by the frame
        known = _at_frame(thumb, luma, size)
        if known.verdict == "same-picture" or (placement.verdict == "cannot-tell" and known.verdict != "cannot-tell"):
            placement, cut = known, (0, 0, 0, 0)
    elif frame and stretched(img.size, size):
        # ...and where the search's fit at the copy's own shape still passed (half its blocks may
        # agree on a copy squeezed to 80 %), the frame's fit, which has the copy's shape right,
        # decides if more of its blocks agree: the other parts were misplaced, not altered
        known = _at_frame(thumb, luma, size)
        if known.verdict == "same-picture" and known.agree * placement.detailed > placement.agree * known.detailed:
            placement, cut = known, (0, 0, 0, 0)
    elif placement.verdict == "cannot-tell" and scale is not None:
        known = _at_scale(thumb, query, size, scale)
        placement = known if known.verdict != "cannot-tell" else placement
    band = _side_band(query, placement, size) if placement is placed_on_query else 0.0
    return replace(placement, content=(query.shape[1], query.shape[0]), margins=cut, band=band)


_FLUSH = 0.01  # share of the picture's side: a picture this near one end of the image lies flush with it
_BAND_GUARD = 8  # px of the image beside the picture's edge left out of a band (resampling, a JPEG block's ringing)


def _side_band(query: Array, placement: Placement, size: tuple[int, int]) -> float:
    """The share of ``query`` (the image less its plain margins) in a band along one edge beyond
    the whole picture placed there, when the band holds detail (two rows or columns of it, away
    from the picture's edge, varying more than :data:`FLAT`): the picture spans the image one
    way and lies flush with one end of it the other way. A meme's caption in small text is too
    fine for :func:`_beyond`'s blocks (a walkthrough's read "resized to 62 % of its width and 78 %
    of its height"); plain rows kept between a title bar and the picture are no content. A
    stretched copy fits with the picture centred, running past both ends: no band."""
    if placement.verdict != "same-picture" or placement.scale <= 0 or placement.centre is None:
        return 0.0
    if placement.shown < WHOLE_SHOWN:
        return 0.0
    h, w = query.shape
    pw, ph = placement.scale * size[0], placement.scale * size[1]  # the picture, in image px
    left, top = w / 2 - placement.centre[0] * pw, h / 2 - placement.centre[1] * ph
    if abs(pw / w - 1) <= STRETCHED and h >= ph * (1 + STRETCHED):
        lines, start, length = query, top, ph  # a band above or below: rows
    elif abs(ph / h - 1) <= STRETCHED and w >= pw * (1 + STRETCHED):
        lines, start, length = query.T, left, pw  # a band to the left or right: columns
    else:
        return 0.0
    end, total = start + length, int(lines.shape[0])
    if abs(start) <= _FLUSH * length:
        band = lines[math.ceil(end) + _BAND_GUARD :]
    elif abs(end - total) <= _FLUSH * length:
        band = lines[: max(0, math.floor(start) - _BAND_GUARD)]
    else:
        return 0.0
    if len(band) < 2 or int((band.std(axis=1) > FLAT).sum()) < 2:
        return 0.0
    return round(1 - length / total, 3)


def stretched(image: tuple[int, int], picture: tuple[int, int]) -> bool:
    """Whether an image of size ``image`` (width, height) has another shape than ``picture``'s:
    its sides resized :data:`STRETCHED` or more apart."""
    return abs((image[0] / picture[0]) / (image[1] / picture[1]) - 1) >= STRETCHED


def _place(
    thumb: Array, query: Array, size: tuple[int, int], *, whole: tuple[Array, int, int] | None = None
) -> Placement:
    """The verdict of the best placement of ``query`` in the thumbnail. ``whole``: the image
    ``query`` was trimmed from, with the rows and columns cut above and to the left of it: a
    same-picture fit then counts its blocks with the cut band in place."""
    import cv2

    th, tw = thumb.shape
    qh, qw = query.shape
    fit = min(tw / qw, th / qh)  # thumbnail px per image px when the image is the whole picture
    small = _shrunk(query, fit)
    blurred = cv2.GaussianBlur(thumb, (0, 0), _BLUR)
    detail = _band(thumb)
    fits = [_judge(thumb, detail, small, *_refine(blurred, small, start)) for start in _candidates(small, blurred)]
    if not fits:
        return Placement("cannot-tell", 0.0, 0.0, 0, 0, 0.0)
    placement = _verdict(fits, large=max(qh, qw) >= APART_SIZE * max(size))
    if placement.verdict != "same-picture":
        if placement.contained:  # the picture whole inside a larger image: its size there, and what is around it
            where = _best(fits).where
            placement = replace(
                placement,
                beyond=_beyond(small, where, thumb.shape),
                scale=round(tw / (where[0] * small.shape[1] / qw * size[0]), 3),
            )
        return placement
    fits = _settled(thumb, detail, blurred, small, fits)
    placement = _verdict(fits, large=max(qh, qw) >= APART_SIZE * max(size))
    where = _best(fits).where
    thumb_per_image_px = where[0] * small.shape[1] / qw
    placement = replace(
        placement,
        beyond=_beyond(small, where, thumb.shape),
        scale=round(tw / (thumb_per_image_px * size[0]), 3),
    )
    if whole is None:
        return placement
    image, top, left = whole
    k = small.shape[1] / qw  # px of the shrunk query per image px
    scale, x, y = where
    inside, _, _, _ = _block_states(thumb, detail, small, (scale, x, y))
    shrunk = _shrunk(image, fit)
    covers, detailed, agreeing, mask = _block_states(
        thumb, detail, shrunk, (scale, x - scale * left * k, y - scale * top * k)
    )
    band = covers & ~inside  # blocks under the cut band alone: those judged without it stay as they were
    # how much of the picture the image shows, and of the image the picture fills, with the band in
    # place: a bar over the bottom edge hides that edge, it does not crop it; a band below the
    # picture is not part of it (its size is then the picture's, not the taller canvas's)
    return replace(
        placement,
        agree=placement.agree + int((agreeing & band).sum()),
        detailed=placement.detailed + int((detailed & band).sum()),
        shown=round(float(mask.mean()), 3),
        inside=round(min(1.0, float(mask.sum()) / (shrunk.shape[0] * shrunk.shape[1] * scale * scale)), 3),
        cut=round(_left_out(thumb, mask), 2),
    )


_BEYOND_BLOCK = 4  # px of the shrunk image: a block this big with detail (grey levels varying) counts


def _beyond(query: Array, where: Geometry, shape: tuple[int, ...]) -> float:
    """Share of ``query`` (plain margins already cut) that lies beyond the picture placed at
    ``where`` and has detail: content added around the picture, such as a caption printed under
    it on a taller canvas. A plain band or frame has none."""
    scale, x, y = where
    qh, qw = query.shape
    rows, cols = (np.arange(qh) + 0.5) * scale + y, (np.arange(qw) + 0.5) * scale + x
    outside = ((rows < 0) | (rows >= shape[0]))[:, None] | ((cols < 0) | (cols >= shape[1]))[None, :]
    if not outside.any():
        return 0.0
    b = _BEYOND_BLOCK
    h, w = qh - qh % b, qw - qw % b
    if not h or not w:
        return 0.0
    blocks = query[:h, :w].reshape(h // b, b, w // b, b)
    # detail varies along its rows and down its columns; the straight edge between two plain bands
    # (a window's title bar above its grey border) varies one way only, and is no content
    along, down = blocks.std(axis=3).mean(axis=1), blocks.std(axis=1).mean(axis=2)
    busy = (blocks.std(axis=(1, 3)) > FLAT) & (along > FLAT / 2) & (down > FLAT / 2)
    away = outside[:h, :w].reshape(h // b, b, w // b, b).all(axis=(1, 3))
    return round(float((busy & away).sum()) / float(busy.size), 3)


def _verdict(fits: list[_Fit], *, large: bool) -> Placement:
    """The verdict of the best of ``fits`` (``large``: no crop too small to search for can be it)."""
    best = _best(fits)
    verdict: Verdict = "cannot-tell"
    if best.detailed >= SAME_BLOCKS and best.agree >= SAME_BLOCKS and best.share >= SAME_AGREE:
        verdict = (
            "same-picture" if best.inside >= SAME_INSIDE else "different" if best.inside < APART_INSIDE else verdict
        )
    elif _apart(fits, large=large):
        verdict = "different"
    return Placement(
        verdict,
        round(best.shown, 3),
        round(best.inside, 3),
        best.agree,
        best.detailed,
        round(best.score, 3),
        round(best.cut, 2),
        centre=best.centre,
    )


def _settled(thumb: Array, detail: Array, blurred: Array, query: Array, fits: list[_Fit]) -> list[_Fit]:
    """The same picture's fit climbed on with the scale stepped about the image's centre: about its
    corner alone, the far edges move with the scale and the climb can stall short of the true fit
    (a camera photo's 50 % strip shrunk to 160 px was placed 3 % too large, a fifth of its blocks
    then disagreeing: "parts differ"). Only a fit already judged the same picture is climbed on
    (every candidate climbed so fitted another picture, a clock's, into a microscope image's
    corner on the design set), and the better fit is kept while it still is."""
    best = _best(fits)
    score, where = _refine(blurred, query, best.where, centred=True)
    if score <= best.score:
        return fits
    settled = [f for f in fits if f is not best] + [_judge(thumb, detail, query, score, where)]
    return settled if _verdict(settled, large=True).verdict == "same-picture" else fits


def _best(fits: list[_Fit]) -> _Fit:
    return max(fits, key=lambda f: (f.agree, f.score))


def _at_frame(thumb: Array, y: Array, size: tuple[int, int]) -> Placement:
    """The image is the whole picture (the mark's global layer says so): judged at that frame."""
    import cv2

    th, tw = thumb.shape
    whole = cv2.resize(y, (tw, th), interpolation=cv2.INTER_AREA)
    fit = _judge(thumb, _band(thumb), whole, 1.0, (1.0, 0.0, 0.0))
    scale = math.sqrt(y.shape[0] * y.shape[1] / (size[0] * size[1]))  # a stretched copy: the mean of its sides
    return replace(_verdict([fit], large=True), scale=round(scale, 3))


def _at_scale(thumb: Array, query: Array, size: tuple[int, int], scale: float) -> Placement:
    """The image placed at the scale its mark measured (``scale`` image px per picture px):
    the best positions of the image in the picture, or of the picture in the image."""
    import cv2

    th, tw = thumb.shape
    per_image_px = (tw / size[0]) / scale  # thumbnail px per image px
    small = _shrunk(query, per_image_px)
    k = per_image_px * query.shape[1] / small.shape[1]  # thumbnail px per px of the shrunk image
    blurred = cv2.GaussianBlur(thumb, (0, 0), _BLUR)
    pw, ph = max(1, round(small.shape[1] * k)), max(1, round(small.shape[0] * k))
    if abs(pw - tw) <= 2 and abs(ph - th) <= 2:  # the whole picture, give or take rounding
        pw, ph = tw, th
    patch = cv2.GaussianBlur(cv2.resize(small, (pw, ph), interpolation=cv2.INTER_AREA), (0, 0), _BLUR)
    starts: list[Geometry] = []
    if min(pw, ph) >= 8 and float(patch.std()) > 1.0:
        if pw <= tw and ph <= th:  # the image within the picture (a crop)
            result = cv2.matchTemplate(blurred, patch, cv2.TM_CCOEFF_NORMED)
            starts = [(pw / small.shape[1], float(x), float(y)) for x, y in _peaks(result)]
        elif pw >= tw and ph >= th:  # the picture within the image (framed, or pasted into another)
            result = cv2.matchTemplate(patch, blurred, cv2.TM_CCOEFF_NORMED)
            starts = [(pw / small.shape[1], -float(x), -float(y)) for x, y in _peaks(result)]
    detail = _band(thumb)
    fits = [_judge(thumb, detail, small, *_refine(blurred, small, start, spread=_KNOWN_SCALE)) for start in starts]
    if not fits:
        return Placement("cannot-tell", 0.0, 0.0, 0, 0, 0.0)
    return replace(_verdict(fits, large=True), scale=round(scale, 3))


def _shrunk(query: Array, per_image_px: float) -> Array:
    """The image shrunk to twice the thumbnail's resolution (``per_image_px``: thumbnail px per
    image px): all a placement needs."""
    import cv2

    work = min(1.0, 2 * per_image_px)
    if work >= 1:
        return query
    qh, qw = query.shape
    size = (max(1, round(qw * work)), max(1, round(qh * work)))
    small: Array = cv2.resize(query, size, interpolation=cv2.INTER_AREA)
    return small


def _peaks(result: Array, count: int = 3) -> list[tuple[int, int]]:
    """The ``count`` best template-match positions, each at least a few pixels from the others."""
    import cv2

    work = result.copy()
    out: list[tuple[int, int]] = []
    for _ in range(count):
        _, top, _, where = cv2.minMaxLoc(work)
        if top <= -1.0:
            break
        out.append((int(where[0]), int(where[1])))
        x, y = where
        work[max(0, y - 4) : y + 5, max(0, x - 4) : x + 5] = -2.0
    return out


def _apart(fits: list[_Fit], *, large: bool) -> bool:
    """No placement fits: where there is detail to compare almost none agrees, and the image
    is too large to be a crop smaller than the search looks for."""
    detailed = [f for f in fits if f.detailed >= SAME_BLOCKS]
    stray = max((f.agree for f in fits if f.detailed < SAME_BLOCKS), default=0)
    return large and bool(detailed) and all(f.share <= APART_AGREE for f in detailed) and stray <= APART_STRAY


def _turn(query: Array, angle: float) -> Array:
    """``query`` rotated by ``angle`` degrees about its centre, cut to the rectangle that stays inside."""
    import cv2

    h, w = query.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    turned: Array = cv2.warpAffine(query, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    sin = abs(float(np.sin(np.radians(angle))))
    my, mx = int(np.ceil(w * sin / 2)) + 1, int(np.ceil(h * sin / 2)) + 1
    return turned[my : h - my, mx : w - mx] if h > 4 * my and w > 4 * mx else turned


def _luma(img: Image.Image) -> Array:
    """OpenCV's 8-bit grey as float32, read a strip at a time (no full RGB copy of the picture)."""
    import cv2

    from provenance.imaging import rgb_strips

    luma: Array = np.empty((img.height, img.width), np.float32)
    top = 0
    for strip in rgb_strips(img):
        luma[top : top + len(strip)] = cv2.cvtColor(strip, cv2.COLOR_RGB2GRAY)
        top += len(strip)
    return luma


def _trim(y: Array, most: float = 0.25) -> Array:
    """Cut a uniform border (one colour, a frame added around the picture), up to a quarter a side."""
    top, bottom, left, right = _margins(y, most)
    return y[top : y.shape[0] - bottom, left : y.shape[1] - right]


def _margins(y: Array, most: float = 0.25) -> tuple[int, int, int, int]:
    """Rows and columns of a uniform border (top, bottom, left, right), up to a quarter a side."""
    from provenance.imaging import plain_margins

    return plain_margins(y, most=most, flat=FLAT)


def _band(y: Array) -> Array:
    """Fine detail: a difference of Gaussians (edges and texture, not tone)."""
    import cv2

    band: Array = cv2.GaussianBlur(y, (0, 0), 0.7) - cv2.GaussianBlur(y, (0, 0), 2.0)
    return band


def _ncc(a: Array, b: Array) -> float:
    a = a - a.mean()
    b = b - b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / norm if norm > 1e-6 else 0.0


def _candidates(query: Array, blurred: Array) -> list[Geometry]:
    """(scale, x, y) of the best template matches of the shrunk image in the thumbnail, the
    best few in each band of scales (so that a caption over the picture, which can make a
    small part match better than the whole, does not hide the whole)."""
    import cv2

    th, tw = blurred.shape
    qh, qw = query.shape
    scale = min(tw / qw, th / qh)
    found: list[tuple[float, float, float, float, int]] = []
    step = 0
    while scale >= min(tw / qw, th / qh) * _MIN_SHOWN_SIDE:
        pw, ph = int(qw * scale), int(qh * scale)
        if pw >= 8 and ph >= 8:
            patch = cv2.GaussianBlur(cv2.resize(query, (pw, ph), interpolation=cv2.INTER_AREA), (0, 0), _BLUR)
            if float(patch.std()) > 1.0:
                result = cv2.matchTemplate(blurred, patch, cv2.TM_CCOEFF_NORMED)
                _, top, _, where = cv2.minMaxLoc(result)
                found.append((float(top), pw / qw, float(where[0]), float(where[1]), step))
        scale /= _SCALE_STEP
        step += 1
    out: list[Geometry] = []
    for band in range(_BANDS):
        inside = sorted((f for f in found if band * step <= f[4] * _BANDS < (band + 1) * step), reverse=True)
        out += [(s, x, y) for _, s, x, y, _ in inside[:_PER_BAND]]
    return out + _containing(query, blurred)


def _containing(query: Array, blurred: Array) -> list[Geometry]:
    """The other way round: the whole picture somewhere inside the image (framed, or pasted
    into another picture), at sizes down to 40 % of the image's side; the best fit."""
    import cv2

    th, tw = blurred.shape
    qh, qw = query.shape
    smallest = max(tw / qw, th / qh)  # thumbnail px per image px when the picture spans the image
    # from the picture spanning the image one way: content added along one edge (a caption bar under
    # the picture) leaves it spanning the other at exactly this scale
    scale, best = smallest, (-2.0, smallest, 0.0, 0.0)
    while scale <= smallest / _MIN_SHOWN_SIDE:
        size = (round(qw * scale), round(qh * scale))
        seen = cv2.GaussianBlur(cv2.resize(query, size, interpolation=cv2.INTER_AREA), (0, 0), _BLUR)
        result = cv2.matchTemplate(seen, blurred, cv2.TM_CCOEFF_NORMED)
        _, top, _, where = cv2.minMaxLoc(result)
        if top > best[0]:
            best = (float(top), size[0] / qw, -float(where[0]), -float(where[1]))
        scale *= _SCALE_STEP
    return [best[1:]] if best[0] > -2 else []


def _project(query: Array, scale: float, x: float, y: float, shape: tuple[int, ...]) -> tuple[Array, Array]:
    """The image as seen in thumbnail coordinates (its pixel (u, v) lands at scale * (u, v) + (x, y)),
    and where it lands."""
    import cv2

    sigma = 0.35 / scale  # the box filter of shrinking to the thumbnail, as a Gaussian
    return _warp(cv2.GaussianBlur(query, (0, 0), sigma) if sigma > 0.3 else query, scale, x, y, shape)


def _warp(query: Array, scale: float, x: float, y: float, shape: tuple[int, ...]) -> tuple[Array, Array]:
    seen, (top, bottom, left, right) = _warped(query, scale, x, y, shape)
    mask = np.zeros(shape[:2], dtype=bool)  # where a whole image pixel's neighbourhood landed
    mask[top:bottom, left:right] = True
    return seen, mask


def _warped(
    query: Array, scale: float, x: float, y: float, shape: tuple[int, ...]
) -> tuple[Array, tuple[int, int, int, int]]:
    """The image placed at (scale, x, y) in thumbnail coordinates, and the rows and columns
    (top, bottom, left, right) where a whole image pixel's neighbourhood landed."""
    import cv2

    offset_x, offset_y = x + 0.5 * scale - 0.5, y + 0.5 * scale - 0.5
    matrix = np.array([[scale, 0, offset_x], [0, scale, offset_y]], dtype=np.float32)
    seen = cv2.warpAffine(query, matrix, (shape[1], shape[0]), flags=cv2.INTER_LINEAR, borderValue=0)
    qh, qw = query.shape
    top, left = max(0, math.ceil(offset_y)), max(0, math.ceil(offset_x))
    bottom = min(shape[0], max(top, math.floor(scale * (qh - 1) + offset_y) + 1))
    right = min(shape[1], max(left, math.floor(scale * (qw - 1) + offset_x) + 1))
    return seen, (top, bottom, left, right)


def _score(blurred: Array, smooth: Array, scale: float, x: float, y: float) -> float:
    """Correlation of the blurred thumbnail with the (as blurred) image placed at (scale, x, y),
    over the rectangle the image covers (read as slices: the hill climb scores thousands)."""
    seen, (top, bottom, left, right) = _warped(smooth, scale, x, y, blurred.shape)
    if max(0, bottom - top) * max(0, right - left) < 64:
        return -1.0
    return _ncc(blurred[top:bottom, left:right].ravel(), seen[top:bottom, left:right].ravel())


def _refine(
    blurred: Array, query: Array, start: Geometry, *, spread: float | None = None, centred: bool = False
) -> tuple[float, Geometry]:
    """Hill-climb scale and position to sub-pixel precision (halving steps): (score, geometry).

    The scale is stepped about the image's top-left corner; ``centred``, the climb then goes on
    with it stepped about the image's centre (see :func:`_settled`).

    ``spread``: the scale stays within this share of the start's (a scale measured by the
    watermark is known; unbounded, the climb can shrink the image onto any small patch)."""
    import cv2

    low, high = (start[0] * (1 - spread), start[0] * (1 + spread)) if spread is not None else (0.0, math.inf)
    # the image blurred once as the thumbnail is (shrinking, then _BLUR), at the starting scale
    smooth = cv2.GaussianBlur(query, (0, 0), math.hypot(0.35, _BLUR) / start[0])
    found = _climb(blurred, smooth, start, (low, high), centred=False)
    return _climb(blurred, smooth, found[1], (low, high), centred=True) if centred else found


def _climb(
    blurred: Array, smooth: Array, start: Geometry, bounds: tuple[float, float], *, centred: bool
) -> tuple[float, Geometry]:
    """One hill climb of :func:`_refine`, its scale stepped about the image's centre or corner."""
    scale, x, y = start
    qh, qw = smooth.shape
    best = _score(blurred, smooth, scale, x, y)
    for shift, grow in ((0.5, 0.02), (0.25, 0.01), (0.125, 0.005)):
        better = True
        while better:
            better = False
            sizes = [s for s in (scale * (1 + grow), scale * (1 - grow)) if bounds[0] <= s <= bounds[1]]
            moves = [(s, x - (s - scale) * qw / 2, y - (s - scale) * qh / 2) if centred else (s, x, y) for s in sizes]
            moves += [(scale, x + shift, y), (scale, x - shift, y), (scale, x, y + shift), (scale, x, y - shift)]
            for s, mx, my in moves:
                value = _score(blurred, smooth, s, mx, my)
                if value > best + 1e-4:
                    best, scale, x, y, better = value, s, mx, my, True
                    break
    return best, (scale, x, y)


def _judge(thumb: Array, detail: Array, query: Array, score: float, where: Geometry) -> _Fit:
    """Block by block over the overlap (blocks of _BLOCK px every half block): how many
    blocks with detail agree in detail and in tone."""
    scale = where[0]
    _, detailed_blocks, agreeing, mask = _block_states(thumb, detail, query, where)
    inside = min(1.0, float(mask.sum()) / (query.shape[0] * query.shape[1] * scale * scale))
    cut = _left_out(thumb, mask)
    th, tw = thumb.shape
    qh, qw = query.shape
    centre = ((where[1] + scale * qw / 2) / tw, (where[2] + scale * qh / 2) / th)
    return _Fit(where, score, float(mask.mean()), inside, int(agreeing.sum()), int(detailed_blocks.sum()), cut, centre)


def _left_out(thumb: Array, mask: Array) -> float:
    """How much what the image leaves out of the picture varies (standard deviation of its grey
    levels), a few pixels away from where the image lies (its edges blur into the picture)."""
    import cv2

    out = ~cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    return float(thumb[out].std()) if int(out.sum()) >= 2 else 0.0


def _block_states(thumb: Array, detail: Array, query: Array, where: Geometry) -> tuple[Array, Array, Array, Array]:
    """Blocks of the thumbnail that ``query`` placed at ``where`` covers whole, those of them
    with detail, those that agree in detail and in tone; and the covered pixels."""
    import cv2

    seen, mask = _project(query, *where, thumb.shape)
    filled = np.where(mask, seen, thumb)
    copy_tone = cv2.GaussianBlur(filled, (0, 0), _BLUR)
    tone = np.maximum(
        _block_ncc(cv2.GaussianBlur(thumb, (0, 0), _BLUR), copy_tone),
        _block_ncc(cv2.GaussianBlur(_lit(thumb, filled, mask), (0, 0), _BLUR), copy_tone),
    )
    band = _block_ncc(detail, _band(filled))
    inside = _block_mean(mask.astype(np.float32)) > 0.999
    detailed = inside & (np.sqrt(np.maximum(_block_var(detail), 0)) >= _DETAIL)
    agreeing = detailed & (band >= _BLOCK_DETAIL) & (tone >= _BLOCK_TONE)
    return inside, detailed, agreeing, mask


def _lit(thumb: Array, filled: Array, mask: Array) -> Array:
    """``thumb`` times the smooth gain (_gain.py, fitted on every other pixel ``mask`` covers) that
    brings it nearest ``filled``: a vignette or light falling off toward a side. Within a block of
    a darkened corner the gain falls by a sixth, more than a plain block's own tones vary, so the
    block's tone stopped agreeing (a phone's vignette read `altered` in 14 of 57 design pictures)."""
    from provenance.fingerprint._gain import smooth_gain

    gain = smooth_gain(thumb, filled, mask, 2)
    return thumb if gain is None else np.asarray(thumb * gain, np.float32)


def _block_mean(a: Array) -> Array:
    """Mean over each _BLOCK x _BLOCK block whose top-left corner is on the half-block grid."""
    import cv2

    means: Array = cv2.boxFilter(a, -1, (_BLOCK, _BLOCK), anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    h, w = a.shape
    return means[: h - _BLOCK + 1 : _BLOCK // 2, : w - _BLOCK + 1 : _BLOCK // 2]


def _block_var(a: Array) -> Array:
    var: Array = _block_mean(a * a) - _block_mean(a) ** 2
    return var


def _block_ncc(a: Array, b: Array) -> Array:
    """Normalised cross-correlation of a and b in each block (0 where either is flat)."""
    cov = _block_mean(a * b) - _block_mean(a) * _block_mean(b)
    norm = np.sqrt(np.maximum(_block_var(a), 0) * np.maximum(_block_var(b), 0))
    out: Array = np.where(norm > 1e-6 / (_BLOCK * _BLOCK), cov / np.maximum(norm, 1e-12), 0.0)
    return out
