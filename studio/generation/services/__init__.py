"""Creating generations: from a form, or by pressing a button of a finished one.

Views call these; the provider is never called here. Each service saves a QUEUED row and
queues the submit after commit (docs/architecture.md "The path of a generation", steps 1–2, 7).

This package's core is `generation_create`, which every creator ends in, with the two
imagine forms everything else builds on (Midjourney, Flux); one module per other model
(`nano_banana`, `lumi_girl`, `video`) and one for the image tools (`tools`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from studio.accounts.models import ProviderKey
from studio.banwords.services import prompt_refusal
from studio.credits import budgets, ledger
from studio.generation import costs, enqueue
from studio.generation.errors import GenerationError
from studio.generation.models import Action, Generation, Model, PromptCheck, Status
from studio.teams import access

# If no submit task picked a generation up by then (cluster down), the poller submits it.
SUBMIT_GRACE = timedelta(seconds=30)
SUBMIT_DEADLINE_MARGIN = timedelta(minutes=5)


def generation_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    model: str,
    prompt: str,
    request_body: dict[str, Any],
    params: dict[str, Any],
    cost: int,
    timeout: int = 900,
    endpoint: str = "imagine",
    action: str = Action.IMAGINE,
    parent: Generation | None = None,
    button: str = "",
    check_prompt: bool = False,
) -> Generation:
    """Save a QUEUED generation and queue its submit for after the transaction commits.

    The generation joins the workspace of `provider_key` (its team, or the maker's
    personal gallery); a child must be in its parent's workspace and starts nothing new:
    its `root` is the parent's.

    Its cost is booked in the credits ledger in the same transaction. Raises
    GenerationError when the person may not spend with the key (not theirs, or a team
    where they are not a creator), the prompt has words of the studio's banned list
    (studio.banwords; a prompt only inherited from the parent is not checked again), or
    the parent is in another workspace; BudgetExceeded
    (studio.credits.budgets, a GenerationError) when it would pass the member's or the
    team's monthly cap. Nothing is saved or queued when it raises.

    `check_prompt`: the submit task asks the provider's prompt check about `prompt` first
    (submit.py); the request itself never asks the provider anything.
    """
    if not access.key_usable(user, provider_key):
        raise GenerationError("That API key is not yours to use.")
    refusal = prompt_refusal(prompt, midjourney=model == Model.MIDJOURNEY)
    if refusal and (parent is None or prompt != parent.prompt):  # inherited: checked when typed
        raise GenerationError(refusal)
    if parent is not None and parent.team_id != provider_key.team_id:
        raise GenerationError(
            "That image belongs to another workspace: switch to it in the header first."
        )
    generation = Generation(
        user=user,
        team_id=provider_key.team_id,
        provider_key=provider_key,
        is_sandbox=provider_key.is_sandbox,
        model=model,
        endpoint=endpoint,
        action=action,
        parent=parent,
        button=button,
        prompt=prompt,
        request_body=request_body,
        params=params,
        cost=cost,
        timeout=timeout,
        prompt_check=PromptCheck.PENDING if check_prompt else PromptCheck.NONE,
        status=Status.QUEUED,
        next_poll_at=timezone.now() + SUBMIT_GRACE,
        # Replaced at submit; until then it closes a job that never got sent (worker gone).
        deadline_at=timezone.now() + timedelta(seconds=timeout) + SUBMIT_DEADLINE_MARGIN,
    )
    generation.root_id = (parent.root_id or parent.pk) if parent is not None else generation.pk
    # The cap check, the row and its charge in one transaction: the member and the team are
    # locked until the charge is booked, so two submits cannot both fit under one cap.
    with transaction.atomic():
        budgets.check(user=user, team_id=provider_key.team_id, cost=cost)
        generation.save(force_insert=True)
        ledger.charge(generation)
        enqueue.enqueue_submit(generation.pk)
    return generation


def midjourney_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    prompt: str,
    params: dict[str, Any],
    boost: bool = False,
    parent: Generation | None = None,
    shown_prompt: str | None = None,
    check_prompt: bool = False,
) -> Generation:
    """Midjourney imagine (POST /nova/imagine). `prompt` is the composed prompt with every
    flag, sent as it is; the cost follows its speed flag (https://platform.imaginepro.ai/ai-agent-skill: 10 fast, 5 relax).
    `shown_prompt`, when given, is the generation's prompt for people (cards, search,
    lightbox, ZIP names) instead: an image-to-image's text without its image link.

    With `boost` it goes to POST /nova/boost/imagine (D:230265220: same body, the
    provider's faster CDN upload and progress handling) and `params["boost"]` is True
    (absent without boost), so button presses on the result can keep boosting. Boost's
    price is not published: the recorded cost is the same as without it. `parent`: the
    generation this one starts from (a described image, an image-to-image source).
    `check_prompt`: the submit task asks the provider's prompt check about the prompt for
    people (`shown_prompt`, else `prompt`) before the submit (generation_create).
    """
    params = {name: value for name, value in params.items() if name != "boost"}
    if boost:
        params["boost"] = True
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.MIDJOURNEY,
        endpoint="boost_imagine" if boost else "imagine",
        parent=parent,
        prompt=prompt if shown_prompt is None else shown_prompt,
        request_body={"prompt": prompt},
        params=params,
        cost=costs.midjourney_imagine(prompt),
        check_prompt=check_prompt,
    )


def flux_create(
    *,
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    prompt: str,
    n: int,
    output_format: str,
    aspect_ratio: str = "",
    width: int | None = None,
    height: int | None = None,
    params: dict[str, Any],
) -> Generation:
    """Flux imagine (POST /flux/imagine, snake_case body). Cost 6 × n (https://platform.imaginepro.ai/ai-agent-skill)."""
    body: dict[str, Any] = {"prompt": prompt, "n": n, "output_format": output_format}
    if width and height:
        body.update(width=width, height=height)
    else:
        body["aspect_ratio"] = aspect_ratio or "1:1"
    return generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.FLUX,
        endpoint="flux_imagine",
        prompt=prompt,
        request_body=body,
        params=params,
        cost=costs.flux_imagine(n),
    )
