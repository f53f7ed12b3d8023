"""Sign-up and provider keys. Log in/out and password reset are Django's own views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from studio.accounts import services
from studio.accounts.forms import KeyForm, KeyRenameForm, SignupForm


def safe_next(request, url: str | None, default: str) -> str:
    """Follow `next` only within this site (as Django's LoginView does); else `default`
    (a URL name or path)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password1", "password2")
def signup(request):
    """Create an account and log straight in; next stop: choosing a key, or the page that
    sent the person here (`?next=`, this site only: e.g. an invitation link)."""
    next_url = request.POST.get("next") or request.GET.get("next")
    if request.user.is_authenticated:
        return redirect(safe_next(request, next_url, "generation:gallery"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        target = safe_next(request, next_url, "")
        if target:
            messages.success(request, "Welcome! Your account is ready.")
            return redirect(target)
        messages.success(request, "Welcome! Add an ImaginePro key, or try the sandbox first.")
        return redirect("keys")
    return TemplateResponse(
        request, "registration/signup.html", {"form": form, "next": next_url or ""}
    )


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("api_key")
def keys(request):
    """List the person's keys and add an ImaginePro key (checked with the provider first)."""
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _key, warning = services.key_create(
                user=request.user,
                name=form.cleaned_data["name"],
                api_key=form.cleaned_data["api_key"],
            )
        except services.KeyRejected as exc:
            form.add_error("api_key", str(exc))
        else:
            if warning:
                messages.warning(request, warning)
            else:
                messages.success(request, "Key saved. ImaginePro accepted it.")
            return redirect(safe_next(request, request.GET.get("next"), "keys"))
    context = {
        "form": form,
        # Personal keys only: a team's keys are managed on the team's page.
        "keys": request.user.provider_keys.filter(team__isnull=True),
        "next": request.GET.get("next", ""),
    }
    return TemplateResponse(request, "accounts/keys.html", context)


@login_required
@require_POST
def key_sandbox(request):
    services.sandbox_key_create(user=request.user)
    messages.success(request, "Sandbox ready: simulated images, 1000 free sandbox credits.")
    return redirect(safe_next(request, request.POST.get("next"), "generation:gallery"))


@login_required
@require_POST
def key_rename(request, key_id):
    key = services.get_key_for_user(request.user, key_id)
    form = KeyRenameForm(request.POST)
    if form.is_valid():
        services.key_rename(key=key, name=form.cleaned_data["name"])
        messages.success(request, "Key renamed.")
    else:
        messages.error(request, "A key needs a name of at most 80 characters.")
    return redirect("keys")


@login_required
@require_POST
def key_delete(request, key_id):
    key = services.get_key_for_user(request.user, key_id)
    services.key_delete(key=key)
    messages.success(request, f"Key “{key.name}” deleted.")
    return redirect("keys")
