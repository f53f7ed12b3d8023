"""Logging filter that keeps provider keys out of every log line."""

from __future__ import annotations

import logging
import re

# Bearer tokens and sk-… style keys, wherever they appear in a formatted message.
_SECRET = re.compile(r"(Bearer\s+)[A-Za-z0-9._\-]+|\bsk-[A-Za-z0-9_\-]{4,}", re.IGNORECASE)


def redact(text: str) -> str:
    """Replace anything that looks like an API key or a bearer token with `[redacted]`."""
    return _SECRET.sub(lambda m: (m.group(1) or "") + "[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def logging_config(*, level: str) -> dict:
    """The LOGGING setting: every record to the console at `level` (a logging level name,
    e.g. "INFO"), through RedactSecretsFilter; the development server's request lines only
    from WARNING up."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "studio.web.logging.RedactSecretsFilter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.server": {"level": "WARNING"},
        },
    }
