"""Fetching an image URL for ``/v1/verify`` (``serve --allow-fetch``), safely.

A URL given by a client must not make the service reach its own network. The host
is resolved once, off the event loop; every address must be public (not private,
loopback, link-local, shared, multicast or reserved), and the connection then goes
to that resolved address, pinned, with the original Host header and TLS server name
(SNI, and the certificate checked against the name). A DNS answer that changes
between the check and the connection (rebinding) therefore changes nothing.
Redirects are not followed; the body is read in chunks up to the upload limit.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlparse

import anyio.to_thread
import httpx

from provenance.service.errors import BadUrl, FetchFailed, TooLarge

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: Address) -> bool:
    """Globally reachable unicast: what a fetch may connect to."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve_public(host: str, port: int) -> str:
    """The address to connect to: every address ``host`` resolves to must be public."""
    try:
        infos = await anyio.to_thread.run_sync(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    except OSError:
        raise BadUrl(f"{host} does not resolve; the service will not fetch it") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or not all(is_public(a) for a in addresses):
        raise BadUrl(f"{host} is not a public host; the service will not fetch it")
    return str(addresses[0])


class PinnedTransport(httpx.AsyncBaseTransport):
    """Connects to ``address`` whatever the URL's host; the request keeps its Host
    header (set from the URL when it was built) and TLS uses the URL's host name."""

    def __init__(self, address: str, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.address = address
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        request.url = request.url.copy_with(host=self.address)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def fetch_public(url: str, *, limit: int, timeout_s: float) -> bytes:
    """The body of ``url`` (200 only, at most ``limit`` bytes) from a public host."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise BadUrl("url must be an http or https URL")
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        raise BadUrl("url has an invalid port") from None
    address = await resolve_public(parsed.hostname, port)
    transport = PinnedTransport(address)
    async with httpx.AsyncClient(transport=transport, timeout=timeout_s, follow_redirects=False) as client:
        try:
            async with client.stream("GET", url) as answer:
                if answer.status_code != 200:
                    raise FetchFailed(f"{url} answered {answer.status_code}")
                chunks: list[bytes] = []
                size = 0
                async for chunk in answer.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(f"{url} is over the {limit / 1048576:g} MiB limit")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise FetchFailed(f"could not fetch {url} ({type(exc).__name__})") from None
    return b"".join(chunks)
