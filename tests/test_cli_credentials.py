"""Issue 3 through the command line: reference certificates, trees, extraction, signing options."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from PIL import Image

from provenance import verdicts
from provenance.credentials import read_credentials
from provenance.credentials.keys import make_development_identity
from provenance.credentials.trust import TrustPolicy
from tests.conftest import FIXTURES, SAMPLES, run_cli

C2PA = FIXTURES / "c2pa"
REF = C2PA / "c2pa-rs"


def _need_fixtures() -> None:
    if not (REF / "certs").exists():
        pytest.skip("../shared/fixtures/c2pa is not present (a standalone clone)")


def _bundle() -> Path:
    return REF / "trust" / "certs__trust__test_cert_root_bundle.pem"


def test_twin_signed_with_reference_certificates(tmp_path: Path) -> None:
    _need_fixtures()
    home = tmp_path / "home"
    out = tmp_path / "ref-twin.jpg"
    made = run_cli(
        "twin", SAMPLES / "chelsea.png", "-o", out, "--steps", "2", "--strength", "0.5", "--user", "alice",
        "--cert", REF / "certs" / "es256.pub", "--key", REF / "certs" / "es256.pem",
        home=home,
    )  # fmt: skip
    assert made.code == 0, made.stderr
    trusted = json.loads(run_cli("verify", "--json", out, "--trust-anchors", _bundle(), home=home).stdout)
    assert (trusted["credentials"]["state"], trusted["credentials"]["trust"]) == ("trusted", "trusted")
    plain = json.loads(run_cli("verify", "--json", out, home=home).stdout)
    assert (plain["credentials"]["state"], plain["credentials"]["trust"]) == ("valid", "untrusted")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "c2pa-rs/CACAE-uri-CA.jpg",
            ["- CAE-uri-CA.jpg (componentOf, image/jpeg, trusted", "  - E-uri-CA.jpg (componentOf, image/jpeg, invalid",
             "    - A.jpg (parentOf, image/jpeg, no manifest)", "assertion.hashedURI.mismatch"],
        ),
        (
            "c2pa-rs/CIE-sig-CA.jpg",
            ["- E-sig-CA.jpg (componentOf, image/jpeg, invalid", "  - A.jpg (parentOf, image/jpeg, no manifest)",
             "! claimSignature.mismatch", "Credentials Signed by a trusted signer",
             "warning: ingredient E-sig-CA.jpg carries credentials that fail (claimSignature.mismatch)"],
        ),
        (
            "c2pa-python/CIE-sig-CA.jpg",
            ["- E-sig-CA.jpg (componentOf, image/jpeg, invalid", "claimSignature.mismatch",
             "  - A.jpg (parentOf, image/jpeg, no manifest)"],
        ),
    ],
)  # fmt: skip
def test_ingredient_tree_printed_to_full_depth_with_states(name: str, expected: list[str], tmp_path: Path) -> None:
    _need_fixtures()
    result = run_cli("verify", C2PA / name, "--trust-anchors", _bundle(), home=tmp_path / "home")
    for line in expected:
        assert line in result.stdout, (line, result.stdout)


def test_extract_writes_thumbnails_that_open_and_the_manifest_json(tmp_path: Path) -> None:
    _need_fixtures()
    target = tmp_path / "extracted"
    result = run_cli("verify", REF / "CACA.jpg", "--extract", target, home=tmp_path / "home")
    assert result.code == 3, result.stderr  # intact, but its test signer is not trusted here: nothing established
    images = sorted(p for p in target.iterdir() if p.suffix in {".jpg", ".png"})
    assert len(images) >= 2
    for path in images:
        with Image.open(path) as img:
            img.load()
            assert img.width > 0
    store = json.loads((target / "manifest_store.json").read_text())
    assert store["active_manifest"] in store["manifests"]


def test_remote_manifest_is_reported_clearly(tmp_path: Path) -> None:
    _need_fixtures()
    result = run_cli("verify", "--json", REF / "cloud.jpg", home=tmp_path / "home")
    assert result.code == 3
    report = json.loads(result.stdout)
    cred = report["credentials"]
    assert (cred["state"], cred["remote_fetch"]) == ("remote", "off")  # not "absent": a manifest exists, unread
    assert cred["remote_url"].startswith("https://")
    assert "--allow-remote" in report["summary"]
    text = run_cli("verify", REF / "cloud.jpg", home=tmp_path / "home").stdout
    assert "Credentials Remote credentials, not fetched" in text
    assert "((" not in text


def test_a_remote_manifest_is_read_from_the_sidecar_beside_the_file(tmp_path: Path) -> None:
    """How remote manifests travel offline: cloud.jpg names a URL, its store sits beside it as cloud.c2pa."""
    _need_fixtures()
    folder = tmp_path / "delivery"
    folder.mkdir()
    (folder / "cloud.jpg").write_bytes((REF / "cloud.jpg").read_bytes())
    (folder / "cloud.c2pa").write_bytes((REF / "cloud_manifest.c2pa").read_bytes())
    result = run_cli("verify", "--json", "--trust-anchors", _bundle(), folder / "cloud.jpg", home=tmp_path / "home")
    report = json.loads(result.stdout)
    cred = report["credentials"]
    assert cred["manifest_source"] == "sidecar"
    assert cred["state"] == "trusted", cred
    assert (cred["remote_url"], cred["remote_fetch"]) == (
        "https://cai-manifests.adobe.com/manifests/adobe-urn-uuid-5f37e182-3687-462e-a7fb-573462780391",
        "off",
    )
    assert result.code == 3, report["summary"]  # read and intact; signed with a test certificate, which anyone can
    text = run_cli("verify", folder / "cloud.jpg", home=tmp_path / "home").stdout
    assert "manifest read from: a separate manifest file (a sidecar" in text
    assert "manifest stored remotely at https://cai-manifests.adobe.com/" in text
    assert "its copy beside the file was read instead" in text
    assert "not fetched" not in text  # it was read, from beside the file


def test_remote_fetch_that_fails_says_so_not_that_fetching_is_off(tmp_path: Path) -> None:
    _need_fixtures()
    # Its manifest is at http://localhost:5000 (loopback only; nothing listens there).
    result = run_cli("verify", "--json", "--allow-remote", REF / "libpng-test_with_url.png", home=tmp_path / "home")
    assert result.code == 3
    report = json.loads(result.stdout)
    cred = report["credentials"]
    assert (cred["state"], cred["remote_fetch"]) == ("remote", "failed")
    assert cred["remote_url"] == "http://localhost:5000/libpng-test.c2pa"
    assert "fetching them failed" in report["summary"].lower()
    assert "unless --allow-remote" not in report["summary"]
    assert "((" not in report["summary"]
    assert "))" not in report["summary"]


def test_hostile_reference_files_end_in_clear_errors(tmp_path: Path) -> None:
    _need_fixtures()
    poc = run_cli("verify", REF / "tiff_poc.tiff", home=tmp_path / "home", timeout=60)
    assert poc.code == 4
    assert len(poc.stderr.strip().splitlines()) == 1
    no_alg = run_cli("verify", REF / "no_alg.jpg", home=tmp_path / "home", timeout=60)
    assert no_alg.code == 3  # present but cannot be checked: not "changed after signing"
    assert "unknown algorithm" in no_alg.stdout
    assert "Credentials Credentials present, cannot be checked" in no_alg.stdout
    assert "Traceback" not in poc.stderr + no_alg.stderr


def test_encrypted_key_with_passphrase_from_environment(keyed_home: Path, tmp_path: Path) -> None:
    _, _, cert, key = make_development_identity("Locked Desk")
    locked = serialization.load_pem_private_key(key, password=None).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"s3cret")
    )
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(locked)
    args: list[str | Path] = ["stamp", SAMPLES / "coffee.png", "-o", tmp_path / "o.png", "--user", "e",
            "--cert", tmp_path / "cert.pem", "--key", tmp_path / "key.pem"]  # fmt: skip
    refused = run_cli(*args, home=keyed_home)
    assert refused.code == 2
    assert "PROVENANCE_KEY_PASSPHRASE" in refused.stderr
    assert not (tmp_path / "o.png").exists()
    ok = run_cli(*args, home=keyed_home, env={"PROVENANCE_KEY_PASSPHRASE": "s3cret"})
    assert ok.code == 0, ok.stderr
    report = json.loads(run_cli("verify", "--json", tmp_path / "o.png", home=keyed_home).stdout)
    assert report["credentials"]["state"] == "valid"
    assert "Locked Desk" in report["credentials"]["signer"]
    assert "s3cret" not in ok.stdout + ok.stderr


def test_external_sign_command_like_an_hsm(keyed_home: Path, tmp_path: Path) -> None:
    key = keyed_home / "keys" / "signer.key"
    signer = tmp_path / "hsm.py"
    signer.write_text(
        "import sys\n"
        "from cryptography.hazmat.primitives import hashes, serialization\n"
        "from cryptography.hazmat.primitives.asymmetric import ec\n"
        f"key = serialization.load_pem_private_key(open({str(key)!r}, 'rb').read(), None)\n"
        "sys.stdout.buffer.write(key.sign(sys.stdin.buffer.read(), ec.ECDSA(hashes.SHA256())))\n"
    )
    out = tmp_path / "hsm.jpg"
    result = run_cli(
        "stamp", SAMPLES / "coffee.png", "-o", out, "--user", "h",
        "--cert", keyed_home / "keys" / "signer.pem", "--sign-command", f"{sys.executable} {signer}",
        home=keyed_home,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    report = json.loads(run_cli("verify", "--json", out, home=keyed_home).stdout)
    assert report["credentials"]["state"] == "trusted"


def test_sidecar_manifest_is_written_beside_and_found_again(keyed_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "side.png"
    result = run_cli(
        "stamp", SAMPLES / "coffee.png", "-o", out, "--user", "s", "--sidecar", "--no-thumbnail", home=keyed_home
    )
    assert result.code == 0, result.stderr
    sidecar = tmp_path / "side.c2pa"
    assert sidecar.exists()
    embedded = read_credentials("image/png", out.read_bytes(), policy=TrustPolicy())
    assert embedded.state == "absent", "a sidecar stamp must leave the image itself without a manifest"
    found = json.loads(run_cli("verify", "--json", out, home=keyed_home).stdout)
    assert found["credentials"]["state"] == "trusted"
    assert found["credentials"]["manifest_source"] == "sidecar"
    moved = tmp_path / "elsewhere.c2pa"
    sidecar.rename(moved)
    explicit = json.loads(run_cli("verify", "--json", out, "--manifest", moved, home=keyed_home).stdout)
    assert explicit["credentials"]["state"] == "trusted"


def test_trust_update_and_show_through_the_cli(tmp_path: Path) -> None:
    trust = FIXTURES.parent / "trust"
    if not trust.exists():
        pytest.skip("../shared/trust is not present")
    home = tmp_path / "home"
    updated = run_cli("trust", "update", "--url", trust.as_uri(), home=home)
    assert updated.code == 0, updated.stderr
    assert "30 certificates" in updated.stdout
    shown = run_cli("trust", "show", home=home)
    assert "C2PA-TRUST-LIST.pem" in shown.stdout
    assert "C2PA-TSA-TRUST-LIST.pem" in shown.stdout


def test_missing_file_claims_no_verdict_it_never_computed(keyed_home: Path, tmp_path: Path) -> None:
    from provenance.config import Home
    from provenance.registry import Registry

    Registry.open(Home(keyed_home).registry_path).close()  # a registry exists
    result = run_cli("verify", "--json", tmp_path / "gone.jpg", home=keyed_home)
    assert result.code == 4
    report = json.loads(result.stdout)
    assert report["credentials"]["state"] == "unreadable"
    assert report["watermark"]["state"] == "not-checked"
    assert report["ownership"]["verdict"] == "not-checked"
    assert "No registry" not in report["ownership"]["summary"]
    assert report["ai"]["verdict"] == "not-assessed"


def test_declared_trustmark_is_not_none_found_and_untrusted_signer_names_the_official_list(
    keyed_home: Path, tmp_path: Path
) -> None:
    signed = FIXTURES / "watermarked" / "trustmark" / "c2pa_example_wm_signed.jpg"
    trust = FIXTURES.parent / "trust"
    if not signed.exists() or not trust.exists():
        pytest.skip("../shared/fixtures/watermarked or ../shared/trust is not present")
    home = tmp_path / "reader"
    report = json.loads(run_cli("verify", "--json", signed, home=home).stdout)
    mark = report["watermark"]
    assert (mark["found"], mark["state"], mark["declared"]) == (False, "declared", ["com.adobe.trustmark.Q"])
    assert "declares a TrustMark watermark, not checked here" in report["summary"]
    text = run_cli("verify", signed, home=home).stdout
    assert "Watermark   Declared, not checked here" in text
    assert "None this tool reads" not in text
    # signed with C2PA's test key: no list would name it, so that is said, not the official list
    assert report["credentials"]["trust_hint"] == verdicts.TEST_SIGNER
    # A newsroom's own key, read in another home: no official list installed, so whether it names
    # the signer is unknown; say how to get it.
    stamped = tmp_path / "stamped.jpg"
    assert run_cli("stamp", SAMPLES / "rocket.jpg", "-o", stamped, "--user", "a", home=keyed_home).code == 0
    theirs = json.loads(run_cli("verify", "--json", stamped, home=home).stdout)
    assert theirs["credentials"]["test_signer"] is False
    assert "provenance trust update" in str(theirs["credentials"]["trust_hint"])
    assert "`" not in str(theirs["credentials"]["trust_hint"])  # shown as is on the web page: no markdown
    assert "trust update" in theirs["summary"]
    assert run_cli("trust", "update", "--url", trust.as_uri(), home=home).code == 0
    # Installed, and it does not name the signer: fetching again would not help, so no hint.
    listed = json.loads(run_cli("verify", "--json", stamped, home=home).stdout)
    assert listed["credentials"]["trust"] == "untrusted"
    assert listed["credentials"]["trust_hint"] is None
    assert "trust update" not in listed["summary"]


def test_recovered_credentials_say_what_holds_and_call_no_hash_mismatch_a_failure(
    keyed_home: Path, tmp_path: Path
) -> None:
    stamped = tmp_path / "stamped.png"
    made = run_cli("stamp", SAMPLES / "chelsea.png", "-o", stamped, "--user", "alice", home=keyed_home)
    assert made.code == 0, made.stderr
    stripped = tmp_path / "stripped.png"
    Image.open(stamped).convert("RGB").save(stripped)
    result = run_cli("verify", "--json", stripped, home=keyed_home)
    assert result.code == 0
    report = json.loads(result.stdout)
    cred = report["credentials"]
    assert (cred["state"], cred["recovered"], cred["recovered_via"]) == ("recovered", True, "watermark")
    binding = [c for c in cred["recovered_manifest"]["status_codes"] if c["code"] == "assertion.dataHash.mismatch"]
    assert binding
    assert all(c["kind"] == "informational" for c in binding)
    assert all("belong to the original file" in c["explanation"] for c in binding)
    for words in (
        "signature valid",
        "bound to this picture by its watermark",
    ):
        assert words in report["summary"]
    # that its signature is over the signed file, not this copy, is for the status lines (a walkthrough
    # read "its signature covers the original file (expected)" as jargon in the summary)
    assert "covers the" not in report["summary"]
    # the mark is named once (it bound the credentials; the match names its record): a summary, not a page
    assert "carries the provenance-wm-2 watermark" not in report["summary"]
    assert len(report["summary"]) < 400, report["summary"]
    text = run_cli("verify", stripped, home=keyed_home).stdout
    assert "Credentials Credentials recovered from the registry" in text
    assert "failure       assertion.dataHash.mismatch" not in text
    assert "Exit        0 (provenance established)" in text


def test_a_recovered_manifests_hash_mismatch_is_listed_once(keyed_home: Path, tmp_path: Path) -> None:
    """A stamped JPEG re-saved without its manifest: the reader reports two
    assertion.dataHash.mismatch failures (the exclusion range, the asset's hash), both expected
    for recovered credentials; the report listed the same code twice. Now one line, in the
    place of the first, naming both details."""
    stamped, copy = tmp_path / "stamped.jpg", tmp_path / "copy.jpg"
    assert run_cli("stamp", SAMPLES / "rocket.jpg", "-o", stamped, "--user", "Ann", home=keyed_home).code == 0
    with Image.open(stamped) as img:
        img.convert("RGB").save(copy, quality=92)
    text = run_cli("verify", copy, home=keyed_home)
    assert text.code == 0, text.stdout
    assert text.stdout.count("assertion.dataHash.mismatch") == 1, text.stdout
    data = json.loads(run_cli("verify", copy, "--json", home=keyed_home).stdout)
    recovered = data["credentials"]["recovered_manifest"]
    codes = [(c["code"], c["kind"]) for c in recovered["status_codes"]]
    assert codes.count(("assertion.dataHash.mismatch", "informational")) == 1
    line = next(c for c in recovered["status_codes"] if c["code"] == "assertion.dataHash.mismatch")
    assert line["explanation"].startswith("expected for recovered credentials")
    assert line["explanation"].count(";") >= 1  # both of the reader's details kept


def test_a_time_stamp_that_does_not_match_its_signature_dates_nothing(tmp_path: Path) -> None:
    """c2pa-rs/E-sig-CA.jpg's time-stamp token names its authority, but c2pa reads no time from it
    and finds it does not match the signature (timeStamp.mismatch, listed as informational). The
    text said "time-stamped None by ...", then "time-stamped at a time it does not state by ..."."""
    _need_fixtures()
    result = run_cli("verify", C2PA / "c2pa-rs" / "E-sig-CA.jpg", home=tmp_path / "home")
    stamped = [line for line in result.stdout.splitlines() if "time-stamp" in line]
    assert len(stamped) == 1, result.stdout
    assert "None" not in stamped[0], stamped
    assert "time-stamped" not in stamped[0], stamped
    assert stamped[0].strip().startswith("time-stamp by CN=DigiCert Timestamp 2023"), stamped
    assert stamped[0].endswith("dates nothing: the timestamp does not match the signature (timeStamp.mismatch)")
    report = json.loads(run_cli("verify", "--json", C2PA / "c2pa-rs" / "E-sig-CA.jpg", home=tmp_path / "home").stdout)
    assert report["credentials"]["timestamp"]["problem"].endswith("(timeStamp.mismatch)")
    assert "(not on a trusted list)" not in stamped[0]  # a failed token's authority is not weighed
    # a sound token keeps its time, and no problem
    sound = json.loads(run_cli("verify", "--json", C2PA / "c2pa-rs" / "C.jpg", home=tmp_path / "home").stdout)
    assert sound["credentials"]["timestamp"]["problem"] is None
    assert sound["credentials"]["timestamp"]["time"]
    # CIE-sig-CA.jpg's own token passes; its ingredient's (E-sig-CA.jpg's) does not: that is the
    # ingredient's, not this signature's (a walkthrough read "dates nothing" on a trusted time-stamp)
    own = run_cli("verify", C2PA / "c2pa-rs" / "CIE-sig-CA.jpg", home=tmp_path / "home").stdout
    assert "time-stamped 2025-05-30T03:15:13+00:00 by CN=DigiCert Timestamp 2024" in own, own
    assert "dates nothing" not in own


def test_a_test_certificate_is_called_one_and_a_bad_signature_is_not_called_a_change(tmp_path: Path) -> None:
    """The reference files are signed with C2PA's published test keys (OU=FOR TESTING_ONLY). The
    signer line offered to fetch the official trust list, as if it might name them; a walkthrough
    also read E-sig-CA.jpg's bad signature under the label "Broken: changed after signing"."""
    _need_fixtures()
    shown = run_cli("verify", C2PA / "c2pa-rs" / "E-sig-CA.jpg", home=tmp_path / "home")
    assert "Broken: fails validation" in shown.stdout
    assert "changed after signing" not in shown.stdout.split("Summary", 1)[1].split("\n", 2)[1]
    assert "(claimSignature.mismatch)" in shown.stdout.split("\n")[1]  # the summary names the failed check
    assert verdicts.TEST_SIGNER in shown.stdout
    assert "provenance trust update" not in shown.stdout
    # the status lines in plain words where there are some (an untrusted signer is not "unsound"),
    # c2pa's own with -v; c2pa's text is not said again under "problem:"
    plain = "failure       claimSignature.mismatch: the signature does not match the claim it signs"
    assert plain in shown.stdout
    assert "not trusted   signingCredential.untrusted: signing certificate untrusted" in shown.stdout
    assert "informational signingCredential.ocsp.skipped: OCSP fetching skipped" in shown.stdout
    assert "problem:" not in shown.stdout
    verbose = run_cli("verify", "-v", C2PA / "c2pa-rs" / "XCA.jpg", home=tmp_path / "home").stdout
    terse = run_cli("verify", C2PA / "c2pa-rs" / "XCA.jpg", home=tmp_path / "home").stdout
    assert "assertion.dataHash.mismatch: the file's bytes changed after signing, so its hash does not match" in terse
    assert "Hashes do not match" not in terse  # c2pa-rs's own text, Rust internals and all
    assert "Hashes do not match" in verbose
    report = json.loads(run_cli("verify", "--json", C2PA / "c2pa-rs" / "C.jpg", home=tmp_path / "home").stdout)
    assert report["credentials"]["test_signer"] is True
    assert report["credentials"]["trust_hint"] == verdicts.TEST_SIGNER
    assert verdicts.TEST_SIGNER in report["summary"]
    # a home that chose to trust the test root still hears what the certificate is (a walkthrough
    # read only "a trusted signer" in the summary)
    anchors = C2PA / "c2pa-rs" / "trust" / "certs__trust__test_cert_root_bundle.pem"
    trusting = json.loads(
        run_cli("verify", "--json", "--trust-anchors", anchors, C2PA / "c2pa-rs" / "C.jpg", home=tmp_path / "h").stdout
    )
    assert trusting["credentials"]["trust"] == "trusted"
    assert f"a trusted signer; but {verdicts.TEST_SIGNER}" in trusting["summary"]
    # nor does it establish anything, or make a capture: anyone can sign with the key (a walkthrough
    # read "Captured ... Provenance established", exit 0)
    assert trusting["exit_code"] == 3, trusting["summary"]
    captured = json.loads(
        run_cli("verify", "--json", "--trust-anchors", anchors, C2PA / "c2pa-rs" / "C_with_CAWG_data.jpg",
                home=tmp_path / "h").stdout
    )  # fmt: skip
    assert captured["ai"]["verdict"] == "no-evidence", captured["ai"]
    assert any("signed with a test certificate" in s["evidence"] for s in captured["ai"]["signals"])
    # and a publishing policy does not pass it: anyone can sign with the test key (a walkthrough's desk,
    # once it loaded the test roots, would have published anything signed so)
    policy = tmp_path / "policy.toml"
    policy.write_text('name = "p"\nour_owners = ["Us"]\n[[rule]]\nkind = "require-provenance"\n')
    checked = run_cli("check", "--policy", policy, "--trust-anchors", anchors, "--json", C2PA / "c2pa-rs" / "C.jpg",
                      home=tmp_path / "h")  # fmt: skip
    result = json.loads(checked.stdout)
    assert result["status"] == "review", result
    assert verdicts.TEST_SIGNER in result["rules"][0]["reason"]


def test_an_author_named_twice_is_listed_once(tmp_path: Path) -> None:
    """c2pa-rs/ocsp.jpg's CreativeWork names its author twice; the report said "Alex Tran, Alex Tran"."""
    _need_fixtures()
    report = json.loads(run_cli("verify", "--json", C2PA / "c2pa-rs" / "ocsp.jpg", home=tmp_path / "home").stdout)
    assert report["credentials"]["author"] == "Alex Tran"


def test_a_trustmark_picture_without_a_manifest_reads_none_this_tool_reads(tmp_path: Path) -> None:
    """The walkthrough: a TrustMark-marked picture read "Watermark None found", which a reader takes
    for "no watermark". The tool does not read TrustMark from the pixels: it says so."""
    picture = FIXTURES / "watermarked" / "trustmark" / "images_bfly_rgba_Q.png"
    if not picture.exists():
        pytest.skip("../shared/fixtures/watermarked is not present")
    text = run_cli("verify", picture, home=tmp_path / "home").stdout
    assert "Watermark   None this tool reads" in text
    assert "None found" not in text


def test_an_ai_claim_signed_with_a_test_key_on_our_registered_original_is_disputed(tmp_path: Path) -> None:
    """A red-team: with the test roots trusted, an AI claim signed with C2PA's published test key on
    our registered original led "AI-generated image", while an untrusted stranger's read "Disputed"."""
    _need_fixtures()
    home, rival = tmp_path / "home", tmp_path / "rival"
    ours = tmp_path / "ours.png"
    shutil.copy(SAMPLES / "coffee.png", ours)
    assert run_cli("register", ours, "--owner", "Daily Planet", home=home).code == 0
    theirs = tmp_path / "theirs.png"
    signed = run_cli(
        "stamp", ours, "-o", theirs, "--user", "x", "--cert", REF / "certs" / "es256.pub",
        "--key", REF / "certs" / "es256.pem", "--allow-contradiction", home=rival,
    )  # fmt: skip
    assert signed.code == 0, signed.stderr
    report = json.loads(run_cli("verify", "--json", "--trust-anchors", _bundle(), theirs, home=home).stdout)
    assert report["credentials"]["test_signer"] is True
    assert report["summary"].startswith("Disputed: AI-generated only in the word of an unproven signer"), report
    assert any("a test certificate's, whose key anyone has" in c for c in report["ai"]["conflicts"])
