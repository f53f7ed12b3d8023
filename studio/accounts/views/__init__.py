"""Sign-up and log-in. Log out and password reset are Django's own views; provider keys are
in `keys`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from studio.accounts.forms import SignupForm
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
