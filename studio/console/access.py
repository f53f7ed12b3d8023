"""Who may enter the staff console: Django's `is_staff` flag, nothing else.

Anonymous visitors are sent to the login page; a signed-in person without the staff flag gets
a plain 404, so the console's existence is not advertised to them.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404


def is_staff(user) -> bool:
    """True for an active, signed-in staff member."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def staff_required(view):
    """View decorator: anonymous → login redirect, signed-in non-staff → 404, staff → the view."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff(user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    wrapper.staff_only = True
    return wrapper
