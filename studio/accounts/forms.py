from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="For password resets.")

    class Meta:
        model = User
        fields = ("username", "email")


class KeyForm(forms.Form):
    """A new ImaginePro key. The input is masked and never rendered back."""

    name = forms.CharField(max_length=80, initial="ImaginePro")
    api_key = forms.CharField(
        label="API key",
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="From your ImaginePro dashboard (Setup). Stored encrypted; shown afterwards "
        "only as its last four characters.",
    )

    def clean_api_key(self) -> str:
        value = self.cleaned_data["api_key"]
        if len(value) < 8 or any(ch.isspace() for ch in value):
            raise forms.ValidationError("That does not look like an API key.")
        return value


class KeyRenameForm(forms.Form):
    name = forms.CharField(max_length=80)


class LabKeyForm(KeyForm):
    """A dedicated ImagineLab API key (Ultimate Visionary Studio and Titan Studio plans,
    https://api.imagineview.art). Masked, never rendered back."""

    prefix = "lab"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].initial = "ImagineLab"
        self.fields["api_key"].help_text = (
            "A dedicated key from your ImagineLab plan. Stored encrypted; shown afterwards "
            "only as its last four characters."
        )

    sandbox = forms.BooleanField(
        required=False, label="A key of the ImagineLab sandbox (simulated)"
    )


class LabSignInForm(forms.Form):
    """Email and password for ImagineLab's sign-in (POST /auth/login). The password is sent
    once to ImagineLab for a token and never stored or shown again."""

    prefix = "signin"

    name = forms.CharField(max_length=80, initial="ImagineLab")
    email = forms.EmailField(label="ImagineLab email")
    password = forms.CharField(
        label="ImagineLab password",
        max_length=500,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Sent once to ImagineLab for a sign-in token; the studio keeps the token "
        "(encrypted), never the password.",
    )
    sandbox = forms.BooleanField(
        required=False,
        label="Sign in to the ImagineLab sandbox (simulated) instead",
    )


class LabSignInAgainForm(forms.Form):
    """A new sign-in for a key whose token expired: replaces the token."""

    email = forms.EmailField(label="ImagineLab email")
    password = forms.CharField(
        label="ImagineLab password",
        max_length=500,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class LabSignUpForm(forms.Form):
    """A new ImagineLab account (POST /auth/signup): email and password, then a sign-in
    whose token is kept as the key; the password is never stored."""

    prefix = "signup"

    name = forms.CharField(max_length=80, initial="ImagineLab")
    email = forms.EmailField(label="Email for the new ImagineLab account")
    password = forms.CharField(
        label="A password for it",
        min_length=8,
        max_length=500,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters. Sent to ImagineLab only; the studio keeps the "
        "sign-in token, never the password.",
    )
    sandbox = forms.BooleanField(
        required=False,
        label="Sign up at the ImagineLab sandbox (simulated) instead",
    )


class LabForgotPasswordForm(forms.Form):
    """Ask ImagineLab to email a password reset link (POST /auth/forgot-password)."""

    prefix = "forgot"

    email = forms.EmailField(label="Your ImagineLab email")
    sandbox = forms.BooleanField(required=False, label="An ImagineLab sandbox account")
