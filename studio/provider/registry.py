"""The providers the studio knows, by the name a key stores (`ProviderKey.provider`), and the
one way to get a client for a key.

Adding a provider: a folder beside imaginepro/ with a client built on base.HttpClient (its
`kind`, `capabilities` and the calls of base.ProviderClient), and one line in CLIENTS.
"""

from __future__ import annotations

from typing import Protocol

from studio.provider.base import Capabilities, HttpClient
from studio.provider.imaginelab.client import ImagineLabClient
from studio.provider.imaginepro.client import ImagineProClient

CLIENTS: dict[str, type[HttpClient]] = {
    client.kind: client
    for client in (
        ImagineProClient,
        ImagineLabClient,
    )
}


class KeyLike(Protocol):
    """What a client needs of a stored key (studio.accounts.models.ProviderKey has it):
    the provider's name, the API root to call, and the secret (API key or signed-in token)."""

    provider: str
    base_url: str
    api_key: str


def client_class(kind: str) -> type[HttpClient]:
    """The client class of provider `kind` ("imaginepro", "imaginelab"); KeyError if unknown."""
    return CLIENTS[kind]


def capabilities(kind: str) -> Capabilities:
    """What provider `kind` does (base.Capabilities); KeyError if unknown."""
    return CLIENTS[kind].capabilities


def client_for(key: KeyLike, *, timeout: tuple[float, float] | None = None) -> HttpClient:
    """A client of the key's provider, calling `key.base_url` with `key.api_key` as the bearer
    secret; `timeout` (connect, read) seconds, default settings.PROVIDER_TIMEOUT."""
    return CLIENTS[key.provider].with_secret(
        base_url=key.base_url, secret=key.api_key, timeout=timeout
    )
