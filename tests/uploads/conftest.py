"""Helpers for the uploads tests: real image files (and fake ones) and stored gallery assets."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from studio.generation.models import Asset
from tests.factories import AssetFactory, image_bytes


def image_file(name="photo.png", size=(64, 48), fmt="PNG", **kwargs) -> SimpleUploadedFile:
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}.get(fmt)
    return SimpleUploadedFile(
        name, image_bytes(size, fmt=fmt, **kwargs), content_type or "image/gif"
    )


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1×1 PNG whose header claims width × height: a few dozen bytes on disk, a
    decompression bomb to any decoder that believes the header."""
    data = bytearray(image_bytes((1, 1), 0, mode="L"))
    ihdr = 8  # after the PNG signature: length (4), b"IHDR" (4), width, height, …
    assert data[ihdr + 4 : ihdr + 8] == b"IHDR"
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    body = bytes(data[ihdr + 4 : ihdr + 8 + 13])
    data[ihdr + 8 + 13 : ihdr + 8 + 17] = struct.pack(">I", zlib.crc32(body))
    return bytes(data)


@pytest.fixture
def alice_asset(alice) -> Asset:
    return AssetFactory(generation__user=alice, generation__prompt="a red fox in snow")


@pytest.fixture
def charlie_asset(charlie) -> Asset:
    return AssetFactory(generation__user=charlie, generation__prompt="charlie's secret")
