"""Registry scale: insert rate, index size and exact range-search latency, SQLite and PostgreSQL.

Usage: python benchmarks/registry.py [--db-sizes 100000,1000000] [--index-sizes 100000,1000000,10000000]
                                     [--postgresql URL] [--out benchmarks/results/registry.md]

Synthetic PDQ-like hashes (uniform random 256-bit; real hashes cluster more, which
helps multi-index hashing less: the accuracy benchmark uses real images). Two parts:

* database: records and their PDQ + pHash rows inserted in transactions of 10,000,
  then the search index built from the database and saved;
* index: the saved index loaded as a verify process does (memory-mapped), then
  range searches at distance 31 around near-duplicates of stored hashes: p50/p99 one
  at a time on one core, batch throughput, resident memory, and recall against a
  brute-force comparison of every hash.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.stamp_verify import measured_on  # noqa: E402
from provenance.fingerprint import PDQ, PHASH, Fingerprint  # noqa: E402
from provenance.registry import Record, Registry  # noqa: E402
from provenance.registry.index import MIH_MIN, HashIndex  # noqa: E402

RADIUS = 31
BATCH = 10_000


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_db(location: str, size: int, index_dir: Path) -> dict[str, float]:
    rng = np.random.default_rng(size)
    start = time.perf_counter()
    with Registry.open(location, index_dir=index_dir) as reg:
        for first in range(0, size, BATCH):
            n = min(BATCH, size - first)
            pdq = rng.integers(0, 256, (n, 32), dtype=np.uint8)
            ph = rng.integers(0, 256, (n, 8), dtype=np.uint8)
            batch = []
            for i in range(n):
                rid = f"{first + i:016x}"
                prints = [Fingerprint(PDQ, pdq[i].tobytes().hex(), 90), Fingerprint(PHASH, ph[i].tobytes().hex())]
                batch.append(Record(rid, "original", "bench", rid, prints))
            with reg.transaction():
                reg.add_many(batch)  # COPY on PostgreSQL
        insert = time.perf_counter() - start
        start = time.perf_counter()
        reg.save_indexes(force=True)
        build = time.perf_counter() - start
    return {"insert_per_s": size / insert, "index_build_s": build}


def bench_index(size: int, folder: Path, queries: int) -> dict[str, float]:
    rng = np.random.default_rng(size + 1)
    codes = rng.integers(0, 256, (size, 32), dtype=np.uint8)
    start = time.perf_counter()
    HashIndex.from_arrays(256, np.arange(1, size + 1, dtype=np.int64), codes, epoch=0).save(folder, PDQ)
    build = time.perf_counter() - start
    picks = rng.integers(0, size, queries)
    qs = codes[picks].copy()
    for q in qs:  # flip 0-31 bits: true matches at every distance up to the radius
        for b in rng.choice(256, int(rng.integers(0, RADIUS + 1)), replace=False):
            q[b // 8] ^= 1 << (b % 8)
    del codes
    before = _rss_mb()
    start = time.perf_counter()
    index = HashIndex.load(folder, PDQ)
    assert index is not None
    load = time.perf_counter() - start
    index.range_search(qs[0].tobytes(), RADIUS)  # warm-up: faiss copies the codes on first use
    lat = []
    found = []
    for q in qs:
        t = time.perf_counter()
        hits = index.range_search(q.tobytes(), RADIUS)
        lat.append(time.perf_counter() - t)
        found.append({s for s, _ in hits})
    start = time.perf_counter()
    for q in qs:
        index.range_search(q.tobytes(), RADIUS)
    batch = len(qs) / (time.perf_counter() - start)
    with ThreadPoolExecutor(2) as pool:  # batch throughput: the same queries on two threads
        start = time.perf_counter()
        list(pool.map(lambda q: index.range_search(q.tobytes(), RADIUS), qs))
        threaded = len(qs) / (time.perf_counter() - start)
    resident = _rss_mb() - before
    stored = np.asarray(index.codes)
    recall_hits = recall_total = 0
    for q, got in list(zip(qs, found, strict=True))[:20]:
        dist = np.bitwise_count(np.bitwise_xor(stored, q)).sum(axis=1)
        truth = {int(i) + 1 for i in np.flatnonzero(dist <= RADIUS)}
        recall_total += len(truth)
        recall_hits += len(truth & got)
    return {
        "build_s": build,
        "load_s": load,
        "p50_ms": float(np.percentile(lat, 50) * 1000),
        "p99_ms": float(np.percentile(lat, 99) * 1000),
        "qps": batch,
        "qps2": threaded,
        "resident_mb": resident,
        "disk_mb": sum(f.stat().st_size for f in folder.iterdir()) / 1e6,
        "recall": recall_hits / max(recall_total, 1),
        "method": 1.0 if size >= MIH_MIN else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-sizes", default="100000,1000000")
    parser.add_argument("--index-sizes", default="100000,1000000,10000000")
    parser.add_argument(
        "--postgresql",
        metavar="URL|auto",
        help="also measure this PostgreSQL database (auto: start a temporary server)",
    )
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.postgresql == "auto":
        from tests.postgres import running_server

        folder = Path(tempfile.mkdtemp(prefix="provenance-pg-bench-"))
        folder.chmod(0o755)
        with running_server(folder / "server") as url:
            args.postgresql = url
            run(args)
        return
    run(args)


def run(args: argparse.Namespace) -> None:
    lines = [measured_on("benchmarks/registry.py"), "", "## Database (records with PDQ and pHash rows)", "",
             "| backend | records | insert records/s | index build from database s |", "|---|---|---|---|"]  # fmt: skip
    backends = [("sqlite", None)] + ([("postgresql", args.postgresql)] if args.postgresql else [])
    for name, url in backends:
        for size in [int(x) for x in args.db_sizes.split(",") if x]:
            with tempfile.TemporaryDirectory() as tmp:
                location = url or str(Path(tmp) / "r.sqlite3")
                if url:
                    _reset_pg(url)
                r = bench_db(location, size, Path(tmp) / "index")
            lines.append(f"| {name} | {size:,} | {r['insert_per_s']:,.0f} | {r['index_build_s']:.1f} |")
            print(lines[-1], flush=True)
    lines += ["", f"## Exact range search at distance {RADIUS} (256-bit PDQ, one core, {args.queries} queries)", "",
              "| hashes | method | p50 ms | p99 ms | queries/s | queries/s, 2 threads | resident MB | on disk MB |"
              " recall vs brute force | build s | load s |", "|---" * 11 + "|"]  # fmt: skip
    for size in [int(x) for x in args.index_sizes.split(",") if x]:
        with tempfile.TemporaryDirectory() as tmp:
            r = bench_index(size, Path(tmp) / "index", args.queries)
        method = "multi-index hashing" if r["method"] else "faiss IndexBinaryFlat"
        lines.append(
            f"| {size:,} | {method} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['qps']:,.0f} | {r['qps2']:,.0f}"
            f" | {r['resident_mb']:.0f}"
            f" | {r['disk_mb']:.0f} | {r['recall']:.3f} | {r['build_s']:.1f} | {r['load_s']:.2f} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text("# Registry scale\n\n" + text + "\n")


def _reset_pg(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS fingerprints, records, meta CASCADE")


if __name__ == "__main__":
    main()
