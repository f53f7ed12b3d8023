"""The staff page of sandbox faults: staff inject, list and remove the faults of the simulated
ImaginePro API (this package), every change audited. Faults from the SANDBOX_FAULTS
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

from ..models import SandboxAccount, SandboxFault
from .env import env_faults
from .kinds import ADVICE
from .store import clear, find_account, inject


class FaultForm(forms.Form):
    """One fault to inject; `account` (label or email, empty = whole sandbox) is resolved to
    a SandboxAccount, and the whole fault is checked like store.inject checks it."""

    kind = forms.ChoiceField(choices=SandboxFault.Kind.choices)
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

    def clean_account(self) -> SandboxAccount | None:
        wanted = self.cleaned_data["account"].strip()
        if not wanted:
            return None
        try:
            return find_account(wanted)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def save(self) -> SandboxFault:
        """Inject the fault; a combination store.inject refuses becomes a form error
        (ValueError is turned into the form's own error by the caller)."""
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


def _describe(fault: SandboxFault) -> dict:
    return {
        "kind": fault.kind,
        "account": fault.account.label if fault.account_id else "whole sandbox",
        "on": fault.on,
        "remaining": fault.remaining,
        "probability": fault.probability,
        "seconds": fault.seconds,
        "text": fault.text,
    }


def fault_list(request, *, audit):
    """GET: the faults, the form and what the studio should do per kind; POST: add one.
    `audit`: records the staff action (studio.web.simulator.FaultsPage)."""
    form = FaultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fault = form.save()
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            audit(
                request.user,
                "sandbox_fault.add",
                target=str(fault),
                details=_describe(fault),
                answer="injected",
            )
            messages.success(request, f"Fault “{fault.get_kind_display()}” injected.")
            return redirect("console:faults")
    stored = SandboxFault.objects.select_related("account").order_by("-created_at", "-id")
    return render(
        request,
        "sandbox/faults.html",
        {
            "form": form,
            "faults": stored,
            "env_faults": env_faults(),
            "advice": [(label, ADVICE[value]) for value, label in SandboxFault.Kind.choices],
            "accounts": SandboxAccount.objects.order_by("-created_at")[:20],
        },
    )


@require_POST
def fault_remove(request, fault_id: int, *, audit):
    """Remove one fault; one already gone (a double click, another staff member) is said so."""
    fault = SandboxFault.objects.select_related("account").filter(pk=fault_id).first()
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
