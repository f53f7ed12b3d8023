"""Our banned-word list: versions, the cached current list, checking prompts, the dry run.

Views and other apps call these; nothing here talks to the provider (see provider.py for the
provider's own list). Every change is audited (studio.console.audit.record) in the same
transaction as the version it saves.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from studio.banwords.matching import Hit, Matcher, diff, normalize_list, refusal_sentence, words_of
from studio.banwords.models import BanListVersion
from studio.console.audit import record
from studio.generation.models import Generation, Model

# How long a process trusts its cached list before asking the database whether a newer
# version exists (one indexed query). A save in this process takes effect at once; a save
# in another process (another web worker) within this many seconds.
REFRESH_SECONDS = 2.0
DRY_RUN_DAYS = 30


class BanListError(Exception):
    """A change to the list that was not made; the message is for the staff member."""


class Unchanged(BanListError):
    """The new list has exactly the current words: no version is saved."""


class Stale(BanListError):
    """Someone saved a newer version since the edit began; `current` is that version."""

    def __init__(self, message: str, current: BanListVersion) -> None:
        super().__init__(message)
        self.current = current


# --- the current list, cached per process ----------------------------------------------------

_lock = threading.Lock()
_cached: tuple[float, int, Matcher] | None = None  # (checked at, version number, matcher)


def forget_cache() -> None:
    """Drop this process's cached list; the next check reads the database."""
    global _cached
    with _lock:
        _cached = None


def current_version() -> BanListVersion | None:
    """The newest version, or None before the first save (an empty list)."""
    return BanListVersion.objects.select_related("created_by").order_by("-number").first()


def current_matcher() -> Matcher:
    """The current list, compiled. At most one small query every REFRESH_SECONDS (the
    version number), and the words only when the number changed: a check per keystroke
    costs no database work."""
    global _cached
    cached = _cached
    now = time.monotonic()
    if cached is not None and now - cached[0] < REFRESH_SECONDS:
        return cached[2]
    latest = BanListVersion.objects.order_by("-number").values_list("number", "words").first()
    number, words = latest or (0, [])
    matcher = cached[2] if cached is not None and cached[1] == number else Matcher(words)
    with _lock:
        _cached = (now, number, matcher)
    return matcher


def check(text: str, *, midjourney: bool = False) -> list[Hit]:
    """The current list's hits in `text` (matching.Matcher.find)."""
    return current_matcher().find(text, midjourney=midjourney)


def prompt_refusal(prompt: str, *, midjourney: bool = False) -> str | None:
    """The sentence refusing `prompt` when it has words of our list, else None.

    `midjourney`: the prompt is Midjourney syntax (links and flags other than --no are not
    words; see matching). The service-level guard of generation_create calls this, so no
    path to the provider can skip our list.
    """
    hits = check(prompt, midjourney=midjourney)
    return refusal_sentence(words_of(hits)) if hits else None


# --- versions --------------------------------------------------------------------------------


def save_version(
    user,
    words: list[str],
    *,
    note: str = "",
    base: int | None = None,
    reverted_from: BanListVersion | None = None,
) -> BanListVersion:
    """Save `words` (normalised here) as the next version and audit it.

    `base`: the version number the edit started from (0 for "no version yet"); when a newer
    version was saved meanwhile this raises Stale, so nobody overwrites a change unseen.
    Raises Unchanged when the words equal the current list's.
    """
    words = normalize_list(words)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                version = _save(user, words, note=note, base=base, reverted_from=reverted_from)
        except IntegrityError:  # another save took this number at the same moment
            continue
        forget_cache()
        transaction.on_commit(forget_cache)
        return version
    raise BanListError("Another change was being saved at the same time. Try again.")


def _save(user, words, *, note, base, reverted_from) -> BanListVersion:
    current = BanListVersion.objects.order_by("-number").first()
    number = current.number if current else 0
    if base is not None and base != number:
        who = current.created_by.get_username() if current.created_by else "someone"
        raise Stale(f"{who} saved version {number} meanwhile.", current)
    old = current.words if current else []
    if words == old:
        raise Unchanged("The list is unchanged: nothing was saved.")
    version = BanListVersion.objects.create(
        number=number + 1,
        words=words,
        created_by=user,
        note=note.strip()[:200],
        reverted_from=reverted_from,
    )
    added, removed = diff(old, words)
    record(
        user,
        "banwords.revert" if reverted_from else "banwords.save",
        target=f"version {version.number}",
        details={
            "added": added,
            "removed": removed,
            "note": version.note,
            **({"reverted_to": reverted_from.number} if reverted_from else {}),
        },
        answer=f"Saved version {version.number} ({len(words)} entries).",
    )
    return version


def revert(user, number: int, *, base: int | None = None) -> BanListVersion:
    """Save a new version with the words of version `number` (history is kept).

    Raises BanListError when there is no such version, Unchanged when the current list
    already has its words, Stale as save_version does.
    """
    target = BanListVersion.objects.filter(number=number).first()
    if target is None:
        raise BanListError(f"There is no version {number}.")
    try:
        return save_version(
            user,
            target.words,
            note=f"Revert to version {number}",
            base=base,
            reverted_from=target,
        )
    except Unchanged:
        raise Unchanged(
            f"The current list already has the words of version {number}: nothing was saved."
        ) from None


@dataclass(frozen=True)
class HistoryRow:
    """A version with what it changed against the one before it."""

    version: BanListVersion
    added: list[str]
    removed: list[str]


def history_rows(versions: list[BanListVersion]) -> list[HistoryRow]:
    """Rows for a page of versions (newest first); one extra query for their predecessors."""
    wanted = {v.number - 1 for v in versions} - {v.number for v in versions} - {0}
    words_by_number = {v.number: v.words for v in versions}
    words_by_number.update(
        BanListVersion.objects.filter(number__in=wanted).values_list("number", "words")
    )
    rows = []
    for version in versions:
        added, removed = diff(words_by_number.get(version.number - 1, []), version.words)
        rows.append(HistoryRow(version, added, removed))
    return rows


# --- dry run ---------------------------------------------------------------------------------


@dataclass
class DryRun:
    """What a proposed list would have blocked among the typed prompts since `since`.

    `blocked`: (generation id, matched entries), newest first. `counts`: entry → number of
    prompts it would have blocked, most first. `scanned`: prompts looked at.
    """

    matcher: Matcher
    since: datetime
    scanned: int = 0
    blocked: list[tuple[object, list[str]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def typed_prompts(since: datetime):
    """Generations since `since` whose prompt a person typed: not empty, and not a child
    that only carries its parent's prompt (a U1 press, an upscale)."""
    return (
        Generation.objects.filter(created_at__gte=since)
        .exclude(prompt="")
        .filter(Q(parent__isnull=True) | ~Q(prompt=F("parent__prompt")))
    )


def dry_run(words: list[str], *, days: int = DRY_RUN_DAYS, now: datetime | None = None) -> DryRun:
    """Check every typed prompt of the last `days` days against `words`; saves nothing.

    Streams (id, prompt, model) rows with .iterator() and one compiled pattern, so memory
    holds only the blocked ids.
    """
    matcher = Matcher(words)
    result = DryRun(matcher=matcher, since=(now or timezone.now()) - timedelta(days=days))
    if not matcher:
        result.scanned = typed_prompts(result.since).count()
        return result
    counts: dict[str, int] = {}
    rows = (
        typed_prompts(result.since)
        .order_by("-created_at")
        .values_list("id", "prompt", "model")
        .iterator(chunk_size=2000)
    )
    for pk, prompt, model in rows:
        result.scanned += 1
        midjourney = model == Model.MIDJOURNEY
        if not matcher.blocks(prompt, midjourney=midjourney):
            continue
        found = words_of(matcher.find(prompt, midjourney=midjourney))
        result.blocked.append((pk, found))
        for word in found:
            counts[word] = counts.get(word, 0) + 1
    result.counts = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return result
