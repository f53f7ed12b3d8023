"""Reading any request body of the sandbox API like the provider does: the error it answers,
the JSON object, and the fields every endpoint shares (prompt, URLs, BaseParams).

Errors use the provider's NestJS shape (docs/provider-contract.md §1.5, https://platform.imaginepro.ai/ai-agent-skill):
`{"message": "Prompt is required.", "error": "Bad Request", "statusCode": 400}`.
Field names and ranges: §1.1 (BaseParams). Each endpoint's body: params.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

TIMEOUT_RANGE = (10, 900)  # seconds (§1.1)


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
    out later: see render/inputs.py."""
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
