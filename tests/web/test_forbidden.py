"""A member whose role is too low is told why, on a page of the studio."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def test_the_403_page_says_why(alice):
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/")
    request.user = alice
    request.session = {}
    response = permission_denied(
        request, PermissionDenied("Viewers can look but not generate: ask a team owner.")
    )
    assert response.status_code == 403
    assert "Viewers can look but not generate: ask a team owner." in response.content.decode()
