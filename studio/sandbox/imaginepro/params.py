"""The body of each endpoint (Midjourney imagine and button, Flux, models, tools, video,
describe, face swap, blend, history), read and checked with validation.py's shared readers.

Each reader returns a frozen dataclass or raises a 400 ApiError in the NestJS shape
(docs/provider-contract.md §1.5). Field names: §3.1, §3.3, §3.5–3.9, §3.11–3.17; limits the docs leave
open are the sandbox's and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..prompts import MAX_RATIO, parse_prompt, tile_size
from .validation import (
    BaseParams,
    bad_request,
    check_url,
    is_int,
    optional_string,
    read_base,
    read_prompt,
    read_url,
)

FLUX_SIDE_RANGE = (256, 2048)  # px, multiples of 8 (§3.11)
FLUX_DEFAULT_SIDE = 1024
FLUX_FORMATS = ("png", "webp", "jpg", "jpeg")
# Nano Banana models (§3.15, JS SDK); https://platform.imaginepro.ai/ai-agent-skill says "must be nano-banana-2", the JS SDK allows
# four and defaults to nano-banana. The sandbox accepts the four and defaults to the ImaginePro docs' choice.
UNIVERSAL_MODELS = (
    "nano-banana",
    "nano-banana-2",
    "gemini-2.5-flash-image-preview",
    "gemini-3-pro-image-preview",
)
UNIVERSAL_DEFAULT_MODEL = "nano-banana-2"
UNIVERSAL_MAX_IMAGES = 8  # the docs say "multiple"; 8 is the sandbox's limit
ZIMAGE_SIDE_RANGE = (64, 1024)  # px, multiples of 8 (§3.16: max 1024)
ZIMAGE_STEPS = 4  # §3.16: "always 4"
VIDEO_DEFAULT_PROMPT = "smooth motion transition"  # https://platform.imaginepro.ai/ai-agent-skill
BLEND_URLS = (2, 5)  # §3.7: "up to 5"; at least 2 (GUESS from Midjourney's /blend)
HISTORY_MAX_SIZE = 100


@dataclass(frozen=True)
class ImagineRequest:
    prompt: str
    base: BaseParams


@dataclass(frozen=True)
class ButtonRequest:
    message_id: str
    button: str
    prompt: str | None
    mask: str | None
    base: BaseParams


@dataclass(frozen=True)
class FluxRequest:
    prompt: str
    n: int
    width: int
    height: int
    output_format: str
    output_quality: int
    model: str
    base: BaseParams


@dataclass(frozen=True)
class UniversalRequest:
    """POST universal/imagine | gemini/imagine: `prompt` = the text items joined by a space,
    `image_urls` in the order sent."""

    prompt: str
    image_urls: list[str]
    model: str
    base: BaseParams


@dataclass(frozen=True)
class ZImageRequest:
    """POST universal/zimage: output size in px (multiples of 8, ≤ 1024)."""

    prompt: str
    width: int
    height: int
    base: BaseParams


@dataclass(frozen=True)
class VideoRequest:
    """POST video/mj/generate."""

    prompt: str
    start_url: str
    end_url: str
    base: BaseParams


@dataclass(frozen=True)
class VideoExtendRequest:
    """POST video/mj/extend: which result (`index`) of which video (`message_id`)."""

    message_id: str
    index: int
    animate_mode: str
    prompt: str | None
    base: BaseParams


@dataclass(frozen=True)
class UpscaleRequest:
    """POST flux/upscale: integer factor 2–4."""

    image_url: str
    scale: int
    base: BaseParams


@dataclass(frozen=True)
class ImageUrlRequest:
    """A single image URL: tools/remove-bg (`image`), nova/describe (`url`)."""

    url: str
    base: BaseParams


@dataclass(frozen=True)
class FaceSwapRequest:
    """POST nova/faceswap: `source` donates the face, `target` receives it (§3.6, 3P)."""

    source: str
    target: str
    base: BaseParams


@dataclass(frozen=True)
class BlendRequest:
    """POST nova/blend: 2–5 image URLs."""

    urls: list[str]
    base: BaseParams


def read_imagine(data: dict) -> ImagineRequest:
    """POST /nova/imagine and /midjourney/imagine (§3.1)."""
    return ImagineRequest(prompt=read_prompt(data), base=read_base(data))


def read_button(data: dict) -> ButtonRequest:
    """POST /nova/button and /midjourney/button (§3.3). `button` is checked later, against
    the parent's buttons."""
    message_id = data.get("messageId")
    if not isinstance(message_id, str) or not message_id.strip():
        raise bad_request("messageId is required.")
    button = data.get("button")
    if not isinstance(button, str) or not button:
        raise bad_request("button is required.")
    prompt = optional_string(data, "prompt")
    mask = optional_string(data, "mask")
    return ButtonRequest(
        message_id=message_id.strip(),
        button=button,
        prompt=prompt.strip() if prompt and prompt.strip() else None,
        mask=mask or None,
        base=read_base(data),
    )


def read_flux(data: dict) -> FluxRequest:
    """POST /flux/imagine (§3.11): snake_case fields, sizes in px."""
    prompt = read_prompt(data)
    n = data.get("n", 1)
    if n is None:
        n = 1
    if not is_int(n) or not 1 <= n <= 4:
        raise bad_request("n must be an integer between 1 and 4.")
    ratio = _flux_ratio(data.get("aspect_ratio"))
    width, height = _flux_side(data, "width"), _flux_side(data, "height")
    if width is None or height is None:
        auto_w, auto_h = (_snap8(side) for side in tile_size(ratio, FLUX_DEFAULT_SIDE))
        if width is None and height is None:
            width, height = auto_w, auto_h
        elif width is None:
            width = _clamp_side(height * ratio)
        else:
            height = _clamp_side(width / ratio)
    fmt = data.get("output_format") or "png"
    if not isinstance(fmt, str) or fmt.lower() not in FLUX_FORMATS:
        raise bad_request("output_format must be one of png, webp, jpg, jpeg.")
    quality = data.get("output_quality", 100)
    if quality is None:
        quality = 100
    if isinstance(quality, str) and quality.strip().isdigit():
        quality = int(quality.strip())
    if not is_int(quality) or not 0 <= quality <= 100:
        raise bad_request("output_quality must be an integer between 0 and 100.")
    model = optional_string(data, "model") or "flux-1.1-pro"
    return FluxRequest(prompt, n, width, height, fmt.lower(), quality, model, read_base(data))


def _flux_ratio(value) -> Fraction:
    if value is None or value == "":
        return Fraction(1)
    message = 'aspect_ratio must look like "16:9" (between 1:4 and 4:1).'
    if not isinstance(value, str):
        raise bad_request(message)
    parts = value.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise bad_request(message)
    ratio = Fraction(int(parts[0]), int(parts[1]))
    if not Fraction(1, MAX_RATIO) <= ratio <= MAX_RATIO:
        raise bad_request(message)
    return ratio


def _flux_side(data: dict, field: str) -> int | None:
    value = data.get(field)
    if value is None:
        return None
    low, high = FLUX_SIDE_RANGE
    if not is_int(value) or value % 8 or not low <= value <= high:
        raise bad_request(f"{field} must be a multiple of 8 between {low} and {high}.")
    return value


def _clamp_side(value) -> int:
    low, high = FLUX_SIDE_RANGE
    return min(high, max(low, _snap8(value)))


def read_universal(data: dict) -> UniversalRequest:
    """§3.15 `contents`: a non-empty array of `{type:"text",text}` / `{type:"image",url}`
    with at least one text item and at most UNIVERSAL_MAX_IMAGES images; `model` optional."""
    contents = data.get("contents")
    if contents is None:
        raise bad_request("contents is required.")
    if not isinstance(contents, list) or not contents:
        raise bad_request("contents must be a non-empty array.")
    texts, urls = [], []
    for position, item in enumerate(contents):
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "text":
            text = item.get("text")
            if not isinstance(text, str) or not text.strip():
                raise bad_request(f"contents[{position}].text must be a non-empty string.")
            texts.append(text.strip())
        elif kind == "image":
            urls.append(check_url(item.get("url"), f"contents[{position}].url"))
        else:
            raise bad_request(f'contents[{position}].type must be "text" or "image".')
    if not texts:
        raise bad_request("contents must include at least one text item.")
    if len(urls) > UNIVERSAL_MAX_IMAGES:
        raise bad_request(f"contents may include at most {UNIVERSAL_MAX_IMAGES} images.")
    model = data.get("model")
    if model is None or model == "":
        model = UNIVERSAL_DEFAULT_MODEL
    if model not in UNIVERSAL_MODELS:
        raise bad_request(f"model must be one of {', '.join(UNIVERSAL_MODELS)}.")
    return UniversalRequest(" ".join(texts), urls, model, read_base(data))


def read_zimage(data: dict) -> ZImageRequest:
    """§3.16: `prompt`; `steps` must be 4 if sent; `width`/`height` multiples of 8 up to 1024.

    A missing side comes from the prompt's `--ar W:H` (longest side 1024, snapped to 8, or
    from the other side when only one is sent), else 1024.
    """
    prompt = read_prompt(data)
    steps = data.get("steps")
    if steps is not None and (not is_int(steps) or steps != ZIMAGE_STEPS):
        raise bad_request(f"steps must be {ZIMAGE_STEPS}.")
    width, height = _zimage_side(data, "width"), _zimage_side(data, "height")
    ratio = parse_prompt(prompt).ratio  # 1 when there is no (valid) --ar
    high = ZIMAGE_SIDE_RANGE[1]
    if width is None and height is None:
        width, height = (_snap8(side) for side in tile_size(ratio, high))
    elif width is None:
        width = _clamp8(height * ratio)
    elif height is None:
        height = _clamp8(width / ratio)
    return ZImageRequest(prompt, width, height, read_base(data))


def _zimage_side(data: dict, field: str) -> int | None:
    value = data.get(field)
    if value is None:
        return None
    low, high = ZIMAGE_SIDE_RANGE
    if not is_int(value) or value % 8 or not low <= value <= high:
        raise bad_request(f"{field} must be a multiple of 8 between {low} and {high}.")
    return value


def _snap8(value) -> int:
    return max(8, int(round(value / 8)) * 8)


def _clamp8(value: Fraction | int) -> int:
    low, high = ZIMAGE_SIDE_RANGE
    return min(high, max(low, _snap8(value)))


def read_video(data: dict) -> VideoRequest:
    """§3.17 generate: `startFrameUrl`, `endFrameUrl` required; `prompt` optional."""
    start = read_url(data, "startFrameUrl")
    end = read_url(data, "endFrameUrl")
    prompt = optional_string(data, "prompt")
    prompt = prompt.strip() if prompt and prompt.strip() else VIDEO_DEFAULT_PROMPT
    return VideoRequest(prompt, start, end, read_base(data))


def read_video_extend(data: dict) -> VideoExtendRequest:
    """§3.17 extend: `messageId` required; `index` an integer (0 when absent, the JS SDK's
    example value); `animateMode` an optional string (its values are undocumented)."""
    message_id = data.get("messageId")
    if not isinstance(message_id, str) or not message_id.strip():
        raise bad_request("messageId is required.")
    index = data.get("index", 0)
    if index is None:
        index = 0
    if not is_int(index) or index < 0:
        raise bad_request("index must be a non-negative integer.")
    animate_mode = optional_string(data, "animateMode") or ""
    prompt = optional_string(data, "prompt")
    return VideoExtendRequest(
        message_id.strip(),
        index,
        animate_mode.strip(),
        prompt.strip() if prompt and prompt.strip() else None,
        read_base(data),
    )


def read_upscale(data: dict) -> UpscaleRequest:
    """§3.12: `image` URL and integer `scale` 2–4, both required."""
    image = read_url(data, "image")
    scale = data.get("scale")
    if not is_int(scale) or not 2 <= scale <= 4:
        raise bad_request("scale must be an integer between 2 and 4.")
    return UpscaleRequest(image, scale, read_base(data))


def read_remove_bg(data: dict) -> ImageUrlRequest:
    """§3.13: `image` URL required."""
    return ImageUrlRequest(read_url(data, "image"), read_base(data))


def read_describe(data: dict) -> ImageUrlRequest:
    """§3.5: `url` required."""
    return ImageUrlRequest(read_url(data, "url"), read_base(data))


def read_faceswap(data: dict) -> FaceSwapRequest:
    """§3.6: `source` and `target` URLs required."""
    return FaceSwapRequest(read_url(data, "source"), read_url(data, "target"), read_base(data))


def read_blend(data: dict) -> BlendRequest:
    """§3.7: `urls`, an array of 2–5 http(s) URLs."""
    urls = data.get("urls")
    low, high = BLEND_URLS
    if not isinstance(urls, list) or not low <= len(urls) <= high:
        raise bad_request(f"urls must be an array of {low} to {high} image URLs.")
    return BlendRequest(
        [check_url(url, f"urls[{i}]") for i, url in enumerate(urls)], read_base(data)
    )


def read_history_query(query) -> tuple[int, int]:
    """§3.8 `?page=1&size=10` → (page ≥ 1, size 1–HISTORY_MAX_SIZE); defaults 1 and 10."""
    page = _query_int(query.get("page"), 1)
    if page is None or page < 1:
        raise bad_request("page must be a positive integer.")
    size = _query_int(query.get("size"), 10)
    if size is None or not 1 <= size <= HISTORY_MAX_SIZE:
        raise bad_request(f"size must be an integer between 1 and {HISTORY_MAX_SIZE}.")
    return page, size


def _query_int(raw: str | None, default: int) -> int | None:
    if raw is None or raw == "":
        return default
    raw = raw.strip()
    if not raw.lstrip("-").isdigit() or len(raw) > 9:
        return None
    return int(raw)
