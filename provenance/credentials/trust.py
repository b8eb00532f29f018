"""Trust: which signers (and time-stamp authorities) this home vouches for.

Integrity (is the manifest intact?) and trust (do we know the signer?) are
separate questions; c2pa answers the second only against the anchors given
here, so an unknown signer reads as valid-but-untrusted, never as invalid.

Anchors come from several places at once, all active together: the home's own
``trust/anchors.pem`` (``keys init`` adds its root there), the official C2PA
lists fetched by ``trust update`` into ``trust/official/``, paths in the home's
``config.toml``, ``$PROVENANCE_TRUST_ANCHORS`` and ``--trust-anchors``. The
allowed list (end-entity certificates trusted as they are) and the trust
config (accepted EKU OIDs, as in c2patool) take the first of flag,
environment, config file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509

from provenance.config import Home
from provenance.errors import ProvenanceError, UsageError
from provenance.imaging import write_atomic

ENV_ANCHORS = "PROVENANCE_TRUST_ANCHORS"
ENV_ALLOWED = "PROVENANCE_ALLOWED_LIST"
ENV_CONFIG = "PROVENANCE_TRUST_CONFIG"
OFFICIAL_BASE = "https://raw.githubusercontent.com/c2pa-org/conformance-public/refs/heads/main/trust-list/"
OFFICIAL_LIST = "C2PA-TRUST-LIST.pem"
OFFICIAL_TSA_LIST = "C2PA-TSA-TRUST-LIST.pem"
MAX_LIST_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class AnchorSource:
    """One PEM bundle and where it came from (for ``trust show`` and reports)."""

    origin: str
    pem: str

    @property
    def count(self) -> int:
        return self.pem.count("BEGIN CERTIFICATE")


@dataclass
class TrustPolicy:
    """Everything c2pa needs to decide trust, gathered from all sources."""

    anchors: list[AnchorSource] = field(default_factory=list)
    tsa_anchors: list[AnchorSource] = field(default_factory=list)
    allowed_list: str | None = None
    trust_config: str | None = None
    allow_remote: bool = False
    # The official C2PA list in this home: active, installed but switched off
    # (``use_official = false``), or missing (never fetched). None: not known.
    official: Literal["active", "disabled", "missing"] | None = None
    official_pem: str | None = None  # the installed list, even when switched off

    @property
    def anchors_pem(self) -> str | None:
        text = "\n".join(a.pem.strip() for a in self.anchors if a.count)
        return text + "\n" if text else None

    def c2pa_settings(self) -> dict[str, object]:
        trust: dict[str, object] = {}
        if self.anchors_pem:
            trust["trust_anchors"] = self.anchors_pem
        if self.allowed_list:
            trust["allowed_list"] = self.allowed_list
        if self.trust_config:
            trust["trust_config"] = self.trust_config
        return trust


def certificates(pem: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        return []


def _read_pem(path: Path, what: str) -> str:
    try:
        text = path.expanduser().read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise UsageError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read {what} ({exc.strerror})") from None
    return text


def _pem_bundle(path: Path, what: str) -> str:
    text = _read_pem(path, what)
    if "BEGIN CERTIFICATE" not in text or not certificates(text):
        raise UsageError(f"{path}: {what} holds no PEM certificate")
    return text


def load_anchors(home: Home) -> str | None:
    """The PEM bundle of the home's own anchors (``keys init`` roots), or None."""
    path = home.trust_anchors
    if not path.exists():
        return None
    text = path.read_text(encoding="ascii", errors="replace")
    return text if "BEGIN CERTIFICATE" in text else None


def add_anchor(home: Home, cert_pem: bytes) -> None:
    """Append a root to the home's anchors unless it is already there."""
    home.trust_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    new = x509.load_pem_x509_certificate(cert_pem)
    existing = load_anchors(home) or ""
    if any(cert == new for cert in certificates(existing)):
        return
    joined = existing.rstrip() + ("\n" if existing else "") + cert_pem.decode("ascii")
    write_atomic(home.trust_anchors, joined.encode("ascii"))


def _config(home: Home) -> dict[str, object]:
    path = home.config_path
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    trust = data.get("trust", {})
    if not isinstance(trust, dict):
        raise UsageError(f"{path}: [trust] must be a table")
    return trust


def _config_paths(value: object, key: str, home: Home) -> list[Path]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in items):
        raise UsageError(f"{home.config_path}: trust.{key} must be a path or a list of paths")
    return [(home.root / str(v)).expanduser() for v in items]


def build_policy(
    home: Home,
    *,
    anchors: tuple[Path, ...] = (),
    allowed_list: Path | None = None,
    trust_config: Path | None = None,
    allow_remote: bool = False,
    use_official: bool = True,
) -> TrustPolicy:
    """Gather trust from the home, its config file, the environment and flags."""
    config = _config(home)
    policy = TrustPolicy(allow_remote=allow_remote)
    own = load_anchors(home)
    if own:
        policy.anchors.append(AnchorSource(str(home.trust_anchors), own))
    official = home.official_trust_dir / OFFICIAL_LIST
    if official.exists():
        policy.official_pem = official.read_text(encoding="utf-8", errors="replace")
    if use_official and config.get("use_official", True):
        policy.official = "active" if policy.official_pem else "missing"
        for name, target in ((OFFICIAL_LIST, policy.anchors), (OFFICIAL_TSA_LIST, policy.tsa_anchors)):
            path = home.official_trust_dir / name
            if path.exists():
                target.append(AnchorSource(str(path), path.read_text(encoding="utf-8", errors="replace")))
    else:
        policy.official = "disabled" if policy.official_pem else "missing"
    env_anchors = [Path(p) for p in os.environ.get(ENV_ANCHORS, "").split(os.pathsep) if p]
    for path in [*_config_paths(config.get("anchors"), "anchors", home), *env_anchors, *anchors]:
        policy.anchors.append(AnchorSource(str(path), _pem_bundle(path, "trust anchors")))
    for path in _config_paths(config.get("tsa_anchors"), "tsa_anchors", home):
        policy.tsa_anchors.append(AnchorSource(str(path), _pem_bundle(path, "TSA trust anchors")))
    allowed = allowed_list or _env_path(ENV_ALLOWED) or _first(config.get("allowed_list"), "allowed_list", home)
    if allowed is not None:
        policy.allowed_list = _pem_bundle(allowed, "allowed list")
    cfg = trust_config or _env_path(ENV_CONFIG) or _first(config.get("trust_config"), "trust_config", home)
    if cfg is not None:
        policy.trust_config = _read_pem(cfg, "trust config")
    return policy


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _first(value: object, key: str, home: Home) -> Path | None:
    paths = _config_paths(value, key, home)
    return paths[0] if paths else None


def fetch_list(url: str, *, timeout: float = 30.0) -> str:
    """Download a PEM trust list (http, https or file URL) and check it parses."""
    if not url.startswith(("https://", "http://", "file://")):
        raise UsageError(f"{url}: only https, http and file URLs are supported")
    import urllib.error  # only here: urllib.request's import (http, email, ssl) is most of reading's own
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data: bytes = response.read(MAX_LIST_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ProvenanceError(f"cannot download {url} ({reason})", hint="Check the network or the URL.") from None
    if len(data) > MAX_LIST_BYTES:
        raise ProvenanceError(f"{url}: trust list larger than {MAX_LIST_BYTES} bytes, refused")
    text = data.decode("utf-8", errors="replace")
    if not certificates(text):
        raise ProvenanceError(f"{url}: not a PEM list of certificates")
    return text


def update_official(home: Home, *, base_url: str = OFFICIAL_BASE) -> list[AnchorSource]:
    """Fetch the official C2PA trust list and TSA list into the home for offline use.

    Both are downloaded and checked before either is written, so a failure
    leaves the previous copies in place.
    """
    base = base_url if base_url.endswith("/") else base_url + "/"
    fetched = [(name, fetch_list(base + name)) for name in (OFFICIAL_LIST, OFFICIAL_TSA_LIST)]
    home.official_trust_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    sources = []
    for name, text in fetched:
        path = home.official_trust_dir / name
        write_atomic(path, text.encode("utf-8"))
        sources.append(AnchorSource(str(path), text))
    return sources
