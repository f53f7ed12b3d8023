"""A new web worker loads the URLconf and the first pages' templates before its first
request (docker/gunicorn.conf.py, post_worker_init)."""

from __future__ import annotations

from django.template import engines

from studio.web.warm import TEMPLATES, warm_process


def test_warming_loads_every_first_page_template():
    warm_process()

    loader = engines["django"].engine.template_loaders[0]
    cached = getattr(loader, "get_template_cache", None)
    if cached is None:  # templates are not cached (DEBUG): loading them is all there is
        return
    for name in TEMPLATES:
        assert name in cached, name
