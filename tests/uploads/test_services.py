"""upload_create and materialize: what is stored, what is refused, and with which words."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from studio.uploads.fields import ImageSource
from studio.uploads.images import TARGET_BYTES
from studio.uploads.models import Upload
from studio.uploads.services import UploadRejected, materialize, upload_create
from tests.factories import AssetFactory, image_bytes
from tests.uploads.conftest import bomb_png, image_file

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT / "uploads"
    return list(root.iterdir()) if root.exists() else []


class TestUploadCreate:
    def test_png_becomes_jpeg_within_2048_px_without_exif(self, alice):
        exif = Image.Exif()
        exif[0x010F] = "SecretCam"  # Make
        exif[0x0131] = "editor 1.0"  # Software
        data = image_bytes((4000, 1000), fmt="PNG", exif=exif.tobytes())
        assert Image.open(io.BytesIO(data)).getexif()  # the original does carry EXIF

        upload = upload_create(user=alice, file=SimpleUploadedFile("wide.png", data))

        with upload.file.open("rb") as handle:
            stored = Image.open(io.BytesIO(handle.read()))
        assert stored.format == "JPEG"
        assert stored.size == (2048, 512) == (upload.width, upload.height)
        assert not stored.getexif()
        assert "exif" not in stored.info and "icc_profile" not in stored.info
        assert upload.file.name.endswith(".jpg") and "wide" not in upload.file.name
        assert upload.original_name == "wide.png"
        assert upload.bytes == upload.file.size <= TARGET_BYTES

    def test_jpeg_orientation_is_applied_then_dropped(self, alice):
        exif = Image.Exif()
        exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS
        data = image_bytes((300, 100), fmt="JPEG", exif=exif.tobytes())

        upload = upload_create(user=alice, file=SimpleUploadedFile("phone.jpg", data))

        assert (upload.width, upload.height) == (100, 300)
        with upload.file.open("rb") as handle:
            assert not Image.open(handle).getexif()

    def test_transparent_png_gets_a_white_background(self, alice):
        data = image_bytes((20, 20), fmt="PNG", mode="RGBA", color=(0, 0, 0, 0))
        upload = upload_create(user=alice, file=SimpleUploadedFile("logo.png", data))
        with upload.file.open("rb") as handle:
            assert Image.open(handle).convert("RGB").getpixel((10, 10)) >= (250, 250, 250)

    def test_webp_is_accepted(self, alice):
        upload = upload_create(user=alice, file=image_file("x.webp", fmt="WEBP"))
        assert upload.file.name.endswith(".jpg")

    @pytest.mark.parametrize(
        ("file", "words"),
        [
            (SimpleUploadedFile("notes.png", b"shopping list: eggs, milk\n"), "not an image"),
            (image_file("anim.gif", fmt="GIF"), "is a GIF image. Use a JPEG, PNG or WEBP image."),
            (SimpleUploadedFile("empty.jpg", b""), "is empty"),
            (SimpleUploadedFile("cut.png", image_bytes((300, 300), fmt="PNG")[:200]), "damaged"),
        ],
        ids=["text-renamed-png", "gif", "empty", "truncated"],
    )
    def test_refused_with_its_reason_and_nothing_stored(self, alice, settings, file, words):
        with pytest.raises(UploadRejected) as caught:
            upload_create(user=alice, file=file)
        assert words in caught.value.message
        assert f"“{file.name}”" in caught.value.message
        assert not Upload.objects.exists()
        assert stored_files(settings) == []

    def test_bomb_is_refused_from_its_header(self, alice, settings):
        # 30000 × 30000 = 900 Mpx in 70 bytes: Pillow itself refuses it (over 2 × the limit).
        data = bomb_png(30_000, 30_000)
        assert len(data) < 100
        with pytest.raises(UploadRejected, match="too many pixels; the limit is 50 megapixels"):
            upload_create(user=alice, file=SimpleUploadedFile("bomb.png", data))
        assert not Upload.objects.exists() and stored_files(settings) == []

    @pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
    def test_just_over_the_pixel_limit_is_refused_before_decoding(self, alice):
        # 8000 × 8000 = 64 Mpx: Pillow only warns here; our own check refuses it.
        with pytest.raises(UploadRejected) as caught:
            upload_create(user=alice, file=SimpleUploadedFile("big.png", bomb_png(8000, 8000)))
        assert "8000 × 8000 pixels (64 megapixels); the limit is 50 megapixels" in str(caught.value)

    def test_oversize_file_is_refused(self, alice, settings):
        settings.UPLOAD_MAX_BYTES = 1000
        file = SimpleUploadedFile("noise.png", image_bytes((200, 200), fmt="PNG") + b"\0" * 2000)
        with pytest.raises(UploadRejected) as caught:
            upload_create(user=alice, file=file)
        # filesizeformat joins number and unit with a no-break space.
        assert "KB; the limit is 1000\xa0bytes per image." in caught.value.message
        assert not Upload.objects.exists() and stored_files(settings) == []

    def test_same_image_twice_reuses_the_row_per_person(self, alice, charlie):
        first = upload_create(user=alice, file=image_file("a.png"))
        again = upload_create(user=alice, file=image_file("copy-of-a.png"))
        theirs = upload_create(user=charlie, file=image_file("a.png"))
        assert again.pk == first.pk
        assert theirs.pk != first.pk
        assert Upload.objects.count() == 2


class TestMaterialize:
    def test_urls_in_order_for_each_kind(self, alice, alice_asset, settings):
        settings.PUBLIC_BASE_URL = "https://studio.example.com"
        sources = [
            ImageSource("upload", file=image_file("a.png")),
            ImageSource("asset", asset_id=alice_asset.pk),
            ImageSource("url", url="https://cdn.example.com/cat.jpg"),
        ]
        urls = materialize(user=alice, sources=sources)

        upload = Upload.objects.get()
        token = r"[0-9A-Za-z]+\.[\w-]+"
        assert re.fullmatch(rf"https://studio\.example\.com/r/u/{token}/{upload.pk}\.jpg", urls[0])
        assert re.fullmatch(
            rf"https://studio\.example\.com/r/a/{token}/{alice_asset.pk}\.png", urls[1]
        )
        assert urls[2] == "https://cdn.example.com/cat.jpg"

    def test_someone_elses_asset_is_refused(self, alice, charlie):
        theirs = AssetFactory(generation__user=charlie)
        with pytest.raises(UploadRejected, match="no longer available"):
            materialize(user=alice, sources=[ImageSource("asset", asset_id=theirs.pk)])
