"""Finding banned words in a prompt: pure functions, no database.

Rules:

- An entry is a word or a phrase of several words. Entries and prompts are compared after
  Unicode NFKC normalisation and case folding ("ＧＯＲＥ", "Gore" and "gore" are one word),
  with invisible format characters (zero-width spaces, soft hyphens) removed, so "go\u200bre"
  is "gore".
- Only whole words match: "ass" does not block "class", "grass" or "ass2". A word is a run of
  letters, digits and "_" (Python's `\\w`); anything else separates words, so "gore!",
  "(gore)" and "gore-fest" contain "gore".
- A phrase matches its words in order with any separators between them: the entry
  "blood bath" matches "blood bath", "Blood-bath" and "blood,  bath".
- Midjourney prompts (`midjourney=True`): image links (`https://…`) and flags with their
  values (`--ar 16:9`, `--sref <url>`, `--style raw`) are not words and are skipped, EXCEPT
  the words of `--no`, which are checked: "--no gore" still puts the word in front of the
  provider's moderation, so it is refused like the word in the text. Only flags that
  Midjourney knows (studio.prompts.midjourney.FLAGS) count as flags; an unknown "—gore" is
  text and is checked. Other models read their prompt as plain text: everything is checked.

A `Hit` carries the entry that matched and its span in the ORIGINAL text, so a page can mark
exactly what the person typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from studio.prompts.midjourney import FLAGS

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\S+")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_FLAG = re.compile(r"(?:--|[\u2014\u2013])([A-Za-z]\S*)")
# Flag names (and aliases) Midjourney understands; "raw" is --style raw's shorthand.
_FLAG_NAMES = frozenset({"raw"} | {name for spec in FLAGS for name in (spec.name, *spec.aliases)})
_AVOID_FLAG = "no"

ENTRY_MAX_CHARS = 100


@dataclass(frozen=True)
class Hit:
    """One banned entry found in a text: `word` is the list entry (normalised, e.g.
    "blood bath"); `start`/`end` index the original text (`text[start:end]` is what the
    person typed, e.g. "Blood-Bath")."""

    word: str
    start: int
    end: int


def _fold_char_run(text: str) -> tuple[str, list[int], list[int]]:
    """`text` normalised (NFKC, casefold, format characters dropped), with, for every
    character of the result, the start and end index in `text` of the character (with its
    combining marks) it came from."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        # A base character and its combining marks normalise together ("e" + "\u0301" → "é").
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        if unicodedata.category(cluster[0]) != "Cf":
            folded = unicodedata.normalize("NFKC", cluster).casefold()
            out.append(folded)
            starts.extend([i] * len(folded))
            ends.extend([j] * len(folded))
        i = j
    return "".join(out), starts, ends


def fold(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """Normalise `text` for comparison. Returns (folded, starts, ends); starts/ends are None
    when every folded character sits where its original did (the usual case: plain text),
    else per folded character the original span (see _fold_char_run)."""
    folded = text.casefold()
    # Fast path: one character in, one out, nothing to normalise or drop.
    if len(folded) == len(text) and (
        text.isascii()
        or (
            unicodedata.is_normalized("NFKC", text)
            and not any(unicodedata.category(c) == "Cf" for c in text)
        )
    ):
        return folded, None, None
    return _fold_char_run(text)


def normalize_entry(entry: str) -> str:
    """One list entry in its canonical form: folded words joined by one space
    ("  Blood-Bath " → "blood bath"); "" when it has no word characters."""
    return " ".join(_WORD.findall(fold(entry)[0]))


def parse_lines(text: str) -> tuple[list[str], list[str]]:
    """A textarea, one entry per line → (entries sorted and deduplicated, problems).

    Blank lines are ignored. A line without letters or digits, or longer than
    ENTRY_MAX_CHARS, is a problem (a sentence naming the line) and is left out.
    """
    entries: set[str] = set()
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        entry = normalize_entry(line)
        if not entry:
            problems.append(f"Line {number} (“{line.strip()}”) has no letters or digits.")
        elif len(entry) > ENTRY_MAX_CHARS:
            problems.append(f"Line {number} is longer than {ENTRY_MAX_CHARS} characters.")
        else:
            entries.add(entry)
    return sorted(entries), problems


def normalize_list(words: Iterable[str]) -> list[str]:
    """Entries in canonical form, sorted, without duplicates or empty ones."""
    return sorted({entry for entry in map(normalize_entry, words) if entry})


def diff(old: Iterable[str], new: Iterable[str]) -> tuple[list[str], list[str]]:
    """(added, removed), each sorted: what `new` has that `old` lacks, and the reverse."""
    old_set, new_set = set(old), set(new)
    return sorted(new_set - old_set), sorted(old_set - new_set)


def skipped_spans(text: str) -> list[tuple[int, int]]:
    """Spans of a Midjourney prompt that are not words: image links anywhere, and from the
    first known flag on, each flag with its values — except the values of `--no`."""
    spans: list[tuple[int, int]] = []
    in_flags = False
    current = ""
    for token in _TOKEN.finditer(text):
        value = token.group()
        flag = _FLAG.fullmatch(value)
        if flag and flag.group(1).lower() in _FLAG_NAMES:
            in_flags, current = True, flag.group(1).lower()
            spans.append(token.span())
        elif _URL.match(value) or (in_flags and current != _AVOID_FLAG):
            spans.append(token.span())
    return spans


def _trie_pattern(entries: Iterable[str]) -> str:
    """One regular expression body matching any of `entries`, written as a trie
    ("gore", "gory" → "gor(?:e|y)"), so a long list costs one walk per word start, not one
    try per entry. The space between the words of a phrase matches any run of separators.
    A longer entry is tried before an entry it extends, so a phrase wins over its first word.
    """
    trie: dict = {}
    for entry in entries:
        node = trie
        for char in entry:
            node = node.setdefault(char, {})
        node[""] = {}  # an entry ends here
    return _render(trie)


def _render(node: dict) -> str:
    branches = [
        (r"\W+" if char == " " else re.escape(char)) + _render(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # an entry ends here: the longer ones are optional, tried first (greedy)
        return body + "?" if len(branches) == 1 and len(body) == 1 else f"(?:{body})?"
    return body


class Matcher:
    """A compiled list: one regular expression for every entry (a trie, see _trie_pattern).
    Build once per list version and reuse it."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words: tuple[str, ...] = tuple(normalize_list(words))
        body = _trie_pattern(self.words)
        self.pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)") if self.words else None

    def __bool__(self) -> bool:
        return bool(self.words)

    def find(self, text: str, *, midjourney: bool = False) -> list[Hit]:
        """Every banned entry in `text`, in order, with its span in `text` (see the module
        docstring for the rules). Empty when the list or the text is empty."""
        if self.pattern is None or not text:
            return []
        masked = text
        if midjourney:
            chars = list(text)
            for start, end in skipped_spans(text):
                chars[start:end] = " " * (end - start)
            masked = "".join(chars)
        folded, starts, ends = fold(masked)
        hits = []
        for match in self.pattern.finditer(folded):
            a, b = match.span()
            word = " ".join(_WORD.findall(match.group()))
            if starts is None:
                hits.append(Hit(word, a, b))
            else:
                hits.append(Hit(word, starts[a], ends[b - 1]))
        return hits

    def blocks(self, text: str, *, midjourney: bool = False) -> bool:
        """True when `text` has at least one banned entry (cheaper than find for a yes/no)."""
        if self.pattern is None or not text:
            return False
        if midjourney and ("--" in text or "://" in text or "\u2014" in text or "\u2013" in text):
            return bool(self.find(text, midjourney=True))
        return self.pattern.search(fold(text)[0]) is not None


def words_of(hits: Iterable[Hit]) -> list[str]:
    """The distinct entries of `hits`, in the order they first appear."""
    return list(dict.fromkeys(hit.word for hit in hits))


def mark(text: str, hits: Iterable[Hit]) -> SafeString:
    """`text` as HTML with every hit wrapped in `<mark>`; everything is escaped (the text is
    the person's, never trusted)."""
    parts: list[SafeString] = []
    position = 0
    for hit in sorted(hits, key=lambda h: h.start):
        if hit.start < position:  # overlapping hits cannot happen with one pattern; be safe
            continue
        parts.append(format_html("{}", text[position : hit.start]))
        parts.append(format_html("<mark>{}</mark>", text[hit.start : hit.end]))
        position = hit.end
    parts.append(format_html("{}", text[position:]))
    return mark_safe("".join(parts))  # every part was escaped by format_html above


def refusal_sentence(words: list[str]) -> str:
    """“gore” is not allowed in this studio. Remove it and submit again. (one word), or
    “gore” and “blood bath” are not allowed … Remove them … (several)."""
    quoted = [f"“{word}”" for word in words]
    if len(quoted) == 1:
        return f"{quoted[0]} is not allowed in this studio. Remove it and submit again."
    listed = ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
    return f"{listed} are not allowed in this studio. Remove them and submit again."
