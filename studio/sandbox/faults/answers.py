"""The answers a fault (or a rate limit) sends instead of the endpoint's: NestJS's JSON
error body, and a proxy's HTML page."""

from __future__ import annotations

import math
from http import HTTPStatus

from django.db.models import F
from django.http import HttpResponse, JsonResponse

from ..models import SandboxAccount


def nest_error(status: int, message: str) -> JsonResponse:
    """`{"message", "error", "statusCode"}` with `status`, as the provider's NestJS answers."""
    body = {"message": message, "error": HTTPStatus(status).phrase, "statusCode": status}
    return JsonResponse(body, status=status)


def too_many_requests(account: SandboxAccount | None, retry_after: float) -> JsonResponse:
    """429 in NestJS's shape with `Retry-After` in whole seconds; counted on the account."""
    response = nest_error(429, "Too Many Requests")
    response["Retry-After"] = str(max(0, math.ceil(retry_after)))
    if account is not None:
        SandboxAccount.objects.filter(pk=account.pk).update(rate_limited=F("rate_limited") + 1)
    return response


def gateway_page(status: int, reason: str) -> HttpResponse:
    """What nginx in front of an API answers: a small HTML page, not JSON."""
    page = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return HttpResponse(page, status=status, content_type="text/html")
