"""The ImaginePro sandbox: a simulated ImaginePro API at `/sandbox/imaginepro/api/v1/`.

It speaks the provider's contract (docs/provider-contract.md): bearer API keys, the Midjourney (nova and
midjourney path families), Flux, model, tool and video endpoints, one message store behind
every progress path, buttons, credits, webhooks and the 24-hour history. Views in views.py,
bodies in params.py (shared checks in validation.py), submitting in services.py and the
per-subject modules, job timelines in lifecycle.py; result files are drawn by ../render/,
the DIY plan is ../diy/, injected faults ../faults/. Its tables are the `sandbox` app's
(../models.py).
"""
