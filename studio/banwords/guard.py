"""Our list at the door of every form: a prompt with banned words is refused before anything
is stored, uploaded, queued or spent (and before the provider's own prompt check).

The form keeps everything typed; each offending field gets the sentence as its error, and
`form.banned` lists a Refusal per field so the page can show the text with the words marked
(templates/banwords/_refusals.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from studio.banwords import services
from studio.banwords.matching import Hit, mark, refusal_sentence, words_of

# Form fields that reach the provider as prompt text, and whether Midjourney's rules apply
# (None: as the form's model; False: plain words everywhere). "avoid" is the Midjourney
# form's --no list: every word of it is checked, as --no values are in a prompt.
PROMPT_FIELDS: dict[str, bool | None] = {"prompt": None, "avoid": False, "flags": True}


@dataclass(frozen=True)
class Refusal:
    """One refused field: its name and label, the entries found, the sentence shown, and
    the text as typed with the entries wrapped in <mark> (escaped HTML)."""

    field: str
    label: str
    words: list[str]
    sentence: str
    marked: SafeString


def refusal_for(text: str, hits: list[Hit], *, field: str = "prompt", label: str = "Prompt"):
    """A Refusal for `text` and its hits (non-empty)."""
    words = words_of(hits)
    return Refusal(field, label, words, refusal_sentence(words), mark(text, hits))


def check_text(
    text: str, *, midjourney: bool = False, field: str = "prompt", label: str = "Prompt"
) -> Refusal | None:
    """The Refusal for one text (a remix or region prompt), or None when it is allowed."""
    hits = services.check(text or "", midjourney=midjourney)
    return refusal_for(text, hits, field=field, label=label) if hits else None


def refuse_form(form, *, midjourney: bool = False) -> bool:
    """Check a valid form's prompt fields (PROMPT_FIELDS) against our list.

    On a hit: the sentence becomes the field's error, `form.banned` lists the Refusals, and
    this returns True (the caller must stop: nothing stored, nothing sent). Fields the form
    does not have are skipped; `midjourney` says whether its prompt is Midjourney syntax.
    """
    refusals: list[Refusal] = []
    for name, rule in PROMPT_FIELDS.items():
        if name not in form.fields:
            continue
        text = form.cleaned_data.get(name) or ""
        if not isinstance(text, str) or not text.strip():
            continue
        refusal = check_text(
            text,
            midjourney=midjourney if rule is None else rule,
            field=name,
            label=str(form.fields[name].label or name.replace("_", " ").capitalize()),
        )
        if refusal is not None:
            refusals.append(refusal)
    form.banned = refusals
    for refusal in refusals:
        form.add_error(refusal.field, refusal.sentence)
    return bool(refusals)
