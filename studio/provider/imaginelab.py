"""HTTP client for the ImagineLab API (seed S002 "Developer Documentation"; imaginepro.md §8).

ImagineLab is a second provider, unlike ImaginePro in every convention: a bearer token from
`POST /auth/login` (form-encoded, OAuth2 password flow) or a dedicated API key sent the same
way, integer ids, lowercase statuses (`pending → processing → completed | failed`), FastAPI
`{"detail": ...}` errors, and documented 402 (credits) and 429 (rate limit) answers.

The same code talks to the real API and to the studio's sandbox
(`<site>/sandbox/imaginelab/api/v1`): only `base_url` and the token differ. Paths live in one
table. Everything the API leaves open (the models list's and the history's shapes, output
items) is read leniently.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter

from studio.provider.errors import ProviderError
from studio.provider.messages import (
    DONE,
    FAIL,
    PROCESSING,
    Message,
    SubmitResult,
    parse_progress,
    parse_status,
    parse_timestamp,
)

# One table, so a moved route is a one-line edit (S002: every route it names).
PATHS: dict[str, str] = {
    "login": "/auth/login",
    "signup": "/auth/signup",
    "me": "/auth/me",
    "models": "/generations/models",
    "generations": "/generations",  # POST create, GET history
    "generation": "/generations/{generation_id}",  # GET result, DELETE
    "status": "/generations/{generation_id}/status",
    "wallet": "/credits/wallet",
    "packages": "/credits/packages",
}
# The worker's generating route (what `submit` accepts) and the body fields S002 documents.
SUBMIT_ROUTE = "lab_generate"
_CREATE_FIELDS = ("generation_type", "model_name", "prompt", "settings", "project_id")

GENERATION_TYPES = ("image", "video", "voice", "music", "infographic", "text")
# The lowercase statuses of S002: pending → processing → completed | failed.
COMPLETED = "completed"
FAILED_WITHOUT_REASON = "The provider reported the generation failed."

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
_VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".m4v")
_AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".oga", ".m4a", ".flac")
# The kind each generation type's outputs are, when an output does not say (S002).
_KIND_OF_TYPE = {
    "image": "image",
    "infographic": "image",
    "video": "video",
    "voice": "audio",
    "music": "audio",
    "text": "text",
}

_local = threading.local()


def _session() -> requests.Session:
    """One Session per thread (requests does not promise thread safety, TECH.md §2), and no
    urllib3 retries: whether to repeat a call is the caller's decision (credits)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _local.session = session
    return session


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
    """A generation record as S002 shows it (`id`, `generation_type`, `model_name`, `prompt`,
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


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _first(data: dict, *names: str) -> Any:
    for name in names:
        if data.get(name) is not None:
            return data[name]
    return None


def _items(data: Any, *keys: str) -> list:
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
    """A generation record (S002). Raises ValueError without an integer `id`."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    generation_id = _int_or_none(data.get("id"))
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
    error = _first(data, "error", "error_message", "detail") or ""
    return LabGeneration(
        id=generation_id,
        generation_type=generation_type,
        model_name=str(data.get("model_name") or data.get("model") or ""),
        prompt=str(data.get("prompt") or ""),
        status=status,
        progress=progress,
        credit_cost=_int_or_none(_first(data, "credit_cost", "credits", "cost")),
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
    name = str(_first(data, "name", "model_name", "id") or "").strip()
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
        label=str(_first(data, "label", "display_name", "title") or name),
        credits=_int_or_none(_first(data, "credit_cost", "credits", "cost")),
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


def _error_text(response: requests.Response) -> str:
    """FastAPI's `detail` (a string, or a 422 list of `{loc, msg}` whose msgs are joined);
    `message` or `error` tolerated; else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(body, dict):
        text = _first(body, "detail", "message", "error")
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


def _retry_after(response: requests.Response) -> float | None:
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


# What ImagineLab means by its statuses (S002 "Errors & Limits"), where ImaginePro differs.
EXPLANATIONS = {
    401: "ImagineLab refused the sign-in or API key (a sign-in expires: sign in again)",
    402: "Not enough ImagineLab credits",
}


def _raise_for_status(response: requests.Response, *, sending: bool) -> None:
    status = response.status_code
    if status < 400:
        return
    raise ProviderError(
        _error_text(response) or response.reason or "",
        status=status,
        retryable=status == 429 or status >= 500,
        maybe_accepted=sending and status in (502, 504),
        retry_after=_retry_after(response) if status == 429 else None,
        explanations=EXPLANATIONS,
    )


def _transport_error(exc: requests.RequestException, *, sending: bool) -> ProviderError:
    """A ProviderError for a call that got no HTTP answer (as the ImaginePro client does)."""
    if isinstance(exc, requests.Timeout):
        connect = isinstance(exc, requests.ConnectTimeout)
        return ProviderError(
            "The provider did not answer in time.",
            retryable=True,
            maybe_accepted=sending and not connect,
        )
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc)
        not_sent = isinstance(exc, requests.ConnectTimeout) or any(
            marker in text
            for marker in ("NewConnectionError", "NameResolutionError", "Connection refused")
        )
        return ProviderError(
            "Could not reach the provider."
            if not_sent
            else "The connection to the provider broke.",
            retryable=True,
            maybe_accepted=sending and not not_sent,
        )
    return ProviderError(f"The request could not be sent: {exc.__class__.__name__}.")


def _path_id(value: int | str) -> str:
    """A generation id for a URL path: digits only (ValueError otherwise)."""
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"{value!r} is not an ImagineLab generation id")
    return text


# --- the client ------------------------------------------------------------------------------


class ImagineLabClient:
    """Calls the ImagineLab API with one bearer token or dedicated API key (S002).

    Args:
        base_url: "https://api.imagineview.art/api/v1" (settings.IMAGINELAB_BASE_URL) or the
            sandbox's "<site>/sandbox/imaginelab/api/v1".
        token: an access token from `login`, or a dedicated API key; sent as
            `Authorization: Bearer <token>`; never logged.
        timeout: (connect, read) seconds; default settings.PROVIDER_TIMEOUT.
        session: a requests.Session to use; default one per thread.

    Every method raises ProviderError on failure: 401 (token expired or refused) and 402
    (insufficient credits) are not retryable; 429 is, with `retry_after` seconds; 5xx and
    timeouts are; a read timeout on POST /generations is `maybe_accepted`.
    """

    @sensitive_variables("token")
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        timeout: tuple[float, float] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.timeout = timeout or tuple(settings.PROVIDER_TIMEOUT)
        self._own_session = session

    def __repr__(self) -> str:  # never show the token
        return f"<ImagineLabClient {self.base_url}>"

    # --- auth -------------------------------------------------------------------------------

    @classmethod
    @sensitive_variables("password")
    def login(
        cls,
        *,
        base_url: str,
        email: str,
        password: str,
        timeout: tuple[float, float] | None = None,
    ) -> str:
        """POST /auth/login, form-urlencoded `username` (the email) + `password` (S002, OAuth2
        password flow) → the `access_token`. Wrong credentials: ProviderError(status=401,
        message=the provider's detail, e.g. "Incorrect email or password")."""
        url = base_url.rstrip("/") + PATHS["login"]
        try:
            response = _session().post(
                url,
                data={"username": email, "password": password},
                headers={"Accept": "application/json"},
                timeout=timeout or tuple(settings.PROVIDER_TIMEOUT),
            )
        except requests.RequestException as exc:
            raise _transport_error(exc, sending=False) from exc
        _raise_for_status(response, sending=False)
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderError(
                "The provider's sign-in answer was not valid JSON.", retryable=True
            ) from exc
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise ProviderError("The provider's sign-in answer held no access token.")
        return token

    def me(self) -> dict:
        """GET /auth/me: the signed-in account (`id`, `email`, …); also a cheap token check."""
        data = self._request("GET", "me")
        if not isinstance(data, dict):
            raise ProviderError("The provider's account answer was unreadable.", retryable=True)
        return data

    # --- generations --------------------------------------------------------------------------

    def models(self) -> list[LabModel]:
        """GET /generations/models: a list, or `{"models"|"items"|"data": [...]}`; entries
        without a name are skipped."""
        data = self._request("GET", "models")
        try:
            items = _items(data, "models", "items", "data")
        except ValueError as exc:
            raise ProviderError(
                "The provider's models answer was unreadable.", retryable=True
            ) from exc
        found = []
        for item in items:
            try:
                found.append(parse_model(item))
            except ValueError:
                continue
        return found

    def create(
        self,
        *,
        generation_type: str,
        model_name: str,
        prompt: str,
        settings: dict | None = None,
        project_id: int | None = None,
    ) -> LabGeneration:
        """POST /generations (S002) → the new record, `status: "pending"`, its `credit_cost`
        already reserved. 402 "Insufficient credits" creates nothing."""
        body = {
            "generation_type": generation_type,
            "model_name": model_name,
            "prompt": prompt,
            "settings": dict(settings or {}),
            "project_id": project_id,
        }
        return self._create(body)

    def status(self, generation_id: int) -> LabStatus:
        """GET /generations/{id}/status → `{"id", "status", "progress"}` (lowercase status)."""
        data = self._request("GET", "status", generation_id=_path_id(generation_id))
        if not isinstance(data, dict) or not data.get("status"):
            raise ProviderError("The provider's status answer was unreadable.", retryable=True)
        status = str(data["status"]).strip().lower()
        return LabStatus(
            id=_int_or_none(data.get("id")) or int(generation_id),
            status=status,
            progress=100 if status == COMPLETED else parse_progress(data.get("progress")),
        )

    def get(self, generation_id: int) -> LabGeneration:
        """GET /generations/{id}: the full record with its `outputs` (media URLs or text)."""
        data = self._request("GET", "generation", generation_id=_path_id(generation_id))
        try:
            return parse_generation(data)
        except ValueError as exc:
            raise ProviderError(
                f"The provider's generation answer was unreadable ({exc}).", retryable=True
            ) from exc

    def history(self, *, page: int = 1, page_size: int = 50) -> LabPage:
        """GET /generations?page=&page_size= (paginated; S002 names no parameters, these are
        the sandbox's). Reads a list or `{"items"|"results"|"data": [...], "total", "page",
        "pages"|"has_next"|"next"}`; unreadable items are skipped."""
        data = self._request("GET", "generations", query={"page": page, "page_size": page_size})
        try:
            raw = _items(data, "items", "results", "data", "generations")
        except ValueError as exc:
            raise ProviderError(
                "The provider's history answer was unreadable.", retryable=True
            ) from exc
        items = []
        for item in raw:
            try:
                items.append(parse_generation(item))
            except ValueError:
                continue
        meta = data if isinstance(data, dict) else {}
        total = _int_or_none(meta.get("total"))
        current = _int_or_none(meta.get("page")) or page
        size = _int_or_none(meta.get("page_size") or meta.get("size")) or page_size
        if isinstance(meta.get("has_next"), bool):
            has_next = meta["has_next"]
        elif "next" in meta:
            has_next = bool(meta.get("next"))
        elif _int_or_none(meta.get("pages")) is not None:
            has_next = current < _int_or_none(meta.get("pages"))
        elif total is not None:
            has_next = current * size < total
        else:
            has_next = len(raw) >= size
        return LabPage(items=items, page=current, has_next=has_next, total=total)

    def delete(self, generation_id: int) -> None:
        """DELETE /generations/{id} (S002). Unknown or another account's: ProviderError 404."""
        self._request("DELETE", "generation", generation_id=_path_id(generation_id))

    # --- credits --------------------------------------------------------------------------

    def wallet(self) -> LabWallet:
        """GET /credits/wallet → balance (`balance`|`credits`|`credit_balance`)."""
        data = self._request("GET", "wallet")
        balance = (
            _int_or_none(_first(data, "balance", "credits", "credit_balance"))
            if isinstance(data, dict)
            else None
        )
        if balance is None:
            raise ProviderError("The provider's wallet answer was unreadable.", retryable=True)
        return LabWallet(balance=balance, raw=data)

    def packages(self) -> list[dict]:
        """GET /credits/packages: the credit packages on sale (name, credits, price, …), as
        given; a list or `{"packages"|"items"|"data": [...]}`."""
        data = self._request("GET", "packages")
        try:
            items = _items(data, "packages", "items", "data")
        except ValueError as exc:
            raise ProviderError(
                "The provider's packages answer was unreadable.", retryable=True
            ) from exc
        return [item for item in items if isinstance(item, dict)]

    # --- the worker's two calls (the shape of ImagineProClient's) ------------------------------

    def submit(self, route: str, body: dict[str, Any], **base: Any) -> SubmitResult:
        """Start a generation from a stored request body: route "lab_generate" → POST
        /generations with the body's `generation_type`, `model_name`, `prompt`, `settings`,
        `project_id` (S002). `ref`, `timeout`, `webhook_override` in `base` have no
        ImagineLab equivalent and are ignored. message_id = str(id); credits = credit_cost.
        Raises ValueError for another route."""
        if route != SUBMIT_ROUTE:
            raise ValueError(f"{route!r} is not an ImagineLab generating route")
        generation = self._create({key: body[key] for key in _CREATE_FIELDS if key in body})
        return SubmitResult(
            message_id=str(generation.id),
            created_at=generation.created_at,
            credits=generation.credit_cost,
        )

    def fetch_message(self, message_id: str, video: bool = False) -> Message:
        """Poll a generation as a Message: GET /generations/{id}/status; pending → QUEUED,
        processing → PROCESSING with its progress; failed → FAIL with the record's `error`
        (GET /generations/{id}) or a stock sentence; completed → GET /generations/{id} and
        DONE with its outputs. `video` is accepted for the worker's sake and unused."""
        state = self.status(int(_path_id(message_id)))
        status = parse_status(state.status)
        if status not in (DONE, FAIL):
            return Message(message_id=str(state.id), status=status, progress=state.progress)
        if status == FAIL:
            try:
                generation = self.get(state.id)
            except ProviderError as exc:
                if exc.retryable:  # 429/5xx: ask again later rather than lose the reason
                    raise
                return Message(
                    message_id=str(state.id),
                    status=FAIL,
                    progress=state.progress,
                    error=FAILED_WITHOUT_REASON,
                )
            message = generation_message(generation)
            if message.status != FAIL:  # the record lags the status route: trust the status
                return Message(
                    message_id=str(state.id),
                    status=FAIL,
                    progress=state.progress,
                    prompt=generation.prompt,
                    error=generation.error or FAILED_WITHOUT_REASON,
                    credits=generation.credit_cost,
                )
            return message
        generation = self.get(state.id)
        message = generation_message(generation)
        if message.status != DONE:
            # The record has not caught up with the status route yet: still running.
            return Message(message_id=str(state.id), status=PROCESSING, progress=99)
        return message

    # --- plumbing -------------------------------------------------------------------------

    def _create(self, body: dict[str, Any]) -> LabGeneration:
        data = self._request("POST", "generations", json=body)
        try:
            return parse_generation(data)
        except ValueError as exc:
            raise ProviderError(
                f"The provider's answer had no generation id ({exc}); it may have started "
                "the generation.",
                maybe_accepted=True,
            ) from exc

    def _request(
        self, method: str, route: str, *, json: Any = None, query: dict | None = None, **params
    ) -> Any:
        sending = method != "GET"
        url = self.base_url + PATHS[route].format(**params)
        try:
            response = (self._own_session or _session()).request(
                method, url, json=json, params=query, headers=self._headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            # DELETE is idempotent: only a POST may have started something we cannot see.
            raise _transport_error(exc, sending=method == "POST") from exc
        _raise_for_status(response, sending=method == "POST")
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(
                f"The provider sent an answer that is not valid JSON (HTTP "
                f"{response.status_code}).",
                retryable=not sending,
                maybe_accepted=method == "POST",
            ) from exc
