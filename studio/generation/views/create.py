"""The model forms: GET shows the form, POST validates it and calls the service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from studio.generation import assist, services
from studio.generation.forms import FluxForm, MidjourneyForm, params_of


def _model_form(request, form_class, template, create, refuse=None):
    """Shared GET/POST flow of the model forms; `create(form)` calls the right service.
    `refuse(form)`, if given, runs on a valid form before anything is created: it returns
    True after adding errors to the form to stop the submit (e.g. a refused prompt)."""
    if not request.user.provider_keys.exists():
        messages.info(request, "First add an ImaginePro key, or choose the sandbox.")
        return redirect(f"{reverse('keys')}?next={request.path}")
    initial = {}
    retry_of = request.GET.get("retry")
    if retry_of:
        initial = services.get_generation_for_user(request.user, retry_of).params
    elif request.GET.get("prompt"):  # "Edit first" on a described prompt
        initial = {"prompt": request.GET["prompt"]}
    form = form_class(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid() and not (refuse and refuse(form)):
        generation = create(form)
        # The next balance read asks the provider (the page we redirect to loads it).
        assist.balance_forget(generation.provider_key)
        messages.success(request, "Submitted. It appears at the top of the gallery.")
        return redirect("generation:gallery")
    return TemplateResponse(request, template, {"form": form, "retry_of": retry_of})


def refuse_banned_prompt(form) -> bool:
    """Ask the provider's free prompt check (POST /nova/prompt-check) about the composed
    prompt; a refusal goes on the prompt field with the provider's reason, and nothing is
    queued or spent. A check that cannot be made lets the submit through."""
    data = form.cleaned_data
    reason = assist.prompt_refusal(data["key"], data["composed_prompt"])
    if reason:
        form.add_error("prompt", f"Midjourney would refuse this prompt: {reason}")
    return bool(reason)


@login_required
@require_http_methods(["GET", "POST"])
def midjourney_new(request):
    def create(form):
        return services.midjourney_create(
            user=request.user,
            provider_key=form.cleaned_data["key"],
            prompt=form.cleaned_data["composed_prompt"],
            params=params_of(form),
            boost=form.cleaned_data["boost"],
        )

    return _model_form(
        request, MidjourneyForm, "generation/midjourney.html", create, refuse_banned_prompt
    )


@login_required
@require_POST
def midjourney_preview(request):
    """The composed prompt and its cost as they will be sent, or the form's errors."""
    form = MidjourneyForm(request.POST, user=request.user)
    form.is_valid()
    return TemplateResponse(request, "generation/midjourney.html#preview", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def flux_new(request):
    def create(form):
        data = form.cleaned_data
        return services.flux_create(
            user=request.user,
            provider_key=data["key"],
            prompt=data["prompt"],
            n=data["n"],
            output_format=data["output_format"],
            aspect_ratio=data.get("aspect_ratio") or "1:1",
            width=data.get("width"),
            height=data.get("height"),
            params=params_of(form),
        )

    return _model_form(request, FluxForm, "generation/flux.html", create)
