"""Sign-up and provider keys. Log in/out and password reset are Django's own views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from studio.accounts import services
from studio.accounts.forms import (
    KeyForm,
    KeyRenameForm,
    LabKeyForm,
    LabSignInAgainForm,
    LabSignInForm,
    SignupForm,
)
from studio.accounts.models import ProviderKey
from studio.web import ratelimits


def safe_next(request, url: str | None, default: str) -> str:
    """Follow `next` only within this site (as Django's LoginView does); else `default`
    (a URL name or path)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


class LoginView(auth_views.LoginView):
    """Django's login page, rate-limited per IP address and per username
    (studio.web.ratelimits.login_limited). Over the limit the password is not even checked:
    the page answers 429 with a sentence and the username as typed."""

    def post(self, request, *args, **kwargs):
        if ratelimits.login_limited(request):
            form = self.form_class(request, initial={"username": request.POST.get("username", "")})
            context = self.get_context_data(form=form, rate_limited=ratelimits.LOGIN_SENTENCE)
            return self.render_to_response(context, status=ratelimits.TOO_MANY)
        return super().post(request, *args, **kwargs)


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password1", "password2")
def signup(request):
    """Create an account and log straight in; next stop: choosing a key, or the page that
    sent the person here (`?next=`, this site only: e.g. an invitation link)."""
    next_url = request.POST.get("next") or request.GET.get("next")
    if request.user.is_authenticated:
        return redirect(safe_next(request, next_url, "generation:gallery"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and ratelimits.signup_limited(request):
        form.add_error(None, ratelimits.SIGNUP_SENTENCE)  # what was typed stays in the form
        return TemplateResponse(
            request,
            "registration/signup.html",
            {"form": form, "next": next_url or ""},
            status=ratelimits.TOO_MANY,
        )
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


def _keys_page(request, *, status: int = 200, **forms):
    """The Keys page: the person's keys (an expired ImagineLab sign-in with its sign-in
    form), the ImaginePro forms and the three ImagineLab ways. `forms` replaces a blank
    form by a bound one with errors (`form`, `lab_key_form`, `lab_sign_in_form`,
    `sign_in_again` = (key id, form))."""
    # Personal keys only: a team's keys are managed on the team's page.
    keys = list(request.user.provider_keys.filter(team__isnull=True))
    again_id, again_form = forms.pop("sign_in_again", (None, None))
    for key in keys:
        if key.is_imaginelab and key.auth == ProviderKey.AUTH_TOKEN:
            key.sign_in_form = (
                again_form
                if again_id == key.pk
                else LabSignInAgainForm(
                    initial={"email": key.login_email}, auto_id=f"id_%s_{key.pk.hex[:8]}"
                )
            )
    context = {
        "form": forms.get("form") or KeyForm(),
        "lab_key_form": forms.get("lab_key_form") or LabKeyForm(),
        "lab_sign_in_form": forms.get("lab_sign_in_form") or LabSignInForm(),
        "keys": keys,
        "next": request.GET.get("next", "") or request.POST.get("next", ""),
    }
    return TemplateResponse(request, "accounts/keys.html", context, status=status)


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
    return _keys_page(request, form=form)


@login_required
@require_POST
@sensitive_post_parameters("lab-api_key")
def key_lab(request):
    """Add a dedicated ImagineLab API key, checked with a free call first."""
    form = LabKeyForm(request.POST)
    if form.is_valid():
        try:
            _key, warning = services.lab_key_create(
                user=request.user,
                name=form.cleaned_data["name"],
                api_key=form.cleaned_data["api_key"],
                is_sandbox=form.cleaned_data["sandbox"],
            )
        except services.KeyRejected as exc:
            form.add_error("api_key", str(exc))
        else:
            if warning:
                messages.warning(request, warning)
            else:
                messages.success(request, "Key saved. ImagineLab accepted it.")
            return redirect(safe_next(request, request.POST.get("next"), "keys"))
    return _keys_page(request, status=400, lab_key_form=form)


@login_required
@require_POST
@sensitive_post_parameters("signin-password")
def key_lab_sign_in(request):
    """Sign in to ImagineLab with email and password; the token it gives is stored
    (encrypted), the password is not."""
    form = LabSignInForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.lab_sign_in(
                user=request.user,
                name=data["name"],
                email=data["email"],
                password=data["password"],
                is_sandbox=data["sandbox"],
            )
        except services.KeyRejected as exc:
            form.add_error("password", str(exc))
        else:
            messages.success(request, f"Signed in to ImagineLab as {data['email']}.")
            return redirect(safe_next(request, request.POST.get("next"), "keys"))
    return _keys_page(request, status=400, lab_sign_in_form=form)


@login_required
@require_POST
def key_lab_sandbox(request):
    """An ImagineLab sandbox account and its key, in one click."""
    services.lab_sandbox_key_create(user=request.user)
    messages.success(
        request, "ImagineLab sandbox ready: simulated images, video, voice, music and text."
    )
    return redirect(safe_next(request, request.POST.get("next"), "keys"))


@login_required
@require_POST
@sensitive_post_parameters("password")
def key_lab_sign_in_again(request, key_id):
    """Sign in to ImagineLab again for an expired key: a new token replaces the old one
    and the work that waited goes on by itself."""
    key = services.get_key_for_user(request.user, key_id)
    if not key.is_imaginelab:
        messages.error(request, "Only ImagineLab keys sign in.")
        return redirect("keys")
    form = LabSignInAgainForm(request.POST, auto_id=f"id_%s_{key.pk.hex[:8]}")
    if form.is_valid():
        try:
            waiting = services.lab_sign_in_again(
                key=key, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except services.KeyRejected as exc:
            form.add_error("password", str(exc))
        else:
            going_on = services.going_on_sentence(waiting)
            messages.success(request, f"Signed in to ImagineLab again.{going_on}")
            return redirect(safe_next(request, request.POST.get("next"), "keys"))
    return _keys_page(request, status=400, sign_in_again=(key.pk, form))


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
