from __future__ import annotations

import stat
from pathlib import Path

import pytest
from PIL import Image

from provenance.config import Home
from provenance.credentials import _c2pa, init_identity, load_identity, read_credentials
from provenance.credentials.claims import StampClaims, manifest_definition
from provenance.credentials.keys import SIGNER_CERT, SIGNER_KEY, make_development_identity
from provenance.errors import KeyMaterialError, OutputExistsError
from provenance.fingerprint import PHASH, Fingerprint
from provenance.imaging import encode_image
from tests.conftest import SAMPLES, require_fixtures


def _signed_jpeg(identity_cert: Path, identity_key: Path) -> bytes:
    claims = StampClaims(
        title="t.jpg",
        author="carol",
        model="model-x",
        record_id="0000000abc",
        fingerprints=[Fingerprint(PHASH, "0" * 16)],
    )
    asset = encode_image(Image.open(SAMPLES / "chelsea.png").convert("RGB"), "JPEG")
    signed, _ = _c2pa.sign(
        manifest_definition(claims), load_identity(identity_cert, identity_key), "image/jpeg", asset, None
    )
    return signed


def test_keys_init_writes_owner_only_keys_and_trusts_root(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    init_identity(home, org="Daily Planet")
    for name in (SIGNER_KEY, "root.key"):
        mode = stat.S_IMODE((home.keys_dir / name).stat().st_mode)
        assert mode == 0o600, oct(mode)
    assert stat.S_IMODE(home.keys_dir.stat().st_mode) == 0o700
    assert "BEGIN CERTIFICATE" in home.trust_anchors.read_text()
    with pytest.raises(OutputExistsError, match="already exists"):
        init_identity(home, org="Daily Planet")
    before = (home.keys_dir / SIGNER_KEY).read_bytes()
    init_identity(home, org="Daily Planet", force=True)
    assert (home.keys_dir / SIGNER_KEY).read_bytes() != before
    assert home.trust_anchors.read_text().count("BEGIN CERTIFICATE") == 2


def test_signed_here_is_trusted_here_and_untrusted_elsewhere(keyed_home: Path, tmp_path: Path) -> None:
    home = Home(keyed_home)
    signed = _signed_jpeg(home.keys_dir / SIGNER_CERT, home.keys_dir / SIGNER_KEY)
    anchors = home.trust_anchors.read_text()
    here = read_credentials("image/jpeg", signed, anchors=anchors)
    assert (here.state, here.trust) == ("trusted", "trusted")
    assert here.author == "carol"
    assert here.model == "model-x"
    assert here.record_id == "0000000abc"
    assert here.signer == "Test Newsroom Signer"
    elsewhere = read_credentials("image/jpeg", signed, anchors=None)
    assert (elsewhere.state, elsewhere.trust) == ("valid", "untrusted")


def test_reference_test_certificates_sign_and_chain_to_reference_anchors() -> None:
    certs = require_fixtures("c2pa", "c2pa-rs", "certs")
    anchors = require_fixtures("c2pa", "c2pa-rs", "trust", "certs__trust__test_cert_root_bundle.pem")
    signed = _signed_jpeg(certs / "es256.pub", certs / "es256.pem")
    trusted = read_credentials("image/jpeg", signed, anchors=anchors.read_text())
    assert trusted.state == "trusted"
    assert read_credentials("image/jpeg", signed, anchors=None).state == "valid"


def test_mismatched_or_missing_key_material_is_a_clear_error(tmp_path: Path) -> None:
    _, _, cert, _ = make_development_identity("A")
    _, _, _, other_key = make_development_identity("B")
    (tmp_path / "c.pem").write_bytes(cert)
    (tmp_path / "k.pem").write_bytes(other_key)
    with pytest.raises(KeyMaterialError, match="does not match"):
        load_identity(tmp_path / "c.pem", tmp_path / "k.pem")
    with pytest.raises(KeyMaterialError, match="not found"):
        load_identity(tmp_path / "missing.pem", tmp_path / "k.pem")
    (tmp_path / "junk.pem").write_text("junk")
    with pytest.raises(KeyMaterialError, match="not a PEM"):
        load_identity(tmp_path / "junk.pem", tmp_path / "k.pem")


def test_files_without_manifest_are_absent_and_reference_files_read() -> None:
    assert (
        read_credentials("image/png", (SAMPLES / "chelsea.png").read_bytes(), anchors=None).state == "absent"
    )
    ca = require_fixtures("c2pa", "c2pa-rs", "CA.jpg")
    report = read_credentials("image/jpeg", ca.read_bytes(), anchors=None)
    assert report.state == "valid"
    assert report.trust == "untrusted"
    assert report.ingredients
