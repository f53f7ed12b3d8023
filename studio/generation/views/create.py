"""The model forms: GET shows the form, POST validates it and calls the service."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from studio.banwords import guard
from studio.generation import services
from studio.generation.forms import FluxForm, MidjourneyForm, params_of
from studio.generation.views.sources import form_view


@login_required
@require_http_methods(["GET", "POST"])
def midjourney_new(request):
    """The Midjourney form. The POST asks the provider nothing: our banned words refuse on
    the form (form_view); the provider's prompt check is asked by the submit task, and a
    refusal ends the job on its card (submit.generation_submit)."""

    def create(form, urls, parent):
        return services.midjourney_create(
            user=request.user,
            provider_key=form.cleaned_data["key"],
            prompt=form.cleaned_data["composed_prompt"],
            params=params_of(form),
            boost=form.cleaned_data["boost"],
            check_prompt=True,
        )

    return form_view(
        request, MidjourneyForm, create, template="generation/midjourney.html", midjourney=True
    )


@login_required
@require_POST
def midjourney_preview(request):
    """The composed prompt and its cost as they will be sent, or the form's errors (our
    banned words marked as they are typed; the list is cached, so no query per keystroke)."""
    form = MidjourneyForm(request.POST, user=request.user, workspace=request.workspace)
    if form.is_valid():
        guard.refuse_form(form, midjourney=True)
    return TemplateResponse(request, "generation/midjourney.html#preview", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def flux_new(request):
    def create(form, urls, parent):
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

    return form_view(request, FluxForm, create, template="generation/flux.html")
