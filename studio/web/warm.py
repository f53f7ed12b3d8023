"""A web process's first request, paid before it takes one: gunicorn calls `warm_process`
in each new worker (docker/gunicorn.conf.py, post_worker_init).

Django loads the URLconf, the view modules and each template on first use; in a fresh worker
the first gallery page paid all of it (tens of milliseconds) on top of its own work. Loading
them at start moves that cost out of anyone's request. A template that fails to load here
is left for its request to report, as without warming.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# The pages a person opens first, and what they include.
TEMPLATES = (
    "gallery/gallery.html",
    "gallery/_prompt_bar.html",
    "gallery/_favourite.html",
    "gallery/_status_note.html",
    "generation/_images.html",
    "generation/_import.html",
    "registration/login.html",
)


def warm_process() -> None:
    """Load the URLconf (with every view module it imports) and the first pages' templates
    into this process's caches. Never raises: warming is an optimisation."""
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver

    try:
        get_resolver().resolve("/")
    except Exception:  # the request will say what is wrong
        log.warning("warming: the URLconf did not load", exc_info=True)
        return
    for name in TEMPLATES:
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            log.warning("warming: template %s did not load", name, exc_info=True)
