"""The shared GET/POST flow of forms that take images (models and tools).

Images are checked by the form; only a valid form stores uploads and turns every image into
a URL the provider can fetch (studio.uploads.services.materialize), then calls the service.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from studio.accounts.models import ProviderKey
from studio.banwords import guard
from studio.credits import budgets
from studio.generation import assist, selectors
from studio.generation.errors import GenerationError
from studio.generation.models import Generation
from studio.teams import access
from studio.uploads.fields import ImageSourcesField
from studio.uploads.services import UploadRejected, materialize
from studio.web import ratelimits

TEMPLATE = "generation/source_form.html"


def plain_params(form) -> dict:
    """The form's non-image input as JSON, to fill it again ("retry with the same settings").
    Images are not kept: uploads may be gone and links may have expired."""
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name != "key"
        and not isinstance(form.fields.get(name), ImageSourcesField)
        and value not in (None, "")
    }


def source_parent(user, sources) -> Generation | None:
    """The generation whose stored image was picked first, for the lineage; else None."""
    for source in sources:
        if source.kind == "asset":
            asset = (
                selectors.visible_assets(user)
                .select_related("generation")
                .filter(pk=source.asset_id)
                .first()
            )
            if asset is not None:
                return asset.generation
    return None


def _initial(request, form_class) -> dict:
    """Prefill from the query string: `?retry=<generation>` (its settings), `?prompt=…`,
    and `?<image field>=<asset id>` (e.g. "animate this": `?start_frame=…`)."""
    initial: dict = {}
    retry_of = request.GET.get("retry")
    if retry_of:
        initial.update(selectors.get_generation_for_user(request.user, retry_of).params)
    if request.GET.get("prompt"):
        initial["prompt"] = request.GET["prompt"]
    for name, field in form_class.base_fields.items():
        if isinstance(field, ImageSourcesField) and request.GET.getlist(name):
            initial[name] = request.GET.getlist(name)[: field.max_count]
    return initial


def no_key_redirect(request):
    """Where a form goes when the current workspace has no key this person may use: their
    Keys page; for a team's owner, the team's page (where its keys are added); for other
    members, the gallery with a sentence saying who can fix it."""
    workspace = request.workspace
    if workspace.is_personal:
        messages.info(request, "First add an ImaginePro key, or choose the sandbox.")
        return redirect(f"{reverse('keys')}?next={request.path}")
    if not workspace.allows(access.CREATE):
        messages.info(request, f"You are a viewer in {workspace.label}: you cannot generate there.")
    elif workspace.allows(access.MANAGE):
        messages.info(request, f"First add an API key to {workspace.label}, under Keys below.")
        return redirect("teams:detail", workspace.team.pk)
    else:
        messages.info(request, f"{workspace.label} has no API key yet: a team owner can add one.")
    return redirect("generation:gallery")


def require_create(request) -> None:
    """Raise PermissionDenied (access's sentence, 403) when the current workspace is a team
    where the person is a viewer: they may look, not submit. No query otherwise."""
    workspace = request.workspace
    if not workspace.is_personal and not workspace.allows(access.CREATE):
        access.get_membership(request.user, workspace.team.pk, access.CREATE)


def _over_budget(request, form) -> bool:
    """A submit that would pass a monthly cap is refused before any upload is stored or the
    provider is asked anything; generation_create checks again, under lock."""
    data = form.cleaned_data
    cost = data.get("cost") or getattr(form, "cost", None) or getattr(form, "estimate", 0)
    over = budgets.refusal(user=request.user, provider_key=data["key"], cost=cost or 0)
    if over:
        form.add_error(None, over)
    return bool(over)


def form_view(
    request,
    form_class,
    create: Callable[..., Generation],
    *,
    template: str = TEMPLATE,
    midjourney: bool = False,
    **context,
):
    """The one GET/POST flow of every model and tool form.

    GET: the form (prefilled, see _initial). POST: validate; our banned-word list
    (studio.banwords.guard; `midjourney`: the prompt is Midjourney syntax) and then
    the monthly caps (studio.credits.budgets) may refuse it before anything is stored (the
    provider is never asked: its prompt check runs in the submit task); then
    the images are stored and signed and `create(form, urls, parent)` makes the generation
    (urls: field name → list of URLs; parent: the generation of the first gallery pick).
    A refused upload or a GenerationError comes back on the form, nothing lost but files.
    `context` goes to the template (title, intro, submit_label for TEMPLATE).
    A team viewer's GET is sent back to the gallery with a sentence; their POST is 403.
    A refused POST answers the form again, as typed, with its errors: 400, or 429 when the
    person is over their submit rate (studio.web.ratelimits; then nothing else is checked).
    """
    if request.method == "POST":
        require_create(request)
    imaginepro = ProviderKey.PROVIDER_IMAGINEPRO
    if not access.workspace_keys(request.workspace, request.user, imaginepro).exists():
        return no_key_redirect(request)
    form = form_class(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        workspace=request.workspace,
        initial=_initial(request, form_class),
    )
    status = 200
    if request.method == "POST" and ratelimits.submit_limited(request):
        form.add_error(None, ratelimits.SUBMIT_SENTENCE)
        status = ratelimits.TOO_MANY
    elif (
        request.method == "POST"
        and form.is_valid()
        and not guard.refuse_form(form, midjourney=midjourney)
        and not _over_budget(request, form)
    ):
        urls: dict[str, list[str]] = {}
        parent = None
        try:
            for name, field in form.fields.items():
                if isinstance(field, ImageSourcesField):
                    sources = form.cleaned_data[name]
                    urls[name] = materialize(user=request.user, sources=sources)
                    parent = parent or source_parent(request.user, sources)
            generation = create(form, urls, parent)
        except UploadRejected as exc:
            form.add_error(None, exc.message)
        except GenerationError as exc:
            form.add_error(None, str(exc))
        else:
            # The next balance read asks the provider (the page we redirect to loads it).
            assist.balance_forget(generation.provider_key)
            messages.success(request, "Submitted. It appears at the top of the gallery.")
            return redirect("generation:gallery")
    if request.method == "POST" and status == 200:
        status = 400  # the form was not accepted: its errors say why
    context.setdefault("submit_label", "Generate")
    context.update(form=form, retry_of=request.GET.get("retry"))
    return TemplateResponse(request, template, context, status=status)
