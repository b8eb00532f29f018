"""Load on the HTTP service: concurrent verify uploads of 1-megapixel JPEGs on loopback.

Usage: python benchmarks/service_load.py [--clients 64] [--requests 2000] [--workers 2]
                                         [--max-seconds 900] [--out benchmarks/results/service.md]

Starts `provenance serve` on a free loopback port in a throwaway home (a few
stamped images registered), then `--clients` concurrent clients send
`--requests` uploads in all (bounded by `--max-seconds`). Reports throughput,
latency percentiles, errors and lost requests, and the server's peak memory
(resident set of the server and its workers, sampled every 0.2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.stamp_verify import measured_on, publish  # noqa: E402
from provenance.config import Home  # noqa: E402
from provenance.credentials import init_identity  # noqa: E402
from provenance.twin import stamp_file  # noqa: E402

SIZE = (1152, 864)


def images(folder: Path, home: Home) -> list[bytes]:
    identity = init_identity(home, org="Load")
    out = []
    for i, sample in enumerate(sorted((ROOT / "samples").glob("*.*g"))):
        photo = Image.open(sample).convert("RGB").resize(SIZE)
        src = folder / f"src-{i}.png"
        photo.save(src)
        stamped = folder / f"stamped-{i}.jpg"
        stamp_file(src, stamped, user="load", model="bench", identity=identity, home=home)
        out.append(stamped.read_bytes())
        for quality in (75, 90):
            buffer = io.BytesIO()
            photo.save(buffer, "JPEG", quality=quality)
            out.append(buffer.getvalue())
    return out


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class LoadResult(TypedDict):
    seconds: float
    latencies: list[float]
    statuses: dict[str, int]
    sent: int


async def load(port: int, bodies: list[bytes], clients: int, total: int, max_seconds: float) -> LoadResult:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    sent = 0
    deadline = time.monotonic() + max_seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(client_id: int) -> None:
        nonlocal sent
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300, limits=limits) as http:
            while sent < total and time.monotonic() < deadline:
                index = sent
                sent += 1
                body = bodies[index % len(bodies)]
                start = time.perf_counter()
                try:
                    answer = await http.post("/v1/verify", files={"file": (f"img{index}.jpg", body, "image/jpeg")})
                    key = str(answer.status_code)
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                latencies.append(time.perf_counter() - start)
                statuses[key] = statuses.get(key, 0) + 1

    start = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return {"seconds": time.perf_counter() - start, "latencies": latencies, "statuses": statuses, "sent": sent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home")
        bodies = images(Path(tmp), home)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "PROVENANCE_HOME": str(home.root)}
        command = [sys.executable, "-m", "provenance_cli.main", "serve", "--port", str(port),
                   "--workers", str(args.workers), "--concurrency", "1"]  # fmt: skip
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            idle = rss_kib(server.pid)
            peak = [idle]

            async def sample() -> None:
                while True:
                    peak[0] = max(peak[0], rss_kib(server.pid))
                    await asyncio.sleep(0.2)

            async def run() -> LoadResult:
                sampler = asyncio.create_task(sample())
                try:
                    return await load(port, bodies, args.clients, args.requests, args.max_seconds)
                finally:
                    sampler.cancel()

            result = asyncio.run(run())
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies = sorted(result["latencies"])
    statuses = result["statuses"]
    done = len(latencies)
    ok = statuses.get("200", 0)
    seconds = result["seconds"]

    def pct(p: float) -> float:
        return latencies[min(done - 1, int(p * done))] * 1000 if done else float("nan")

    lines = [
        f"# Service load: {args.clients} concurrent clients, verify uploads of 1-megapixel JPEGs",
        "",
        measured_on("benchmarks/service_load.py"),
        f"Server: `provenance serve --workers {args.workers} --concurrency 1` on loopback (one image at a time per"
        " worker process, requests queue in the gate).",
        f"Images: {len(bodies)} distinct JPEGs ({SIZE[0]}x{SIZE[1]}), a third stamped and registered.",
        "",
        "| requests sent | answered | 200 OK | errors | lost | seconds | requests/s | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {result['sent']} | {done} | {ok} | {done - ok} | {result['sent'] - done} | {seconds:.1f} | "
        f"{done / seconds:.1f} | {pct(0.5):.0f} | {pct(0.99):.0f} | {latencies[-1] * 1000:.0f} |",
        "",
        f"Statuses: {statuses}.",
        f"Server memory (resident, all processes): {idle / 1024:.0f} MiB idle, {peak[0] / 1024:.0f} MiB peak.",
        f"Median service time per image: {statistics.median(latencies) * 1000 / max(1, args.clients):.0f} ms "
        "(p50 latency / clients: most of the latency is waiting in line, by design).",
        "",
        "Command: `python benchmarks/service_load.py " + " ".join(sys.argv[1:]) + "`",
    ]
    publish(lines, args.out)


if __name__ == "__main__":
    main()
