"""Encryption of provider API keys at rest (Fernet, with rotation).

Keys come from settings.FIELD_ENCRYPTION_KEYS, newest first: new tokens use the first key,
any listed key decrypts. See docs/architecture.md "Pitfalls" §4.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


@sensitive_variables("plaintext")
def encrypt(plaintext: str) -> str:
    """Encrypt a secret to a URL-safe token (str, about 140 chars for a 40-char key)."""
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a token made by `encrypt`. Raises cryptography.fernet.InvalidToken when no
    configured key can read it (a lost or removed key)."""
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key."""
    return fernet().rotate(token.encode()).decode()


__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]
