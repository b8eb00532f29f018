from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.config import Home
from provenance.credentials import init_identity, read_credentials
from provenance.credentials.trust import OFFICIAL_LIST, OFFICIAL_TSA_LIST, build_policy, update_official
from provenance.errors import ProvenanceError, UsageError
from provenance.twin import stamp_file
from tests.conftest import SAMPLES, SHARED, require_fixtures

TRUST = SHARED / "trust"


def _official() -> Path:
    path = TRUST / OFFICIAL_LIST
    if not path.exists():
        pytest.skip("../shared/trust is not present (a standalone clone)")
    return path


@pytest.fixture
def served_trust_lists() -> Iterator[str]:
    """../shared/trust served over HTTP on loopback, for `trust update`."""
    _official()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(TRUST), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_official_list_loads_with_every_root() -> None:
    policy = build_policy(Home(Path("/nonexistent")), anchors=(_official(),))
    assert policy.anchors[0].count == 30
    assert policy.anchors_pem is not None


def test_update_over_http_stores_both_lists_for_offline_use(tmp_path: Path, served_trust_lists: str) -> None:
    home = Home(tmp_path / "home")
    sources = update_official(home, base_url=served_trust_lists)
    assert [Path(s.origin).name for s in sources] == [OFFICIAL_LIST, OFFICIAL_TSA_LIST]
    assert (home.official_trust_dir / OFFICIAL_LIST).read_bytes() == (TRUST / OFFICIAL_LIST).read_bytes()
    policy = build_policy(home)
    assert sum(a.count for a in policy.anchors) == 30
    assert sum(a.count for a in policy.tsa_anchors) == 22


def test_update_from_a_file_url(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    update_official(home, base_url=_official().parent.as_uri())
    assert (home.official_trust_dir / OFFICIAL_TSA_LIST).exists()


def test_failed_update_keeps_the_previous_lists(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    update_official(home, base_url=_official().parent.as_uri())
    before = (home.official_trust_dir / OFFICIAL_LIST).read_bytes()
    bogus = tmp_path / "bogus"
    bogus.mkdir()
    (bogus / OFFICIAL_LIST).write_text("<html>not a certificate</html>")
    (bogus / OFFICIAL_TSA_LIST).write_text("<html>not a certificate</html>")
    with pytest.raises(ProvenanceError, match="not a PEM list"):
        update_official(home, base_url=bogus.as_uri())
    with pytest.raises(ProvenanceError, match="cannot download"):
        update_official(home, base_url="http://127.0.0.1:9/")
    assert (home.official_trust_dir / OFFICIAL_LIST).read_bytes() == before


def _stamped(home: Home, tmp_path: Path) -> bytes:
    out = tmp_path / "stamped.png"
    stamp_file(SAMPLES / "chelsea.png", out, user="u", model="m", identity=init_identity(home, org="Ours"), home=home)
    return out.read_bytes()


def test_several_lists_at_once_and_unlisted_roots_are_untrusted(tmp_path: Path) -> None:
    official = _official()
    home = Home(tmp_path / "home")
    data = _stamped(home, tmp_path)
    both = read_credentials("image/png", data, policy=build_policy(home, anchors=(official,)))
    assert (both.state, both.trust) == ("trusted", "trusted")
    assert both.issuer_chain[-1].endswith("(trust anchor)")
    assert "Ours Root CA" in both.issuer_chain[-1]
    only_official = build_policy(Home(tmp_path / "elsewhere"), anchors=(official,))
    alone = read_credentials("image/png", data, policy=only_official)
    assert (alone.state, alone.trust) == ("valid", "untrusted")
    assert not alone.issuer_chain[-1].endswith("(trust anchor)")


def test_real_camera_vendor_signature_against_the_official_list() -> None:
    photo = require_fixtures("c2pa", "c2pa-rs", "ocsp.jpg")
    report = read_credentials(
        "image/jpeg", photo.read_bytes(), policy=build_policy(Home(Path("/x")), anchors=(_official(),))
    )
    assert report.state == "valid"
    assert report.trust == "untrusted"  # Adobe's 2025 signing CA is not on this list
    assert report.certificate is not None
    assert "Adobe" in str(report.certificate.subject)


def test_environment_and_config_file_add_anchors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = require_fixtures("c2pa", "c2pa-rs", "trust", "certs__trust__test_cert_root_bundle.pem")
    signed = require_fixtures("c2pa", "c2pa-rs", "C.jpg").read_bytes()
    home = Home(tmp_path / "home")
    assert read_credentials("image/jpeg", signed, policy=build_policy(home)).state == "valid"
    monkeypatch.setenv("PROVENANCE_TRUST_ANCHORS", str(bundle))
    assert read_credentials("image/jpeg", signed, policy=build_policy(home)).state == "trusted"
    monkeypatch.delenv("PROVENANCE_TRUST_ANCHORS")
    home.root.mkdir(parents=True)
    home.config_path.write_text(f'[trust]\nanchors = ["{bundle}"]\n')
    assert read_credentials("image/jpeg", signed, policy=build_policy(home)).state == "trusted"


def test_bad_trust_inputs_are_clear_errors(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    junk = tmp_path / "junk.pem"
    junk.write_text("nothing here")
    with pytest.raises(UsageError, match="holds no PEM certificate"):
        build_policy(home, anchors=(junk,))
    with pytest.raises(UsageError, match="not found"):
        build_policy(home, anchors=(tmp_path / "missing.pem",))
    home.root.mkdir(parents=True)
    home.config_path.write_text("[trust\nbroken")
    with pytest.raises(UsageError, match="not valid TOML"):
        build_policy(home)
