"""Signing identities: make a development one, or load one from PEM files.

c2pa-rs only signs with an end-entity certificate issued by a CA (not
self-signed) that carries digitalSignature, an emailProtection EKU and both
key identifiers (../shared/notes/environment.md), so the development identity
is a small root CA plus such a leaf. Private keys are written 0600 in a 0700
folder and never printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provenance.config import Home
from provenance.credentials.trust import add_anchor
from provenance.errors import KeyMaterialError, OutputExistsError
from provenance.imaging import write_atomic

ROOT_CERT = "root.pem"
ROOT_KEY = "root.key"
SIGNER_CERT = "signer.pem"
SIGNER_KEY = "signer.key"

_NO_USAGE = {
    "digital_signature": False,
    "content_commitment": False,
    "key_encipherment": False,
    "data_encipherment": False,
    "key_agreement": False,
    "key_cert_sign": False,
    "crl_sign": False,
    "encipher_only": False,
    "decipher_only": False,
}


@dataclass(frozen=True)
class Identity:
    """What c2pa needs to sign: the chain (leaf first), the key and its algorithm."""

    cert_chain_pem: bytes
    key_pem: bytes
    alg: str
    subject: str


def _name(common_name: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        ]
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_development_identity(org: str) -> tuple[bytes, bytes, bytes, bytes]:
    """(root_cert, root_key, signer_cert, signer_key) PEMs, ES256, for ``org``."""
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{org} Root CA", org)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(**{**_NO_USAGE, "key_cert_sign": True, "crl_sign": True}), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{org} Signer", org))
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**{**_NO_USAGE, "digital_signature": True}), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return root.public_bytes(pem), _key_pem(root_key), leaf.public_bytes(pem), _key_pem(leaf_key)


def init_identity(home: Home, *, org: str, force: bool = False) -> Identity:
    """Create the home's development identity and trust its root there."""
    keys = home.keys_dir
    if (keys / SIGNER_KEY).exists() and not force:
        raise OutputExistsError(
            f"{keys}: a signing identity already exists", hint="Pass --force to replace it."
        )
    home.ensure()
    keys.mkdir(mode=0o700, exist_ok=True)
    keys.chmod(0o700)
    root_pem, root_key, leaf_pem, leaf_key = make_development_identity(org)
    write_atomic(keys / ROOT_KEY, root_key, mode=0o600)
    write_atomic(keys / SIGNER_KEY, leaf_key, mode=0o600)
    write_atomic(keys / ROOT_CERT, root_pem)
    write_atomic(keys / SIGNER_CERT, leaf_pem)
    add_anchor(home, root_pem)
    return load_identity(keys / SIGNER_CERT, keys / SIGNER_KEY)


def _alg_for(key: object) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name in algs:
            return algs[key.curve.name]
        raise KeyMaterialError(f"unsupported elliptic curve {key.curve.name} for C2PA signing")
    raise KeyMaterialError(f"unsupported private key type {type(key).__name__} for C2PA signing")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise KeyMaterialError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise KeyMaterialError(f"{path}: cannot read {what} ({exc.strerror})") from None


def load_identity(cert_path: Path, key_path: Path) -> Identity:
    """Load and cross-check a certificate chain and its private key."""
    chain_pem = _read(cert_path, "certificate")
    key_pem = _read(key_path, "private key")
    try:
        certs = x509.load_pem_x509_certificates(chain_pem)
    except ValueError:
        raise KeyMaterialError(f"{cert_path}: not a PEM certificate chain") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:
        raise KeyMaterialError(f"{key_path}: private key is encrypted (not supported yet)") from None
    except ValueError:
        raise KeyMaterialError(f"{key_path}: not a PEM private key") from None
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    leaf_public = (
        certs[0]
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    if public != leaf_public:
        raise KeyMaterialError(f"{key_path}: private key does not match the certificate {cert_path}")
    # c2pa wants PKCS#8; re-serialise so PKCS#1 / SEC1 files work too.
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Identity(chain_pem, pkcs8, _alg_for(key), certs[0].subject.rfc4514_string())


def home_identity(home: Home) -> Identity:
    """The identity made by ``keys init`` in this home, or a clear error."""
    cert, key = home.keys_dir / SIGNER_CERT, home.keys_dir / SIGNER_KEY
    if not key.exists():
        raise KeyMaterialError(
            f"no signing identity in {home.root}",
            hint="Run 'provenance keys init' or pass --cert and --key.",
        )
    return load_identity(cert, key)


def resolve_identity(home: Home, cert: Path | None, key: Path | None) -> Identity:
    """--cert/--key if given (both), else the home's identity."""
    if (cert is None) != (key is None):
        raise KeyMaterialError("--cert and --key must be given together")
    if cert is not None and key is not None:
        return load_identity(cert, key)
    return home_identity(home)
