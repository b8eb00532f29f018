"""Our verdict against the C2PA reference reader's, on every reference test file.

../shared/fixtures/c2pa/MANIFEST.tsv records what c2pa-rs (through c2pa-python
0.38.1) reported for each file with no trust list and with the reference test
anchors. Each file must get the same state from ``verify`` in both settings.
"""

from __future__ import annotations

import csv
import re

import pytest

from provenance.config import Home
from provenance.credentials.trust import build_policy
from provenance.report import VerifyReport
from provenance.verify import VerifyOptions, verify_path
from tests.conftest import FIXTURES

C2PA = FIXTURES / "c2pa"
TRUST = C2PA / "c2pa-rs" / "trust"


def _rows() -> list[tuple[str, str, str]]:
    manifest = C2PA / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    rows = []
    with manifest.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            observed = next((v for k, v in row.items() if k and k.startswith("observed")), "") or ""
            if " | " not in observed:
                continue  # certificates, trust files and the bare sidecar have no verdict
            default, anchored = observed.split(" | ", 1)
            if default.rstrip().endswith("-"):
                continue  # the bare sidecar file: no verdict of its own
            rows.append((row["filename"], default, anchored))
    return rows


TRUST_ONLY = {"signingCredential.untrusted", "cawg.x509.credential.untrusted"}


def _codes(observed: str, after: str) -> set[str]:
    match = re.search(re.escape(after) + r"\[([^\]]*)\]", observed)
    return {c.strip() for c in match.group(1).split(",") if c.strip()} if match else set()


def _expected(observed: str) -> tuple[str, int]:
    """(our state, our exit code) for one observed reference outcome.

    The reference folds everything into Trusted / Valid / Invalid; we keep apart
    what it folds together, by status code (provenance/credentials/codes.py).
    """
    if "ManifestNotFound" in observed:
        return "absent", 3
    if "Remote" in observed:
        return "remote", 3  # a remote manifest, not fetched: reported with its URL
    if "asset could not be parsed" in observed:
        return "unreadable", 4  # the file itself is unreadable
    if "prerelease content detected" in observed or "unknown algorithm" in observed:
        # c2pa-rs's own codes for these errors: com.adobe.prerelease, algorithm.unsupported.
        return "unsupported", 3  # present but cannot be checked: neither intact nor broken
    assert "ERROR" not in observed, observed
    match = re.search(r"\b(Trusted|Valid|Invalid)\b", observed)
    assert match, observed
    state = match.group(1).lower()
    active = _codes(observed, match.group(1) + " ") - TRUST_ONLY
    ingredient = _codes(observed, "ingredient:") - TRUST_ONLY
    # Intact credentials establish provenance (exit 0) only from a signer this home trusts: from
    # an untrusted one (anyone can make a key in any name) they establish nothing (exit 3).
    untrusted = "signingCredential.untrusted" in _codes(observed, match.group(1) + " ")
    if state == "invalid" and not active and ingredient:
        return "ingredient-invalid", 3 if untrusted else 0  # this file's own claim validates; an ingredient's fails
    if state == "valid" and not untrusted:
        return "trusted", 0  # the claim signer is trusted; only a CAWG identity is not (reported apart)
    return state, {"invalid": 1, "valid": 3}.get(state, 0)


ROWS = _rows()


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    home = Home(tmp_path_factory.mktemp("conformance-home"))
    if not TRUST.exists():
        pytest.skip(f"shared fixtures not present at {TRUST} (a standalone clone)")
    return {
        "default": build_policy(home),
        "anchored": build_policy(
            home,
            anchors=(TRUST / "certs__trust__test_cert_root_bundle.pem",),
            trust_config=TRUST / "certs__trust__store.cfg",
            allowed_list=TRUST / "certs__trust__allowed_list.pem",
        ),
        "home": home,
    }


@pytest.mark.skipif(not ROWS, reason="../shared/fixtures/c2pa is not present (a standalone clone)")
@pytest.mark.parametrize(("filename", "default", "anchored"), ROWS, ids=[r[0] for r in ROWS])
def test_state_matches_the_reference_reader(
    filename: str, default: str, anchored: str, policies: dict[str, object]
) -> None:
    home = policies["home"]
    assert isinstance(home, Home)
    for setting, observed in (("default", default), ("anchored", anchored)):
        options = VerifyOptions(policy=policies[setting])  # type: ignore[arg-type]
        report = verify_path(C2PA / filename, home=home, options=options)
        state, code = _expected(observed)
        if code == 0 and report.credentials.test_signer:
            code = 3  # ours: a test certificate establishes nothing, even where its root is trusted (README)
        assert (report.credentials.state, report.exit_code) == (state, code), (setting, observed, report.error)
        if code == 4:
            assert report.error
            assert "\n" not in report.error
        if "Remote" in observed:
            assert report.credentials.remote_url
            assert report.credentials.remote_url in report.summary
            assert "--allow-remote" in report.summary
        if state in ("trusted", "valid"):
            assert report.credentials.trust == ("trusted" if state == "trusted" else report.credentials.trust)


def test_fixture_table_was_read() -> None:
    if not (C2PA / "MANIFEST.tsv").exists():
        pytest.skip("../shared/fixtures/c2pa is not present")
    names = {r[0] for r in ROWS}
    assert {"c2pa-rs/tiff_poc.tiff", "c2pa-rs/no_alg.jpg", "c2pa-rs/CACAE-uri-CA.jpg"} <= names
    assert len(ROWS) >= 40


def _anchored(policies: dict[str, object], name: str, manifest: str | None = None) -> VerifyReport:
    """verify of the c2pa-rs fixture ``name`` with the reference trust anchors (and the sidecar
    ``manifest`` beside it); skipped when the fixtures are absent."""
    path = C2PA / "c2pa-rs" / name
    if not path.exists():
        pytest.skip("../shared/fixtures/c2pa is not present")
    home = policies["home"]
    assert isinstance(home, Home)
    sidecar = C2PA / "c2pa-rs" / manifest if manifest else None
    options = VerifyOptions(policy=policies["anchored"], manifest=sidecar)  # type: ignore[arg-type]
    return verify_path(path, home=home, options=options)


def test_a_broken_file_whose_ingredient_fails_too_names_both(policies: dict[str, object]) -> None:
    """MANIFEST.tsv: adobe-20220124-E-clm-CAICAI.jpg is Invalid, "Referenced claim missing"
    (ingredient.manifest.missing) and assertion.hashedURI.mismatch. A walkthrough read only the
    second in the summary; the ingredient's failure was in the details alone."""
    report = _anchored(policies, "adobe-20220124-E-clm-CAICAI.jpg")
    assert report.exit_code == 1
    assert "assertion.hashedURI.mismatch" in report.summary
    assert "Ingredient CAI.jpg's credentials fail too (ingredient.manifest.missing)" in report.summary


def test_a_sidecar_of_another_file_is_said_to_be_one(policies: dict[str, object]) -> None:
    """MANIFEST.tsv: cloud_manifest.c2pa applied to another file fails its data hash. A walkthrough
    paired it with IMG_0003.jpg and read "the file's bytes changed after signing": a sidecar is
    paired by hand or by name, and a wrong pairing fails the same way. Broken (the credentials do
    not match the file, exit 1), said as either."""
    report = _anchored(policies, "IMG_0003.jpg", "cloud_manifest.c2pa")
    assert report.credentials.state == "invalid"
    assert report.exit_code == 1
    assert "the sidecar is another file's manifest, or this file changed after signing" in report.summary
    assert "the file's bytes changed after signing" not in report.summary


def test_sidecar_manifest_of_a_cloud_file_verifies(policies: dict[str, object]) -> None:
    report = _anchored(policies, "cloud.jpg", "cloud_manifest.c2pa")
    # Its own signer chains to the reference roots; an ingredient's does not. The reference
    # reader folds that into "Valid" for the whole; we say the claim signer is trusted and
    # report the ingredient's untrusted signer with that ingredient.
    assert (report.credentials.state, report.credentials.trust) == ("trusted", "trusted")
    assert any(
        c.code == "signingCredential.untrusted" and c.scope != "active manifest"
        for c in report.credentials.status_codes
    )
    assert report.credentials.manifest_source == "sidecar"
    assert report.credentials.signer == "C2PA Signer"
