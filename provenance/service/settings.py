"""Service limits and switches, with safe defaults (verify open, CORS and fetching off)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

MiB = 1024 * 1024


@dataclass(frozen=True)
class ServiceSettings:
    max_upload_bytes: int = 50 * MiB  # per request body; more is 413
    max_pixels: int = 50_000_000  # decoded size; more is 422, refused before decoding
    timeout_s: float = 60.0  # per request: its upload (more is 408), then its work (more is 504)
    max_concurrent: int = field(default_factory=lambda: os.cpu_count() or 1)  # images worked on at once
    memory_budget: int = 1024 * MiB  # estimated memory of the images worked on at once; more waits in the queue
    max_queue: int = 256  # requests waiting for a slot; more is 503 with Retry-After
    max_batch: int = 64  # files in one /v1/verify/batch request
    require_token: bool = False  # verify needs a token too
    allow_fetch: bool = False  # /v1/verify may fetch a URL given in JSON
    fetch_timeout_s: float = 10.0
    cors_origins: tuple[str, ...] = ()
    policy: str | None = None  # a publishing policy file for /v1/check
