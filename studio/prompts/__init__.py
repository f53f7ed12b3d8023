"""Prompt syntax shared by the apps that read prompts: pure functions, no database, and
nothing else of the studio imported, so generation (which composes prompts) and banwords
(which skips flags when it looks for banned words) both build on it."""
