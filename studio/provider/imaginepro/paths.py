"""The ImaginePro API's routes, and the button body that the client and the presses share
(the routes are described in docs/provider-contract.md).

One table, so a moved route is a one-line edit. Values: (preferred path, fallback or None);
the client tries the fallback once when the preferred route answers NestJS's "Cannot POST …",
and remembers which family answered (FamilyMemory) so that it is tried first next time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

# Sources per route: docs/provider-contract.md §2 (catalogue) and §10 (which family to prefer).
PATHS: dict[str, tuple[str, str | None]] = {
    # generating (POST → messageId)
    "imagine": ("/nova/imagine", "/midjourney/imagine"),
    "button": ("/nova/button", "/midjourney/button"),
    "boost_imagine": ("/nova/boost/imagine", None),
    "boost_button": ("/nova/boost/button", None),
    "describe": ("/nova/describe", "/midjourney/describe"),
    "faceswap": ("/nova/faceswap", "/midjourney/faceswap"),
    "blend": ("/nova/blend", "/midjourney/blend"),
    "flux_imagine": ("/flux/imagine", None),
    "flux_upscale": ("/flux/upscale", None),
    "remove_bg": ("/tools/remove-bg", None),
    "universal_imagine": ("/universal/imagine", "/gemini/imagine"),
    "zimage": ("/universal/zimage", None),
    "video_generate": ("/video/mj/generate", None),
    "video_extend": ("/video/mj/extend", None),
    # synchronous tools
    "prompt_extend": ("/tools/prompt-extend", None),
    "prompt_check": ("/nova/prompt-check", None),
    # reads
    "message": ("/message/fetch/{message_id}", "/midjourney/message/{message_id}"),
    "video_message": ("/video/mj/fetch/{message_id}", "/message/fetch/{message_id}"),
    "images": ("/nova/images", None),
    "account_info": ("/subscription/account-info", None),
    # DIY plan (§3.18): documented routes…
    "discord_tokens": ("/discord/tokens", None),
    "discord_token": ("/discord/token/{token_id}", None),
    "message_trace": ("/message/trace/{message_id}", None),
    "commands": ("/nova/commands", None),
    # …and the provisional ones of docs/architecture.md "Providers" (PROVISIONAL says why).
    "diy_queue_count": ("/diy/queue/count", None),
    "diy_queue_pause": ("/diy/queue/pause", None),
    "diy_queue_resume": ("/diy/queue/resume", None),
    "diy_queue_reboot": ("/diy/queue/reboot", None),
    "diy_ban_words": ("/diy/ban-words", None),
    "diy_accounts": ("/diy/accounts", None),
    "diy_account_queue": ("/diy/accounts/{account_id}/queue", None),
}


@dataclass(frozen=True)
class Provisional:
    """A DIY route whose path the provider's pages do not give: its method(s) and why the
    path is the studio's own (what an admin with a real key should check first)."""

    method: str
    reason: str


# The DIY routes the provider's pages do not publish (docs/provider-contract.md §2 rows 30–32):
# its docs menu lists them, but only `POST /nova/commands` among the DIY plan's new pages has
# a path. The sandbox serves exactly these paths; a real provider may not.
_MENU_ONLY = "The docs menu lists it, but no page gives its method, path or answer"
PROVISIONAL: dict[str, Provisional] = {
    "diy_queue_count": Provisional("GET", f"“Queue count”: {_MENU_ONLY}."),
    "diy_queue_pause": Provisional("POST", f"“Queue pause”: {_MENU_ONLY}."),
    "diy_queue_resume": Provisional("POST", f"“Queue resume”: {_MENU_ONLY}."),
    "diy_queue_reboot": Provisional(
        "POST", f"“Queue reboot”: {_MENU_ONLY}; what a reboot does to jobs is not published."
    ),
    "diy_ban_words": Provisional(
        "GET|POST",
        "“Get/Update Ban Words”: the menu's badges say GET and POST; the path and the "
        '`{"words": [...]}` body are the studio\'s.',
    ),
    "diy_accounts": Provisional(
        "GET",
        "“Get Linked Account List”: the menu's badge says GET; the path and the answer's "
        "fields are the studio's.",
    ),
    "diy_account_queue": Provisional(
        "GET",
        "“Get Linked Account queue status”: the menu's badge says GET; the path and the "
        "answer's fields are the studio's.",
    ),
}


def provisional(*routes: str) -> list[tuple[str, str, Provisional]]:
    """(route, path, Provisional) for those of `routes` that are provisional, in order."""
    return [
        (route, PATHS[route][0], PROVISIONAL[route]) for route in routes if route in PROVISIONAL
    ]


# Routes that start a job and answer with a messageId (what `submit` accepts).
SUBMIT_ROUTES = frozenset(
    {
        "imagine",
        "button",
        "boost_imagine",
        "boost_button",
        "describe",
        "faceswap",
        "blend",
        "flux_imagine",
        "flux_upscale",
        "remove_bg",
        "universal_imagine",
        "zimage",
        "video_generate",
        "video_extend",
    }
)


class FamilyMemory:
    """Which path family answered last, per base URL: process-wide, thread-safe, small.

    A route with a fallback belongs to the family of its fallback's first segment (the
    `/midjourney/*` twins of `/nova/*` and of `/message/fetch`, `/gemini`, and the video
    status route's `/message` twin). Today's docs and the oldest ones name different
    families and whether both are still served is unknown (docs/provider-contract.md §9
    items 1 and 2, §11): a provider that lost one family would otherwise cost two requests
    for every submit and every poll. `prefers_fallback` says which path to try first;
    `remember` records the one that answered after the other was missing. At most
    `max_entries` (base URL, family) pairs are kept, the oldest forgotten first.
    """

    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._fallback: dict[tuple[str, str], bool] = {}

    def prefers_fallback(self, base_url: str, family: str) -> bool:
        """True when the fallback path answered last for this base URL and family."""
        with self._lock:
            return self._fallback.get((base_url.rstrip("/"), family), False)

    def remember(self, base_url: str, family: str, *, fallback: bool) -> None:
        """The preferred path (fallback=False) or the fallback answered."""
        key = (base_url.rstrip("/"), family)
        with self._lock:
            self._fallback.pop(key, None)  # re-inserted last: the newest entry
            if fallback:
                self._fallback[key] = True
                while len(self._fallback) > self.max_entries:
                    del self._fallback[next(iter(self._fallback))]


def family_of(fallback: str) -> str:
    """The family a fallback path names: its first segment ("/midjourney/imagine" →
    "midjourney")."""
    return fallback.lstrip("/").split("/", 1)[0]


path_families = FamilyMemory()


def button_body(*, message_id: str, button: str, prompt: str = "", mask: str = "") -> dict:
    """The JSON body of a button press (§3.3): optional fields only when given."""
    body: dict[str, Any] = {"messageId": message_id, "button": button}
    if prompt:
        body["prompt"] = prompt
    if mask:
        body["mask"] = mask
    return body


def path_id(value: int | str) -> str:
    """A numeric id for a URL path (DIY token and account ids are integers); ValueError
    otherwise, so nothing else can be spliced into the path."""
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"{value!r} is not a numeric id")
    return text


def path_part(value: str) -> str:
    """One URL path segment, percent-encoded (a pasted messageId cannot change the path)."""
    return quote(str(value).strip(), safe="")
