"""The staff audit log: one call records one action.

Other staff apps (ban words) call `record` too, so every staff action lands in one list.
"""

from __future__ import annotations

from studio.console.models import AuditEntry


def record(user, action: str, *, target="", details=None, answer="", ok=True) -> AuditEntry:
    """Store one audit row and return it.

    `user`: the staff member (a User; anonymous/None is stored as no one). `action`: a short
    dotted name such as "queue.pause". `target`: what was acted on (str()'d, max 200 chars).
    `details`: a JSON-serialisable dict of inputs — never a secret. `answer`: the provider's
    answer or our status text. `ok`: False when the action failed.
    """
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return AuditEntry.objects.create(
        user=user,
        action=str(action)[:60],
        target=str(target or "")[:200],
        details=details or {},
        answer=str(answer or ""),
        ok=bool(ok),
    )
