"""The base of every form that takes images: uploads, links or gallery picks.

Image inputs are ImageSourcesFields; the view turns them into URLs with
studio.uploads.services.materialize once the form is valid.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from studio.generation.forms import KeyChoiceMixin
from studio.uploads.fields import ImageSourcesField, bind_user
from studio.uploads.public import (
    link_address_problem,
    private_links_allowed,
    public_address_problem,
)


class SourcesFormMixin(KeyChoiceMixin):
    """A key choice plus image groups: binds the user to every ImageSourcesField and
    refuses uploads and gallery picks up front when the chosen provider could not fetch
    them (docs/architecture.md "Uploads and public URLs"). Typed links go to the provider as typed,
    once they are known not to point at a private or local address (link_address_problem;
    a sandbox key may, see private_links_allowed)."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        bind_user(self, user)

    @property
    def public_problem(self) -> str | None:
        """For the page: the problem with the preselected key, shown before any submit."""
        try:
            key = self.fields["key"].clean(self["key"].value())
        except ValidationError:  # no key yet, or a hand-edited value: nothing to say
            return None
        return public_address_problem(key)

    def clean(self) -> dict:
        data = super().clean()
        key = data.get("key")
        allow_private = private_links_allowed(key)
        for name, field in self.fields.items():
            if isinstance(field, ImageSourcesField):
                for source in data.get(name) or []:
                    refused = source.kind == "url" and link_address_problem(
                        source.url, allow_private=allow_private
                    )
                    if refused:
                        self.add_error(name, refused)
        problem = public_address_problem(key) if key else None
        if problem:
            for name, field in self.fields.items():
                if isinstance(field, ImageSourcesField) and any(
                    source.kind != "url" for source in data.get(name) or []
                ):
                    self.add_error(name, problem)
        return data


def prompt_field(placeholder: str, *, required: bool = True, help_text: str = "") -> forms.Field:
    return forms.CharField(
        required=required,
        max_length=4000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": placeholder}),
    )
