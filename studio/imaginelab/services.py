"""ImagineLab for the studio: models, creating generations, the wallet, deleting a job.

The provider's contract is https://api.imagineview.art (docs/provider-contract.md §8); the HTTP
details live in studio.provider.imaginelab (client, results). Only free, quick calls are made
here (the models list, the wallet, the packages, a delete); generating goes through the
worker like every other job (services.generation_create → submit.generation_submit).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.views.decorators.debug import sensitive_variables

from studio.accounts.models import ProviderKey
from studio.gallery import services as library
from studio.generation import assist, services
from studio.generation.errors import GenerationError
from studio.generation.models import Generation, Model
from studio.generation.signin import token_refused
from studio.imaginelab import costs
from studio.imaginelab.types import ACTION_OF_TYPE
from studio.provider.errors import ProviderError
from studio.provider.imaginelab.client import ImagineLabClient
from studio.provider.imaginelab.results import LabModel
from studio.provider.imaginelab.types import LABELS, TYPES

log = logging.getLogger(__name__)

MODELS_TTL = 3600  # seconds the models list of a key is reused ("Refresh models" drops it)
# Form field names the settings of a model may not take (they are the form's own).
RESERVED_FIELDS = frozenset({"key", "model", "prompt", "generation_type", "cost"})


class LabUnavailable(Exception):
    """An ImagineLab call that could not be made; `str()` is a sentence for the person.
    `needs_login` is True when the key's token was refused (sign in again)."""

    def __init__(self, message: str, *, needs_login: bool = False) -> None:
        super().__init__(message)
        self.needs_login = needs_login


@sensitive_variables("token")
def client(key: ProviderKey) -> ImagineLabClient:
    """A client for `key` (its dedicated API key or signed-in token, both sent as Bearer)."""
    token = key.api_key
    return ImagineLabClient(base_url=key.base_url, token=token)


def unavailable(key: ProviderKey, exc: ProviderError, what: str) -> LabUnavailable:
    """The LabUnavailable for a failed call about `what` ("the models"); a refused token
    marks the key (studio.generation.signin.token_refused) and says to sign in again."""
    if token_refused(key, exc):
        return LabUnavailable(
            f"Sign in to ImagineLab again: the sign-in of “{key.name}” has expired.",
            needs_login=True,
        )
    return LabUnavailable(f"Could not read {what} from ImagineLab: {exc.describe()}")


# --- models -----------------------------------------------------------------------------------


def _models_cache_key(key: ProviderKey) -> str:
    where = hashlib.sha256(key.base_url.encode()).hexdigest()[:12]
    return f"imaginelab:models:{key.pk}:{where}"


def lab_models(key: ProviderKey, *, refresh: bool = False) -> list[LabModel]:
    """The key's models (GET /generations/models), reused for MODELS_TTL seconds per key
    and base URL; `refresh` asks the provider again. Raises LabUnavailable (a refused
    token also marks the key as needing a sign-in)."""
    name = _models_cache_key(key)
    if not refresh:
        cached = cache.get(name)
        if cached is not None:
            return cached
    try:
        found = list(client(key).models())
    except ProviderError as exc:
        raise unavailable(key, exc, "the models") from exc
    cache.set(name, found, MODELS_TTL)
    return found


def models_forget(key: ProviderKey) -> None:
    """Drop the key's cached models list (the "Refresh models" button)."""
    cache.delete(_models_cache_key(key))


def models_of_type(models: list[LabModel], generation_type: str) -> list[LabModel]:
    """The models that make `generation_type`, in the provider's order."""
    return [model for model in models if model.generation_type == generation_type]


def model_credits(key: ProviderKey, generation_type: str, model_name: str) -> int | None:
    """The published credits of a model from the cached list (asking the provider if the
    cache is cold); None when unknown or the list cannot be read. Never raises."""
    try:
        models = lab_models(key)
    except LabUnavailable:
        return None
    for model in models_of_type(models, generation_type):
        if model.name == model_name:
            return model.credits
    return None


def setting_field_name(name: str) -> str:
    """The form field (and `params` key) of a model setting: its own name, unless the form
    already uses that name."""
    return f"setting_{name}" if name in RESERVED_FIELDS else name


# --- creating ---------------------------------------------------------------------------------


def lab_create(
    user: AbstractBaseUser,
    provider_key: ProviderKey,
    generation_type: str,
    model_name: str,
    prompt: str,
    settings: dict[str, Any],
    *,
    cost: int | None = None,
) -> Generation:
    """Save an ImagineLab generation (POST /generations, https://api.imagineview.art) for the worker to send.

    `generation_type` is one of image, video, voice, music, infographic, text; `settings`
    the type's settings as the provider names them (e.g. {"aspect_ratio": "16:9"}), sent as
    the body's `settings` object when not empty. The charge is `cost` when given, else the
    model's published credits, else the type's indicative cost (costs.TYPE_COSTS); the
    worker corrects it to the `credit_cost` the provider reserves. Teams, monthly caps, the
    ledger and banned words apply as for every generation (services.generation_create).
    Raises GenerationError (a wrong key or type, a refused prompt, a cap: BudgetExceeded).
    """
    if generation_type not in TYPES:
        raise GenerationError(f"ImagineLab has no “{generation_type}” generations.")
    if not provider_key.is_imaginelab:
        raise GenerationError("Choose an ImagineLab key for ImagineLab generations.")
    if not model_name:
        raise GenerationError("Choose a model.")
    if cost is None:
        cost = costs.cost_for(
            generation_type, model_credits(provider_key, generation_type, model_name)
        )
    _refuse_if_wallet_short(provider_key, generation_type, cost)
    body: dict[str, Any] = {
        "generation_type": generation_type,
        "model_name": model_name,
        "prompt": prompt,
    }
    if settings:
        body["settings"] = dict(settings)
    params = {
        "generation_type": generation_type,
        "model": model_name,
        "prompt": prompt,
        **{setting_field_name(name): value for name, value in settings.items()},
    }
    return services.generation_create(
        user=user,
        provider_key=provider_key,
        model=Model.IMAGINELAB,
        action=ACTION_OF_TYPE[generation_type],
        endpoint="lab_generate",
        prompt=prompt,
        request_body=body,
        params=params,
        cost=cost,
    )


def _refuse_if_wallet_short(key: ProviderKey, generation_type: str, cost: int) -> None:
    """Refuse before anything is sent when the wallet the header shows, read within the
    last minute (assist.recent_balance; no provider call here), cannot pay `cost`. Raises
    GenerationError with both figures. An unknown or older balance lets it go: ImagineLab's
    own 402 then says so on the card."""
    balance = assist.recent_balance(key)
    if balance is None or balance.credits is None or balance.credits >= cost:
        return
    raise GenerationError(
        f"This {LABELS[generation_type].lower()} costs {cost} credits; the ImagineLab wallet "
        f"of “{key.name}” has {balance.credits}. Top up under Wallet and packages, or choose "
        "a cheaper model."
    )


# --- wallet -----------------------------------------------------------------------------------


def wallet_balance(key: ProviderKey) -> int:
    """The wallet's balance in credits (GET /credits/wallet). Raises LabUnavailable."""
    try:
        wallet = client(key).wallet()
    except ProviderError as exc:
        raise unavailable(key, exc, "the wallet") from exc
    try:
        return int(float(wallet.balance))
    except (TypeError, ValueError) as exc:
        raise LabUnavailable("ImagineLab's wallet answer held no balance.") from exc


def lab_packages(key: ProviderKey) -> list[dict[str, Any]]:
    """The credit packages on sale (GET /credits/packages), as the provider describes them.
    Raises LabUnavailable."""
    try:
        return list(client(key).packages())
    except ProviderError as exc:
        raise unavailable(key, exc, "the credit packages") from exc


# --- deleting ---------------------------------------------------------------------------------


class LabDeleteError(Exception):
    """A delete that did not happen; the generation is kept, the message says why."""


def lab_delete(user: AbstractBaseUser, generation: Generation) -> str:
    """Delete an ImagineLab generation at the provider (DELETE /generations/{id}), then
    here (its stored files too: studio.gallery.services.generation_delete).

    The provider's 404 counts as already gone. Returns a sentence for the person. Raises
    PermissionDenied (not its maker nor a team owner), LabDeleteError when it is still
    running, is not an ImagineLab generation, or the provider refused or failed: then
    nothing is deleted here either.
    """
    refusal = library.deletion_refusal(user, generation)
    if refusal == library.RIGHTS_REFUSAL:
        raise PermissionDenied(refusal)
    if refusal:
        raise LabDeleteError(refusal)
    if generation.model != Model.IMAGINELAB:
        raise LabDeleteError("Only ImagineLab generations can be deleted at the provider.")
    key = generation.provider_key
    outcome = "Deleted here and at ImagineLab."
    if not generation.message_id:
        outcome = "Deleted (ImagineLab never had it)."
    elif key is None:
        raise LabDeleteError(
            "Its key was deleted, so ImagineLab cannot be asked to delete it: use the gallery's "
            "Delete to remove it from the studio only."
        )
    else:
        try:
            client(key).delete(generation.message_id)
        except ProviderError as exc:
            if exc.status != 404:
                problem = unavailable(key, exc, "an answer")
                reason = str(problem) if problem.needs_login else exc.describe()
                raise LabDeleteError(
                    f"ImagineLab did not delete it, so it is kept here too. {reason}"
                ) from exc
            outcome = "Deleted here; ImagineLab no longer had it."
    library.generation_delete(user, generation)
    log.info("imaginelab generation %s deleted (%s)", generation.pk, outcome)
    return outcome
