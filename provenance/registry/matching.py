"""How close is close enough: combining PDQ and pHash distances into one decision.

A match needs one trustworthy algorithm (PDQ only with enough quality) within its
match threshold: the algorithms fail on different edits, so either suffices. Anything
nearer than an inconclusive bound but short of that is reported as inconclusive, never
as proof of ownership (thresholds and their calibration: provenance/fingerprint,
benchmarks/results/registry_accuracy.md).
"""

from __future__ import annotations

from typing import Literal

from provenance.fingerprint import THRESHOLDS, Fingerprint, find

Decision = Literal["match", "inconclusive", "none"]


def distances(ours: list[Fingerprint], theirs: list[Fingerprint]) -> dict[str, int]:
    """Hamming distance per algorithm both sides have."""
    out: dict[str, int] = {}
    for mine in ours:
        other = find(theirs, mine.algorithm)
        if other is not None:
            out[mine.algorithm] = mine.distance(other)
    return out


def classify(ours: list[Fingerprint], theirs: list[Fingerprint]) -> Decision:
    found = distances(ours, theirs)
    if not found:
        return "none"
    trusted = set() if _flat(ours, theirs) else set(found)
    limits = {alg: t for alg in found if (t := THRESHOLDS.get(alg)) is not None}
    if any(found[alg] <= t.match for alg, t in limits.items() if alg in trusted):
        return "match"
    if any(found[alg] <= t.inconclusive for alg, t in limits.items()):
        return "inconclusive"
    return "none"


def _flat(ours: list[Fingerprint], theirs: list[Fingerprint]) -> bool:
    """Whether either picture's hashes cannot settle a match: any of them is of low quality (a flat
    picture: its PDQ says so, and its pHash, which has no quality of its own, is the same for every
    flat picture: a red-team's solid blue image matched a registered solid red one at pHash distance
    0, exit 0)."""
    return any(f.low_quality for side in (ours, theirs) for f in side)


def agree(ours: list[Fingerprint], theirs: list[Fingerprint]) -> bool:
    """Every algorithm both sides have is within its match threshold (and there are at
    least two): the bar for handing over a record's credentials on looks alone, since
    crafting a collision with two unrelated hashes at once is far harder than with one
    (docs/threat-model.md)."""
    found = distances(ours, theirs)
    limits = {alg: t for alg in found if (t := THRESHOLDS.get(alg)) is not None}
    return len(limits) >= 2 and all(found[alg] <= t.match for alg, t in limits.items())
