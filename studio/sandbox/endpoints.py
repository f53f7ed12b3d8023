"""Views of the newer endpoints: universal models, video, tools, describe, face swap,
blend, history and prompt check. Thin like views.py: read the body, call a service.
"""

from __future__ import annotations

from django.http import HttpRequest

from . import mj_tools, tools, universal, video_jobs
from .bodies import (
    read_blend,
    read_describe,
    read_faceswap,
    read_history_query,
    read_remove_bg,
    read_universal,
    read_upscale,
    read_video,
    read_video_extend,
    read_zimage,
)
from .history import history_page
from .validation import parse_json, read_prompt
from .views import api, root_url, submit_view

universal_imagine = submit_view(
    read_universal,
    universal.submit_universal,
    "POST universal/imagine | gemini/imagine — Nano Banana (§3.15).",
)
zimage = submit_view(
    read_zimage, universal.submit_zimage, "POST universal/zimage — Lumi Girl (§3.16)."
)
video_generate = submit_view(read_video, video_jobs.submit_video, "POST video/mj/generate (§3.17).")
video_extend = submit_view(
    read_video_extend, video_jobs.submit_video_extend, "POST video/mj/extend (§3.17)."
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


@api("POST")
def prompt_check(request: HttpRequest, account) -> dict:
    """POST nova/prompt-check (§3.9): `{"prompt"}` → `{"status": "SUCCESS"}` or
    `{"status": "FAIL", "message"}`, free."""
    return tools.prompt_check(read_prompt(parse_json(request.body)), account.ban_words)


@api("GET", on="history")
def images(request: HttpRequest, account) -> dict:
    """GET nova/images?page&size (§3.8): the last 24 hours' finished images, newest first."""
    page, size = read_history_query(request.GET)
    return history_page(account, page=page, size=size, base_url=root_url(request))
