"""What the simulator offers the product through studio.web.simulator: opening a simulated
account ("Use the sandbox") and the staff faults page. Registered by SandboxConfig.ready."""

from __future__ import annotations

from studio.web import simulator

from .faults import page
from .imaginelab.services import sandbox_lab_account_create
from .imaginepro.services import sandbox_account_create


def open_account(provider: str, label: str) -> str:
    """A new simulated account of `provider` (simulator.IMAGINEPRO or IMAGINELAB) labelled
    `label`, with the starting credits; returns its API key. ValueError for another
    provider."""
    if provider == simulator.IMAGINEPRO:
        return sandbox_account_create(label=label)
    if provider == simulator.IMAGINELAB:
        _email, _password, api_key = sandbox_lab_account_create(label=label)
        return api_key
    raise ValueError(f"The sandbox does not simulate {provider!r}.")


SIMULATOR = simulator.Simulator(
    open_account=open_account,
    faults_page=simulator.FaultsPage(
        fault_list=page.fault_list,
        fault_remove=page.fault_remove,
        fault_clear=page.fault_clear,
    ),
)
