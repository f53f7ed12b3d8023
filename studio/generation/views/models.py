"""Nano Banana, Lumi Girl and Midjourney video forms, and extending a finished video."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from studio.generation import selectors
from studio.generation.errors import GenerationError
from studio.generation.forms.lumi_girl import LumiGirlForm
from studio.generation.forms.nano_banana import NanoBananaForm
from studio.generation.forms.video import VideoForm
from studio.generation.services import lumi_girl, nano_banana, video
from studio.generation.views.sources import form_view, plain_params
from studio.teams import access
from studio.web import ratelimits


@login_required
@require_http_methods(["GET", "POST"])
def nano_banana_new(request):
    def create(form, urls, parent):
        data = form.cleaned_data
        return nano_banana.nano_banana_create(
            user=request.user,
            provider_key=data["key"],
            prompt=data["prompt"],
            image_urls=urls["reference_images"],
            model=data["model"],
            params=plain_params(form),
            parent=parent,
        )

    return form_view(
        request,
        NanoBananaForm,
        create,
        title="Nano Banana",
        intro="A prompt and up to 8 reference images: try-ons, mockups, staging, style transfer.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def lumi_girl_new(request):
    def create(form, urls, parent):
        data = form.cleaned_data
        return lumi_girl.lumi_girl_create(
            user=request.user,
            provider_key=data["key"],
            prompt=data["prompt"],
            width=data["width"],
            height=data["height"],
            params=plain_params(form),
        )

    return form_view(
        request,
        LumiGirlForm,
        create,
        title="Lumi Girl",
        intro="Character portraits, anime and stylised pictures. Choose an aspect ratio "
        "(the longest side is 1024 px) or an exact size.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def video_new(request):
    def create(form, urls, parent):
        data = form.cleaned_data
        return video.video_create(
            user=request.user,
            provider_key=data["key"],
            prompt=data["prompt"],
            start_frame_url=urls["start_frame"][0],
            end_frame_url=urls["end_frame"][0],
            timeout=data["timeout"],
            params=plain_params(form),
            parent=parent,
        )

    return form_view(
        request,
        VideoForm,
        create,
        title="Midjourney video",
        intro="A short video moving from a start frame to an end frame. It can take up to "
        "15 minutes.",
        submit_label="Make the video",
    )


@login_required
@require_POST
def video_extend(request, generation_id):
    """Extend one video of a finished video generation (POST /video/mj/extend)."""
    parent = selectors.get_generation_for_user(request.user, generation_id, access.CREATE)
    if ratelimits.submit_limited(request):
        messages.error(request, ratelimits.SUBMIT_SENTENCE)
        return redirect(parent)
    try:
        index = int(request.POST.get("index", "1"))
        child = video.video_extend(user=request.user, parent=parent, index=index)
    except (ValueError, GenerationError) as exc:
        text = str(exc) if isinstance(exc, GenerationError) else "Choose which video to extend."
        messages.error(request, text)
        return redirect(parent)
    messages.success(request, "Extending the video. It appears at the top of the gallery.")
    return redirect(child)
