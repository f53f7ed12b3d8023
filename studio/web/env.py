"""Reading settings from the environment: typed values with defaults, secrets from files.

studio/settings.py reads every variable through these; a malformed value stops the start.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def envbool(name: str, default: str) -> bool:
    """Read a boolean; anything but "True"/"False" is a configuration error."""
    value = os.getenv(name, default)
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")
    return value == "True"


def envint(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def envfloat(name: str, default: float) -> float:
    return float(os.getenv(name, str(default)))


def envsecret(name: str, default: str = "") -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name, default)


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]
