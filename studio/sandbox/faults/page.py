"""The staff page of sandbox faults: staff inject, list and remove the faults of the simulated
ImaginePro and ImagineLab APIs (this package; ImagineLab's in lab.py), every change audited. Faults from the SANDBOX_FAULTS
environment variable are shown read-only.

The staff console mounts these views at /staff/faults/ (names console:faults,
console:fault_remove, console:fault_clear) behind its staff check, and passes its audit
log's `record` as `audit` (studio.web.simulator.FaultsPage); they render inside the
console's base template."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..models import SandboxAccount, SandboxFault, SandboxLabAccount
from .env import env_faults
from .kinds import ADVICE, LAB_ADVICE, LAB_KINDS, PRO_KINDS, Provider
from .store import clear, find_account, find_lab_account, inject


def _choices(values) -> list[tuple[str, str]]:
    labels = dict(SandboxFault.Kind.choices)
    return [(value, labels[value]) for value in values]


class FaultForm(forms.Form):
    """One ImaginePro fault to inject; `account` (label or email, empty = whole sandbox) is
    resolved to a SandboxAccount, and the whole fault is checked like store.inject checks
    it."""

    provider = Provider.IMAGINEPRO
    kind = forms.ChoiceField(choices=_choices(PRO_KINDS))
    account = forms.CharField(
        required=False,
        max_length=254,
        label="Sandbox account",
        help_text="Label or email of one sandbox account; empty for the whole sandbox.",
    )
    on = forms.ChoiceField(choices=SandboxFault.On.choices, initial="any", label="On")
    remaining = forms.IntegerField(
        required=False,
        min_value=0,
        help_text="The next N matching requests; empty = until removed.",
    )
    probability = forms.FloatField(min_value=0, max_value=1, initial=1.0)
    seconds = forms.FloatField(
        required=False,
        min_value=0,
        help_text=(
            "Latency, Retry-After, read-timeout stall, webhook delay, lost answer's stall; "
            "empty: 1 s (latency, Retry-After), 5 s (webhook delay), the read timeout + 1 s "
            "(read-timeout stall), a reset connection (lost answer)."
        ),
    )
    text = forms.CharField(required=False, label="FAIL text", max_length=2000)
    note = forms.CharField(required=False, max_length=200)

    def clean_account(self):
        wanted = self.cleaned_data["account"].strip()
        if not wanted:
            return None
        try:
            return self.find(wanted)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def find(self, wanted: str):
        return find_account(wanted)

    def save(self) -> SandboxFault:
        """Inject the fault; a combination store.inject refuses raises ValueError (the
        caller turns it into the form's own error)."""
        data = self.cleaned_data
        return inject(
            data["kind"],
            account=data["account"],
            on=data["on"],
            remaining=data["remaining"],
            probability=data["probability"],
            seconds=data["seconds"],
            text=data["text"],
            note=data["note"],
        )


class LabFaultForm(FaultForm):
    """One ImagineLab fault (fields prefixed "lab-"): the account is an ImagineLab sandbox
    account's email; a wallet fault takes its level in credits."""

    provider = Provider.IMAGINELAB
    kind = forms.ChoiceField(choices=_choices(LAB_KINDS))
    account = forms.CharField(
        required=False,
        max_length=254,
        label="ImagineLab sandbox account",
        help_text="Its email (shown on the ImagineLab key's page); empty for every account.",
    )
    on = forms.ChoiceField(
        choices=[
            ("any", "any request"),
            ("submit", "submits (POST generations)"),
            ("fetch", "status reads (GET generations/{id}, …/status)"),
            ("history", "history (GET generations)"),
            ("files", "output files"),
        ],
        initial="any",
        label="On",
    )
    credits = forms.IntegerField(
        required=False,
        min_value=0,
        label="Wallet level (credits)",
        help_text="For a 402: the wallet reads this; a generation costing more is refused.",
    )
    seconds = forms.FloatField(
        required=False,
        min_value=0,
        help_text="Latency or Retry-After; empty: 1 s.",
    )

    field_order = ["kind", "account", "credits", "on", "remaining", "probability", "seconds"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="lab", **kwargs)

    def find(self, wanted: str):
        return find_lab_account(wanted)

    def save(self) -> SandboxFault:
        data = self.cleaned_data
        return inject(
            data["kind"],
            provider=Provider.IMAGINELAB,
            lab_account=data["account"],
            on=data["on"],
            remaining=data["remaining"],
            probability=data["probability"],
            seconds=data["seconds"],
            text=data["text"],
            note=data["note"],
            credits=data["credits"],
        )


def _describe(fault: SandboxFault) -> dict:
    if fault.account_id:
        whom = fault.account.label
    elif fault.lab_account_id:
        whom = fault.lab_account.email
    else:
        whom = "whole sandbox"
    details = {
        "provider": fault.provider,
        "kind": fault.kind,
        "account": whom,
        "on": fault.on,
        "remaining": fault.remaining,
        "probability": fault.probability,
        "seconds": fault.seconds,
        "text": fault.text,
    }
    if fault.credits is not None:
        details["credits"] = fault.credits
    return details


def fault_list(request, *, audit):
    """GET: the faults, the two forms (ImaginePro, ImagineLab) and what the studio should do
    per kind; POST: add one (the ImagineLab form's fields carry the "lab-" prefix).
    `audit`: records the staff action (studio.web.simulator.FaultsPage)."""
    posted = request.POST if request.method == "POST" else None
    is_lab = posted is not None and "lab-kind" in posted
    form = FaultForm(None if is_lab else posted)
    lab_form = LabFaultForm(posted if is_lab else None)
    chosen = lab_form if is_lab else form
    if posted is not None and chosen.is_valid():
        try:
            fault = chosen.save()
        except ValueError as exc:
            chosen.add_error(None, str(exc))
        else:
            audit(
                request.user,
                "sandbox_fault.add",
                target=f"{fault.get_provider_display()}: {fault}",
                details=_describe(fault),
                answer="injected",
            )
            messages.success(
                request,
                f"{fault.get_provider_display()} fault “{fault.get_kind_display()}” injected.",
            )
            return redirect("console:faults")
    stored = SandboxFault.objects.select_related("account", "lab_account").order_by(
        "-created_at", "-id"
    )
    return render(
        request,
        "sandbox/faults.html",
        {
            "form": form,
            "lab_form": lab_form,
            "faults": stored,
            "env_faults": env_faults(),
            "advice": [(label, ADVICE[value]) for value, label in _choices(PRO_KINDS)],
            "lab_advice": [(label, LAB_ADVICE[value]) for value, label in _choices(LAB_KINDS)],
            "accounts": SandboxAccount.objects.order_by("-created_at")[:20],
            "lab_accounts": SandboxLabAccount.objects.order_by("-created_at")[:20],
        },
    )


@require_POST
def fault_remove(request, fault_id: int, *, audit):
    """Remove one fault; one already gone (a double click, another staff member) is said so."""
    fault = (
        SandboxFault.objects.select_related("account", "lab_account").filter(pk=fault_id).first()
    )
    if fault is None:
        messages.info(request, "That fault was already removed.")
        return redirect("console:faults")
    details = _describe(fault)
    fault.delete()
    audit(
        request.user,
        "sandbox_fault.remove",
        target=f"{details['kind']} on {details['on']}",
        details=details,
        answer="removed",
    )
    messages.success(request, "Fault removed.")
    return redirect("console:faults")


@require_POST
def fault_clear(request, *, audit):
    """Remove every stored fault (those of SANDBOX_FAULTS stay)."""
    removed = clear(all=True)
    audit(
        request.user,
        "sandbox_fault.clear",
        target="all stored faults",
        details={"removed": removed},
        answer=f"{removed} removed",
    )
    messages.success(request, f"{removed} fault(s) removed; faults from SANDBOX_FAULTS stay.")
    return redirect("console:faults")
