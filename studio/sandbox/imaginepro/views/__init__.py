"""HTTP face of the ImaginePro sandbox: thin views over services, JSON in and out, no CSRF.

Mounted at `<site>/sandbox/imaginepro/`; the API is under `api/v1/` (the base URL a client
uses), result files under `cdn/`. Every API call authenticates first (docs/provider-contract.md §1).
This module holds the `api` decorator, `submit_view`, every submitting endpoint (Midjourney,
Flux, models, video, tools, describe, face swap, blend), progress, history, prompt check,
account info and the CDN; the DIY plan's views are in views/diy.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.core.files.storage import default_storage
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from studio.web.ranges import file_response

from ... import clock, faults
from ...models import SandboxJob
from ...render.files import content_type, file_names, storage_name
from .. import mj_tools, refunds, services, tools, universal, video
from ..diy.banlist import refuse_banned
from ..history import history_page
from ..lifecycle import DONE, job_state
from ..outputs import ensure_files
from ..params import (
    read_blend,
    read_button,
    read_describe,
    read_faceswap,
    read_flux,
    read_history_query,
    read_imagine,
    read_remove_bg,
    read_universal,
    read_upscale,
    read_video,
    read_video_extend,
    read_zimage,
)
from ..payloads import account_info, dialect_of, message_payload, submit_response
from ..progress_rate import check_progress_rate
from ..validation import ApiError, parse_json, read_prompt
from ..webhooks import sweep_backstop

log = logging.getLogger(__name__)


def _json(data: dict | list, status: int = 200) -> JsonResponse:
    # Raw UTF-8 like the provider's Node server, so emoji buttons stay readable. Some DIY
    # answers are documented as bare arrays (discord/tokens), hence safe=False.
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def root_url(request: HttpRequest) -> str:
    """Absolute URL of the sandbox mount as this client sees it, ending in "/"."""
    return request.build_absolute_uri(reverse("sandbox:index"))


def _route_not_found(request: HttpRequest) -> JsonResponse:
    """NestJS's answer for an unknown route or method: 404 "Cannot GET /api/v1/…"."""
    prefix = reverse("sandbox:index")
    path = "/" + request.path[len(prefix) :] if request.path.startswith(prefix) else request.path
    return _json(ApiError(404, f"Cannot {request.method} {path}").body(), status=404)


def api(*methods: str, on: str = "other") -> Callable:
    """Wrap an API view `view(request, account, **kwargs) -> dict | list`: method check, webhook
    backstop sweep, bearer auth, the progress rate limit (on "fetch", progress_rate.py),
    injected faults (faults.apply; `on` is the request's class: "submit", "fetch",
    "history", "check" (the prompt check) or "other"), ApiError → provider-shaped error body."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
            if request.method not in methods:
                return _route_not_found(request)
            try:
                sweep_backstop()
            except Exception:  # the backstop must never break an API call
                log.exception("sandbox webhook backstop failed")
            try:
                account = services.authenticate(request.headers.get("Authorization"))
            except ApiError as exc:
                return _json(exc.body(), status=exc.status)

            def handle() -> JsonResponse:
                try:
                    return _json(view(request, account, *args, **kwargs))
                except ApiError as exc:
                    return _json(exc.body(), status=exc.status)
                except RequestDataTooBig:  # body over DATA_UPLOAD_MAX_MEMORY_SIZE, as Express
                    return _json(ApiError(413, "request entity too large").body(), status=413)

            if on == "fetch":
                limited = check_progress_rate(account)
                if limited is not None:
                    return limited
            return faults.apply(request, account, on, handle)

        return wrapper

    return decorator


def index(request: HttpRequest) -> JsonResponse:
    """A small description of the sandbox at its root (no auth)."""
    root = root_url(request)
    return _json({"service": "ImaginePro sandbox", "baseUrl": f"{root}api/v1"})


def submit_view(reader: Callable[[dict], object], submit: Callable, doc: str) -> Callable:
    """An API view for a generating POST: JSON body → the account's ban list (400) →
    `reader` (400s) → `submit(account,
    request, endpoint=, base_url=, body=)` → the submit response (§1.2). URL kwargs other
    than `endpoint` (e.g. `boost`) are passed on to `submit`."""

    def view(request: HttpRequest, account, *, endpoint: str, **options) -> dict:
        data = parse_json(request.body)
        refuse_banned(account, data)  # the account's DIY ban list: 400, nothing charged
        job = submit(
            account,
            reader(data),
            endpoint=endpoint,
            base_url=root_url(request),
            body=data,
            **options,
        )
        return submit_response(job, dialect_of(endpoint))

    view.__doc__ = doc
    return api("POST", on="submit")(view)


imagine = submit_view(
    read_imagine,
    services.submit_imagine,
    "POST nova/imagine | midjourney/imagine | nova/boost/imagine (§3.1, §3.4).",
)
button = submit_view(
    read_button,
    services.submit_button,
    "POST nova/button | midjourney/button | nova/boost/button (§3.3, §3.4), Cancel Job too.",
)
flux_imagine = submit_view(read_flux, services.submit_flux, "POST flux/imagine (§3.11).")

universal_imagine = submit_view(
    read_universal,
    universal.submit_universal,
    "POST universal/imagine | gemini/imagine — Nano Banana (§3.15).",
)
zimage = submit_view(
    read_zimage, universal.submit_zimage, "POST universal/zimage — Lumi Girl (§3.16)."
)
video_generate = submit_view(read_video, video.submit_video, "POST video/mj/generate (§3.17).")
video_extend = submit_view(
    read_video_extend, video.submit_video_extend, "POST video/mj/extend (§3.17)."
)
flux_upscale = submit_view(read_upscale, tools.submit_upscale, "POST flux/upscale (§3.12).")
remove_bg = submit_view(read_remove_bg, tools.submit_remove_bg, "POST tools/remove-bg (§3.13).")
describe = submit_view(
    read_describe, mj_tools.submit_describe, "POST nova/describe | midjourney/describe (§3.5)."
)
faceswap = submit_view(
    read_faceswap, mj_tools.submit_faceswap, "POST nova/faceswap | midjourney/faceswap (§3.6)."
)
blend = submit_view(read_blend, mj_tools.submit_blend, "POST nova/blend | midjourney/blend (§3.7).")


@api("POST")
def prompt_extend(request: HttpRequest, account) -> dict:
    """POST tools/prompt-extend (§3.14): `{"prompt"}` → `{"prompt": <longer>}`, free."""
    return tools.prompt_extend(read_prompt(parse_json(request.body)))


@api("POST", on="check")
def prompt_check(request: HttpRequest, account) -> dict:
    """POST nova/prompt-check (§3.9): `{"prompt"}` → `{"status": "SUCCESS"}` or
    `{"status": "FAIL", "message"}`, free."""
    return tools.prompt_check(read_prompt(parse_json(request.body)), account.ban_words)


@api("GET", on="history")
def images(request: HttpRequest, account) -> dict:
    """GET nova/images?page&size (§3.8): the last 24 hours' finished images, newest first."""
    page, size = read_history_query(request.GET)
    return history_page(account, page=page, size=size, base_url=root_url(request))


@api("GET", on="fetch")
def message(
    request: HttpRequest, account, *, message_id: str, endpoint: str = "message/fetch"
) -> dict:
    """GET message/fetch/<id> | midjourney/message/<id> (§3.2) → Message (§1.3), written
    as the path's page writes it (payloads.dialect_of)."""
    job = services.find_message(account, message_id)
    now = clock.now()
    if job_state(job, now).status == DONE:
        ensure_files(job)  # files are drawn on the first fetch that sees DONE
    return message_payload(job, base_url=root_url(request), now=now, dialect=dialect_of(endpoint))


@api("GET")
def subscription_info(request: HttpRequest, account) -> dict:
    """GET subscription/account-info (§3.10), failed jobs refunded first (refunds.py)."""
    if refunds.settle(account.pk):
        account.refresh_from_db(fields=["credits"])
    return account_info(account)


def cdn(request: HttpRequest, message_id: str, name: str):
    """Public result file, like the provider's CDN: no auth, 404 until the job is DONE.
    Faults on "files" of the job's account (or everyone) apply (faults.apply)."""
    job = SandboxJob.objects.select_related("parent", "account").filter(pk=message_id).first()

    def handle():
        if (
            request.method not in ("GET", "HEAD")
            or job is None
            or name not in file_names(job)
            or job_state(job, clock.now()).status != DONE
        ):
            return _json(ApiError(404, "File not found").body(), status=404)
        ensure_files(job)
        response = file_response(
            request, default_storage, storage_name(job, name), content_type(name)
        )
        response["Cache-Control"] = "public, max-age=86400, immutable"
        return response

    return faults.apply(request, job.account if job else None, "files", handle)


@csrf_exempt
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other path under api/v1: NestJS's 404 (before auth, as a router would)."""
    return _route_not_found(request)
