from __future__ import annotations

from django.utils.cache import patch_vary_headers


class VaryOnHtmxMiddleware:
    """Add `Vary: HX-Request`: views answer htmx with a fragment and browsers with a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response
