"""Request bodies of the sandbox API, read and checked like the provider does.

Errors use the provider's NestJS shape (imaginepro.md §1.5, seed S000):
`{"message": "Prompt is required.", "error": "Bad Request", "statusCode": 400}`.
Field names and ranges: §1.1 (BaseParams), §3.1 (imagine), §3.3 (button), §3.11 (Flux).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from http import HTTPStatus
from urllib.parse import urlsplit

from .prompts import MAX_RATIO, tile_size

TIMEOUT_RANGE = (10, 900)  # seconds (§1.1)
FLUX_SIDE_RANGE = (256, 2048)  # px, multiples of 8 (§3.11)
FLUX_DEFAULT_SIDE = 1024
FLUX_FORMATS = ("png", "webp", "jpg", "jpeg")


class ApiError(Exception):
    """An HTTP error answered in the provider's shape. `status` is the HTTP code."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict:
        """`{"message", "error" (HTTP reason phrase), "statusCode"}`."""
        return {
            "message": self.message,
            "error": HTTPStatus(self.status).phrase,
            "statusCode": self.status,
        }


def bad_request(message: str) -> ApiError:
    """A 400 with `message` (say which field is wrong and why)."""
    return ApiError(400, message)


@dataclass(frozen=True)
class BaseParams:
    """§1.1: `ref` ("" if none), `webhookOverride` ("" if none), `timeout` s, `disableCdn`."""

    ref: str
    webhook_url: str
    timeout: int
    disable_cdn: bool


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


def parse_json(raw: bytes) -> dict:
    """The body as a JSON object, or 400."""
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("Invalid JSON body.") from exc
    if not isinstance(data, dict):
        raise bad_request("Request body must be a JSON object.")
    return data


def is_int(value) -> bool:
    """True for a JSON integer (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def optional_string(data: dict, field: str) -> str | None:
    """`data[field]` if it is a string, None if absent/null, else 400."""
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        raise bad_request(f"{field} must be a string.")
    return value


def read_prompt(data: dict) -> str:
    """The stripped, non-empty `prompt`, else 400 "Prompt is required."."""
    prompt = data.get("prompt")
    if prompt is None or (isinstance(prompt, str) and not prompt.strip()):
        raise bad_request("Prompt is required.")
    if not isinstance(prompt, str):
        raise bad_request("prompt must be a string.")
    return prompt.strip()


def read_url(data: dict, field: str) -> str:
    """A required http(s) URL field (stripped), else 400. Whether it can be fetched is found
    out later: see inputs.py."""
    return check_url(data.get(field), field)


def check_url(value, name: str) -> str:
    """`value` as an http(s) URL with a host, else 400 naming `name`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise bad_request(f"{name} is required.")
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string.")
    value = value.strip()
    try:
        parts = urlsplit(value)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        ok = False
    if not ok or any(c.isspace() for c in value):
        raise bad_request(f"{name} must be an http(s) URL.")
    return value


def read_base(data: dict) -> BaseParams:
    """The optional fields every generating endpoint accepts (§1.1)."""
    ref = optional_string(data, "ref") or ""
    webhook = optional_string(data, "webhookOverride") or ""
    if webhook:
        parts = urlsplit(webhook)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad_request("webhookOverride must be a valid http(s) URL.")
    timeout = data.get("timeout")
    if timeout is None:
        timeout = TIMEOUT_RANGE[1]
    elif not is_int(timeout) or not TIMEOUT_RANGE[0] <= timeout <= TIMEOUT_RANGE[1]:
        raise bad_request("timeout must be an integer between 10 and 900.")
    disable_cdn = data.get("disableCdn")
    if disable_cdn is not None and not isinstance(disable_cdn, bool):
        raise bad_request("disableCdn must be a boolean.")
    return BaseParams(ref, webhook, timeout, bool(disable_cdn))


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


def _snap8(value) -> int:
    return max(8, round(value / 8) * 8)


def _clamp_side(value) -> int:
    low, high = FLUX_SIDE_RANGE
    return min(high, max(low, _snap8(value)))
