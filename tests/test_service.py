"""The HTTP service: same answers as the CLI, soft-binding recovery, tokens, limits, the page."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("fastapi", reason="the service extra is not installed")
from fastapi.testclient import TestClient

from provenance import watermark
from provenance.config import Home
from provenance.credentials.claims import soft_binding_value
from provenance.service import ServiceSettings, create_app
from provenance.service.tokens import create_token
from tests.conftest import ROOT, SAMPLES, Twin, run_cli

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"


def _client(home: Path, **settings: object) -> TestClient:
    return TestClient(create_app(Home(home), ServiceSettings(**settings)))  # type: ignore[arg-type]


def _upload(path: Path) -> dict[str, tuple[str, bytes]]:
    return {"file": (path.name, path.read_bytes())}


def _stripped(twin: Twin, folder: Path) -> Path:
    """The twin's pixels without its manifest, as a platform would re-save it."""
    out = folder / "stripped.png"
    Image.open(twin.path).convert("RGB").save(out)
    return out


def test_api_verify_equals_cli_verify_json(twin: Twin) -> None:
    cli = run_cli("verify", "--json", twin.path, home=twin.home)
    assert cli.code == 0, cli.stderr
    answer = _client(twin.home).post("/v1/verify", files=_upload(twin.path))
    assert answer.status_code == 200, answer.text
    api, expected = answer.json(), json.loads(cli.stdout)
    assert Path(api.pop("file")).name == Path(expected.pop("file")).name
    # the service names the registry's file, not where the server keeps it
    assert api["ownership"].pop("registry") == Path(expected["ownership"].pop("registry")).name
    assert api == expected
    assert api["credentials"]["state"] == "trusted"


def test_stripped_twin_is_recovered_through_the_soft_binding_api(twin: Twin, tmp_path: Path) -> None:
    import c2pa

    client = _client(twin.home)
    algorithms = client.get("/services/supportedAlgorithms").json()
    assert {"alg": "org.provenance.wm-2"} in algorithms["watermarks"]
    stripped = _stripped(twin, tmp_path)
    reading = watermark.detect(Image.open(stripped).convert("RGB"))
    assert reading.record_id == twin.record_id
    by_binding = client.get(
        "/matches/byBinding", params={"alg": "org.provenance.wm-2", "value": soft_binding_value(reading.record_id)}
    )
    assert by_binding.status_code == 200, by_binding.text
    matches = by_binding.json()["matches"]
    assert len(matches) == 1
    manifest_id = matches[0]["manifestId"]
    assert manifest_id.startswith("urn:c2pa:")
    assert matches[0]["similarityScore"] == 100
    query = {"alg": "org.provenance.wm-2", "value": soft_binding_value(reading.record_id)}
    large = client.post("/matches/byBinding", json=query)
    assert large.json()["matches"][0]["manifestId"] == manifest_id
    by_content = client.post("/matches/byContent", content=stripped.read_bytes(), headers={"content-type": "image/png"})
    assert by_content.status_code == 200, by_content.text
    assert manifest_id in [m["manifestId"] for m in by_content.json()["matches"]]
    fetched = client.get(f"/manifests/{manifest_id}")
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "application/c2pa"
    with c2pa.Reader("application/c2pa", io.BytesIO(fetched.content)) as reader:
        store = json.loads(reader.json())
    assert store["active_manifest"] == manifest_id
    assert client.get("/manifests/urn:c2pa:unknown").status_code == 404
    bad = client.get("/matches/byBinding", params={"alg": "com.example.unknown", "value": "AAAA"})
    assert bad.status_code == 400
    assert "not supported" in bad.json()["error"]["message"]
    record = client.get(f"/v1/records/{twin.record_id}").json()
    assert record["manifest_id"] == manifest_id
    assert record["generation"]["model"] == "tiny"
    # the page shows the recovered manifest's ingredient thumbnails (its img stayed empty: the file has none)
    files = {"file": ("stripped.png", stripped.read_bytes(), "image/png")}
    answer = client.post("/v1/verify?thumbnails=true", files=files).json()
    assert answer["credentials"]["state"] == "recovered"
    thumbs = answer["thumbnails"]
    assert any(key.startswith(manifest_id + "|") and uri.startswith("data:image/") for key, uri in thumbs.items())


def test_tokens_scopes_and_limits(keyed_home: Path, tmp_path: Path) -> None:
    home = Home(keyed_home)
    stamp_token = create_token(home, "stamp", "cms")
    register_token = create_token(home, "register", "archive")
    client = _client(keyed_home, max_upload_bytes=400_000, max_pixels=5_000_000)
    image = {"file": ("chelsea.png", (SAMPLES / "chelsea.png").read_bytes())}
    form = {"user": "desk", "model": "some model"}
    assert client.post("/v1/stamp", files=image, data=form).status_code == 401
    wrong = client.post("/v1/stamp", files=image, data=form, headers={"Authorization": f"Bearer {register_token}"})
    assert wrong.status_code == 403
    forged = client.post("/v1/stamp", files=image, data=form, headers={"Authorization": "Bearer pvt_abc_def"})
    assert forged.status_code == 401
    stamped = client.post("/v1/stamp", files=image, data=form, headers={"Authorization": f"Bearer {stamp_token}"})
    assert stamped.status_code == 200, stamped.text
    assert stamped.headers["content-type"] == "image/png"
    (tmp_path / "stamped.png").write_bytes(stamped.content)
    check = client.post("/v1/verify", files=_upload(tmp_path / "stamped.png")).json()
    assert check["credentials"]["state"] == "trusted"
    assert check["ownership"]["registry"] == "registry.sqlite3"  # not where the server keeps it
    typo = client.post("/v1/verify?pixel=deep", files=_upload(tmp_path / "stamped.png"))  # for ?pixels=
    assert typo.status_code == 400
    assert "unknown query parameter 'pixel'" in typo.json()["error"]["message"]
    assert check["credentials"]["record_id"] == stamped.headers["x-provenance-record-id"]
    originals = {"files": ("rocket.jpg", (SAMPLES / "rocket.jpg").read_bytes())}
    assert client.post("/v1/register", files=originals, data={"owner": "desk"}).status_code == 401
    registered = client.post(
        "/v1/register", files=originals, data={"owner": "desk"}, headers={"Authorization": f"Bearer {register_token}"}
    )
    assert registered.status_code == 200, registered.text
    assert registered.json()["results"][0]["status"] == "registered"
    big = client.post("/v1/verify", files={"file": ("big.png", b"\x89PNG\r\n\x1a\n" + os.urandom(500_000))})
    assert big.status_code == 413
    assert "limit" in big.json()["error"]["message"]
    text = client.post("/v1/verify", files={"file": ("notes.txt", b"hello, not an image")})
    assert text.status_code == 415
    assert "\n" not in text.json()["error"]["message"]
    assert "not a supported image" in text.json()["error"]["message"]
    buffer = io.BytesIO()
    Image.new("L", (3000, 3000)).save(buffer, "PNG")
    bomb = client.post("/v1/verify", files={"file": ("wide.png", buffer.getvalue())})
    assert bomb.status_code == 422
    assert "pixel limit" in bomb.json()["error"]["message"]
    raw = client.post("/v1/verify", content=b"plain", headers={"content-type": "text/plain"})
    assert raw.status_code == 415
    fetch = client.post("/v1/verify", json={"url": "https://example.com/a.jpg"})
    assert fetch.status_code == 403
    assert client.get("/healthz").json()["status"] == "ok"
    batch = client.post(
        "/v1/verify/batch",
        files=[("files", ("a.png", (tmp_path / "stamped.png").read_bytes())), ("files", ("b.txt", b"nope"))],
    ).json()["results"]
    assert batch[0]["credentials"]["state"] == "trusted"
    assert batch[1]["status"] == 415
    # every item carries the exit code the CLI gives that file (a walkthrough's CMS read exit_code from each)
    assert (batch[0]["exit_code"], batch[1]["exit_code"], batch[1]["code"]) == (0, 4, "unsupported")


def test_verify_can_require_a_token(keyed_home: Path) -> None:
    token = create_token(Home(keyed_home), "register", "any scope verifies")
    client = _client(keyed_home, require_token=True)
    assert client.post("/v1/verify", files=_upload(SAMPLES / "rocket.jpg")).status_code == 401
    ok = client.post("/v1/verify", files=_upload(SAMPLES / "rocket.jpg"), headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert ok.json()["exit_code"] == 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_page_shows_a_fresh_twin_in_chromium(twin: Twin, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    port = _free_port()
    env = {**os.environ, "PROVENANCE_HOME": str(twin.home), "HF_HUB_OFFLINE": "1"}
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "provenance_cli.main", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert server.poll() is None, log.read_text()
                time.sleep(0.2)
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            page.set_input_files("#file", str(twin.path))
            page.wait_for_selector("#result:not([hidden])", timeout=60_000)
            assert page.locator("#v-ai .word").inner_text() == "AI-generated"
            assert page.locator("#v-credentials .word").inner_text() == "Signed by a trusted signer"
            assert "Test Newsroom" in page.locator("#v-credentials .detail").inner_text()
            assert page.locator("#v-watermark .word").inner_text() == "This toolkit's watermark"
            assert "provenance-wm-2" in page.locator("#v-watermark .detail").inner_text()
            facts = page.locator("#facts").inner_text()
            assert "tiny" in facts
            assert "alice" in facts
            ingredient = page.locator("#ingredients .ing", has_text="chelsea.png")
            assert ingredient.count() == 1
            thumb = ingredient.locator("img").get_attribute("src") or ""
            assert thumb.startswith("data:image/")
            assert base64.b64decode(thumb.split(",", 1)[1])[:2] in (b"\xff\xd8", b"\x89P")
            assert page.locator("#signals li").count() >= 2
            ARTIFACTS.mkdir(exist_ok=True)
            shot = tmp_path / "web-page-twin.png"
            page.screenshot(path=str(shot), full_page=True)
            shutil.copy(shot, ARTIFACTS / shot.name)
            page.set_input_files("#file", str(SAMPLES / "rocket.jpg"))
            page.wait_for_function("document.querySelector('#file-name').textContent === 'rocket.jpg'")
            assert page.locator("#v-credentials .word").inner_text() == "No Content Credentials"
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_our_mark_whose_record_this_registry_lacks_is_not_shown_as_a_pass(keyed_home: Path, tmp_path: Path) -> None:
    """A picture stamped by another home carries our watermark, read exactly, but this home's
    registry does not hold its record: the page's watermark card was green ("ours", tone ok).
    It is now the neutral info tone, in words that say the record cannot be checked here."""
    from provenance import verdicts

    stamped = tmp_path / "elsewhere.png"
    made = run_cli("stamp", SAMPLES / "chelsea.png", "-o", stamped, "--user", "Elsewhere", home=keyed_home)
    assert made.code == 0, made.stderr
    other = tmp_path / "other-home"
    assert run_cli("keys", "init", "--org", "Other Desk", home=other).code == 0
    word = verdicts.word("watermark", "unknown-record")
    assert word.tone == "info" != verdicts.word("watermark", "ours").tone
    assert "not in this registry" in word.label

    for registry in ("none", "another picture's"):
        answer = _client(other).post("/v1/verify?states=true", files=_upload(stamped))
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["states"]["watermark"] == "unknown-record", registry
        assert report["as_shown"] == verdicts.count_keys(report)  # as verify --json gives it
        assert report["watermark"]["found"] is True
        assert "cannot be checked here" in report["watermark"]["note"]
        assert "not in this registry" in report["summary"]
        text = run_cli("verify", stamped, home=other)
        assert f"Watermark   {word.label}: provenance-wm-2" in text.stdout
        assert run_cli("register", SAMPLES / "coffee.png", "--owner", "Other Desk", home=other).code == 0
    page = _client(other).get("/v1/vocabulary").json()
    assert page["axes"]["watermark"]["unknown-record"]["colour"] == verdicts.TONE_COLOURS["info"][1]
    # the home that stamped it holds the record: there it is ours
    assert (
        _client(keyed_home).post("/v1/verify?states=true", files=_upload(stamped)).json()["states"]["watermark"]
        == "ours"
    )


def test_the_api_docs_page_loads_nothing_from_another_host(tmp_path: Path) -> None:
    """FastAPI's /docs loaded Swagger UI from cdn.jsdelivr.net: blank on an offline newsroom
    server (a walkthrough's screenshot). Every script and style it names is served here."""
    import re

    client = _client(tmp_path / "home")
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets, page.text
    for asset in assets:
        assert asset.startswith("/"), asset  # this server's, no other host's
        assert client.get(asset).status_code == 200, asset
    assert client.get("/openapi.json").json()["info"]["title"] == "provenance"


def test_stamp_errors_name_the_forms_fields_and_the_uploads_own_name(keyed_home: Path) -> None:
    """A walkthrough's CMS was told "in-photo.jpg: ... no --source-type says what it is": a flag no
    HTTP client can send, on a temporary file's name. The answer names the form's field and the
    file as sent; a name outside ASCII comes back whole in the download's name (RFC 6266)."""
    home = Home(keyed_home)
    token = {"Authorization": f"Bearer {create_token(home, 'stamp', 'cms')}"}
    client = _client(keyed_home)
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "NIKON", "E950"  # Make, Model: a camera's photo
    with Image.open(SAMPLES / "chelsea.png") as img:
        img.convert("RGB").save(buffer, "JPEG", quality=90, exif=exif)
    camera = {"file": ("street café.jpg", buffer.getvalue(), "image/jpeg")}
    refused = client.post("/v1/stamp", files=camera, data={"user": "desk"}, headers=token)
    assert refused.status_code == 400, refused.text
    message = refused.json()["error"]["message"]
    assert "no field source_type says what it is" in message, message
    assert "Send source_type=captured for a camera photo" in message, message  # not "no the field" (a walkthrough)
    assert "--" not in message, message
    assert message.startswith("street café.jpg: "), message
    # a misspelt field is refused, naming it: dropped, the photo was signed as AI (a walkthrough)
    typo = client.post("/v1/stamp", files=camera, data={"user": "desk", "sourcetype": "captured"}, headers=token)
    assert typo.status_code == 400, typo.text
    assert "unknown form field 'sourcetype'" in typo.json()["error"]["message"]
    assert "'source_type'" in typo.json()["error"]["message"]
    # a field given twice, a yes/no field that is neither, a text where a file belongs: refused, named
    upload: tuple[str, bytes, str] = camera["file"]
    fields: list[tuple[str, tuple[str | None, bytes | str] | tuple[str | None, bytes | str, str | None]]] = [
        ("file", upload),
        ("user", (None, "a")),  # (None, text): a plain field
        ("user", (None, "b")),
    ]
    twice = client.post("/v1/stamp", files=fields, headers=token)
    assert twice.status_code == 400, twice.text
    assert "'user' is given twice" in twice.json()["error"]["message"]
    maybe = client.post("/v1/stamp", files=camera, data={"user": "a", "no_ai_training": "maybe"}, headers=token)
    assert maybe.status_code == 400, maybe.text
    assert "no_ai_training must be true or false" in maybe.json()["error"]["message"]
    text = client.post("/v1/stamp", files=camera, data={"user": "a", "source": "photo.jpg"}, headers=token)
    assert text.status_code == 400, text.text
    cut = client.post(
        "/v1/stamp", files={"file": ("cut.jpg", buffer.getvalue()[:3000])}, data={"user": "d"}, headers=token
    )
    assert cut.status_code == 422, cut.text
    assert cut.json()["error"]["message"].startswith("cut.jpg: "), cut.text  # no server path
    assert "provenance-service-" not in cut.text
    stamped = client.post("/v1/stamp", files=camera, data={"user": "desk", "source_type": "captured"}, headers=token)
    assert stamped.status_code == 200, stamped.text
    disposition = stamped.headers["content-disposition"]
    assert 'filename="street caf_-stamped.jpg"' in disposition
    assert "filename*=UTF-8''street%20caf%C3%A9-stamped.jpg" in disposition


def test_two_files_to_the_single_verify_are_refused_and_a_batch_over_its_limit_is_said_plainly(tmp_path: Path) -> None:
    """A walkthrough's CMS sent two images to /v1/verify: 200 for the first, the second dropped
    without a word. Refused, 400, pointing to the batch; 65 files to a batch of 64 read Starlette's
    "Too many files. Maximum number of files is 64." under a code the README does not list."""
    client = _client(tmp_path, max_batch=3)
    photo = (SAMPLES / "rocket.jpg").read_bytes()
    two = [("file", ("a.jpg", photo, "image/jpeg")), ("file", ("b.jpg", photo, "image/jpeg"))]
    refused = client.post("/v1/verify", files=two)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "bad-request", error
    assert "'file' is given 2 times: this endpoint takes one file" in error["message"]
    assert "/v1/verify/batch" in error["message"]
    many = [("files", (f"{n}.jpg", photo, "image/jpeg")) for n in range(4)]
    over = client.post("/v1/verify/batch", files=many)
    assert over.status_code == 400, over.text
    assert over.json()["error"] == {**over.json()["error"], "code": "bad-request"}
    assert over.json()["error"]["message"].startswith("too many files: this endpoint takes at most 3")
    batch = client.post("/v1/verify/batch", files=many[:3])
    assert batch.status_code == 200
    assert len(batch.json()["results"]) == 3
