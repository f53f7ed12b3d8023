"""Image tools on any stored image or image link: upscale, remove background, describe,
face swap, blend, image to image; and "generate from this described prompt"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.banwords import guard
from studio.generation import costs, selectors, services
from studio.generation.errors import GenerationError
from studio.generation.forms.tools import (
    BlendForm,
    DescribeForm,
    FaceSwapForm,
    ImageToImageForm,
    RemoveBgForm,
    UpscaleForm,
)
from studio.generation.models import Action, Status
from studio.generation.services import tools as tool_services
from studio.generation.views.sources import form_view
from studio.teams import access
from studio.web import ratelimits


def _upscale(request, form, urls, parent):
    data = form.cleaned_data
    return tool_services.flux_upscale_create(
        user=request.user,
        provider_key=data["key"],
        image_url=urls["image"][0],
        scale=data["scale"],
        parent=parent,
    )


def _remove_bg(request, form, urls, parent):
    return tool_services.remove_bg_create(
        user=request.user,
        provider_key=form.cleaned_data["key"],
        image_url=urls["image"][0],
        parent=parent,
    )


def _describe(request, form, urls, parent):
    return tool_services.describe_create(
        user=request.user,
        provider_key=form.cleaned_data["key"],
        image_url=urls["image"][0],
        parent=parent,
    )


def _faceswap(request, form, urls, parent):
    return tool_services.faceswap_create(
        user=request.user,
        provider_key=form.cleaned_data["key"],
        source_url=urls["source"][0],
        target_url=urls["target"][0],
        parent=parent,
    )


def _blend(request, form, urls, parent):
    return tool_services.blend_create(
        user=request.user, provider_key=form.cleaned_data["key"], image_urls=urls["images"]
    )


def _image_to_image(request, form, urls, parent):
    data = form.cleaned_data
    return tool_services.image_to_image_create(
        user=request.user,
        provider_key=data["key"],
        image_url=urls["image"][0],
        text=data["prompt"],
        relax=data["speed"] == "relax",
        parent=parent,
    )


# slug: (form, create, title, intro, submit label)
TOOLS = {
    "upscale": (
        UpscaleForm,
        _upscale,
        "Upscale",
        "Make any image 2, 3 or 4 times larger with Flux's upscaler.",
        "Upscale",
    ),
    "remove-background": (
        RemoveBgForm,
        _remove_bg,
        "Remove background",
        "Cut out the subject: you get a PNG with a transparent background.",
        "Remove background",
    ),
    "describe": (
        DescribeForm,
        _describe,
        "Describe",
        "Four prompts that could have made this image, each one click from a new "
        "Midjourney generation.",
        "Describe",
    ),
    "face-swap": (
        FaceSwapForm,
        _faceswap,
        "Face swap",
        "Put the face from one picture into another.",
        "Swap the face",
    ),
    "blend": (
        BlendForm,
        _blend,
        "Blend",
        "Mix 2 to 5 images into a Midjourney grid.",
        "Blend",
    ),
    "image-to-image": (
        ImageToImageForm,
        _image_to_image,
        "Image to image",
        "Midjourney starts from your picture (its link goes first in the prompt).",
        "Generate",
    ),
}


@login_required
@require_GET
def tools_index(request):
    """Every tool with its price; links keep `?image=` so a gallery image carries over."""
    image = request.GET.get("image", "")
    # Prices are copied out: a template would call a form class instead of reading it.
    tools = [
        {
            "slug": slug,
            "title": spec[2],
            "intro": spec[3],
            "cost": spec[0].cost,
            "estimate": getattr(spec[0], "estimate", None),
        }
        for slug, spec in TOOLS.items()
    ]
    context = {
        "tools": tools,
        "image": image,
        "video_cost": costs.MJ_VIDEO,
        "nano_banana_cost": costs.NANO_BANANA,
    }
    return TemplateResponse(request, "generation/tools.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def tool_new(request, tool):
    if tool not in TOOLS:
        raise Http404
    form_class, create, title, intro, submit_label = TOOLS[tool]
    return form_view(
        request,
        form_class,
        lambda form, urls, parent: create(request, form, urls, parent),
        midjourney=tool == "image-to-image",
        title=title,
        intro=intro,
        submit_label=submit_label,
    )


@login_required
@require_POST
def describe_generate(request, generation_id):
    """One click from a described prompt to a Midjourney imagine with the same key."""
    described = selectors.get_generation_for_user(request.user, generation_id, access.CREATE)
    if ratelimits.submit_limited(request):
        messages.error(request, ratelimits.SUBMIT_SENTENCE)
        return redirect(described)
    try:
        prompt = described.text_outputs[int(request.POST.get("index", ""))]
    except (ValueError, IndexError):
        prompt = None
    if described.action != Action.DESCRIBE or described.status != Status.DONE or not prompt:
        messages.error(request, "That prompt is not available.")
        return redirect(described)
    if described.provider_key is None:
        messages.error(request, "The key that described this image was deleted.")
        return redirect(described)
    banned = guard.check_text(prompt, midjourney=True)
    if banned is not None:  # "Edit first" opens the form, where the words are marked
        messages.error(request, f"{banned.sentence} “Edit first” opens it in the form.")
        return redirect(described)
    try:
        child = services.midjourney_create(
            user=request.user,
            provider_key=described.provider_key,
            prompt=prompt,
            params={"prompt": prompt},
            parent=described,
        )
    except GenerationError as exc:
        messages.error(request, str(exc))
        return redirect(described)
    messages.success(
        request, f"Generating from the prompt ({costs.midjourney_imagine(prompt)} credits)."
    )
    return redirect(child)
