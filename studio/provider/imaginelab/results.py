"""ImagineLab's answers as typed results, read leniently (https://api.imagineview.art; docs/provider-contract.md §8).

https://api.imagineview.art shows one generation record and the status answer; the models list, the history page
and output items are left open, so each reader accepts the shapes a FastAPI service is likely
to send (a list or `{items|results|data}`, strings or objects) and never raises on an extra
or missing optional field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests

from studio.provider.messages import (
    DONE,
    FAIL,
    Message,
    parse_progress,
    parse_status,
    parse_timestamp,
)

GENERATION_TYPES = ("image", "video", "voice", "music", "infographic", "text")
# The lowercase statuses of https://api.imagineview.art: pending → processing → completed | failed.
COMPLETED = "completed"
FAILED_WITHOUT_REASON = "The provider reported the generation failed."

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
_VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".m4v")
_AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".oga", ".m4a", ".flac")
# The kind each generation type's outputs are, when an output does not say (https://api.imagineview.art).
_KIND_OF_TYPE = {
    "image": "image",
    "infographic": "image",
    "video": "video",
    "voice": "audio",
    "music": "audio",
    "text": "text",
}

# --- typed results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LabModel:
    """One entry of GET /generations/models.

    settings: name -> {"type": "choice"|"int"|"text"|"bool", "choices": [...], "default": ...,
    "min": ..., "max": ..., "label": ...} (only the keys that apply). credits: the model's
    cost per generation when the list says (`credit_cost`|`credits`|`cost`), else None.
    """

    name: str
    generation_type: str
    label: str
    credits: int | None
    settings: dict


@dataclass(frozen=True)
class LabOutput:
    """One output of a generation: kind "image" | "video" | "audio" | "text"; `url` for media,
    `text` for a text result, `content_type` when the provider gave one."""

    kind: str
    url: str = ""
    text: str = ""
    content_type: str = ""


@dataclass(frozen=True)
class LabGeneration:
    """A generation record as https://api.imagineview.art shows it (`id`, `generation_type`, `model_name`, `prompt`,
    lowercase `status`, `credit_cost`, `created_at`, `outputs`), plus `progress` and `error`
    when the record carries them."""

    id: int
    generation_type: str
    model_name: str
    prompt: str
    status: str
    progress: int
    credit_cost: int | None
    created_at: datetime | None
    outputs: list[LabOutput]
    error: str = ""


@dataclass(frozen=True)
class LabStatus:
    """GET /generations/{id}/status: `{"id": 1842, "status": "completed", "progress": 100}`."""

    id: int
    status: str
    progress: int


@dataclass(frozen=True)
class LabPage:
    """One page of GET /generations; `total` when the provider says."""

    items: list[LabGeneration]
    page: int
    has_next: bool
    total: int | None


@dataclass(frozen=True)
class LabWallet:
    """GET /credits/wallet: `balance` in credits and the whole answer in `raw`."""

    balance: int
    raw: dict = field(default_factory=dict)


# --- lenient parsing -------------------------------------------------------------------------


def int_or_none(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def first_field(data: dict, *names: str) -> Any:
    for name in names:
        if data.get(name) is not None:
            return data[name]
    return None


def list_items(data: Any, *keys: str) -> list:
    """A bare list, or the list under the first of `keys`; ValueError otherwise."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                return data[key]
    raise ValueError("expected a list")


def _suffix_kind(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    if path.endswith(_IMAGE_SUFFIXES):
        return "image"
    if path.endswith(_VIDEO_SUFFIXES):
        return "video"
    if path.endswith(_AUDIO_SUFFIXES):
        return "audio"
    return ""


def _declared_kind(value: Any) -> str:
    """A kind from an output's own `type`/`kind` ("audio", "music", "image") or a MIME type
    ("audio/wav", "image/webp")."""
    text = str(value or "").strip().lower()
    if not text:
        return ""
    head = text.split("/", 1)[0]
    if head in ("image", "video", "audio", "text"):
        return head
    return _KIND_OF_TYPE.get(text, "")


def _looks_like_url(text: str) -> bool:
    return text.startswith(("http://", "https://", "/"))


def parse_output(item: Any, generation_type: str = "") -> LabOutput | None:
    """One output: a string (URL or text) or an object `{"url"|"text", "type"|"kind"|
    "content_type"}`. The kind comes from the object's type field, else the generation type
    (text → text, voice/music → audio, video → video even as an animated WebP, image and
    infographic → image), else the URL's extension. None for an empty or unreadable item."""
    url, text, content_type, declared = "", "", "", ""
    if isinstance(item, str):
        value = item.strip()
        if not value:
            return None
        if generation_type == "text" or not _looks_like_url(value):
            return LabOutput(kind="text", text=value)
        url = value
    elif isinstance(item, dict):
        url = str(item.get("url") or item.get("uri") or "").strip()
        text = str(item.get("text") or item.get("content") or "").strip()
        content_type = str(item.get("content_type") or item.get("mime_type") or "")
        declared = _declared_kind(item.get("type") or item.get("kind")) or _declared_kind(
            content_type
        )
        if not url and not text:
            return None
    else:
        return None
    kind = declared or _KIND_OF_TYPE.get(generation_type, "")
    if not kind:
        kind = (_suffix_kind(url) or "image") if url and not text else "text"
    return LabOutput(kind=kind, url=url, text=text, content_type=content_type)


def parse_generation(data: Any) -> LabGeneration:
    """A generation record (https://api.imagineview.art). Raises ValueError without an integer `id`."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    generation_id = int_or_none(data.get("id"))
    if generation_id is None:
        raise ValueError("no generation id")
    generation_type = str(data.get("generation_type") or data.get("type") or "").lower()
    status = str(data.get("status") or "").strip().lower()
    outputs_raw = data.get("outputs")
    if outputs_raw is None:
        outputs_raw = data.get("results") or []
    if not isinstance(outputs_raw, list):
        outputs_raw = [outputs_raw]
    outputs = [
        output
        for output in (parse_output(item, generation_type) for item in outputs_raw)
        if output is not None
    ]
    progress = 100 if status == COMPLETED else parse_progress(data.get("progress"))
    error = first_field(data, "error", "error_message", "detail") or ""
    return LabGeneration(
        id=generation_id,
        generation_type=generation_type,
        model_name=str(data.get("model_name") or data.get("model") or ""),
        prompt=str(data.get("prompt") or ""),
        status=status,
        progress=progress,
        credit_cost=int_or_none(first_field(data, "credit_cost", "credits", "cost")),
        created_at=parse_timestamp(data.get("created_at")),
        outputs=outputs,
        error=str(error) if not isinstance(error, (dict, list)) else "",
    )


def parse_model(data: Any) -> LabModel:
    """One models-list entry; ValueError without a name."""
    if isinstance(data, str):
        data = {"name": data}
    if not isinstance(data, dict):
        raise ValueError("expected a model object")
    name = str(first_field(data, "name", "model_name", "id") or "").strip()
    if not name:
        raise ValueError("a model without a name")
    raw_settings = data.get("settings") or data.get("parameters") or {}
    if isinstance(raw_settings, list):  # [{"name": ..., ...}] → {name: {...}}
        raw_settings = {
            str(item["name"]): {k: v for k, v in item.items() if k != "name"}
            for item in raw_settings
            if isinstance(item, dict) and item.get("name")
        }
    if not isinstance(raw_settings, dict):
        raw_settings = {}
    return LabModel(
        name=name,
        generation_type=str(data.get("generation_type") or data.get("type") or "").lower(),
        label=str(first_field(data, "label", "display_name", "title") or name),
        credits=int_or_none(first_field(data, "credit_cost", "credits", "cost")),
        settings={str(k): v for k, v in raw_settings.items() if isinstance(v, dict)},
    )


def generation_message(generation: LabGeneration) -> Message:
    """The worker's view of a finished or running generation (studio.provider.messages):
    images = image and infographic outputs; video = `results`/`video_url`; audio_urls; texts;
    credits = the reported `credit_cost`."""
    status = parse_status(generation.status)
    images = [o.url for o in generation.outputs if o.kind == "image" and o.url]
    videos = [o.url for o in generation.outputs if o.kind == "video" and o.url]
    audio = [o.url for o in generation.outputs if o.kind == "audio" and o.url]
    texts = [o.text for o in generation.outputs if o.kind == "text" and o.text]
    error = ""
    if status == FAIL:
        error = generation.error or FAILED_WITHOUT_REASON
    return Message(
        message_id=str(generation.id),
        status=status,
        progress=100 if status == DONE else generation.progress,
        prompt=generation.prompt,
        images=images,
        error=error,
        created_at=generation.created_at,
        video_url=videos[0] if videos else "",
        results=list(enumerate(videos)),
        audio_urls=audio,
        texts=texts,
        credits=generation.credit_cost,
    )


def parse_page(data: Any, raw: list, *, page: int, page_size: int) -> LabPage:
    """A history page from its answer `data` and its item list `raw`: unreadable items are
    skipped; whether there is a next page comes from `has_next`, `next`, `pages` or `total`,
    else from a full page (`page`, `page_size`: what was asked)."""
    items = []
    for item in raw:
        try:
            items.append(parse_generation(item))
        except ValueError:
            continue
    meta = data if isinstance(data, dict) else {}
    total = int_or_none(meta.get("total"))
    current = int_or_none(meta.get("page")) or page
    size = int_or_none(meta.get("page_size") or meta.get("size")) or page_size
    if isinstance(meta.get("has_next"), bool):
        has_next = meta["has_next"]
    elif "next" in meta:
        has_next = bool(meta.get("next"))
    elif int_or_none(meta.get("pages")) is not None:
        has_next = current < int_or_none(meta.get("pages"))
    elif total is not None:
        has_next = current * size < total
    else:
        has_next = len(raw) >= size
    return LabPage(items=items, page=current, has_next=has_next, total=total)


# --- error answers ---------------------------------------------------------------------------


def error_text(response: requests.Response) -> str:
    """FastAPI's `detail` (a string, or a 422 list of `{loc, msg}` whose msgs are joined);
    `message` or `error` tolerated; else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(body, dict):
        text = first_field(body, "detail", "message", "error")
        if isinstance(text, list):
            parts = []
            for item in text:
                if isinstance(item, dict):
                    message = str(item.get("msg") or item.get("message") or "")
                    where = item.get("loc")
                    if isinstance(where, list) and where:
                        field_name = ".".join(str(p) for p in where if p not in ("body", "query"))
                        if field_name and message:
                            message = f"{field_name}: {message}"
                    parts.append(message)
                else:
                    parts.append(str(item))
            return "; ".join(part for part in parts if part)
        if isinstance(text, dict):
            return str(text.get("msg") or text.get("message") or text)[:300]
        return "" if text is None else str(text)
    return str(body)[:300]


def retry_after_of(response: requests.Response) -> float | None:
    """Seconds to wait on a 429: the `Retry-After` header, else a `retry_after` body field."""
    values = [response.headers.get("Retry-After")]
    try:
        body = response.json()
        if isinstance(body, dict):
            values.append(body.get("retry_after"))
    except ValueError:
        pass
    for value in values:
        try:
            if value is not None and value != "":
                return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return None
