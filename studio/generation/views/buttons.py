"""Midjourney buttons: pressing one (with a remix prompt), the Vary (Region) mask editor,
and cancelling a running job. The rules live in presses.py and cancel.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from studio.banwords import guard
from studio.generation import buttons, presses, selectors, services
from studio.generation import cancel as cancels
from studio.teams import access
from studio.web import ratelimits


def _boost_choice(value: str | None) -> bool | None:
    """An explicit boost from the form ("1"/"0"), else None: inherit the parent's."""
    if value in ("1", "true", "on"):
        return True
    if value in ("0", "false", "off"):
        return False
    return None


def _banned(parent, button: str, prompt: str) -> guard.Refusal | None:
    """Our list on the prompt a press would send: a remix prompt the person edited (an
    unchanged one is not sent) or a Vary (Region) prompt. None when it may go."""
    typed = " ".join(prompt.split())
    if not typed:
        return None
    if button != presses.VARY_REGION and (
        not presses.takes_remix(button) or typed == " ".join(parent.prompt.split())
    ):
        return None
    return guard.check_text(prompt, midjourney=True)


@login_required
@require_POST
def press(request, generation_id):
    """Press a button of a finished generation: a new child generation (POST /nova/button).

    htmx (gallery): answers the child's card, or the press-error partial, leaving the
    person's form (and remix prompt) in place. Plain POST: redirects to the child; on an
    error back to the parent, its remix box reopened with the prompt as typed.
    """
    parent = selectors.get_generation_for_user(request.user, generation_id, access.CREATE)
    button = request.POST.get("button", "")
    prompt = request.POST.get("prompt", "")
    if button == presses.VARY_REGION:  # e.g. "Retry" of a failed Vary (Region): draw again
        editor = reverse("generation:vary_region", args=[parent.pk])
        return HttpResponseClientRedirect(editor) if request.htmx else redirect(editor)
    if ratelimits.submit_limited(request):  # nothing is checked, sent or charged
        if request.htmx:
            return TemplateResponse(
                request,
                "gallery/gallery.html#press-error",
                {"error": ratelimits.SUBMIT_SENTENCE},
                status=ratelimits.TOO_MANY,
            )
        messages.error(request, ratelimits.SUBMIT_SENTENCE)
        if prompt.strip() and presses.takes_remix(button):
            kept = urlencode({"remix": button, "prompt": prompt})
            return redirect(f"{parent.get_absolute_url()}?{kept}")
        return redirect(parent)
    banned = _banned(parent, button, prompt)
    if banned is not None and request.htmx:  # the sentence and the prompt with words marked
        return TemplateResponse(
            request, "banwords/_refusals.html", {"refusals": [banned], "with_sentence": True}
        )
    try:
        if banned is not None:
            raise services.GenerationError(banned.sentence)
        child = presses.button_press(
            user=request.user,
            parent=parent,
            button=button,
            prompt=prompt,
            boost=_boost_choice(request.POST.get("boost")),
        )
    except services.GenerationError as exc:
        if request.htmx:
            return TemplateResponse(
                request, "gallery/gallery.html#press-error", {"error": str(exc)}
            )
        messages.error(request, str(exc))
        if prompt.strip() and presses.takes_remix(button):
            # The parent's page reopens this button's remix box with the prompt as typed.
            kept = urlencode({"remix": button, "prompt": prompt})
            return redirect(f"{parent.get_absolute_url()}?{kept}")
        return redirect(parent)
    if request.htmx:
        return TemplateResponse(request, "gallery/gallery.html#card", {"generation": child})
    messages.success(request, f"{buttons.name(child.button)} submitted.")
    return redirect(child)


@login_required
@require_http_methods(["GET", "POST"])
def vary_region(request, generation_id):
    """The Vary (Region) mask editor over an upscaled image; its POST sends the press with
    the drawn `mask` (base64 PNG, white on black) and the optional region `prompt`.
    A refused mask re-renders the editor with the drawing and the prompt kept."""
    parent = selectors.get_generation_for_user(request.user, generation_id, access.CREATE)
    if presses.VARY_REGION not in parent.buttons or not parent.images:
        messages.error(request, "This image has no Vary (Region) button.")
        return redirect(parent)
    context = {
        "generation": parent,
        "image": parent.images[0],
        "mask": "",
        "prompt": "",
        "error": "",
        "boost": presses.press_boost(parent, None),
        "banned": [],
    }
    if request.method == "POST":
        mask, prompt = request.POST.get("mask", ""), request.POST.get("prompt", "")
        banned = _banned(parent, presses.VARY_REGION, prompt)
        limited = ratelimits.submit_limited(request)
        try:
            if limited:
                raise services.GenerationError(ratelimits.SUBMIT_SENTENCE)
            if banned is not None:  # before the mask is even looked at: nothing is sent
                context["banned"] = [banned]
                raise services.GenerationError(banned.sentence)
            child = presses.button_press(
                user=request.user,
                parent=parent,
                button=presses.VARY_REGION,
                prompt=prompt,
                mask=mask,
                boost=_boost_choice(request.POST.get("boost")),
            )
        except services.GenerationError as exc:
            # Only an image-looking mask goes back into the page (it is drawn on load).
            kept = mask if mask.startswith("data:image/png;base64,") else ""
            context.update(mask=kept, prompt=prompt, error=str(exc))
            status = ratelimits.TOO_MANY if limited else 400
            return TemplateResponse(request, "generation/vary_region.html", context, status=status)
        messages.success(request, "Vary (Region) submitted.")
        return redirect(child)
    return TemplateResponse(request, "generation/vary_region.html", context)


@login_required
@require_POST
def cancel(request, generation_id):
    """Cancel a queued or running Midjourney job (cancel.py). htmx answers the updated card
    (final when it was never sent); a plain POST goes to its page with a message."""
    generation = selectors.get_generation_for_user(request.user, generation_id, access.CREATE)
    try:
        outcome = cancels.generation_cancel(user=request.user, generation=generation)
    except services.GenerationError as exc:
        if request.htmx:  # the card as it is now, which shows why (e.g. it is done)
            return _card(request, generation_id, cancel_error=str(exc))
        messages.error(request, str(exc))
        return redirect(generation)
    if request.htmx:
        return _card(request, generation_id)
    if outcome == cancels.CANCELLED:
        messages.success(request, cancels.UNSENT_NOTE)
    else:
        messages.info(request, "Cancelling: the provider has been asked to stop it.")
    return redirect(generation)


def _card(request, generation_id, *, cancel_error: str = ""):
    """The generation's gallery card, fresh from the database; a final one also tells the
    page (like the card poll does), so a detail page reloads."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    response = TemplateResponse(
        request,
        "gallery/gallery.html#card",
        {"generation": generation, "cancel_error": cancel_error},
    )
    if generation.is_final:
        trigger_client_event(response, "generation-finished", {"id": str(generation.pk)})
    return response
