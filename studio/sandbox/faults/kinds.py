"""The kinds of fault, the request classes they apply to, their defaults, what the studio
should do under each (shown on the staff page), and the check of one fault's fields."""

from __future__ import annotations

import math
from datetime import timedelta

from ..models import SandboxFault

Kind = SandboxFault.Kind
On = SandboxFault.On
Provider = SandboxFault.Provider

KINDS = tuple(Kind.values)
ONS = tuple(On.values)
# What each simulated API can be made to do.
LAB_KINDS = (
    Kind.WALLET_402,
    Kind.HTTP_429,
    Kind.TOKEN_EXPIRED,
    Kind.HTTP_500,
    Kind.HTTP_502,
    Kind.LATENCY,
    Kind.FAIL,
)
PRO_KINDS = tuple(k for k in KINDS if k not in (Kind.WALLET_402, Kind.TOKEN_EXPIRED))
KINDS_OF = {Provider.IMAGINEPRO: PRO_KINDS, Provider.IMAGINELAB: LAB_KINDS}
# ImagineLab's request classes: POST generations (submit), GET one generation or its status
# (fetch), GET generations (history), output files (files); the rest only match "any".
LAB_ONS = (On.ANY, On.SUBMIT, On.FETCH, On.HISTORY, On.FILES)
ONS_OF = {Provider.IMAGINEPRO: ONS, Provider.IMAGINELAB: LAB_ONS}
DELAY_KINDS = frozenset({Kind.LATENCY})
# Faults that answer instead of the endpoint (nothing is done) …
BEFORE_KINDS = frozenset(
    {Kind.HTTP_429, Kind.HTTP_500, Kind.HTTP_502, Kind.RESET, Kind.READ_TIMEOUT}
)
# … and faults that let the endpoint run, then spoil its answer.
AFTER_KINDS = frozenset({Kind.MALFORMED_JSON, Kind.LOST_ANSWER})
JOB_KINDS = frozenset({Kind.FAIL, Kind.NEVER_FINISH})
WEBHOOK_KINDS = frozenset(
    {Kind.WEBHOOK_LATE, Kind.WEBHOOK_DUPLICATE, Kind.WEBHOOK_OUT_OF_ORDER, Kind.WEBHOOK_NEVER}
)
SUBMIT_ONLY = JOB_KINDS | WEBHOOK_KINDS | {Kind.LOST_ANSWER, Kind.WALLET_402}

DEFAULT_FAIL_TEXT = "Job failed"
DEFAULT_WEBHOOK_DELAY = 5.0
# A job that never finishes "ends" this far away: it is PROCESSING for any test or person.
FOREVER = timedelta(days=3650)

# What the studio should do under each kind: shown on the console page.
ADVICE = {
    Kind.LATENCY: "Slow answers: the studio waits (within its read timeout) and carries on.",
    Kind.HTTP_429: "Rate limited: wait for Retry-After, then try again; the card says so.",
    Kind.HTTP_500: "Server error: nothing was created; retry with backoff, the job is safe.",
    Kind.HTTP_502: "Bad gateway (an HTML page): nothing was created; retry with backoff.",
    Kind.RESET: "Connection reset: a submit's outcome is unknown, so look the job up by its "
    "ref in the history instead of posting again; a fetch is simply retried.",
    Kind.READ_TIMEOUT: "No answer in time: like a reset, a submit is looked up, never re-sent.",
    Kind.MALFORMED_JSON: "An answer that is not JSON: the submit may have been accepted, so "
    "look it up; a fetch is retried.",
    Kind.FAIL: "The job ends FAIL: show the provider's words and refund the credits.",
    Kind.NEVER_FINISH: "The job never ends: close it after its timeout plus a margin, with "
    "a reason a person understands.",
    Kind.LOST_ANSWER: "Accepted and charged, but the answer never arrives: find the job by "
    "its ref in the history; never submit it twice.",
    Kind.WEBHOOK_LATE: "The webhook comes late: polling finishes the job first; the late "
    "webhook changes nothing.",
    Kind.WEBHOOK_DUPLICATE: "The webhook comes twice: the second one is a no-op.",
    Kind.WEBHOOK_OUT_OF_ORDER: "A stale PROCESSING webhook after the final one: forward-only "
    "updates ignore it.",
    Kind.WEBHOOK_NEVER: "No webhook: polling, the backstop, finishes the job.",
}

# What the studio should do under each ImagineLab kind (FastAPI's answers, https://api.imagineview.art).
LAB_ADVICE = {
    Kind.WALLET_402: "The wallet reads the level given; a generation costing more answers 402 "
    "“Insufficient credits” and nothing is created: the form refuses it before submitting "
    "when the wallet was read in the last minute, and a 402 card says what was needed and "
    "links “Wallet and packages”.",
    Kind.HTTP_429: 'Rate limited ({"detail": "Rate limit exceeded"}, Retry-After): wait, then '
    "try again; nothing was created.",
    Kind.TOKEN_EXPIRED: "The sign-in token has expired (401 “Could not validate "
    "credentials”): sign in again with the stored email and password, or ask the person to "
    "sign in again on the key's page. Requests made with an API key are not affected.",
    Kind.HTTP_500: "Internal server error (plain text, not JSON): nothing was created; retry "
    "with backoff.",
    Kind.HTTP_502: "Bad gateway (an HTML page): nothing was created; retry with backoff.",
    Kind.LATENCY: "Slow answers: the studio waits within its read timeout and carries on.",
    Kind.FAIL: "The generation is created and charged, then ends failed with the text: show "
    "the words; ImagineLab refunds it, so the card says refunded.",
}


def check_fields(
    kind: str,
    on: str,
    remaining: int | None,
    probability: float,
    seconds: float | None,
    *,
    provider: str = Provider.IMAGINEPRO,
    credits: int | None = None,
) -> str:
    """Validate one fault's fields; return `on` as stored. ValueError with a sentence."""
    if provider not in KINDS_OF:
        raise ValueError(f"Unknown provider {provider!r}; choose imaginepro or imaginelab.")
    kinds, ons = KINDS_OF[provider], ONS_OF[provider]
    name = Provider(provider).label
    if kind not in kinds:
        raise ValueError(
            f"Unknown fault kind {kind!r} for {name}; choose one of {', '.join(kinds)}."
        )
    if on not in ons:
        raise ValueError(
            f"Unknown request class on={on!r} for {name}; choose one of {', '.join(ons)}."
        )
    if kind == Kind.WALLET_402 and (credits is None or int(credits) < 0):
        raise ValueError("Give the wallet level: the credits the wallet reads, 0 or more.")
    if kind in SUBMIT_ONLY:
        if on not in (On.SUBMIT, On.ANY):
            raise ValueError(f"A {kind} fault concerns submits only: use on=submit.")
        on = On.SUBMIT
    if remaining is not None and (not isinstance(remaining, int) or remaining < 0):
        raise ValueError("remaining must be a whole number of requests, 0 or more (or empty).")
    if not 0.0 <= float(probability) <= 1.0:
        raise ValueError("probability must be between 0 and 1.")
    if seconds is not None and (float(seconds) < 0 or not math.isfinite(float(seconds))):
        raise ValueError("seconds must be 0 or more.")
    return on
