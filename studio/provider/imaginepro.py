"""HTTP client for the ImaginePro API (shared/api/imaginepro.md; seeds 000 and 004).

The same code talks to the real API and to the studio's sandbox: only `base_url` and the key
differ. Paths live in one table; when a route of the current family (`/nova/*`,
`/message/fetch`) answers NestJS's "Cannot POST …" 404, the client tries the older
`/midjourney/*` twin once (§9 item 2, §10).
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter

from studio.provider.errors import ProviderError
from studio.provider.messages import Message, SubmitResult, parse_message, parse_submit

# One table, so a moved route is a one-line edit. Values: (preferred path, fallback or None).
PATHS: dict[str, tuple[str, str | None]] = {
    "imagine": ("/nova/imagine", "/midjourney/imagine"),
    "button": ("/nova/button", "/midjourney/button"),
    "flux_imagine": ("/flux/imagine", None),
    "message": ("/message/fetch/{message_id}", "/midjourney/message/{message_id}"),
    "account_info": ("/subscription/account-info", None),
}

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

    def imagine(self, *, prompt: str, **base: Any) -> SubmitResult:
        """Midjourney imagine (POST /nova/imagine, docs "Generate Image"; S000 /midjourney/imagine).

        `prompt` carries every Midjourney flag (`--ar 16:9 --relax` …). `base` takes the
        BaseParams: ref, webhook_override, timeout (10–900 s).
        """
        return self._submit("imagine", {"prompt": prompt, **self._base(**base)})

    def button(
        self, *, message_id: str, button: str, prompt: str = "", **base: Any
    ) -> SubmitResult:
        """Press a Midjourney button (POST /nova/button, D:215985336): `button` must be a value
        of the message's `buttons` list, sent verbatim (emoji included)."""
        body: dict[str, Any] = {"messageId": message_id, "button": button}
        if prompt:
            body["prompt"] = prompt
        return self._submit("button", {**body, **self._base(**base)})

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
        return self._submit("flux_imagine", {**body, **self._base(**base)})

    # --- reads -----------------------------------------------------------------------------

    def fetch_message(self, message_id: str) -> Message:
        """GET /message/fetch/{messageId} (S004): the job's status, progress and results."""
        data = self._request("GET", "message", message_id=message_id)
        try:
            return parse_message(data)
        except ValueError as exc:
            raise ProviderError(
                f"The provider sent an unreadable progress answer ({exc}).", retryable=True
            ) from exc

    def account_info(self) -> dict[str, Any]:
        """GET /subscription/account-info (D:240330451): `{"credits": …, "type": …}`."""
        data = self._request("GET", "account_info")
        return data if isinstance(data, dict) else {}

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

    def _request(self, method: str, route: str, *, json: Any = None, **params: str) -> Any:
        preferred, fallback = PATHS[route]
        try:
            return self._call(method, preferred.format(**params), json)
        except ProviderError as exc:
            # Only a missing route (NestJS "Cannot POST /…") moves to the older family.
            if fallback and exc.status == 404 and exc.message.startswith("Cannot "):
                return self._call(method, fallback.format(**params), json)
            raise

    def _call(self, method: str, path: str, json: Any) -> Any:
        sending = method != "GET"
        try:
            response = _session().request(
                method, self.base_url + path, json=json, headers=self._headers, timeout=self.timeout
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
