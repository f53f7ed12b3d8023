"""Whole-sandbox faults from settings.SANDBOX_FAULTS, parsed in memory (never stored)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..models import SandboxFault
from .kinds import check_fields

_env_lock = threading.Lock()
_env_cache: dict[str, list[SandboxFault]] = {}
# Per-process uses left of env faults that have `remaining` (keyed by position).
_env_left: dict[tuple[str, int], int] = {}


def parse_env(spec: str) -> list[SandboxFault]:
    """Parse a SANDBOX_FAULTS string into unsaved whole-sandbox faults.

    Format: faults separated by ";", each `kind` then `:key=value` options among on,
    remaining, probability, seconds, note, text (text last: it takes the rest, colons
    included). Example: "latency:on=submit:seconds=2;http_429:on=fetch:probability=0.2".
    Raises ImproperlyConfigured with a sentence naming the bad part.
    """
    found = []
    for number, part in enumerate(p.strip() for p in (spec or "").split(";")):
        if not part:
            continue
        kind, *options = part.split(":")
        values: dict[str, str] = {}
        for index, option in enumerate(options):
            name, sep, value = option.partition("=")
            name = name.strip()
            if name == "text" and sep:
                values["text"] = ":".join([value, *options[index + 1 :]])
                break
            if not sep or name not in ("on", "remaining", "probability", "seconds", "note"):
                raise ImproperlyConfigured(
                    f"SANDBOX_FAULTS: {option!r} in {part!r} is not one of on=, remaining=, "
                    "probability=, seconds=, note=, text= (write e.g. "
                    '"latency:on=submit:seconds=2;http_429:on=fetch:probability=0.2").'
                )
            values[name] = value.strip()
        try:
            remaining = _number(values, "remaining", int)
            probability = _number(values, "probability", float)
            seconds = _number(values, "seconds", float)
            on = check_fields(
                kind.strip(),
                values.get("on", "any"),
                remaining,
                1.0 if probability is None else probability,
                seconds,
            )
        except ValueError as exc:
            raise ImproperlyConfigured(f"SANDBOX_FAULTS: in {part!r}: {exc}") from exc
        fault = SandboxFault(
            kind=kind.strip(),
            on=on,
            remaining=remaining,
            probability=1.0 if probability is None else probability,
            seconds=seconds,
            text=values.get("text", ""),
            note=values.get("note", "") or "from SANDBOX_FAULTS",
        )
        fault.env_index = number
        found.append(fault)
    return found


def _number(values: dict[str, str], name: str, kind: type) -> float | int | None:
    if name not in values:
        return None
    try:
        return kind(values[name])
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {noun}, not {values[name]!r}.") from None


def env_faults() -> list[SandboxFault]:
    """The faults of settings.SANDBOX_FAULTS (parsed once per distinct value, in memory)."""
    spec = getattr(settings, "SANDBOX_FAULTS", "") or ""
    with _env_lock:
        if spec not in _env_cache:
            _env_cache[spec] = parse_env(spec)
        return _env_cache[spec]


def take_use(fault: SandboxFault) -> bool:
    """Take one of the `remaining` uses of an env fault, counted in this process; False when
    they are used up."""
    key = (settings.SANDBOX_FAULTS, fault.env_index)
    with _env_lock:
        left = _env_left.setdefault(key, fault.remaining)
        if left <= 0:
            return False
        _env_left[key] = left - 1
    return True
