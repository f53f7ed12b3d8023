"""HTTP client for the ImagineLab API (https://api.imagineview.art "Developer Documentation"; docs/provider-contract.md §8).

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

from typing import Any, ClassVar

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from studio.provider.base import Capabilities, HttpClient, shared_session, transport_error
from studio.provider.errors import ProviderError
from studio.provider.imaginelab.results import (
    COMPLETED,
    FAILED_WITHOUT_REASON,
    LabGeneration,
    LabModel,
    LabPage,
    LabStatus,
    LabWallet,
    error_text,
    first_field,
    generation_message,
    int_or_none,
    list_items,
    parse_generation,
    parse_model,
    parse_page,
    retry_after_of,
)
from studio.provider.messages import (
    DONE,
    FAIL,
    PROCESSING,
    Message,
    SubmitResult,
    parse_progress,
    parse_status,
)

# One table, so a moved route is a one-line edit (https://api.imagineview.art: every route it names).
PATHS: dict[str, str] = {
    "login": "/auth/login",
    "signup": "/auth/signup",
    "me": "/auth/me",
    "forgot_password": "/auth/forgot-password",
    "models": "/generations/models",
    "generations": "/generations",  # POST create, GET history
    "generation": "/generations/{generation_id}",  # GET result, DELETE
    "status": "/generations/{generation_id}/status",
    "wallet": "/credits/wallet",
    "packages": "/credits/packages",
}
# The worker's generating route (what `submit` accepts) and the body fields https://api.imagineview.art documents.
SUBMIT_ROUTE = "lab_generate"
_CREATE_FIELDS = ("generation_type", "model_name", "prompt", "settings", "project_id")


# What ImagineLab means by its statuses (https://api.imagineview.art "Errors & Limits"), where ImaginePro differs.
EXPLANATIONS = {
    401: "ImagineLab refused the sign-in or API key (a sign-in expires: sign in again)",
    402: "Not enough ImagineLab credits",
}


def _path_id(value: int | str) -> str:
    """A generation id for a URL path: digits only (ValueError otherwise)."""
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"{value!r} is not an ImagineLab generation id")
    return text


# --- the client ------------------------------------------------------------------------------


class ImagineLabClient(HttpClient):
    """Calls the ImagineLab API with one bearer token or dedicated API key (https://api.imagineview.art).

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

    kind: ClassVar[str] = "imaginelab"
    # Its example polls every 2 s; no `ref`, no webhooks; signed-in tokens expire.
    capabilities: ClassVar[Capabilities] = Capabilities(
        echoes_ref=False,
        sends_webhooks=False,
        needs_sign_in=True,
        max_poll_interval=2.0,
        wallet=True,
        mixed_outputs=True,
    )
    explanations: ClassVar[dict[int, str] | None] = EXPLANATIONS

    @sensitive_variables("token")
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        timeout: tuple[float, float] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(base_url=base_url, secret=token, timeout=timeout, session=session)

    @classmethod
    def error_text(cls, response: requests.Response) -> str:
        return error_text(response)

    @classmethod
    def retry_after(cls, response: requests.Response) -> float | None:
        return retry_after_of(response) if response.status_code == 429 else None

    # --- auth -------------------------------------------------------------------------------

    @classmethod
    def _public(
        cls, base_url: str, route: str, *, timeout: tuple[float, float] | None = None, **send
    ) -> Any:
        """POST to a route that needs no token (sign-in, sign-up, forgot password); `send`
        is requests' `data=` or `json=`. The decoded JSON answer; ProviderError on a
        transport failure, an HTTP error (the provider's detail) or an unreadable body."""
        url = base_url.rstrip("/") + PATHS[route]
        try:
            response = shared_session().post(
                url,
                headers={"Accept": "application/json"},
                timeout=timeout or tuple(settings.PROVIDER_TIMEOUT),
                **send,
            )
        except requests.RequestException as exc:
            raise transport_error(exc, sending=False) from exc
        cls.raise_for_status(response, sending=False)
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(
                "The provider's answer was not valid JSON.", retryable=True
            ) from exc

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
        """POST /auth/login, form-urlencoded `username` (the email) + `password` (https://api.imagineview.art, OAuth2
        password flow) → the `access_token`. Wrong credentials: ProviderError(status=401,
        message=the provider's detail, e.g. "Incorrect email or password")."""
        data = cls._public(
            base_url, "login", data={"username": email, "password": password}, timeout=timeout
        )
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise ProviderError("The provider's sign-in answer held no access token.")
        return token

    @classmethod
    @sensitive_variables("password")
    def signup(cls, *, base_url: str, email: str, password: str, full_name: str = "") -> dict:
        """POST /auth/signup, JSON `email`, `password` (8+ characters), `full_name`
        (https://api.imagineview.art) → the new account (`id`, `email`, …). A taken email or
        a short password: ProviderError(status=400 or 422, the provider's detail)."""
        data = cls._public(
            base_url,
            "signup",
            json={"email": email, "password": password, "full_name": full_name},
        )
        if not isinstance(data, dict):
            raise ProviderError("The provider's sign-up answer was unreadable.")
        return data

    @classmethod
    def forgot_password(cls, *, base_url: str, email: str) -> str:
        """POST /auth/forgot-password, JSON `email` (https://api.imagineview.art): the
        provider sends a reset link by email; returns its sentence (the same whether or not
        the email is registered)."""
        data = cls._public(base_url, "forgot_password", json={"email": email})
        message = data.get("message") if isinstance(data, dict) else None
        return str(message or "ImagineLab accepted the request.")

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
            items = list_items(data, "models", "items", "data")
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
        """POST /generations (https://api.imagineview.art) → the new record, `status: "pending"`, its `credit_cost`
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
            id=int_or_none(data.get("id")) or int(generation_id),
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
        """GET /generations?page=&page_size= (paginated; https://api.imagineview.art names no parameters, these are
        the sandbox's). Reads a list or `{"items"|"results"|"data": [...], "total", "page",
        "pages"|"has_next"|"next"}`; unreadable items are skipped."""
        data = self._request("GET", "generations", query={"page": page, "page_size": page_size})
        try:
            raw = list_items(data, "items", "results", "data", "generations")
        except ValueError as exc:
            raise ProviderError(
                "The provider's history answer was unreadable.", retryable=True
            ) from exc
        return parse_page(data, raw, page=page, page_size=page_size)

    def delete(self, generation_id: int) -> None:
        """DELETE /generations/{id} (https://api.imagineview.art). Unknown or another account's: ProviderError 404."""
        self._request("DELETE", "generation", generation_id=_path_id(generation_id))

    # --- credits --------------------------------------------------------------------------

    def wallet(self) -> LabWallet:
        """GET /credits/wallet → balance (`balance`|`credits`|`credit_balance`)."""
        data = self._request("GET", "wallet")
        balance = (
            int_or_none(first_field(data, "balance", "credits", "credit_balance"))
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
            items = list_items(data, "packages", "items", "data")
        except ValueError as exc:
            raise ProviderError(
                "The provider's packages answer was unreadable.", retryable=True
            ) from exc
        return [item for item in items if isinstance(item, dict)]

    # --- the worker's two calls (the shape of ImagineProClient's) ------------------------------

    def submit(self, route: str, body: dict[str, Any], **base: Any) -> SubmitResult:
        """Start a generation from a stored request body: route "lab_generate" → POST
        /generations with the body's `generation_type`, `model_name`, `prompt`, `settings`,
        `project_id` (https://api.imagineview.art). `ref`, `timeout`, `webhook_override` in `base` have no
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
        # DELETE is idempotent: only a POST may have started something we cannot see.
        response = self._send(method, url, sending=method == "POST", json=json, params=query)
        self.raise_for_status(response, sending=method == "POST")
        if response.status_code == 204 or not response.content:
            return None
        return self.json_of(response, retryable=not sending, maybe_accepted=method == "POST")
