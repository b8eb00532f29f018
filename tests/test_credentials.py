from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image, PngImagePlugin

from provenance import verdicts
from provenance.config import Home
from provenance.credentials import _c2pa, callback_identity, init_identity, load_identity, read_credentials
from provenance.credentials.claims import StampClaims, manifest_definition
from provenance.credentials.keys import (
    SIGNER_CERT,
    SIGNER_KEY,
    Identity,
    PassphraseRequired,
    make_development_identity,
)
from provenance.credentials.trust import TrustPolicy, build_policy
from provenance.errors import CredentialError, KeyMaterialError, OutputExistsError
from provenance.fingerprint import PHASH, Fingerprint
from provenance.imaging import encode_image
from provenance.report import VerifyReport
from provenance.verify import VerifyOptions, verify_path
from tests.conftest import SAMPLES, require_fixtures, run_cli

NO_TRUST = TrustPolicy()


def _signed_jpeg(identity: Identity, options: _c2pa.SignOptions | None = None) -> bytes:
    claims = StampClaims(
        title="t.jpg",
        author="carol",
        model="model-x",
        record_id="0000000abc",
        fingerprints=[Fingerprint(PHASH, "0" * 16)],
    )
    asset = encode_image(Image.open(SAMPLES / "chelsea.png").convert("RGB"), "JPEG")
    signed, _ = _c2pa.sign(manifest_definition(claims), identity, "image/jpeg", asset, options=options)
    return signed


def _reference_policy() -> TrustPolicy:
    anchors = require_fixtures("c2pa", "c2pa-rs", "trust", "certs__trust__test_cert_root_bundle.pem")
    return build_policy(Home(Path("/nonexistent-home")), anchors=(anchors,))


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


def test_signed_here_is_trusted_here_and_untrusted_elsewhere(keyed_home: Path) -> None:
    home = Home(keyed_home)
    signed = _signed_jpeg(load_identity(home.keys_dir / SIGNER_CERT, home.keys_dir / SIGNER_KEY))
    here = read_credentials("image/jpeg", signed, policy=build_policy(home))
    assert (here.state, here.trust) == ("trusted", "trusted")
    assert here.author == "carol"
    assert here.model == "model-x"
    assert here.record_id == "0000000abc"
    assert here.signer == "Test Newsroom Signer"
    assert here.issuer_chain == ["CN=Test Newsroom Root CA, O=Test Newsroom (trust anchor)"]
    elsewhere = read_credentials("image/jpeg", signed, policy=NO_TRUST)
    assert (elsewhere.state, elsewhere.trust) == ("valid", "untrusted")


@pytest.mark.parametrize("alg", ["es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519"])
def test_every_reference_algorithm_signs_and_chains_to_reference_anchors(alg: str) -> None:
    certs = require_fixtures("c2pa", "c2pa-rs", "certs")
    identity = load_identity(certs / f"{alg}.pub", certs / f"{alg}.pem", alg=alg if alg.startswith("ps") else None)
    assert identity.alg == alg
    signed = _signed_jpeg(identity)
    assert read_credentials("image/jpeg", signed, policy=_reference_policy()).state == "trusted"
    untrusted = read_credentials("image/jpeg", signed, policy=NO_TRUST)
    assert (untrusted.state, untrusted.trust) == ("valid", "untrusted")


def test_encrypted_key_needs_and_uses_its_passphrase(tmp_path: Path) -> None:
    _, _, cert, key = make_development_identity("Locked")
    private = serialization.load_pem_private_key(key, password=None)
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"correct horse"),
    )
    (tmp_path / "c.pem").write_bytes(cert)
    (tmp_path / "k.pem").write_bytes(encrypted)
    with pytest.raises(PassphraseRequired, match="encrypted"):
        load_identity(tmp_path / "c.pem", tmp_path / "k.pem")
    with pytest.raises(KeyMaterialError, match="wrong passphrase"):
        load_identity(tmp_path / "c.pem", tmp_path / "k.pem", passphrase=b"wrong")
    identity = load_identity(tmp_path / "c.pem", tmp_path / "k.pem", passphrase=b"correct horse")
    assert read_credentials("image/jpeg", _signed_jpeg(identity), policy=NO_TRUST).state == "valid"


def test_callback_signer_produces_a_manifest_that_verifies(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    init_identity(home, org="KMS Newsroom")
    key = serialization.load_pem_private_key((home.keys_dir / SIGNER_KEY).read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    calls: list[int] = []

    def kms_sign(data: bytes) -> bytes:
        calls.append(len(data))
        return key.sign(data, ec.ECDSA(hashes.SHA256()))

    identity = callback_identity(home.keys_dir / SIGNER_CERT, "es256", kms_sign)
    report = read_credentials("image/jpeg", _signed_jpeg(identity), policy=build_policy(home))
    assert report.state == "trusted"
    assert calls, "the callback was never asked to sign"


def test_unreachable_time_stamp_authority_is_a_clear_error(keyed_home: Path) -> None:
    home = Home(keyed_home)
    identity = load_identity(home.keys_dir / SIGNER_CERT, home.keys_dir / SIGNER_KEY)
    with pytest.raises(CredentialError, match="could not sign"):
        _signed_jpeg(identity, _c2pa.SignOptions(tsa_url="http://127.0.0.1:9/tsa"))


def test_mismatched_or_missing_key_material_is_a_clear_error(tmp_path: Path) -> None:
    _, _, cert, own_key = make_development_identity("A")
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
    (tmp_path / "own.pem").write_bytes(own_key)
    with pytest.raises(KeyMaterialError, match="does not fit this key"):
        load_identity(tmp_path / "c.pem", tmp_path / "own.pem", alg="ps256")


def test_thumbnails_can_be_left_out(keyed_home: Path) -> None:
    home = Home(keyed_home)
    identity = load_identity(home.keys_dir / SIGNER_CERT, home.keys_dir / SIGNER_KEY)
    with_thumb = _signed_jpeg(identity)
    without = _signed_jpeg(identity, _c2pa.SignOptions(thumbnails=False))
    assert len(without) < len(with_thumb)
    assert read_credentials("image/jpeg", without, policy=build_policy(home)).state == "trusted"


def test_cawg_assertions_are_reported() -> None:
    path = require_fixtures("c2pa", "c2pa-rs", "C_with_CAWG_data.jpg")
    report = read_credentials("image/jpeg", path.read_bytes(), policy=NO_TRUST)
    assert report.cawg is not None
    assert report.cawg.training_mining == {
        "cawg.ai_inference": "notAllowed",
        "cawg.ai_generative_training": "notAllowed",
    }
    assert report.cawg.identities[0].sig_type == "cawg.x509.cose"
    assert report.cawg.identities[0].signer == "C2PA Signer"


def test_files_without_manifest_are_absent_and_reference_files_read() -> None:
    assert read_credentials("image/png", (SAMPLES / "chelsea.png").read_bytes(), policy=NO_TRUST).state == "absent"
    ca = require_fixtures("c2pa", "c2pa-rs", "CA.jpg")
    report = read_credentials("image/jpeg", ca.read_bytes(), policy=NO_TRUST)
    assert report.state == "valid"
    assert report.trust == "untrusted"
    assert report.certificate is not None
    assert report.certificate.subject is not None
    assert "C2PA Signer" in report.certificate.subject
    assert report.ingredients


def test_the_model_an_ai_action_names_is_reported_when_the_first_action_names_none() -> None:
    """ocsp.jpg: opened (no agent), then edited by Adobe Firefly declaring AI content: it read
    "model not stated" although the manifest states it."""
    path = require_fixtures("c2pa", "c2pa-rs", "ocsp.jpg")
    report = read_credentials("image/jpeg", path.read_bytes(), policy=NO_TRUST)
    assert report.model == "Adobe Firefly"
    captured = require_fixtures("c2pa", "c2pa-rs", "CA.jpg")  # no AI action: no model invented
    assert read_credentials("image/jpeg", captured.read_bytes(), policy=NO_TRUST).model is None


# Issue 19: each failure says what it means for this file, by status code.


def _verify(name: str, policy: TrustPolicy, tmp_path: Path) -> VerifyReport:
    path = require_fixtures("c2pa", *name.split("/"))
    return verify_path(path, home=Home(tmp_path / "home"), options=VerifyOptions(policy=policy, pixels="never"))


def test_trusted_claim_signer_and_untrusted_cawg_identity_are_reported_apart(tmp_path: Path) -> None:
    report = _verify("c2pa-rs/C_with_CAWG_data.jpg", _reference_policy(), tmp_path)
    cred = report.credentials
    assert (cred.state, cred.trust) == ("trusted", "trusted")
    assert cred.cawg is not None
    assert [i.trust for i in cred.cawg.identities] == ["untrusted"]
    # trusted here by choice, and still said to be C2PA's test certificate
    assert f"signed by C2PA Signer (a trusted signer; but {verdicts.TEST_SIGNER})" in report.summary
    assert "identity asserted by C2PA Signer (CAWG; a signer this home does not trust)" in report.summary
    assert cred.error is None  # an identity's trust is no problem of the manifest
    assert report.exit_code == 3  # a test certificate establishes nothing, trusted or not (anyone can sign with it)
    plain = _verify("c2pa-rs/C_with_CAWG_data.jpg", NO_TRUST, tmp_path)
    assert (plain.credentials.state, plain.credentials.trust) == ("valid", "untrusted")


def test_only_an_ingredient_failing_is_not_a_changed_file(tmp_path: Path) -> None:
    # c2pa says Invalid: the active claim validates, the ingredient's signature does not.
    report = _verify("c2pa-python/CIE-sig-CA.jpg", _reference_policy(), tmp_path)
    assert report.credentials.state == "ingredient-invalid"
    assert report.exit_code == 3  # not 1 (broken): its signer is a test certificate, which establishes nothing
    assert "ingredient E-sig-CA.jpg carries credentials that fail (claimSignature.mismatch)" in report.summary
    assert "this file's own credentials are intact" in report.summary
    assert "broken" not in report.summary.lower()
    signal = report.ai.signals[0].evidence
    assert "does not match" not in signal


def test_a_changed_assertion_of_the_active_manifest_stays_broken(tmp_path: Path) -> None:
    report = _verify("c2pa-rs/adobe-20220124-E-clm-CAICAI.jpg", _reference_policy(), tmp_path)
    assert report.credentials.state == "invalid"
    assert report.exit_code == 1


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("c2pa-rs/prerelease.jpg", "com.adobe.prerelease", "pre-1.0 (prerelease)"),
        ("c2pa-rs/no_alg.jpg", "algorithm.unsupported", "algorithm is missing or unknown"),
    ],
)
def test_a_manifest_that_cannot_be_checked_is_neither_intact_nor_broken(
    name: str, code: str, words: str, tmp_path: Path
) -> None:
    report = _verify(name, NO_TRUST, tmp_path)
    assert report.credentials.state == "unsupported"
    assert [c.code for c in report.credentials.status_codes] == [code]
    assert report.exit_code == 3
    assert report.summary.startswith("Credentials present, cannot be checked")
    assert words in report.summary
    assert "Neither intact nor broken" in report.summary
    assert "Provenance broken" not in report.summary


def test_a_stamped_jpeg_cut_short_is_truncated_not_just_a_hash_mismatch(keyed_home: Path, tmp_path: Path) -> None:
    identity = load_identity(keyed_home / "keys" / SIGNER_CERT, keyed_home / "keys" / SIGNER_KEY)
    signed = _signed_jpeg(identity)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(signed[: len(signed) * 3 // 4])
    report = verify_path(cut, home=Home(keyed_home))
    cred = report.credentials
    assert cred.state == "truncated"
    assert cred.truncation is not None
    assert "compressed picture data" in cred.truncation
    assert report.exit_code == 4  # damaged, not shown to be tampered with: input unreadable
    assert "the file ends early" in report.summary
    assert "interrupted download" in report.summary
    whole = tmp_path / "whole.jpg"
    whole.write_bytes(signed)
    assert verify_path(whole, home=Home(keyed_home)).credentials.state == "trusted"


def test_a_signed_download_cut_at_half_is_incomplete_not_broken(tmp_path: Path) -> None:
    """A walkthrough: the reference's C.jpg cut at half its bytes (its manifest still whole) was
    headlined "Provenance broken" (exit 1): a damaged file is not evidence of tampering. It is an
    incomplete input (exit 4), and the report says what could still be read."""
    whole = require_fixtures("c2pa", "c2pa-rs", "C.jpg").read_bytes()
    cut = tmp_path / "C-download.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    report = verify_path(cut, home=Home(tmp_path / "home"), options=VerifyOptions(policy=_reference_policy()))
    assert report.credentials.state == "truncated"
    assert report.exit_code == 4
    incomplete = verdicts.word("credentials", "truncated")
    assert report.summary.startswith(f"{incomplete.label}: the file ends early")
    assert "broken" not in (report.summary + incomplete.label).lower()
    assert "not evidence of tampering" in report.summary
    assert f"Content Credentials signed by {report.credentials.signer} (a trusted signer; but" in report.summary
    assert "cannot be matched to what is here" in report.summary
    # the status lines do not contradict that (a walkthrough: "the file's bytes changed after signing")
    from cli.render import render

    shown = render(report)
    assert "changed after signing" not in shown
    assert "assertion.dataHash.mismatch: the file ends early, so its hash cannot match (not evidence" in shown
    assert "incomplete" in verdicts.exit_word(4).meaning
    assert "incomplete" not in verdicts.exit_word(1).meaning


def test_a_file_cut_inside_its_manifest_says_incomplete(keyed_home: Path, tmp_path: Path) -> None:
    identity = load_identity(keyed_home / "keys" / SIGNER_CERT, keyed_home / "keys" / SIGNER_KEY)
    signed = _signed_jpeg(identity)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(signed[: signed.find(b"\xff\xeb") + 2000])  # inside the JUMBF (APP11) segment
    report = verify_path(cut, home=Home(keyed_home))
    assert report.exit_code == 4
    assert report.error is not None
    assert "incomplete" in report.error


def test_failures_are_said_in_plain_words_with_their_code() -> None:
    from provenance.credentials.codes import plain_failure
    from provenance.report import StatusCode

    def said(code: str) -> str:
        return plain_failure(StatusCode(code, "c2pa's own text", "failure"))

    assert said("claimSignature.mismatch").startswith("the signature does not match the claim it signs")
    assert said("claimSignature.mismatch").endswith("(claimSignature.mismatch)")
    assert said("timeStamp.malformed") == "the signature's timestamp is not sound (timeStamp.malformed)"  # by part
    assert said("something.new") == "something.new: c2pa's own text"  # unknown: as c2pa says it


def test_a_png_cut_short_shows_what_its_manifest_and_metadata_still_say(keyed_home: Path, tmp_path: Path) -> None:
    """A walkthrough: a stamped PNG cut inside its picture data printed one error line (its intact
    manifest, declaring AI, unread), and a ComfyUI PNG cut so lost its "AI-generated" finding, while
    a JPEG cut short showed what it still said. Both say so now; exit 4 (unreadable) all the same."""
    stamped = tmp_path / "stamped.png"
    assert run_cli("stamp", SAMPLES / "coffee.png", "-o", stamped, "--user", "a", home=keyed_home).code == 0
    data = stamped.read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) * 6 // 10])
    report = verify_path(cut, home=Home(keyed_home))
    assert report.credentials.state == "truncated", report.credentials
    assert report.exit_code == 4
    assert "declaring the picture created by a trained AI model" in report.summary, report.summary
    graph = {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}}}
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", json.dumps(graph))
    comfy = tmp_path / "comfy.png"
    Image.open(SAMPLES / "coffee.png").save(comfy, pnginfo=info)
    whole = comfy.read_bytes()
    comfy.write_bytes(whole[: len(whole) * 6 // 10])
    report = verify_path(comfy, home=Home(tmp_path / "empty"))
    assert report.exit_code == 4
    assert report.ai.verdict == "ai-generated", report.ai
    assert "its metadata says it is AI-generated (ComfyUI)" in report.summary
