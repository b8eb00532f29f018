"""Keypoints: how a crop of a registered picture is found when its hashes have moved too far.

PDQ and pHash describe the whole picture, so a crop moves them past any threshold (a 90 % crop:
PDQ 88 bits from its original, median; benchmarks/results/registry_accuracy.md), and a
register-only picture (no watermark to name its record) cropped for a page matched nothing. The
registry therefore also keeps, per record, :data:`STORED` ORB keypoints (OpenCV: corners with a
256-bit binary descriptor) of the picture resized to :data:`SIDE` px on its long side.

A query's keypoints are matched against every stored one at once (the two nearest by Hamming
distance, faiss), kept where the nearest is clearly nearer than the second (Lowe's ratio test over
the whole registry: a descriptor that fits many pictures says nothing), grouped by record, and a
similarity transform (a crop, a rescale, a small turn) is fitted to each group (RANSAC). Records
with :data:`LEAST_INLIERS` or more keypoints on one transform are *candidates*, never matches: the
record's thumbnail then decides, as for any inconclusive hash (thumbnail.compare, told the scale the
transform measured). Parameters were chosen on scikit-image's photographs (the design set);
benchmarks/results/crop_lookup.md reports pictures that influenced nothing.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

SIDE = 768  # px: the long side keypoints are found at, in the picture and in a query
STORED = 512  # keypoints kept per registered picture
ASKED = 400  # keypoints of a query (fewer: each is compared with every stored one)
RATIO = 0.8  # a pair counts when its distance is under this share of the second nearest's
LEAST_PAIRS = 6  # pairs a record needs before a transform is fitted to them
REPROJECTION = 4.0  # px at SIDE: how far a keypoint may land from where the transform puts it
LEAST_INLIERS = 12  # keypoints on one transform that make a record a candidate (design set: 5 at most for others)
MOST_CANDIDATES = 3  # candidates handed on, most keypoints first
# stored px per query px (both at SIDE) a transform may have: a crop of 15 % of the side up to a
# picture shown inside a canvas four times its size. Past these, a fit is degenerate: a cat's crop
# reached 12 keypoints on a "transform" squeezing it 300 times onto a coffee cup (design set)
STRETCH = (0.15, 4.0)

_MAGIC = b"KP1"
_HEADER = struct.Struct("<3sHHH")  # magic, picture width, picture height, count
_PRECISION = 8  # stored positions are 1/8 px at SIDE (uint16)
_BYTES = 32  # an ORB descriptor

Array = NDArray[Any]


@dataclass(frozen=True)
class Keypoints:
    """Keypoints of one picture: ``points`` (n, 2) in px of the picture resized to :data:`SIDE`
    on its long side, ``descriptors`` (n, 32) ORB's bits, ``size`` the picture's (width, height)."""

    points: Array
    descriptors: Array
    size: tuple[int, int]

    @property
    def factor(self) -> float:
        """px at :data:`SIDE` per px of the picture."""
        return SIDE / max(self.size)

    def to_bytes(self) -> bytes:
        """The stored form: a header, positions to 1/8 px, then the descriptors (about 18 KB)."""
        count = len(self.descriptors)
        points = np.clip(np.rint(self.points * _PRECISION), 0, 65535).astype("<u2")
        header: bytes = _HEADER.pack(_MAGIC, *self.size, count)
        descriptors: bytes = np.ascontiguousarray(self.descriptors, np.uint8).tobytes()
        positions: bytes = points.tobytes()
        return header + positions + descriptors

    @classmethod
    def from_bytes(cls, data: bytes) -> Keypoints | None:
        """The keypoints stored as ``data``, or None when it is not a form this version reads."""
        if len(data) < _HEADER.size:
            return None
        magic, width, height, count = _HEADER.unpack_from(data)
        end = _HEADER.size + count * (4 + _BYTES)
        if magic != _MAGIC or len(data) != end or not width or not height:
            return None
        points = np.frombuffer(data, "<u2", count * 2, _HEADER.size).reshape(count, 2).astype(np.float32)
        descriptors = np.frombuffer(data, np.uint8, count * _BYTES, _HEADER.size + count * 4).reshape(count, _BYTES)
        return cls(points / _PRECISION, descriptors, (width, height))


def describe(img: Image.Image, *, most: int = STORED, mirrored: bool = False) -> Keypoints:
    """The ``most`` strongest ORB keypoints of ``img`` (``mirrored``: of its mirror image, left to
    right) resized to :data:`SIDE` px on its long side (none for a flat picture). A large picture is
    box-reduced by a whole factor first, to no less than twice that side, and mirrored once small."""
    import cv2

    w, h = img.size
    reduce = max(1, max(w, h) // (2 * SIDE))
    small = img.reduce(reduce) if reduce > 1 else img
    grey = np.asarray(small.convert("L"))
    factor = SIDE / max(w, h)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if size[0] < grey.shape[1] else cv2.INTER_LINEAR)
    grey = np.ascontiguousarray(grey[:, ::-1]) if mirrored else grey
    orb = cv2.ORB.create(nfeatures=most, scaleFactor=1.2, nlevels=8, edgeThreshold=15, patchSize=31, fastThreshold=7)
    found, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None or not found:
        return Keypoints(np.zeros((0, 2), np.float32), np.zeros((0, _BYTES), np.uint8), (w, h))
    points = np.array([k.pt for k in found], np.float32)
    return Keypoints(points, np.ascontiguousarray(descriptors, np.uint8), (w, h))


def stored(img: Image.Image) -> bytes:
    """What the registry keeps of ``img``: its :data:`STORED` keypoints' bytes (Record.keypoints)."""
    return describe(img).to_bytes()


def mirrored(img: Image.Image) -> bytes:
    """The keypoints of ``img``'s mirror image (left to right), as :func:`stored`'s bytes: what a
    registering worker hands on, so that a mirrored crop of another owner's picture is seen
    without reading the file again."""
    return describe(img, most=ASKED, mirrored=True).to_bytes()


@dataclass(frozen=True)
class Candidate:
    """A record whose picture the query may be part of: ``inliers`` keypoints on one transform,
    under which the query is ``scale`` of its px per px of the record's picture, turned by
    ``angle`` degrees (clockwise as seen, -180 to 180) from the way the picture lies."""

    key: str
    inliers: int
    scale: float
    angle: float = 0.0


class KeypointIndex:
    """Every stored keypoint of a registry, searched at once (exact: faiss compares a query's
    keypoints with all of them, about 1 ns each on one core)."""

    def __init__(self, stored: Iterable[tuple[str, bytes]]) -> None:
        keys: list[str] = []
        owners: list[Array] = []
        points: list[Array] = []
        descriptors: list[Array] = []
        self._factors: list[float] = []
        for key, data in stored:
            found = Keypoints.from_bytes(data)
            if found is None or not len(found.descriptors):
                continue
            owners.append(np.full(len(found.descriptors), len(keys), np.int64))
            keys.append(key)
            points.append(found.points)
            descriptors.append(found.descriptors)
            self._factors.append(found.factor)
        self._keys = keys
        self._owners = np.concatenate(owners) if owners else np.zeros(0, np.int64)
        self._points = np.concatenate(points) if points else np.zeros((0, 2), np.float32)
        self._descriptors = np.ascontiguousarray(np.concatenate(descriptors)) if descriptors else None
        self._searched: Any = None  # the faiss index over _descriptors, built on the first query

    def __len__(self) -> int:
        return len(self._keys)

    def candidates(self, query: Keypoints) -> list[Candidate]:
        """Records the query may be part of, most keypoints first (at most :data:`MOST_CANDIDATES`)."""
        if self._descriptors is None or len(self._descriptors) < 2 or len(query.descriptors) < LEAST_PAIRS:
            return []
        nearest, second = self._nearest(query.descriptors)
        kept = np.flatnonzero(nearest[:, 0] < RATIO * second)
        by_record: dict[int, list[tuple[int, int]]] = {}
        for q in kept:
            stored = int(nearest[q, 1])
            by_record.setdefault(int(self._owners[stored]), []).append((int(q), stored))
        found = [c for owner, pairs in by_record.items() if (c := self._fit(owner, pairs, query)) is not None]
        return sorted(found, key=lambda c: -c.inliers)[:MOST_CANDIDATES]

    def _nearest(self, descriptors: Array) -> tuple[Array, Array]:
        """(n, 2): the nearest stored keypoint's distance and row, and (n,) the second's distance."""
        import faiss

        if self._searched is None:
            self._searched = faiss.IndexBinaryFlat(_BYTES * 8)
            self._searched.add(self._descriptors)
        distances, rows = self._searched.search(np.ascontiguousarray(descriptors, np.uint8), 2)
        first = np.stack([distances[:, 0], rows[:, 0]], axis=1)
        return first, distances[:, 1].astype(np.float64)

    def _fit(self, owner: int, pairs: list[tuple[int, int]], query: Keypoints) -> Candidate | None:
        import cv2

        if len(pairs) < LEAST_PAIRS:
            return None
        source: Array = query.points[[q for q, _ in pairs]].astype(np.float32)
        target: Array = self._points[[s for _, s in pairs]].astype(np.float32)
        transform, inliers = cv2.estimateAffinePartial2D(
            source, target, method=cv2.RANSAC, ransacReprojThreshold=REPROJECTION
        )
        if transform is None or inliers is None or int(inliers.sum()) < LEAST_INLIERS:
            return None
        stretch = float(np.hypot(transform[0, 0], transform[1, 0]))  # stored px per query px, both at SIDE
        if not STRETCH[0] <= stretch <= STRETCH[1]:
            return None
        # image px per picture px: (stored px per picture px) / (stored px per query px * query px per image px)
        scale = self._factors[owner] / (stretch * query.factor)
        # the transform turns the query's points onto the picture's by this angle (y down: clockwise as seen)
        angle = float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0])))
        return Candidate(self._keys[owner], int(inliers.sum()), scale, angle)
