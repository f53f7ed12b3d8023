"""Provider keys of a person and of a team: one set of views and one page partial
(templates/accounts/_keys.html) for both.

A view acts for a KeyOwner, built from the request: by default the signed-in person's own
keys, on the Keys page. A team's URL conf routes the same views with `owner=TeamKeys`
(studio.teams.views), whose keys are the team's, checked for its owners (404 for strangers,
403 for a lower role), and whose page is the team's.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from studio.accounts import services
from studio.accounts.forms import (
    KeyForm,
    KeyRenameForm,
    LabForgotPasswordForm,
    LabKeyForm,
    LabSignInAgainForm,
    LabSignInForm,
    LabSignUpForm,
)
from studio.accounts.models import ProviderKey
from studio.accounts.views import safe_next
from studio.web import simulator


class KeyOwner:
    """Whose keys a view lists, adds and changes: here the signed-in person's own, on the
    Keys page (URL names "keys", "key_*"). A subclass for another owner (a team) overrides
    the keys, the forms, the URL names, where a done form goes back to, the page a refused
    form is shown on, and the sentences that name the owner."""

    team = None  # the keys' team (ProviderKey.team); None: personal keys
    can_manage = True  # may add, rename, delete and sign in keys (a team: its owners)
    key_form = KeyForm
    lab_key_form = LabKeyForm
    lab_sign_in_form = LabSignInForm
    # The partial's forms and the per-key actions, as URL names (reversed with url_args).
    url_names = {
        "add": "keys",
        "sandbox": "key_sandbox",
        "lab_key": "key_lab",
        "lab_sign_in": "key_lab_sign_in",
        "lab_sandbox": "key_lab_sandbox",
        "rename": "key_rename",
        "delete": "key_delete",
        "sign_in_again": "key_lab_sign_in_again",
    }
    saved = {
        "imaginepro": "Key saved. ImaginePro accepted it.",
        "imaginelab": "Key saved. ImagineLab accepted it.",
    }
    sandbox_ready = "Sandbox ready: simulated images, 1000 free sandbox credits."
    lab_sandbox_ready = "ImagineLab sandbox ready: simulated images, video, voice, music and text."
    not_lab = "Only ImagineLab keys sign in."

    def __init__(self, request) -> None:
        self.request = request
        self.user = request.user
        self.url_args: list = []

    def keys(self) -> list[ProviderKey]:
        # Personal keys only: a team's keys are managed on the team's page.
        return list(self.user.provider_keys.filter(team__isnull=True))

    def key(self, key_id) -> ProviderKey:
        """One of the owner's keys; Http404 for any other."""
        return services.get_key_for_user(self.user, key_id)

    def url(self, name: str, *args) -> str:
        return reverse(self.url_names[name], args=[*self.url_args, *args])

    @property
    def urls(self) -> dict[str, str]:
        """For the partial: where its forms post. The sandbox ways are offered only when the
        simulator is installed (settings.SANDBOX_ENABLED)."""
        names = ("add", "lab_key", "lab_sign_in")
        if simulator.is_available():
            names += ("sandbox", "lab_sandbox")
        return {name: self.url(name) for name in names}

    def back(self, next_url: str | None = None, default: str = "keys") -> HttpResponse:
        """Where a done form goes: `next_url` when it is on this site, else `default`."""
        return redirect(safe_next(self.request, next_url, default))

    def page(self, *, status: int = 200, **forms) -> HttpResponse:
        """The Keys page: the person's keys (an expired ImagineLab sign-in with its sign-in
        form), the ImaginePro forms and the three ImagineLab ways. `forms` replaces a blank
        form by a bound one with errors (`key_form`, `lab_key_form`, `lab_sign_in_form`,
        `sign_in_again` = (key id, form))."""
        context = keys_context(self, **forms)
        context["form"] = context["key_form"]
        context["next"] = self.request.GET.get("next", "") or self.request.POST.get("next", "")
        return TemplateResponse(self.request, "accounts/keys.html", context, status=status)

    def signed_in(self, email: str) -> str:
        return f"Signed in to ImagineLab as {email}."

    def signed_in_again(self, key: ProviderKey, going_on: str) -> str:
        return f"Signed in to ImagineLab again.{going_on}"


def sign_in_again_form(key: ProviderKey, data=None) -> LabSignInAgainForm:
    """The sign-in form of one signed-in ImagineLab key (ids unique per key on the page)."""
    return LabSignInAgainForm(
        data, initial={"email": key.login_email}, auto_id=f"id_%s_{key.pk.hex[:8]}"
    )


def keys_context(owner: KeyOwner, **forms) -> dict:
    """What templates/accounts/_keys.html needs: the owner, its keys (for a manager each
    with its action URLs, and a signed-in ImagineLab key with its sign-in form) and the
    add forms. `forms`: bound forms that replace blank ones (see KeyOwner.page)."""
    keys = owner.keys()
    if owner.can_manage:
        again_id, again_form = forms.get("sign_in_again", (None, None))
        for key in keys:
            key.urls = {
                name: owner.url(name, key.pk) for name in ("rename", "delete", "sign_in_again")
            }
            if key.is_imaginelab and key.auth == ProviderKey.AUTH_TOKEN:
                key.sign_in_form = again_form if key.pk == again_id else sign_in_again_form(key)
    if owner.team is None:
        for key in keys:
            key.outside_use = services.sandbox_key_for_outside_use(key)
            if key.is_imaginelab and owner.can_manage:
                key.urls["who_am_i"] = reverse("key_lab_who_am_i", args=[key.pk])
    personal = {}
    if owner.team is None:  # sign-up and password reset: a person's own ImagineLab account
        personal = {
            "lab_sign_up_form": forms.get("lab_sign_up_form") or LabSignUpForm(),
            "lab_forgot_form": forms.get("lab_forgot_form") or LabForgotPasswordForm(),
            "lab_sign_up_url": reverse("key_lab_sign_up"),
            "lab_forgot_url": reverse("key_lab_forgot_password"),
        }
    return {
        **personal,
        "owner": owner,
        "keys": keys,
        "key_form": forms.get("key_form") or owner.key_form(initial={"name": "ImaginePro"}),
        "lab_key_form": forms.get("lab_key_form") or owner.lab_key_form(),
        "lab_sign_in_form": forms.get("lab_sign_in_form") or owner.lab_sign_in_form(),
    }


def _imaginepro_key_saved(owner: KeyOwner, form) -> bool:
    """Save the ImaginePro key of a valid `form` once the provider accepts it (a key it
    refuses stays only in the form's errors); True when saved."""
    if not form.is_valid():
        return False
    try:
        _key, warning = services.key_create(
            user=owner.user,
            name=form.cleaned_data["name"],
            api_key=form.cleaned_data["api_key"],
            team=owner.team,
        )
    except services.KeyRejected as exc:
        form.add_error("api_key", str(exc))
        return False
    if warning:
        messages.warning(owner.request, warning)
    else:
        messages.success(owner.request, owner.saved["imaginepro"])
    return True


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("api_key")
def keys(request):
    """List the person's keys and add an ImaginePro key (checked with the provider first)."""
    owner = KeyOwner(request)
    form = owner.key_form(request.POST or None)
    if request.method == "POST" and _imaginepro_key_saved(owner, form):
        return owner.back(request.GET.get("next"))
    return owner.page(status=400 if request.method == "POST" else 200, key_form=form)


@login_required
@require_POST
@sensitive_post_parameters("api_key")
def key_add(request, owner: type[KeyOwner] = KeyOwner, **ids):
    """Add an ImaginePro key for an owner whose page is elsewhere (a team's), checked with
    the provider first. Members of a team spend with it and see only its name."""
    owner = owner(request, **ids)
    form = owner.key_form(request.POST)
    if _imaginepro_key_saved(owner, form):
        return owner.back(request.GET.get("next"))
    return owner.page(status=400, key_form=form)


@login_required
@require_POST
@sensitive_post_parameters("lab-api_key")
def key_lab(request, owner: type[KeyOwner] = KeyOwner, **ids):
    """Add a dedicated ImagineLab API key, checked with a free call first
    (accounts.services.lab_key_create); a refused key is stored nowhere."""
    owner = owner(request, **ids)
    form = owner.lab_key_form(request.POST)
    if form.is_valid():
        try:
            _key, warning = services.lab_key_create(
                user=request.user,
                name=form.cleaned_data["name"],
                api_key=form.cleaned_data["api_key"],
                team=owner.team,
                is_sandbox=form.cleaned_data["sandbox"],
            )
        except services.KeyRejected as exc:
            form.add_error("api_key", str(exc))
        else:
            if warning:
                messages.warning(request, warning)
            else:
                messages.success(request, owner.saved["imaginelab"])
            return owner.back(request.POST.get("next"))
    return owner.page(status=400, lab_key_form=form)


@login_required
@require_POST
@sensitive_post_parameters("signin-password")
def key_lab_sign_in(request, owner: type[KeyOwner] = KeyOwner, **ids):
    """Sign in to ImagineLab with email and password; the token it gives is stored
    (encrypted) for the owner, the password nowhere."""
    owner = owner(request, **ids)
    form = owner.lab_sign_in_form(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.lab_sign_in(
                user=request.user,
                name=data["name"],
                email=data["email"],
                password=data["password"],
                team=owner.team,
                is_sandbox=data["sandbox"],
            )
        except services.KeyRejected as exc:
            form.add_error("password", str(exc))
        else:
            messages.success(request, owner.signed_in(data["email"]))
            return owner.back(request.POST.get("next"))
    return owner.page(status=400, lab_sign_in_form=form)


@login_required
@require_POST
def key_lab_sandbox(request, owner: type[KeyOwner] = KeyOwner, **ids):
    """An ImagineLab sandbox account and its key, in one click."""
    owner = owner(request, **ids)
    services.lab_sandbox_key_create(user=request.user, team=owner.team)
    messages.success(request, owner.lab_sandbox_ready)
    return owner.back(request.POST.get("next"))


@login_required
@require_POST
@sensitive_post_parameters("password")
def key_lab_sign_in_again(request, key_id, owner: type[KeyOwner] = KeyOwner, **ids):
    """Sign in to ImagineLab again for an expired key (or early): a new token replaces the
    old one and the work that waited goes on by itself."""
    owner = owner(request, **ids)
    key = owner.key(key_id)
    if not key.is_imaginelab:
        messages.error(request, owner.not_lab)
        return owner.back()
    form = sign_in_again_form(key, request.POST)
    if form.is_valid():
        try:
            waiting = services.lab_sign_in_again(
                key=key, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except services.KeyRejected as exc:
            form.add_error("password", str(exc))
        else:
            going_on = services.going_on_sentence(waiting)
            messages.success(request, owner.signed_in_again(key, going_on))
            return owner.back(request.POST.get("next"))
    return owner.page(status=400, sign_in_again=(key.pk, form))


@login_required
@require_POST
def key_sandbox(request, owner: type[KeyOwner] = KeyOwner, **ids):
    owner = owner(request, **ids)
    services.sandbox_key_create(user=request.user, team=owner.team)
    messages.success(request, owner.sandbox_ready)
    return owner.back(request.POST.get("next"), default="generation:gallery")


@login_required
@require_POST
def key_rename(request, key_id, owner: type[KeyOwner] = KeyOwner, **ids):
    owner = owner(request, **ids)
    key = owner.key(key_id)
    form = KeyRenameForm(request.POST)
    if form.is_valid():
        services.key_rename(key=key, name=form.cleaned_data["name"])
        messages.success(request, "Key renamed.")
    else:
        messages.error(request, "A key needs a name of at most 80 characters.")
    return owner.back()


@login_required
@require_POST
def key_delete(request, key_id, owner: type[KeyOwner] = KeyOwner, **ids):
    owner = owner(request, **ids)
    key = owner.key(key_id)
    services.key_delete(key=key)
    messages.success(request, f"Key “{key.name}” deleted.")
    return owner.back()
