"""HTTP client for the ImaginePro API (docs/provider-contract.md; https://platform.imaginepro.ai/ai-agent-skill and https://docs.imaginepro.ai/api-215981214).

The same code talks to the real API and to the studio's sandbox: only `base_url` and the key
differ. Paths live in one table; when a route of the current family (`/nova/*`,
`/message/fetch`) answers NestJS's "Cannot POST …" 404, the client tries the older
`/midjourney/*` twin once (§9 item 2, §10), and tries first, per base URL, the family that
answered last (paths.FamilyMemory).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import requests
from django.views.decorators.debug import sensitive_variables

from studio.provider.base import Capabilities, HttpClient
from studio.provider.errors import ProviderError
from studio.provider.imaginepro.diy_calls import DiyCalls
from studio.provider.imaginepro.jobs import JobCalls
from studio.provider.imaginepro.paths import PATHS, SUBMIT_ROUTES, family_of, path_families
from studio.provider.messages import (
    Message,
    SubmitResult,
    parse_message,
    parse_submit,
    parse_timestamp,
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


def _route_missing(exc: ProviderError) -> bool:
    """NestJS's 404 for a route it does not serve ("Cannot POST /…"), not a missing job."""
    return exc.status == 404 and exc.message.startswith("Cannot ")


@dataclass(frozen=True)
class PromptCheck:
    """Answer of POST /nova/prompt-check: `ok`, else the provider's reason in `message`."""

    ok: bool
    message: str = ""


class ImagineProClient(JobCalls, DiyCalls, HttpClient):
    """Calls the ImaginePro API with one key.

    Args:
        base_url: e.g. "https://api.imaginepro.ai/api/v1" (settings.IMAGINEPRO_BASE_URL) or
            the sandbox's "<site>/sandbox/imaginepro/api/v1".
        api_key: sent as `Authorization: Bearer <key>`; never logged.
        timeout: (connect, read) seconds; default settings.PROVIDER_TIMEOUT.

    Every method raises ProviderError on any failure (HTTP error, timeout, unreadable JSON).
    """

    kind: ClassVar[str] = "imaginepro"
    capabilities: ClassVar[Capabilities] = Capabilities(
        echoes_ref=True, sends_webhooks=True, needs_sign_in=False
    )

    @sensitive_variables("api_key")
    def __init__(
        self, *, base_url: str, api_key: str, timeout: tuple[float, float] | None = None
    ) -> None:
        super().__init__(base_url=base_url, secret=api_key, timeout=timeout)

    @classmethod
    def error_text(cls, response: requests.Response) -> str:
        return _error_text(response)

    # --- generating calls (POST → messageId) ------------------------------------------------

    def submit(self, route: str, body: dict[str, Any], **base: Any) -> SubmitResult:
        """POST `body` to a generating route of PATHS (one of SUBMIT_ROUTES) with the
        BaseParams in `base` (ref, webhook_override, timeout 10–900 s). The worker sends a
        generation's stored `request_body` through this; the typed methods below build
        those bodies. Raises ValueError for a route that does not start a job."""
        if route not in SUBMIT_ROUTES:
            raise ValueError(f"{route!r} is not a generating route")
        return self._submit(route, {**body, **self._base(**base)})

    # --- synchronous tools -------------------------------------------------------------------

    def prompt_extend(self, prompt: str) -> str:
        """A richer version of `prompt` (POST /tools/prompt-extend, https://platform.imaginepro.ai/ai-agent-skill; free, synchronous).
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
        """GET /message/fetch/{messageId} (https://docs.imaginepro.ai/api-215981214): the job's status, progress and results.
        With `video`, GET /video/mj/fetch/{messageId} (JS SDK), else the message route."""
        data = self._request("GET", "video_message" if video else "message", message_id=message_id)
        try:
            return parse_message(data)
        except ValueError as exc:
            raise ProviderError(
                f"The provider sent an unreadable progress answer ({exc}).", retryable=True
            ) from exc

    def images(self, *, page: int = 1, size: int = 10) -> list[dict[str, Any]]:
        """One page of the last 24 hours' history (GET /nova/images, https://docs.imaginepro.ai/api-215995453): items shaped
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
        paced: Callable[[], AbstractContextManager] | None = None,
    ) -> Message | None:
        """Find the job we sent with `ref` when its submit answer was lost; None if not found.

        The history (GET /nova/images, §3.8: `id`, `type`, `button`, `prompt`, `uri`,
        `createdAt`) carries no `ref`, so candidates are its items created since `since`,
        those with our `button` (a press) and our `prompt` tried first; each is confirmed by
        GET /message/fetch/{id}, whose Message echoes the `ref` we sent (§1.1, §1.6). At most
        `max_checks` candidates are fetched. `history` reuses items already read with
        `history_since` (one history read serves every lookup of a key); `paced`, if given,
        makes the context each fetch runs in (the caller's rate limiter: a place taken
        before the request, given back with its answer). Only DONE jobs are
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
            try:
                with paced() if paced is not None else nullcontext():
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

    def check_key(self) -> None:
        """Cheap check that the key is accepted: fetch a job id that cannot exist.

        Polling is free (https://platform.imaginepro.ai/ai-agent-skill). A 404 means the key was accepted; a 401 raises. Any other
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
        if not fallback:
            return self._call(method, preferred.format(**params), json, query)
        family = family_of(fallback)
        use_fallback = path_families.prefers_fallback(self.base_url, family)
        first, second = (fallback, preferred) if use_fallback else (preferred, fallback)
        try:
            return self._call(method, first.format(**params), json, query)
        except ProviderError as exc:
            if not _route_missing(exc):
                raise
        # The first path is missing: the other family, and it is tried first from now on
        # once it shows it exists (any answer but "Cannot …": a 429 or a 404 for an unknown
        # job come from the route).
        try:
            data = self._call(method, second.format(**params), json, query)
        except ProviderError as exc:
            if exc.status is not None and not _route_missing(exc):
                path_families.remember(self.base_url, family, fallback=not use_fallback)
            raise
        path_families.remember(self.base_url, family, fallback=not use_fallback)
        return data

    def _call(self, method: str, path: str, json: Any, query: dict | None = None) -> Any:
        sending = method != "GET"
        response = self._send(
            method, self.base_url + path, sending=sending, json=json, params=query
        )
        self.raise_for_status(response, sending=sending)
        return self.json_of(response, retryable=not sending, maybe_accepted=sending)
