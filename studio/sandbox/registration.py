"""What the simulator offers the product through studio.web.simulator: opening a simulated
account ("Use the sandbox") and the staff faults page. Registered by SandboxConfig.ready."""

from __future__ import annotations

from studio.web import simulator

from .faults import page
from .imaginelab.services import sandbox_lab_account_create
from .imaginepro.services import sandbox_account_create


def open_account(provider: str, label: str) -> simulator.OpenedAccount:
    """A new simulated account of `provider` (simulator.IMAGINEPRO or IMAGINELAB) labelled
    `label`, with the starting credits: its API key (and ImagineLab's email and password).
    ValueError for another provider."""
    if provider == simulator.IMAGINEPRO:
        return simulator.OpenedAccount(api_key=sandbox_account_create(label=label))
    if provider == simulator.IMAGINELAB:
        email, password, api_key = sandbox_lab_account_create(label=label)
        return simulator.OpenedAccount(api_key=api_key, email=email, password=password)
    raise ValueError(f"The sandbox does not simulate {provider!r}.")


SIMULATOR = simulator.Simulator(
    open_account=open_account,
    faults_page=simulator.FaultsPage(
        fault_list=page.fault_list,
        fault_remove=page.fault_remove,
        fault_clear=page.fault_clear,
    ),
)
