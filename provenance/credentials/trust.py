"""Trust anchors: the roots whose signatures this home treats as trusted.

Integrity (is the manifest intact?) and trust (do we know the signer?) are
separate questions; c2pa answers the second only against the anchors given
here, so an unknown signer reads as valid-but-untrusted, never as invalid.
"""

from __future__ import annotations

from cryptography import x509

from provenance.config import Home
from provenance.imaging import write_atomic


def load_anchors(home: Home) -> str | None:
    """The PEM bundle of this home's trust anchors, or None if it has none."""
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
    if existing:
        for cert in x509.load_pem_x509_certificates(existing.encode()):
            if cert == new:
                return
    joined = existing.rstrip() + ("\n" if existing else "") + cert_pem.decode("ascii")
    write_atomic(home.trust_anchors, joined.encode("ascii"))
