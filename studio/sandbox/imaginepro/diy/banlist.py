"""The DIY account's own ban list: reading and storing it, and refusing a submit whose
prompt holds one of its words."""

from __future__ import annotations

import re

from ...models import SandboxAccount
from ..validation import bad_request

MAX_BAN_WORDS = 1000
MAX_BAN_WORD_LENGTH = 100


# --- ban list -------------------------------------------------------------------------------


def read_ban_words(data: dict) -> list[str]:
    """`{"words": [...]}`: strings, trimmed, empty ones dropped, duplicates (any case)
    dropped keeping the first spelling; at most MAX_BAN_WORDS of MAX_BAN_WORD_LENGTH."""
    words = data.get("words")
    if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
        raise bad_request("words must be an array of strings.")
    seen, out = set(), []
    for word in words:
        word = " ".join(word.split())
        if not word:
            continue
        if len(word) > MAX_BAN_WORD_LENGTH:
            raise bad_request(f"Each word must be at most {MAX_BAN_WORD_LENGTH} characters.")
        if word.casefold() not in seen:
            seen.add(word.casefold())
            out.append(word)
    if len(out) > MAX_BAN_WORDS:
        raise bad_request(f"words must contain no more than {MAX_BAN_WORDS} elements.")
    return out


def ban_words_set(account: SandboxAccount, words: list[str]) -> dict:
    """POST /diy/ban-words: replace the list; answers `{"words": [...]}` as stored."""
    SandboxAccount.objects.filter(pk=account.pk).update(ban_words=words)
    return {"words": words}


def find_listed_word(words: list[str], text: str) -> str | None:
    """The first of `words` present in `text` as a whole word or phrase (case-insensitive,
    any run of spaces between the words of a phrase), else None."""
    lowered = text.casefold()
    for word in words:
        parts = [re.escape(part) for part in word.casefold().split()]
        if parts and re.search(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", lowered):
            return word
    return None


def sent_prompts(data: dict) -> list[str]:
    """The prompt texts of a submit body: `prompt`, and the text items of `contents`."""
    texts = []
    if isinstance(data.get("prompt"), str):
        texts.append(data["prompt"])
    contents = data.get("contents")
    if isinstance(contents, list):
        for item in contents:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                texts.append(item["text"])
    return texts


def banned_prompt(account: SandboxAccount, data: dict) -> str | None:
    """The first word of the account's ban list in the body's prompt texts, else None."""
    words = account.ban_words or []
    if not words:
        return None
    for text in sent_prompts(data):
        word = find_listed_word(words, text)
        if word:
            return word
    return None


def refuse_banned(account: SandboxAccount, data: dict) -> None:
    """400 `Banned prompt detected: "<word>"` when a submitted prompt holds a word of the
    account's ban list: nothing is charged or stored (the provider's moderation wording)."""
    word = banned_prompt(account, data)
    if word:
        raise bad_request(f'Banned prompt detected: "{word}"')
