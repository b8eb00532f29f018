"""Hostile files against `provenance verify` and the service: exit code, time and peak memory.

Usage: python benchmarks/hostile.py [--out benchmarks/results/hostile.md] [--only NAME ...]

Crafts decompression bombs (PNG and JPEG: small files declaring large or all-zero
pictures), huge and compressed-bomb PNG text chunks, deeply nested JUMBF, EXIF IFD loops,
random bytes behind valid magic and truncated files. Each is verified by `provenance
verify` in a child process of its own (peak memory: the child's own VmHWM, written by an
exit hook; not ru_maxrss, which Linux carries across exec from the parent) and uploaded
once to `provenance serve` on loopback (peak memory: the server's VmHWM, reset before
each upload); then four bombs are uploaded at once to a fresh server allowed four
images at a time by count, so only its memory budget holds them back.

Targets (issue 23): no file above 1 GB or 10 s, none exit 5 (internal error) or print a
traceback; four bombs at once keep the service under 1.5 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.stamp_verify import machine, publish  # noqa: E402

GB = 1024**3
MAX_SECONDS = 10.0
MAX_BYTES = 1 * GB
MAX_SERVICE_BYTES = 1.5 * GB


# ---------------------------------------------------------------- crafting


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, *, extra: bytes = b"", colour: int = 2, depth: int = 8) -> bytes:
    """A valid PNG of zeros (streamed: never holds the raw picture), ``extra`` chunks before IDAT."""
    channels = {0: 1, 2: 3, 3: 1}[colour]
    row = b"\x00" + bytes((width * channels * depth + 7) // 8)
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    idat = b"".join(parts) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + extra + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height)).save(buf, "JPEG", quality=75)
    return buf.getvalue()


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header declares ``width`` x ``height``."""
    data = bytearray(jpeg(16, 16))
    at = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def ztxt_bomb(size: int) -> bytes:
    """A zTXt chunk that inflates to ``size`` bytes."""
    packer = zlib.compressobj(9)
    block = bytes(1 << 20)
    body = b"".join(packer.compress(block) for _ in range(size >> 20)) + packer.flush()
    return _chunk(b"zTXt", b"Comment\x00\x00" + body)


def itxt_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9)
    block = bytes(1 << 20)
    body = b"".join(packer.compress(block) for _ in range(size >> 20)) + packer.flush()
    return _chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + body)


def jumbf_nest(depth: int) -> bytes:
    """C2PA's box: ``depth`` nested JUMBF superboxes, in a PNG caBX chunk."""
    label = b"c2pa\x00"
    desc = b"jumd" + bytes.fromhex("6332706100110010800000aa00389b71") + b"\x03" + label
    inner = b""
    for _ in range(depth):
        jumd = struct.pack(">I", 8 + len(desc) - 4) + desc
        inner = struct.pack(">I", 8 + len(jumd) + len(inner)) + b"jumb" + jumd + inner
    return png(512, 512, extra=_chunk(b"caBX", inner))


def exif_loop() -> bytes:
    """A JPEG whose EXIF IFD0 points at itself as the next IFD and as its own Exif sub-IFD."""
    ifd = struct.pack("<H", 2) + struct.pack("<HHI", 0x010F, 2, 4) + b"abc\x00"
    ifd += struct.pack("<HHII", 0x8769, 4, 1, 8)  # Exif IFD pointer: back to IFD0
    ifd += struct.pack("<I", 8)  # next IFD: IFD0 again
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd
    app1 = b"Exif\x00\x00" + tiff
    data = jpeg(512, 512)
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:]


def random_after(magic: bytes, size: int) -> bytes:
    return magic + os.urandom(size)


def cases() -> dict[str, Callable[[], bytes]]:
    """name: a maker of the file's bytes."""
    zeros = png(7000, 7000)
    return {
        "png-7000x7000-zeros.png": lambda: zeros,
        "png-10000x10000-1bit.png": lambda: png(10000, 10000, colour=0, depth=1),
        "png-20000x20000-zeros.png": lambda: png(20000, 20000, colour=0),
        "jpeg-65535x65535-declared.jpg": lambda: jpeg_declaring(65535, 65535),
        "jpeg-7000x7000-black.jpg": lambda: jpeg(7000, 7000),
        "png-text-40MB.png": lambda: png(512, 512, extra=_chunk(b"tEXt", b"Comment\x00" + b"A" * (40 << 20))),
        "png-ztxt-bomb-1GB.png": lambda: png(512, 512, extra=ztxt_bomb(1 << 30)),
        "png-itxt-bomb-1GB.png": lambda: png(512, 512, extra=itxt_bomb(1 << 30)),
        "png-jumbf-nested-20000.png": lambda: jumbf_nest(20000),
        "jpeg-exif-ifd-loop.jpg": exif_loop,
        "png-magic-random.png": lambda: random_after(b"\x89PNG\r\n\x1a\n", 1 << 20),
        "jpeg-magic-random.jpg": lambda: random_after(b"\xff\xd8\xff\xe0", 1 << 20),
        "png-7000-truncated.png": lambda: zeros[: len(zeros) // 2],
        "jpeg-truncated.jpg": lambda: jpeg(2000, 2000)[:5000],
    }


# ---------------------------------------------------------------- measuring


# Runs the CLI as `python -m provenance_cli.main` would, and writes the process's own
# peak (VmHWM) to the file named by PEAK_FILE as it exits, whatever the exit path.
_CLI_WITH_PEAK = """
import atexit, os, runpy, sys
def _peak():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            open(os.environ['PEAK_FILE'], 'w').write(line.split()[1])
atexit.register(_peak)
sys.argv[0] = 'provenance'
runpy.run_module('provenance_cli.main', run_name='__main__', alter_sys=True)
"""


def verify_cli(path: Path, env: dict[str, str]) -> dict[str, object]:
    """Exit code, seconds, peak memory (bytes; the child's own VmHWM) and last stderr line of
    `provenance verify PATH`."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        command = [sys.executable, "-c", _CLI_WITH_PEAK, "verify", str(path)]
        start = time.perf_counter()
        with tempfile.TemporaryFile() as err:
            child = subprocess.run(
                command,
                check=False,
                cwd=ROOT,
                env={**env, "PEAK_FILE": str(peak_file)},
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            seconds = time.perf_counter() - start
            err.seek(0)
            text = err.read().decode(errors="replace")
        peak = int(peak_file.read_text()) * 1024 if peak_file.exists() else 0
    lines = [line for line in text.splitlines() if line.strip()]
    return {
        "exit": child.returncode,
        "seconds": seconds,
        "peak": peak,
        "message": lines[-1] if lines else "",
        "traceback": "Traceback" in text,
    }


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Server:
    """`provenance serve` on a free loopback port, in its own throwaway home."""

    def __init__(self, home: Path, *extra: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {**os.environ, "PROVENANCE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
        command = [sys.executable, "-m", "provenance_cli.main", "serve", "--port", str(self.port), *extra]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(600):
            try:
                httpx.get(f"{self.url}/healthz", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the service did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss(self) -> int:
        return _status(self.process.pid, "VmRSS")

    def peak(self) -> int:
        return _status(self.process.pid, "VmHWM")

    def stop(self) -> str:
        self.process.terminate()
        _, err = self.process.communicate(timeout=60)
        return err.decode(errors="replace")


def upload(server: Server, name: str, data: bytes) -> dict[str, object]:
    resettable = _reset_peak(server.process.pid)
    before = server.rss()
    start = time.perf_counter()
    try:
        answer = httpx.post(f"{server.url}/v1/verify", files={"file": (name, data)}, timeout=300)
        status: int | str = answer.status_code
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else None
        error = body.get("error") if isinstance(body, dict) else None
        code = str(error.get("code", "")) if isinstance(error, dict) else ""
    except httpx.HTTPError as exc:
        status, code = type(exc).__name__, ""
    return {
        "status": status,
        "code": code,
        "seconds": time.perf_counter() - start,
        "peak": server.peak() if resettable else None,
        "before": before,
    }


async def _all_at_once(server: Server, bodies: list[tuple[str, bytes]]) -> list[int | str]:
    async with httpx.AsyncClient(base_url=server.url, timeout=600) as http:

        async def one(name: str, data: bytes) -> int | str:
            try:
                return (await http.post("/v1/verify", files={"file": (name, data)})).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__

        return list(await asyncio.gather(*(one(n, d) for n, d in bodies)))


def four_at_once(home: Path, data: bytes) -> dict[str, object]:
    """Four 7000 x 7000 bombs uploaded together to a fresh server that admits four by count."""
    server = Server(home, "--concurrency", "4")
    try:
        idle = server.rss()
        start = time.perf_counter()
        statuses = asyncio.run(_all_at_once(server, [(f"bomb{i}.png", data) for i in range(4)]))
        seconds = time.perf_counter() - start
        peak = server.peak()
    finally:
        server.stop()
    return {"idle": idle, "peak": peak, "statuses": statuses, "seconds": seconds}


# ---------------------------------------------------------------- report


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)benchmarks/results"],
            check=False,
            cwd=ROOT,
            capture_output=True,
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def _mb(value: object) -> str:
    return "n/a" if value is None else f"{int(value) / 1024**2:.0f}"  # type: ignore[call-overload]


def _flag(ok: bool) -> str:
    return "" if ok else " **over**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "hostile.md")
    parser.add_argument("--only", nargs="*", default=None, help="Case names (default: all).")
    parser.add_argument("--no-service", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    makers = cases()
    names = [n for n in makers if args.only is None or n in args.only]
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = folder / "home"
        env = {**os.environ, "PROVENANCE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
        files = {}
        for name in names:
            files[name] = folder / name
            files[name].write_bytes(makers[name]())
        server = None if args.no_service else Server(home)
        try:
            for name in names:
                cli = verify_cli(files[name], env)
                web = upload(server, name, files[name].read_bytes()) if server else None
                ok_cli = (
                    cli["exit"] not in (5, None)
                    and int(cli["exit"]) >= 0  # type: ignore[call-overload]
                    and float(cli["seconds"]) <= MAX_SECONDS  # type: ignore[arg-type]
                    and int(cli["peak"]) <= MAX_BYTES  # type: ignore[call-overload]
                    and not cli["traceback"]
                )
                ok_web = web is None or (
                    web["status"] != 500
                    and float(web["seconds"]) <= MAX_SECONDS  # type: ignore[arg-type]
                    and (web["peak"] is None or int(web["peak"]) <= MAX_BYTES)  # type: ignore[call-overload]
                )
                if not (ok_cli and ok_web):
                    failures.append(name)
                message = str(cli["message"]).replace("|", "\\|")[:140]
                service = (
                    f"{web['status']} {web['code']} | {float(web['seconds']):.1f} | {_mb(web['peak'])}"  # type: ignore[arg-type]
                    if web
                    else "- | - | -"
                )
                rows.append(
                    f"| {name} | {files[name].stat().st_size:,} | {cli['exit']} | {float(cli['seconds']):.1f} | "  # type: ignore[arg-type]
                    f"{_mb(cli['peak'])} | {'yes' if cli['traceback'] else 'no'} | {message} | {service} |"
                    f"{_flag(ok_cli and ok_web)}"
                )
                print(rows[-1], flush=True)
            idle = server.rss() if server else None
        finally:
            log = server.stop() if server else ""
        together = None
        if not args.no_service and "png-7000x7000-zeros.png" in files:
            together = four_at_once(folder / "home4", files["png-7000x7000-zeros.png"].read_bytes())
            if int(together["peak"]) > MAX_SERVICE_BYTES:  # type: ignore[call-overload]
                failures.append("four at once")
    load_after = os.getloadavg()
    lines = [
        "# Hostile files: `provenance verify` and the service",
        "",
        f"Commit: {commit()}. Machine: {machine()}. Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Load average (1, 5, 15 min): before {', '.join(f'{v:.1f}' for v in load_before)};"
        f" after {', '.join(f'{v:.1f}' for v in load_after)} (a shared machine: times are noisy, memory is not).",
        "",
        f"Targets: verify and each upload under {MAX_BYTES / GB:g} GB and {MAX_SECONDS:g} s, no exit 5, no"
        f" traceback; four bombs at once keep the service under {MAX_SERVICE_BYTES / GB:g} GB.",
        "CLI: `provenance verify FILE` in a child process each (peak: its own VmHWM). Service: `provenance serve`"
        " (defaults: --memory-budget-mb 1024, --max-pixels 50000000), one upload each to /v1/verify (peak: the"
        " server's VmHWM, reset before each upload; its idle memory is included).",
        "",
        "| file | bytes | exit | s | peak MB | traceback | message (last stderr line) | HTTP | s | service peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    if idle is not None:
        lines.append(f"Service resident memory after the single uploads: {_mb(idle)} MB.")
    if together is not None:
        lines += [
            "",
            "Four 7000 x 7000 zero PNGs uploaded at once (`serve --concurrency 4`: the count admits all four, the"
            f" memory budget does not): statuses {together['statuses']}, {float(together['seconds']):.1f} s,"  # type: ignore[arg-type]
            f" service {_mb(together['idle'])} MB idle, {_mb(together['peak'])} MB peak"
            f"{_flag(int(together['peak']) <= MAX_SERVICE_BYTES)}.",  # type: ignore[call-overload]
        ]
    if "Traceback" in log:
        lines += ["", "The service's log shows a traceback (an internal error)."]
        failures.append("service log")
    lines += ["", f"Over target: {', '.join(failures) if failures else 'none'}.", ""]
    lines.append("Command: `python benchmarks/hostile.py " + " ".join(sys.argv[1:]) + "`")
    publish(lines, args.out)


if __name__ == "__main__":
    main()
