"""API keys of simulated ImaginePro accounts: only their sha256 is stored."""

from __future__ import annotations

import hashlib

KEY_PREFIX = "sk-sandbox-"


def hash_key(api_key: str) -> str:
    """The hex sha256 of a plaintext key, as stored in SandboxAccount.key_hash."""
    return hashlib.sha256(api_key.encode()).hexdigest()
