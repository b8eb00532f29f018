"""Signing identities: make a development one, or load one from PEM files.

c2pa-rs only signs with an end-entity certificate issued by a CA (not
self-signed) that carries digitalSignature, an emailProtection EKU and both
key identifiers (../shared/notes/environment.md), so the development identity
is a small root CA plus such a leaf. Private keys are written 0600 in a 0700
folder and never printed.
"""

from __future__ import annotations

import datetime as dt
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
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


SignCallback = Callable[[bytes], bytes]
RSA_ALGS = ("ps256", "ps384", "ps512")
ALGS = ("es256", "es384", "es512", *RSA_ALGS, "ed25519")


@dataclass(frozen=True)
class Identity:
    """What c2pa needs to sign: the chain (leaf first), and either the private key
    or a callback that signs (a KMS, an HSM, an external command)."""

    cert_chain_pem: bytes
    key_pem: bytes | None
    alg: str
    subject: str
    callback: SignCallback | None = None


def organisation_of(identity: Identity) -> str | None:
    """The signing certificate's organisation (subject O=), the newsroom a stamp speaks for."""
    return _organisation(identity.cert_chain_pem)


def _organisation(chain_pem: bytes) -> str | None:
    """The organisation (subject O=) of the first certificate of a PEM chain, or None."""
    try:
        leaf = x509.load_pem_x509_certificates(chain_pem)[0]
    except (ValueError, IndexError):
        return None
    names = leaf.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    return str(names[0].value) if names else None


class PassphraseRequired(KeyMaterialError):
    """The private key is encrypted and no passphrase was given."""


def _name(common_name: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        ]
    )


def _key_pem(key: ec.EllipticCurvePrivateKey, passphrase: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _signer(
    org: str, root: x509.Certificate, root_key: ec.EllipticCurvePrivateKey
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A new signing certificate and key, issued by ``root``."""
    now = dt.datetime.now(dt.UTC)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{org} Signer", org))
        .issuer_name(root.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**{**_NO_USAGE, "digital_signature": True}), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return leaf, leaf_key


def _root(org: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
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
    return root, root_key


def make_development_identity(org: str, passphrase: bytes | None = None) -> tuple[bytes, bytes, bytes, bytes]:
    """(root_cert, root_key, signer_cert, signer_key) PEMs, ES256, for ``org``;
    the keys encrypted with ``passphrase`` if given."""
    root, root_key = _root(org)
    leaf, leaf_key = _signer(org, root, root_key)
    pem = serialization.Encoding.PEM
    return (
        root.public_bytes(pem),
        _key_pem(root_key, passphrase),
        leaf.public_bytes(pem),
        _key_pem(leaf_key, passphrase),
    )


def init_identity(home: Home, *, org: str, force: bool = False, passphrase: bytes | None = None) -> Identity:
    """Create the home's development identity and trust its root there."""
    keys = home.keys_dir
    if (keys / SIGNER_KEY).exists() and not force:
        raise OutputExistsError(f"{keys}: a signing identity already exists", hint="Pass --force to replace it.")
    home.ensure()
    keys.mkdir(mode=0o700, exist_ok=True)
    keys.chmod(0o700)
    root_pem, root_key, leaf_pem, leaf_key = make_development_identity(org, passphrase)
    write_atomic(keys / ROOT_KEY, root_key, mode=0o600)
    write_atomic(keys / SIGNER_KEY, leaf_key, mode=0o600)
    write_atomic(keys / ROOT_CERT, root_pem)
    write_atomic(keys / SIGNER_CERT, leaf_pem)
    add_anchor(home, root_pem)
    return load_identity(keys / SIGNER_CERT, keys / SIGNER_KEY, passphrase=passphrase)


def rotate_identity(home: Home, *, passphrase: bytes | None = None, new_root: bool = False) -> tuple[Identity, Path]:
    """A new signing key and certificate; the old ones move to ``keys/retired/<time>/``.

    By default the new certificate is issued by the same root, which stays a trust
    anchor, so everything stamped before still verifies as trusted. With
    ``new_root`` the root is replaced too, and the old root stays in the trust
    anchors for the same reason. Returns the new identity and the retired folder.
    """
    keys = home.keys_dir
    if not (keys / SIGNER_KEY).exists():
        raise KeyMaterialError(f"no signing identity in {home.root} to rotate", hint="Run 'provenance keys init'.")
    encrypted = b"ENCRYPTED" in _read(keys / SIGNER_KEY, "private key")
    if encrypted and passphrase is None:
        raise PassphraseRequired(
            f"{keys / SIGNER_KEY}: private key is encrypted",
            hint="Set PROVENANCE_KEY_PASSPHRASE or run interactively to be asked.",
        )
    passphrase = passphrase if encrypted else None  # new keys are protected as the old ones were
    _load_key(keys / SIGNER_KEY, passphrase)  # a wrong passphrase stops here, before anything moves
    old_root = x509.load_pem_x509_certificate(_read(keys / ROOT_CERT, "root certificate"))
    org_names = old_root.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    org = str(org_names[0].value) if org_names else "Provenance"
    if new_root:
        root, root_key = _root(org)
    else:
        root = old_root
        loaded = _load_key(keys / ROOT_KEY, passphrase)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise KeyMaterialError(f"{keys / ROOT_KEY}: not the EC root key made by keys init")
        root_key = loaded
    leaf, leaf_key = _signer(org, root, root_key)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    retired = keys / "retired" / stamp
    retired.mkdir(parents=True, mode=0o700)
    (keys / "retired").chmod(0o700)
    names = (SIGNER_CERT, SIGNER_KEY) + ((ROOT_CERT, ROOT_KEY) if new_root else ())
    for name in names:
        (keys / name).replace(retired / name)
    pem = serialization.Encoding.PEM
    write_atomic(keys / SIGNER_KEY, _key_pem(leaf_key, passphrase), mode=0o600)
    write_atomic(keys / SIGNER_CERT, leaf.public_bytes(pem))
    if new_root:
        write_atomic(keys / ROOT_KEY, _key_pem(root_key, passphrase), mode=0o600)
        write_atomic(keys / ROOT_CERT, root.public_bytes(pem))
        add_anchor(home, root.public_bytes(pem))
    return load_identity(keys / SIGNER_CERT, keys / SIGNER_KEY, passphrase=passphrase), retired


def _load_key(path: Path, passphrase: bytes | None) -> PrivateKeyTypes:
    """A PEM private key, decrypted in memory; a passphrase given for a key that is
    not encrypted is ignored (one environment variable may serve several homes)."""
    data = _read(path, "private key")
    try:
        return serialization.load_pem_private_key(data, password=passphrase)
    except TypeError:
        if passphrase is not None:
            return _load_key(path, None)
        raise PassphraseRequired(
            f"{path}: private key is encrypted",
            hint="Set PROVENANCE_KEY_PASSPHRASE or run interactively to be asked.",
        ) from None
    except ValueError:
        if passphrase is not None:
            raise KeyMaterialError(f"{path}: wrong passphrase, or not a PEM private key") from None
        raise KeyMaterialError(f"{path}: not a PEM private key") from None


def _alg_for(key: object, requested: str | None) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        alg = "ed25519"
    elif isinstance(key, rsa.RSAPrivateKey):
        alg = requested if requested in RSA_ALGS else "ps256"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name not in algs:
            raise KeyMaterialError(f"unsupported elliptic curve {key.curve.name} for C2PA signing")
        alg = algs[key.curve.name]
    else:
        raise KeyMaterialError(f"unsupported private key type {type(key).__name__} for C2PA signing")
    if requested and requested != alg:
        raise KeyMaterialError(f"--alg {requested} does not fit this key (it signs with {alg})")
    return alg


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise KeyMaterialError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise KeyMaterialError(f"{path}: cannot read {what} ({exc.strerror})") from None


def _chain(cert_path: Path) -> tuple[bytes, list[x509.Certificate]]:
    chain_pem = _read(cert_path, "certificate")
    try:
        return chain_pem, x509.load_pem_x509_certificates(chain_pem)
    except ValueError:
        raise KeyMaterialError(f"{cert_path}: not a PEM certificate chain") from None


def _spki(public: object) -> bytes:
    return public.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_identity(
    cert_path: Path, key_path: Path, *, passphrase: bytes | None = None, alg: str | None = None
) -> Identity:
    """Load and cross-check a certificate chain and its (possibly encrypted) key.

    The decrypted key is kept in memory only, re-serialised as PKCS#8 for c2pa.
    """
    chain_pem, certs = _chain(cert_path)
    key = _load_key(key_path, passphrase)
    if _spki(key.public_key()) != _spki(certs[0].public_key()):
        raise KeyMaterialError(f"{key_path}: private key does not match the certificate {cert_path}")
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Identity(chain_pem, pkcs8, _alg_for(key, alg), certs[0].subject.rfc4514_string())


def callback_identity(cert_path: Path, alg: str, callback: SignCallback) -> Identity:
    """An identity whose signatures come from ``callback`` (KMS, HSM, ...).

    The callback gets the bytes to sign and returns the signature: DER or raw
    r||s for ECDSA, PKCS#1 PSS for RSA, raw for Ed25519.
    """
    if alg not in ALGS:
        raise KeyMaterialError(f"unknown signing algorithm {alg!r}; use one of {', '.join(ALGS)}")
    chain_pem, certs = _chain(cert_path)
    return Identity(chain_pem, None, alg, certs[0].subject.rfc4514_string(), callback)


def command_signer(command: str, *, timeout: float = 60.0) -> SignCallback:
    """A callback that pipes the bytes to sign into ``command`` and reads the
    signature from its standard output (for HSM and KMS command-line tools)."""
    argv = shlex.split(command)
    if not argv:
        raise KeyMaterialError("--sign-command is empty")

    def sign(data: bytes) -> bytes:
        try:
            proc = subprocess.run(argv, input=data, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise KeyMaterialError(f"signing command failed to run ({exc})") from None
        if proc.returncode != 0 or not proc.stdout:
            detail = proc.stderr.decode(errors="replace").strip().splitlines()
            raise KeyMaterialError(f"signing command exited {proc.returncode}" + (f": {detail[-1]}" if detail else ""))
        return proc.stdout

    return sign


def home_organisation(home: Home) -> str | None:
    """The organisation (subject O=) of the certificate ``keys init`` made in this home, read
    without the key (no passphrase asked): whose registered originals are this home's own."""
    try:
        chain = (home.keys_dir / SIGNER_CERT).read_bytes()
    except OSError:
        return None
    return _organisation(chain)


def home_identity(home: Home, passphrase: bytes | None = None) -> Identity:
    """The identity made by ``keys init`` in this home, or a clear error."""
    cert, key = home.keys_dir / SIGNER_CERT, home.keys_dir / SIGNER_KEY
    if not key.exists():
        raise KeyMaterialError(
            f"no signing identity in {home.root}",
            hint="Run 'provenance keys init' or pass --cert and --key.",
        )
    return load_identity(cert, key, passphrase=passphrase)


def resolve_identity(
    home: Home,
    cert: Path | None,
    key: Path | None,
    *,
    passphrase: bytes | None = None,
    alg: str | None = None,
    sign_command: str | None = None,
) -> Identity:
    """--cert with --key or --sign-command if given, else the home's identity."""
    if sign_command is not None:
        if cert is None or key is not None:
            raise KeyMaterialError("--sign-command needs --cert (the chain) and no --key")
        return callback_identity(cert, alg or "es256", command_signer(sign_command))
    if (cert is None) != (key is None):
        raise KeyMaterialError("--cert and --key must be given together")
    if cert is not None and key is not None:
        return load_identity(cert, key, passphrase=passphrase, alg=alg)
    return home_identity(home, passphrase)
