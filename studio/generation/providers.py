"""Which provider makes each kind of generation, and what that provider can do.

The job's code asks these Capabilities (studio.provider.base) instead of naming a provider.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.generation.models import Model
from studio.provider import registry
from studio.provider.base import Capabilities

# The provider (its registry name, as keys store it) of each model; the rest are ImaginePro's.
PROVIDER_OF_MODEL: dict[str, str] = {Model.IMAGINELAB: "imaginelab"}
DEFAULT_PROVIDER = "imaginepro"


def provider_of(model: str) -> str:
    """The registry name of the provider that makes `model` generations."""
    return PROVIDER_OF_MODEL.get(model, DEFAULT_PROVIDER)


def capabilities_of(model: str) -> Capabilities:
    """What the provider of `model` generations can do."""
    return registry.capabilities(provider_of(model))


def models_where(test: Callable[[Capabilities], bool]) -> list[str]:
    """The models whose provider passes `test` (e.g. lambda c: not c.echoes_ref), for a
    queryset filter."""
    return [model for model in Model.values if test(capabilities_of(model))]
