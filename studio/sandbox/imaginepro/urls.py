"""Sandbox routes. Mounted at `sandbox/imaginepro/`: API base `…/api/v1`, files `…/cdn/`.

Both ImaginePro path families are served identically (docs/provider-contract.md §9 items 1–2).
"""

from __future__ import annotations

from django.urls import path, re_path

from . import views
from .views import diy as diy_views

app_name = "sandbox"


def _post(route: str, view, name: str, **options):
    """`api/v1/<route>` → view, recording the path used as `endpoint` (plus `options`)."""
    return path(f"api/v1/{route}", view, {"endpoint": route, **options}, name=name)


urlpatterns = [
    path("", views.index, name="index"),
    # Midjourney: current docs/SDK family ("nova") and the older/https://platform.imaginepro.ai/ai-agent-skill family ("midjourney").
    _post("nova/imagine", views.imagine, "nova-imagine"),
    _post("midjourney/imagine", views.imagine, "midjourney-imagine"),
    _post("nova/button", views.button, "nova-button"),
    _post("midjourney/button", views.button, "midjourney-button"),
    # Boost (§3.4): the same bodies and answers, a faster pace.
    _post("nova/boost/imagine", views.imagine, "nova-boost-imagine", boost=True),
    _post("nova/boost/button", views.button, "nova-boost-button", boost=True),
    _post("nova/describe", views.describe, "nova-describe"),
    _post("midjourney/describe", views.describe, "midjourney-describe"),
    _post("nova/faceswap", views.faceswap, "nova-faceswap"),
    _post("midjourney/faceswap", views.faceswap, "midjourney-faceswap"),
    _post("nova/blend", views.blend, "nova-blend"),
    _post("midjourney/blend", views.blend, "midjourney-blend"),
    path("api/v1/nova/images", views.images, name="nova-images"),
    path("api/v1/nova/prompt-check", views.prompt_check, name="nova-prompt-check"),
    # Other models and tools (§3.11–3.17).
    _post("flux/imagine", views.flux_imagine, "flux-imagine"),
    _post("flux/upscale", views.flux_upscale, "flux-upscale"),
    _post("universal/imagine", views.universal_imagine, "universal-imagine"),
    _post("gemini/imagine", views.universal_imagine, "gemini-imagine"),
    _post("universal/zimage", views.zimage, "universal-zimage"),
    _post("video/mj/generate", views.video_generate, "video-generate"),
    _post("video/mj/extend", views.video_extend, "video-extend"),
    _post("tools/remove-bg", views.remove_bg, "tools-remove-bg"),
    path("api/v1/tools/prompt-extend", views.prompt_extend, name="tools-prompt-extend"),
    # One message store behind every progress path (§3.2, §9 item 1).
    path("api/v1/message/fetch/<str:message_id>", views.message, name="message-fetch"),
    path(
        "api/v1/midjourney/message/<str:message_id>",
        views.message,
        {"endpoint": "midjourney/message"},
        name="midjourney-message",
    ),
    path("api/v1/video/mj/fetch/<str:message_id>", views.message, name="video-fetch"),
    path("api/v1/subscription/account-info", views.subscription_info, name="account-info"),
    # DIY plan (§3.18): documented token, trace and command routes, and the provisional
    # queue, ban-list and linked-account routes of docs/architecture.md "Providers" (diy/).
    path("api/v1/discord/tokens", diy_views.tokens, name="discord-tokens"),
    path("api/v1/discord/token/<str:token_id>", diy_views.token, name="discord-token"),
    path("api/v1/message/trace/<str:message_id>", diy_views.trace, name="message-trace"),
    _post("nova/commands", diy_views.command, "nova-commands"),
    path("api/v1/diy/queue/count", diy_views.queue_count, name="diy-queue-count"),
    path("api/v1/diy/queue/pause", diy_views.queue_pause, name="diy-queue-pause"),
    path("api/v1/diy/queue/resume", diy_views.queue_resume, name="diy-queue-resume"),
    path("api/v1/diy/queue/reboot", diy_views.queue_reboot, name="diy-queue-reboot"),
    path("api/v1/diy/ban-words", diy_views.ban_words, name="diy-ban-words"),
    path("api/v1/diy/accounts", diy_views.accounts, name="diy-accounts"),
    path(
        "api/v1/diy/accounts/<str:token_id>/queue",
        diy_views.account_queue,
        name="diy-account-queue",
    ),
    path("cdn/<uuid:message_id>/<str:name>", views.cdn, name="cdn"),
    # Anything else under the API answers like NestJS does for an unknown route.
    re_path(r"^api/v1(?:/.*)?$", views.not_found, name="api-not-found"),
]
