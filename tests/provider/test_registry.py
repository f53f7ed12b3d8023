"""One client_for for every provider: the key's provider picks the client, its capabilities
say what the worker may do with it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from studio.provider import registry
from studio.provider.imaginelab.client import ImagineLabClient
from studio.provider.imaginepro.client import ImagineProClient


@pytest.mark.parametrize(
    ("kind", "cls"), [("imaginepro", ImagineProClient), ("imaginelab", ImagineLabClient)]
)
def test_client_for_builds_the_provider_s_client_with_the_key_s_secret(kind, cls):
    key = SimpleNamespace(provider=kind, base_url="http://provider.test/api/", api_key="s3cret")
    client = registry.client_for(key, timeout=(1.0, 2.0))
    assert type(client) is cls
    assert client.base_url == "http://provider.test/api"
    assert client.timeout == (1.0, 2.0)
    assert client._headers["Authorization"] == "Bearer s3cret"
    assert "s3cret" not in repr(client)


def test_capabilities_are_declared_per_provider():
    pro, lab = registry.capabilities("imaginepro"), registry.capabilities("imaginelab")
    assert pro.echoes_ref and pro.sends_webhooks and not pro.needs_sign_in
    assert not lab.echoes_ref and not lab.sends_webhooks and lab.needs_sign_in
    assert lab.max_poll_interval == 2.0 and lab.wallet and lab.mixed_outputs


def test_an_unknown_provider_is_a_key_error():
    with pytest.raises(KeyError):
        registry.client_for(SimpleNamespace(provider="nobody", base_url="x", api_key="y"))
