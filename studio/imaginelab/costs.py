"""ImagineLab's indicative cost per generation type (https://api.imagineview.art, "Credits & Wallet").

The page says "Costs are indicative and may vary by model": a model's own `credits` from
/generations/models wins, and the `credit_cost` the provider reserves at creation is what
the ledger finally books (submit.generation_submit corrects the charge).
"""

from __future__ import annotations

TYPE_COSTS = {
    "text": 2,
    "voice": 3,
    "image": 5,
    "music": 8,
    "infographic": 10,
    "video": 15,
}


def cost_for(generation_type: str, model_credits: int | None = None) -> int:
    """Credits to charge before submit: the model's published `credits` when it has one,
    else the page's indicative cost for the type. Raises KeyError for an unknown type."""
    if model_credits is not None and model_credits >= 0:
        return int(model_credits)
    return TYPE_COSTS[generation_type]
