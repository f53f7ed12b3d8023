"""Signed, expiring, unguessable public URLs for stored images (TECH.md §5).

Providers only take image links, and they fetch them without our session. A link is
`{PUBLIC_BASE_URL}/r/<kind>/<token>/<uuid>.<ext>`: the path ends in the file's real
extension (ImaginePro wants a direct link ending in .jpg/.png/.webp; a query string may
break that check), and the token is a TimestampSigner signature of the uuid, salted per
kind, valid settings.PUBLIC_URL_MAX_AGE seconds (at least the provider's 24 h history).
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse

from studio.generation.models import Asset
from studio.uploads.models import Upload

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

    obj: an Upload, or a generation Asset (its main file). Returns e.g.
    "https://studio.example.com/r/u/1kq3Zx.AbC…/7c9e…e1.jpg", built from
    settings.PUBLIC_BASE_URL (workers have no request), valid PUBLIC_URL_MAX_AGE seconds from
    now. Raises TypeError for any other object. Whether the provider can reach that address
    is public_address_problem's question.
    """
    return f"{settings.PUBLIC_BASE_URL}{public_path(obj)}"


def _unreachable(host: str) -> bool:
    """True for names and addresses that only this machine or its network can reach."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a single-label name ("studio", "web") is local DNS at best
    return not address.is_global


def public_address_problem(provider_key: ProviderKey) -> str | None:
    """Why the provider behind `provider_key` could not fetch our public URLs, or None.

    None for a sandbox key (the sandbox runs inside the studio and reaches any address).
    For a real key: a plain sentence when settings.PUBLIC_BASE_URL is empty, not http(s), or
    points at localhost, a 127.x/private/link-local address or a local-only name. Forms use
    it to refuse image inputs up front instead of letting the job fail at the provider.
    """
    if provider_key.is_sandbox:
        return None
    base = settings.PUBLIC_BASE_URL
    parts = urlsplit(base)
    if parts.scheme in ("http", "https") and parts.hostname and not _unreachable(parts.hostname):
        return None
    shown = f"({base}) " if base else ""
    return (
        f"ImaginePro cannot fetch images from this studio: its public address {shown}is not "
        "reachable from the internet. Ask whoever runs the studio to set PUBLIC_BASE_URL to "
        "a public address, or use a sandbox key."
    )
