"""Exact Hamming range search over every fingerprint of one algorithm.

Two exact methods, picked by size (measurements in benchmarks/results/registry.md):

* under :data:`NUMPY_MAX` hashes, numpy compares the query with all of them (faiss's import
  alone costs more than such a search);
* up to :data:`MIH_MIN` hashes, faiss ``IndexBinaryFlat`` compares the query with all
  of them (about 1.5 ns per 256-bit hash on one core);
* above it, multi-index hashing (Norouzi et al.): the hash is cut into 16-bit chunks;
  two hashes within distance ``r`` agree within ``r // chunks`` bits on at least one
  chunk, so only the buckets of those few chunk values are compared. faiss's own
  ``IndexBinaryMultiHash`` does this with hash maps that need about 6 GB at 10M PDQ
  hashes; sorted bucket arrays here need 640 MB, memory-mapped, so loading is instant.

The index lives in a folder beside the registry and records the registry's last
fingerprint sequence number and removal epoch: rows added since are brute-forced on
top, a removal forces a rebuild. Writers save it; readers never write
(:class:`IndexFiles`, one per registry).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from provenance.fingerprint import BITS
from provenance.registry._backend import Backend
from provenance.registry.schema import meta

MIH_MIN = 500_000
NUMPY_MAX = 20_000  # under this many hashes numpy compares them all (about 0.3 ms at 20,000) and faiss is not loaded
CHUNK_BITS = 16
FORMAT = 1

Codes = NDArray[np.uint8]
Ids = NDArray[np.int64]


@dataclass
class _State:
    count: int
    max_seq: int
    epoch: int


@cache
def _flip_masks(flips: int) -> NDArray[np.uint16]:
    """Every 16-bit mask with at most ``flips`` bits set."""
    masks = [0]
    for k in range(1, flips + 1):
        masks += [sum(1 << b for b in combo) for combo in combinations(range(CHUNK_BITS), k)]
    return np.array(masks, dtype=np.uint16)


def _chunks(codes: Codes) -> NDArray[np.uint16]:
    """(n, chunks) 16-bit chunk values, big-endian within each chunk."""
    pairs = codes.reshape(len(codes), -1, 2).astype(np.uint16)
    chunks: NDArray[np.uint16] = ((pairs[..., 0] << 8) | pairs[..., 1]).astype(np.uint16)
    return chunks


def _distances(codes: Codes, query: Codes) -> NDArray[np.int64]:
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    x = np.bitwise_xor(np.ascontiguousarray(codes), query[None, :])
    words = x.view(np.uint64) if x.shape[1] % 8 == 0 else x
    counts: NDArray[np.int64] = np.bitwise_count(words).sum(axis=1, dtype=np.int64)
    return counts


class HashIndex:
    """Exact range search over (sequence number, code) pairs of one bit length."""

    def __init__(self, bits: int, seqs: Ids, codes: Codes, state: _State, mih: tuple[Any, Any] | None = None) -> None:
        self.bits = bits
        self.seqs = seqs
        self.codes = codes
        self.state = state
        self._mih = mih
        self._flat: Any = None
        self._extra_seqs: list[int] = []
        self._extra_codes: list[bytes] = []
        self.from_disk = False

    @classmethod
    def build(cls, bits: int, rows: Iterable[tuple[int, bytes]], *, epoch: int) -> HashIndex:
        seq_list: list[int] = []
        buf = bytearray()
        for seq, code in rows:
            seq_list.append(seq)
            buf += code
        seqs = np.array(seq_list, dtype=np.int64)
        codes = np.frombuffer(bytes(buf), dtype=np.uint8).reshape(len(seq_list), bits // 8)
        return cls.from_arrays(bits, seqs, codes, epoch=epoch)

    @classmethod
    def from_arrays(cls, bits: int, seqs: Ids, codes: Codes, *, epoch: int) -> HashIndex:
        state = _State(count=len(seqs), max_seq=int(seqs.max()) if len(seqs) else 0, epoch=epoch)
        mih = _build_mih(codes) if len(seqs) >= MIH_MIN else None
        return cls(bits, seqs, codes, state, mih)

    def __len__(self) -> int:
        return len(self.seqs) + len(self._extra_seqs)

    @property
    def max_seq(self) -> int:
        return max([self.state.max_seq, *self._extra_seqs])

    @property
    def pending(self) -> int:
        """Rows added on top since the index was built or saved."""
        return len(self._extra_seqs)

    def add(self, rows: Iterable[tuple[int, bytes]]) -> None:
        """Rows added to the registry since: kept on the side, brute-forced."""
        for seq, code in rows:
            self._extra_seqs.append(seq)
            self._extra_codes.append(code)

    def range_search(self, query: bytes, radius: int) -> list[tuple[int, int]]:
        """(sequence number, distance) of every code within ``radius``, nearest first."""
        q = np.frombuffer(query, dtype=np.uint8)
        hits = self._search_main(q, radius)
        if self._extra_seqs:
            dist = _distances(self._extra_array(), q)
            hits += [(self._extra_seqs[i], int(dist[i])) for i in np.flatnonzero(dist <= radius)]
        return sorted(hits, key=lambda hit: (hit[1], hit[0]))

    def _extra_array(self) -> Codes:
        return np.frombuffer(b"".join(self._extra_codes), dtype=np.uint8).reshape(-1, self.bits // 8)

    def _search_main(self, q: Codes, radius: int) -> list[tuple[int, int]]:
        if len(self.seqs) == 0:
            return []
        if self._mih is not None:
            candidates = self._mih_candidates(q, radius)
            dist = _distances(self.codes[candidates], q)
            keep = dist <= radius
            return list(zip(self.seqs[candidates[keep]].tolist(), dist[keep].tolist(), strict=True))
        return self._flat_search(q, radius)

    def _flat_search(self, q: Codes, radius: int) -> list[tuple[int, int]]:
        if len(self.seqs) < NUMPY_MAX:  # numpy's popcount: no faiss import (60 ms a process) for a few codes
            dist = _distances(self.codes, q)
            keep = np.flatnonzero(dist <= radius)
            return list(zip(self.seqs[keep].tolist(), dist[keep].tolist(), strict=True))
        import faiss

        if self._flat is None:
            self._flat = faiss.IndexBinaryFlat(self.bits)
            self._flat.add(np.ascontiguousarray(self.codes))
        lims, dist, idx = self._flat.range_search(q[None, :], radius + 1)  # faiss: distance < radius
        found = idx[lims[0] : lims[1]]
        return list(zip(self.seqs[found].tolist(), dist[lims[0] : lims[1]].astype(int).tolist(), strict=True))

    def _mih_candidates(self, q: Codes, radius: int) -> NDArray[np.int64]:
        assert self._mih is not None
        order, offsets = self._mih
        chunks = _chunks(q[None, :])[0]
        masks = _flip_masks(radius // len(chunks))
        parts = []
        for c, value in enumerate(chunks):
            keys = np.bitwise_xor(masks, value).astype(np.int64)
            starts, ends = offsets[c][keys], offsets[c][keys + 1]
            lengths = ends - starts
            total = int(lengths.sum())
            if total == 0:
                continue
            # every position of every bucket, without a Python loop over buckets
            positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
            parts.append(np.asarray(order[c][positions]))
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(parts)).astype(np.int64)

    # persistence ---------------------------------------------------------------------

    def save(self, folder: Path, name: str) -> None:
        """Write atomically: a new folder renamed over the old one."""
        if self._extra_seqs:
            seqs = np.concatenate([self.seqs, np.array(self._extra_seqs, dtype=np.int64)])
            codes = np.concatenate([self.codes, self._extra_array()])
            HashIndex.from_arrays(self.bits, seqs, codes, epoch=self.state.epoch).save(folder, name)
            return
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            np.save(tmp / "seqs.npy", self.seqs)
            np.save(tmp / "codes.npy", self.codes)
            if self._mih is not None:
                np.save(tmp / "order.npy", self._mih[0])
                np.save(tmp / "offsets.npy", self._mih[1])
            meta = {"format": FORMAT, "name": name, "bits": self.bits, **self.state.__dict__}
            (tmp / "state.json").write_text(json.dumps(meta))
            _replace_dir(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, folder: Path, name: str) -> HashIndex | None:
        """The saved index, memory-mapped; None when missing, foreign or damaged."""
        try:
            meta = json.loads((folder / "state.json").read_text())
            if meta.get("format") != FORMAT or meta.get("name") != name:
                return None
            seqs = np.load(folder / "seqs.npy", mmap_mode="r")
            codes = np.load(folder / "codes.npy", mmap_mode="r")
            mih = None
            if (folder / "order.npy").exists():
                mih = (np.load(folder / "order.npy", mmap_mode="r"), np.load(folder / "offsets.npy", mmap_mode="r"))
            state = _State(int(meta["count"]), int(meta["max_seq"]), int(meta["epoch"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if len(seqs) != state.count or codes.shape != (state.count, int(meta["bits"]) // 8):
            return None
        index = cls(int(meta["bits"]), seqs, codes, state, mih)
        index.from_disk = True
        return index


def _build_mih(codes: Codes) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Per chunk: row numbers sorted by chunk value, and where each value's bucket starts."""
    chunks = _chunks(codes)
    n, count = chunks.shape
    order = np.empty((count, n), dtype=np.int32)
    offsets = np.empty((count, (1 << CHUNK_BITS) + 1), dtype=np.int64)
    for c in range(count):
        column = chunks[:, c]
        order[c] = np.argsort(column, kind="stable")
        offsets[c, 0] = 0
        offsets[c, 1:] = np.cumsum(np.bincount(column, minlength=1 << CHUNK_BITS))
    return order, offsets


def _replace_dir(new: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


class IndexFiles:
    """The search indexes of one registry, one per algorithm, kept in ``folder``
    (beside a SQLite file, in the home's cache for PostgreSQL; None: memory only).

    Each is brought up to date with the database on use: rows added since it was
    saved are added on top, a removal (the ``epoch`` in meta) forces a rebuild.
    Writers save them; readers never write."""

    def __init__(self, db: Backend, folder: Path | None, *, readonly: bool) -> None:
        self._db = db
        self.folder = folder
        self.readonly = readonly
        self._loaded: dict[str, HashIndex] = {}

    def epoch(self) -> int:
        return int(meta(self._db, "epoch", "0"))

    def forget(self) -> None:
        """Drop what is in memory (after a removal)."""
        self._loaded.clear()

    def get(self, algorithm: str) -> HashIndex:
        """The index of one algorithm, up to date with the database."""
        epoch = self.epoch()
        index = self._loaded.get(algorithm)
        if index is None or index.state.epoch != epoch:
            index = self._load(algorithm, epoch)
        newer = self._db.iterate(
            "SELECT seq, value FROM fingerprints WHERE algorithm = ? AND seq > ? ORDER BY seq",
            (algorithm, index.max_seq),
        )
        index.add((int(seq), bytes(value)) for seq, value in newer)
        self._loaded[algorithm] = index
        return index

    def _load(self, algorithm: str, epoch: int) -> HashIndex:
        if self.folder is not None:
            saved = HashIndex.load(self._folder(algorithm), algorithm)
            if saved is not None and saved.state.epoch == epoch:
                return saved
        rows = self._db.iterate("SELECT seq, value FROM fingerprints WHERE algorithm = ? ORDER BY seq", (algorithm,))
        return HashIndex.build(BITS.get(algorithm, 64), ((int(s), bytes(v)) for s, v in rows), epoch=epoch)

    def _folder(self, algorithm: str) -> Path:
        assert self.folder is not None
        return self.folder / "".join(c if c.isalnum() else "-" for c in algorithm)

    def save(self, *, force: bool = False) -> None:
        """Persist each index that is stale enough to matter. A full disk or read-only
        folder is the registry's error (one line), not a traceback."""
        if self.readonly or self.folder is None:
            return
        for algorithm in BITS:
            index = self.get(algorithm)
            folder = self._folder(algorithm)
            fresh_enough = index.from_disk and index.pending < max(10_000, len(index) // 20)
            if force or not fresh_enough:
                if len(index) or folder.exists():
                    with self._db.translated():
                        index.save(folder, algorithm)
                self._loaded.pop(algorithm, None)
