"""Lenient parsing of ImaginePro responses (docs/provider-contract.md §1.2–1.4, §9–10).

The provider's pages disagree with each other: two status vocabularies, progress as a string
or a number, two spellings of the parent id, two timestamp forms. Everything here accepts all
of them and returns one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

QUEUED, PROCESSING, DONE, FAIL = "QUEUED", "PROCESSING", "DONE", "FAIL"

# Documented values first; the rest are aliases third-party clients defend against.
_STATUS_ALIASES = {
    "QUEUED": QUEUED,
    "SUBMITTED": QUEUED,
    "PENDING": QUEUED,
    "WAITING": QUEUED,
    "PROCESSING": PROCESSING,
    "RUNNING": PROCESSING,
    "IN_PROGRESS": PROCESSING,
    "DONE": DONE,
    "COMPLETED": DONE,
    "SUCCESS": DONE,
    "FAIL": FAIL,
    "FAILED": FAIL,
    "ERROR": FAIL,
}


def parse_status(value: Any) -> str:
    """Map any status spelling to QUEUED, PROCESSING, DONE or FAIL.

    Only DONE and FAIL are final (both official SDKs loop on exactly these); an unknown
    value is treated as still running rather than guessed final.
    """
    return _STATUS_ALIASES.get(str(value or "").strip().upper(), PROCESSING)


def parse_progress(value: Any) -> int:
    """Progress as an int 0–100; the schema says string ("45", "45%"), examples say number."""
    if value is None or value == "":
        return 0
    try:
        number = float(str(value).strip().rstrip("%"))
    except ValueError:
        return 0
    return max(0, min(100, int(number)))


def parse_timestamp(value: Any) -> datetime | None:
    """ISO 8601 in either documented form (`…817Z` or `…+00:00`); None when absent or bad."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(item) for item in value if isinstance(item, str) and item]


@dataclass(frozen=True)
class SubmitResult:
    """Answer to a generating POST: `{"success": true, "messageId": …, "createdAt": …}`."""

    message_id: str
    created_at: datetime | None
    # The cost the provider reserved, when it says (ImagineLab `credit_cost`, https://api.imagineview.art).
    credits: int | None = None


@dataclass(frozen=True)
class Message:
    """A job as GET /message/fetch/{messageId} (or a webhook) describes it (https://docs.imaginepro.ai/api-215981214, https://platform.imaginepro.ai/ai-agent-skill)."""

    message_id: str
    status: str
    progress: int
    prompt: str = ""
    uri: str = ""
    original_url: str = ""
    images: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    parent_message_id: str = ""
    ref: str = ""
    error: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    video_url: str = ""
    # Video results in the provider's order: (index, url); JS SDK `results: [{url, index}]`.
    results: list[tuple[int, str]] = field(default_factory=list)
    # ImagineLab outputs beyond images and videos: audio files (voice, music), text results,
    # and the job's real cost (`credit_cost`, https://api.imagineview.art) when the provider reports one.
    audio_urls: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    credits: int | None = None

    @property
    def is_final(self) -> bool:
        return self.status in (DONE, FAIL)

    @property
    def video_urls(self) -> list[tuple[int, str]]:
        """Videos as (provider index, url): `results` sorted by index, else `videoUrl` as 0."""
        if self.results:
            return sorted(self.results)
        return [(0, self.video_url)] if self.video_url else []

    @property
    def output_urls(self) -> list[str]:
        """Result images in order: the `images` list when present, else `uri`, else
        `originalUrl` (Discord link, valid 24 h). A video's own file is not an image."""
        if self.images:
            return list(self.images)
        videos = {url for _, url in self.video_urls}
        for url in (self.uri, self.original_url):
            if url and url not in videos and not _looks_like_video(url):
                return [url]
        return []

    @property
    def grid_url(self) -> str:
        """The 2×2 grid of a Midjourney imagine, when `uri` is a separate file from the tiles."""
        if len(self.images) > 1 and self.uri and self.uri not in self.images:
            return self.uri
        return ""


_VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".m4v")


def _looks_like_video(url: str) -> bool:
    return url.split("?", 1)[0].lower().endswith(_VIDEO_SUFFIXES)


def _results(value: Any) -> list[tuple[int, str]]:
    """`[{url, index}]` → [(index, url)]; items without a URL are dropped, a missing index
    takes the item's position."""
    if not isinstance(value, list):
        return []
    found = []
    for position, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"]:
            try:
                index = int(item.get("index", position))
            except (TypeError, ValueError):
                index = position
            found.append((index, item["url"]))
    return found


def parse_message(data: Any) -> Message:
    """Build a Message from a decoded JSON object. Raises ValueError if it is not an object.

    Progress of a DONE job is forced to 100 (some examples leave it at an earlier value).
    """
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    status = parse_status(data.get("status"))
    progress = 100 if status == DONE else parse_progress(data.get("progress"))
    error = data.get("error") or ""
    if status == FAIL and not error:
        error = data.get("message") or "The provider reported a failure without a reason."
    return Message(
        message_id=str(data.get("messageId") or data.get("message_id") or ""),
        status=status,
        progress=progress,
        prompt=str(data.get("prompt") or ""),
        uri=str(data.get("uri") or ""),
        original_url=str(data.get("originalUrl") or ""),
        images=_strings(data.get("images")),
        buttons=_strings(data.get("buttons")),
        parent_message_id=str(
            data.get("originatingMessageId") or data.get("originalMessageId") or ""
        ),
        ref=str(data.get("ref") or ""),
        error=str(error),
        created_at=parse_timestamp(data.get("createdAt")),
        updated_at=parse_timestamp(data.get("updatedAt")),
        video_url=str(data.get("videoUrl") or ""),
        results=_results(data.get("results")),
        audio_urls=_strings(data.get("audioUrls")),
        texts=[text for text in data.get("texts") or [] if isinstance(text, str)],
        credits=data.get("credits") if isinstance(data.get("credits"), int) else None,
    )


def parse_submit(data: Any) -> SubmitResult:
    """Read a submit answer. Raises ValueError when it carries no messageId (the provider
    may still have accepted the job: the caller must treat that as an unknown outcome)."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    message_id = data.get("messageId") or data.get("message_id")
    if not message_id:
        reason = data.get("message") or data.get("error") or "no messageId in the answer"
        raise ValueError(str(reason))
    return SubmitResult(
        message_id=str(message_id), created_at=parse_timestamp(data.get("createdAt"))
    )
