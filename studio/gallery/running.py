"""What a running card says in plain words: the state line under its progress bar, and the
worker's note only when it adds something (a wait, a retry, no news for minutes).

The studio's job statuses are those of docs/architecture.md "The job state machine"; the
provider's progress figure is the message's `progress` (docs/provider-contract.md §1.3).
"""

from __future__ import annotations

from studio.generation.models import Generation, Status

# Notes the worker writes at each ordinary step; the state line already says the same.
ROUTINE_NOTES = (
    "creating, ",
    "the provider says ",
    "queued at the provider",
    "Sending to the provider",
    "sent: waiting for the provider",
)


def state_line(generation: Generation) -> str:
    """The state in plain words: "sending" (SUBMITTING), "creating, N %" (PROCESSING with a
    figure, else "creating"), "saving" (DOWNLOADING), "waiting in the queue" (QUEUED,
    SUBMITTED); "" once final."""
    status = generation.status
    if status == Status.SUBMITTING:
        return "sending"
    if status == Status.PROCESSING:
        return f"creating, {generation.progress} %" if generation.progress else "creating"
    if status == Status.DOWNLOADING:
        return "saving"
    if status in (Status.QUEUED, Status.SUBMITTED):
        return "waiting in the queue"
    return ""


def running_note(generation: Generation) -> str:
    """`Generation.live_note` unless it is one of ROUTINE_NOTES (then "")."""
    note = generation.live_note or ""
    return "" if note.startswith(ROUTINE_NOTES) else note
