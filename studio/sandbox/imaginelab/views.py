"""HTTP face of the ImagineLab sandbox: thin views over services.py, JSON in and out, no CSRF.

Mounted at `<site>/sandbox/imaginelab/`: the API under `api/v1/` (the ImagineLab API's base path),
output files under `files/`. Answers follow https://api.imagineview.art and FastAPI's habits: `{"detail": ...}`
errors, 201 on create, 204 on delete, 401 with `WWW-Authenticate: Bearer`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import wraps

from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from studio.web.ranges import file_response

from .. import clock
from ..faults import lab as lab_faults
from . import catalog, outputs, services
from .models import SandboxLabAccount, SandboxLabGeneration
from .services import LabError

PAGE_SIZE_MAX = 100


def _json(data, status: int = 200, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(exc: LabError) -> JsonResponse:
    return _json({"detail": exc.detail}, status=exc.status, headers=exc.headers)


def lab_api(*methods: str, auth: bool = True, on: str | dict | None = None) -> Callable:
    """Wrap a view `view(request, account, **kwargs) -> (data, status)`; with `auth=False`
    the view gets no account. Order: method (405), bearer auth (401), injected faults
    (studio/sandbox/faults/lab.py; `on`: the request class, or one per method), rate limit
    (429), refunds of failed generations, the view; LabError → `{"detail"}`. The view finds
    the request's faults in `request.lab_faults`."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in methods:
                return _json({"detail": "Method Not Allowed"}, status=405)
            try:
                if not auth:
                    data, status = view(request, *args, **kwargs)
                else:
                    account = services.authenticate(request.headers.get("Authorization"))
                    kind = on.get(request.method) if isinstance(on, dict) else on
                    plan = lab_faults.plan(account, kind, via_token=account.token_id is not None)
                    request.lab_faults = plan
                    if plan.delay is not None:
                        time.sleep(lab_faults.seconds_of(plan.delay, 1.0))
                    if plan.answer is not None:
                        return lab_faults.answer_instead(plan.answer, account.token_id)
                    services.check_rate(account)
                    services.settle(account)
                    data, status = view(request, account, *args, **kwargs)
            except LabError as exc:
                return _error(exc)
            if status == 204:
                return HttpResponse(status=204)
            return _json(data, status=status)

        return wrapper

    return decorator


def _iso(moment) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _file_url(request: HttpRequest, generation: SandboxLabGeneration, name: str) -> str:
    return request.build_absolute_uri(
        reverse("sandbox_imaginelab:file", args=[generation.file_key, name])
    )


def generation_payload(request: HttpRequest, generation: SandboxLabGeneration, now) -> dict:
    """A generation record as https://api.imagineview.art shows it, plus `progress`, `settings`, `project_id`,
    `error` and `completed_at`. `outputs`: media URLs (or the text) once completed."""
    current = services.state(generation, now)
    output_list: list[str] = []
    if current.status == "completed":
        if generation.generation_type == "text":
            output_list = [
                outputs.text_output(
                    generation.prompt, generation.seed, generation.settings.get("max_words", 120)
                )
            ]
        else:
            output_list = [
                _file_url(request, generation, n) for n in outputs.file_names(generation)
            ]
    ended = current.status in ("completed", "failed")
    return {
        "id": generation.pk,
        "user_id": generation.account_id,
        "generation_type": generation.generation_type,
        "model_name": generation.model_name,
        "prompt": generation.prompt,
        "settings": generation.settings,
        "project_id": generation.project_id,
        "status": current.status,
        "progress": current.progress,
        "credit_cost": generation.credit_cost,
        "error": current.error or None,
        "created_at": _iso(generation.created_at),
        "completed_at": _iso(generation.ends_at) if ended else None,
        "outputs": output_list,
    }


def _account_payload(account: SandboxLabAccount) -> dict:
    return {
        "id": account.pk,
        "email": account.email,
        "full_name": account.full_name,
        "is_active": True,
        "has_api_key": bool(account.api_key_hash),
        "created_at": _iso(account.created_at),
    }


def _body(request: HttpRequest) -> dict:
    """A JSON object, or a form (signup accepts both); 422 for unreadable JSON."""
    if request.content_type == "application/json":
        try:
            return json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise LabError(
                422, [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]
            ) from exc
    return request.POST.dict()


# --- auth -------------------------------------------------------------------------------------


@lab_api("POST", auth=False)
def login(request: HttpRequest):
    """POST auth/login, form-urlencoded `username` (email) + `password` (OAuth2 password flow,
    https://api.imagineview.art) → `{"access_token", "token_type": "bearer", "expires_in"}`."""
    username, password = request.POST.get("username"), request.POST.get("password")
    missing = [
        ("username" if name == "u" else "password", "Field required", "missing")
        for name, value in (("u", username), ("p", password))
        if not value
    ]
    if missing:
        raise services.field_error(*missing)
    token, ttl = services.login(username, password)
    return {"access_token": token, "token_type": "bearer", "expires_in": ttl}, 200


@lab_api("POST", auth=False)
def signup(request: HttpRequest):
    """POST auth/signup, JSON or form: `email`, `password` (8+ characters), `full_name` →
    201 the account; 400 "Email already registered"."""
    data = _body(request)
    if not isinstance(data, dict):
        raise LabError(422, [{"loc": ["body"], "msg": "Input should be a valid object"}])
    email = str(data.get("email") or "").strip()
    password = str(data.get("password") or "")
    problems = []
    if "@" not in email or "." not in email.rsplit("@", 1)[-1]:
        problems.append(("email", "value is not a valid email address", "value_error"))
    if len(password) < 8:
        problems.append(
            ("password", "String should have at least 8 characters", "string_too_short")
        )
    if problems:
        raise services.field_error(*problems)
    account = services.account_create(
        email=email, password=password, full_name=str(data.get("full_name") or "")
    )
    return _account_payload(account), 201


@lab_api("POST", auth=False)
def forgot_password(request: HttpRequest):
    """POST auth/forgot-password (https://api.imagineview.art names it): always the same answer; sends nothing."""
    return {"message": "If the email is registered, a reset link has been sent."}, 200


@lab_api("GET")
def me(request: HttpRequest, account: SandboxLabAccount):
    """GET auth/me: the signed-in account."""
    return _account_payload(account), 200


# --- generations ------------------------------------------------------------------------------


@lab_api("GET")
def models(request: HttpRequest, account: SandboxLabAccount):
    """GET generations/models: every model with its type, cost and settings."""
    return catalog.public_models(), 200


@lab_api("GET", "POST", on={"POST": "submit", "GET": "history"})
def generations(request: HttpRequest, account: SandboxLabAccount):
    """POST generations: create (201, `status: "pending"`, cost reserved; 402 when short).
    GET generations?page=&page_size=: history, newest first,
    `{"items", "total", "page", "page_size", "pages"}`."""
    if request.method == "POST":
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise LabError(
                422, [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]
            ) from exc
        faults = request.lab_faults
        generation = services.generation_create(
            account,
            services.read_create(data),
            fail_text=faults.fail_text,
            refuse=lambda cost: lab_faults.wallet_refuses(faults, cost),
        )
        return generation_payload(request, generation, clock.now()), 201
    page = _query_int(request, "page", 1, 1, None)
    page_size = _query_int(request, "page_size", 20, 1, PAGE_SIZE_MAX)
    items, total = services.history(account, page=page, page_size=page_size)
    now = clock.now()
    return {
        "items": [generation_payload(request, item, now) for item in items],
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": (total + page_size - 1) // page_size,
    }, 200


def _query_int(request: HttpRequest, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise LabError(
            422,
            [
                {
                    "loc": ["query", name],
                    "msg": f"Input should be a whole number {bound}",
                    "type": "int_parsing",
                }
            ],
        )
    return value


@lab_api("GET", "DELETE", on={"GET": "fetch"})
def generation(request: HttpRequest, account: SandboxLabAccount, generation_id: str):
    """GET generations/<id>: the full record with `outputs`; DELETE: 204. 404 "Generation
    not found" for an unknown id or another account's."""
    if request.method == "DELETE":
        services.generation_delete(account, generation_id)
        return None, 204
    item = services.find_generation(account, generation_id)
    now = clock.now()
    if services.state(item, now).status == "completed":
        outputs.ensure_files(item)  # files are rendered on the first fetch that sees them
    return generation_payload(request, item, now), 200


@lab_api("GET", on="fetch")
def generation_status(request: HttpRequest, account: SandboxLabAccount, generation_id: str):
    """GET generations/<id>/status → `{"id", "status", "progress"}` (https://api.imagineview.art)."""
    item = services.find_generation(account, generation_id)
    current = services.state(item, clock.now())
    return {"id": item.pk, "status": current.status, "progress": current.progress}, 200


# --- credits ----------------------------------------------------------------------------------


@lab_api("GET")
def wallet(request: HttpRequest, account: SandboxLabAccount):
    """GET credits/wallet → `{"balance", "currency": "credits"}`; an injected wallet fault
    caps the balance shown at its level."""
    balance = services.balance(account)
    level = lab_faults.wallet_level(account)
    if level is not None:
        balance = min(balance, level)
    return {"balance": balance, "currency": "credits"}, 200


@lab_api("GET")
def packages(request: HttpRequest, account: SandboxLabAccount):
    """GET credits/packages → the packages on sale (name, credits, price, currency)."""
    return services.PACKAGES, 200


# --- files and the rest -----------------------------------------------------------------------


def index(request: HttpRequest) -> JsonResponse:
    """A small description of the sandbox at its root (no auth)."""
    base = request.build_absolute_uri(reverse("sandbox_imaginelab:index")) + "api/v1"
    return _json({"service": "ImagineLab sandbox", "baseUrl": base})


def file(request: HttpRequest, file_key, name: str) -> HttpResponse:
    """A public output file, like a CDN: no auth, 404 until the generation completed."""
    item = SandboxLabGeneration.objects.filter(file_key=file_key).first()
    plan = lab_faults.plan(item.account if item else None, "files", via_token=False)
    if plan.delay is not None:
        time.sleep(lab_faults.seconds_of(plan.delay, 1.0))
    if plan.answer is not None:
        return lab_faults.answer_instead(plan.answer, None)
    if (
        request.method not in ("GET", "HEAD")
        or item is None
        or name not in outputs.file_names(item)
        or services.state(item, clock.now()).status != "completed"
    ):
        return _json({"detail": "Not Found"}, status=404)
    outputs.ensure_files(item)
    response = file_response(
        request, default_storage, outputs.storage_name(item, name), outputs.content_type(name)
    )
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@csrf_exempt
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other path under api/v1: FastAPI's 404."""
    return _json({"detail": "Not Found"}, status=404)
