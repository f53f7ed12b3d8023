"""How the console shows the provider's answers: the raw `/info` text (Discord timestamp tags
as dates, absent values as a dash) and what a queue reboot did to each job.

Midjourney's `/info` reaches the DIY token objects as Discord markup (docs/provider-contract.md
§3.18): a date is a tag such as `<t:1893456000>` or `<t:1893456000:R>` (seconds since 1970,
an optional style letter), and a value that is not there reads "None" (`runningJobs`) or "".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from studio.provider.imaginepro.diy import QueueState

ABSENT = "–"
# Words the bot prints where a value is missing.
_ABSENT_WORDS = frozenset({"", "none", "null", "undefined", "n/a"})
# Discord's timestamp tag: <t:SECONDS> or <t:SECONDS:STYLE> (styles t T d D f F R).
_TAG = re.compile(r"<t:(-?\d{1,12})(?::([tTdDfFR]))?>")
_FORMATS = {"t": "%H:%M", "T": "%H:%M:%S", "d": "%Y-%m-%d", "D": "%-d %B %Y"}
_DEFAULT_FORMAT = "%-d %B %Y, %H:%M"


def is_absent(value) -> bool:
    """True for None and for the words the bot prints instead of a value ("None", "")."""
    return value is None or str(value).strip().lower() in _ABSENT_WORDS


def discord_date(seconds: int, style: str | None = None) -> str:
    """A Discord timestamp as text in the studio's time zone, e.g. 1893456000 →
    "1 January 2030, 00:00 UTC" (style "d"/"D": the date only, "t"/"T": the time only)."""
    moment = timezone.localtime(datetime.fromtimestamp(seconds, tz=UTC))
    text = moment.strftime(_FORMATS.get(style or "", _DEFAULT_FORMAT))
    if style in ("d", "D"):
        return text
    return f"{text} {moment.tzname()}"


def provider_value(value) -> SafeString:
    """One value of a token's `info`, as HTML: "–" when absent, Discord timestamp tags as
    `<time>` elements with the date, everything else escaped as it came."""
    if is_absent(value):
        return mark_safe(ABSENT)
    text = str(value)
    parts, last = [], 0
    for match in _TAG.finditer(text):
        seconds = int(match.group(1))
        try:
            shown = discord_date(seconds, match.group(2))
            iso = datetime.fromtimestamp(seconds, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            continue  # not a date a person can read: left as the bot wrote it
        parts.append(escape(text[last : match.start()]))
        parts.append(format_html('<time datetime="{}">{}</time>', iso, shown))
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))


def _jobs_text(count: int, what: str) -> str:
    return f"{count} {what} job{'' if count == 1 else 's'}"


def _listed(ids: tuple[str, ...] | None, limit: int = 10) -> str:
    if not ids:
        return ""
    shown = ", ".join(ids[:limit])
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return f" ({shown}{more})"


def reboot_text(state: QueueState) -> str:
    """What a reboot did to each job, counted at the moment of the reboot: e.g. "1 running
    job failed (id), 2 waiting jobs kept in the queue (id, id)." The messageIds are those
    the provider named (the sandbox names them; other answers give only counts)."""
    failed = state.rebooted if state.rebooted is not None else len(state.failed or ())
    kept = len(state.kept) if state.kept is not None else state.count
    parts = [
        _jobs_text(failed, "running") + " failed" + _listed(state.failed),
        _jobs_text(kept, "waiting") + " kept in the queue" + _listed(state.kept),
    ]
    text = ", ".join(parts) + "."
    if state.paused:
        text += " The queue is still paused: the waiting jobs run after Resume."
    return text
