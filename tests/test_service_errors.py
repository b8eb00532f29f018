"""Every service error is the documented JSON shape, its status from the exception's
type; ``--allow-fetch`` connects only to the public address it resolved (pinned)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from provenance.config import Home
from provenance.errors import InputError, ProvenanceError, RegistryError, UnsupportedFormatError, UsageError
from provenance.service import ServiceSettings, create_app
from provenance.service import errors as service_errors
from provenance.service import fetch as fetch_module
from tests.conftest import SAMPLES

PNG = (SAMPLES / "chelsea.png").read_bytes()


class Answer(Protocol):
    """A test client's response: httpx's, or httpx2's where starlette finds that one."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Any: ...  # a case-insensitive mapping of either library

    def json(self) -> Any: ...


def _client(tmp_path: Path, **settings: Any) -> tuple[FastAPI, TestClient]:
    app = create_app(Home(tmp_path / "home"), ServiceSettings(**settings))
    return app, TestClient(app, raise_server_exceptions=False)


def _shape(answer: Answer, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message"}
    assert (body["error"]["status"], body["error"]["code"]) == (status, code)
    message = body["error"]["message"]
    assert isinstance(message, str)
    assert message
    assert "\n" not in message
    return message


class NewInputError(InputError):
    """A subclass nobody listed: its status comes from its parent's."""


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InputError("x: truncated"), 422, "unreadable"),
        (UnsupportedFormatError("x: not an image"), 415, "unsupported"),
        (NewInputError("x: new"), 422, "unreadable"),
        (RegistryError("r.sqlite3: the disk is full"), 503, "registry"),
        (UsageError("bad"), 400, "bad-request"),
        (ProvenanceError("ours"), 400, "bad-request"),
        (service_errors.Busy("full", retry_after=2), 503, "busy"),
        (service_errors.NotFound("no record"), 404, "not-found"),
        (ValueError("a bug\nwith lines"), 500, "internal"),
        (KeyError("k"), 500, "internal"),
    ],
)
def test_status_comes_from_the_exception_type(tmp_path: Path, error: Exception, status: int, code: str) -> None:
    app, client = _client(tmp_path)

    async def boom() -> None:
        raise error

    app.add_api_route("/boom", boom)
    message = _shape(client.get("/boom"), status, code)
    if status == 500:
        assert message == f"internal error ({type(error).__name__}); the server log has the details"
    if isinstance(error, service_errors.Busy):
        assert client.get("/boom").headers["retry-after"] == "2"


def test_the_table_is_the_only_source_of_statuses() -> None:
    """No message text decides a status: every class maps by type, subclasses by MRO."""
    for cls, (status, code) in service_errors.HTTP_STATUS.items():
        assert issubclass(cls, ProvenanceError)
        assert service_errors.status_for(cls.__new__(cls)) == (status, code)
    assert service_errors.status_for(RuntimeError()) == (500, "internal")


def test_an_unexpected_error_in_a_route_is_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from provenance.service import routes

    def broken(*_: object, **__: object) -> object:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(routes, "verify_loaded", broken)
    _, client = _client(tmp_path)
    _shape(client.post("/v1/verify", files={"file": ("a.png", PNG)}), 500, "internal")


def test_a_registry_fault_is_503_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from provenance.service import common

    def unusable(_: Home) -> None:
        raise RegistryError("registry.sqlite3: the registry is read-only (attempt to write a readonly database)")

    monkeypatch.setattr(common, "read_home_registry", unusable)
    _, client = _client(tmp_path)
    assert "read-only" in _shape(client.get("/v1/records/0123456789abcdef"), 503, "registry")


def test_framework_errors_have_the_shape_too(tmp_path: Path) -> None:
    _, client = _client(tmp_path)
    assert _shape(client.get("/no/such/route"), 404, "not-found") == "no such path: GET /no/such/route"
    assert _shape(client.delete("/healthz"), 405, "method-not-allowed") == "not allowed: DELETE /healthz"
    # a record id that cannot be one is a bad parameter, not an absent record (a walkthrough)
    assert "not a record id" in _shape(client.get("/v1/records/xyz%20abc"), 400, "bad-request")
    _shape(client.get("/v1/records/0123456789abcdef"), 404, "not-found")
    _shape(client.post("/v1/verify", content=b"plain", headers={"content-type": "text/plain"}), 415, "unsupported")
    _shape(client.post("/v1/verify", files={"file": ("a.txt", b"hello")}), 415, "unsupported")
    # an empty upload is unreadable input (422), as the CLI's "empty file" (exit 4), not an unknown format
    assert "empty file" in _shape(client.post("/v1/verify", files={"file": ("a.png", b"")}), 422, "unreadable")
    _shape(client.post("/v1/verify", json={"url": "https://example.org/a.png"}), 403, "fetch-disabled")
    # a JSON body cut short is the client's mistake (400), not "fetching is off" (a walkthrough)
    cut = client.post("/v1/verify", content=b'{"url":', headers={"content-type": "application/json"})
    assert "the body is not JSON" in _shape(cut, 400, "bad-request")


# --allow-fetch -------------------------------------------------------------------------


class Resolver:
    """getaddrinfo that answers from a script: one answer per call, the last repeated."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, host: str, port: int, *_: object) -> list[tuple[Any, ...]]:
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        family = socket.AF_INET6
        return [(family if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answer]


class Connections:
    """Stands in for the network: records where each request would have gone."""

    def __init__(self, body: bytes = PNG) -> None:
        self.body = body
        self.seen: list[httpx.Request] = []

    async def __call__(self, _: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return httpx.Response(200, content=self.body, headers={"content-type": "image/png"})


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Connections:
    connections = Connections()

    async def handle(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        return await connections(transport, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle)
    return connections


def test_fetch_connects_to_the_address_it_checked_not_a_rebound_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: Connections
) -> None:
    """DNS rebinding: the name answers a public address to the check and a private one
    afterwards. The connection goes to the checked (pinned) address, with the original
    Host header and TLS name; the name is never resolved a second time."""
    resolver = Resolver(["93.184.216.34"], ["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    _, client = _client(tmp_path, allow_fetch=True)
    answer = client.post("/v1/verify", json={"url": "https://images.example/photos/cat.png"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["file"] == "cat.png"
    assert resolver.calls == 1
    (request,) = network.seen
    assert request.url.host == "93.184.216.34"
    assert request.headers["host"] == "images.example"
    assert request.extensions["sni_hostname"] == "images.example"


@pytest.mark.parametrize(
    "answer",
    [
        ["127.0.0.1"],
        ["10.1.2.3"],
        ["169.254.169.254"],  # cloud metadata
        ["100.64.0.1"],  # shared address space
        ["240.0.0.1"],  # reserved
        ["::1"],
        ["fe80::1"],
        ["::ffff:127.0.0.1"],  # IPv4-mapped loopback
        ["93.184.216.34", "192.168.1.1"],  # one private address among public ones
    ],
)
def test_fetch_refuses_hosts_with_any_non_public_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: Connections, answer: list[str]
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", Resolver(answer))
    _, client = _client(tmp_path, allow_fetch=True)
    message = _shape(client.post("/v1/verify", json={"url": "http://rebind.example/a.png"}), 400, "bad-url")
    assert "not a public host" in message
    assert network.seen == []  # never connected


def test_fetch_stops_reading_at_the_upload_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: Connections
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", Resolver(["93.184.216.34"]))
    network.body = b"\x89PNG" + bytes(3 * 1024 * 1024)
    _, client = _client(tmp_path, allow_fetch=True, max_upload_bytes=1024 * 1024)
    _shape(client.post("/v1/verify", json={"url": "http://big.example/a.png"}), 413, "too-large")


def test_fetch_resolves_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """getaddrinfo blocks; it runs in a worker thread, not on the loop's thread."""
    import threading

    import anyio

    threads: list[int] = []

    def resolver(host: str, port: int, *_: object) -> list[tuple[Any, ...]]:
        threads.append(threading.get_ident())
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    async def main() -> tuple[str, int]:
        return await fetch_module.resolve_public("images.example", 443), threading.get_ident()

    address, loop_thread = anyio.run(main)
    assert address == "93.184.216.34"
    assert threads
    assert threads[0] != loop_thread


def test_serve_on_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """The port is checked before the banner: no "provenance service on ..." line, no
    uvicorn log, exit 2; a free port passes the same check."""
    from tests.conftest import run_cli

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = int(holder.getsockname()[1])
        result = run_cli("serve", "--port", port, home=tmp_path / "home", timeout=60)
        assert result.code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("provenance: error: ")
        assert f"port {port} is in use" in lines[0]
        assert "provenance service on" not in result.stderr + result.stdout
    from provenance.service.server import check_port

    check_port("127.0.0.1", port)  # released: bindable again, no error


def test_an_upload_that_stalls_is_answered_408_within_the_time_allowed() -> None:
    """A walkthrough sent headers and 3 of 100,000 bytes and waited 70 s for an answer on a
    service whose --timeout was 60: a trickling client held its connection as long as it liked."""
    import asyncio
    import json
    import time

    from provenance.service.limits import BodyLimit

    reached: list[bool] = []

    async def app(scope: object, receive: object, send: object) -> None:
        reached.append(True)

    sent: list[dict[str, object]] = []
    chunks = [{"type": "http.request", "body": b"abc", "more_body": True}]

    async def receive() -> dict[str, object]:
        if chunks:
            return chunks.pop()
        await asyncio.sleep(3600)  # the client never sends the rest
        raise AssertionError("unreachable")

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "headers": [(b"content-length", b"100000")]}
    start = time.monotonic()
    asyncio.run(BodyLimit(app, max_bytes=1_000_000, upload_s=0.3)(scope, receive, send))  # type: ignore[arg-type]
    assert time.monotonic() - start < 5
    assert not reached  # the handler never saw the half body
    assert sent[0]["status"] == 408
    body = json.loads(sent[1]["body"])  # type: ignore[arg-type]
    assert body["error"]["code"] == "upload-timeout"
    assert "did not arrive within 0.3 s" in body["error"]["message"]
