"""Bad uploads through the real form: each gets a 4xx answer naming the file and
the rule, the form comes back with the prompt as typed, and nothing is kept: no Upload row,
no file under MEDIA_ROOT, no generation, no credits booked."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studio.credits.models import LedgerEntry
from studio.generation.models import Generation
from studio.uploads.models import Upload
from tests.factories import image_bytes
from tests.uploads.conftest import bomb_png

pytestmark = pytest.mark.django_db

PROMPT = "my carefully typed prompt about a lighthouse"


def files_under(root) -> list[Path]:
    root = Path(root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def post_files(client, key, files):
    return client.post(
        reverse("generation:nano_banana_new"),
        {
            "prompt": PROMPT,
            "reference_images_files": files,
            "reference_images_urls": "",
            "model": "nano-banana-2",
            "key": key.pk,
        },
    )


def assert_refused_and_nothing_kept(response, settings, *words):
    page = response.content.decode()
    assert response.status_code == 400, response.status_code  # the form, with its errors
    for word in words:
        assert word in page, word
    assert PROMPT in page  # the form, as typed
    assert Upload.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []
    assert Generation.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


BAD_FILES = {
    "decompression bomb": (
        "bomb.png",
        bomb_png(20_000, 20_000),
        ["“bomb.png”", "too many pixels"],
    ),
    # 100 Mpx: under Pillow's own error threshold (it only warns); our cap refuses it.
    "100 megapixels": (
        "huge.png",
        bomb_png(10_000, 10_000),
        ["“huge.png”", "10000 × 10000 pixels", "the limit is 50 megapixels"],
    ),
    "a PDF": ("paper.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", ["“paper.pdf”", "a PDF"]),
    "an SVG": (
        "drawing.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ["“drawing.svg”", "an SVG drawing"],
    ),
    "a text file": ("notes.txt", b"just some words\n", ["“notes.txt”", "not an image we can read"]),
    "text renamed to .png": (
        "photo.png",
        b"hello, I am not a PNG\n" * 20,
        ["“photo.png”", "not an image we can read"],
    ),
}


@pytest.mark.parametrize("what", list(BAD_FILES))
def test_a_bad_file_is_refused_and_nothing_is_kept(what, alice_client, alice_key, settings):
    name, content, words = BAD_FILES[what]
    upload = SimpleUploadedFile(name, content, "image/png")
    response = post_files(alice_client, alice_key, [upload])
    assert_refused_and_nothing_kept(response, settings, *words)


def test_an_oversize_file_is_refused(alice_client, alice_key, settings):
    settings.UPLOAD_MAX_BYTES = 20_000
    big = SimpleUploadedFile(
        "big.png", image_bytes((400, 400), fmt="PNG", color=(1, 2, 3)) + b"\0" * 30_000
    )
    response = post_files(alice_client, alice_key, [big])
    assert_refused_and_nothing_kept(response, settings, "“big.png”", "the limit is 19.5\xa0KB")


def test_one_bad_file_among_good_ones_keeps_none_of_them(alice_client, alice_key, settings):
    good = [SimpleUploadedFile(f"{n}.png", image_bytes(color=(n, 9, 9))) for n in range(3)]
    bad = SimpleUploadedFile("bad.png", b"not an image at all" * 10)
    response = post_files(alice_client, alice_key, [*good, bad])
    assert_refused_and_nothing_kept(response, settings, "“bad.png”")


def test_too_many_files_for_the_form(alice_client, alice_key, settings):
    files = [SimpleUploadedFile(f"{n}.png", image_bytes(color=(n, 9, 9))) for n in range(9)]
    response = post_files(alice_client, alice_key, files)
    assert_refused_and_nothing_kept(response, settings, "At most 8 images (you gave 9)")


def test_too_many_files_for_any_form_is_a_clear_400(alice_client, alice_key, settings):
    """Over DATA_UPLOAD_MAX_NUMBER_FILES Django refuses the whole body before any form sees
    it: our 400 page says why, and nothing is kept."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    files = [SimpleUploadedFile(f"{n}.png", b"x") for n in range(limit + 1)]
    response = post_files(alice_client, alice_key, files)
    page = response.content.decode()
    assert response.status_code == 400
    assert f"at most {limit} files" in page
    assert Upload.objects.count() == 0 and Generation.objects.count() == 0
    assert files_under(settings.MEDIA_ROOT) == []
