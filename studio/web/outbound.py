"""The one way the studio fetches a URL somebody else chose (docs/architecture.md "Outbound fetches").

Result files named by a provider's Message, a webhook or imported history, and the images the
sandbox fetches for its jobs, come from outside. Fetching them blindly would let a hostile
answer make the studio read its own machine or network (loopback ports, cloud metadata, the
database host) and store or describe what it found. So every such fetch goes through
`open_url`:

- the host name is resolved once; every address it gives is checked (`is_internal`: loopback,
  private, link-local, unspecified, multicast, reserved, shared, and IPv6 forms that carry
  such an IPv4 address: ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::/96, 2002::/16);
- the connection goes to an address that was checked, never through a second DNS lookup (a
  name that answers "public" to the check and "127.0.0.1" to the connect gets nowhere), while
  the Host header, TLS SNI and the certificate check stay on the name;
- each redirect hop is checked the same way, at most `max_redirects` of them;
- connect and read timeouts per hop, and `read_body` caps the bytes and the total time.

A URL under one of the `trusted` prefixes (scheme, host, port and path prefix, e.g. the
studio's own origin serving its sandbox) may reach an internal address: which ones is
configuration (settings.OUTBOUND_TRUSTED_ORIGINS, `trusted_result_origins`), not a special
case in a client. Proxies from the environment are not used (a proxy would resolve the name
again).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urljoin

import requests.certs
import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationParseError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util import connection as urllib3_connection
from urllib3.util import parse_url

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not the internet
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A URL that was not fetched; str() says why in a short phrase."""


class AddressRefused(FetchError):
    """The host is, or resolves to, an address of this machine or its network."""


class TooLarge(FetchError):
    """The body is (or announces itself as) larger than the limit."""


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries, or None: IPv4-mapped (::ffff:a.b.c.d),
    IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if any(address in net for net in _NAT64) or address in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_internal(address: Address) -> bool:
    """True for an address that is not on the public internet: loopback, private, link-local,
    site-local, unspecified, multicast, reserved, shared (100.64/10), or an IPv6 address
    carrying such an IPv4 one (embedded_ipv4)."""
    inner = embedded_ipv4(address)
    if inner is not None and is_internal(inner):
        return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or getattr(address, "is_site_local", False)
        or address in _SHARED
    )


@dataclass(frozen=True)
class Target:
    """A parsed http(s) URL: lowercase scheme and host (IDNA, no brackets), explicit port,
    and the request path with its query (dot segments removed)."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Target:
        """Raises FetchError for anything but an absolute http(s) URL with a host."""
        try:
            parts = parse_url(url.strip())
        except (LocationParseError, ValueError) as exc:
            raise FetchError("not a valid link") from exc
        scheme = (parts.scheme or "").lower()
        if scheme not in ("http", "https") or not parts.host:
            raise FetchError("not an http(s) link")
        host = parts.host.lower().strip("[]").rstrip(".")
        if not host:
            raise FetchError("not an http(s) link")
        port = parts.port or (443 if scheme == "https" else 80)
        return cls(scheme, host, port, parts.request_uri or "/")

    def under(self, prefix: str) -> bool:
        """True when this URL lies under `prefix` (same scheme, host and port; path starting
        with the prefix's path, with no "." or ".." segment once decoded)."""
        try:
            base = Target.parse(prefix)
        except FetchError:
            return False
        if (self.scheme, self.host, self.port) != (base.scheme, base.host, base.port):
            return False
        path = unquote(self.path.split("?", 1)[0])
        segments = path.split("/")
        if "\\" in path or "." in segments or ".." in segments:
            return False
        return path.startswith(base.path.split("?", 1)[0])


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (one DNS lookup). Raises FetchError when none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError("host not found") from exc
    addresses: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError("host not found")
    return addresses


def checked_addresses(target: Target, trusted: Iterable[str] = ()) -> list[Address]:
    """The addresses to connect to for `target`: all of them when the URL is under a
    `trusted` prefix, else only if none is internal. Raises AddressRefused or FetchError."""
    addresses = resolve(target.host, target.port)
    if any(target.under(prefix) for prefix in trusted):
        return addresses
    if any(is_internal(address) for address in addresses):
        raise AddressRefused("the link points to a private address")
    return addresses


def _connect_pinned(conn: HTTPConnection) -> socket.socket:
    """Open the socket to one of the connection's checked addresses, in order (no DNS)."""
    last: Exception | None = None
    for address in conn.pinned_addresses:
        try:
            return urllib3_connection.create_connection(
                (str(address), conn.port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            last = ConnectTimeoutError(conn, f"Connection to {address} timed out")
            last.__cause__ = exc
        except OSError as exc:
            last = NewConnectionError(conn, f"Failed to establish a new connection: {exc}")
            last.__cause__ = exc
    raise last or NewConnectionError(conn, "no address to connect to")


class _PinnedHTTPConnection(HTTPConnection):
    """An HTTP connection to checked addresses; `host` (the Host header) stays the name."""

    def __init__(self, *args, pinned_addresses: tuple[Address, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.pinned_addresses = pinned_addresses

    def _new_conn(self) -> socket.socket:
        return _connect_pinned(self)


class _PinnedHTTPSConnection(HTTPSConnection):
    """As _PinnedHTTPConnection; SNI and the certificate check use the name (`host`)."""

    def __init__(self, *args, pinned_addresses: tuple[Address, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.pinned_addresses = pinned_addresses

    def _new_conn(self) -> socket.socket:
        return _connect_pinned(self)


class _PinnedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


def pinned_pool(
    target: Target,
    addresses: list[Address],
    timeout: urllib3.Timeout,
    *,
    ca_certs: str | None = None,
):
    """A one-use connection pool for `target` whose connections go to `addresses` only
    (passed to each connection through the pool's connection keywords). HTTPS verifies the
    certificate against `target.host` with `ca_certs` (a PEM bundle; default: the one
    requests uses)."""
    common = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return _PinnedHTTPSPool(
            target.host,
            target.port,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs or requests.certs.where(),
            pinned_addresses=tuple(addresses),
            **common,
        )
    return _PinnedHTTPPool(target.host, target.port, pinned_addresses=tuple(addresses), **common)


@contextmanager
def open_url(
    url: str,
    *,
    trusted: Iterable[str] = (),
    headers: dict[str, str] | None = None,
    timeout: tuple[float, float] = (5.0, 60.0),
    max_redirects: int = 5,
    method: str = "GET",
    body: bytes | None = None,
) -> Iterator[urllib3.BaseHTTPResponse]:
    """GET `url` (or send `method` with `body`, e.g. a webhook's POST: give it
    max_redirects=0) through the guard above and yield the first answer that is not a
    redirect (any status; read it with `read_body`). `trusted`: URL prefixes that may reach
    internal addresses. `timeout`: (connect, read) seconds per hop. Raises AddressRefused
    (this URL or a redirect hop points at an internal address) or FetchError (not http(s),
    unknown host, connection failed, timed out, more than `max_redirects` redirects)."""
    trusted = tuple(trusted)
    limits = urllib3.Timeout(connect=timeout[0], read=timeout[1])
    request_headers = {"Accept-Encoding": "identity", **(headers or {})}
    for _hop in range(max_redirects + 1):
        target = Target.parse(url)
        addresses = checked_addresses(target, trusted)
        pool = pinned_pool(target, addresses, limits)
        try:
            response = pool.urlopen(
                method,
                target.path,
                body=body,
                headers=request_headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        except HTTPError as exc:
            pool.close()
            raise _transport_error(exc) from exc
        try:
            location = response.get_redirect_location()
            if not location:
                yield response
                return
            url = urljoin(url, location)
        finally:
            response.close()  # unread bytes are dropped with the connection
            pool.close()
    raise FetchError(f"redirects more than {max_redirects} times")


def iter_body(
    response: urllib3.BaseHTTPResponse, *, limit: int, deadline: float | None = None
) -> Iterator[bytes]:
    """The body in chunks, refusing more than `limit` bytes (TooLarge, also when
    Content-Length announces more) or reading past `deadline` (time.monotonic(); FetchError
    "timed out"). Read errors are a FetchError."""
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        raise TooLarge(f"announces {announced} bytes; the limit is {limit}")
    total = 0
    try:
        # read1 returns what has arrived (b"" at the end): a server dripping bytes cannot
        # hold one read open past the deadline, as a full-size read would.
        while chunk := response.read1(_CHUNK):
            total += len(chunk)
            if total > limit:
                raise TooLarge(f"is larger than {limit} bytes")
            if deadline is not None and time.monotonic() > deadline:
                raise FetchError("timed out")
            yield chunk
    except HTTPError as exc:
        raise _transport_error(exc) from exc


def _transport_error(exc: HTTPError) -> FetchError:
    """A urllib3 error as a FetchError: "timed out" or "connection failed: <kind>"."""
    # NewConnectionError is a ConnectTimeoutError subclass: a refused port is not a timeout.
    if isinstance(exc, NewConnectionError):
        return FetchError("connection failed: NewConnectionError")
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        return FetchError("timed out")
    return FetchError(f"connection failed: {type(exc).__name__}")


def read_body(
    response: urllib3.BaseHTTPResponse, *, limit: int, deadline: float | None = None
) -> bytes:
    """All of the body (see iter_body for the limits and errors)."""
    return b"".join(iter_body(response, limit=limit, deadline=deadline))


def origin_of(url: str) -> str:
    """The origin of an http(s) URL as "scheme://host:port/" ("" when it is not one)."""
    try:
        target = Target.parse(url)
    except FetchError:
        return ""
    host = f"[{target.host}]" if ":" in target.host else target.host
    return f"{target.scheme}://{host}:{target.port}/"


def trusted_result_origins() -> list[str]:
    """Where a result file may be fetched from although the address is internal:
    settings.OUTBOUND_TRUSTED_ORIGINS when set; otherwise, while the sandbox is on
    (SANDBOX_ENABLED), the studio's own origin (SITE_URL) and its sandboxes' origins
    (SANDBOX_BASE_URL, SANDBOX_IMAGINELAB_BASE_URL), whose result links point at the studio;
    otherwise none."""
    configured = getattr(settings, "OUTBOUND_TRUSTED_ORIGINS", None)
    if configured is not None:
        return [origin for origin in map(origin_of, configured) if origin]
    if not settings.SANDBOX_ENABLED:
        return []
    own = (settings.SITE_URL, settings.SANDBOX_BASE_URL, settings.SANDBOX_IMAGINELAB_BASE_URL)
    return list(dict.fromkeys(origin for origin in map(origin_of, own) if origin))
