"""Where state lives: keys, trust anchors, the registry and cached models.

The home folder is ``$PROVENANCE_HOME`` if set, else the platform's user data
folder. Everything that persists goes through a :class:`Home`, so tests and the
demo can point the whole toolkit at a temporary folder with one variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_HOME = "PROVENANCE_HOME"
ENV_REGISTRY = "PROVENANCE_REGISTRY"


@dataclass(frozen=True)
class Home:
    """The state folder and the fixed layout inside it."""

    root: Path
    registry_url: str | None = None  # a postgresql:// URL or a SQLite path; default: inside root

    @classmethod
    def default(cls) -> Home:
        env = os.environ.get(ENV_HOME)
        root = Path(env) if env else Path(platformdirs.user_data_dir("provenance", appauthor=False))
        return cls(root.expanduser().resolve(), os.environ.get(ENV_REGISTRY) or None)

    @property
    def registry(self) -> str | Path:
        """Where the registry is: ``--registry``/``$PROVENANCE_REGISTRY``, else the home's file."""
        if self.registry_url:
            url = self.registry_url
            return url if url.startswith(("postgresql://", "postgres://")) else Path(url).expanduser()
        return self.registry_path

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def trust_dir(self) -> Path:
        return self.root / "trust"

    @property
    def trust_anchors(self) -> Path:
        return self.trust_dir / "anchors.pem"

    @property
    def official_trust_dir(self) -> Path:
        return self.trust_dir / "official"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def registry_path(self) -> Path:
        return self.root / "registry.sqlite3"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    def ensure(self) -> Home:
        """Create the folder (owner-only: it holds private keys) if missing."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self
