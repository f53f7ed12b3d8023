"""Errors the generation services raise, in a module that imports nothing of the app.

Kept apart so that lower modules (credits budgets, ImagineLab services) can raise or catch
them without importing the services that use them.
"""

from __future__ import annotations


class GenerationError(Exception):
    """A request the studio refuses, with a message for the person who made it."""
