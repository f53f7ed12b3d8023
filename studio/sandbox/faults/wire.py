"""Applying the planned faults to one request: sleep, answer instead of the endpoint,
spoil its answer, or reset the connection (see the package docstring)."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from ..models import SandboxAccount, SandboxFault
from .answers import gateway_page, nest_error, too_many_requests
from .kinds import BEFORE_KINDS, Kind
from .plan import job_faults, plan_for, seconds_of

log = logging.getLogger(__name__)


def apply(
    request: HttpRequest,
    account: SandboxAccount | None,
    on: str,
    handler: Callable[[], HttpResponse],
) -> HttpResponse:
    """Answer `request` through `handler`, with the faults that match it (see the module
    docstring)."""
    plan = plan_for(account, on)
    if plan.delay is not None:
        time.sleep(seconds_of(plan.delay, 1.0))
    answer = plan.answer
    if answer is not None and answer.kind in BEFORE_KINDS:
        return _answer_instead(request, account, answer)
    token = job_faults.set(plan)
    try:
        response = handler()
    finally:
        job_faults.reset(token)
    if answer is None:
        return response
    if answer.kind == Kind.MALFORMED_JSON:
        return _truncated(response)
    # lost_answer: the job exists and is charged; the caller never hears of it.
    if answer.seconds:
        time.sleep(answer.seconds)
        return response
    return _reset(request)


def _answer_instead(request: HttpRequest, account, fault: SandboxFault) -> HttpResponse:
    if fault.kind == Kind.HTTP_429:
        return too_many_requests(account, seconds_of(fault, 1.0))
    if fault.kind == Kind.HTTP_500:
        return nest_error(500, "Internal server error")
    if fault.kind == Kind.HTTP_502:
        return gateway_page(502, "Bad Gateway")
    if fault.kind == Kind.RESET:
        return _reset(request)
    # read_timeout: stall past the client's read timeout, then a gateway gives up.
    time.sleep(seconds_of(fault, float(settings.PROVIDER_TIMEOUT[1]) + 1.0))
    return gateway_page(504, "Gateway Time-out")


def _truncated(response: HttpResponse) -> HttpResponse:
    """200 with the first half of the answer's bytes (at least "{"): not JSON any more."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
        if hasattr(response, "close"):
            response.close()
    else:
        content = response.content
    body = content[: len(content) // 2] or b"{"
    return HttpResponse(body, status=200, content_type=response.get("Content-Type"))


def _find_socket(request: HttpRequest) -> socket.socket | None:
    """The client connection under this request, if the server lets us reach it."""
    environ = request.environ
    found = environ.get("gunicorn.socket")
    if isinstance(found, socket.socket):
        return found
    # Django's dev server / live_server: LimitedStream(rfile) → BufferedReader → SocketIO.
    stream = environ.get("wsgi.input")
    for _ in range(6):
        if stream is None or isinstance(stream, socket.socket):
            break
        reader = getattr(stream, "_read", None)
        stream = (
            getattr(reader, "__self__", None)
            or getattr(stream, "raw", None)
            or getattr(stream, "_sock", None)
            or getattr(stream, "stream", None)
        )
    return stream if isinstance(stream, socket.socket) else None


def _reset(request: HttpRequest) -> HttpResponse:
    """Reset the client's TCP connection (RST, no HTTP answer) and return a response that
    goes nowhere; if the socket cannot be reached, a 502 instead."""
    sock = _find_socket(request)
    # Read the body now: the server drains unread bytes afterwards, from a dead socket. A body
    # too big is dropped with the connection anyway.
    with contextlib.suppress(Exception):
        request.body  # noqa: B018
    if sock is None:
        log.warning("sandbox fault: cannot reach the socket to reset it; answering 502")
        return gateway_page(502, "Bad Gateway")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        # Put an unconnected socket on the same descriptor: dup2 closes the connection (an RST,
        # given SO_LINGER 0) while the server keeps a valid descriptor to write to and close;
        # its write then fails as a broken pipe, which the server ignores.
        spare = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            os.dup2(spare.fileno(), sock.fileno())
        finally:
            spare.close()
    except OSError:
        log.warning("sandbox fault: resetting the connection failed; answering 502")
        return gateway_page(502, "Bad Gateway")
    # No Content-Length: the dev server then closes the connection after this answer instead
    # of reading a next request from the dead socket.
    return StreamingHttpResponse(iter([b""]), status=200)
