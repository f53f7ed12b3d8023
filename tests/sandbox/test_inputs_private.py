"""The sandbox fetches the URLs it is given, but never addresses of the studio's network."""

from __future__ import annotations

import pytest

from studio.sandbox.render.inputs import fetch_image


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/x.png",  # cloud metadata (link-local)
        "http://10.1.2.3/a.png",
        "http://192.168.0.1/a.png",
        "http://[fd00::1]/a.png",
    ],
)
def test_private_and_link_local_addresses_are_refused_without_a_request(url):
    fetched = fetch_image(url)
    assert fetched.error == f"Failed to fetch image: {url} (address not allowed)"


def test_an_unknown_host_is_a_clear_failure():
    fetched = fetch_image("http://no-such-host.invalid/a.png")
    assert "host not found" in fetched.error
