"""One HTTP POST to a merchant's (untrusted) receiver.

- A total deadline covers resolving, connecting, sending, the status line, headers and body: a receiver
  that trickles a byte every few seconds, or streams an endless body, is cut off when it passes.
- At most `max_response_bytes` of the body are read, streaming; redirects are not followed.
- The connection goes to an address the check accepted: the URL's host is resolved once, and the request
  is sent to that IP with the Host header, TLS SNI and certificate check on the hostname (httpx's
  `sni_hostname` extension). Proxies from the environment are not used.
"""

import asyncio
import functools
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import certifi
import httpx

from .addresses import IPAddress, resolve

# getaddrinfo blocks and cannot be cancelled: it runs on a small pool of its own, which asyncio.run does
# not wait for at exit (it would for the loop's default executor), so a hanging resolver cannot hold an
# attempt past its deadline.
_resolvers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-resolve")


class SendFailed(Exception):
    """The request got no HTTP answer (refused address, no connection, deadline passed, broken reply)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Request:
    url: str
    body: bytes
    headers: dict[str, str]
    deadline_seconds: float
    public_only: bool  # refuse a host with any non-public address (SSRF)
    max_response_bytes: int


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body_start: bytes  # the first bytes of the body, up to the cap


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def post(request: Request) -> Answer:
    return asyncio.run(_post(request))


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


async def _post(request: Request) -> Answer:
    parts = urlsplit(request.url)
    host, port = parts.hostname or "", _port(parts)
    addresses: list[IPAddress] = []
    try:
        async with asyncio.timeout(request.deadline_seconds):
            loop = asyncio.get_running_loop()
            addresses = await loop.run_in_executor(
                _resolvers, functools.partial(resolve, host, port, public_only=request.public_only)
            )
            failure: Exception | None = None
            for ip in addresses:
                try:
                    return await _post_to(ip, request)
                except httpx.ConnectError as exc:  # this address is unreachable: try the next one
                    failure = exc
            raise SendFailed(f"could not connect to {host}: {_without(addresses, failure)}")
    except TimeoutError:
        raise SendFailed(f"no complete answer within the {request.deadline_seconds:g} s deadline") from None
    except httpx.HTTPError as exc:
        raise SendFailed(f"{type(exc).__name__}: {_without(addresses, exc)}") from None


async def _post_to(ip: IPAddress, request: Request) -> Answer:
    parts = urlsplit(request.url)
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    pinned = parts._replace(netloc=f"{literal}:{_port(parts)}").geturl()
    host_header = parts.netloc.rsplit("@", 1)[-1]  # the host (and port) as the merchant wrote it
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    # The deadline is enforced around the whole call; httpx's own timeouts only bound each socket wait.
    async with httpx.AsyncClient(verify=_tls(), trust_env=False, follow_redirects=False, timeout=None) as client:  # noqa: S113
        sent = client.build_request(
            "POST",
            pinned,
            content=request.body,
            headers={**request.headers, "Host": host_header},
            extensions=extensions,
        )
        response = await client.send(sent, stream=True)
        received, cap = bytearray(), request.max_response_bytes
        try:
            async for chunk in response.aiter_raw():
                received += chunk
                if len(received) >= cap:
                    break
        finally:
            await response.aclose()
        return Answer(status_code=response.status_code, body_start=bytes(received[:cap]))


def _without(addresses: list[IPAddress], error: object) -> str:
    """An error's text with the addresses it was sent to taken out (merchants see it)."""
    text = str(error) or type(error).__name__
    for ip in addresses:
        text = text.replace(str(ip), "<address>")
    return text
