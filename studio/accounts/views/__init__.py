"""Sign-up, log-in and the password-reset request, rate-limited (studio.web.ratelimits). Log
out and the rest of the reset are Django's own views; provider keys are in `keys`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
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
    """Django's login page, rate-limited per (IP address, username) and per IP address
    (studio.web.ratelimits.login_refusal). Over a limit the password is not even checked:
    the page answers 429 (with Retry-After, seconds) with a sentence saying when to try
    again, and the username as typed."""

    def post(self, request, *args, **kwargs):
        refusal = ratelimits.login_refusal(request)
        if refusal:
            sentence, seconds = refusal
            form = self.form_class(request, initial={"username": request.POST.get("username", "")})
            context = self.get_context_data(form=form, rate_limited=sentence)
            response = self.render_to_response(context, status=ratelimits.TOO_MANY)
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, its mails limited per email typed and per IP address
    (studio.web.ratelimits.reset_mail_allowed). Over a limit no mail is sent and the answer
    is the usual redirect to the same "check your email" page, so it tells nothing about
    whether an account uses the address, nor about the limit."""

    def form_valid(self, form):
        if ratelimits.reset_mail_allowed(self.request, form.cleaned_data["email"]):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


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
