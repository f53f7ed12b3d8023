"""Checking and re-encoding images people give us, without touching the database.

Rules (docs/architecture.md "Pitfalls" §5, measured): refuse files over settings.UPLOAD_MAX_BYTES, anything Pillow does
not decode as JPEG, PNG or WEBP (the decoded format decides, never the file name), and more
than settings.UPLOAD_MAX_PIXELS pixels (checked from the header, before decoding, so a
decompression bomb is never decoded). Accepted images are re-encoded: EXIF orientation
applied, RGB, longest side at most 2048 px, JPEG. Re-encoding drops EXIF/GPS and any payload
hidden in the original file; the provider recommends images under about 1 MB.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPTED_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_SIDE = 2048  # px, longest side of a stored upload
TARGET_BYTES = 1_000_000  # the provider recommends reference images under ~1 MB
QUALITIES = (85, 78, 70)  # JPEG qualities tried in turn to stay under TARGET_BYTES
NAME_LENGTH = 120  # characters of the original file name we keep

# First bytes of formats people often try, only to name them in the refusal; these files
# are never handed to a Pillow decoder.
_SIGNATURES = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%PDF", "a PDF document"),
    (b"\x00\x00\x00\x0cjP", "a JPEG 2000 image"),
)


class UploadRejected(Exception):
    """An image we will not use. `message` is a sentence to show the person as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PreparedImage:
    """An accepted image, re-encoded and ready to store.

    content: JPEG bytes; width/height: pixels of `content`; sha256: hex digest of `content`;
    original_name: the name the person's file had (truncated, for display only).
    """

    content: bytes
    width: int
    height: int
    sha256: str
    original_name: str


def display_name(file: UploadedFile) -> str:
    """The file's own name, truncated: what the person will recognise in a message."""
    name = (getattr(file, "name", "") or "image").rsplit("/", 1)[-1]
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1] + "…"


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f} megapixels"


def _what_is_it(head: bytes) -> str:
    for signature, label in _SIGNATURES:
        if head.startswith(signature):
            return label
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return "a HEIC/AVIF image"
    if head.lstrip().lower().startswith((b"<svg", b"<?xml")):
        return "an SVG drawing"
    return "not an image we can read"


def open_checked(file: UploadedFile) -> Image.Image:
    """Open `file` and check size, format and pixel count from its header; nothing is decoded.

    Returns the lazily opened Pillow image (format JPEG, PNG or WEBP). Raises UploadRejected
    with a sentence naming the file and the rule it broke.
    """
    name = display_name(file)
    limit = settings.UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise UploadRejected(
            f"“{name}” is {filesizeformat(file.size)}; the limit is {filesizeformat(limit)} "
            "per image."
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not head:
        raise UploadRejected(f"“{name}” is empty.")
    try:
        # Only the three decoders we accept ever see the bytes.
        image = Image.open(file, formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as exc:
        raise UploadRejected(
            f"“{name}” has too many pixels; the limit is {_megapixels(settings.UPLOAD_MAX_PIXELS)}."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadRejected(
            f"“{name}” is {_what_is_it(head)}. Use a JPEG, PNG or WEBP image."
        ) from exc
    pixels = image.width * image.height
    if pixels > settings.UPLOAD_MAX_PIXELS:
        raise UploadRejected(
            f"“{name}” is {image.width} × {image.height} pixels ({_megapixels(pixels)}); "
            f"the limit is {_megapixels(settings.UPLOAD_MAX_PIXELS)}."
        )
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB for JPEG; transparent areas become white (a plain convert would make them black)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _encode(image: Image.Image) -> bytes:
    """JPEG bytes, at the best quality in QUALITIES that fits TARGET_BYTES; failing that,
    smaller sizes down to 1024 px. A huge detailed image may still end a little over."""
    while True:
        for quality in QUALITIES:
            out = io.BytesIO()
            # No exif= or icc_profile=: the new file carries no metadata at all.
            image.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= TARGET_BYTES:
                return out.getvalue()
        if max(image.size) <= 1024:
            return out.getvalue()
        image = image.resize(
            (max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)),
            Image.Resampling.LANCZOS,
        )


def prepare_image(file: UploadedFile) -> PreparedImage:
    """Check `file` (open_checked), decode it and re-encode it as docs/architecture.md "Pitfalls" §5 says.

    Returns a PreparedImage (JPEG, longest side <= MAX_SIDE px, no metadata). Raises
    UploadRejected for a file over the size or pixel limits, of another format, or that
    cannot be decoded (truncated, corrupt).
    """
    image = open_checked(file)
    name = display_name(file)
    try:
        if image.format == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers MAX_SIDE:
            # a 48 Mpx photo then never sits in memory at full size.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
        image = ImageOps.exif_transpose(image)
        image = _to_rgb(image)
    except Exception as exc:  # Pillow raises many types for damaged data
        raise UploadRejected(
            f"“{name}” could not be read; the file may be damaged. Try saving it again."
        ) from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    content = _encode(image)
    with Image.open(io.BytesIO(content)) as stored:
        width, height = stored.size
    return PreparedImage(
        content=content,
        width=width,
        height=height,
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=name,
    )
