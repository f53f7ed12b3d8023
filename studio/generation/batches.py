"""One prompt, several jobs: Midjourney's permutation syntax, a repeat count and "Compare"
(the same prompt sent to up to four models), priced before anything is sent.

Permutations follow Midjourney's documented syntax
(https://docs.midjourney.com/hc/en-us/articles/32195003213453-Permutations): every
`{a, b}` group multiplies the prompt by its options, groups may be nested, and `\\,`
keeps a literal comma inside a group.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from studio.banwords import guard
from studio.credits import budgets
from studio.generation import assist, costs, services
from studio.generation.errors import GenerationError
from studio.generation.forms import FluxForm, MidjourneyForm, params_of
from studio.generation.forms.lumi_girl import LumiGirlForm
from studio.generation.forms.nano_banana import NanoBananaForm
from studio.generation.forms.video import VideoForm
from studio.generation.models import Generation
from studio.generation.services import lumi_girl, nano_banana, video
from studio.teams.access import Workspace
from studio.uploads.fields import ImageSourcesField
from studio.uploads.services import UploadRejected, materialize

MAX_JOBS = 12  # the most one submission may make
MAX_MODELS = 4  # the most models one "Compare" may use
MAX_REPEAT = 4
_SPACES = re.compile(r"[ \t]{2,}")


class BatchRefused(ValueError):
    """A prompt or a batch that cannot be sent; its text is a sentence for the person."""


@dataclass(frozen=True)
class BarModel:
    """A model the prompt bar can send to: its form class (the same one its own page uses),
    the name of that page's URL, and whether it takes reference images."""

    slug: str
    label: str
    form_class: type[forms.Form]
    url_name: str
    references: str = ""  # the form's image field the bar's reference images go to


BAR_MODELS: dict[str, BarModel] = {
    model.slug: model
    for model in (
        BarModel("midjourney", "Midjourney", MidjourneyForm, "generation:midjourney_new"),
        BarModel("flux", "Flux", FluxForm, "generation:flux_new"),
        BarModel(
            "nano_banana",
            "Nano Banana",
            NanoBananaForm,
            "generation:nano_banana_new",
            references="reference_images",
        ),
        BarModel("lumi_girl", "Lumi Girl", LumiGirlForm, "generation:lumi_girl_new"),
        BarModel("video", "Midjourney video", VideoForm, "generation:video_new"),
    )
}


def expand_permutations(prompt: str, *, limit: int = 100) -> list[str]:
    """Every prompt `prompt` stands for, in Midjourney's order: `"a {red, blue} bird"` →
    `["a red bird", "a blue bird"]`; several groups give every combination, the first
    group varying slowest; nested groups expand inside their option. A prompt without
    braces is returned alone and unchanged.

    Raises BatchRefused for an unclosed `{` or a stray `}`, or when the prompt would stand
    for more than `limit` prompts (counted while expanding, so a huge product is never built).
    """
    if "{" not in prompt and "}" not in prompt:
        return [prompt]
    parts, end = _sequence(prompt, 0, top=True, limit=limit)
    if end != len(prompt):
        raise BatchRefused("A } has no { before it: remove it or write \\} for a brace.")
    return [_SPACES.sub(" ", part).strip() for part in parts]


def _sequence(text: str, i: int, *, top: bool, limit: int) -> tuple[list[str], int]:
    """Text up to the end of an option (`,` or `}` inside a group; the end at the top)."""
    results = [""]
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in ",{}\\":
            results = [r + text[i + 1] for r in results]
            i += 2
        elif char == "{":
            options, i = _group(text, i + 1, limit=limit)
            if len(results) * len(options) > limit:
                raise BatchRefused(
                    f"That prompt stands for more than {limit} prompts: use fewer options."
                )
            results = [r + option for r in results for option in options]
        elif char == "}" or (char == "," and not top):  # the end of an option or group
            return results, i
        else:
            results = [r + char for r in results]
            i += 1
    return results, i


def _group(text: str, i: int, *, limit: int) -> tuple[list[str], int]:
    """The options of a group opened just before `i`, and the index after its `}`."""
    options: list[str] = []
    while True:
        sequence, i = _sequence(text, i, top=False, limit=limit)
        options.extend(part.strip() for part in sequence)
        if len(options) > limit:
            raise BatchRefused(
                f"That prompt stands for more than {limit} prompts: use fewer options."
            )
        if i >= len(text):
            raise BatchRefused("A { is not closed: add a } after its options.")
        i += 1
        if text[i - 1] == "}":
            return options, i


@dataclass(frozen=True)
class Job:
    """One generation a submission will make."""

    model: BarModel
    prompt: str
    cost: int


@dataclass(frozen=True)
class Quote:
    """What a submission makes: its jobs (models × prompts × repeats, in that order) and
    their total in credits."""

    jobs: list[Job]

    @property
    def total(self) -> int:
        return sum(job.cost for job in self.jobs)

    @property
    def models(self) -> list[BarModel]:
        return list(dict.fromkeys(job.model for job in self.jobs))


def unit_cost(model: BarModel, prompt: str, settings: Callable[[str], str]) -> int:
    """The credits one job of `model` costs, by the same price rules its form uses
    (studio.generation.costs): Midjourney by its speed (the Speed setting, or a `--relax`
    typed in the prompt), Flux per image, the others a flat price. `settings(name)` reads
    the model's own setting as posted ("" when absent)."""
    if model.slug == "midjourney":
        speed_cost = costs.midjourney_speed(settings("speed"))
        return min(speed_cost, costs.midjourney_imagine(prompt))
    if model.slug == "flux":
        try:
            n = int(settings("n") or 1)
        except ValueError:
            n = 1
        return costs.flux_imagine(min(max(n, 1), 4))
    return model.form_class.cost


def quote(models: list[str], prompt: str, repeat: int = 1, settings=lambda slug, name: "") -> Quote:
    """The jobs of one submission: each model in `models` (slugs of BAR_MODELS) gets every
    prompt of expand_permutations(prompt), `repeat` times. Midjourney's braces are expanded
    for every model. `settings(slug, name)` reads a model's setting for its price.

    Raises BatchRefused, with a sentence: no model, an unknown one, more than MAX_MODELS,
    a repeat outside 1–MAX_REPEAT, bad braces, or more than MAX_JOBS jobs in all.
    """
    chosen = list(dict.fromkeys(models))
    if not chosen:
        raise BatchRefused("Choose a model.")
    unknown = [slug for slug in chosen if slug not in BAR_MODELS]
    if unknown:
        raise BatchRefused(f"The prompt bar cannot send to “{unknown[0]}”.")
    if len(chosen) > MAX_MODELS:
        raise BatchRefused(f"Compare at most {MAX_MODELS} models at once.")
    if not 1 <= repeat <= MAX_REPEAT:
        raise BatchRefused(f"Repeat 1 to {MAX_REPEAT} times.")
    prompts = expand_permutations(prompt, limit=MAX_JOBS * MAX_REPEAT)
    count = len(chosen) * len(prompts) * repeat
    if count > MAX_JOBS:
        raise BatchRefused(
            f"That makes {count} jobs; one submission makes at most {MAX_JOBS}. "
            "Use fewer options, models or repeats."
        )
    jobs = []
    for slug in chosen:
        model = BAR_MODELS[slug]
        for text in prompts:
            cost = unit_cost(model, text, lambda name, slug=slug: settings(slug, name))
            jobs.extend(Job(model, text, cost) for _ in range(repeat))
    return Quote(jobs)


# The bar's own inputs, shared by every model it sends to; each model's other settings are
# posted under its slug (`flux-n`, `midjourney-stylize`): the form's prefix.
SHARED_FIELDS = ("prompt", "key", "aspect_ratio")


def model_form(
    model: BarModel, data=None, files=None, *, user, workspace: Workspace, prompt=None
) -> forms.Form:
    """`model`'s own form class under the prefix `model.slug`, bound to the bar's post with
    the shared inputs (SHARED_FIELDS) copied in and the prompt replaced by `prompt`."""
    if data is not None:
        data = data.copy()
        for name in SHARED_FIELDS:
            if name in data:
                data[f"{model.slug}-{name}"] = data[name]
        if prompt is not None:
            data[f"{model.slug}-prompt"] = prompt
    return model.form_class(data, files, user=user, workspace=workspace, prefix=model.slug)


def form_errors(model: BarModel, form: forms.Form, *, several: bool) -> list[str]:
    """The form's errors as sentences ("Flux: Images: …" when several models were sent)."""
    sentences = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = "" if name in ("__all__", "prompt") or field is None else f"{field.label or name}: "
        for error in errors:
            sentences.append(f"{model.label + ': ' if several else ''}{label}{error}")
    return sentences


def _refused(job: Job, form: forms.Form) -> bool:
    """Our banned words (Midjourney syntax for a Midjourney job): the sentence goes on the
    form. The provider is not asked here: a Midjourney job's prompt check is asked by its
    submit task (check_prompt, submit.generation_submit)."""
    return guard.refuse_form(form, midjourney=job.model.slug == "midjourney")


def _create(user, model: BarModel, form, urls: dict[str, list[str]], parent) -> Generation:
    """One generation through the model's own service (budget check, ledger, enqueue)."""
    data = form.cleaned_data
    key = data["key"]
    if model.slug == "midjourney":
        return services.midjourney_create(
            user=user,
            provider_key=key,
            prompt=data["composed_prompt"],
            params=params_of(form),
            boost=data["boost"],
            check_prompt=True,
        )
    params = {
        name: value
        for name, value in data.items()
        if name not in ("key", "cost")
        and not isinstance(form.fields.get(name), ImageSourcesField)
        and value not in (None, "")
    }
    if model.slug == "flux":
        return services.flux_create(
            user=user,
            provider_key=key,
            prompt=data["prompt"],
            n=data["n"],
            output_format=data["output_format"],
            aspect_ratio=data.get("aspect_ratio") or "1:1",
            width=data.get("width"),
            height=data.get("height"),
            params=params,
        )
    if model.slug == "nano_banana":
        return nano_banana.nano_banana_create(
            user=user,
            provider_key=key,
            prompt=data["prompt"],
            image_urls=urls["reference_images"],
            model=data["model"],
            params=params,
            parent=parent,
        )
    if model.slug == "lumi_girl":
        return lumi_girl.lumi_girl_create(
            user=user,
            provider_key=key,
            prompt=data["prompt"],
            width=data["width"],
            height=data["height"],
            params=params,
        )
    return video.video_create(
        user=user,
        provider_key=key,
        prompt=data["prompt"],
        start_frame_url=urls["start_frame"][0],
        end_frame_url=urls["end_frame"][0],
        timeout=data["timeout"],
        params=params,
        parent=parent,
    )


@dataclass
class Submission:
    """The outcome of submit(): the generations made, newest last, or the sentences that
    say why nothing (or not everything) was made."""

    generations: list[Generation]
    errors: list[str]


def submit(
    *, user: AbstractBaseUser, workspace: Workspace, data, files, parent_of=None
) -> Submission:
    """Send the bar's post: quote() its jobs, validate one form per job (the model's own
    form class, see model_form), refuse banned words and prompts the provider would refuse,
    check the monthly caps for the whole set, then store the images once per model and
    create every job through its model's service. `parent_of(user, sources)` names the
    generation a gallery pick came from (lineage). Nothing is created when a check fails;
    a job the service refuses (GenerationError) stops the rest, the ones made stay.
    """
    try:
        repeat = int(data.get("repeat") or 1)
    except ValueError:
        repeat = 0
    try:
        plan = quote(
            data.getlist("models"),
            data.get("prompt", ""),
            repeat,
            settings=lambda slug, name: data.get(f"{slug}-{name}", ""),
        )
    except BatchRefused as exc:
        return Submission([], [str(exc)])
    several = len(plan.models) > 1
    checked: list[tuple[Job, forms.Form]] = []
    errors: list[str] = []
    for job in plan.jobs:
        form = model_form(job.model, data, files, user=user, workspace=workspace, prompt=job.prompt)
        if not form.is_valid() or _refused(job, form):
            errors.extend(
                e for e in form_errors(job.model, form, several=several) if e not in errors
            )
        checked.append((job, form))
    if errors:
        return Submission([], errors)
    key = checked[0][1].cleaned_data["key"]
    over = budgets.refusal(user=user, provider_key=key, cost=plan.total)
    if over:
        return Submission([], [over])
    made: list[Generation] = []
    # One transaction: the jobs are queued (on commit) with their batch already set.
    with transaction.atomic():
        outcome = _make(user, checked, parent_of, made)
        if len(made) > 1:  # the Compare page lists the jobs of one submission
            batch = uuid.uuid4()
            Generation.objects.filter(pk__in=[g.pk for g in made]).update(batch=batch)
            for generation in made:
                generation.batch = batch
    return outcome


def _make(user, checked, parent_of, made: list[Generation]) -> Submission:
    stored: dict[str, tuple[dict[str, list[str]], Generation | None]] = {}
    try:
        for job, form in checked:
            if job.model.slug not in stored:
                urls, parent = {}, None
                for name, field in form.fields.items():
                    if isinstance(field, ImageSourcesField):
                        sources = form.cleaned_data[name]
                        urls[name] = materialize(user=user, sources=sources)
                        parent = parent or (parent_of(user, sources) if parent_of else None)
                stored[job.model.slug] = (urls, parent)
            urls, parent = stored[job.model.slug]
            made.append(_create(user, job.model, form, urls, parent))
    except UploadRejected as exc:
        return Submission(made, [exc.message])
    except GenerationError as exc:
        return Submission(made, [str(exc)])
    if made:
        assist.balance_forget(made[0].provider_key)
    return Submission(made, [])
