"""Rate limits on signing in, signing up and submitting work (django-ratelimit 4.1).

Each function counts the request (POST only) and answers whether it is over its limit; the
view then answers 429 with one of the sentences below and does nothing else: no sign-in is
tried, no account is made, no generation is created, nothing is charged. Rates are
"count/period" strings from settings (RATELIMIT_LOGIN, RATELIMIT_SIGNUP, RATELIMIT_SUBMIT);
the counters live in the cache settings.RATELIMIT_USE_CACHE names (one web process: its own
memory; several: a shared cache, see REDIS_URL). Windows are fixed: a minute's count starts
again at the next minute.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

TOO_MANY = 429  # HTTP status of every refusal here

LOGIN_SENTENCE = (
    "Too many sign-in attempts from here or for this username. Wait a minute, then try again."
)
SIGNUP_SENTENCE = "Too many sign-ups from here. Wait a minute, then try again."
SUBMIT_SENTENCE = (
    "Too many submits in a minute: this one was not sent and nothing was charged. "
    "Wait a moment, then submit again."
)


def _username(group: str, request: HttpRequest) -> str:
    """The username being tried, as typed but without case or surrounding spaces."""
    return request.POST.get("username", "").strip().lower()


def _counted(request: HttpRequest, *, group: str, key, rate: str) -> bool:
    return is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)


def login_limited(request: HttpRequest) -> bool:
    """Count a sign-in attempt; True when its IP address or the username it tries is over
    settings.RATELIMIT_LOGIN (both are counted every time, so neither can be dodged)."""
    rate = settings.RATELIMIT_LOGIN
    by_address = _counted(request, group="login-ip", key="ip", rate=rate)
    by_username = _counted(request, group="login-username", key=_username, rate=rate)
    return by_address or by_username


def signup_limited(request: HttpRequest) -> bool:
    """Count a sign-up; True when its IP address is over settings.RATELIMIT_SIGNUP."""
    return _counted(request, group="signup", key="ip", rate=settings.RATELIMIT_SIGNUP)


def submit_limited(request: HttpRequest) -> bool:
    """Count a submit of the signed-in person (a form, a button press, an extension: one
    budget for all); True when they are over settings.RATELIMIT_SUBMIT."""
    return _counted(request, group="submit", key="user", rate=settings.RATELIMIT_SUBMIT)
