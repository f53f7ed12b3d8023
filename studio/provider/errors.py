"""The one error type raised by provider clients."""

from __future__ import annotations

from http import HTTPStatus

# What a person should read for each HTTP status; the provider's own text follows it.
_EXPLANATIONS = {
    400: "The provider rejected the request",
    401: "The provider refused the API key, or the account has no credits left",
    402: "The provider account has no credits left",
    403: "The provider refused access",
    404: "The provider does not know this job",
    429: "The provider is rate-limiting requests",
}


class ProviderError(Exception):
    """A provider call failed.

    Attributes:
        status: HTTP status, or None when no HTTP answer arrived (timeout, connection error).
        message: the provider's own text (its `message`, else its `error`), or a description
            of the transport failure.
        retryable: True when repeating the same call later can help (429, 5xx, timeouts).
        maybe_accepted: True when the request may have reached the provider and been acted on
            although we saw no usable answer (read timeout, 502/504, unreadable 200). A submit
            in that state must be looked up, never re-posted: it may already cost credits.
        retry_after: seconds the provider asked us to wait (429 `Retry-After`), if any.
        explanations: the client's own sentence per HTTP status, where a provider means
            something else by it (ImagineLab's 401 is an expired sign-in, not credits).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        maybe_accepted: bool = False,
        retry_after: float | None = None,
        explanations: dict[int, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.maybe_accepted = maybe_accepted
        self.retry_after = retry_after
        self.explanations = explanations or {}

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """One sentence for a person: what happened, then the provider's own words."""
        if self.status is None:
            return self.message
        if self.status >= 500:
            head = f"The provider had an internal error (HTTP {self.status})"
        else:
            head = (
                self.explanations.get(self.status)
                or _EXPLANATIONS.get(self.status)
                or f"The provider answered HTTP {self.status}"
            )
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = ""
        if self.message and self.message != reason:
            return f"{head}: {self.message}"
        return f"{head}."
