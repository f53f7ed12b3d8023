"""The one door between the product and the optional simulator of the providers.

The product never imports the simulator app (`studio.sandbox`, installed when
settings.SANDBOX_ENABLED is on). It talks to it over HTTP, like to the real providers
(settings.SANDBOX_BASE_URL and SANDBOX_IMAGINELAB_BASE_URL, used by sandbox keys), and it
reaches the two things a person or a staff member does with it through this registry, which
the simulator fills from its AppConfig.ready:

- "Use the sandbox": `open_account(provider, label=...)` opens a simulated account and
  returns its API key, and for ImagineLab its email and password (an OpenedAccount; the Keys
  page and a team's page store it as a sandbox key);
- the staff page of injected faults: `faults_page()` gives its three views, which the staff
  console mounts (behind its staff check, with its audit log) and links to.

Without the simulator nothing is registered: `open_account` answers 404 and the console has
no faults page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404

IMAGINEPRO = "imaginepro"
IMAGINELAB = "imaginelab"


@dataclass(frozen=True)
class FaultsPage:
    """The simulator's staff page of faults. Each view takes the request, the URL's
    arguments and `audit`: a callable `audit(user, action, *, target, details, answer)`
    that records one staff action (the console passes its audit log's `record`)."""

    fault_list: Callable  # GET: the faults and the form; POST: inject one
    fault_remove: Callable  # POST, `fault_id`: remove one
    fault_clear: Callable  # POST: remove every stored fault


@dataclass(frozen=True)
class OpenedAccount:
    """A new simulated account: its API key, and where the simulated provider has a sign-in
    (ImagineLab) its email and password, else "". Simulated accounts hold no one's data,
    so the studio may show all three to their owner."""

    api_key: str
    email: str = ""
    password: str = ""


@dataclass(frozen=True)
class Simulator:
    """What the simulator offers the product.

    `open_account(provider, label)`: open a simulated account of `provider` (IMAGINEPRO or
    IMAGINELAB) labelled `label` (the owner's username, or "team <name>") and return an
    OpenedAccount; it writes in the current transaction.
    """

    open_account: Callable[[str, str], OpenedAccount]
    faults_page: FaultsPage


_registered: Simulator | None = None


def register(simulator: Simulator) -> None:
    """Called once by the simulator app when Django starts (a second call replaces it)."""
    global _registered
    _registered = simulator


def is_available() -> bool:
    """True when the simulator app is installed and registered."""
    return _registered is not None


def open_account(provider: str, *, label: str) -> OpenedAccount:
    """A new simulated account (see Simulator.open_account). Raises Http404 when
    the simulator is not installed: "use the sandbox" is then not on offer."""
    if _registered is None:
        raise Http404("The sandbox is not installed here.")
    return _registered.open_account(provider, label)


def faults_page() -> FaultsPage | None:
    """The simulator's staff faults page, or None when the simulator is not installed."""
    return None if _registered is None else _registered.faults_page
