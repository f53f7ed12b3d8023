"""What every provider client is: declared capabilities, the calls the worker makes, and the
HTTP plumbing (one session per thread, timeouts, transport and status errors) they share.

The job worker never asks which provider a key is for; it asks the client's Capabilities.
A provider is added by a folder beside imaginepro/ and imaginelab/ with a client built on
HttpClient, and one line in studio.provider.registry.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter

from studio.provider.errors import ProviderError
from studio.provider.messages import Message, SubmitResult


@dataclass(frozen=True)
class Capabilities:
    """What a provider does, as the worker, the downloads and the account helpers need it.

    echoes_ref: the provider's job record carries back the `ref` we sent, so a submit whose
        answer was lost can be found in its history (else such a job is closed, never re-sent).
    sends_webhooks: it accepts a per-job webhook address (`webhookOverride`) and calls it.
    needs_sign_in: a key may be a signed-in token that expires; a 401 means "sign in again"
        (the work waits) rather than a refused key.
    max_poll_interval: seconds; a running job is never polled less often than this (None:
        the studio's own POLL_INTERVAL alone decides).
    wallet: the account's credits are a wallet (`wallet().balance`), which also explains a
        402 on submit; else they come from `account_info()`.
    mixed_outputs: a finished job's outputs may be images, videos, audio or text, each saying
        its kind (Message.audio_urls, Message.texts), rather than a fixed layout per route.
    """

    echoes_ref: bool = False
    sends_webhooks: bool = False
    needs_sign_in: bool = False
    max_poll_interval: float | None = None
    wallet: bool = False
    mixed_outputs: bool = False


class ProviderClient(Protocol):
    """The calls the job worker makes on any provider's client (each raises ProviderError).

    `kind` is the provider's name as keys store it ("imaginepro"); `capabilities` what it does.
    """

    kind: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def submit(self, route: str, body: dict[str, Any], **base: Any) -> SubmitResult:
        """Start a job from a stored request body on `route`; `base` holds ref, timeout and
        webhook_override, which a provider without them ignores."""

    def fetch_message(self, message_id: str, *, video: bool = False) -> Message:
        """The job's status, progress and results as a Message."""


_local = threading.local()


def shared_session() -> requests.Session:
    """One Session per thread (requests does not promise thread safety), and no urllib3
    retries: whether to repeat a call is the caller's decision, since a repeat may cost
    credits."""
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


def transport_error(exc: requests.RequestException, *, sending: bool) -> ProviderError:
    """A ProviderError for a call that got no HTTP answer. `sending`: the call may act (a
    POST), so a read timeout or a broken connection leaves it `maybe_accepted`."""
    if isinstance(exc, requests.Timeout):
        connect = isinstance(exc, requests.ConnectTimeout)
        return ProviderError(
            "The provider did not answer in time.",
            retryable=True,
            maybe_accepted=sending and not connect,
        )
    if isinstance(exc, requests.ConnectionError):
        not_sent = _not_sent(exc)
        return ProviderError(
            "Could not reach the provider."
            if not_sent
            else "The connection to the provider broke.",
            retryable=True,
            maybe_accepted=sending and not not_sent,
        )
    return ProviderError(f"The request could not be sent: {exc.__class__.__name__}.")


def retry_after_header(response: requests.Response) -> float | None:
    """Seconds of the `Retry-After` header (RFC 9110 §10.2.3, delay-seconds form), or None."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


class HttpClient:
    """The HTTP base of a provider client: a bearer secret, a (connect, read) timeout, the
    thread's session (or one given), and the mapping of failures to ProviderError.

    Args:
        base_url: the API root, without a trailing slash needed.
        secret: an API key or access token, sent as `Authorization: Bearer <secret>`; never
            logged or shown in repr.
        timeout: (connect, read) seconds; default settings.PROVIDER_TIMEOUT.
        session: a requests.Session to use; default one per thread (shared_session).

    Subclasses set `kind` and `capabilities`, and may override `error_text`, `retry_after`
    and `explanations` (their own sentence per HTTP status).
    """

    kind: ClassVar[str] = ""
    capabilities: ClassVar[Capabilities] = Capabilities()
    explanations: ClassVar[dict[int, str] | None] = None

    @sensitive_variables("secret")
    def __init__(
        self,
        *,
        base_url: str,
        secret: str,
        timeout: tuple[float, float] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
        self.timeout = timeout or tuple(settings.PROVIDER_TIMEOUT)
        self._own_session = session

    @classmethod
    @sensitive_variables("secret")
    def with_secret(
        cls, *, base_url: str, secret: str, timeout: tuple[float, float] | None = None
    ) -> HttpClient:
        """A client of this class for `secret`, whatever its own constructor calls the secret
        (`api_key`, `token`): subclass constructors only rename it."""
        client = cls.__new__(cls)
        HttpClient.__init__(client, base_url=base_url, secret=secret, timeout=timeout)
        return client

    def __repr__(self) -> str:  # never show the secret
        return f"<{type(self).__name__} {self.base_url}>"

    def _send(self, method: str, url: str, *, sending: bool, **kwargs: Any) -> requests.Response:
        """One HTTP call with our headers and timeout; a transport failure is raised as
        ProviderError (transport_error with `sending`)."""
        try:
            return (self._own_session or shared_session()).request(
                method, url, headers=self._headers, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise transport_error(exc, sending=sending) from exc

    @classmethod
    def error_text(cls, response: requests.Response) -> str:
        """The provider's own words in an error answer; the raw text by default."""
        return response.text.strip()[:300]

    @classmethod
    def retry_after(cls, response: requests.Response) -> float | None:
        """Seconds the provider asks us to wait before a repeat, if it says."""
        return retry_after_header(response)

    @classmethod
    def raise_for_status(cls, response: requests.Response, *, sending: bool) -> None:
        """Raise ProviderError for an HTTP error answer: 429 and 5xx are retryable; a 502 or
        504 to a call that acts is `maybe_accepted` (a gateway may have passed it on)."""
        status = response.status_code
        if status < 400:
            return
        raise ProviderError(
            cls.error_text(response) or response.reason or "",
            status=status,
            retryable=status == 429 or status >= 500,
            maybe_accepted=sending and status in (502, 504),
            retry_after=cls.retry_after(response),
            explanations=cls.explanations,
        )

    @staticmethod
    def json_of(response: requests.Response, *, retryable: bool, maybe_accepted: bool) -> Any:
        """The answer's JSON; ProviderError when it is not JSON (whether a repeat may help and
        whether the call may have acted are the caller's to say)."""
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(
                f"The provider sent an answer that is not valid JSON (HTTP "
                f"{response.status_code}).",
                retryable=retryable,
                maybe_accepted=maybe_accepted,
            ) from exc
