"""Staff forms: a list typed one entry per line (ours or the provider's), and the dry run."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from studio.banwords.matching import parse_lines

MAX_ENTRIES = 5000
HELP = (
    "One word or phrase per line. Case, full-width letters and punctuation do not matter; "
    "only whole words match (“ass” does not block “class”)."
)


class WordListForm(forms.Form):
    """Our list as a textarea. `entries` (after validation): canonical, sorted, unique.
    `base`: the version number the edit started from (0: no version yet)."""

    words = forms.CharField(
        label="Banned words",
        required=False,
        max_length=200_000,
        help_text=HELP,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=200,
        help_text="Why, for the history.",
    )
    base = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def clean_words(self) -> str:
        text = self.cleaned_data["words"]
        entries, problems = parse_lines(text)
        if problems:
            raise ValidationError(problems)
        if len(entries) > MAX_ENTRIES:
            raise ValidationError(f"At most {MAX_ENTRIES} entries; this list has {len(entries)}.")
        self.cleaned_data["entries"] = entries
        return text


class ProviderListForm(forms.Form):
    """The provider's list as a textarea. Entries are kept as typed (trimmed, deduplicated,
    sorted): the provider applies its own matching, so we do not rewrite its words."""

    words = forms.CharField(
        label="The provider's banned words",
        required=False,
        max_length=200_000,
        help_text="One word or phrase per line, sent to the provider as typed.",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
    )
    # A fingerprint of the provider's list when the preview was made: if it changed before
    # the confirm, the diff is shown again instead of overwriting someone else's change.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_words(self) -> str:
        text = self.cleaned_data["words"]
        entries = provider_entries(text.splitlines())
        if len(entries) > MAX_ENTRIES:
            raise ValidationError(f"At most {MAX_ENTRIES} entries; this list has {len(entries)}.")
        too_long = [entry for entry in entries if len(entry) > 100]
        if too_long:
            raise ValidationError(f"Entries may be 100 characters at most: “{too_long[0][:40]}…”.")
        self.cleaned_data["entries"] = entries
        return text


def provider_entries(lines) -> list[str]:
    """Trimmed, non-empty, unique, sorted entries (whitespace inside collapsed)."""
    return sorted({" ".join(str(line).split()) for line in lines if str(line).strip()})


class DryRunForm(forms.Form):
    """A proposed list to test against the last 30 days' prompts (nothing is saved)."""

    words = forms.CharField(
        label="Proposed list",
        required=False,
        max_length=200_000,
        help_text=HELP,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
    )

    def clean_words(self) -> str:
        text = self.cleaned_data["words"]
        entries, problems = parse_lines(text)
        if problems:
            raise ValidationError(problems)
        if not entries:
            raise ValidationError("Type at least one word or phrase to test.")
        if len(entries) > MAX_ENTRIES:
            raise ValidationError(f"At most {MAX_ENTRIES} entries; this list has {len(entries)}.")
        self.cleaned_data["entries"] = entries
        return text
