"""Helpers for the uploads tests: real image files (and fake ones) and stored gallery assets."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from studio.generation import assets
from studio.generation.models import Asset, Generation, Model, Status


def image_bytes(size=(64, 48), fmt="PNG", color=(200, 80, 40), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def image_file(name="photo.png", size=(64, 48), fmt="PNG", **kwargs) -> SimpleUploadedFile:
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}.get(fmt)
    return SimpleUploadedFile(name, image_bytes(size, fmt, **kwargs), content_type or "image/gif")


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1×1 PNG whose header claims width × height: a few dozen bytes on disk, a
    decompression bomb to any decoder that believes the header."""
    data = bytearray(image_bytes((1, 1), "PNG", mode="L", color=0))
    ihdr = 8  # after the PNG signature: length (4), b"IHDR" (4), width, height, …
    assert data[ihdr + 4 : ihdr + 8] == b"IHDR"
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    body = bytes(data[ihdr + 4 : ihdr + 8 + 13])
    data[ihdr + 8 + 13 : ihdr + 8 + 17] = struct.pack(">I", zlib.crc32(body))
    return bytes(data)


def make_asset(user, *, role=Asset.Role.IMAGE, prompt="a red fox in snow", index=1) -> Asset:
    """A finished generation of `user` with one stored image and its thumbnail."""
    generation = Generation.objects.create(
        user=user, model=Model.FLUX, prompt=prompt, status=Status.DONE
    )
    data = image_bytes((96, 64), "PNG", color=(30, 90, 200))
    asset = Asset(
        generation=generation,
        role=role,
        index=index,
        content_type="image/png",
        width=96,
        height=64,
        bytes=len(data),
        sha256="0" * 64,
        source_url="https://example.invalid/fox.png",
    )
    asset.file.save(f"{role}-{index}.png", ContentFile(data), save=False)
    thumb = assets.make_thumbnail(Image.open(io.BytesIO(data)))
    asset.thumbnail.save(f"{role}-{index}-thumb.webp", ContentFile(thumb), save=False)
    asset.save()
    return asset


@pytest.fixture
def alice_asset(alice) -> Asset:
    return make_asset(alice)


@pytest.fixture
def charlie_asset(charlie) -> Asset:
    return make_asset(charlie, prompt="charlie's secret")
