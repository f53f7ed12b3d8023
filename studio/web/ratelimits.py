"""Rate limits on signing in, password-reset mails, signing up and submitting work
(django-ratelimit 4.1).

Each function counts the request (POST only) and answers whether it is over its limit; the
view then answers 429 with one of the sentences below and does nothing else: no sign-in is
tried, no account is made, no generation is created, nothing is charged. Rates are
"count/period" strings from settings (RATELIMIT_LOGIN, RATELIMIT_LOGIN_ADDRESS,
RATELIMIT_RESET_EMAIL, RATELIMIT_RESET_ADDRESS, RATELIMIT_SIGNUP, RATELIMIT_SUBMIT); the
counters live in the cache settings.RATELIMIT_USE_CACHE names (one web process: its own
memory; several: a shared cache, see REDIS_URL). Windows are fixed: a count starts again
when its period ends (each key's period ends at its own moment, see get_usage's time_left).

Sign-in is never limited by username alone: a stranger who fails for a username from one
address must not lock its owner out at another.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage, is_ratelimited

TOO_MANY = 429  # HTTP status of every refusal here

LOGIN_SENTENCE = "Too many sign-in attempts from your address. Try again in {wait}."
SIGNUP_SENTENCE = "Too many sign-ups from here. Wait a minute, then try again."
SUBMIT_SENTENCE = (
    "Too many submits in a minute: this one was not sent and nothing was charged. "
    "Wait a moment, then submit again."
)


def _username(request: HttpRequest) -> str:
    """The username being tried, as typed but without case or surrounding spaces."""
    return request.POST.get("username", "").strip().lower()


def _counted(request: HttpRequest, *, group: str, key, rate: str) -> bool:
    return is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)


def _wait(seconds: int) -> str:
    """'1 minute', '14 minutes': the time left, rounded up to whole minutes (at least one)."""
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def login_refusal(request: HttpRequest) -> tuple[str, int] | None:
    """Count a sign-in attempt by (client address, username) against settings.RATELIMIT_LOGIN
    and by client address against settings.RATELIMIT_LOGIN_ADDRESS (both every time, so
    neither can be dodged). Over either: (the sentence to show, seconds until the later of
    the two counts starts again); else None. No count is kept by username alone."""
    over = []
    # The username goes into the group, so the library's own client address ("ip", which
    # follows RATELIMIT_IP_META_KEY) stays the key: one count per (address, username).
    username = _username(request)
    for group, rate in (
        (f"login-address-username:{username}", settings.RATELIMIT_LOGIN),
        ("login-address", settings.RATELIMIT_LOGIN_ADDRESS),
    ):
        usage = get_usage(request, group=group, key="ip", rate=rate, method="POST", increment=True)
        if usage and usage["should_limit"]:
            # The count holds through the window's last second; -1 when the cache failed.
            over.append(max(usage["time_left"] + 1, 1))
    if not over:
        return None
    return LOGIN_SENTENCE.format(wait=_wait(max(over))), max(over)


def reset_mail_allowed(request: HttpRequest, email: str) -> bool:
    """Count a password-reset request by the email typed (without case or surrounding
    spaces; whether or not an account uses it) against settings.RATELIMIT_RESET_EMAIL and
    by client address against settings.RATELIMIT_RESET_ADDRESS; False when either is over
    (then no mail is sent, and the page says what it always says)."""
    typed = email.strip().lower()
    by_email = _counted(
        request, group="reset-email", key=lambda g, r: typed, rate=settings.RATELIMIT_RESET_EMAIL
    )
    by_address = _counted(
        request, group="reset-address", key="ip", rate=settings.RATELIMIT_RESET_ADDRESS
    )
    return not (by_email or by_address)


def signup_limited(request: HttpRequest) -> bool:
    """Count a sign-up; True when its IP address is over settings.RATELIMIT_SIGNUP."""
    return _counted(request, group="signup", key="ip", rate=settings.RATELIMIT_SIGNUP)


def submit_limited(request: HttpRequest) -> bool:
    """Count a submit of the signed-in person (a form, a button press, an extension: one
    budget for all); True when they are over settings.RATELIMIT_SUBMIT."""
    return _counted(request, group="submit", key="user", rate=settings.RATELIMIT_SUBMIT)
