"""HTTP client for the ImaginePro API (shared/api/imaginepro.md; seeds 000 and 004).

The same code talks to the real API and to the studio's sandbox: only `base_url` and the key
differ. Paths live in one table; when a route of the current family (`/nova/*`,
`/message/fetch`) answers NestJS's "Cannot POST …" 404, the client tries the older
`/midjourney/*` twin once (§9 item 2, §10).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter

from studio.provider import diy
from studio.provider.errors import ProviderError
from studio.provider.messages import (
    Message,
    SubmitResult,
    parse_message,
    parse_submit,
    parse_timestamp,
)

# One table, so a moved route is a one-line edit. Values: (preferred path, fallback or None).
# Sources per route: imaginepro.md §2 (catalogue) and §10 (which family to prefer).
PATHS: dict[str, tuple[str, str | None]] = {
    # generating (POST → messageId)
    "imagine": ("/nova/imagine", "/midjourney/imagine"),
    "button": ("/nova/button", "/midjourney/button"),
    "boost_imagine": ("/nova/boost/imagine", None),
    "boost_button": ("/nova/boost/button", None),
    "describe": ("/nova/describe", "/midjourney/describe"),
    "faceswap": ("/nova/faceswap", "/midjourney/faceswap"),
    "blend": ("/nova/blend", "/midjourney/blend"),
    "flux_imagine": ("/flux/imagine", None),
    "flux_upscale": ("/flux/upscale", None),
    "remove_bg": ("/tools/remove-bg", None),
    "universal_imagine": ("/universal/imagine", "/gemini/imagine"),
    "zimage": ("/universal/zimage", None),
    "video_generate": ("/video/mj/generate", None),
    "video_extend": ("/video/mj/extend", None),
    # synchronous tools
    "prompt_extend": ("/tools/prompt-extend", None),
    "prompt_check": ("/nova/prompt-check", None),
    # reads
    "message": ("/message/fetch/{message_id}", "/midjourney/message/{message_id}"),
    "video_message": ("/video/mj/fetch/{message_id}", "/message/fetch/{message_id}"),
    "images": ("/nova/images", None),
    "account_info": ("/subscription/account-info", None),
    # DIY plan (§3.18): documented routes…
    "discord_tokens": ("/discord/tokens", None),
    "discord_token": ("/discord/token/{token_id}", None),
    "message_trace": ("/message/trace/{message_id}", None),
    "commands": ("/nova/commands", None),
    # …and the provisional ones of DESIGN.md "Providers" (the provider publishes none).
    "diy_queue_count": ("/diy/queue/count", None),
    "diy_queue_pause": ("/diy/queue/pause", None),
    "diy_queue_resume": ("/diy/queue/resume", None),
    "diy_queue_reboot": ("/diy/queue/reboot", None),
    "diy_ban_words": ("/diy/ban-words", None),
    "diy_accounts": ("/diy/accounts", None),
    "diy_account_queue": ("/diy/accounts/{account_id}/queue", None),
}
# Routes that start a job and answer with a messageId (what `submit` accepts).
SUBMIT_ROUTES = frozenset(
    {
        "imagine",
        "button",
        "boost_imagine",
        "boost_button",
        "describe",
        "faceswap",
        "blend",
        "flux_imagine",
        "flux_upscale",
        "remove_bg",
        "universal_imagine",
        "zimage",
        "video_generate",
        "video_extend",
    }
)

_local = threading.local()


def _session() -> requests.Session:
    """One Session per thread: requests does not promise thread safety (TECH.md §2).
    No urllib3 retries: whether to repeat a call is the caller's decision (credits)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _local.session = session
    return session


def _not_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made, so the provider cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    text = repr(exc)
    return any(
        marker in text
        for marker in ("NewConnectionError", "NameResolutionError", "Connection refused")
    )


def _error_text(response: requests.Response) -> str:
    """The provider's words: `message` before `error` (the SDKs lose `message`, §1.5)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason or ""
    if isinstance(body, dict):
        text = body.get("message") or body.get("error") or body.get("detail") or ""
        if isinstance(text, list):  # class-validator sends a list of messages
            text = "; ".join(str(item) for item in text)
        return str(text)
    return str(body)[:300]


@dataclass(frozen=True)
class PromptCheck:
    """Answer of POST /nova/prompt-check: `ok`, else the provider's reason in `message`."""

    ok: bool
    message: str = ""


def button_body(*, message_id: str, button: str, prompt: str = "", mask: str = "") -> dict:
    """The JSON body of a button press (§3.3): optional fields only when given."""
    body: dict[str, Any] = {"messageId": message_id, "button": button}
    if prompt:
        body["prompt"] = prompt
    if mask:
        body["mask"] = mask
    return body


def _path_id(value: int | str) -> str:
    """A numeric id for a URL path (DIY token and account ids are integers); ValueError
    otherwise, so nothing else can be spliced into the path."""
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"{value!r} is not a numeric id")
    return text


def _path_part(value: str) -> str:
    """One URL path segment, percent-encoded (a pasted messageId cannot change the path)."""
    return quote(str(value).strip(), safe="")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


class ImagineProClient:
    """Calls the ImaginePro API with one key.

    Args:
        base_url: e.g. "https://api.imaginepro.ai/api/v1" (settings.IMAGINEPRO_BASE_URL) or
            the sandbox's "<site>/sandbox/imaginepro/api/v1".
        api_key: sent as `Authorization: Bearer <key>`; never logged.
        timeout: (connect, read) seconds; default settings.PROVIDER_TIMEOUT.

    Every method raises ProviderError on any failure (HTTP error, timeout, unreadable JSON).
    """

    @sensitive_variables("api_key")
    def __init__(
        self, *, base_url: str, api_key: str, timeout: tuple[float, float] | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        self.timeout = timeout or tuple(settings.PROVIDER_TIMEOUT)

    def __repr__(self) -> str:  # never show the key
        return f"<ImagineProClient {self.base_url}>"

    # --- generating calls (POST → messageId) ------------------------------------------------

    def submit(self, route: str, body: dict[str, Any], **base: Any) -> SubmitResult:
        """POST `body` to a generating route of PATHS (one of SUBMIT_ROUTES) with the
        BaseParams in `base` (ref, webhook_override, timeout 10–900 s). The worker sends a
        generation's stored `request_body` through this; the typed methods below build
        those bodies. Raises ValueError for a route that does not start a job."""
        if route not in SUBMIT_ROUTES:
            raise ValueError(f"{route!r} is not a generating route")
        return self._submit(route, {**body, **self._base(**base)})

    def imagine(self, *, prompt: str, boost: bool = False, **base: Any) -> SubmitResult:
        """Midjourney imagine (POST /nova/imagine, docs "Generate Image"; S000 /midjourney/imagine;
        with `boost`, POST /nova/boost/imagine, D:230265220).

        `prompt` carries every Midjourney flag (`--ar 16:9 --relax` …); an image URL first
        makes it image-to-image (D:215988676). `base` takes the BaseParams.
        """
        return self.submit("boost_imagine" if boost else "imagine", {"prompt": prompt}, **base)

    def button(
        self,
        *,
        message_id: str,
        button: str,
        prompt: str = "",
        mask: str = "",
        boost: bool = False,
        **base: Any,
    ) -> SubmitResult:
        """Press a Midjourney button (POST /nova/button, D:215985336; boost: /nova/boost/button).

        `button` must be a value of the message's `buttons` list, sent verbatim (emoji
        included). `prompt`: remix prompt for V1–V4/🔄, or the region prompt of
        `Vary (Region)`, whose `mask` is a base64 image, white region on black (D:215991738).
        """
        return self.submit(
            "boost_button" if boost else "button",
            button_body(message_id=message_id, button=button, prompt=prompt, mask=mask),
            **base,
        )

    def flux_imagine(
        self,
        *,
        prompt: str,
        n: int = 1,
        width: int | None = None,
        height: int | None = None,
        aspect_ratio: str | None = None,
        output_format: str = "png",
        **base: Any,
    ) -> SubmitResult:
        """FLUX 1.1 Pro (POST /flux/imagine, D:237017608, S000). Body names are snake_case
        here, unlike every other endpoint. n: 1–4; width/height multiples of 8."""
        body: dict[str, Any] = {"prompt": prompt, "n": n, "output_format": output_format}
        if width and height:
            body.update(width=width, height=height)
        elif aspect_ratio:
            body["aspect_ratio"] = aspect_ratio
        return self.submit("flux_imagine", body, **base)

    def flux_upscale(self, *, image: str, scale: int, **base: Any) -> SubmitResult:
        """Upscale any image URL ×2–×4 (POST /flux/upscale, S000): 2 credits."""
        return self.submit("flux_upscale", {"image": image, "scale": int(scale)}, **base)

    def remove_bg(self, *, image: str, **base: Any) -> SubmitResult:
        """Remove the background of an image URL (POST /tools/remove-bg, S000): 5 credits;
        the result is a PNG with transparency."""
        return self.submit("remove_bg", {"image": image}, **base)

    def describe(self, *, url: str, **base: Any) -> SubmitResult:
        """Image → four prompts (POST /nova/describe, D:215987078). The prompts arrive in the
        finished message's `prompt` (imaginepro.md §3.5)."""
        return self.submit("describe", {"url": url}, **base)

    def faceswap(self, *, source: str, target: str, **base: Any) -> SubmitResult:
        """Put the face of `source` into the picture `target` (POST /nova/faceswap,
        D:215989116; field names from §3.6)."""
        return self.submit("faceswap", {"source": source, "target": target}, **base)

    def blend(self, *, urls: list[str], **base: Any) -> SubmitResult:
        """Blend 2–5 image URLs into a grid (POST /nova/blend, OLD:/blend; §3.7)."""
        return self.submit("blend", {"urls": list(urls)}, **base)

    def universal_imagine(
        self, *, contents: list[dict[str, str]], model: str = "", **base: Any
    ) -> SubmitResult:
        """Nano Banana (POST /universal/imagine, S000; §3.15): `contents` = text item first
        ("Image creation: …"), then `{"type": "image", "url": …}` items."""
        body: dict[str, Any] = {"contents": contents}
        if model:
            body["model"] = model
        return self.submit("universal_imagine", body, **base)

    def zimage(
        self, *, prompt: str, width: int, height: int, steps: int = 4, **base: Any
    ) -> SubmitResult:
        """Lumi Girl (POST /universal/zimage, S000; §3.16): sides ≤ 1024, multiples of 8."""
        body = {"prompt": prompt, "steps": steps, "width": width, "height": height}
        return self.submit("zimage", body, **base)

    def video_generate(
        self, *, start_frame_url: str, end_frame_url: str, prompt: str = "", **base: Any
    ) -> SubmitResult:
        """Midjourney video from two frames (POST /video/mj/generate, S000; §3.17)."""
        body = {"startFrameUrl": start_frame_url, "endFrameUrl": end_frame_url}
        if prompt:
            body["prompt"] = prompt
        return self.submit("video_generate", body, **base)

    def video_extend(
        self, *, message_id: str, index: int = 0, animate_mode: str = "", **base: Any
    ) -> SubmitResult:
        """Extend result `index` (0-based) of a finished video (POST /video/mj/extend; §3.17)."""
        body: dict[str, Any] = {"messageId": message_id, "index": int(index)}
        if animate_mode:
            body["animateMode"] = animate_mode
        return self.submit("video_extend", body, **base)

    # --- synchronous tools -------------------------------------------------------------------

    def prompt_extend(self, prompt: str) -> str:
        """A richer version of `prompt` (POST /tools/prompt-extend, S000; free, synchronous).
        Raises ProviderError, also when the answer holds no prompt."""
        data = self._request("POST", "prompt_extend", json={"prompt": prompt})
        text = data.get("prompt") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ProviderError("The provider's answer held no prompt.", retryable=True)
        return text.strip()

    def prompt_check(self, prompt: str) -> PromptCheck:
        """Would Midjourney accept `prompt`? (POST /nova/prompt-check, D:232398062):
        `{"status": "SUCCESS"}` or `{"status": "FAIL", "message": …}`."""
        data = self._request("POST", "prompt_check", json={"prompt": prompt})
        if not isinstance(data, dict):
            raise ProviderError("The provider's prompt check answer was unreadable.")
        ok = str(data.get("status", "")).upper() == "SUCCESS"
        return PromptCheck(ok=ok, message="" if ok else str(data.get("message") or "Refused."))

    # --- reads -----------------------------------------------------------------------------

    def fetch_message(self, message_id: str, *, video: bool = False) -> Message:
        """GET /message/fetch/{messageId} (S004): the job's status, progress and results.
        With `video`, GET /video/mj/fetch/{messageId} (JS SDK), else the message route."""
        data = self._request("GET", "video_message" if video else "message", message_id=message_id)
        try:
            return parse_message(data)
        except ValueError as exc:
            raise ProviderError(
                f"The provider sent an unreadable progress answer ({exc}).", retryable=True
            ) from exc

    def images(self, *, page: int = 1, size: int = 10) -> list[dict[str, Any]]:
        """One page of the last 24 hours' history (GET /nova/images, S003): items shaped
        `{"id": messageId, "type", "button", "prompt", "uri", "createdAt"}`."""
        data = self._request("GET", "images", query={"page": page, "size": size})
        items = data.get("images") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ProviderError("The provider's history answer was unreadable.")
        return [item for item in items if isinstance(item, dict)]

    def history_since(
        self, since: datetime, *, page_size: int = 50, max_pages: int = 5
    ) -> list[dict[str, Any]]:
        """The history items (GET /nova/images, §3.8) created at or after `since`.

        The history lists the DONE images of the last 24 hours, newest first, with no totals:
        pages are read until one is short or reaches an item older than `since` (at most
        `max_pages`). An item whose `createdAt` cannot be read is kept. Raises ProviderError.
        """
        found: list[dict[str, Any]] = []
        for page in range(1, max_pages + 1):
            items = self.images(page=page, size=page_size)
            for item in items:
                created = parse_timestamp(item.get("createdAt"))
                if created is not None and created < since:
                    return found
                found.append(item)
            if len(items) < page_size:
                break
        return found

    def find_by_ref(
        self,
        ref: str,
        *,
        prompt: str,
        since: datetime,
        button: str = "",
        history: list[dict[str, Any]] | None = None,
        max_checks: int = 10,
        before_fetch=None,
    ) -> Message | None:
        """Find the job we sent with `ref` when its submit answer was lost; None if not found.

        The history (GET /nova/images, §3.8: `id`, `type`, `button`, `prompt`, `uri`,
        `createdAt`) carries no `ref`, so candidates are its items created since `since`,
        those with our `button` (a press) and our `prompt` tried first; each is confirmed by
        GET /message/fetch/{id}, whose Message echoes the `ref` we sent (§1.1, §1.6). At most
        `max_checks` candidates are fetched. `history` reuses items already read with
        `history_since` (one history read serves every lookup of a key); `before_fetch`, if
        given, is called before each fetch (the caller's rate limiter). Only DONE jobs are
        listed, so a job still running is found on a later call. Raises ProviderError.
        """
        items = self.history_since(since) if history is None else history
        wanted = " ".join(prompt.split()).casefold()

        def rank(item: dict[str, Any]) -> tuple[int, int]:
            text = " ".join(str(item.get("prompt") or "").split()).casefold()
            same_button = not button or str(item.get("button") or "") == button
            same_prompt = bool(wanted) and (text == wanted or wanted in text or text in wanted)
            return (0 if same_button else 1, 0 if same_prompt else 1)

        candidates = sorted(
            (item for item in items if item.get("id")), key=rank
        )  # sorted() is stable: newest first within a rank
        for item in candidates[:max_checks]:
            if before_fetch is not None:
                before_fetch()
            try:
                message = self.fetch_message(str(item["id"]))
            except ProviderError as exc:
                if exc.status == 404:
                    continue
                raise
            if message.ref == ref:
                return message
        return None

    def account_info(self) -> dict[str, Any]:
        """GET /subscription/account-info (D:240330451): `{"credits": …, "type": …}`."""
        data = self._request("GET", "account_info")
        return data if isinstance(data, dict) else {}

    # --- DIY plan (§3.18; provisional routes: DESIGN.md "Providers") -------------------------

    def discord_tokens(self) -> list[diy.DiscordToken]:
        """GET /discord/tokens (OLD:/list-tokens): the linked Discord tokens with their
        status, concurrency and `/info`. 403 on other plans."""
        return self._read("GET", "discord_tokens", diy.parse_tokens, "token list")

    def discord_token(self, token_id: int | str) -> diy.DiscordToken:
        """GET /discord/token/{id} (D:216008264; documented as an array of one token)."""
        return self._read(
            "GET", "discord_token", diy.parse_one_token, "token", token_id=_path_id(token_id)
        )

    def discord_token_toggle(self, token_id: int | str, is_active: bool) -> diy.DiscordToken:
        """PUT /discord/token/{id} `{"isActive": bool}` (OLD:/toggle-tokens): the updated
        token; its `info` is usually left out of this answer."""
        return self._read(
            "PUT",
            "discord_token",
            diy.parse_one_token,
            "token",
            json={"isActive": bool(is_active)},
            token_id=_path_id(token_id),
        )

    def message_trace(self, message_id: str) -> diy.Trace:
        """GET /message/trace/{messageId} (D:236382162): which token ran the job, with that
        token's info. 404 for an unknown job."""
        return self._read(
            "GET", "message_trace", diy.parse_trace, "trace", message_id=_path_part(message_id)
        )

    def command(self, *, cmd: str, token_id: int | str, **base: Any) -> SubmitResult:
        """POST /nova/commands (seed 001, D:254009155): run a Midjourney bot command
        (`cmd`: info, fast, relax or turbo) on linked token `token_id`. Answers a
        messageId; poll it with fetch_message (the bot's answer arrives as its `prompt`)."""
        if cmd not in ("info", "fast", "relax", "turbo"):
            raise ValueError(f"unknown command {cmd!r}")
        body = {"cmd": cmd, "tokenId": int(_path_id(token_id)), **self._base(**base)}
        return self._submit("commands", body)

    def queue_count(self) -> diy.QueueState:
        """GET /diy/queue/count (provisional): jobs waiting in the DIY queue."""
        return self._read("GET", "diy_queue_count", diy.parse_queue_state, "queue")

    def queue_pause(self) -> diy.QueueState:
        """POST /diy/queue/pause (provisional): queued jobs wait until resumed."""
        return self._read("POST", "diy_queue_pause", diy.parse_queue_state, "queue", json={})

    def queue_resume(self) -> diy.QueueState:
        """POST /diy/queue/resume (provisional)."""
        return self._read("POST", "diy_queue_resume", diy.parse_queue_state, "queue", json={})

    def queue_reboot(self) -> diy.QueueState:
        """POST /diy/queue/reboot (provisional): restarts the queue; running jobs fail."""
        return self._read("POST", "diy_queue_reboot", diy.parse_queue_state, "queue", json={})

    def ban_words(self) -> list[str]:
        """GET /diy/ban-words (provisional) → the provider-side ban list of the account."""
        return self._read("GET", "diy_ban_words", diy.parse_ban_words, "ban list")

    def ban_words_update(self, words: list[str]) -> list[str]:
        """POST /diy/ban-words `{"words": [...]}` (provisional): replace the list; returns
        the list as the provider stored it (trimmed, deduplicated)."""
        return self._read(
            "POST",
            "diy_ban_words",
            diy.parse_ban_words,
            "ban list",
            json={"words": [str(word) for word in words]},
        )

    def diy_accounts(self) -> list[diy.LinkedAccount]:
        """GET /diy/accounts (provisional): linked accounts with status and job counts."""
        return self._read("GET", "diy_accounts", diy.parse_accounts, "linked account list")

    def diy_account_queue(self, account_id: int | str) -> diy.AccountQueue:
        """GET /diy/accounts/{id}/queue (provisional): one linked account's jobs."""
        account_id = _path_id(account_id)
        return self._read(
            "GET",
            "diy_account_queue",
            lambda data: diy.parse_account_queue(data, account_id),
            "account queue",
            account_id=account_id,
        )

    def check_key(self) -> None:
        """Cheap check that the key is accepted: fetch a job id that cannot exist.

        Polling is free (S000). A 404 means the key was accepted; a 401 raises. Any other
        error is raised too, so the caller can say the key could not be checked.
        """
        try:
            self.fetch_message("00000000-0000-0000-0000-000000000000")
        except ProviderError as exc:
            if exc.status == 404:
                return
            raise

    # --- plumbing --------------------------------------------------------------------------

    def _read(self, method: str, route: str, parse, what: str, *, json: Any = None, **params):
        """Call `route` and read the answer with `parse`; an answer it cannot use is a
        ProviderError ("The provider's <what> answer was unreadable")."""
        data = self._request(method, route, json=json, **params)
        try:
            return parse(data)
        except (ValueError, TypeError, KeyError) as exc:
            raise ProviderError(
                f"The provider's {what} answer was unreadable ({exc}).",
                retryable=method == "GET",
            ) from exc

    @staticmethod
    def _base(
        *, ref: str | None = None, webhook_override: str | None = None, timeout: int | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if ref:
            body["ref"] = ref
        if webhook_override:
            body["webhookOverride"] = webhook_override
        if timeout:
            body["timeout"] = int(timeout)
        return body

    def _submit(self, route: str, body: dict[str, Any]) -> SubmitResult:
        data = self._request("POST", route, json=body)
        if isinstance(data, dict) and data.get("success") is False:
            raise ProviderError(str(data.get("error") or data.get("message") or "Rejected"))
        try:
            return parse_submit(data)
        except ValueError as exc:
            raise ProviderError(
                f"The provider's answer had no job id ({exc}); it may have started the job.",
                retryable=False,
                maybe_accepted=True,
            ) from exc

    def _request(
        self, method: str, route: str, *, json: Any = None, query: dict | None = None, **params: str
    ) -> Any:
        preferred, fallback = PATHS[route]
        try:
            return self._call(method, preferred.format(**params), json, query)
        except ProviderError as exc:
            # Only a missing route (NestJS "Cannot POST /…") moves to the older family.
            if fallback and exc.status == 404 and exc.message.startswith("Cannot "):
                return self._call(method, fallback.format(**params), json, query)
            raise

    def _call(self, method: str, path: str, json: Any, query: dict | None = None) -> Any:
        sending = method != "GET"
        try:
            response = _session().request(
                method,
                self.base_url + path,
                json=json,
                params=query,
                headers=self._headers,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            connect = isinstance(exc, requests.ConnectTimeout)
            raise ProviderError(
                "The provider did not answer in time.",
                retryable=True,
                maybe_accepted=sending and not connect,
            ) from exc
        except requests.ConnectionError as exc:
            not_sent = _not_sent(exc)
            raise ProviderError(
                "Could not reach the provider."
                if not_sent
                else "The connection to the provider broke.",
                retryable=True,
                maybe_accepted=sending and not not_sent,
            ) from exc
        except requests.RequestException as exc:
            raise ProviderError(
                f"The request could not be sent: {exc.__class__.__name__}."
            ) from exc

        status = response.status_code
        if status >= 400:
            raise ProviderError(
                _error_text(response) or response.reason or "",
                status=status,
                retryable=status == 429 or status >= 500,
                maybe_accepted=sending and status in (502, 504),
                retry_after=_retry_after(response),
            )
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(
                f"The provider sent an answer that is not valid JSON (HTTP {status}).",
                retryable=not sending,
                maybe_accepted=sending,
            ) from exc
