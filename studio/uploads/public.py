"""Signed, expiring, unguessable public URLs for stored images (docs/architecture.md "Pitfalls" §5).

Providers only take image links, and they fetch them without our session. A link is
`{PUBLIC_BASE_URL}/r/<kind>/<token>/<uuid>.<ext>`: the path ends in the file's real
extension (ImaginePro wants a direct link ending in .jpg/.png/.webp; a query string may
break that check), and the token is a TimestampSigner signature of the uuid, salted per
kind, valid settings.PUBLIC_URL_MAX_AGE seconds (at least the provider's 24 h history).
With an object store (STORAGE_BACKEND=s3) a link is a presigned GET link to the object
instead: its path still ends in the extension, its signature is in the query string.
"""

from __future__ import annotations

import ipaddress
import socket
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse

from studio.generation.models import Asset
from studio.uploads.models import Upload
from studio.web.objectstore import is_object_store, presigned_url
from studio.web.outbound import is_internal

if TYPE_CHECKING:
    from studio.accounts.models import ProviderKey

# kind → (path code, signing salt). A token for one kind never opens the other.
KINDS = {
    "upload": ("u", "studio.uploads.public.upload"),
    "asset": ("a", "studio.uploads.public.asset"),
}
_SEP = "."  # not in the signature's alphabet, and plain in a URL path


def _signer(kind: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=KINDS[kind][1], sep=_SEP)


def file_extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else "bin"


def make_token(kind: str, object_id: uuid.UUID) -> str:
    """`<timestamp>.<signature>` for `object_id` (the uuid itself stays in the path only)."""
    value = str(object_id)
    return _signer(kind).sign(value)[len(value) + len(_SEP) :]


def token_is_valid(kind: str, object_id: uuid.UUID, token: str) -> bool:
    """True when `token` was made by make_token for this kind and uuid less than
    settings.PUBLIC_URL_MAX_AGE seconds ago. Never raises."""
    try:
        _signer(kind).unsign(f"{object_id}{_SEP}{token}", max_age=settings.PUBLIC_URL_MAX_AGE)
    except (signing.BadSignature, ValueError):  # SignatureExpired is a BadSignature
        return False
    return True


def public_path(obj: Upload | Asset) -> str:
    """The site-relative path of public_url(obj)."""
    if isinstance(obj, Upload):
        kind = "upload"
    elif isinstance(obj, Asset):
        kind = "asset"
    else:
        raise TypeError(f"no public URL for {type(obj).__name__}")
    return reverse(
        f"uploads:public_{kind}",
        kwargs={
            "token": make_token(kind, obj.pk),
            "object_id": obj.pk,
            "ext": file_extension(obj.file.name),
        },
    )


def public_url(obj: Upload | Asset) -> str:
    """An absolute URL anyone (the provider) can GET `obj`'s file at, without a session.

    obj: an Upload, or a generation Asset (its main file). On the local file system: e.g.
    "https://studio.example.com/r/u/1kq3Zx.AbC…/7c9e…e1.jpg", built from
    settings.PUBLIC_BASE_URL (workers have no request). On an object store
    (STORAGE_BACKEND=s3): a presigned GET link to the object itself (its path still ends in
    the file's extension), so a studio with no public address can send images too. A signed
    link is valid PUBLIC_URL_MAX_AGE seconds from now; a presigned one S3_LINK_SECONDS (2 h:
    the longest job, a 900 s timeout sent within its 5-minute start margin, reaches its
    deadline 37 minutes after the form at most; the rest is the stated margin). Raises
    TypeError for any other object. Whether the provider can reach that address is
    public_address_problem's question.
    """
    path = public_path(obj)  # TypeError for anything else
    if is_object_store(obj.file.storage):
        seconds = settings.STORE.link_seconds
        return presigned_url(obj.file.storage, obj.file.name, seconds=seconds)
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`host` as an IP address when it is written as one in any form a URL parser or
    inet_aton accepts: dotted, IPv6 (brackets removed by urlsplit), a decimal or hex integer
    (2130706433, 0x7f000001), short or octal IPv4 (127.1, 0177.0.0.1). None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        if host.isdigit():
            return ipaddress.ip_address(int(host))
        if host.startswith("0x") and all(c in "0123456789abcdef" for c in host[2:]) and host[2:]:
            return ipaddress.ip_address(int(host, 16))
        return ipaddress.ip_address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _unreachable(host: str) -> bool:
    """True for names and addresses that only this machine or its network can reach."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    address = _literal_address(host)
    if address is None:
        return "." not in host  # a single-label name ("studio", "web") is local DNS at best
    return _local(address)


def _local(address) -> bool:
    """Not the internet, as the guarded fetcher judges it (studio.web.outbound.is_internal:
    private, loopback, link-local, reserved, multicast, unspecified, and IPv6 forms carrying
    such an IPv4 address)."""
    return is_internal(address)


def _resolved(host: str) -> list:
    """The addresses DNS gives for `host`; [] when it cannot be resolved (offline, unknown:
    the provider will say so, we do not guess)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def link_address_problem(url: str, *, allow_private: bool = False) -> str | None:
    """Why an http(s) link typed by a person must not be fetched, or None.

    Refused: any other scheme, and a host that is, or resolves to, a private, loopback,
    link-local, reserved, multicast or unspecified address, IPv4 or IPv6 (localhost,
    0.0.0.0, [::1], 169.254.169.254, 10.x, fc00::/7, 2130706433…): the provider would fetch
    it from its side, and our own downloads from ours. `allow_private` (a sandbox key while
    settings.SANDBOX_ALLOW_PRIVATE_URLS is on: the sandbox runs on 127.0.0.1) lets local
    addresses through. A name DNS cannot resolve is let through; the fetch will fail.
    Returns a sentence naming the link.
    """
    shown = url if len(url) <= 80 else url[:79] + "…"
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. "Invalid IPv6 URL"
        hostname = None
    if not hostname or parts.scheme.lower() not in ("http", "https"):
        return f"“{shown}” is not a web link; links start with https:// or http://."
    if allow_private:
        return None
    host = hostname.lower().rstrip(".")
    local = _unreachable(host) or (
        _literal_address(host) is None and any(_local(a) for a in _resolved(host))
    )
    if local:
        return (
            f"“{shown}” points at a private or local address, which the provider cannot "
            "fetch and the studio will not. Use a public link instead."
        )
    return None


def private_links_allowed(provider_key: ProviderKey | None) -> bool:
    """Local addresses are allowed only for a sandbox key, and only while
    settings.SANDBOX_ALLOW_PRIVATE_URLS is on."""
    return bool(
        provider_key is not None and provider_key.is_sandbox and settings.SANDBOX_ALLOW_PRIVATE_URLS
    )


def is_public_base(url: str) -> bool:
    """True when `url` is an http(s) address the internet can reach: not localhost, a
    private/loopback/link-local address or a local-only name (no DNS lookup: a base is
    configured by whoever runs the studio, not typed by a person)."""
    parts = urlsplit(url)
    return bool(
        parts.scheme in ("http", "https") and parts.hostname and not _unreachable(parts.hostname)
    )


def public_address_problem(provider_key: ProviderKey) -> str | None:
    """Why the provider behind `provider_key` could not fetch our public URLs, or None.

    None for a sandbox key (the sandbox runs inside the studio and reaches any address).
    For a real key: a plain sentence when settings.PUBLIC_BASE_URL is empty, not http(s), or
    points at localhost, a 127.x/private/link-local address or a local-only name; with an
    object store, when its S3_ENDPOINT_URL is such an address (unset: AWS, always public). Forms use
    it to refuse image inputs up front instead of letting the job fail at the provider.
    """
    if provider_key.is_sandbox:
        return None
    if is_object_store(default_storage):  # the provider fetches from the store instead
        endpoint = default_storage.endpoint_url
        if not endpoint or is_public_base(endpoint):
            return None
        return (
            f"ImaginePro cannot fetch images from this studio: its object store ({endpoint}) "
            "is not reachable from the internet. Ask whoever runs the studio to set "
            "S3_ENDPOINT_URL to a public address of the store, or use a sandbox key."
        )
    base = settings.PUBLIC_BASE_URL
    if is_public_base(base):
        return None
    shown = f"({base}) " if base else ""
    return (
        f"ImaginePro cannot fetch images from this studio: its public address {shown}is not "
        "reachable from the internet. Ask whoever runs the studio to set PUBLIC_BASE_URL to "
        "a public address, or use a sandbox key."
    )
