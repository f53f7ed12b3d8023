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
