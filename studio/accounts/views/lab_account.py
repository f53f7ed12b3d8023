"""The Keys page's ImagineLab account actions: sign up, forgot password, and "who am I"
for a stored key (studio.accounts.lab_accounts). Personal keys only; a team signs in with
an existing account on its own page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from studio.accounts import lab_accounts
from studio.accounts.forms import LabForgotPasswordForm, LabSignUpForm
from studio.accounts.services import KeyRejected, get_key_for_user
from studio.accounts.views.keys import KeyOwner


@login_required
@require_POST
@sensitive_post_parameters("signup-password")
def key_lab_sign_up(request):
    """Create an ImagineLab account and keep its sign-in token as a key; a refusal shows
    ImagineLab's reason on the form, nothing stored."""
    owner = KeyOwner(request)
    form = LabSignUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            lab_accounts.lab_sign_up(
                user=request.user,
                name=data["name"],
                email=data["email"],
                password=data["password"],
                is_sandbox=data["sandbox"],
            )
        except KeyRejected as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"ImagineLab account created; signed in as {data['email']}.")
            return owner.back(request.POST.get("next"))
    return owner.page(status=400, lab_sign_up_form=form)


@login_required
@require_POST
def key_lab_forgot_password(request):
    """Ask ImagineLab for a password reset link; its answer is shown as it is."""
    owner = KeyOwner(request)
    form = LabForgotPasswordForm(request.POST)
    if form.is_valid():
        try:
            answer = lab_accounts.lab_forgot_password(
                email=form.cleaned_data["email"], is_sandbox=form.cleaned_data["sandbox"]
            )
        except KeyRejected as exc:
            form.add_error("email", str(exc))
        else:
            messages.info(request, f"ImagineLab says: {answer}")
            return owner.back(request.POST.get("next"))
    return owner.page(status=400, lab_forgot_form=form)


@login_required
@require_POST
def key_lab_who_am_i(request, key_id):
    """Which ImagineLab account one of the person's ImagineLab keys opens (GET /auth/me)."""
    owner = KeyOwner(request)
    key = get_key_for_user(request.user, key_id)
    if not key.is_imaginelab:
        messages.error(request, owner.not_lab)
        return owner.back()
    try:
        messages.info(request, lab_accounts.lab_who_am_i(key))
    except KeyRejected as exc:
        messages.error(request, str(exc))
    return owner.back()
