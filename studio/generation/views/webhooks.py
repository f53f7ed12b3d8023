"""The provider's webhook receiver (name `generation:webhook`); the rules are in
studio/generation/webhooks.py."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from studio.generation import webhooks


@csrf_exempt  # the provider has no CSRF token: the secret address is the credential
@require_POST
def generation_webhook(request, generation_id, token):
    """POST /hooks/generations/<uuid>/<token>/ with the Message JSON (docs/provider-contract.md §1.6).

    200 `{"ok": true, "changed": bool}` when accepted (also for a repeat that changes
    nothing); 404 (no detail) for an unknown id or a wrong token; 400 for a body that is not
    this generation's Message; 413 above 1 MB. No login; no provider call.
    """
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > webhooks.MAX_BODY_BYTES:
        return HttpResponse("Body too large.", status=413, content_type="text/plain")
    try:
        generation = webhooks.find_generation(generation_id, token)
        received = webhooks.receive(generation, webhooks.parse_body(request.body))
    except webhooks.WebhookRefused as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain")
    return JsonResponse({"ok": True, "changed": received.moved_to is not None})
